package plugin

import (
	"math/rand"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/metrics"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
)

// Requirement trees, evaluated directly against compiled configurations (no host): the
// statuses Envoy's verifier.cc produces, and the requires_any issuer index giving exactly
// what trying every child gives.

func now0() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }

// req builds a GET request; kv are header name/value pairs.
func req(path string, kv ...string) *request.Request {
	h := [][2]string{{":method", "GET"}, {":path", path}, {":authority", "example.com"}, {":scheme", "https"}}
	for i := 0; i+1 < len(kv); i += 2 {
		h = append(h, [2]string{kv[i], kv[i+1]})
	}
	return request.NewRequest(h)
}

func evaluate(rt *filterConfig, r *request.Request) (status.Status, *outputs) {
	ru := rt.findRule(r)
	if ru == nil || ru.req == nil {
		return status.OK, &outputs{}
	}
	out := &outputs{}
	return ru.req.verify(newVerifyContext(rt, r, now0(), out)), out
}

func tok(k *testjwt.TestKey, iss string, exp int64, extra string) string {
	return k.Token(`{"iss":` + strconv.Quote(iss) + `,"sub":"s","exp":` + strconv.FormatInt(exp, 10) + extra + `}`)
}

var (
	valid   = now0().Add(time.Hour).Unix()
	expired = now0().Add(-time.Hour).Unix()
)

// twoProviders: a (issuer "a", Authorization), b (issuer "b", header x-b), both ES256.
func twoProviders(t *testing.T, requires string) *filterConfig {
	k := testjwt.Keys(t)
	ks := testjwt.JWKS(k.ES256)
	return mustLoad(t, `{"providers":{
	  "a":`+prov("a", ks, `,"claim_to_headers":[{"header_name":"x-a","claim_name":"sub"}]`)+`,
	  "b":`+prov("b", ks, `,"from_headers":[{"name":"x-b"}],"claim_to_headers":[{"header_name":"x-b-sub","claim_name":"sub"}]`)+`},
	  "rules":[{"match":{"prefix":"/"},"requires":`+requires+`}]}`)
}

func TestRequirementStatuses(t *testing.T) {
	k := testjwt.Keys(t)
	goodA := "Bearer " + tok(k.ES256, "a", valid, "")
	goodB := tok(k.ES256, "b", valid, "")
	expiredA := "Bearer " + tok(k.ES256, "a", expired, "")
	otherIss := "Bearer " + tok(k.ES256, "c", valid, "")
	badSig := "Bearer " + flipSignature(tok(k.ES256, "a", valid, ""))
	tests := []struct {
		name     string
		requires string
		headers  []string
		want     status.Status
	}{
		{"provider: no token", `{"provider_name":"a"}`, nil, status.JwtMissed},
		{"provider: good", `{"provider_name":"a"}`, []string{"authorization", goodA}, status.OK},
		{"provider: expired", `{"provider_name":"a"}`, []string{"authorization", expiredA}, status.JwtExpired},
		{"provider: other issuer", `{"provider_name":"a"}`, []string{"authorization", otherIss}, status.JwtUnknownIssuer},
		{"provider: token of b in a's place", `{"provider_name":"a"}`, []string{"authorization", "Bearer " + goodB}, status.JwtUnknownIssuer},
		{"provider: bad signature", `{"provider_name":"a"}`, []string{"authorization", badSig}, status.JwtVerificationFail},
		{"provider: every token must verify", `{"provider_name":"a"}`, []string{"authorization", goodA, "authorization", expiredA}, status.JwtExpired},
		{"provider: audiences override", `{"provider_and_audiences":{"provider_name":"a","audiences":["api"]}}`,
			[]string{"authorization", goodA}, status.JwtAudienceNotAllowed},
		{"all: both good", `{"requires_all":{"requirements":[{"provider_name":"a"},{"provider_name":"b"}]}}`,
			[]string{"authorization", goodA, "x-b", goodB}, status.OK},
		{"all: first failure", `{"requires_all":{"requirements":[{"provider_name":"a"},{"provider_name":"b"}]}}`,
			[]string{"authorization", expiredA}, status.JwtExpired},
		{"all: second missing", `{"requires_all":{"requirements":[{"provider_name":"a"},{"provider_name":"b"}]}}`,
			[]string{"authorization", goodA}, status.JwtMissed},
		{"any: one good", `{"requires_any":{"requirements":[{"provider_name":"a"},{"provider_name":"b"}]}}`,
			[]string{"x-b", goodB}, status.OK},
		{"any: none", `{"requires_any":{"requirements":[{"provider_name":"a"},{"provider_name":"b"}]}}`, nil, status.JwtMissed},
		{"any: a real error wins over missing", `{"requires_any":{"requirements":[{"provider_name":"a"},{"provider_name":"b"}]}}`,
			[]string{"authorization", expiredA}, status.JwtExpired},
		{"any: unknown issuer wins over missing", `{"requires_any":{"requirements":[{"provider_name":"b"},{"provider_name":"a"}]}}`,
			[]string{"authorization", otherIss}, status.JwtUnknownIssuer},
		{"any + allow_missing: none", `{"requires_any":{"requirements":[{"provider_name":"a"},{"allow_missing":{}}]}}`, nil, status.OK},
		{"any + allow_missing: bad", `{"requires_any":{"requirements":[{"provider_name":"a"},{"allow_missing":{}}]}}`,
			[]string{"authorization", expiredA}, status.JwtExpired},
		{"any + allow_missing_or_failed: bad", `{"requires_any":{"requirements":[{"provider_name":"a"},{"allow_missing_or_failed":{}}]}}`,
			[]string{"authorization", expiredA}, status.OK},
		{"any of allow_* only", `{"requires_any":{"requirements":[{"allow_missing":{}},{"allow_missing":{}}]}}`,
			[]string{"authorization", expiredA}, status.JwtExpired},
		{"allow_missing: none", `{"allow_missing":{}}`, nil, status.OK},
		{"allow_missing: bad", `{"allow_missing":{}}`, []string{"authorization", expiredA}, status.JwtExpired},
		{"allow_missing: unknown issuer", `{"allow_missing":{}}`, []string{"authorization", otherIss}, status.JwtUnknownIssuer},
		// Envoy tries tokens from the last found; in the allow modes the first found decides.
		{"allow_missing: good found first, bad last", `{"allow_missing":{}}`, []string{"authorization", goodA, "x-b", "x.y.z"}, status.OK},
		{"allow_missing: bad found first", `{"allow_missing":{}}`, []string{"authorization", expiredA, "x-b", goodB}, status.JwtExpired},
		{"allow_missing_or_failed: bad", `{"allow_missing_or_failed":{}}`, []string{"authorization", expiredA}, status.OK},
		{"empty requirement", `{}`, []string{"authorization", expiredA}, status.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := twoProviders(t, tt.requires)
			if got, _ := evaluate(rt, req("/", tt.headers...)); got != tt.want {
				t.Errorf("status %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRequirementKeepsHeadersOfPartialSuccess(t *testing.T) {
	k := testjwt.Keys(t)
	// requires_all fails on b, but a verified: as in Envoy, a's claim header stays (it only
	// matters because allow_missing_or_failed lets the request through).
	rt := twoProviders(t, `{"requires_any":{"requirements":[
	  {"requires_all":{"requirements":[{"provider_name":"a"},{"provider_name":"b"}]}},{"allow_missing_or_failed":{}}]}}`)
	st, out := evaluate(rt, req("/", "authorization", "Bearer "+tok(k.ES256, "a", valid, "")))
	if st != status.OK {
		t.Fatalf("status %q", st)
	}
	// b's leaf removes b's headers before it looks for its token (Envoy's sanitizeHeaders).
	want := []headerOp{{kind: opAdd, name: "x-a", value: "s"}, {kind: opRemove, name: "authorization"}, {kind: opRemove, name: "x-b-sub"}}
	if !reflect.DeepEqual(out.ops, want) {
		t.Errorf("ops = %+v, want %+v", out.ops, want)
	}
}

// TestIssuerIndexGivesTheSameResultAsTryingEveryChild compares, on random configurations and
// requests, requires_any evaluated with its issuer index and with every child in order.
func TestIssuerIndexGivesTheSameResultAsTryingEveryChild(t *testing.T) {
	k := testjwt.Keys(t)
	ks := testjwt.JWKS(k.ES256)
	rnd := rand.New(rand.NewSource(1))
	issuers := []string{"i0", "i1", "i2", ""}
	locations := []string{"", `,"from_headers":[{"name":"x-t"}]`, `,"from_params":["t"]`}
	tokenFor := func() string {
		switch rnd.Intn(6) {
		case 0:
			return "not-a-token"
		case 1:
			return tok(k.ES256, "i0", expired, "")
		case 2:
			return tok(k.ES256, "unknown", valid, "")
		case 3:
			return tok(k.ES256, "i1", valid, `,"aud":"nope"`)
		default:
			return tok(k.ES256, issuers[rnd.Intn(3)], valid, "")
		}
	}
	for round := 0; round < 60; round++ {
		var provs, reqs []string
		n := 3 + rnd.Intn(5)
		for i := 0; i < n; i++ {
			name := "p" + strconv.Itoa(i)
			extra := locations[rnd.Intn(len(locations))]
			if rnd.Intn(3) == 0 {
				extra += `,"audiences":["x"]`
			}
			header := "x-" + name
			if rnd.Intn(2) == 0 {
				header = "x-shared" // providers writing one header clobber each other, as in Envoy
			}
			provs = append(provs, `"`+name+`":`+prov(issuers[rnd.Intn(len(issuers))], ks, extra+`,"claim_to_headers":[{"header_name":"`+header+`","claim_name":"iss"}]`))
			reqs = append(reqs, `{"provider_name":"`+name+`"}`)
		}
		switch rnd.Intn(4) {
		case 0:
			reqs = append(reqs, `{"allow_missing":{}}`)
		case 1:
			reqs = append(reqs, `{"requires_all":{"requirements":[{"provider_name":"p0"},{"provider_name":"p1"}]}}`)
		case 2:
			reqs = append(reqs, `{"requires_all":{"requirements":[{"provider_name":"p2"},{"allow_missing_or_failed":{}}]}}`,
				`{"requires_all":{"requirements":[{"provider_name":"p1"},{"provider_name":"p0"}]}}`)
		}
		rnd.Shuffle(len(reqs), func(i, j int) { reqs[i], reqs[j] = reqs[j], reqs[i] })
		cfg := `{"providers":{` + strings.Join(provs, ",") + `},"rules":[{"match":{"prefix":"/"},"requires":{"requires_any":{"requirements":[` +
			strings.Join(reqs, ",") + `]}}}]}`
		indexed := mustLoad(t, cfg)
		plain := mustLoad(t, cfg)
		plain.rules[0].req.(*anyRequirement).index = nil
		if indexed.rules[0].req.(*anyRequirement).index == nil {
			continue
		}
		for j := 0; j < 25; j++ {
			path, hs := "/", []string{}
			for m := rnd.Intn(4); m > 0; m-- {
				switch rnd.Intn(3) {
				case 0:
					hs = append(hs, "authorization", "Bearer "+tokenFor())
				case 1:
					hs = append(hs, "x-t", tokenFor())
				default:
					if path == "/" {
						path = "/?t=" + tokenFor()
					}
				}
			}
			st1, out1 := evaluate(indexed, req(path, hs...))
			st2, out2 := evaluate(plain, req(path, hs...))
			if st1 != st2 || !reflect.DeepEqual(out1.ops, out2.ops) {
				t.Fatalf("round %d: indexed %q %+v, every child %q %+v\nconfig %s\nheaders %q path %s", round, st1, out1.ops, st2, out2.ops, cfg, hs, path)
			}
		}
	}
}

// flipSignature changes one character in the middle of a token's signature.
func flipSignature(token string) string {
	i := len(token) - 10
	c := byte('A')
	if token[i] == 'A' {
		c = 'B'
	}
	return token[:i] + string(c) + token[i+1:]
}

// TestIssuerIndexTriesOnlyTheTokensProvider counts the providers that look at a token (each
// one consults its JWT cache once): with 100 providers in requires_any, only the token's own.
func TestIssuerIndexTriesOnlyTheTokensProvider(t *testing.T) {
	k := testjwt.Keys(t)
	ks := testjwt.JWKS(k.ES256)
	var provs, reqs []string
	for i := 0; i < 100; i++ {
		name := "p" + strconv.Itoa(i)
		provs = append(provs, `"`+name+`":`+prov("iss-"+strconv.Itoa(i), ks, ""))
		reqs = append(reqs, `{"provider_name":"`+name+`"}`)
	}
	cfg := `{"providers":{` + strings.Join(provs, ",") + `},"rules":[{"match":{"prefix":"/"},
	  "requires":{"requires_any":{"requirements":[` + strings.Join(reqs, ",") + `,{"allow_missing":{}}]}}}]}`
	indexed, plain := mustLoad(t, cfg), mustLoad(t, cfg)
	plain.rules[0].req.(*anyRequirement).index = nil
	lookups := func(rt *filterConfig, token string) uint32 {
		c := newVerifyContext(rt, req("/", "authorization", "Bearer "+token), now0(), &outputs{})
		if st := rt.rules[0].req.verify(c); st != status.OK {
			t.Fatalf("status %q", st)
		}
		return c.counts[metrics.JwtCacheHit] + c.counts[metrics.JwtCacheMiss]
	}
	last := tok(k.ES256, "iss-99", valid, "")
	if n := lookups(indexed, last); n != 1 {
		t.Errorf("with the index %d providers looked at the token, want 1", n)
	}
	if n := lookups(plain, last); n != 100 {
		t.Errorf("without the index %d providers looked at the token, want 100 (this test's premise)", n)
	}
}
