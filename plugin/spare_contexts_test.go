package plugin_test

import (
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// TestReusedStreamContextsCarryNothing: the stream context of a finished request is reused
// for a later one (spareContexts). Nothing of the earlier request may reach the later: not
// its verified token's claim headers, not its decision trace, not its verdict. Requests
// alternate between a verified token with every output, and none, on routes that require a
// token and that allow it missing, with a request left open across the others.
func TestReusedStreamContextsCarryNothing(t *testing.T) {
	k := keys(t)
	tok := k.RS256.Token(claims(iss, ""))
	cfg := `{"providers":{"p":` + localProvider(iss, jwks(k.RS256), `,"claim_to_headers":[{"header_name":"x-user","claim_name":"sub"}],
	    "forward_payload_header":"x-payload"`) + `},
	  "rules":[{"match":{"prefix":"/open"},"requires":{"allow_missing":{}}},
	    {"match":{"prefix":"/"},"requires":{"provider_name":"p"}}],
	  "x_debug_header":{"name":"x-jwt-debug","secret":{"inline_string":` + q(debugSecret) + `}}}`
	run(t, cfg, func(t *testing.T, h filtertest.Host) {
		open := get(h, "/api", "authorization", "Bearer "+tok) // stays open until the end
		wantPass(t, open)
		for i := 0; i < 6; i++ {
			s := get(h, "/api", "authorization", "Bearer "+tok, "x-jwt-debug", debugSecret)
			wantPass(t, s)
			wantHeader(t, s, "x-user", "alice")
			s.Done()

			s = get(h, "/open")
			wantPass(t, s)
			for _, name := range []string{"x-user", "x-payload", "x-jwt-authn-trace"} {
				if v, ok := s.RequestHeaders().Get(name); ok {
					t.Fatalf("request %d without a token got %s: %q", i, name, v)
				}
			}
			s.Done()

			s = get(h, "/api")
			wantDeny(t, s, 401, "Jwt is missing")
			if lr := s.LocalResponse(); lr != nil {
				if v, ok := filtertest.Headers(lr.Headers).Get("x-jwt-authn-trace"); ok {
					t.Fatalf("request %d without the debug header got a trace: %q", i, v)
				}
			}
			s.Done()
		}
		wantHeader(t, open, "x-user", "alice")
		open.Done()
	})
}
