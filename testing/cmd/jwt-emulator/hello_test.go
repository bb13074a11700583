package main_test

import (
	"encoding/json"
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

// The hello filter adds x-hello to every response; through the emulator the header reaches
// curl, on top of the built-in echo upstream. Adapt or delete this file with the JWT filter.
func TestHelloHeaderThroughEmulator(t *testing.T) {
	e := startEmulator(t, buildEmulator(t), "-wasm", shippedModule(t), "-config", writeFile(t, "hello.json", "{}"))
	resp, body := get(t, "http://"+e.addr+"/hello?x=1")
	if got := resp.Header.Get("x-hello"); got != "jwt-authn" {
		t.Errorf("x-hello = %q, want jwt-authn", got)
	}
	var echoed struct {
		Method  string              `json:"method"`
		Path    string              `json:"path"`
		Headers map[string][]string `json:"headers"`
	}
	if err := json.Unmarshal([]byte(body), &echoed); err != nil {
		t.Fatalf("echo body %q: %v", body, err)
	}
	if resp.StatusCode != 200 || echoed.Method != "GET" || echoed.Path != "/hello?x=1" || len(echoed.Headers["user-agent"]) != 1 {
		t.Errorf("echo %d %+v, want 200 GET /hello?x=1 with the client's headers", resp.StatusCode, echoed)
	}
	e.stop(t)
}
