package verifier_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// fxCert returns a self-signed certificate (DER) for key.
func fxCert(t testing.TB, key crypto.Signer) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "verifier test"},
		NotBefore:    time.Unix(1600000000, 0),
		NotAfter:     time.Unix(1900000000, 0),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func fxX5C(der []byte) string {
	s1 := sha1.Sum(der)
	s256 := sha256.Sum256(der)
	return `"x5c":["` + base64.StdEncoding.EncodeToString(der) + `"],"x5t":"` + fxB64(s1[:]) + `","x5t#S256":"` + fxB64(s256[:]) + `"`
}

// TestJWKSRealIdPShapes mixes what Azure AD, Keycloak, Auth0 and Google
// publish: keys without alg but with x5c and an issuer member, an encryption
// key, one kid shared by keys of two algorithms, unknown members.
func TestJWKSRealIdPShapes(t *testing.T) {
	jwks := fxJWKS(
		// Azure AD: no alg, x5c/x5t, extra "issuer".
		fxJWK(t, fxRSA(), `"use":"sig","kid":"azure-1",`+fxX5C(fxCert(t, fxRSA()))+`,"issuer":"https://login.microsoftonline.com/t/v2.0"`),
		// Keycloak: an RSA-OAEP encryption key next to the signing key.
		fxJWK(t, fxRSAOther(), `"use":"enc","alg":"RSA-OAEP","kid":"kc-enc"`),
		// Rotation: the same kid for an RSA and an EC key.
		fxJWK(t, fxRSAOther(), `"use":"sig","alg":"RS256","kid":"dup"`),
		fxJWK(t, fxP256(), `"use":"sig","alg":"ES256","kid":"dup","x-vendor":{"a":[1,2,3]}`),
		// Ed448 is published by some (RFC 8037) but not supported.
		`{"kty":"OKP","crv":"Ed448","kid":"ed448","x":"`+fxB64(make([]byte, 57))+`"}`,
	)
	ks, err := verifier.ParseJWKS([]byte(jwks), verifier.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ks.Keys) != 3 {
		t.Fatalf("%d keys, want 3; skipped %+v", len(ks.Keys), ks.Skipped)
	}
	if len(ks.Skipped) != 2 || ks.Skipped[0].KeyID != "kc-enc" || ks.Skipped[0].Index != 1 || ks.Skipped[1].KeyID != "ed448" || ks.Skipped[1].Index != 4 {
		t.Fatalf("skipped %+v", ks.Skipped)
	}
	if !strings.Contains(ks.Skipped[1].Reason.Error(), "Ed448") {
		t.Errorf("Ed448 reason %q does not say Ed448", ks.Skipped[1].Reason)
	}
	for _, tc := range []struct {
		alg verifier.Algorithm
		key any
		kid string
	}{
		{verifier.RS256, fxRSA(), "azure-1"},
		{verifier.PS256, fxRSA(), "azure-1"}, // no alg on the key: any RSA alg
		{verifier.RS256, fxRSAOther(), "dup"},
		{verifier.ES256, fxP256(), "dup"},
		{verifier.RS256, fxRSA(), ""}, // no kid: every fitting key is tried
	} {
		fxWantErr(t, fxParse(t, fxSimple(t, tc.alg, tc.key, tc.kid)).Verify(ks), nil)
	}
	// The encryption key's kid names no signing key.
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.RS256, fxRSAOther(), "kc-enc")).Verify(ks), verifier.ErrUnknownKey)
}

func TestJWKSSkipsUnusableKeys(t *testing.T) {
	rsaJWK := func(extra string) string { return fxJWK(t, fxRSA(), extra) }
	rsaNE := func(n, e string) string { return `{"kty":"RSA","n":"` + n + `","e":"` + e + `"}` }
	goodN := fxB64(fxRSA().N.Bytes())
	pt, _ := fxP256().PublicKey.Bytes()
	x, y := pt[1:33], pt[33:]
	ecXY := func(crv string, x, y []byte) string {
		return `{"kty":"EC","crv":"` + crv + `","x":"` + fxB64(x) + `","y":"` + fxB64(y) + `"}`
	}
	offCurveY := append([]byte{}, y...)
	offCurveY[31] ^= 1
	huge := make([]byte, 2048)
	rand.Read(huge)
	huge[0], huge[2047] = 0xff, 0xff
	evenN := fxRSA().N.Bytes()
	evenN[len(evenN)-1] &^= 1
	otherCert := fxCert(t, fxRSAOther())
	ownCert := fxCert(t, fxRSA())

	tests := []struct {
		name string
		jwk  string
		weak bool
	}{
		{"not an object", `"a string"`, false},
		{"null", `null`, false},
		{"kty missing", `{"n":"` + goodN + `","e":"AQAB"}`, false},
		{"kty not a string", `{"kty":1}`, false},
		{"kty unknown", `{"kty":"DSA"}`, false},
		{"kty lower case", `{"kty":"rsa","n":"` + goodN + `","e":"AQAB"}`, false},
		{"duplicate member", `{"kty":"RSA","n":"` + goodN + `","e":"AQAB","e":"Aw"}`, false},
		{"kid not a string", rsaJWK(`"kid":7`), false},
		{"alg not a string", rsaJWK(`"alg":256`), false},
		{"use enc", rsaJWK(`"use":"enc"`), false},
		{"use other", rsaJWK(`"use":"tls"`), false},
		{"use not a string", rsaJWK(`"use":["sig"]`), false},
		{"key_ops without verify", rsaJWK(`"key_ops":["encrypt","wrapKey"]`), false},
		{"key_ops not an array", rsaJWK(`"key_ops":"verify"`), false},
		{"key_ops element not a string", rsaJWK(`"key_ops":["verify",1]`), false},
		{"alg of JWE", rsaJWK(`"alg":"RSA-OAEP"`), false},
		{"alg HS256 on RSA key", rsaJWK(`"alg":"HS256"`), false},
		{"alg none", rsaJWK(`"alg":"none"`), false},
		{"alg ES384 on P-256", ecXY("P-256", x, y)[:len(ecXY("P-256", x, y))-1] + `,"alg":"ES384"}`, false},
		{"alg RS256 on EC", ecXY("P-256", x, y)[:len(ecXY("P-256", x, y))-1] + `,"alg":"RS256"}`, false},
		{"RSA 1024 bits", fxJWK(t, fxRSA1024(), ""), true},
		{"RSA modulus 16384 bits", rsaNE(fxB64(huge), "AQAB"), false},
		{"RSA exponent 8 bytes", rsaNE(goodN, fxB64([]byte{1, 0, 0, 0, 0, 0, 0, 1})), false},
		{"RSA exponent 2^31+1", rsaNE(goodN, fxB64([]byte{0x80, 0, 0, 1})), false},
		{"RSA exponent 1", rsaNE(goodN, "AQ"), false},
		{"RSA exponent even", rsaNE(goodN, fxB64([]byte{1, 0, 0})), false},
		{"RSA exponent zero", rsaNE(goodN, "AA"), false},
		{"RSA modulus even", rsaNE(fxB64(evenN), "AQAB"), false},
		{"RSA n missing", `{"kty":"RSA","e":"AQAB"}`, false},
		{"RSA n padded base64", rsaNE(base64.URLEncoding.EncodeToString(fxRSA().N.Bytes()), "AQAB"), false},
		{"RSA n standard base64", rsaNE(strings.NewReplacer("-", "+", "_", "/").Replace(goodN)+"+/", "AQAB"), false},
		{"RSA e not a string", `{"kty":"RSA","n":"` + goodN + `","e":65537}`, false},
		{"EC off curve", ecXY("P-256", x, offCurveY), false},
		{"EC coordinates too long", ecXY("P-256", append([]byte{0}, x...), append([]byte{0}, y...)), false},
		{"EC zero point", ecXY("P-256", make([]byte, 32), make([]byte, 32)), false},
		{"EC crv missing", `{"kty":"EC","x":"` + fxB64(x) + `","y":"` + fxB64(y) + `"}`, false},
		{"EC secp256k1", ecXY("secp256k1", x, y), false},
		{"EC y missing", `{"kty":"EC","crv":"P-256","x":"` + fxB64(x) + `"}`, false},
		{"OKP Ed448", `{"kty":"OKP","crv":"Ed448","x":"` + fxB64(make([]byte, 57)) + `"}`, false},
		{"OKP X25519", `{"kty":"OKP","crv":"X25519","x":"` + fxB64(make([]byte, 32)) + `"}`, false},
		{"OKP crv missing", `{"kty":"OKP","x":"` + fxB64(make([]byte, 32)) + `"}`, false},
		{"Ed25519 key 31 bytes", `{"kty":"OKP","crv":"Ed25519","x":"` + fxB64(make([]byte, 31)) + `"}`, false},
		{"Ed25519 alg ES256", fxJWK(t, fxEd(), `"alg":"ES256"`), false},
		{"oct k missing", `{"kty":"oct"}`, false},
		{"oct k empty", `{"kty":"oct","k":""}`, false},
		{"oct with x5c", fxJWK(t, fxSecret32, `"x5c":["`+base64.StdEncoding.EncodeToString(ownCert)+`"]`), false},
		{"oct alg RS256", fxJWK(t, fxSecret32, `"alg":"RS256"`), false},
		{"x5c of another key", rsaJWK(`"x5c":["` + base64.StdEncoding.EncodeToString(otherCert) + `"]`), false},
		{"x5c not base64", rsaJWK(`"x5c":["%%%"]`), false},
		{"x5c not a certificate", rsaJWK(`"x5c":["AAAA"]`), false},
		{"x5c empty", rsaJWK(`"x5c":[]`), false},
		{"x5c not an array", rsaJWK(`"x5c":"` + base64.StdEncoding.EncodeToString(ownCert) + `"`), false},
		{"x5t#S256 mismatch", rsaJWK(`"x5c":["` + base64.StdEncoding.EncodeToString(ownCert) + `"],"x5t#S256":"` + fxB64(make([]byte, 32)) + `"`), false},
		{"x5t mismatch", rsaJWK(`"x5c":["` + base64.StdEncoding.EncodeToString(ownCert) + `"],"x5t":"` + fxB64(make([]byte, 20)) + `"`), false},
	}
	good := fxJWK(t, fxP384(), `"kid":"good"`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := verifier.ParseJWKS([]byte(fxJWKS(good, tc.jwk)), verifier.KeyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(ks.Keys) != 1 || ks.Keys[0].ID != "good" || len(ks.Skipped) != 1 {
				t.Fatalf("keys %d skipped %+v", len(ks.Keys), ks.Skipped)
			}
			s := ks.Skipped[0]
			if s.Index != 1 || !errors.Is(s.Reason, verifier.ErrKey) || errors.Is(s.Reason, verifier.ErrWeakKey) != tc.weak {
				t.Fatalf("skip = %+v (weak %v)", s, errors.Is(s.Reason, verifier.ErrWeakKey))
			}
		})
	}
}

func TestJWKSAcceptsKeysWithOptionalMembers(t *testing.T) {
	cert := fxCert(t, fxP256())
	tests := []struct {
		name string
		jwk  string
	}{
		{"use sig", fxJWK(t, fxRSA(), `"use":"sig"`)},
		{"key_ops verify", fxJWK(t, fxRSA(), `"key_ops":["verify","sign"]`)},
		{"matching x5c with thumbprints", fxJWK(t, fxP256(), fxX5C(cert))},
		{"x5c chain: only the leaf is checked", fxJWK(t, fxP256(), `"x5c":["`+base64.StdEncoding.EncodeToString(cert)+`","AAAA"]`)},
		{"private members ignored", fxJWK(t, fxRSA(), `"d":"`+fxB64(fxRSA().D.Bytes())+`","p":"AQ"`)},
		{"empty alg means none", fxJWK(t, fxRSA(), `"alg":""`)},
		{"exponent with leading zeros", `{"kty":"RSA","n":"` + fxB64(fxRSA().N.Bytes()) + `","e":"AAAAAQAB"}`},
		{"exponent 3", `{"kty":"RSA","n":"` + fxB64(fxRSA().N.Bytes()) + `","e":"Aw"}`},
		{"unknown members", fxJWK(t, fxEd(), `"ext":true,"nested":{"kty":"oct"},"list":[null]`)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks := fxKeySet(t, fxJWKS(tc.jwk))
			if len(ks.Keys) != 1 || len(ks.Skipped) != 0 {
				t.Fatalf("keys %d skipped %+v", len(ks.Keys), ks.Skipped)
			}
		})
	}
}

// TestJWKSPadsShortECCoordinates: encoders that drop leading zero octets
// produce short coordinates (jwt_verify_lib's ES512 key is one); they are
// padded back and the key verifies.
func TestJWKSPadsShortECCoordinates(t *testing.T) {
	var k *ecdsa.PrivateKey
	for i := 0; i < 5000; i++ {
		c, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if pt, _ := c.PublicKey.Bytes(); pt[1] == 0 {
			k = c
			break
		}
	}
	if k == nil {
		t.Fatal("no key with a leading zero in x")
	}
	pt, _ := k.PublicKey.Bytes()
	short := `{"kty":"EC","crv":"P-256","x":"` + fxB64(pt[2:33]) + `","y":"` + fxB64(pt[33:]) + `"}`
	full := fxJWK(t, k, "")
	a, b := fxKeySet(t, fxJWKS(short)), fxKeySet(t, fxJWKS(full))
	if a.Keys[0].Thumbprint != b.Keys[0].Thumbprint {
		t.Fatal("short coordinates changed the thumbprint")
	}
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.ES256, k, "")).Verify(a), nil)
}

func TestJWKSMinRSABitsOption(t *testing.T) {
	jwks := []byte(fxJWKS(fxJWK(t, fxRSA1024(), "")))
	if _, err := verifier.ParseJWKS(jwks, verifier.KeyOptions{MinRSABits: 1024}); err != nil {
		t.Fatalf("1024-bit key refused with MinRSABits 1024: %v", err)
	}
	ks, err := verifier.ParseJWKS([]byte(fxJWKS(fxJWK(t, fxRSA(), ""))), verifier.KeyOptions{MinRSABits: 3072})
	fxWantErr(t, err, verifier.ErrNoValidKeys)
	if ks == nil || len(ks.Skipped) != 1 || !errors.Is(ks.Skipped[0].Reason, verifier.ErrWeakKey) {
		t.Fatalf("set %+v", ks)
	}
	if !errors.Is(err, verifier.ErrWeakKey) {
		t.Errorf("%v does not carry the first skip reason", err)
	}
}

func TestJWKSRefusesUnusableSets(t *testing.T) {
	tests := []struct {
		name string
		data string
		want error
	}{
		{"empty", ``, verifier.ErrJWKSInvalidJSON},
		{"not JSON", `keys`, verifier.ErrJWKSInvalidJSON},
		{"trailing comma", `{"keys":[],}`, verifier.ErrJWKSInvalidJSON},
		{"array", `[{"kty":"oct","k":"AAAA"}]`, verifier.ErrJWKSInvalidJSON},
		{"duplicate keys member", `{"keys":[],"keys":[]}`, verifier.ErrJWKSInvalidJSON},
		{"no keys member", `{"other":[]}`, verifier.ErrJWKSMissingKeys},
		{"empty object", `{}`, verifier.ErrJWKSMissingKeys},
		{"keys not an array", `{"keys":{"kty":"RSA"}}`, verifier.ErrJWKSKeysNotArray},
		{"keys null", `{"keys":null}`, verifier.ErrJWKSKeysNotArray},
		{"keys empty", `{"keys":[]}`, verifier.ErrNoValidKeys},
		{"every key skipped", `{"keys":[{"kty":"oct"},{"kty":"RSA","use":"enc"}]}`, verifier.ErrNoValidKeys},
		{"bare JWK skipped", `{"kty":"OKP","crv":"Ed448","x":"AA"}`, verifier.ErrNoValidKeys},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := verifier.ParseJWKS([]byte(tc.data), verifier.KeyOptions{})
			fxWantErr(t, err, tc.want)
			if !errors.Is(err, verifier.ErrKeySet) {
				t.Fatalf("%v is not ErrKeySet", err)
			}
			if (ks != nil) != errors.Is(err, verifier.ErrNoValidKeys) {
				t.Fatalf("KeySet returned = %v with %v", ks != nil, err)
			}
		})
	}
}

func TestJWKSBareSingleKey(t *testing.T) {
	ks := fxKeySet(t, fxJWK(t, fxP521(), `"kid":"one","alg":"ES512"`))
	if len(ks.Keys) != 1 || ks.Keys[0].ID != "one" {
		t.Fatalf("keys %+v", ks.Keys)
	}
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.ES512, fxP521(), "one")).Verify(ks), nil)
}

// TestJWKSCertificateMap: Google's service-account/Firebase format, kid to
// PEM certificate.
func TestJWKSCertificateMap(t *testing.T) {
	pemOf := func(der []byte) string {
		return strings.ReplaceAll(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), "\n", `\n`)
	}
	jwks := `{"k-rsa":"` + pemOf(fxCert(t, fxRSA())) + `","k-ec":"` + pemOf(fxCert(t, fxP256())) + `","k-bad":"not pem"}`
	ks, err := verifier.ParseJWKS([]byte(jwks), verifier.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ks.Keys) != 2 || ks.Keys[0].ID != "k-rsa" || ks.Keys[1].ID != "k-ec" || len(ks.Skipped) != 1 || ks.Skipped[0].KeyID != "k-bad" {
		t.Fatalf("keys %d skipped %+v", len(ks.Keys), ks.Skipped)
	}
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.RS256, fxRSA(), "k-rsa")).Verify(ks), nil)
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.ES256, fxP256(), "k-ec")).Verify(ks), nil)
}
