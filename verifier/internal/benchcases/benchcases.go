// Package benchcases holds the verifier's benchmark bodies as plain
// functions, so that the same code is timed by `go test -bench` natively and,
// compiled into the wasm, by a host-side harness. It depends only on the
// verifier and the standard library (through difftest's fixed keys): no
// reference libraries, which stay in verifier/bench_test.go.
package benchcases

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier/internal/difftest"
)

// Case is one benchmark: Loop runs the operation n times and returns the
// first error (a benchmark that errors measures nothing).
type Case struct {
	Name string
	Loop func(n int) error
}

// Token is a signed token the cases use, exported so that reference
// benchmarks can run the same operation on the same bytes.
type Token struct {
	Alg     string
	Key     *testjwt.Key // signer; Key.Public() verifies
	Kid     string
	Compact string
}

// Claims every benchmark token carries: a realistic access token of about
// 300 bytes, valid at Now for an hour.
const (
	Issuer   = difftest.GoodIssuer
	Audience = "api"
)

// Now is the time the benchmarks validate at.
var Now = difftest.Now

// algKeys are the algorithms benchmarked, with the key each signs with:
// RSA 2048 bits, P-256, Ed25519 and a 32-byte HMAC secret.
var algKeys = []struct{ alg, key string }{
	{"RS256", testjwt.RSA2048A},
	{"PS256", testjwt.RSA2048A},
	{"ES256", testjwt.P256A},
	{"EdDSA", testjwt.Ed25519A},
	{"HS256", testjwt.HMAC32},
}

// Fixture is what the cases share: the key ring, one token per algorithm
// and the JWKS that publishes the four keys.
type Fixture struct {
	Ring   *testjwt.Ring
	Tokens []Token
	JWKS   []byte
	Keys   *verifier.KeySet
}

// NewFixture signs the benchmark tokens and parses their JWKS.
func NewFixture() (*Fixture, error) {
	ring, err := testjwt.NewRing()
	if err != nil {
		return nil, err
	}
	f := &Fixture{Ring: ring}
	var entries []difftest.Entry
	for _, ak := range algKeys {
		key := ring.Key(ak.key)
		kid := key.Name
		payload := difftest.Object{}.
			Set("iss", difftest.Quote(Issuer)).
			Set("sub", difftest.Quote("user-12345")).
			Set("aud", difftest.StringArray(Audience, "web")).
			Set("iat", difftest.Int(Now.Unix()-60)).
			Set("nbf", difftest.Int(Now.Unix()-60)).
			Set("exp", difftest.Int(Now.Unix()+3600)).
			Set("jti", difftest.Quote("5f1b2c3d4e5f6a7b")).
			Set("scope", difftest.Quote("read:items write:items")).
			Set("email", difftest.Quote("user@example.com")).
			Set("roles", difftest.StringArray("admin", "user"))
		header := difftest.Object{}.Set("alg", difftest.Quote(ak.alg)).Set("typ", `"JWT"`).Set("kid", difftest.Quote(kid))
		compact, err := testjwt.SignToken(ak.alg, key, header.String(), payload.String())
		if err != nil {
			return nil, err
		}
		f.Tokens = append(f.Tokens, Token{Alg: ak.alg, Key: key, Kid: kid, Compact: compact})
		if !containsKey(entries, key) {
			entries = append(entries, difftest.Entry{Key: key, Kid: kid})
		}
	}
	f.JWKS = []byte(difftest.JWKS(entries))
	f.Keys, err = verifier.ParseJWKS(f.JWKS, verifier.KeyOptions{})
	if err != nil {
		return nil, fmt.Errorf("benchcases: ParseJWKS: %w", err)
	}
	if len(f.Keys.Keys) != 4 {
		return nil, fmt.Errorf("benchcases: JWKS kept %d keys, want 4 (skipped %v)", len(f.Keys.Keys), f.Keys.Skipped)
	}
	return f, nil
}

func containsKey(entries []difftest.Entry, k *testjwt.Key) bool {
	for _, e := range entries {
		if e.Key == k {
			return true
		}
	}
	return false
}

// Cases returns the benchmarks: for each algorithm the filter's whole token
// check (Parse, ValidateTime, issuer, HasAudience, Verify against the 4-key
// set), then Parse alone on the RS256 token, then ParseJWKS of the 4-key
// JWKS, then the refusal of tokens nested half a million deep in their header
// or payload at the largest limits the filter allows (a linear scan, no
// recursion: the cost of a refused token stays proportional to its size).
func (f *Fixture) Cases() []Case {
	var out []Case
	for _, t := range f.Tokens {
		out = append(out, Case{Name: "ParseVerify/" + t.Alg, Loop: f.parseVerify(t.Compact)})
	}
	rs := f.Tokens[0].Compact
	out = append(out,
		Case{Name: "Parse/RS256", Loop: func(n int) error {
			for range n {
				if _, err := verifier.ParseUnverified(rs, verifier.Limits{}); err != nil {
					return err
				}
			}
			return nil
		}},
		Case{Name: "ParseJWKS/4keys", Loop: func(n int) error {
			for range n {
				if _, err := verifier.ParseJWKS(f.JWKS, verifier.KeyOptions{}); err != nil {
					return err
				}
			}
			return nil
		}},
		Case{Name: "ParseRefused/DeepHeader1MiB", Loop: refuseLoop(deepToken(true), verifier.ErrHeaderJSON)},
		Case{Name: "ParseRefused/DeepPayload1MiB", Loop: refuseLoop(deepToken(false), verifier.ErrPayloadJSON)},
	)
	return out
}

// maxLimits are the largest limits x_token_limits accepts.
var maxLimits = verifier.Limits{MaxTokenBytes: 1 << 20, MaxHeaderBytes: 1 << 20, MaxPayloadBytes: 1 << 20}

// deepToken is a token of almost 1 MiB whose header (or payload) holds an array nested as
// deep as fits.
func deepToken(inHeader bool) string {
	depth := (3*(1<<20)/4 - 64) / 2
	deep := `{"alg":"HS256","x":` + strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
	h, p := deep, `{}`
	if !inHeader {
		h, p = `{"alg":"HS256"}`, `{"x":`+strings.Repeat("[", depth)+strings.Repeat("]", depth)+`}`
	}
	return testjwt.Base64URL([]byte(h)) + "." + testjwt.Base64URL([]byte(p)) + ".c2ln"
}

// refuseLoop parses compact n times and expects want each time.
func refuseLoop(compact string, want error) func(int) error {
	return func(n int) error {
		for range n {
			if _, err := verifier.ParseUnverified(compact, maxLimits); !errors.Is(err, want) {
				return fmt.Errorf("benchcases: deep token: %v, want %v", err, want)
			}
		}
		return nil
	}
}

var errRefused = errors.New("benchcases: token refused")

// parseVerify is the filter's check of one token, as Envoy orders it: the
// cheap claim checks before the signature.
func (f *Fixture) parseVerify(compact string) func(int) error {
	allowed := []string{Audience}
	return func(n int) error {
		for range n {
			tok, err := verifier.ParseUnverified(compact, verifier.Limits{})
			if err != nil {
				return err
			}
			if err := tok.ValidateTime(Now, time.Minute, true, 0); err != nil {
				return err
			}
			if tok.Issuer != Issuer || !tok.HasAudience(allowed) {
				return errRefused
			}
			if err := tok.Verify(f.Keys); err != nil {
				return err
			}
		}
		return nil
	}
}
