package plugin_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// extract_only_without_validation as Envoy 1.40 (plugin/EXTENSIONS.md): the request always
// passes; a token that verifies is forwarded as usual; a token that fails sets the status
// header to "false" and forwards nothing; no token sets nothing.

// extractOnlyConfig has provider "p" (ES256 key) with claim and payload headers; "/" requires
// extract_only_without_validation with body eo, "/strict" requires "p".
func extractOnlyConfig(t *testing.T, eo string) string {
	k := keys(t)
	return `{"providers":{"p":` + localProvider(iss, jwks(k.ES256), `,"audiences":["api"],"forward_payload_header":"x-payload",
	  "claim_to_headers":[{"header_name":"x-sub","claim_name":"sub"}]`) + `},
	  "rules":[{"match":{"prefix":"/strict"},"requires":{"provider_name":"p"}},
	           {"match":{"prefix":"/"},"requires":{"extract_only_without_validation":` + eo + `}}]}`
}

func TestExtractOnlyTokens(t *testing.T) {
	k := keys(t)
	good := k.ES256.Token(claims(iss, ""))
	parts := strings.Split(good, ".")
	forgedPayload := k.ES256.Token(claims(iss, `,"admin":true`))
	forged := parts[0] + "." + strings.Split(forgedPayload, ".")[1] + "." + parts[2] // good signature, other payload
	cases := []struct {
		name, token string
		verified    bool
	}{
		{"good", good, true},
		{"expired", k.ES256.Token(`{"iss":"` + iss + `","sub":"alice","aud":"api","exp":` + strconv.FormatInt(hourAgo, 10) + `}`), false},
		{"forged payload", forged, false},
		{"unknown key", k.RS256.Token(claims(iss, "")), false},
		{"wrong audience", k.ES256.Token(`{"iss":"` + iss + `","sub":"alice","aud":"web","exp":` + strconv.FormatInt(inHour, 10) + `}`), false},
		{"other issuer", k.ES256.Token(claims("https://other.example", "")), false},
		{"malformed", "abc.def", false},
	}
	for _, header := range []struct{ eo, name string }{
		{`{}`, "x-jwt-signature-verified"},
		{`{"verification_status_header":"x-claims-unverified"}`, "x-claims-unverified"},
		{`{"verification_status_header":"-"}`, ""},
	} {
		t.Run("header="+header.name, func(t *testing.T) {
			run(t, extractOnlyConfig(t, header.eo), func(t *testing.T, h filtertest.Host) {
				for _, c := range cases {
					// A client's copy of the status header never reaches the upstream.
					kv := []string{"authorization", "Bearer " + c.token, "x-jwt-signature-verified", "true", "x-claims-unverified", "true"}
					s := get(h, "/", kv...)
					wantPass(t, s)
					up := s.RequestHeaders()
					if c.verified {
						wantHeader(t, s, "x-sub", "alice")
						if got := up.Values("x-payload"); len(got) != 1 {
							t.Errorf("%s: x-payload = %q, want the payload", c.name, got)
						}
						if got := up.Values("authorization"); len(got) != 0 {
							t.Errorf("%s: the verified token was forwarded (forward is false)", c.name)
						}
					} else {
						for _, n := range []string{"x-sub", "x-payload"} {
							if got := up.Values(n); len(got) != 0 {
								t.Errorf("%s: %s = %q: claims of a token that did not verify were forwarded", c.name, n, got)
							}
						}
						if got := up.Values("authorization"); len(got) != 1 {
							t.Errorf("%s: authorization = %q, want the token kept", c.name, got)
						}
					}
					for _, n := range []string{"x-jwt-signature-verified", "x-claims-unverified"} {
						// The configured header: "false" for a token that did not verify, else
						// absent (a client's copy is removed). Other names are not the filter's.
						want := []string{"true"}
						if n == header.name {
							want = nil
							if !c.verified {
								want = []string{"false"}
							}
						}
						if got := up.Values(n); strings.Join(got, ",") != strings.Join(want, ",") {
							t.Errorf("%s: %s = %q, want %q", c.name, n, got, want)
						}
					}
				}
				s := get(h, "/")
				wantPass(t, s)
				if got := s.RequestHeaders().Values(header.name); header.name != "" && len(got) != 0 {
					t.Errorf("no token: %s = %q, want absent", header.name, got)
				}
			})
		})
	}
}

// An extract-only token never enters nor reads a cache: the same good token is verified on
// every request (no jwt_cache_hit), and one cached by a normal rule is not used there.
func TestExtractOnlyBypassesTheJwtCache(t *testing.T) {
	k := keys(t)
	tok := k.ES256.Token(claims(iss, ""))
	// One VM: caches are per VM.
	filtertest.Run(t, filtertest.Options{Config: []byte(extractOnlyConfig(t, `{}`)), VMs: 1}, func(t *testing.T, h filtertest.Host) {
		for i := 0; i < 3; i++ {
			wantHeader(t, get(h, "/", "authorization", "Bearer "+tok), "x-sub", "alice")
		}
		wantCounter(t, h, "jwt_cache_hit", 0)
		wantCounter(t, h, "jwt_cache_miss", 0)
		wantPass(t, get(h, "/strict", "authorization", "Bearer "+tok))
		wantPass(t, get(h, "/strict", "authorization", "Bearer "+tok))
		wantCounter(t, h, "jwt_cache_miss", 1)
		wantCounter(t, h, "jwt_cache_hit", 1)
		wantHeader(t, get(h, "/", "authorization", "Bearer "+tok), "x-sub", "alice")
		wantCounter(t, h, "jwt_cache_hit", 1)
	})
}
