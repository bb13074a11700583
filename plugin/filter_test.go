package plugin_test

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// The request path end to end on both runners: header sanitising, CORS, outputs, responses,
// counters and the extensions that act on the whole request.

// claimsProvider sets claim and payload headers, required on /api, with allow_missing on
// /optional and no rule elsewhere.
func claimsProvider(t *testing.T, extra string) string {
	k := keys(t)
	return `{"providers":{"p":` + localProvider(iss, jwks(k.ES256), `,"forward_payload_header":"x-payload",
	  "claim_to_headers":[{"header_name":"x-sub","claim_name":"sub"},{"header_name":"x-roles","claim_name":"roles"}]`) + `},
	  "rules":[{"match":{"prefix":"/api"},"requires":{"provider_name":"p"}},
	           {"match":{"prefix":"/optional"},"requires":{"requires_any":{"requirements":[{"provider_name":"p"},{"allow_missing":{}}]}}}]` + extra + `}`
}

func TestClientCopiesOfFilterHeadersAreAlwaysRemoved(t *testing.T) {
	k := keys(t)
	forged := []string{"x-sub", "admin", "x-payload", "e30", "x-roles", "forged", "x-sub", "again"}
	run(t, claimsProvider(t, ""), func(t *testing.T, h filtertest.Host) {
		for _, path := range []string{"/elsewhere", "/optional"} {
			s := get(h, path, forged...)
			wantPass(t, s)
			wantHeader(t, s, "x-sub")
			wantHeader(t, s, "x-payload")
			wantHeader(t, s, "x-roles")
		}
		// With a valid token only the filter's values reach the upstream.
		tok := k.ES256.Token(claims(iss, `,"roles":["a","b"]`))
		s := get(h, "/api", append([]string{"authorization", "Bearer " + tok}, forged...)...)
		wantPass(t, s)
		wantHeader(t, s, "x-sub", "alice")
		wantHeader(t, s, "x-roles", base64.StdEncoding.EncodeToString([]byte(`["a","b"]`)))
	})
}

func TestPayloadHeaderIsTheTokensPayloadSegment(t *testing.T) {
	k := keys(t)
	payload := claims(iss, "")
	tok := k.ES256.Token(payload)
	seg := base64.RawURLEncoding.EncodeToString([]byte(payload))
	for _, pad := range []bool{false, true} {
		t.Run(fmt.Sprint("pad=", pad), func(t *testing.T) {
			cfg := oneProvider(t, fmt.Sprintf(`,"forward_payload_header":"x-jwt-payload","pad_forward_payload_header":%v`, pad))
			run(t, cfg, func(t *testing.T, h filtertest.Host) {
				want := seg
				if pad {
					want = base64.URLEncoding.EncodeToString([]byte(payload))
				}
				wantHeader(t, get(h, "/", "authorization", "Bearer "+tok), "x-jwt-payload", want)
			})
		})
	}
}

func TestGlooClaimsToHeadersAppendOrReplace(t *testing.T) {
	k := keys(t)
	extra := `,"x_claims_to_headers":[
	  {"claim":"sub","header":"x-user"},{"claim":"email","header":"x-user"},
	  {"claim":"sub","header":"x-ids","append":true},{"claim":"email","header":"x-ids","append":true}],
	  "claim_to_headers":[{"header_name":"x-scope","claim_name":"scp","x_render":"joined","x_separator":" "}]`
	run(t, oneProvider(t, extra), func(t *testing.T, h filtertest.Host) {
		tok := k.ES256.Token(claims(iss, `,"email":"a@x","scp":["read","write"]`))
		s := get(h, "/", "authorization", "Bearer "+tok, "x-ids", "forged")
		wantPass(t, s)
		wantHeader(t, s, "x-user", "a@x")
		// Two lines on Envoy (and the wasm runner); the SDK emulator concatenates added values.
		if ids := s.RequestHeaders().Values("x-ids"); strings.Join(ids, "") != "alicea@x" ||
			(h.Runner() == "wasm" && len(ids) != 2) {
			t.Errorf("x-ids = %q, want alice and a@x", ids)
		}
		wantHeader(t, s, "x-scope", "read write")
	})
}

func TestCorsPreflightBypass(t *testing.T) {
	run(t, claimsProvider(t, `,"bypass_cors_preflight":true`), func(t *testing.T, h filtertest.Host) {
		wantPass(t, send(h, "OPTIONS", "/api", "origin", "https://a", "access-control-request-method", "GET"))
		wantDeny(t, send(h, "OPTIONS", "/api", "origin", "https://a"), 401, "Jwt is missing")
		wantDeny(t, send(h, "OPTIONS", "/api", "origin", "", "access-control-request-method", "GET"), 401, "Jwt is missing")
		if n, _ := h.Counter("jwt_authn.cors_preflight_bypassed"); n != 1 {
			t.Errorf("cors_preflight_bypassed = %d, want 1", n)
		}
	})
	run(t, claimsProvider(t, ""), func(t *testing.T, h filtertest.Host) {
		wantDeny(t, send(h, "OPTIONS", "/api", "origin", "https://a", "access-control-request-method", "GET"), 401, "Jwt is missing")
	})
}

func TestCountersCountDecisions(t *testing.T) {
	run(t, claimsProvider(t, `,"stat_prefix":"edge"`), func(t *testing.T, h filtertest.Host) {
		get(h, "/elsewhere")
		get(h, "/optional")
		get(h, "/api")
		for name, want := range map[string]uint64{"jwt_authn.edge.allowed": 2, "jwt_authn.edge.denied": 1} {
			if got, ok := h.Counter(name); !ok || got != want {
				t.Errorf("%s = %d (defined %v), want %d", name, got, ok, want)
			}
		}
	})
}

func TestStripFailureResponse(t *testing.T) {
	run(t, claimsProvider(t, `,"strip_failure_response":true`), func(t *testing.T, h filtertest.Host) {
		s := get(h, "/api")
		lr := s.LocalResponse()
		if lr == nil || lr.Status != 401 || len(lr.Body) != 0 {
			t.Fatalf("local reply %+v, want a bare 401", lr)
		}
		if _, ok := lr.Headers.Get("www-authenticate"); ok {
			t.Error("www-authenticate sent with strip_failure_response")
		}
	})
}

func TestDenyResponseExtension(t *testing.T) {
	cfg := claimsProvider(t, `,"x_deny_response":{"body":"{\"error\":\"{{message}}\",\"code\":{{status}}}","content_type":"application/json"}`)
	run(t, cfg, func(t *testing.T, h filtertest.Host) {
		s := get(h, "/api")
		wantDeny(t, s, 401, `{"error":"Jwt is missing","code":401}`)
		if ct, _ := s.LocalResponse().Headers.Get("content-type"); ct != "application/json" {
			t.Errorf("content-type = %q", ct)
		}
	})
}

func TestReportOnlyNeverRefuses(t *testing.T) {
	k := keys(t)
	run(t, claimsProvider(t, `,"x_report_only":{"header":"x-jwt-verdict"}`), func(t *testing.T, h filtertest.Host) {
		s := get(h, "/api", "x-jwt-verdict", "OK")
		wantPass(t, s)
		wantHeader(t, s, "x-jwt-verdict", "Jwt is missing")

		s = get(h, "/api", "authorization", "Bearer "+k.ES256.Token(fmt.Sprintf(`{"iss":%q,"exp":%d}`, iss, hourAgo)))
		wantPass(t, s)
		wantHeader(t, s, "x-jwt-verdict", "Jwt is expired")

		s = get(h, "/api", "authorization", "Bearer "+k.ES256.Token(claims(iss, "")))
		wantPass(t, s)
		wantHeader(t, s, "x-jwt-verdict", "OK")
		wantHeader(t, s, "x-sub", "alice")

		// No rule: nothing was verified, and a client's verdict never passes.
		s = get(h, "/elsewhere", "x-jwt-verdict", "OK")
		wantHeader(t, s, "x-jwt-verdict")
		if n, _ := h.Counter("jwt_authn.report_only_denied"); n != 2 {
			t.Errorf("report_only_denied = %d, want 2", n)
		}
		if n, _ := h.Counter("jwt_authn.denied"); n != 0 {
			t.Errorf("denied = %d in report-only mode", n)
		}
	})
}

func TestRequireValidTokensRefusesAnyBadTokenPresent(t *testing.T) {
	k := keys(t)
	cfg := `{"providers":{"a":` + localProvider("https://a", jwks(k.ES256), "") + `,
	  "b":` + localProvider("https://b", jwks(k.ES256), `,"from_headers":[{"name":"x-b"}]`) + `},
	  "rules":[{"match":{"prefix":"/"},"requires":{"requires_any":{"requirements":[{"provider_name":"a"},{"allow_missing_or_failed":{}}]}}}],
	  "x_require_valid_tokens":true}`
	run(t, cfg, func(t *testing.T, h filtertest.Host) {
		goodA := k.ES256.Token(claims("https://a", ""))
		badB := k.ES256.Token(fmt.Sprintf(`{"iss":"https://b","exp":%d}`, hourAgo))
		wantPass(t, get(h, "/"))
		wantPass(t, get(h, "/", "authorization", "Bearer "+goodA))
		wantDeny(t, get(h, "/", "authorization", "Bearer "+goodA, "x-b", badB), 401, "Jwt is expired")
		wantDeny(t, get(h, "/", "x-b", k.ES256.Token(`{"iss":"https://unknown"}`)), 401, "Jwt issuer is not configured")
	})
}

func TestLocalReplyCarriesEnvoysDetails(t *testing.T) {
	run(t, claimsProvider(t, ""), func(t *testing.T, h filtertest.Host) {
		lr := get(h, "/api").LocalResponse()
		if lr == nil || lr.Details != "jwt_authn_access_denied{Jwt_is_missing}" {
			t.Fatalf("local reply %+v, want details jwt_authn_access_denied{Jwt_is_missing}", lr)
		}
	})
}

func TestMetadataOutputsDoNotDisturbTheRequest(t *testing.T) {
	k := keys(t)
	extra := `,"payload_in_metadata":"payload","header_in_metadata":"header","failed_status_in_metadata":"failed",
	  "normalize_payload_in_metadata":{"space_delimited_claims":["scope"]}`
	run(t, oneProvider(t, extra), func(t *testing.T, h filtertest.Host) {
		ok := get(h, "/", "authorization", "Bearer "+k.ES256.Token(claims(iss, `,"scope":"a b"`)))
		wantPass(t, ok)
		if v, set := ok.Property("jwt_authn.payload"); !set || !strings.Contains(string(v), `"iss":`+strconv.Quote(iss)) {
			t.Errorf("payload metadata = %q, %v; want the payload", v, set)
		}
		if v, set := ok.Property("jwt_authn.header"); !set || !strings.Contains(string(v), `"alg":"ES256"`) {
			t.Errorf("header metadata = %q, %v; want the JOSE header", v, set)
		}
		if v, set := ok.Property("jwt_authn.failed"); set {
			t.Errorf("failed status metadata = %q on a request that passed", v)
		}
		denied := get(h, "/")
		wantDeny(t, denied, 401, "Jwt is missing")
		if v, set := denied.Property("jwt_authn.failed"); !set || string(v) != `{"code":1,"message":"Jwt is missing"}` {
			t.Errorf("failed status metadata = %q, %v", v, set)
		}
	})
}
