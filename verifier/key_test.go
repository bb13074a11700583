package verifier_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// rfc7638Key is the example key of RFC 7638 §3.1 and its thumbprint.
const (
	rfc7638Key        = `{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`
	rfc7638Thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
)

func TestKeyThumbprintRFC7638Example(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(rfc7638Key))
	if got := ks.Keys[0].Thumbprint; got != rfc7638Thumbprint {
		t.Fatalf("Thumbprint = %s, want %s", got, rfc7638Thumbprint)
	}
	k := ks.Keys[0]
	if k.ID != "2011-04-29" || k.Alg != verifier.RS256 || k.Type != "RSA" || k.Use != "" {
		t.Fatalf("metadata = %+v", k)
	}
}

// TestKeyThumbprintIgnoresOptionalMembersAndLeadingZeros: the thumbprint
// covers only the required members, canonically encoded.
func TestKeyThumbprintIgnoresOptionalMembersAndLeadingZeros(t *testing.T) {
	n := "AA" + "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	// "AA" + a base64 group is not byte-aligned; re-encode with a real zero octet.
	raw, ok := fxDecode(n[2:])
	if !ok {
		t.Fatal("bad fixture")
	}
	padded := fxB64(append([]byte{0}, raw...))
	jwk := `{"use":"sig","e":"AAEAAQ","n":"` + padded + `","kty":"RSA","x-extra":[1]}`
	ks := fxKeySet(t, fxJWKS(jwk))
	if got := ks.Keys[0].Thumbprint; got != rfc7638Thumbprint {
		t.Fatalf("Thumbprint = %s, want %s", got, rfc7638Thumbprint)
	}
}

// TestKeyThumbprintSameFromJWKAndPEM cross-checks the EC, OKP and RSA
// thumbprint JSON: both parsers must agree on the same key.
func TestKeyThumbprintSameFromJWKAndPEM(t *testing.T) {
	for _, key := range []any{fxRSA(), fxP256(), fxP384(), fxP521(), fxEd()} {
		pub := key.(crypto.Signer).Public()
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		fromPEM, err := verifier.ParsePEM(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), verifier.KeyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		fromJWK := fxKeySet(t, fxJWKS(fxJWK(t, key, "")))
		a, b := fromPEM.Keys[0], fromJWK.Keys[0]
		if a.Thumbprint != b.Thumbprint || a.Type != b.Type || a.Thumbprint == "" {
			t.Errorf("%T: PEM %s %s, JWK %s %s", pub, a.Type, a.Thumbprint, b.Type, b.Thumbprint)
		}
	}
}

func TestKeyThumbprintsDifferBetweenKeys(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxP256(), ""), fxJWK(t, fxP256Other(), ""), fxJWK(t, fxSecret32, ""), fxJWK(t, fxSecret48, "")))
	seen := map[string]bool{}
	for _, k := range ks.Keys {
		if seen[k.Thumbprint] {
			t.Fatalf("duplicate thumbprint %s", k.Thumbprint)
		}
		seen[k.Thumbprint] = true
	}
}

func TestKeyPublicReturnsGoKey(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxRSA(), ""), fxJWK(t, fxP384(), ""), fxJWK(t, fxEd(), ""), fxJWK(t, fxSecret32, "")))
	if !fxRSA().PublicKey.Equal(ks.Keys[0].Public().(*rsa.PublicKey)) {
		t.Error("RSA key differs")
	}
	if !fxP384().PublicKey.Equal(ks.Keys[1].Public().(*ecdsa.PublicKey)) {
		t.Error("EC key differs")
	}
	if !fxEd().Public().(ed25519.PublicKey).Equal(ks.Keys[2].Public().(ed25519.PublicKey)) {
		t.Error("Ed25519 key differs")
	}
	secret := ks.Keys[3].Public().([]byte)
	if !bytes.Equal(secret, fxSecret32) {
		t.Error("secret differs")
	}
	// The secret is a copy: writing to it does not change the key.
	secret[0] ^= 0xff
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.HS256, fxSecret32, "")).Verify(ks), nil)
}
