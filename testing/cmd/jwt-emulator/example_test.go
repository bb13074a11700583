package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/wasmbuild"
)

// shippedModule is the module built from the current source (package testing/wasmbuild):
// $JWT_WASM unless it is stale, else build/jwt-authn.wasm at the module root, built when
// missing or stale.
func shippedModule(t *testing.T) string {
	t.Helper()
	p, err := wasmbuild.Path()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// loadExample reads examples/<name>/example.json into v and returns the example's directory.
// example is the part of an example's example.json every test reads: the clock, the request
// path, the documented token and the headers the upstream must see.
type example struct {
	Now    string            `json:"now"`
	Path   string            `json:"path"`
	Token  string            `json:"token"`
	Expect map[string]string `json:"expect_headers"`
}

// checkDocumentedToken checks the example on the emulator at addr with two workers: a request
// without a token gets 401 "Jwt is missing"; the documented token passes four times (both
// workers, twice) and the upstream sees the documented headers.
func checkDocumentedToken(t *testing.T, addr string, ex example) {
	t.Helper()
	if code, body, _ := sendToken(t, addr, ex.Path, ""); code != 401 || body != "Jwt is missing" {
		t.Errorf("without a token: %d %q, want 401 \"Jwt is missing\"", code, body)
	}
	for i := 0; i < 4; i++ { // both workers, twice
		code, body, up := sendToken(t, addr, ex.Path, ex.Token)
		if code != 200 {
			t.Fatalf("request %d with the documented token: %d %q, want 200", i, code, body)
		}
		for name, want := range ex.Expect {
			if got := up.Headers[name]; len(got) != 1 || got[0] != want {
				t.Errorf("request %d: upstream header %s = %q, want [%q]", i, name, got, want)
			}
		}
	}
}

func loadExample(t *testing.T, name string, v any) string {
	t.Helper()
	root := filepath.Join("..", "..", "..", "examples", name)
	b, err := os.ReadFile(filepath.Join(root, "example.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
	return root
}

// echoed is what the emulator's built-in echo upstream answers.
type echoed struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Headers map[string][]string `json:"headers"`
}

// sendToken sends GET path to the emulator at addr with token as a bearer token (none when
// empty) and returns the status, the body and, for a 200, what the echo upstream received.
func sendToken(t *testing.T, addr, path, token string) (int, string, echoed) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+addr+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var up echoed
	if resp.StatusCode != 200 {
		return resp.StatusCode, string(raw), up
	}
	if err := json.Unmarshal(raw, &up); err != nil {
		t.Fatalf("echo body %q: %v", raw, err)
	}
	return resp.StatusCode, string(raw), up
}

// TestExampleThroughEmulator runs examples/local-jwks through the emulator as a user would with
// curl: a request without a token gets Envoy's 401 with its headers and body; the documented
// token reaches the built-in echo upstream, which shows the header the filter set.
func TestExampleThroughEmulator(t *testing.T) {
	var ex example
	root := loadExample(t, "local-jwks", &ex)
	e := startEmulator(t, buildEmulator(t), "-wasm", shippedModule(t), "-config", filepath.Join(root, "config.json"), "-now", ex.Now)
	defer e.stop(t)

	resp, body := get(t, "http://"+e.addr+ex.Path)
	if resp.StatusCode != 401 || body != "Jwt is missing" || resp.Header.Get("www-authenticate") == "" {
		t.Errorf("without a token: %d %q www-authenticate=%q, want 401 \"Jwt is missing\" with www-authenticate",
			resp.StatusCode, body, resp.Header.Get("www-authenticate"))
	}

	code, _, up := sendToken(t, e.addr, ex.Path+"?x=1", ex.Token)
	if code != 200 || up.Method != "GET" || up.Path != ex.Path+"?x=1" {
		t.Errorf("good token: %d %+v, want 200 GET %s?x=1", code, up, ex.Path)
	}
	for name, want := range ex.Expect {
		if got := up.Headers[name]; len(got) != 1 || got[0] != want {
			t.Errorf("upstream header %s = %q, want [%q]", name, got, want)
		}
	}
	if got := up.Headers["authorization"]; len(got) != 0 {
		t.Errorf("the token reached the upstream: %q", got)
	}
}
