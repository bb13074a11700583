package plugin

import (
	"strconv"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
)

// Benchmarks of the request path without a host (native): rule matching and verification.
//
//	go test ./plugin/ -run '^$' -bench . -benchmem
//
// BenchmarkRequiresAnyProviders shows that picking the candidate provider by the token's
// issuer does not grow with the number of providers: the same token costs the same with 1,
// 10 or 100 providers in Istio's shape (requires_any over every provider plus allow_missing),
// whether its provider is the first or the last.

// manyProviders is a configuration with n providers (issuers iss-0 ... iss-<n-1>), each
// setting a claim header, required through requires_any on /api.
func manyProviders(b *testing.B, n int, extra string) *filterConfig {
	k := testjwt.Keys(b)
	ks := testjwt.JWKS(k.ES256)
	var provs, reqs []string
	for i := 0; i < n; i++ {
		name := "p" + strconv.Itoa(i)
		provs = append(provs, `"`+name+`":`+prov("iss-"+strconv.Itoa(i), ks, `,"claim_to_headers":[{"header_name":"x-sub","claim_name":"sub"}]`+extra))
		reqs = append(reqs, `{"provider_name":"`+name+`"}`)
	}
	reqs = append(reqs, `{"allow_missing":{}}`)
	return mustLoad(b, `{"providers":{`+strings.Join(provs, ",")+`},"rules":[
	  {"match":{"prefix":"/health"}},
	  {"match":{"prefix":"/api"},"requires":{"requires_any":{"requirements":[`+strings.Join(reqs, ",")+`]}}}]}`)
}

func benchRequest(b *testing.B, rt *filterConfig, hs [][2]string, want status.Status) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := request.NewRequest(hs)
		ru := rt.findRule(r)
		if ru == nil || ru.req == nil {
			continue
		}
		if st := ru.req.verify(newVerifyContext(rt, r, now0(), &outputs{})); st != want {
			b.Fatalf("status %q, want %q", st, want)
		}
	}
}

func headers(path string, kv ...string) [][2]string {
	return req(path, kv...).Headers
}

func BenchmarkRequiresAnyProviders(b *testing.B) {
	k := testjwt.Keys(b)
	for _, n := range []int{1, 10, 100} {
		for _, which := range []string{"first", "last"} {
			idx := 0
			if which == "last" {
				idx = n - 1
			}
			token := tok(k.ES256, "iss-"+strconv.Itoa(idx), valid, "")
			hs := headers("/api/x", "authorization", "Bearer "+token)
			b.Run("providers="+strconv.Itoa(n)+"/"+which+"/cached", func(b *testing.B) {
				benchRequest(b, manyProviders(b, n, ""), hs, status.OK)
			})
			b.Run("providers="+strconv.Itoa(n)+"/"+which+"/cached/without-index", func(b *testing.B) {
				// For comparison: what trying every provider in order (Envoy's way) costs.
				rt := manyProviders(b, n, "")
				if a, ok := rt.rules[1].req.(*anyRequirement); ok {
					a.index = nil
				}
				benchRequest(b, rt, hs, status.OK)
			})
			b.Run("providers="+strconv.Itoa(n)+"/"+which+"/uncached", func(b *testing.B) {
				benchRequest(b, manyProviders(b, n, `,"x_disable_jwt_cache":true`), hs, status.OK)
			})
		}
		b.Run("providers="+strconv.Itoa(n)+"/unknown-issuer", func(b *testing.B) {
			hs := headers("/api/x", "authorization", "Bearer "+tok(k.ES256, "nobody", valid, ""))
			benchRequest(b, manyProviders(b, n, ""), hs, status.JwtUnknownIssuer)
		})
	}
}

func BenchmarkNoRuleMatch(b *testing.B) {
	rt := manyProviders(b, 100, "")
	benchRequest(b, rt, headers("/health", "user-agent", "bench", "accept", "*/*"), status.OK)
}

func BenchmarkMissingTokenAllowed(b *testing.B) {
	rt := manyProviders(b, 100, "")
	benchRequest(b, rt, headers("/api/x", "user-agent", "bench"), status.OK)
}
