package migrate_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// TestKrakenDSignerSigns: the converted auth/signer signs the backend's access_token and
// refresh_token on POST /token with the key sim2, as KrakenD does: the tokens verify against
// the signer's public JWKS (a provider added for the check), a tampered one does not, and other
// members and other methods are left alone.
func TestKrakenDSignerSigns(t *testing.T) {
	var f fixture
	for _, fx := range fixtures {
		if fx.file == "krakend/signer.json" {
			f = fx
		}
	}
	res := convertFixture(t, f)
	var cfg map[string]any
	if err := json.Unmarshal(res.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	public, err := os.ReadFile("testdata/keys/signer-public.jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg["providers"] = map[string]any{"issued": map[string]any{"local_jwks": map[string]any{"inline_string": string(public)}}}
	cfg["rules"] = append(cfg["rules"].([]any), map[string]any{"match": map[string]any{"prefix": "/api"}, "requires": map[string]any{"provider_name": "issued"}})
	config, _ := json.Marshal(cfg)

	const backend = `{"access_token":{"sub":"alice","exp":4102444800},"refresh_token":{"sub":"alice","exp":4102444800},"token_type":"Bearer"}`
	answer := func(h filtertest.Host, method string) string {
		s := h.NewStream()
		defer s.Done()
		s.SendRequestHeaders(filtertest.Request(method, "/token"), true)
		s.SendResponseHeaders(filtertest.Headers{{":status", "200"}, {"content-type", "application/json"}}, false)
		s.SendResponseBody([]byte(backend), true)
		if s.LocalResponse() != nil {
			t.Fatalf("%s /token: local reply %+v", method, s.LocalResponse())
		}
		return string(s.ResponseBody())
	}
	filtertest.Run(t, filtertest.Options{Config: config}, func(t *testing.T, h filtertest.Host) {
		var signed struct {
			Access    string `json:"access_token"`
			Refresh   string `json:"refresh_token"`
			TokenType string `json:"token_type"`
		}
		body := answer(h, "POST")
		if err := json.Unmarshal([]byte(body), &signed); err != nil || strings.Count(signed.Access, ".") != 2 || strings.Count(signed.Refresh, ".") != 2 || signed.TokenType != "Bearer" {
			t.Fatalf("signed body %s (%v)", body, err)
		}
		for name, c := range map[string]call{
			"access token":   {path: "/api/x", want: 200},
			"refresh token":  {path: "/api/x", want: 200},
			"tampered token": {path: "/api/x", want: 401},
		} {
			token := signed.Access
			switch name {
			case "refresh token":
				token = signed.Refresh
			case "tampered token":
				dot := strings.LastIndexByte(token, '.')
				b := []byte(token)
				b[dot+1] ^= 1
				token = string(b)
			}
			s := h.NewStream()
			s.SendRequestHeaders(filtertest.Request("GET", c.path, "authorization", "Bearer "+token), true)
			lr := s.LocalResponse()
			s.Done()
			switch {
			case c.want == 200 && lr != nil:
				t.Errorf("%s: %d %q", name, lr.Status, lr.Body)
			case c.want != 200 && (lr == nil || int(lr.Status) != c.want):
				t.Errorf("%s: want %d, got %+v", name, c.want, lr)
			}
		}
		if got := answer(h, "GET"); got != backend {
			t.Errorf("GET /token (another KrakenD endpoint) was changed: %s", got)
		}
	})
}
