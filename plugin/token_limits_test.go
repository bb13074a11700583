package plugin_test

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// TestTokenLimitsAreConfigurable: x_token_limits bounds what the verifier parses. The
// examples/local-jwks token passes with the defaults and is refused as too large, before any
// signature work, once max_token_bytes is below its length.
func TestTokenLimitsAreConfigurable(t *testing.T) {
	cfg, err := os.ReadFile("../examples/local-jwks/config.json")
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Path  string `json:"path"`
		Token string `json:"token"`
	}
	b, err := os.ReadFile("../examples/local-jwks/example.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatal(err)
	}
	withLimit := func(n int) []byte {
		return []byte(strings.Replace(string(cfg), "{", `{"x_token_limits":{"max_token_bytes":`+strconv.Itoa(n)+`},`, 1))
	}
	cases := []struct {
		name   string
		limit  int
		status uint32 // 0: reaches the upstream
	}{
		{"limit above the token", len(ex.Token), 0},
		{"limit below the token", len(ex.Token) - 1, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			filtertest.Run(t, filtertest.Options{Config: withLimit(c.limit)}, func(t *testing.T, h filtertest.Host) {
				s := h.NewStream()
				defer s.Done()
				s.SendRequestHeaders(filtertest.Request("GET", ex.Path, "authorization", "Bearer "+ex.Token), true)
				lr := s.LocalResponse()
				switch {
				case c.status == 0 && lr != nil:
					t.Fatalf("refused: %d %s", lr.Status, lr.Body)
				case c.status != 0 && (lr == nil || lr.Status != c.status || string(lr.Body) != "Jwt is too large"):
					t.Fatalf("local response %+v, want %d Jwt is too large", lr, c.status)
				}
			})
		})
	}
}
