package plugin_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// Behaviour on hostile or unusual input (issue 9): each test runs on both runners.

// maxDepth is the deepest JSON nesting accepted (verifier.MaxJSONDepth, Envoy's).
const maxDepth = 100

// maxLimits is x_token_limits at the largest values it accepts.
const maxLimits = `"x_token_limits":{"max_token_bytes":1048576,"max_header_bytes":1048576,"max_payload_bytes":1048576}`

// nested is `"x":` and an array nested so that its deepest level is depth levels below the
// object holding the member.
func nested(depth int) string {
	return `"x":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1)
}

// TestDeeplyNestedTokenIsInvalidJSON: a token whose header or payload nests deeper than 100
// (Envoy's protobuf JSON parser's limit) gets Envoy's "invalid JSON" text, also at the largest
// x_token_limits, where a header half a million levels deep once took seconds to refuse and
// then overflowed the Wasm VM's stack (every later request on that VM got 503). Every token is
// validly signed, so only the nesting refuses it; each is sent twice. 100 levels pass.
func TestDeeplyNestedTokenIsInvalidJSON(t *testing.T) {
	k := keys(t).RS256
	cfg := strings.Replace(oneProvider(t, ""), "{", "{"+maxLimits+",", 1)
	header := func(extra string) string { return `{"alg":"RS256","kid":"` + k.Kid + `",` + extra + `}` }
	body := claims("https://iss.example", "")
	payload := func(extra string) string { return body[:len(body)-1] + "," + extra + "}" }
	// The deepest array that fits the largest limits once base64-encoded.
	huge := (3*(1<<20)/4 - 1024) / 2
	cases := []struct {
		name  string
		token string
		want  string // "" passes
	}{
		{"header at depth 100", k.TokenWithHeader(header(nested(maxDepth)), body), ""},
		{"payload at depth 100", k.TokenWithHeader(header(`"typ":"JWT"`), payload(nested(maxDepth))), ""},
		{"header at depth 101", k.TokenWithHeader(header(nested(maxDepth+1)), body), "Jwt header is an invalid JSON"},
		{"payload at depth 101", k.TokenWithHeader(header(`"typ":"JWT"`), payload(nested(maxDepth+1))), "Jwt payload is an invalid JSON"},
		{"header half a million deep", k.TokenWithHeader(header(nested(huge)), body), "Jwt header is an invalid JSON"},
		{"payload half a million deep", k.TokenWithHeader(header(`"typ":"JWT"`), payload(nested(huge))), "Jwt payload is an invalid JSON"},
	}
	run(t, cfg, func(t *testing.T, h filtertest.Host) {
		for _, c := range cases {
			if len(c.token) > 1<<20 {
				t.Fatalf("%s: token of %d bytes is over the limits", c.name, len(c.token))
			}
			for try := 1; try <= 2; try++ {
				s := get(h, "/api", "authorization", "Bearer "+c.token)
				if c.want == "" {
					wantPass(t, s)
				} else {
					wantDeny(t, s, 401, c.want)
				}
				s.Done()
			}
		}
	})
}

// TestNumericDatesMayHaveAFraction: RFC 7519 NumericDate may be non-integer; as Envoy
// (jwt_verify_lib reads exp, nbf and iat as doubles and truncates), "exp": <in an hour>.5 is
// accepted, and one that truncates to a second already past is expired. Negative, beyond
// 64 bits and non-finite values keep Envoy's texts.
func TestNumericDatesMayHaveAFraction(t *testing.T) {
	k := keys(t).RS256
	iss := `"iss":"https://iss.example","sub":"alice","aud":"api"`
	exp := func(v string) string { return `{` + iss + `,"exp":` + v + `}` }
	cases := []struct {
		name, claims string
		code         uint32
		want         string // "" passes
	}{
		{"exp with a fraction", exp(strconv.FormatInt(inHour, 10) + ".5"), 0, ""},
		{"exp with an exponent", exp("1.8e9"), 0, ""},
		{"nbf and iat with fractions", `{` + iss + `,"exp":` + strconv.FormatInt(inHour, 10) + `,"nbf":` + strconv.FormatInt(hourAgo, 10) + `.25,"iat":` + strconv.FormatInt(hourAgo, 10) + `.75}`, 0, ""},
		{"exp with a fraction, past", exp(strconv.FormatInt(hourAgo, 10) + ".999"), 401, "Jwt is expired"},
		{"exp negative", exp("-1.5"), 401, "Jwt payload [exp] field is not a positive 64 bit integer"},
		{"exp beyond 64 bits", exp("1e19"), 401, "Jwt payload [exp] field is not a positive 64 bit integer"},
		{"exp not finite", exp("1e400"), 401, "Jwt payload [exp] field is not an integer"},
		{"nbf a string", `{` + iss + `,"nbf":"1.5"}`, 401, "Jwt payload [nbf] field is not an integer"},
	}
	run(t, oneProvider(t, ""), func(t *testing.T, h filtertest.Host) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				s := get(h, "/api", "authorization", "Bearer "+k.Token(c.claims))
				defer s.Done()
				if c.want == "" {
					wantPass(t, s)
				} else {
					wantDeny(t, s, c.code, c.want)
				}
			})
		}
	})
}

// TestDeeplyNestedConfigurationIsRefused: a configuration nesting deeper than 100 refuses
// plugin start before anything else is read of it (a million levels once overflowed the
// stack in proxy_on_configure), and so does a local JWKS that does.
func TestDeeplyNestedConfigurationIsRefused(t *testing.T) {
	k := keys(t)
	deepJWKS := `{"keys":[` + k.RS256.JWK[:len(k.RS256.JWK)-1] + `,` + nested(maxDepth-1) + `}]}`
	for _, c := range []struct {
		name, config, want string
	}{
		{"configuration at depth 101", `{"bogus":{` + nested(maxDepth) + `}}`, "nest deeper than 100"},
		{"configuration a million deep", `{"bogus":{` + nested(1<<20) + `}}`, "nest deeper than 100"},
		{"local JWKS at depth 101", `{"providers":{"p":` + localProvider("https://iss.example", deepJWKS, "") + `}}`, "providers.p.local_jwks"},
	} {
		t.Run(c.name, func(t *testing.T) {
			filtertest.Each(t, func(t *testing.T, r filtertest.Runner) {
				h, err := r.Start(t, filtertest.Options{Config: []byte(c.config)})
				if err == nil {
					h.Close()
					t.Fatal("plugin started")
				}
				if !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "bogus") {
					t.Fatalf("start error %v, want one with %q (and nothing about what is inside)", err, c.want)
				}
			})
		})
	}
}

// TestRequireValidTokensChecksEveryOccurrence: under x_require_valid_tokens a forged token
// cannot ride behind a valid one as the second occurrence of a query parameter or cookie
// (also in a second Cookie header) or as a second header line: every occurrence verifies.
// Without it, Envoy's rule holds: the first query parameter or cookie is the token.
func TestRequireValidTokensChecksEveryOccurrence(t *testing.T) {
	k := keys(t)
	provider := localProvider("https://iss.example", jwks(k.RS256),
		`,"from_headers":[{"name":"x-jwt"}],"from_params":["access_token"],"from_cookies":["jwt"]`)
	config := func(extra string) string {
		return `{"providers":{"p":` + provider + `},"rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"p"}}]` + extra + `}`
	}
	valid := k.RS256.Token(claims("https://iss.example", ""))
	// Signed by another key under the provider key's kid.
	forged := k.RS256b.TokenWithHeader(`{"alg":"RS256","kid":"`+k.RS256.Kid+`"}`, claims("https://iss.example", `,"role":"admin"`))
	cases := []struct {
		name string
		path string
		kv   []string
		// every: the answer under x_require_valid_tokens ("" passes); first: without it.
		every, first string
	}{
		{"query: valid, then forged", "/api?access_token=" + valid + "&access_token=" + forged, nil, "Jwt verification fails", ""},
		{"query: forged, then valid", "/api?access_token=" + forged + "&access_token=" + valid, nil, "Jwt verification fails", "Jwt verification fails"},
		{"query: valid twice", "/api?access_token=" + valid + "&x=1&access_token=" + valid, nil, "", ""},
		{"cookie: valid, then forged", "/api", []string{"cookie", "a=1; jwt=" + valid + "; jwt=" + forged}, "Jwt verification fails", ""},
		{"cookie: two headers", "/api", []string{"cookie", "jwt=" + valid, "cookie", "b=2; jwt=" + forged}, "Jwt verification fails", ""},
		{"header: two lines", "/api", []string{"x-jwt", valid, "x-jwt", forged}, "Jwt verification fails", "Jwt verification fails"},
	}
	for _, mode := range []struct {
		name, extra string
		every       bool
	}{{"x_require_valid_tokens", `,"x_require_valid_tokens":true`, true}, {"Envoy", "", false}} {
		t.Run(mode.name, func(t *testing.T) {
			run(t, config(mode.extra), func(t *testing.T, h filtertest.Host) {
				for _, c := range cases {
					want := c.first
					if mode.every {
						want = c.every
					}
					s := get(h, c.path, c.kv...)
					if want == "" {
						wantPass(t, s)
					} else if lr := s.LocalResponse(); lr == nil || lr.Status != 401 || string(lr.Body) != want {
						t.Errorf("%s: %+v, want 401 %q", c.name, lr, want)
					}
					s.Done()
				}
			})
		})
	}
}

// TestKeyOfTheWrongTypeFailsVerification: as in jwt_verify_lib, a key whose kid and alg match
// the token counts as matched before its type is looked at, so an HS256 token against an RSA
// key without alg (a JWK, or a PEM key, which has neither kid nor alg) answers "Jwt
// verification fails"; the RSA key is never used as an HMAC secret. A key whose alg differs
// still answers "Jwks doesn't have key to match kid or alg from Jwt".
func TestKeyOfTheWrongTypeFailsVerification(t *testing.T) {
	k := keys(t)
	rsaNoAlg := strings.Replace(k.RS256.JWK, `"alg":"RS256",`, "", 1)
	if rsaNoAlg == k.RS256.JWK {
		t.Fatal("the test key's JWK has no alg to remove")
	}
	hs := func(kid string) string {
		return k.HS256.TokenWithHeader(`{"alg":"HS256","kid":"`+kid+`"}`, claims("https://iss.example", ""))
	}
	for _, c := range []struct {
		name, keySet, extra, token, want string
	}{
		{"JWK without alg, kid matches", `{"keys":[` + rsaNoAlg + `]}`, "", hs(k.RS256.Kid), "Jwt verification fails"},
		{"JWK without alg, token without kid", `{"keys":[` + rsaNoAlg + `]}`, "", k.HS256.TokenWithHeader(`{"alg":"HS256"}`, claims("https://iss.example", "")), "Jwt verification fails"},
		{"PEM key", k.RS256.PEM(), `,"x_format":"pem"`, hs("any"), "Jwt verification fails"},
		{"JWK with alg RS256", jwks(k.RS256), "", hs(k.RS256.Kid), "Jwks doesn't have key to match kid or alg from Jwt"},
		{"JWK without alg, kid differs", `{"keys":[` + rsaNoAlg + `]}`, "", hs("other"), "Jwks doesn't have key to match kid or alg from Jwt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			provider := `{"issuer":"https://iss.example","local_jwks":{"inline_string":` + q(c.keySet) + c.extra + `}}`
			cfg := `{"providers":{"p":` + provider + `},"rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"p"}}]}`
			run(t, cfg, func(t *testing.T, h filtertest.Host) {
				s := get(h, "/api", "authorization", "Bearer "+c.token)
				defer s.Done()
				wantDeny(t, s, 401, c.want)
			})
		})
	}
}

// logsWith returns the lines logged at debug or above that contain s.
func logsWith(h filtertest.Host, s string) []string {
	var out []string
	for _, l := range h.Logs(filtertest.LogDebug) {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

// wantNoTokenInLogs fails when a log line holds any of the tokens' segments.
func wantNoTokenInLogs(t *testing.T, h filtertest.Host, tokens ...string) {
	t.Helper()
	for _, l := range h.Logs(filtertest.LogTrace) {
		for _, tok := range tokens {
			for _, seg := range strings.Split(tok, ".") {
				if len(seg) > 8 && strings.Contains(l, seg) {
					t.Fatalf("a log line holds a token: %q", l)
				}
			}
		}
	}
}

// TestTokenOverTheLimitsIsTooLarge: a token over x_token_limits (whole, header or payload) is
// refused as "Jwt is too large", not as a malformed token, and a debug line says which limit,
// without the token.
func TestTokenOverTheLimitsIsTooLarge(t *testing.T) {
	k := keys(t).RS256
	limits := `"x_token_limits":{"max_token_bytes":2000,"max_header_bytes":100,"max_payload_bytes":300},`
	cfg := strings.Replace(oneProvider(t, ""), "{", "{"+limits, 1)
	pad := func(n int) string { return `,"pad":"` + strings.Repeat("a", n) + `"` }
	for _, c := range []struct{ name, token, limit string }{
		{"token", k.Token(claims("https://iss.example", pad(250))) + strings.Repeat("A", 1500), "MaxTokenBytes"},
		{"header", k.TokenWithHeader(`{"alg":"RS256","kid":"`+k.Kid+`"`+pad(100)+`}`, claims("https://iss.example", "")), "MaxHeaderBytes"},
		{"payload", k.Token(claims("https://iss.example", pad(300))), "MaxPayloadBytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			run(t, cfg, func(t *testing.T, h filtertest.Host) {
				s := get(h, "/api", "authorization", "Bearer "+c.token)
				defer s.Done()
				wantDeny(t, s, 401, "Jwt is too large")
				if lines := logsWith(h, "exceeds x_token_limits"); len(lines) != 1 || !strings.Contains(lines[0], c.limit) {
					t.Errorf("debug lines about the limit: %q, want one naming %s", lines, c.limit)
				}
				wantNoTokenInLogs(t, h, c.token)
			})
		})
	}
	// Within the limits, the same provider verifies.
	run(t, cfg, func(t *testing.T, h filtertest.Host) {
		wantPass(t, get(h, "/api", "authorization", "Bearer "+k.Token(claims("https://iss.example", ""))))
	})
}

// TestIssuerNearMissIsLogged: a token whose iss differs from a configured issuer only in
// letter case or a trailing slash gets Envoy's 401 and a debug line with its issuer and the
// configured one (never the token); an issuer that is simply unknown gets no such line.
func TestIssuerNearMissIsLogged(t *testing.T) {
	k := keys(t)
	cfg := `{"providers":{"p":` + localProvider("https://iss.example/", jwks(k.RS256), "") + `,
	  "q":` + localProvider("https://other.example", jwks(k.RS256), "") + `},
	  "rules":[{"match":{"prefix":"/one"},"requires":{"provider_name":"p"}},
	           {"match":{"prefix":"/any"},"requires":{"requires_any":{"requirements":[{"provider_name":"p"},{"provider_name":"q"}]}}}]}`
	for _, c := range []struct{ name, path, iss, near string }{
		{"case, provider_name", "/one", "https://ISS.example/", "https://iss.example/"},
		{"trailing slash, provider_name", "/one", "https://iss.example", "https://iss.example/"},
		{"both, requires_any", "/any", "https://Iss.Example", "https://iss.example/"},
		{"unrelated issuer", "/any", "https://evil.example", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			run(t, cfg, func(t *testing.T, h filtertest.Host) {
				tok := k.RS256.Token(claims(c.iss, ""))
				s := get(h, c.path, "authorization", "Bearer "+tok)
				defer s.Done()
				wantDeny(t, s, 401, "Jwt issuer is not configured")
				lines := logsWith(h, "matches no provider")
				switch {
				case c.near == "" && len(lines) != 0:
					t.Errorf("a line for an unrelated issuer: %q", lines)
				case c.near != "" && (len(lines) != 1 || !strings.Contains(lines[0], q(c.iss)) || !strings.Contains(lines[0], q(c.near))):
					t.Errorf("debug lines %q, want one naming %q and %q", lines, c.iss, c.near)
				}
				wantNoTokenInLogs(t, h, tok)
			})
		})
	}
}

// TestUnsafeClaimValuesAreDroppedVisibly: a claim value holding CR, LF or NUL is never set in
// a header (as before), and now each drop counts in claim_header_dropped and logs at debug
// which claim and header, never the value.
func TestUnsafeClaimValuesAreDroppedVisibly(t *testing.T) {
	k := keys(t).RS256
	extra := `,"claim_to_headers":[{"header_name":"x-note","claim_name":"note"},{"header_name":"x-sub","claim_name":"sub"}],
	  "x_claims_to_headers":[{"claim":"meta.tag","header":"x-tag"}]`
	run(t, oneProvider(t, extra), func(t *testing.T, h filtertest.Host) {
		// JSON string literals: CR LF, and NUL.
		for i, note := range []string{`"secret\r\nx-admin: yes"`, `"nul\u0000here"`} {
			tok := k.Token(claims("https://iss.example", `,"note":`+note+`,"meta":{"tag":"t\nsecret"},"jti":"`+strconv.Itoa(i)+`"`))
			s := get(h, "/api", "authorization", "Bearer "+tok)
			wantPass(t, s)
			wantHeader(t, s, "x-note")
			wantHeader(t, s, "x-tag")
			wantHeader(t, s, "x-sub", "alice")
			s.Done()
		}
		if n, _ := h.Counter("jwt_authn.claim_header_dropped"); n != 4 {
			t.Errorf("claim_header_dropped = %d, want 4", n)
		}
		lines := logsWith(h, "holds CR, LF or NUL")
		if len(lines) != 4 || !strings.Contains(lines[0], `claim "note"`) || !strings.Contains(lines[0], `header "x-note"`) ||
			!strings.Contains(strings.Join(lines, "\n"), `claim "meta.tag"`) {
			t.Errorf("debug lines %q, want one per dropped claim naming the claim and its header", lines)
		}
		for _, l := range h.Logs(filtertest.LogTrace) {
			if strings.Contains(l, "secret") || strings.Contains(l, "nul") && strings.Contains(l, "here") {
				t.Errorf("a log line holds a claim value: %q", l)
			}
		}
	})
}

// authParams parses a Bearer challenge's auth-params as RFC 9110 section 11.2 does (token =
// token / quoted-string, comma separated), so a test sees what a client sees.
func authParams(t *testing.T, v string) map[string][]string {
	t.Helper()
	rest, ok := strings.CutPrefix(v, "Bearer ")
	if !ok {
		t.Fatalf("not a Bearer challenge: %q", v)
	}
	out := map[string][]string{}
	for rest != "" {
		name, after, ok := strings.Cut(rest, "=")
		if !ok || name == "" || strings.ContainsAny(name, ` ",`) {
			t.Fatalf("bad auth-param name in %q", v)
		}
		var val strings.Builder
		if strings.HasPrefix(after, `"`) {
			i := 1
			for ; i < len(after) && after[i] != '"'; i++ {
				if after[i] == '\\' {
					i++
				}
				if i < len(after) {
					val.WriteByte(after[i])
				}
			}
			if i >= len(after) {
				t.Fatalf("unterminated quoted-string in %q", v)
			}
			rest = after[i+1:]
		} else {
			tok, r, _ := strings.Cut(after, ",")
			val.WriteString(tok)
			rest = "," + r
			if r == "" {
				rest = ""
			}
		}
		out[name] = append(out[name], val.String())
		rest = strings.TrimPrefix(strings.TrimLeft(rest, " "), ",")
		rest = strings.TrimLeft(rest, " ")
	}
	return out
}

// TestRealmIsAQuotedString: the www-authenticate realm is escaped as an RFC 9110
// quoted-string, so a path holding '"' or '\' cannot add parameters to the challenge; the
// path is still cut to Envoy's 256 bytes first.
func TestRealmIsAQuotedString(t *testing.T) {
	long := "/x?" + strings.Repeat(`"\`, 200)
	for _, c := range []struct{ name, path, realm string }{
		{"quote", `/api?a="b",error="evil`, `https://example.com/api?a="b",error="evil`},
		{"backslash", `/api?a=\",scope="all\`, `https://example.com/api?a=\",scope="all\`},
		{"long", long, "https://example.com" + long[:256]},
	} {
		t.Run(c.name, func(t *testing.T) {
			run(t, oneProvider(t, ""), func(t *testing.T, h filtertest.Host) {
				s := get(h, c.path, "authorization", "Bearer x.y.z")
				defer s.Done()
				lr := s.LocalResponse()
				if lr == nil {
					t.Fatal("not refused")
				}
				v, _ := lr.Headers.Get("www-authenticate")
				p := authParams(t, v)
				if len(p["realm"]) != 1 || p["realm"][0] != c.realm {
					t.Errorf("realm %q, want %q (header %q)", p["realm"], c.realm, v)
				}
				if len(p["error"]) != 1 || p["error"][0] != "invalid_token" || len(p) != 2 {
					t.Errorf("parameters %q, want realm and one error=invalid_token (header %q)", p, v)
				}
			})
		})
	}
}

// TestKeepRequestValueKeepsTheClientsHeader: an x_claims_to_headers entry with
// "keep_request_value": true (and "append": true) lets the request's own values of its header
// through and adds the claim's after them (Gloo's append); without it the client's copy is
// removed, as for every header the filter sets. The option is refused without append and
// for a header that something else sets with the client's copies removed.
func TestKeepRequestValueKeepsTheClientsHeader(t *testing.T) {
	k := keys(t).RS256
	tok := k.Token(claims("https://iss.example", `,"org":"sales"`))
	for _, c := range []struct {
		name, entry string
		want        []string
	}{
		{"keep_request_value", `{"claim":"org","header":"x-org","append":true,"keep_request_value":true}`, []string{"engineering", "sales"}},
		{"append only", `{"claim":"org","header":"x-org","append":true}`, []string{"sales"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			extra := `,"x_claims_to_headers":[` + c.entry + `,{"claim":"sub","header":"x-user"}]`
			run(t, oneProvider(t, extra), func(t *testing.T, h filtertest.Host) {
				s := get(h, "/api", "authorization", "Bearer "+tok, "x-org", "engineering", "x-user", "forged")
				defer s.Done()
				wantPass(t, s)
				// Envoy (and the wasm host) adds the claim's value as a line of its own; the
				// SDK's emulator appends it to the existing line's text (proxytest
				// addMapValue). Both keep the request's value first, then the claim's.
				got := s.RequestHeaders().Values("x-org")
				if strings.Join(got, "") != strings.Join(c.want, "") || !strings.HasPrefix(got[0], c.want[0]) {
					t.Errorf("upstream x-org = %q, want %q", got, c.want)
				}
				wantHeader(t, s, "x-user", "alice")
			})
		})
	}
	for _, c := range []struct{ name, extra, want string }{
		{"without append", `,"x_claims_to_headers":[{"claim":"org","header":"x-org","keep_request_value":true}]`,
			`providers.p.x_claims_to_headers[0].keep_request_value: needs "append": true`},
		{"header also sanitized", `,"x_claims_to_headers":[{"claim":"org","header":"x-org","append":true,"keep_request_value":true}],
		  "claim_to_headers":[{"header_name":"x-org","claim_name":"org"}]`,
			`providers.p.x_claims_to_headers[0]: keep_request_value: header "x-org" is also set`},
	} {
		t.Run(c.name, func(t *testing.T) {
			filtertest.Each(t, func(t *testing.T, r filtertest.Runner) {
				h, err := r.Start(t, filtertest.Options{Config: []byte(oneProvider(t, c.extra))})
				if err == nil {
					h.Close()
					t.Fatal("plugin started")
				}
				if !strings.Contains(err.Error(), c.want) {
					t.Fatalf("start error %v, want %q", err, c.want)
				}
			})
		})
	}
}

// p521Key is an ES512 signing key and its JWK (kid "p521"), made once per test.
func p521Key(t *testing.T) (*ecdsa.PrivateKey, string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	x, y := make([]byte, 66), make([]byte, 66)
	priv.X.FillBytes(x)
	priv.Y.FillBytes(y)
	return priv, `{"kty":"EC","crv":"P-521","alg":"ES512","kid":"p521","x":"` + testjwt.Base64URL(x) + `","y":"` + testjwt.Base64URL(y) + `"}`
}

// es512 signs claims with priv (kid "p521"); forged signs them with another P-521 key.
func es512(t *testing.T, priv *ecdsa.PrivateKey, claims string) string {
	t.Helper()
	input := testjwt.Base64URL([]byte(`{"alg":"ES512","kid":"p521"}`)) + "." + testjwt.Base64URL([]byte(claims))
	sum := sha512.Sum512([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, priv, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 132)
	r.FillBytes(sig[:66])
	s.FillBytes(sig[66:])
	return input + "." + testjwt.Base64URL(sig)
}

// TestForgedExpensiveTokensSpendABudget: failed ES512 verifications (about 40 ms each in Wasm)
// spend a per-VM budget (100 ms per second by default): after three forged tokens, ES512
// tokens not verified before are refused at once, counted in
// failed_verification_budget_refused, with one warning; a cached ES512 token and RS256 tokens
// still pass; when the window ends, ES512 tokens are verified again. "max_cost": "0s" turns it
// off.
func TestForgedExpensiveTokensSpendABudget(t *testing.T) {
	priv, jwk := p521Key(t)
	other, _ := p521Key(t)
	k := keys(t)
	cfg := func(extra string) string {
		return `{` + extra + `"providers":{"p":` + localProvider("https://iss.example", `{"keys":[`+jwk+`,`+k.RS256.JWK+`]}`, "") + `},
		  "rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"p"}}]}`
	}
	token := func(key *ecdsa.PrivateKey, n int) string {
		return es512(t, key, claims("https://iss.example", `,"jti":"`+strconv.Itoa(n)+`"`))
	}
	refused := func(h filtertest.Host) uint64 {
		n, _ := h.Counter("jwt_authn.failed_verification_budget_refused")
		return n
	}
	t.Run("default budget", func(t *testing.T) {
		filtertest.Run(t, filtertest.Options{Config: []byte(cfg("")), VMs: 1}, func(t *testing.T, h filtertest.Host) {
			cached := token(priv, 0)
			wantPass(t, get(h, "/", "authorization", "Bearer "+cached))
			for i := 1; i <= 5; i++ {
				wantDeny(t, get(h, "/", "authorization", "Bearer "+token(other, i)), 401, "Jwt verification fails")
				if want := uint64(max(0, i-3)); refused(h) != want {
					t.Fatalf("after %d forged tokens: %d refused without a check, want %d", i, refused(h), want)
				}
			}
			if lines := logsWith(h, "spent this VM's budget"); len(lines) != 1 {
				t.Errorf("warnings about the budget: %q, want one", lines)
			}
			// Spent: a valid ES512 token never verified is refused too (the trade-off), a
			// cached one and an RS256 one pass.
			wantDeny(t, get(h, "/", "authorization", "Bearer "+token(priv, 10)), 401, "Jwt verification fails")
			wantPass(t, get(h, "/", "authorization", "Bearer "+cached))
			wantPass(t, get(h, "/", "authorization", "Bearer "+k.RS256.Token(claims("https://iss.example", ""))))
			if refused(h) != 3 {
				t.Fatalf("%d refused without a check, want 3", refused(h))
			}
			h.Advance(time.Second)
			wantPass(t, get(h, "/", "authorization", "Bearer "+token(priv, 11)))
			wantDeny(t, get(h, "/", "authorization", "Bearer "+token(other, 12)), 401, "Jwt verification fails")
			if refused(h) != 3 {
				t.Fatalf("in a new window: %d refused without a check, want still 3", refused(h))
			}
		})
	})
	t.Run("off", func(t *testing.T) {
		filtertest.Run(t, filtertest.Options{Config: []byte(cfg(`"x_failed_verification_budget":{"max_cost":"0s"},`)), VMs: 1}, func(t *testing.T, h filtertest.Host) {
			for i := 1; i <= 5; i++ {
				wantDeny(t, get(h, "/", "authorization", "Bearer "+token(other, i)), 401, "Jwt verification fails")
			}
			wantPass(t, get(h, "/", "authorization", "Bearer "+token(priv, 10)))
			if refused(h) != 0 {
				t.Fatalf("%d refused without a check with the budget off", refused(h))
			}
		})
	})
}
