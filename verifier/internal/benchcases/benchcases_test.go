package benchcases

// The verifier's benchmarks as a test binary that also builds for wasip1, so
// that the same bodies are timed natively and as Go compiled to wasm:
//
//	go test -run '^$' -bench . -benchmem ./verifier/internal/benchcases
//	GOOS=wasip1 GOARCH=wasm go test -c -o build/verifier-bench.wasm ./verifier/internal/benchcases
//	go run ./testing/cmd/wasmrun build/verifier-bench.wasm -test.run '^$' -test.bench . -test.benchmem
//
// (`make bench-wasm` does the last two.) Only the standard library and the
// verifier are linked: the golang-jwt reference stays in verifier/bench_test.go.

import (
	"fmt"
	"sync"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier/internal/difftest"
)

// fixture is built once per binary: the RSA keys are parsed from PEM and the
// tokens signed, which must not be timed.
var fixture = sync.OnceValues(NewFixture)

func setup(b *testing.B) *Fixture {
	b.Helper()
	f, err := fixture()
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkCases runs every Case of the fixture: ParseVerify/<alg>,
// Parse/RS256 and ParseJWKS/4keys.
func BenchmarkCases(b *testing.B) {
	for _, c := range setup(b).Cases() {
		b.Run(c.Name, func(b *testing.B) {
			b.ReportAllocs()
			if err := c.Loop(b.N); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkLargeCurves is ParseVerify for ES384 and ES512, which the shared
// Cases leave out: P-384 and above all P-521 have no assembly in Go's
// crypto and are the slowest checks a provider can ask for, in the wasm most
// of all.
func BenchmarkLargeCurves(b *testing.B) {
	f := setup(b)
	for _, c := range []struct{ alg, key string }{{"ES384", testjwt.P384}, {"ES512", testjwt.P521}} {
		loop, err := largeCurveCase(f, c.alg, c.key)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("ParseVerify/"+c.alg, func(b *testing.B) {
			b.ReportAllocs()
			if err := loop(b.N); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// largeCurveCase signs a token like the fixture's with the named EC key and
// returns the filter's check of it against a one-key set.
func largeCurveCase(f *Fixture, alg, keyName string) (func(int) error, error) {
	key := f.Ring.Key(keyName)
	if key == nil {
		return nil, fmt.Errorf("benchcases: no key %s in the ring", keyName)
	}
	payload := difftest.Object{}.
		Set("iss", difftest.Quote(Issuer)).
		Set("sub", difftest.Quote("user-12345")).
		Set("aud", difftest.StringArray(Audience, "web")).
		Set("iat", difftest.Int(Now.Unix()-60)).
		Set("exp", difftest.Int(Now.Unix()+3600))
	header := difftest.Object{}.Set("alg", difftest.Quote(alg)).Set("typ", `"JWT"`).Set("kid", difftest.Quote(key.Name))
	compact, err := testjwt.SignToken(alg, key, header.String(), payload.String())
	if err != nil {
		return nil, err
	}
	keys, err := verifier.ParseJWKS([]byte(difftest.JWKS([]difftest.Entry{{Key: key, Kid: key.Name}})), verifier.KeyOptions{})
	if err != nil {
		return nil, fmt.Errorf("benchcases: %s JWKS: %w", alg, err)
	}
	g := &Fixture{Ring: f.Ring, Keys: keys}
	return g.parseVerify(compact), nil
}
