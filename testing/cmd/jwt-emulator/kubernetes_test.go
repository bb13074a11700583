package main_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestKubernetesExampleThroughEmulator runs examples/kubernetes as its README does: one server
// with the API server's two documents behind both clusters, two workers, and curl. The filter
// reads the discovery document, then the JWKS it names, once for both workers.
func TestKubernetesExampleThroughEmulator(t *testing.T) {
	var ex struct {
		example
		Servers []struct {
			Cluster, Path, File string
		} `json:"servers"`
	}
	root := loadExample(t, "kubernetes", &ex)
	files := map[string][]byte{}
	var args []string
	for _, s := range ex.Servers {
		b, err := os.ReadFile(filepath.Join(root, s.File))
		if err != nil {
			t.Fatal(err)
		}
		files[s.Path] = b
	}
	var mu sync.Mutex
	var asked []string
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.URL.Path]
		if !ok || r.Method != "GET" {
			http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
			return
		}
		mu.Lock()
		asked = append(asked, r.Host+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	defer idp.Close()
	for _, s := range ex.Servers {
		args = append(args, "-cluster", s.Cluster+"="+strings.TrimPrefix(idp.URL, "http://"))
	}

	e := startEmulator(t, buildEmulator(t), append([]string{"-wasm", shippedModule(t), "-config", filepath.Join(root, "config.json"),
		"-now", ex.Now, "-workers", "2"}, args...)...)
	defer e.stop(t)

	checkDocumentedToken(t, e.addr, ex.example)
	mu.Lock()
	defer mu.Unlock()
	want := []string{"kubernetes.default.svc.cluster.local/.well-known/openid-configuration", "172.18.0.2:6443/openid/v1/jwks"}
	if strings.Join(asked, " ") != strings.Join(want, " ") {
		t.Errorf("the server was asked %q, want %q (each document once, with the :authority of its URI)", asked, want)
	}
}

// The decision trace over HTTP: the local reply carries x-jwt-authn-trace only for a request
// with the x_debug_header secret, and the debug log has the line only at -log-level debug.
func TestDebugHeaderThroughEmulator(t *testing.T) {
	var ex struct {
		Now   string `json:"now"`
		Path  string `json:"path"`
		Token string `json:"token"`
	}
	root := loadExample(t, "local-jwks", &ex)
	base, err := os.ReadFile(filepath.Join(root, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	const secret = "emulator-debug-secret-0123"
	cfg := strings.TrimSuffix(strings.TrimSpace(string(base)), "}") +
		`,"x_debug_header":{"name":"x-jwt-debug","secret":{"inline_string":"` + secret + `"}}}`
	for _, level := range []string{"debug", "info"} {
		// Ten years later the documented token has expired.
		e := startEmulator(t, buildEmulator(t), "-wasm", shippedModule(t), "-config", writeFile(t, "c.json", cfg),
			"-now", "2036-01-01T00:00:00Z", "-log-level", level)
		for _, withSecret := range []bool{true, false} {
			req, _ := http.NewRequest("GET", "http://"+e.addr+ex.Path, nil)
			req.Header.Set("Authorization", "Bearer "+ex.Token)
			if withSecret {
				req.Header.Set("X-Jwt-Debug", secret)
			} else {
				req.Header.Set("X-Jwt-Debug", "guess")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			trace := resp.Header.Get("X-Jwt-Authn-Trace")
			if resp.StatusCode != 401 || (trace != "") != withSecret {
				t.Errorf("%s, secret %v: %d, trace %q", level, withSecret, resp.StatusCode, trace)
			}
			if withSecret && !strings.Contains(trace, `: expired by `) {
				t.Errorf("trace %q lacks the reason", trace)
			}
		}
		e.stop(t)
		if got := strings.Contains(e.stderr.String(), "jwt_authn trace: "); got != (level == "debug") {
			t.Errorf("-log-level %s: trace line printed %v", level, got)
		}
		if strings.Contains(e.stderr.String(), secret) {
			t.Error("the secret was logged")
		}
	}
}
