package verifier_test

import (
	"crypto"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

func TestAlgorithmFamily(t *testing.T) {
	tests := []struct {
		alg  verifier.Algorithm
		want string
	}{
		{verifier.HS256, "HMAC"}, {verifier.HS384, "HMAC"}, {verifier.HS512, "HMAC"},
		{verifier.RS256, "RSA"}, {verifier.RS384, "RSA"}, {verifier.RS512, "RSA"},
		{verifier.PS256, "RSA-PSS"}, {verifier.PS384, "RSA-PSS"}, {verifier.PS512, "RSA-PSS"},
		{verifier.ES256, "ECDSA"}, {verifier.ES384, "ECDSA"}, {verifier.ES512, "ECDSA"},
		{verifier.EdDSA, "EdDSA"},
		{"none", ""}, {"None", ""}, {"hs256", ""}, {"ES256K", ""}, {"Ed25519", ""}, {"RSA-OAEP", ""}, {"", ""},
	}
	for _, tc := range tests {
		if got := tc.alg.Family(); got != tc.want {
			t.Errorf("%q.Family() = %q, want %q", tc.alg, got, tc.want)
		}
	}
}

// TestAlgorithmFacts pins the facts the signer takes from the verifier.
func TestAlgorithmFacts(t *testing.T) {
	tests := []struct {
		alg  verifier.Algorithm
		kty  string
		hash crypto.Hash
		size int
		crv  string
	}{
		{verifier.HS256, "oct", crypto.SHA256, 32, ""}, {verifier.HS384, "oct", crypto.SHA384, 48, ""}, {verifier.HS512, "oct", crypto.SHA512, 64, ""},
		{verifier.RS256, "RSA", crypto.SHA256, 0, ""}, {verifier.RS384, "RSA", crypto.SHA384, 0, ""}, {verifier.RS512, "RSA", crypto.SHA512, 0, ""},
		{verifier.PS256, "RSA", crypto.SHA256, 0, ""}, {verifier.PS384, "RSA", crypto.SHA384, 0, ""}, {verifier.PS512, "RSA", crypto.SHA512, 0, ""},
		{verifier.ES256, "EC", crypto.SHA256, 32, "P-256"}, {verifier.ES384, "EC", crypto.SHA384, 48, "P-384"}, {verifier.ES512, "EC", crypto.SHA512, 66, "P-521"},
		{verifier.EdDSA, "OKP", 0, 0, ""},
		{"none", "", 0, 0, ""}, {"ES256K", "", 0, 0, ""}, {"", "", 0, 0, ""},
	}
	for _, tc := range tests {
		if kty, h, size, crv := tc.alg.KeyType(), tc.alg.Hash(), tc.alg.Size(), tc.alg.Curve(); kty != tc.kty || h != tc.hash || size != tc.size || crv != tc.crv {
			t.Errorf("%q: KeyType, Hash, Size, Curve = %q, %v, %d, %q; want %q, %v, %d, %q", tc.alg, kty, h, size, crv, tc.kty, tc.hash, tc.size, tc.crv)
		}
	}
	for _, crv := range []string{"P-256", "P-384", "P-521"} {
		if c, size := verifier.CurveByName(crv); c == nil || c.Params().Name != crv || size != (c.Params().BitSize+7)/8 {
			t.Errorf("CurveByName(%q) = %v, %d", crv, c, size)
		}
	}
	if c, size := verifier.CurveByName("secp256k1"); c != nil || size != 0 {
		t.Errorf("CurveByName(secp256k1) = %v, %d; want nil, 0", c, size)
	}
}

// TestAlgorithmConstantsAreJWAName guards against a typo in a constant.
func TestAlgorithmConstantsAreJWAName(t *testing.T) {
	want := []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
	for i, a := range fxAllAlgs {
		if string(a) != want[i] {
			t.Errorf("constant %d = %q, want %q", i, a, want[i])
		}
	}
}
