package verifier_test

import (
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

// TestAlgorithmConstantsAreJWAName guards against a typo in a constant.
func TestAlgorithmConstantsAreJWAName(t *testing.T) {
	want := []string{"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
	for i, a := range fxAllAlgs {
		if string(a) != want[i] {
			t.Errorf("constant %d = %q, want %q", i, a, want[i])
		}
	}
}
