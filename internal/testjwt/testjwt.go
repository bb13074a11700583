// Package testjwt is the test keys and token minting that every test of the
// module shares: the plugin's unit and behaviour tests, the verifier's tests,
// its differential generator (verifier/internal/difftest), the conformance
// token generator (plugin/testdata/gen) and the testing tools.
//
//   - keys.go: Key (one private key or HMAC secret with a stable name) and
//     Ring, the fixed keys of every supported type, derived from their names
//     or parsed from PEM constants (keys_rsa.go, which also holds the RSA key
//     Envoy's jwt_authn tests print): the same in every run and on every
//     platform.
//   - sign.go: Sign and SignToken (JWS signatures and compact tokens, with
//     Go's crypto alone, sharing no code with the verifier) and Verify, the
//     standard library's verdict on a signature.
//   - jwk.go: the public JWK members of a key.
//   - testjwt.go: Keyring, the plugin tests' named keys with their JWK, JWKS
//     and PEM forms and a one-call token minter.
//
// Test code only: the keys are published in this repository. It depends on
// the standard library alone, so that the verifier's benchmarks built on it
// run inside the wasm (GOOS=wasip1) and nothing here can form an import
// cycle with the packages it tests.
package testjwt

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

// TestKey is one signing key under a kid and alg, with its public JWK.
type TestKey struct {
	Alg string
	Kid string
	JWK string // the public JWK (the secret for HMAC)
	key *Key
}

// Keyring is the plugin tests' keys: two RSA keys, and one each of ES256,
// HS256, EdDSA, all from the shared Ring.
type Keyring struct {
	RS256, RS256b, ES256, HS256, EdDSA *TestKey
}

// Keys returns the test keys.
func Keys(t testing.TB) Keyring {
	t.Helper()
	r, err := SharedRing()
	if err != nil {
		t.Fatal(err)
	}
	named := func(name, alg, kid string) *TestKey {
		k := r.Key(name)
		return &TestKey{Alg: alg, Kid: kid, JWK: JWK(k, kid, alg), key: k}
	}
	return Keyring{
		RS256:  named(RSA2048A, "RS256", "rsa-1"),
		RS256b: named(RSA2048B, "RS256", "rsa-2"),
		ES256:  named(P256A, "ES256", "ec-1"),
		HS256:  named(HMAC32, "HS256", "hmac-1"),
		EdDSA:  named(Ed25519A, "EdDSA", "ed-1"),
	}
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
	der, err := x509.MarshalPKIXPublicKey(k.key.Public())
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
	tok, err := SignToken(k.Alg, k.key, header, claims)
	if err != nil {
		panic(err) // a ring key under an alg it can sign
	}
	return tok
}
