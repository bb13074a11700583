package plugin

import (
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config/configtest"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
)

// authzRule is a configuration with provider p and one rule on / whose x_authorize is policy.
func authzRule(t testing.TB, policy string) string {
	return `{"providers":{"p":` + prov("i", testjwt.JWKS(testjwt.Keys(t).ES256), "") + `},
	  "rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"p"},"x_authorize":` + policy + `}]}`
}

func TestAuthorizeConfigErrors(t *testing.T) {
	k := testjwt.Keys(t)
	provider := `"providers":{"p":` + prov("i", testjwt.JWKS(k.ES256), "") + `}`
	tests := []struct {
		name   string
		config string
		want   []string // each a problem with its JSON path
	}{
		{"not an object", authzRule(t, `[]`), []string{"rules[0].x_authorize: must be an object"}},
		{"unknown member", authzRule(t, `{"role_any_of":["a"]}`), []string{"rules[0].x_authorize.role_any_of: unknown field"}},
		{"two operators", authzRule(t, `{"claims":[{"claim":"a","any_of":["x"],"equals":"y"}]}`),
			[]string{"rules[0].x_authorize.claims[0]: exactly one of any_of, all_of, none_of, equals, present must be set"}},
		{"no operator", authzRule(t, `{"claims":[{},{"claim":"a"}]}`),
			[]string{"rules[0].x_authorize.claims[0]: exactly one of claim, claim_path must be set",
				"rules[0].x_authorize.claims[0]: exactly one of any_of, all_of, none_of, equals, present must be set",
				"rules[0].x_authorize.claims[1]: exactly one of any_of, all_of, none_of, equals, present must be set"}},
		{"claim and claim_path", authzRule(t, `{"claims":[{"claim":"a","claim_path":["a"],"present":true}]}`),
			[]string{"rules[0].x_authorize.claims[0].claim_path: only one of claim, claim_path may be set"}},
		{"claim with an empty segment", authzRule(t, `{"claims":[{"claim":"a..b","present":true},{"claim":"","present":true}]}`),
			[]string{`rules[0].x_authorize.claims[0].claim: must be a claim name, nested with "."`,
				`rules[0].x_authorize.claims[1].claim: must be a claim name`}},
		{"bad claim_path", authzRule(t, `{"claims":[{"claim_path":[],"present":true},{"claim_path":["a",1,{"key":""},{"k":"x"}],"present":true}]}`),
			[]string{"rules[0].x_authorize.claims[0].claim_path: must not be empty",
				`rules[0].x_authorize.claims[1].claim_path[1]: must be a string or {"key": "..."}`,
				"rules[0].x_authorize.claims[1].claim_path[2]: must not be empty",
				"rules[0].x_authorize.claims[1].claim_path[3].k: unknown field"}},
		{"bad value lists", authzRule(t, `{"claims":[{"claim":"a","any_of":[]},{"claim":"a","all_of":["x",2,""]},{"claim":"a","none_of":"x"}]}`),
			[]string{"rules[0].x_authorize.claims[0].any_of: must not be empty",
				"rules[0].x_authorize.claims[1].all_of[1]: must be a string",
				"rules[0].x_authorize.claims[1].all_of[2]: must not be empty",
				"rules[0].x_authorize.claims[2].none_of: must be an array"}},
		{"all_of too long", authzRule(t, `{"claims":[{"claim":"a","all_of":[`+strings.TrimSuffix(strings.Repeat(`"v",`, 65), ",")+`]}]}`),
			[]string{"rules[0].x_authorize.claims[0].all_of: must list at most 64 values"}},
		{"bad equals", authzRule(t, `{"claims":[{"claim":"a","equals":["x"]},{"claim":"a","equals":{}}]}`),
			[]string{"rules[0].x_authorize.claims[0].equals: must be a string, a number or a boolean",
				"rules[0].x_authorize.claims[1].equals: must be a string, a number or a boolean"}},
		{"null equals is unset", authzRule(t, `{"claims":[{"claim":"a","equals":null}]}`),
			[]string{"rules[0].x_authorize.claims[0]: exactly one of any_of, all_of, none_of, equals, present must be set"}},
		{"present not a boolean", authzRule(t, `{"claims":[{"claim":"a","present":"yes"}]}`),
			[]string{"rules[0].x_authorize.claims[0].present: must be true or false"}},
		{"bad split", authzRule(t, `{"claims":[{"claim":"a","split":"tab","any_of":["x"]},{"claim":"a","split":"space","equals":"x"}]}`),
			[]string{`rules[0].x_authorize.claims[0].split: must be "space", "comma" or ""`,
				"rules[0].x_authorize.claims[1].split: applies only to any_of, all_of and none_of"}},
		{"value holding the separator", authzRule(t, `{"claims":[{"claim":"a","split":"comma","any_of":["x,y"]}]}`),
			[]string{"rules[0].x_authorize.claims[0].any_of[0]: contains the split separator, so it could never match"}},
		{"not a scope", authzRule(t, `{"scopes_any_of":["read write"],"scopes_all_of":["a\"b","ok","é"]}`),
			[]string{`rules[0].x_authorize.scopes_any_of[0]: is not an OAuth scope`,
				`rules[0].x_authorize.scopes_all_of[0]: is not an OAuth scope`,
				`rules[0].x_authorize.scopes_all_of[2]: is not an OAuth scope`}},
		{"bad roles", authzRule(t, `{"roles_any_of":[],"roles_claim":"a."}`),
			[]string{"rules[0].x_authorize.roles_any_of: must not be empty",
				`rules[0].x_authorize.roles_claim: must be a claim name, nested with "."`}},
		{"bad groups", authzRule(t, `{"any":[]}`), []string{"rules[0].x_authorize.any: must not be empty"}},
		{"bad group members", authzRule(t, `{"any":[1,{"claims":[{"claim":"a"}]}]}`),
			[]string{"rules[0].x_authorize.any[0]: must be an object",
				"rules[0].x_authorize.any[1].claims[0]: exactly one of any_of"}},
		{"claims entry not an object", authzRule(t, `{"claims":["a"]}`),
			[]string{"rules[0].x_authorize.claims[0]: must be an object"}},
		{"rule without requirement", `{` + provider + `,"rules":[{"match":{"prefix":"/"},"x_authorize":{}}]}`,
			[]string{"rules[0].x_authorize: the rule's requirement verifies no token (none, or an empty one), so the policy could never hold; add requires"}},
		{"empty requirement", `{` + provider + `,"rules":[{"match":{"prefix":"/"},"requires":{},"x_authorize":{}}]}`,
			[]string{"rules[0].x_authorize: the rule's requirement verifies no token"}},
		{"empty named requirement", `{` + provider + `,"requirement_map":{"open":{}},"rules":[{"match":{"prefix":"/"},"requirement_name":"open","x_authorize":{}}]}`,
			[]string{"rules[0].x_authorize: the rule's requirement verifies no token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := load([]byte(tt.config), compileEnv{lookupEnv: func(string) (string, bool) { return "", false }})
			configtest.WantProblems(t, probs, tt.want...)
		})
	}
}

func TestAuthorizeConfigAccepted(t *testing.T) {
	k := testjwt.Keys(t)
	for _, policy := range []string{
		`{}`,
		`null`,
		`{"claims":[{"claim":"a.b","any_of":["x"]},{"claim_path":["https://x/y",{"key":"z"}],"all_of":["x"],"split":"space"},
		  {"claim":"n","equals":1.5},{"claim":"b","equals":false},{"claim":"p","present":false},{"claim":"s","none_of":["x"],"split":"comma"}]}`,
		`{"scopes_all_of":["read","api:write"],"scopes_any_of":["a"],"roles_all_of":["r"],"roles_any_of":["s"],"roles_claim":"resource_access.api.roles",
		  "any":[{"roles_any_of":["x"]},{"any":[{"scopes_any_of":["y"]}]}]}`,
	} {
		mustLoad(t, authzRule(t, policy))
	}
	// A named requirement that verifies tokens is fine.
	mustLoad(t, `{"providers":{"p":`+prov("i", testjwt.JWKS(k.ES256), "")+`},"requirement_map":{"r":{"provider_name":"p"}},
	  "rules":[{"match":{"prefix":"/"},"requirement_name":"r","x_authorize":{"roles_any_of":["a"]}}]}`)
}

func TestAuthorizeCompilesScopeAttribute(t *testing.T) {
	rt := mustLoad(t, authzRule(t, `{"scopes_any_of":["b","a"],"scopes_all_of":["a","c"],"any":[{"scopes_any_of":["d","b"]},{"roles_any_of":["r"]}]}`))
	if got, want := rt.rules[0].authz.scope, "a c b d"; got != want {
		t.Errorf("scope = %q, want %q (all_of first, then any_of, then groups; no repeats)", got, want)
	}
	if got := mustLoad(t, authzRule(t, `{"roles_any_of":["r"]}`)).rules[0].authz.scope; got != "" {
		t.Errorf("scope without scopes_* = %q, want empty", got)
	}
}

// TestAuthorizeEvaluationAllocatesNothing: checking a policy against verified tokens (set
// lookups, split strings, nested paths, groups) costs no allocation on the request path.
func TestAuthorizeEvaluationAllocatesNothing(t *testing.T) {
	k := testjwt.Keys(t)
	rt := mustLoad(t, authzRule(t, `{"scopes_all_of":["read","write"],"roles_any_of":["r1","r2","r3","r4","r5","r6","r7","r8","r9","admin"],
	  "claims":[{"claim":"groups","split":"comma","none_of":["banned"]},{"claim_path":["https://x/tier"],"equals":"gold"},{"claim":"lvl","equals":3}],
	  "any":[{"claims":[{"claim":"email","present":true}]},{"roles_all_of":["admin","dev"]}]}`))
	token := tok(k.ES256, "i", valid, `,"scope":"openid write read",
	  "realm_access":{"roles":["dev","admin"]},"groups":"a, b","https://x/tier":"gold","lvl":3`)
	st, out := evaluate(rt, req("/", "authorization", "Bearer "+token))
	if st != status.OK || len(out.verified) != 1 {
		t.Fatalf("verification: %q with %d verified tokens", st, len(out.verified))
	}
	az := rt.rules[0].authz
	if !az.allows(out.verified) {
		t.Fatal("the policy does not hold for a token that satisfies it")
	}
	if n := testing.AllocsPerRun(100, func() { az.root.holds(out.verified) }); n != 0 {
		t.Errorf("checking the policy allocates %.1f times per call, want 0", n)
	}
}

// BenchmarkAuthorize is the policy check a request with x_authorize adds after verification:
// Keycloak roles (a set of 10), scopes from a space-delimited string, a comma-split none_of;
// walking the claims, and the verdict remembered in the token's JWT cache entry.
func BenchmarkAuthorize(b *testing.B) {
	k := testjwt.Keys(b)
	rt := mustLoad(b, authzRule(b, `{"scopes_all_of":["read","write"],"roles_any_of":["r1","r2","r3","r4","r5","r6","r7","r8","r9","admin"],
	  "claims":[{"claim":"groups","split":"comma","none_of":["banned"]}]}`))
	token := tok(k.ES256, "i", valid, `,"scope":"openid profile email write read","realm_access":{"roles":["offline_access","uma_authorization","admin"]},"groups":"a, b"`)
	st, out := evaluate(rt, req("/", "authorization", "Bearer "+token))
	az := rt.rules[0].authz
	if st != status.OK || !az.allows(out.verified) {
		b.Fatal("the policy does not hold")
	}
	b.Run("walk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			az.root.holds(out.verified)
		}
	})
	b.Run("remembered", func(b *testing.B) { // a JWT cache hit on the same rule
		b.ReportAllocs()
		for b.Loop() {
			az.allows(out.verified)
		}
	})
}
