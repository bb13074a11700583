// Package testjwt is the test keys and token minting that every test of the module shares
// (the plugin's unit and behaviour tests, the testing tools): keys generated once per
// process with Go's crypto, their JWK, JWKS and PEM forms, and tokens signed with them.
// Test code only: the keys are throwaway.
package testjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strings"
	"sync"
	"testing"
)

// Keys are generated once per process (RSA generation is slow); tokens are minted per test.

// TestKey is one signing key with its public JWK.
type TestKey struct {
	Alg    string
	Kid    string
	signer crypto.Signer // RSA, ECDSA, Ed25519
	secret []byte        // HMAC
	JWK    string        // the public JWK (the secret for HMAC)
}

// Keyring is the process's test keys: two RSA keys, and one each of ES256, HS256, EdDSA.
type Keyring struct {
	RS256, RS256b, ES256, HS256, EdDSA *TestKey
}

var (
	keysOnce sync.Once
	keysVal  Keyring
)

// Keys returns the process's test keys.
func Keys(t testing.TB) Keyring {
	t.Helper()
	keysOnce.Do(func() {
		keysVal = Keyring{
			RS256:  newRSAKey("rsa-1"),
			RS256b: newRSAKey("rsa-2"),
			ES256:  newECKey("ec-1"),
			HS256:  newHMACKey("hmac-1"),
			EdDSA:  newEdKey("ed-1"),
		}
	})
	return keysVal
}

// Base64URL is base64url without padding, as JWS uses it.
func Base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func b64(b []byte) string { return Base64URL(b) }

func newRSAKey(kid string) *TestKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	e := big.NewInt(int64(k.E)).Bytes()
	return &TestKey{Alg: "RS256", Kid: kid, signer: k,
		JWK: `{"kty":"RSA","alg":"RS256","use":"sig","kid":"` + kid + `","n":"` + b64(k.N.Bytes()) + `","e":"` + b64(e) + `"}`}
}

func newECKey(kid string) *TestKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	x, y := make([]byte, 32), make([]byte, 32)
	k.X.FillBytes(x)
	k.Y.FillBytes(y)
	return &TestKey{Alg: "ES256", Kid: kid, signer: k,
		JWK: `{"kty":"EC","alg":"ES256","crv":"P-256","kid":"` + kid + `","x":"` + b64(x) + `","y":"` + b64(y) + `"}`}
}

func newHMACKey(kid string) *TestKey {
	s := make([]byte, 32)
	if _, err := rand.Read(s); err != nil {
		panic(err)
	}
	return &TestKey{Alg: "HS256", Kid: kid, secret: s,
		JWK: `{"kty":"oct","alg":"HS256","kid":"` + kid + `","k":"` + b64(s) + `"}`}
}

func newEdKey(kid string) *TestKey {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return &TestKey{Alg: "EdDSA", Kid: kid, signer: priv,
		JWK: `{"kty":"OKP","alg":"EdDSA","crv":"Ed25519","kid":"` + kid + `","x":"` + b64(pub) + `"}`}
}

// JWKS is a JWKS of the keys' public halves.
func JWKS(ks ...*TestKey) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = k.JWK
	}
	return `{"keys":[` + strings.Join(parts, ",") + `]}`
}

// PEM is the PKIX PEM of the key's public half.
func (k *TestKey) PEM() string {
	der, err := x509.MarshalPKIXPublicKey(k.signer.Public())
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// Token signs claims (a JSON object) with a header {"alg","kid","typ":"JWT"}.
func (k *TestKey) Token(claims string) string {
	return k.TokenWithHeader(`{"alg":"`+k.Alg+`","kid":"`+k.Kid+`","typ":"JWT"}`, claims)
}

// TokenWithHeader signs claims under the given protected header.
func (k *TestKey) TokenWithHeader(header, claims string) string {
	input := b64([]byte(header)) + "." + b64([]byte(claims))
	return input + "." + b64(k.sign(input))
}

func (k *TestKey) sign(input string) []byte {
	sum := sha256.Sum256([]byte(input))
	switch s := k.signer.(type) {
	case nil:
		m := hmac.New(sha256.New, k.secret)
		m.Write([]byte(input))
		return m.Sum(nil)
	case *rsa.PrivateKey:
		sig, err := rsa.SignPKCS1v15(rand.Reader, s, crypto.SHA256, sum[:])
		if err != nil {
			panic(err)
		}
		return sig
	case *ecdsa.PrivateKey:
		r, ss, err := ecdsa.Sign(rand.Reader, s, sum[:])
		if err != nil {
			panic(err)
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		ss.FillBytes(out[32:])
		return out
	case ed25519.PrivateKey:
		return ed25519.Sign(s, []byte(input))
	}
	panic("unknown key")
}
