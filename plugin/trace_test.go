package plugin_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// The decision trace (plugin/EXTENSIONS.md): one debug line per decided request, and the same
// line in x-jwt-authn-trace on the local reply of a request that carries the debug secret.

const debugSecret = "0123456789abcdef-debug-secret"

// traceConfig: provider "p" (issuer iss, audience api; the ES256 key without alg, the HS256
// key with it) required on "/", and the debug header with an inline secret.
func traceConfig(t *testing.T) string {
	k := keys(t)
	set := `{"keys":[` + strings.Replace(k.ES256.JWK, `"alg":"ES256",`, "", 1) + `,` + k.HS256.JWK + `]}`
	return `{"providers":{"p":` + localProvider(iss, set, `,"audiences":["api"]`) + `},
	  "rules":[{"match":{"prefix":"/health"}},{"match":{"prefix":"/"},"requires":{"provider_name":"p"}}],
	  "x_debug_header":{"name":"x-jwt-debug","secret":{"inline_string":` + q(debugSecret) + `}}}`
}

func traceLines(h filtertest.Host) []string {
	var out []string
	for _, l := range h.Logs(filtertest.LogDebug) {
		if i := strings.Index(l, "jwt_authn trace: "); i >= 0 {
			out = append(out, l[i+len("jwt_authn trace: "):])
		}
	}
	return out
}

func TestTraceLinePerReason(t *testing.T) {
	k := keys(t)
	exp := func(d int64) string {
		return `{"iss":"` + iss + `","aud":"api","exp":` + strconv.FormatInt(d, 10) + `}`
	}
	cases := []struct {
		name, token, want string
	}{
		{"missing", "", `rule=1 tokens=[] providers=[p] outcomes=[p: missing] verdict=401 "Jwt is missing"`},
		{"verified", k.ES256.Token(claims(iss, "")), `rule=1 tokens=[#0 header:authorization iss="` + iss + `" kid="ec-1" alg=ES256 aud=["api"]] providers=[p] outcomes=[p#0: verified] verdict=200 "OK"`},
		{"expired", k.ES256.Token(exp(hourAgo)), `p#0: expired by 3540s] verdict=401 "Jwt is expired"`},
		{"not yet valid", k.ES256.Token(`{"iss":"` + iss + `","aud":"api","nbf":` + strconv.FormatInt(inHour, 10) + `}`), `p#0: not yet valid by 3540s]`},
		{"audience", k.ES256.Token(`{"iss":"` + iss + `","aud":["web","mobile"],"exp":` + strconv.FormatInt(inHour, 10) + `}`),
			`aud=["web","mobile"]] providers=[p] outcomes=[p#0: audience not allowed: allowed ["api"] token ["web","mobile"]] verdict=403 "Audiences in Jwt are not allowed"`},
		{"unknown issuer", k.ES256.Token(claims("https://other.example", "")), `p#0: issuer not allowed for this provider] verdict=401`},
		{"kid unknown", k.RS256.Token(claims(iss, "")), `kid="rsa-1" alg=RS256 aud=["api"]] providers=[p] outcomes=[p#0: kid unknown (not in the local JWKS)] verdict=401 "Jwks doesn't have key to match kid or alg from Jwt"`},
		{"alg mismatch", k.HS256.TokenWithHeader(`{"alg":"HS384","kid":"hmac-1"}`, claims(iss, "")), `p#0: no key for alg]`},
		{"key type mismatch", k.HS256.TokenWithHeader(`{"alg":"HS256","kid":"ec-1"}`, claims(iss, "")), `p#0: key type mismatch]`},
		{"signature", forge(k.ES256.Token(claims(iss, "")), k.ES256.Token(claims(iss, `,"admin":true`))), `p#0: signature invalid] verdict=401 "Jwt verification fails"`},
		{"malformed", "abc.def", `tokens=[#0 header:authorization iss="" alg="" aud=[]] providers=[p] outcomes=[p#0: malformed (Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections)]`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run(t, traceConfig(t), func(t *testing.T, h filtertest.Host) {
				var kv []string
				if c.token != "" {
					kv = []string{"authorization", "Bearer " + c.token}
				}
				get(h, "/api", kv...)
				lines := traceLines(h)
				if len(lines) != 1 || !strings.Contains(lines[0], c.want) {
					t.Fatalf("trace lines %q, want one containing %q", lines, c.want)
				}
				if c.token != "" && strings.Contains(lines[0], strings.Split(c.token, ".")[len(strings.Split(c.token, "."))-1]) && len(c.token) > 20 {
					t.Errorf("the trace holds the token's signature: %s", lines[0])
				}
				get(h, "/health")
				if n := len(traceLines(h)); n != 1 {
					t.Errorf("%d trace lines after a request no requirement covers, want still 1", n)
				}
			})
		})
	}
}

// forge puts the payload of other under the header and signature of tok.
func forge(tok, other string) string {
	p := strings.Split(tok, ".")
	return p[0] + "." + strings.Split(other, ".")[1] + "." + p[2]
}

func TestDebugHeaderOnlyWithTheRightSecret(t *testing.T) {
	k := keys(t)
	expired := k.ES256.Token(`{"iss":"` + iss + `","aud":"api","exp":` + strconv.FormatInt(hourAgo, 10) + `}`)
	run(t, traceConfig(t), func(t *testing.T, h filtertest.Host) {
		for _, c := range []struct {
			name, secret string
			traced       bool
		}{
			{"right secret", debugSecret, true},
			{"wrong secret", debugSecret[:len(debugSecret)-1] + "X", false},
			{"prefix of the secret", debugSecret[:8], false},
			{"longer", debugSecret + "x", false},
			{"empty", "", false},
		} {
			s := get(h, "/api", "authorization", "Bearer "+expired, "x-jwt-debug", c.secret)
			lr := s.LocalResponse()
			if lr == nil || lr.Status != 401 {
				t.Fatalf("%s: want 401, got %v", c.name, lr)
			}
			got, has := lr.Headers.Get("x-jwt-authn-trace")
			if has != c.traced {
				t.Errorf("%s: x-jwt-authn-trace present %v, want %v (%q)", c.name, has, c.traced, got)
			}
			if c.traced && !strings.Contains(got, `p#0: expired by 3540s] verdict=401 "Jwt is expired"`) {
				t.Errorf("%s: trace %q", c.name, got)
			}
			for _, hv := range lr.Headers {
				if strings.Contains(hv[1], debugSecret) {
					t.Errorf("%s: the secret is echoed in %s", c.name, hv[0])
				}
			}
		}
		// Never forwarded, whatever its value.
		s := get(h, "/api", "authorization", "Bearer "+k.ES256.Token(claims(iss, "")), "x-jwt-debug", debugSecret)
		wantPass(t, s)
		wantHeader(t, s, "x-jwt-debug")
		s = get(h, "/health", "x-jwt-debug", "wrong")
		wantPass(t, s)
		wantHeader(t, s, "x-jwt-debug")
		for _, l := range h.Logs(filtertest.LogTrace) {
			if strings.Contains(l, debugSecret) {
				t.Errorf("the secret is logged: %s", l)
			}
		}
	})
}

func TestDebugHeaderConfigErrors(t *testing.T) {
	base := `{"providers":{"p":{"issuer":"i","local_jwks":{"inline_string":"{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0\"}]}"}}},"x_debug_header":`
	for _, c := range []struct{ dh, want string }{
		{`{"secret":{"inline_string":"0123456789abcdef"}}`, "x_debug_header.name: missing"},
		{`{"name":"X-Debug","secret":{"inline_string":"0123456789abcdef"}}`, "x_debug_header.name: must be a lower-case header name"},
		{`{"name":"x-debug"}`, "x_debug_header.secret: missing"},
		{`{"name":"x-debug","secret":{"inline_string":"short"}}`, "x_debug_header.secret: must be at least 16 bytes"},
		{`{"name":"x-debug","secret":{"environment_variable":"JWT_TEST_NO_SUCH_VARIABLE"}}`, `x_debug_header.secret.environment_variable: environment variable "JWT_TEST_NO_SUCH_VARIABLE" is not set`},
		{`{"name":"x-debug","secret":{"filename":"/etc/secret"}}`, "x_debug_header.secret.filename: not supported in a Wasm filter"},
	} {
		filtertest.Each(t, func(t *testing.T, r filtertest.Runner) {
			h, err := r.Start(t, filtertest.Options{Config: []byte(base + c.dh + `}`)})
			if err == nil {
				h.Close()
				t.Fatalf("%s: plugin started", c.dh)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q lacks %q", err, c.want)
			}
		})
	}
}

// Reasons that need remote keys or a second request: a failed JWKS fetch, a kid still unknown
// after the refetch it triggered, and a JWT cache hit.
func TestTraceRemoteReasons(t *testing.T) {
	k := keys(t)
	filtertest.Run(t, filtertest.Options{Config: []byte(remoteConfig("")), VMs: 1}, func(t *testing.T, h filtertest.Host) {
		last := func() string {
			lines := traceLines(h)
			if len(lines) == 0 {
				t.Fatal("no trace line")
			}
			return lines[len(lines)-1]
		}
		s := bearer(h, k.ES256)
		h.Respond(wantCallouts(t, h, 1)[0].ID, statusResponse("500"))
		wantDeny(t, s, 401, "Jwks remote fetch is failed")
		if l := last(); !strings.Contains(l, `r#0: jwks fetch failed] verdict=401 "Jwks remote fetch is failed"`) {
			t.Errorf("fetch failure: %s", l)
		}

		h.Advance(2 * time.Second)                  // past failed_refetch_duration
		tok := k.ES256.Token(claims(remoteIss, "")) // ECDSA signatures differ: one token, sent twice
		s = get(h, "/", "authorization", "Bearer "+tok)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256)))
		wantPass(t, s)
		if l := last(); !strings.Contains(l, `r#0: verified] verdict=200 "OK"`) {
			t.Errorf("verified: %s", l)
		}
		wantPass(t, get(h, "/", "authorization", "Bearer "+tok))
		if l := last(); !strings.Contains(l, `r#0: verified (cache hit)]`) {
			t.Errorf("cache hit: %s", l)
		}

		h.Advance(31 * time.Second) // the unknown-kid refetch is due
		s = bearer(h, k.RS256)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256))) // still without rsa-1
		wantDeny(t, s, 401, "Jwks doesn't have key to match kid or alg from Jwt")
		if l := last(); !strings.Contains(l, `kid="rsa-1" alg=RS256`) || !strings.Contains(l, `r#0: kid unknown (after refetch)]`) {
			t.Errorf("kid unknown after refetch: %s", l)
		}
		wantDeny(t, get(h, "/", "authorization", "Bearer "+k.RS256.Token(claims(remoteIss, `,"jti":"2"`))), 401,
			"Jwks doesn't have key to match kid or alg from Jwt")
		if l := last(); !strings.Contains(l, `r#0: kid unknown (refetch not due`) {
			t.Errorf("kid unknown, refetch not due: %s", l)
		}
	})
}
