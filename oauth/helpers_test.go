package oauth_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"testing"
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

// publicJWK is the JWK of a key's public half.
func publicJWK(k any) map[string]any {
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		return map[string]any{"kty": "EC", "crv": "P-256", "x": b64.EncodeToString(pad(k.X.Bytes(), 32)), "y": b64.EncodeToString(pad(k.Y.Bytes(), 32))}
	case ed25519.PrivateKey:
		return map[string]any{"kty": "OKP", "crv": "Ed25519", "x": b64.EncodeToString(k.Public().(ed25519.PublicKey))}
	case *rsa.PrivateKey:
		return map[string]any{"kty": "RSA", "n": b64.EncodeToString(k.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(k.E)).Bytes())}
	}
	panic("key type")
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

// sign mints a compact JWS of header and claims with key ("none" alg: empty signature).
func sign(t testing.TB, key any, header, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	var err error
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, k, digest[:])
		sig = append(pad(r.Bytes(), 32), pad(s.Bytes(), 32)...)
	case ed25519.PrivateKey:
		sig = ed25519.Sign(k, []byte(input))
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:])
	case nil:
		sig = []byte("not a signature") // alg none: a signature so that the alg check is reached
	default:
		t.Fatalf("key type %T", key)
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64.EncodeToString(sig)
}

// proofParts are a valid proof's header and claims, to be changed by a test.
func proofParts(key any, alg string) (map[string]any, map[string]any) {
	h := map[string]any{"typ": "dpop+jwt", "alg": alg, "jwk": publicJWK(key)}
	c := map[string]any{"jti": "e1j3V_bKic8-LAEB", "htm": testMethod, "htu": testURI, "iat": testNowUnix, "ath": testAccessHash}
	return h, c
}
