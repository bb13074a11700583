package main_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// remoteExample is examples/remote-jwks/example.json.
type remoteExample struct {
	example
	JWKSServer struct {
		Cluster string `json:"cluster"`
		Path    string `json:"path"`
		File    string `json:"file"`
	} `json:"jwks_server"`
}

func loadRemoteExample(t *testing.T) (remoteExample, string) {
	t.Helper()
	var ex remoteExample
	root := loadExample(t, "remote-jwks", &ex)
	return ex, root
}

// TestRemoteExampleThroughEmulator runs examples/remote-jwks as its README does: a JWKS server
// on loopback, the emulator with two workers and -cluster jwks=ADDR, and curl. The filter
// fetches the JWKS through the cluster once for both workers (shared data), and the documented
// token reaches the upstream with its claim header.
func TestRemoteExampleThroughEmulator(t *testing.T) {
	ex, root := loadRemoteExample(t)
	set, err := os.ReadFile(filepath.Join(root, ex.JWKSServer.File))
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int32
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != ex.JWKSServer.Path || r.Method != "GET" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		}
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(set)
	}))
	defer idp.Close()

	e := startEmulator(t, buildEmulator(t), "-wasm", shippedModule(t), "-config", filepath.Join(root, "config.json"),
		"-now", ex.Now, "-workers", "2", "-cluster", ex.JWKSServer.Cluster+"="+strings.TrimPrefix(idp.URL, "http://"))
	defer e.stop(t)

	checkDocumentedToken(t, e.addr, ex.example)
	if n := hits.Load(); n != 1 {
		t.Errorf("the JWKS server was asked %d times, want once for both workers", n)
	}
}

// With the JWKS server down and nothing cached, a token gets Envoy's 401 "Jwks remote fetch is
// failed" (the README's last paragraph).
func TestRemoteExampleWithTheJwksServerDown(t *testing.T) {
	ex, root := loadRemoteExample(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := ln.Addr().String()
	ln.Close() // nothing listens there now

	e := startEmulator(t, buildEmulator(t), "-wasm", shippedModule(t), "-config", filepath.Join(root, "config.json"),
		"-now", ex.Now, "-cluster", ex.JWKSServer.Cluster+"="+down)
	code, body, _ := sendToken(t, e.addr, ex.Path, ex.Token)
	e.stop(t) // the module log is complete once it exited
	if code != 401 || body != "Jwks remote fetch is failed" {
		t.Errorf("JWKS server down: %d %q, want 401 \"Jwks remote fetch is failed\"", code, body)
	}
	if !strings.Contains(e.stderr.String(), "fetching the JWKS") {
		t.Errorf("the module log lacks the fetch failure:\n%s", e.stderr)
	}
}

// TestRemoteJwksRedirectIsAnAnswer: a JWKS server that answers 302 gets no second request to
// the Location; the 302 reaches the filter as the answer, as Envoy's async client delivers
// it, so the fetch fails (only a 200 is a JWKS) and the token gets 401 "Jwks remote fetch is
// failed".
func TestRemoteJwksRedirectIsAnAnswer(t *testing.T) {
	ex, root := loadRemoteExample(t)
	set, err := os.ReadFile(filepath.Join(root, ex.JWKSServer.File))
	if err != nil {
		t.Fatal(err)
	}
	var followed atomic.Int32
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			followed.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(set)
			return
		}
		http.Redirect(w, r, "/moved", http.StatusFound)
	}))
	defer idp.Close()

	e := startEmulator(t, buildEmulator(t), "-wasm", shippedModule(t), "-config", filepath.Join(root, "config.json"),
		"-now", ex.Now, "-cluster", ex.JWKSServer.Cluster+"="+strings.TrimPrefix(idp.URL, "http://"))
	code, body, _ := sendToken(t, e.addr, ex.Path, ex.Token)
	e.stop(t)
	if code != 401 || body != "Jwks remote fetch is failed" {
		t.Errorf("JWKS answered with a redirect: %d %q, want 401 \"Jwks remote fetch is failed\"", code, body)
	}
	if n := followed.Load(); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
	if !strings.Contains(e.stderr.String(), "302") {
		t.Errorf("the module log does not name the 302:\n%s", e.stderr)
	}
}
