package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// shippedModule is $JWT_WASM or build/jwt-authn.wasm at the module root.
func shippedModule(t *testing.T) string {
	t.Helper()
	p := os.Getenv("JWT_WASM")
	if p == "" {
		p = filepath.Join("..", "..", "..", "build", "jwt-authn.wasm")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%v (run `make build-wasm`, or set JWT_WASM)", err)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// TestExampleThroughEmulator runs examples/local-jwks through the emulator as a user would with
// curl: a request without a token gets Envoy's 401 with its headers and body; the documented
// token reaches the built-in echo upstream, which shows the header the filter set.
func TestExampleThroughEmulator(t *testing.T) {
	root := filepath.Join("..", "..", "..", "examples", "local-jwks")
	var ex struct {
		Now    string            `json:"now"`
		Path   string            `json:"path"`
		Token  string            `json:"token"`
		Expect map[string]string `json:"expect_headers"`
	}
	b, err := os.ReadFile(filepath.Join(root, "example.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatal(err)
	}
	e := startEmulator(t, buildEmulator(t), "-wasm", shippedModule(t), "-config", filepath.Join(root, "config.json"), "-now", ex.Now)
	defer e.stop(t)

	resp, body := get(t, "http://"+e.addr+ex.Path)
	if resp.StatusCode != 401 || body != "Jwt is missing" || resp.Header.Get("www-authenticate") == "" {
		t.Errorf("without a token: %d %q www-authenticate=%q, want 401 \"Jwt is missing\" with www-authenticate",
			resp.StatusCode, body, resp.Header.Get("www-authenticate"))
	}

	req, err := http.NewRequest("GET", "http://"+e.addr+ex.Path+"?x=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ex.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var echoed struct {
		Method  string              `json:"method"`
		Path    string              `json:"path"`
		Headers map[string][]string `json:"headers"`
	}
	if err := json.Unmarshal(raw, &echoed); err != nil {
		t.Fatalf("echo body %q: %v", raw, err)
	}
	if resp.StatusCode != 200 || echoed.Method != "GET" || echoed.Path != ex.Path+"?x=1" {
		t.Errorf("good token: %d %+v, want 200 GET %s?x=1", resp.StatusCode, echoed, ex.Path)
	}
	for name, want := range ex.Expect {
		if got := echoed.Headers[name]; len(got) != 1 || got[0] != want {
			t.Errorf("upstream header %s = %q, want [%q]", name, got, want)
		}
	}
	if got := echoed.Headers["authorization"]; len(got) != 0 {
		t.Errorf("the token reached the upstream: %q", got)
	}
}
