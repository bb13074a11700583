package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// upstreamServing answers every request with body (and its own Content-Length).
func upstreamServing(t *testing.T, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// The upstream body reaches the filter in several chunks; with the stop-iteration setting the
// probe holds the headers, buffers the chunks, and its changes to body and headers reach the
// client; a body it refuses is answered by its local reply.
func TestEmulatorChunksTheResponseAndHonoursTheStopIterationSetting(t *testing.T) {
	const body = `{"access_token":{"sub":"alice"},"padding":"0123456789"}`
	e := startEmulator(t, buildEmulator(t), "-wasm", buildProbe(t), "-config", writeFile(t, "c", "holdresp"),
		"-allow-on-headers-stop-iteration", "-upstream", upstreamServing(t, body))
	resp, got := get(t, "http://"+e.addr+"/login")
	if resp.StatusCode != 200 || got != "signed:"+body || resp.Header.Get("x-signed") != "1" {
		t.Errorf("got %d %q x-signed=%q", resp.StatusCode, got, resp.Header.Get("x-signed"))
	}
	e.stop(t)
	if n := strings.Count(e.stderr.String(), "response_body_size="); n < 3 {
		t.Errorf("%d body callbacks, want the body in at least 3 chunks\n%s", n, e.stderr)
	}

	bad := startEmulator(t, buildEmulator(t), "-wasm", buildProbe(t), "-config", writeFile(t, "c", "holdresp"),
		"-allow-on-headers-stop-iteration", "-upstream", upstreamServing(t, `{"token":"bad and secret"}`))
	resp, got = get(t, "http://"+bad.addr+"/login")
	if resp.StatusCode != 502 || got != "bad gateway" {
		t.Errorf("refused body: got %d %q, want the probe's 502", resp.StatusCode, got)
	}
	bad.stop(t)
}

// Without the setting, StopIteration stops the body too: the probe never sees it and the
// response stays held (the emulator says so).
func TestEmulatorWithoutTheSettingHoldsTheWholeResponse(t *testing.T) {
	e := startEmulator(t, buildEmulator(t), "-wasm", buildProbe(t), "-config", writeFile(t, "c", "holdresp"),
		"-upstream", upstreamServing(t, `{"a":1}`))
	resp, got := get(t, "http://"+e.addr+"/login")
	if resp.StatusCode != 504 || strings.Contains(got, `"a"`) {
		t.Errorf("got %d %q, want the emulator's 504 and nothing of the upstream body", resp.StatusCode, got)
	}
	e.stop(t)
	if strings.Contains(e.stderr.String(), "response_body_size=") {
		t.Errorf("a body callback ran:\n%s", e.stderr)
	}
}

// A local reply after the headers went out resets the stream: the client gets the headers and
// then a broken body, never the upstream's body.
func TestEmulatorResetsAfterHeadersWereSent(t *testing.T) {
	e := startEmulator(t, buildEmulator(t), "-wasm", buildProbe(t), "-config", writeFile(t, "c", "bufferresp"),
		"-upstream", upstreamServing(t, `{"token":"bad and secret"}`))
	resp, err := http.Get("http://" + e.addr + "/login")
	if err == nil {
		b, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr == nil || strings.Contains(string(b), "secret") {
			t.Errorf("status %d body %q read error %v: want a cut response without the upstream body", resp.StatusCode, b, rerr)
		}
	}
	e.stop(t)
}

// The module's content-length goes to the client as it is: the probe replaces the body
// without fixing the upstream's length, and the client sees a cut body.
func TestEmulatorKeepsTheModulesContentLength(t *testing.T) {
	e := startEmulator(t, buildEmulator(t), "-wasm", buildProbe(t), "-config", writeFile(t, "c", "bufferresp"),
		"-upstream", upstreamServing(t, `{"a":1}`))
	resp, err := http.Get("http://" + e.addr + "/x")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ContentLength != 7 || string(b) == `signed:{"a":1}` {
		t.Errorf("content-length %d body %q: want the upstream's 7 and a cut body", resp.ContentLength, b)
	}
	e.stop(t)
}

// -env sets a VM environment variable, which a local_jwks environment_variable reads.
func TestEmulatorEnvFeedsEnvironmentVariableKeys(t *testing.T) {
	raw, err := os.ReadFile("../../../examples/local-jwks/config.json")
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	p := cfg["providers"].(map[string]any)["example_provider"].(map[string]any)
	jwks := p["local_jwks"].(map[string]any)["inline_string"].(string)
	p["local_jwks"] = map[string]any{"environment_variable": "EXAMPLE_JWKS"}
	out, _ := json.Marshal(cfg)
	var ex struct{ Path, Token string }
	exb, _ := os.ReadFile("../../../examples/local-jwks/example.json")
	if err := json.Unmarshal(exb, &ex); err != nil {
		t.Fatal(err)
	}
	e := startEmulator(t, buildEmulator(t), "-config", writeFile(t, "c.json", string(out)), "-now", "2026-01-01T00:00:00Z",
		"-wasm", shippedModule(t), "-env", "EXAMPLE_JWKS="+jwks, "-env", "OTHER=x")
	req, _ := http.NewRequest("GET", "http://"+e.addr+ex.Path, nil)
	req.Header.Set("Authorization", "Bearer "+ex.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("token with keys from -env: %d, want 200", resp.StatusCode)
	}
	e.stop(t)
	if strings.Contains(e.stderr.String(), jwks[:40]) {
		t.Error("the emulator logged the variable's value")
	}
}
