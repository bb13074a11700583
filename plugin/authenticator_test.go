package plugin_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// One token's checks, end to end on both runners: each check's status, body and status code
// as Envoy answers them.

const iss = "https://iss.example"

func TestEveryAlgorithmVerifies(t *testing.T) {
	k := keys(t)
	run(t, oneProvider(t, `,"claim_to_headers":[{"header_name":"x-sub","claim_name":"sub"}]`), func(t *testing.T, h filtertest.Host) {
		for _, key := range []*testjwt.TestKey{k.RS256, k.ES256, k.HS256, k.EdDSA} {
			s := get(h, "/", "authorization", "Bearer "+key.Token(claims(iss, "")))
			wantPass(t, s)
			wantHeader(t, s, "x-sub", "alice")
		}
	})
}

func TestTokenChecks(t *testing.T) {
	k := keys(t)
	tests := []struct {
		name   string
		extra  string // provider members
		token  string
		code   uint32 // 0: passes
		body   string
		header string // www-authenticate
	}{
		{name: "missing", token: "", code: 401, body: "Jwt is missing", header: `Bearer realm="https://example.com/"`},
		{name: "expired", token: k.ES256.Token(fmt.Sprintf(`{"iss":%q,"exp":%d}`, iss, hourAgo)), code: 401, body: "Jwt is expired",
			header: `Bearer realm="https://example.com/", error="invalid_token"`},
		{name: "expired within the default 60s skew", token: k.ES256.Token(fmt.Sprintf(`{"iss":%q,"exp":%d}`, iss, now.Unix()-30))},
		{name: "expired beyond a 10s skew", extra: `,"clock_skew_seconds":10`,
			token: k.ES256.Token(fmt.Sprintf(`{"iss":%q,"exp":%d}`, iss, now.Unix()-30)), code: 401, body: "Jwt is expired"},
		{name: "not yet valid", token: k.ES256.Token(fmt.Sprintf(`{"iss":%q,"nbf":%d}`, iss, inHour)), code: 401, body: "Jwt not yet valid"},
		{name: "issuer not configured", token: k.ES256.Token(`{"iss":"https://other"}`), code: 401, body: "Jwt issuer is not configured"},
		{name: "audience not allowed is 403", extra: `,"audiences":["https://api.example/"]`,
			token: k.ES256.Token(fmt.Sprintf(`{"iss":%q,"aud":"other"}`, iss)), code: 403, body: "Audiences in Jwt are not allowed",
			header: `Bearer realm="https://example.com/", error="invalid_token"`},
		{name: "audience compared without scheme and trailing slash", extra: `,"audiences":["https://api.example/"]`,
			token: k.ES256.Token(fmt.Sprintf(`{"iss":%q,"aud":["x","http://api.example"]}`, iss))},
		{name: "subject not allowed", extra: `,"subjects":{"prefix":"spiffe://trust/"}`,
			token: k.ES256.Token(fmt.Sprintf(`{"iss":%q,"sub":"spiffe://other/x"}`, iss)), code: 401, body: "Jwt verification fails"},
		{name: "subject allowed", extra: `,"subjects":{"prefix":"spiffe://trust/"}`,
			token: k.ES256.Token(fmt.Sprintf(`{"iss":%q,"sub":"spiffe://trust/x"}`, iss))},
		{name: "expiration required", extra: `,"require_expiration":true`,
			token: k.ES256.Token(fmt.Sprintf(`{"iss":%q}`, iss)), code: 401, body: "Jwt verification fails"},
		{name: "lifetime too long", extra: `,"max_lifetime":"3600s"`,
			token: k.ES256.Token(fmt.Sprintf(`{"iss":%q,"exp":%d}`, iss, now.Unix()+7200)), code: 401, body: "Jwt verification fails"},
		{name: "lifetime short enough", extra: `,"max_lifetime":"3600s"`,
			token: k.ES256.Token(fmt.Sprintf(`{"iss":%q,"exp":%d}`, iss, now.Unix()+600))},
		{name: "bad signature", token: k.RS256b.TokenWithHeader(`{"alg":"RS256","kid":"rsa-1"}`, claims(iss, "")), code: 401, body: "Jwt verification fails"},
		{name: "not a JWT", token: "abc", code: 401, body: "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections"},
		{name: "alg none", token: k.ES256.TokenWithHeader(`{"alg":"none"}`, claims(iss, "")), code: 401, body: "Jwt header [alg] is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run(t, oneProvider(t, tt.extra), func(t *testing.T, h filtertest.Host) {
				var s filtertest.Stream
				if tt.token == "" {
					s = get(h, "/")
				} else {
					s = get(h, "/", "authorization", "Bearer "+tt.token)
				}
				if tt.code == 0 {
					wantPass(t, s)
					return
				}
				wantDeny(t, s, tt.code, tt.body)
				if got, _ := s.LocalResponse().Headers.Get("www-authenticate"); tt.header != "" && got != tt.header {
					t.Errorf("www-authenticate = %q, want %q", got, tt.header)
				}
			})
		})
	}
}

func TestUnknownKidIsKidAlgMismatch(t *testing.T) {
	k := keys(t)
	cfg := `{"providers":{"p":` + localProvider(iss, jwks(k.ES256), "") + `},"rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"p"}}]}`
	run(t, cfg, func(t *testing.T, h filtertest.Host) {
		tok := k.ES256.TokenWithHeader(`{"alg":"ES256","kid":"nope"}`, claims(iss, ""))
		wantDeny(t, get(h, "/", "authorization", "Bearer "+tok), 401, "Jwks doesn't have key to match kid or alg from Jwt")
	})
}

func TestEveryTokenOfTheRequestMustVerify(t *testing.T) {
	k := keys(t)
	run(t, oneProvider(t, ""), func(t *testing.T, h filtertest.Host) {
		good := k.ES256.Token(claims(iss, ""))
		bad := k.ES256.Token(fmt.Sprintf(`{"iss":%q,"exp":%d}`, iss, hourAgo))
		wantDeny(t, get(h, "/?access_token="+bad, "authorization", "Bearer "+good), 401, "Jwt is expired")
		wantDeny(t, get(h, "/", "authorization", "Bearer "+good, "authorization", "Bearer "+bad), 401, "Jwt is expired")
		wantPass(t, get(h, "/?access_token="+good, "authorization", "Bearer "+good))
	})
}

func TestTokenIsRemovedUnlessForwarded(t *testing.T) {
	k := keys(t)
	tok := k.ES256.Token(claims(iss, ""))
	for _, forward := range []bool{false, true} {
		t.Run(fmt.Sprint("forward=", forward), func(t *testing.T) {
			extra := fmt.Sprintf(`,"forward":%v,"from_headers":[{"name":"authorization","value_prefix":"Bearer "}],"from_params":["jwt"],"from_cookies":["session"]`, forward)
			run(t, oneProvider(t, extra), func(t *testing.T, h filtertest.Host) {
				s := get(h, "/p?a=1&jwt="+tok+"&b=2", "authorization", "Bearer "+tok, "cookie", "session="+tok)
				wantPass(t, s)
				auth := s.RequestHeaders().Values("authorization")
				path, _ := s.RequestHeaders().Get(":path")
				if forward {
					if len(auth) != 1 || !strings.Contains(path, "jwt=") {
						t.Errorf("forwarded token removed: authorization %q, path %q", auth, path)
					}
				} else if len(auth) != 0 || path != "/p?a=1&b=2" {
					t.Errorf("token kept: authorization %q, path %q", auth, path)
				}
				// Envoy never removes a token from a cookie.
				wantHeader(t, s, "cookie", "session="+tok)
			})
		})
	}
}

func TestCachedTokenIsCheckedForExpiryAgain(t *testing.T) {
	k := keys(t)
	tok := k.ES256.Token(fmt.Sprintf(`{"iss":%q,"exp":%d}`, iss, now.Add(2*time.Minute).Unix()))
	// One VM: caches are per VM, as Envoy's are per worker.
	filtertest.Run(t, filtertest.Options{Config: []byte(oneProvider(t, "")), VMs: 1}, func(t *testing.T, h filtertest.Host) {
		wantPass(t, get(h, "/", "authorization", "Bearer "+tok))
		wantPass(t, get(h, "/", "authorization", "Bearer "+tok))
		if hits, _ := h.Counter("jwt_authn.jwt_cache_hit"); hits != 1 {
			t.Errorf("jwt_cache_hit = %d, want 1", hits)
		}
		if misses, _ := h.Counter("jwt_authn.jwt_cache_miss"); misses != 1 {
			t.Errorf("jwt_cache_miss = %d, want 1", misses)
		}
		h.Advance(4 * time.Minute) // past exp + 60 s skew
		wantDeny(t, get(h, "/", "authorization", "Bearer "+tok), 401, "Jwt is expired")
	})
}

func TestJwtCacheCanBeTurnedOff(t *testing.T) {
	k := keys(t)
	tok := k.ES256.Token(claims(iss, ""))
	run(t, oneProvider(t, `,"x_disable_jwt_cache":true`), func(t *testing.T, h filtertest.Host) {
		wantPass(t, get(h, "/", "authorization", "Bearer "+tok))
		wantPass(t, get(h, "/", "authorization", "Bearer "+tok))
		if hits, _ := h.Counter("jwt_authn.jwt_cache_hit"); hits != 0 {
			t.Errorf("jwt_cache_hit = %d with the cache off", hits)
		}
	})
}

func TestTokensNeverReachTheLogs(t *testing.T) {
	k := keys(t)
	good := k.ES256.Token(claims(iss, ""))
	bad := k.RS256b.Token(claims(iss, ""))
	run(t, oneProvider(t, ""), func(t *testing.T, h filtertest.Host) {
		get(h, "/", "authorization", "Bearer "+good)
		get(h, "/", "authorization", "Bearer "+bad)
		for _, line := range h.Logs(filtertest.LogTrace) {
			if strings.Contains(line, good[:40]) || strings.Contains(line, bad[:40]) || strings.Contains(line, "alice") {
				t.Errorf("log line carries a token or claim: %q", line)
			}
		}
	})
}

// TestJwtCacheHitIsTheVeryToken: the JWT cache is keyed by a hash of the token and a hit is
// compared whole, so a token one byte away from a cached one (in its signature, its payload,
// or its last byte) is verified, and refused, never taken for the cached one.
func TestJwtCacheHitIsTheVeryToken(t *testing.T) {
	k := keys(t)
	tok := k.RS256.Token(claims(iss, `,"role":"user"`))
	flip := func(i int) string {
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	payload := strings.Index(tok, ".") + 5
	filtertest.Run(t, filtertest.Options{Config: []byte(oneProvider(t, "")), VMs: 1}, func(t *testing.T, h filtertest.Host) {
		wantPass(t, get(h, "/", "authorization", "Bearer "+tok))
		for _, forged := range []string{flip(len(tok) - 1), flip(len(tok) - 20), flip(payload)} {
			s := get(h, "/", "authorization", "Bearer "+forged)
			if lr := s.LocalResponse(); lr == nil || lr.Status != 401 {
				t.Fatalf("a token one byte from the cached one was not refused: %+v", lr)
			}
		}
		wantPass(t, get(h, "/", "authorization", "Bearer "+tok))
		if hits, _ := h.Counter("jwt_authn.jwt_cache_hit"); hits != 1 {
			t.Errorf("jwt_cache_hit = %d, want 1", hits)
		}
	})
}
