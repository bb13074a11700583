package verifier_test

// Benchmarks. BenchmarkVerifier runs the bodies of internal/benchcases (the
// same code a wasm harness times); BenchmarkGolangJWT runs the same
// operations on the same tokens with github.com/golang-jwt/jwt/v5 as the
// native reference. Run with
//
//	go test -run '^$' -bench 'Verifier|GolangJWT' -benchmem ./verifier/
//
// Identifiers of this file start with "bench".

import (
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier/internal/benchcases"
)

var benchFixture = sync.OnceValues(benchcases.NewFixture)

func benchSetup(b *testing.B) *benchcases.Fixture {
	b.Helper()
	f, err := benchFixture()
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkVerifier: ParseVerify/<alg> (Parse, ValidateTime, issuer,
// audience, Verify against a 4-key set), Parse/RS256 and ParseJWKS/4keys.
func BenchmarkVerifier(b *testing.B) {
	for _, c := range benchSetup(b).Cases() {
		b.Run(c.Name, func(b *testing.B) {
			b.ReportAllocs()
			if err := c.Loop(b.N); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkGolangJWT: ParseVerify/<alg> with golang-jwt: jwt.Parse into
// MapClaims with the alg pinned, exp/nbf/iat checked at the same instant with
// the same leeway, issuer and audience required. The key function returns the
// already parsed key, as our KeySet holds parsed keys.
func BenchmarkGolangJWT(b *testing.B) {
	f := benchSetup(b)
	for _, t := range f.Tokens {
		key := t.Key.Public()
		keyFunc := func(*jwt.Token) (any, error) { return key, nil }
		parser := jwt.NewParser(
			jwt.WithValidMethods([]string{t.Alg}),
			jwt.WithTimeFunc(func() time.Time { return benchcases.Now }),
			jwt.WithLeeway(time.Minute),
			jwt.WithExpirationRequired(),
			jwt.WithIssuer(benchcases.Issuer),
			jwt.WithAudience(benchcases.Audience),
		)
		b.Run("ParseVerify/"+t.Alg, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				tok, err := parser.Parse(t.Compact, keyFunc)
				if err != nil || !tok.Valid {
					b.Fatal(err)
				}
			}
		})
	}
	rs := f.Tokens[0].Compact
	b.Run("Parse/RS256", func(b *testing.B) {
		b.ReportAllocs()
		parser := jwt.NewParser()
		for range b.N {
			if _, _, err := parser.ParseUnverified(rs, jwt.MapClaims{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestBenchCasesRun runs every benchmark body once, so that a broken fixture
// fails `go test` and not only `go test -bench`.
func TestBenchCasesRun(t *testing.T) {
	f, err := benchFixture()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Cases() {
		if err := c.Loop(1); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
}
