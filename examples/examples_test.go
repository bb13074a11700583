// Package examples_test checks the example configurations: each is a configuration Envoy itself
// accepts, each README's documented request works on the filter, and the docs say what the
// configuration does.
package examples_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/envoyconfig"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// TestExampleConfigsAreEnvoyConfigs: every examples/*/config.json, without our x_* extension
// keys, is a JwtAuthentication Envoy accepts (protojson rejects unknown fields; Validate applies
// the proto's constraints).
func TestExampleConfigsAreEnvoyConfigs(t *testing.T) {
	paths := glob(t, "*/config.json")
	if len(paths) < 3 {
		t.Fatalf("found %d example configs, want at least 3", len(paths))
	}
	for _, p := range paths {
		t.Run(filepath.Dir(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := envoyconfig.Accepts(data); err != nil {
				t.Errorf("%s: %v", p, err)
			}
		})
	}
}

// TestCaseConfigsAreEnvoyConfigs does the same for the conformance cases, so the suite tests
// configurations Envoy would run, unless a file says "envoy_invalid": true.
func TestCaseConfigsAreEnvoyConfigs(t *testing.T) {
	paths := append(glob(t, "../plugin/testdata/cases/*.json"), glob(t, "../plugin/testdata/conformance/*.json")...)
	if len(paths) == 0 {
		t.Fatal("no case files found")
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var cf struct {
				Config       json.RawMessage `json:"config"`
				EnvoyInvalid bool            `json:"envoy_invalid"`
			}
			if err := json.Unmarshal(data, &cf); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if cf.EnvoyInvalid {
				t.Skipf("%s declares envoy_invalid", p)
			}
			if err := envoyconfig.Accepts(cf.Config); err != nil {
				t.Errorf("%s: config: %v", p, err)
			}
		})
	}
}

// example is examples/<name>/example.json: the request its README documents.
type example struct {
	Now           string            `json:"now"`
	Path          string            `json:"path"`
	Token         string            `json:"token"`
	ExpectHeaders map[string]string `json:"expect_headers"`
	ExpectAbsent  []string          `json:"expect_absent"`
	Forged        map[string]string `json:"forged"`
	Also          []documentedCall  `json:"also"`
	JWKSServer    *struct {
		Cluster string `json:"cluster"`
		Path    string `json:"path"`
		File    string `json:"file"`
	} `json:"jwks_server"`
	// Servers answer callouts by cluster and :path (remote_jwks.x_discovery: the discovery
	// document, then the JWKS, possibly on another cluster).
	Servers []struct {
		Cluster string `json:"cluster"`
		Path    string `json:"path"`
		File    string `json:"file"`
		body    []byte
	} `json:"servers"`

	dir    string
	config []byte
	jwks   []byte
	now    time.Time
}

// documentedCall is a further token the README shows for the same path.
type documentedCall struct {
	Token         string            `json:"token"`
	ExpectHeaders map[string]string `json:"expect_headers"`
	ExpectAbsent  []string          `json:"expect_absent"`
}

func loadExamples(t *testing.T) []*example {
	t.Helper()
	var out []*example
	for _, p := range glob(t, "*/example.json") {
		ex := &example{dir: filepath.Dir(p)}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(ex); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if ex.config, err = os.ReadFile(filepath.Join(ex.dir, "config.json")); err != nil {
			t.Fatal(err)
		}
		if ex.now, err = time.Parse(time.RFC3339, ex.Now); err != nil {
			t.Fatalf("%s: now: %v", p, err)
		}
		if ex.JWKSServer != nil {
			if ex.jwks, err = os.ReadFile(filepath.Join(ex.dir, ex.JWKSServer.File)); err != nil {
				t.Fatal(err)
			}
		}
		for i := range ex.Servers {
			if ex.Servers[i].body, err = os.ReadFile(filepath.Join(ex.dir, ex.Servers[i].File)); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, ex)
	}
	if len(out) < 3 {
		t.Fatalf("found %d examples with an example.json, want at least 3", len(out))
	}
	return out
}

// TestExamplesDocumentedRequests sends each README's curl through the filter at the documented
// time: the token gets 200 and the documented headers; no token gets Envoy's 401.
func TestExamplesDocumentedRequests(t *testing.T) {
	for _, ex := range loadExamples(t) {
		t.Run(ex.dir, func(t *testing.T) {
			filtertest.Run(t, filtertest.Options{Config: ex.config, Now: ex.now}, func(t *testing.T, h filtertest.Host) {
				calls := append([]documentedCall{{Token: ex.Token, ExpectHeaders: ex.ExpectHeaders, ExpectAbsent: ex.ExpectAbsent}}, ex.Also...)
				sawCallout := ex.answer(h)
				for i, c := range calls {
					kv := []string{"authorization", "Bearer " + c.Token}
					if i == 0 {
						for _, name := range sortedKeys(ex.Forged) {
							kv = append(kv, name, ex.Forged[name])
						}
					}
					up, lr, saw := ex.send(h, kv...)
					sawCallout = sawCallout || saw
					if (ex.JWKSServer != nil || len(ex.Servers) > 0) && !sawCallout {
						t.Fatalf("documented token %d: the filter never fetched the remote JWKS", i)
					}
					if lr != nil {
						t.Fatalf("documented token %d: want 200, got %d %q", i, lr.Status, lr.Body)
					}
					for _, name := range sortedKeys(c.ExpectHeaders) {
						if got := up.Values(name); len(got) != 1 || got[0] != c.ExpectHeaders[name] {
							t.Errorf("documented token %d: upstream header %s: want [%q], got %q", i, name, c.ExpectHeaders[name], got)
						}
					}
					for _, name := range c.ExpectAbsent {
						if got := up.Values(name); len(got) > 0 {
							t.Errorf("documented token %d: upstream header %s: want absent, got %q", i, name, got)
						}
					}
				}
				_, lr, _ := ex.send(h)
				switch {
				case lr == nil:
					t.Error("no token: want 401, the request reached the upstream")
				case lr.Status != 401 || string(lr.Body) != "Jwt is missing":
					t.Errorf("no token: want 401 %q, got %d %q", "Jwt is missing", lr.Status, lr.Body)
				}
			})
		})
	}
}

// send makes one request to the documented path, answering JWKS callouts from the example's
// jwks.json; it returns the upstream request or the local reply, and whether a callout was made.
func (ex *example) send(h filtertest.Host, kv ...string) (filtertest.Headers, *filtertest.LocalResponse, bool) {
	s := h.NewStream()
	defer s.Done()
	s.SendRequestHeaders(filtertest.Request("GET", ex.Path, kv...), true)
	saw := ex.answer(h)
	if lr := s.LocalResponse(); lr != nil {
		return nil, lr, saw
	}
	if s.Paused() {
		return nil, &filtertest.LocalResponse{Body: []byte("(the filter still holds the request)")}, saw
	}
	return s.RequestHeaders(), nil, saw
}

// answer serves pending callouts to the example's JWKS cluster (newest first, for the native
// emulator's ID reuse) and fails any other; it reports whether there was any.
func (ex *example) answer(h filtertest.Host) bool {
	saw := false
	for round := 0; round < 16; round++ {
		pending := h.Callouts()
		if len(pending) == 0 {
			break
		}
		saw = true
		for i := len(pending) - 1; i >= 0; i-- {
			c := pending[i]
			if body, ok := ex.served(c); ok {
				h.Respond(c.ID, filtertest.CalloutResponse{
					Headers: filtertest.Headers{{":status", "200"}, {"content-type", "application/json"}},
					Body:    body,
				})
			} else if ex.JWKSServer != nil && c.Cluster == ex.JWKSServer.Cluster {
				h.Respond(c.ID, filtertest.CalloutResponse{
					Headers: filtertest.Headers{{":status", "200"}, {"content-type", "application/json"}},
					Body:    ex.jwks,
				})
			} else {
				h.Fail(c.ID)
			}
		}
	}
	return saw
}

// served is the file of Servers for a callout's cluster and :path.
func (ex *example) served(c filtertest.Callout) ([]byte, bool) {
	path := ""
	for _, h := range c.Headers {
		if h[0] == ":path" {
			path = h[1]
		}
	}
	for _, s := range ex.Servers {
		if s.Cluster == c.Cluster && s.Path == path {
			return s.body, true
		}
	}
	return nil, false
}

// TestExampleDocsMatchConfig keeps the READMEs and envoy.yaml files in step with the
// configurations and tokens the tests use.
func TestExampleDocsMatchConfig(t *testing.T) {
	for _, ex := range loadExamples(t) {
		t.Run(ex.dir, func(t *testing.T) {
			readme, err := os.ReadFile(filepath.Join(ex.dir, "README.md"))
			if err != nil {
				t.Fatal(err)
			}
			doc := string(readme)
			want := []string{
				"build/jwt-emulator -config examples/" + ex.dir + "/config.json -now " + ex.Now,
				"TOKEN=" + ex.Token,
				"http://127.0.0.1:8080" + ex.Path,
				"Jwt is missing",
				"401 Unauthorized",
				"200 OK",
			}
			for _, c := range ex.Also {
				want = append(want, "TOKEN="+c.Token)
			}
			for _, name := range sortedKeys(ex.ExpectHeaders) {
				want = append(want, fmt.Sprintf("%q: [%q]", name, ex.ExpectHeaders[name]))
			}
			for _, w := range want {
				if !strings.Contains(doc, w) {
					t.Errorf("README.md does not contain %q", abbrev(w))
				}
			}
			yaml, err := os.ReadFile(filepath.Join(ex.dir, "envoy.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			embedded, err := stringValueBlock(string(yaml))
			if err != nil {
				t.Fatalf("envoy.yaml: %v", err)
			}
			if !jsonEqual(t, embedded, ex.config) {
				t.Error("envoy.yaml: the StringValue configuration differs from config.json")
			}
			for _, w := range []string{"envoy.filters.http.wasm", "envoy.wasm.runtime.v8", "type.googleapis.com/google.protobuf.StringValue", "filename:"} {
				if !strings.Contains(string(yaml), w) {
					t.Errorf("envoy.yaml does not mention %s", w)
				}
			}
		})
	}
}

// stringValueBlock returns the literal block after "value: |" (the plugin configuration).
func stringValueBlock(yaml string) ([]byte, error) {
	lines := strings.Split(yaml, "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "value: |" {
			continue
		}
		indent := -1
		var b strings.Builder
		for _, body := range lines[i+1:] {
			trimmed := strings.TrimLeft(body, " ")
			n := len(body) - len(trimmed)
			if trimmed == "" {
				b.WriteString("\n")
				continue
			}
			if indent < 0 {
				indent = n
			}
			if n < indent {
				break
			}
			b.WriteString(body[indent:] + "\n")
		}
		return []byte(b.String()), nil
	}
	return nil, fmt.Errorf(`no "value: |" block`)
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("embedded configuration is not JSON: %v", err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("config.json is not JSON: %v", err)
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

func glob(t *testing.T, pattern string) []string {
	t.Helper()
	paths, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	return paths
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func abbrev(s string) string {
	if len(s) > 80 {
		return s[:60] + "…"
	}
	return s
}
