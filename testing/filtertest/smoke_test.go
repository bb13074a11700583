package filtertest_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// example is examples/local-jwks: its configuration and the token its README documents.
type example struct {
	config []byte
	Path   string            `json:"path"`
	Token  string            `json:"token"`
	Expect map[string]string `json:"expect_headers"`
}

func loadExample(t *testing.T) example {
	t.Helper()
	var ex example
	cfg, err := os.ReadFile("../../examples/local-jwks/config.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../../examples/local-jwks/example.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatal(err)
	}
	ex.config = cfg
	return ex
}

// TestSmokeOnBothRunners proves the chain on both runners: the configuration reaches the
// plugin, a request without a token gets Envoy's 401 through proxy_send_local_response, and a
// good token reaches the upstream with the header the filter sets and without the token.
func TestSmokeOnBothRunners(t *testing.T) {
	ex := loadExample(t)
	filtertest.Run(t, filtertest.Options{Config: ex.config}, func(t *testing.T, h filtertest.Host) {
		missing := h.NewStream()
		defer missing.Done()
		missing.SendRequestHeaders(filtertest.Request("GET", ex.Path), true)
		lr := missing.LocalResponse()
		if lr == nil || lr.Status != 401 || string(lr.Body) != "Jwt is missing" {
			t.Fatalf("without a token: local response %+v, want 401 Jwt is missing", lr)
		}
		if _, ok := lr.Headers.Get("www-authenticate"); !ok {
			t.Errorf("401 without www-authenticate: %v", lr.Headers)
		}

		good := h.NewStream()
		defer good.Done()
		if a := good.SendRequestHeaders(filtertest.Request("GET", ex.Path, "authorization", "Bearer "+ex.Token), true); a != filtertest.Continue {
			t.Fatalf("good token: action %d, want Continue (local response %+v)", a, good.LocalResponse())
		}
		for name, want := range ex.Expect {
			if got, _ := good.RequestHeaders().Get(name); got != want {
				t.Errorf("upstream header %s = %q, want %q", name, got, want)
			}
		}
		if _, ok := good.RequestHeaders().Get("authorization"); ok {
			t.Errorf("the token reached the upstream although forward is false")
		}
	})
}
