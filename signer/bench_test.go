package signer_test

import (
	"crypto/rand"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/signer"
)

// BenchmarkSignCompact is the cost of one token per algorithm (a ~120-byte payload). `make
// bench-wasm` also runs it compiled to wasm, which is where the filter signs.
func BenchmarkSignCompact(b *testing.B) {
	for _, alg := range []string{"RS256", "PS256", "ES256", "ES384", "ES512", "EdDSA", "HS256"} {
		k := newTestKey(b, alg)
		ks, err := signer.ParseJWKS([]byte(jwks(k.jwk(nil))))
		if err != nil {
			b.Fatal(err)
		}
		key := ks.Key(k.kid)
		b.Run(alg, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := key.SignCompact(payload, rand.Reader); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
