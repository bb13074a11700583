package host_test

// Signing test tokens for the tests that need many distinct ones (the shared-cache test, the
// million-request soak): RS256 and ES256 keys with their JWKs.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"testing"
)

var b64 = base64.RawURLEncoding

type soakKey struct {
	kid string
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
}

func (k *soakKey) jwk() map[string]string {
	if k.rsa != nil {
		return map[string]string{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": k.kid,
			"n": b64.EncodeToString(k.rsa.N.Bytes()), "e": b64.EncodeToString(big.NewInt(int64(k.rsa.E)).Bytes())}
	}
	b, _ := k.ec.PublicKey.Bytes()
	return map[string]string{"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": k.kid,
		"x": b64.EncodeToString(b[1:33]), "y": b64.EncodeToString(b[33:])}
}

func jwks(keys ...*soakKey) string {
	var out struct {
		Keys []map[string]string `json:"keys"`
	}
	for _, k := range keys {
		out.Keys = append(out.Keys, k.jwk())
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// sign makes a compact JWS of claims with k.
func (k *soakKey) sign(t testing.TB, claims map[string]any) string {
	alg := "ES256"
	if k.rsa != nil {
		alg = "RS256"
	}
	h, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT", "kid": k.kid})
	p, _ := json.Marshal(claims)
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	d := sha256.Sum256([]byte(input))
	var sig []byte
	var err error
	if k.rsa != nil {
		sig, err = rsa.SignPKCS1v15(rand.Reader, k.rsa, crypto.SHA256, d[:])
	} else {
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, k.ec, d[:])
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64.EncodeToString(sig)
}

func newECKey(t testing.TB, kid string) *soakKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &soakKey{kid: kid, ec: k}
}
