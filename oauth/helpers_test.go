package oauth_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
)

// Test keys, generated once per test binary.
var (
	ecKey, _               = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherECKey, _          = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	edPub, edPriv, _       = ed25519.GenerateKey(rand.Reader)
	rsaKey, _              = rsa.GenerateKey(rand.Reader, 2048)
	b64                    = base64.RawURLEncoding
	testAccessToken        = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ0In0.c2ln"
	testAccessHash         = func() string { s := sha256.Sum256([]byte(testAccessToken)); return b64.EncodeToString(s[:]) }()
	testURI                = "https://api.example.com/mcp"
	testMethod             = "POST"
	testNowUnix      int64 = 1767225600 // 2026-01-01T00:00:00Z
)

func pad(b []byte, n int) []byte {
	out := make([]byte, n)
	copy(out[n-len(b):], b)
	return out
}

// publicJWK is the JWK of a key's public half, rendered by the shared test fixtures.
func publicJWK(k any) map[string]any {
	kty, members, err := testjwt.PublicMembers(k)
	if err != nil {
		panic(err)
	}
	var jwk map[string]any
	if err := json.Unmarshal([]byte(`{"kty":"`+kty+`",`+members+`}`), &jwk); err != nil {
		panic(err)
	}
	return jwk
}

// thumbprint is RFC 7638, written independently of the verifier's.
func thumbprint(jwk map[string]any) string {
	var canon string
	switch jwk["kty"] {
	case "EC":
		canon = `{"crv":"` + jwk["crv"].(string) + `","kty":"EC","x":"` + jwk["x"].(string) + `","y":"` + jwk["y"].(string) + `"}`
	case "OKP":
		canon = `{"crv":"` + jwk["crv"].(string) + `","kty":"OKP","x":"` + jwk["x"].(string) + `"}`
	case "RSA":
		canon = `{"e":"` + jwk["e"].(string) + `","kty":"RSA","n":"` + jwk["n"].(string) + `"}`
	}
	s := sha256.Sum256([]byte(canon))
	return b64.EncodeToString(s[:])
}

// sign mints a compact JWS of header and claims with key, through the shared test minting
// (internal/testjwt), under the key's own algorithm whatever the header says ("none" alg: a
// dummy signature, so that the alg check is reached).
func sign(t testing.TB, key any, header, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	var alg string
	switch key.(type) {
	case *ecdsa.PrivateKey:
		alg = "ES256"
	case ed25519.PrivateKey:
		alg = "EdDSA"
	case *rsa.PrivateKey:
		alg = "RS256"
	case nil:
		return b64.EncodeToString(h) + "." + b64.EncodeToString(c) + "." + b64.EncodeToString([]byte("not a signature"))
	default:
		t.Fatalf("key type %T", key)
	}
	tok, err := testjwt.SignToken(alg, testjwt.MustKey("oauth-test", key), string(h), string(c))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// proofParts are a valid proof's header and claims, to be changed by a test.
func proofParts(key any, alg string) (map[string]any, map[string]any) {
	h := map[string]any{"typ": "dpop+jwt", "alg": alg, "jwk": publicJWK(key)}
	c := map[string]any{"jti": "e1j3V_bKic8-LAEB", "htm": testMethod, "htu": testURI, "iat": testNowUnix, "ath": testAccessHash}
	return h, c
}
