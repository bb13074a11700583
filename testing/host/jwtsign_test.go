package host_test

// Signing test tokens for the tests that need many distinct ones (the shared-cache test, the
// million-request soak): RS256 and ES256 keys with their JWKs, minted through the shared test
// fixtures (internal/testjwt).

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
)

var b64 = base64.RawURLEncoding

type soakKey struct {
	kid string
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
}

func (k *soakKey) alg() string {
	if k.rsa != nil {
		return "RS256"
	}
	return "ES256"
}

func (k *soakKey) key() *testjwt.Key {
	if k.rsa != nil {
		return testjwt.MustKey(k.kid, k.rsa)
	}
	return testjwt.MustKey(k.kid, k.ec)
}

func jwks(keys ...*soakKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = testjwt.JWK(k.key(), k.kid, k.alg())
	}
	return `{"keys":[` + strings.Join(parts, ",") + `]}`
}

// sign makes a compact JWS of claims with k.
func (k *soakKey) sign(t testing.TB, claims map[string]any) string {
	h, _ := json.Marshal(map[string]string{"alg": k.alg(), "typ": "JWT", "kid": k.kid})
	p, _ := json.Marshal(claims)
	tok, err := testjwt.SignToken(k.alg(), k.key(), string(h), string(p))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func newECKey(t testing.TB, kid string) *soakKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &soakKey{kid: kid, ec: k}
}
