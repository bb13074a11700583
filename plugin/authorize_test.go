package plugin_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// x_authorize end to end on both runners: which claims satisfy a policy, what a refusal
// looks like, and how the policy meets several tokens, allow_missing and x_report_only.

const authzDenied = "Jwt claims do not satisfy the authorization policy"

// authzCase is one policy and one token's extra claims: the request passes or gets 403.
type authzCase struct {
	name   string
	policy string // the x_authorize object
	claims string // members added to the token's claims, starting with ","
	pass   bool
}

var authzCases = []authzCase{
	// Keycloak: roles nested in realm_access.roles (the default roles_claim).
	{"keycloak role present", `{"roles_any_of":["admin"]}`, `,"realm_access":{"roles":["user","admin"]}`, true},
	{"keycloak role absent", `{"roles_any_of":["admin"]}`, `,"realm_access":{"roles":["user"]}`, false},
	{"superadmin is not admin", `{"roles_any_of":["admin"]}`, `,"realm_access":{"roles":["superadmin","admins","Admin"]}`, false},
	{"roles claim missing", `{"roles_any_of":["admin"]}`, ``, false},
	{"roles not an array of strings", `{"roles_any_of":["admin"]}`, `,"realm_access":{"roles":{"admin":true}}`, false},
	{"roles all of", `{"roles_all_of":["a","b"]}`, `,"realm_access":{"roles":["b","x","a"]}`, true},
	{"roles all of, one missing", `{"roles_all_of":["a","b"]}`, `,"realm_access":{"roles":["a"]}`, false},
	{"non-string elements ignored", `{"roles_any_of":["1","admin"]}`, `,"realm_access":{"roles":[1,true,null,{"a":1},"admin"]}`, true},
	{"non-string elements never match", `{"roles_any_of":["1","true"]}`, `,"realm_access":{"roles":[1,true]}`, false},
	{"custom roles claim", `{"roles_claim":"resource_access.api.roles","roles_any_of":["editor"]}`,
		`,"resource_access":{"api":{"roles":["editor"]}},"realm_access":{"roles":["viewer"]}`, true},
	// Scopes: a space-delimited scope string, or the scp alias.
	{"scope string has all", `{"scopes_all_of":["read","write"]}`, `,"scope":"openid  write read"`, true},
	{"scope string lacks one", `{"scopes_all_of":["read","write"]}`, `,"scope":"openid read"`, false},
	{"scope is matched exactly", `{"scopes_any_of":["read"]}`, `,"scope":"readwrite read:all"`, false},
	{"scope array", `{"scopes_any_of":["read"]}`, `,"scope":["write","read"]`, true},
	{"scp array alias", `{"scopes_all_of":["read","write"]}`, `,"scp":["write","read"]`, true},
	{"scp string alias", `{"scopes_any_of":["User.Read"]}`, `,"scp":"Mail.Send User.Read"`, true},
	{"scope wins over scp", `{"scopes_any_of":["read"]}`, `,"scope":"openid","scp":["read"]`, false},
	{"null scope falls back to scp", `{"scopes_any_of":["read"]}`, `,"scope":null,"scp":["read"]`, true},
	{"no scope claim", `{"scopes_any_of":["read"]}`, ``, false},
	// General claim conditions.
	{"any of", `{"claims":[{"claim":"groups","any_of":["ops","dev"]}]}`, `,"groups":["dev"]`, true},
	{"any of a string claim", `{"claims":[{"claim":"groups","any_of":["ops"]}]}`, `,"groups":"ops"`, true},
	{"string claim is not split by default", `{"claims":[{"claim":"groups","any_of":["ops"]}]}`, `,"groups":"ops dev"`, false},
	{"comma split", `{"claims":[{"claim":"groups","split":"comma","any_of":["dev"]}]}`, `,"groups":"ops , dev,"`, true},
	{"space split", `{"claims":[{"claim":"groups","split":"space","all_of":["ops","dev"]}]}`, `,"groups":"dev ops"`, true},
	{"array elements are not split", `{"claims":[{"claim":"groups","split":"space","any_of":["ops"]}]}`, `,"groups":["ops dev"]`, false},
	{"none of holds", `{"claims":[{"claim":"groups","none_of":["banned"]}]}`, `,"groups":["dev"]`, true},
	{"none of refuses", `{"claims":[{"claim":"groups","none_of":["banned"]}]}`, `,"groups":["dev","banned"]`, false},
	{"none of a missing claim holds", `{"claims":[{"claim":"groups","none_of":["banned"]}]}`, ``, true},
	{"nested dot path", `{"claims":[{"claim":"org.team.name","any_of":["core"]}]}`, `,"org":{"team":{"name":"core"}}`, true},
	{"equals string", `{"claims":[{"claim":"tenant","equals":"acme"}]}`, `,"tenant":"acme"`, true},
	{"equals string, other case", `{"claims":[{"claim":"tenant","equals":"acme"}]}`, `,"tenant":"ACME"`, false},
	{"equals number", `{"claims":[{"claim":"level","equals":3}]}`, `,"level":3`, true},
	{"equals number, other spelling", `{"claims":[{"claim":"level","equals":3}]}`, `,"level":3.0`, true},
	{"equals number, not a string", `{"claims":[{"claim":"level","equals":3}]}`, `,"level":"3"`, false},
	{"equals number, other value", `{"claims":[{"claim":"level","equals":3}]}`, `,"level":4`, false},
	{"equals true", `{"claims":[{"claim":"email_verified","equals":true}]}`, `,"email_verified":true`, true},
	{"equals true, false", `{"claims":[{"claim":"email_verified","equals":true}]}`, `,"email_verified":false`, false},
	{"equals true, a string", `{"claims":[{"claim":"email_verified","equals":true}]}`, `,"email_verified":"true"`, false},
	{"equals false", `{"claims":[{"claim":"disabled","equals":false}]}`, `,"disabled":false`, true},
	{"equals on an array is not membership", `{"claims":[{"claim":"groups","equals":"dev"}]}`, `,"groups":["dev"]`, false},
	{"present", `{"claims":[{"claim":"email","present":true}]}`, `,"email":""`, true},
	{"present, missing", `{"claims":[{"claim":"email","present":true}]}`, ``, false},
	{"present, null", `{"claims":[{"claim":"email","present":true}]}`, `,"email":null`, false},
	{"absent", `{"claims":[{"claim":"act","present":false}]}`, ``, true},
	{"absent, present", `{"claims":[{"claim":"act","present":false}]}`, `,"act":{"sub":"svc"}`, false},
	// Claim names holding dots: claim_path segments, as strings or Envoy's {"key"} form.
	{"claim_path with a dotted name", `{"claims":[{"claim_path":["https://example.com/roles"],"any_of":["admin"]}]}`,
		`,"https://example.com/roles":["admin"]`, true},
	{"claim_path in Envoy's form", `{"claims":[{"claim_path":[{"key":"https://example.com/claims"},{"key":"tier"}],"equals":"gold"}]}`,
		`,"https://example.com/claims":{"tier":"gold"}`, true},
	{"a dot path does not reach a dotted name", `{"claims":[{"claim":"https://example.com/roles","any_of":["admin"]}]}`,
		`,"https://example.com/roles":["admin"]`, false},
	{"names are literal, not gjson paths", `{"claims":[{"claim":"rol*","any_of":["y"]}]}`, `,"roles":["y"]`, false},
	{"a name with gjson syntax", `{"claims":[{"claim_path":["@roles|x"],"any_of":["y"]}]}`, `,"roles":["z"],"@roles|x":["y"]`, true},
	{"arrays are not entered by index", `{"claims":[{"claim":"roles.0","equals":"y"}]}`, `,"roles":["y"]`, false},
	// Composition: every condition (AND), and "any" groups (OR).
	{"and: both hold", `{"scopes_any_of":["read"],"roles_any_of":["user"]}`, `,"scope":"read","realm_access":{"roles":["user"]}`, true},
	{"and: one fails", `{"scopes_any_of":["read"],"roles_any_of":["user"]}`, `,"scope":"read","realm_access":{"roles":["guest"]}`, false},
	{"or: first group", `{"any":[{"roles_any_of":["admin"]},{"scopes_any_of":["write"]}]}`, `,"realm_access":{"roles":["admin"]}`, true},
	{"or: second group", `{"any":[{"roles_any_of":["admin"]},{"scopes_any_of":["write"]}]}`, `,"scope":"write"`, true},
	{"or: no group", `{"any":[{"roles_any_of":["admin"]},{"scopes_any_of":["write"]}]}`, `,"scope":"read"`, false},
	{"groups inherit roles_claim", `{"roles_claim":"roles","any":[{"roles_any_of":["admin"]}]}`, `,"roles":["admin"]`, true},
	{"conditions and groups", `{"claims":[{"claim":"tenant","equals":"acme"}],"any":[{"roles_any_of":["admin"]}]}`,
		`,"tenant":"other","realm_access":{"roles":["admin"]}`, false},
	{"empty policy: a verified token suffices", `{}`, ``, true},
	{"many values (a set, not a list)", `{"roles_any_of":["r1","r2","r3","r4","r5","r6","r7","r8","r9","r10"]}`,
		`,"realm_access":{"roles":["x","r9"]}`, true},
	{"many values, none held", `{"roles_any_of":["r1","r2","r3","r4","r5","r6","r7","r8","r9","r10"]}`,
		`,"realm_access":{"roles":["r11","r"]}`, false},
}

// authzConfig is provider p (issuer iss, ES256) with one rule per case on /case/<i>.
func authzConfig(t *testing.T, cases []authzCase, extra string) string {
	var rules []string
	for i, c := range cases {
		rules = append(rules, fmt.Sprintf(`{"match":{"path":"/case/%d"},"requires":{"provider_name":"p"},"x_authorize":%s}`, i, c.policy))
	}
	return `{"providers":{"p":` + localProvider(iss, jwks(keys(t).ES256), "") + `},"rules":[` + strings.Join(rules, ",") + `]` + extra + `}`
}

func TestAuthorizeMatchesClaims(t *testing.T) {
	k := keys(t)
	run(t, authzConfig(t, authzCases, ""), func(t *testing.T, h filtertest.Host) {
		for i, c := range authzCases {
			s := get(h, fmt.Sprintf("/case/%d", i), "authorization", "Bearer "+k.ES256.Token(claims(iss, c.claims)))
			lr := s.LocalResponse()
			switch {
			case c.pass && lr != nil:
				t.Errorf("%s: refused with %d %q, want pass", c.name, lr.Status, lr.Body)
			case !c.pass && lr == nil:
				t.Errorf("%s: passed, want 403", c.name)
			case !c.pass && (lr.Status != 403 || string(lr.Body) != authzDenied):
				t.Errorf("%s: got %d %q, want 403 %q", c.name, lr.Status, lr.Body, authzDenied)
			}
		}
	})
}

func TestAuthorizeRefusalIsInsufficientScope(t *testing.T) {
	k := keys(t)
	cases := []authzCase{
		{policy: `{"scopes_all_of":["read","write"],"any":[{"scopes_any_of":["admin","read"]},{"roles_any_of":["x"]}]}`},
		{policy: `{"roles_any_of":["admin"]}`},
	}
	tok := k.ES256.Token(claims(iss, `,"scope":"openid"`))
	run(t, authzConfig(t, cases, ""), func(t *testing.T, h filtertest.Host) {
		// The scopes the policy names, without repeats, in the scope attribute (RFC 6750 3.1).
		s := get(h, "/case/0", "authorization", "Bearer "+tok)
		wantDeny(t, s, 403, authzDenied)
		lr := s.LocalResponse()
		if got, want := lr.Headers.Values("www-authenticate"), `Bearer realm="https://example.com/case/0", error="insufficient_scope", scope="read write admin"`; len(got) != 1 || got[0] != want {
			t.Errorf("www-authenticate = %q, want [%q]", got, want)
		}
		if want := "jwt_authn_access_denied{Jwt_claims_do_not_satisfy_the_authorization_policy}"; lr.Details != want {
			t.Errorf("details = %q, want %q", lr.Details, want)
		}
		// No scopes in the policy: no scope attribute.
		s = get(h, "/case/1", "authorization", "Bearer "+tok)
		wantDeny(t, s, 403, authzDenied)
		if got, want := s.LocalResponse().Headers.Values("www-authenticate"), `Bearer realm="https://example.com/case/1", error="insufficient_scope"`; len(got) != 1 || got[0] != want {
			t.Errorf("www-authenticate = %q, want [%q]", got, want)
		}
		// Authentication fails first: the requirement's own answer, the policy is not asked.
		wantDeny(t, get(h, "/case/1"), 401, "Jwt is missing")
		for name, want := range map[string]uint64{"jwt_authn.authz_denied": 2, "jwt_authn.denied": 3, "jwt_authn.allowed": 0} {
			if got, _ := h.Counter(name); got != want {
				t.Errorf("%s = %d, want %d", name, got, want)
			}
		}
	})
}

func TestAuthorizeRefusalUsesDenyResponse(t *testing.T) {
	k := keys(t)
	cases := []authzCase{{policy: `{"roles_any_of":["admin"]}`}}
	extra := `,"x_deny_response":{"body":"{\"error\":\"{{message}}\",\"status\":{{status}}}","content_type":"application/json"}`
	run(t, authzConfig(t, cases, extra), func(t *testing.T, h filtertest.Host) {
		s := get(h, "/case/0", "authorization", "Bearer "+k.ES256.Token(claims(iss, "")))
		wantDeny(t, s, 403, `{"error":"`+authzDenied+`","status":403}`)
		if ct, _ := s.LocalResponse().Headers.Get("content-type"); ct != "application/json" {
			t.Errorf("content-type = %q", ct)
		}
	})
}

func TestAuthorizeReportOnlyReportsInsteadOfRefusing(t *testing.T) {
	k := keys(t)
	cases := []authzCase{{policy: `{"roles_any_of":["admin"]}`}}
	cfg := `{"providers":{"p":` + localProvider(iss, jwks(k.ES256), `,"claim_to_headers":[{"header_name":"x-sub","claim_name":"sub"}]`) + `},
	  "rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"p"},"x_authorize":` + cases[0].policy + `}],
	  "x_report_only":{"header":"x-verdict"}}`
	run(t, cfg, func(t *testing.T, h filtertest.Host) {
		s := get(h, "/", "authorization", "Bearer "+k.ES256.Token(claims(iss, `,"realm_access":{"roles":["user"]}`)), "x-verdict", "OK")
		wantPass(t, s)
		wantHeader(t, s, "x-verdict", authzDenied)
		wantHeader(t, s, "x-sub", "alice") // the token verified: its headers still go upstream

		s = get(h, "/", "authorization", "Bearer "+k.ES256.Token(claims(iss, `,"realm_access":{"roles":["admin"]}`)))
		wantPass(t, s)
		wantHeader(t, s, "x-verdict", "OK")
		for name, want := range map[string]uint64{"jwt_authn.authz_denied": 1, "jwt_authn.report_only_denied": 1, "jwt_authn.denied": 0} {
			if got, _ := h.Counter(name); got != want {
				t.Errorf("%s = %d, want %d", name, got, want)
			}
		}
	})
}

// Two providers on two headers: p (authorization) and q (x-service-token).
func twoTokenConfig(t *testing.T, requires, policy string) string {
	k := keys(t)
	return `{"providers":{"p":` + localProvider(iss, jwks(k.ES256), "") + `,
	  "q":` + localProvider("https://svc.example", jwks(k.EdDSA), `,"from_headers":[{"name":"x-service-token"}]`) + `},
	  "rules":[{"match":{"prefix":"/"},"requires":` + requires + `,"x_authorize":` + policy + `}]}`
}

func TestAuthorizeWithSeveralTokens(t *testing.T) {
	k := keys(t)
	all := `{"requires_all":{"requirements":[{"provider_name":"p"},{"provider_name":"q"}]}}`
	user := func(extra string) string { return "Bearer " + k.ES256.Token(claims(iss, extra)) }
	svc := func(extra string) string { return k.EdDSA.Token(claims("https://svc.example", extra)) }

	// A positive condition holds when one token's claims satisfy it; conditions are checked
	// separately, so each may be met by another token.
	policy := `{"roles_any_of":["admin"],"scopes_any_of":["svc:call"]}`
	run(t, twoTokenConfig(t, all, policy), func(t *testing.T, h filtertest.Host) {
		wantPass(t, get(h, "/", "authorization", user(`,"realm_access":{"roles":["admin"]}`), "x-service-token", svc(`,"scope":"svc:call"`)))
		wantPass(t, get(h, "/", "authorization", user(`,"scope":"svc:call"`), "x-service-token", svc(`,"realm_access":{"roles":["admin"]}`)))
		wantDeny(t, get(h, "/", "authorization", user(`,"realm_access":{"roles":["admin"]}`), "x-service-token", svc("")), 403, authzDenied)
	})
	// A negative condition must hold for every token: a forbidden value in any refuses.
	run(t, twoTokenConfig(t, all, `{"claims":[{"claim":"groups","none_of":["banned"]},{"claim":"act","present":false}]}`), func(t *testing.T, h filtertest.Host) {
		wantPass(t, get(h, "/", "authorization", user(`,"groups":["dev"]`), "x-service-token", svc("")))
		wantDeny(t, get(h, "/", "authorization", user(`,"groups":["dev"]`), "x-service-token", svc(`,"groups":["banned"]`)), 403, authzDenied)
		wantDeny(t, get(h, "/", "authorization", user(""), "x-service-token", svc(`,"act":{"sub":"x"}`)), 403, authzDenied)
	})
	// requires_any: the tokens that verified count, whichever provider verified them.
	anyReq := `{"requires_any":{"requirements":[{"provider_name":"p"},{"provider_name":"q"}]}}`
	run(t, twoTokenConfig(t, anyReq, `{"roles_any_of":["admin"]}`), func(t *testing.T, h filtertest.Host) {
		wantPass(t, get(h, "/", "x-service-token", svc(`,"realm_access":{"roles":["admin"]}`)))
		wantDeny(t, get(h, "/", "x-service-token", svc("")), 403, authzDenied)
	})
}

func TestAuthorizeNeedsAVerifiedToken(t *testing.T) {
	k := keys(t)
	for _, allow := range []string{"allow_missing", "allow_missing_or_failed"} {
		t.Run(allow, func(t *testing.T) {
			requires := `{"requires_any":{"requirements":[{"provider_name":"p"},{"` + allow + `":{}}]}}`
			cfg := `{"providers":{"p":` + localProvider(iss, jwks(k.ES256), "") + `},
			  "rules":[{"match":{"prefix":"/"},"requires":` + requires + `,"x_authorize":{}}]}`
			run(t, cfg, func(t *testing.T, h filtertest.Host) {
				// The requirement lets a request without a token through; the policy does not.
				s := get(h, "/")
				wantDeny(t, s, 403, authzDenied)
				if got := s.LocalResponse().Headers.Values("www-authenticate"); len(got) != 1 || !strings.HasSuffix(got[0], `error="insufficient_scope"`) {
					t.Errorf("www-authenticate = %q", got)
				}
				wantPass(t, get(h, "/", "authorization", "Bearer "+k.ES256.Token(claims(iss, ""))))
				expired := "Bearer " + k.ES256.Token(fmt.Sprintf(`{"iss":%q,"exp":%d}`, iss, hourAgo))
				if allow == "allow_missing_or_failed" {
					// A token that failed verification is not a verified token.
					wantDeny(t, get(h, "/", "authorization", expired), 403, authzDenied)
				} else {
					wantDeny(t, get(h, "/", "authorization", expired), 401, "Jwt is expired")
				}
			})
		})
	}
}

func TestAuthorizeUsesCachedTokensClaims(t *testing.T) {
	k := keys(t)
	cases := []authzCase{{policy: `{"roles_any_of":["admin"]}`}, {policy: `{"roles_any_of":["user"]}`}}
	admin := "Bearer " + k.ES256.Token(claims(iss, `,"realm_access":{"roles":["admin"]}`))
	user := "Bearer " + k.ES256.Token(claims(iss, `,"realm_access":{"roles":["user"]}`))
	run(t, authzConfig(t, cases, ""), func(t *testing.T, h filtertest.Host) {
		// The later rounds hit the JWT cache, where a token's verdict is remembered per
		// policy: alternating rules must not mix them up.
		for i := 0; i < 3; i++ {
			wantPass(t, get(h, "/case/0", "authorization", admin))
			wantDeny(t, get(h, "/case/0", "authorization", user), 403, authzDenied)
			wantDeny(t, get(h, "/case/1", "authorization", admin), 403, authzDenied)
			wantPass(t, get(h, "/case/1", "authorization", user))
		}
		if hits, _ := h.Counter("jwt_authn.jwt_cache_hit"); hits == 0 {
			t.Error("no JWT cache hit: the test did not cover cached tokens")
		}
	})
}

func TestPluginStartRefusesBadAuthorize(t *testing.T) {
	k := keys(t)
	cfg := `{"providers":{"p":` + localProvider(iss, jwks(k.ES256), "") + `},
	  "rules":[{"match":{"prefix":"/a"},"requires":{"provider_name":"p"},"x_authorize":{"claims":[{"claim":"roles","any_of":["a"],"equals":"b"}]}},
	           {"match":{"prefix":"/b"},"x_authorize":{"roles_any_of":["admin"]}}]}`
	wantStartErrors(t, cfg,
		"rules[0].x_authorize.claims[0]: exactly one of any_of, all_of, none_of, equals, present must be set",
		"rules[1].x_authorize: the rule's requirement verifies no token",
	)
}

// BenchmarkWasmAuthorize is one request through build/jwt-authn.wasm in the wazero host with
// a token already in the JWT cache, without and with an x_authorize policy (Keycloak roles,
// space-delimited scopes, a comma-split none_of): what the policy adds per request in Wasm.
//
//	go test ./plugin/ -run '^$' -bench WasmAuthorize -benchmem
func BenchmarkWasmAuthorize(b *testing.B) {
	k := keys(b)
	tok := k.ES256.Token(claims(iss, `,"azp":"web","scope":"openid profile email write read",
	  "realm_access":{"roles":["offline_access","uma_authorization","admin"]},"groups":"a, b"`))
	policies := map[string]string{
		"none":   "",
		"policy": `,"x_authorize":{"scopes_all_of":["read","write"],"roles_any_of":["admin","ops"],"claims":[{"claim":"groups","split":"comma","none_of":["banned"]}]}`,
	}
	for _, name := range []string{"none", "policy"} {
		b.Run(name, func(b *testing.B) {
			cfg := `{"providers":{"p":` + localProvider(iss, jwks(k.ES256), "") + `},
			  "rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"p"}` + policies[name] + `}]}`
			h := startHost(b, host.Options{VMs: 1, PluginConfig: []byte(cfg)})
			hdrs := [][2]string(filtertest.Request("GET", "/", "authorization", "Bearer "+tok))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				s := h.NewStream(host.StreamOptions{})
				s.SendRequestHeaders(hdrs, true)
				if s.Paused() || s.LocalResponse() != nil {
					b.Fatalf("request %d not passed", i)
				}
				s.Done()
			}
		})
	}
}
