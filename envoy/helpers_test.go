package envoy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// readYAMLAsJSON reads a YAML file and converts it to JSON the way kubectl and most tools do
// (sigs.k8s.io/yaml); duplicate keys are an error, since Envoy and the API server would silently
// keep one of them.
func readYAMLAsJSON(t *testing.T, path string) []byte {
	t.Helper()
	y, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSONStrict(y)
	if err != nil {
		t.Fatalf("%s: not YAML: %v", path, err)
	}
	return j
}

// jsonEqual reports whether a and b hold the same JSON value (numbers compared as float64,
// object members unordered).
func jsonEqual(a, b []byte) (bool, error) {
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		return false, fmt.Errorf("first value: %w", err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		return false, fmt.Errorf("second value: %w", err)
	}
	return reflect.DeepEqual(va, vb), nil
}

// withoutExtensions removes this project's x_* keys at every depth, which leaves a configuration
// Envoy's own proto must accept (plugin/EXTENSIONS.md).
func withoutExtensions(config []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(config))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(stripX(v))
}

func stripX(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if strings.HasPrefix(k, "x_") {
				delete(v, k)
				continue
			}
			v[k] = stripX(e)
		}
	case []any:
		for i, e := range v {
			v[i] = stripX(e)
		}
	}
	return v
}

// example is an examples/*/example.json: the documented request and what the upstream sees.
type example struct {
	Now           time.Time         `json:"now"`
	Path          string            `json:"path"`
	Token         string            `json:"token"`
	ExpectHeaders map[string]string `json:"expect_headers"`
	ExpectAbsent  []string          `json:"expect_absent"`
}

func loadExample(t *testing.T, dir string) example {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "example.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ex example
	if err := json.Unmarshal(data, &ex); err != nil {
		t.Fatalf("%s/example.json: %v", dir, err)
	}
	if ex.Path == "" || ex.Token == "" || ex.Now.IsZero() {
		t.Fatalf("%s/example.json: now, path and token are required", dir)
	}
	return ex
}

// checkExampleRequest sends the documented request and checks the upstream's view of it, then
// the same request without its token, which must be refused with 401.
func checkExampleRequest(t *testing.T, h filtertest.Host, ex example) {
	t.Helper()
	s := h.NewStream()
	s.SendRequestHeaders(filtertest.Request("GET", ex.Path, "authorization", "Bearer "+ex.Token), true)
	if lr := s.LocalResponse(); lr != nil {
		t.Fatalf("GET %s with the example token: refused %d %q", ex.Path, lr.Status, lr.Body)
	}
	if s.Paused() {
		t.Fatalf("GET %s with the example token: still paused", ex.Path)
	}
	got := s.RequestHeaders()
	for name, want := range ex.ExpectHeaders {
		if v, ok := got.Get(name); !ok || v != want {
			t.Errorf("upstream header %s = %q (present %v), want %q", name, v, ok, want)
		}
	}
	for _, name := range ex.ExpectAbsent {
		if v, ok := got.Get(name); ok {
			t.Errorf("upstream header %s = %q, want it removed", name, v)
		}
	}
	s.Done()

	s = h.NewStream()
	s.SendRequestHeaders(filtertest.Request("GET", ex.Path), true)
	lr := s.LocalResponse()
	if lr == nil || lr.Status != 401 {
		t.Errorf("GET %s without a token: local response %+v, want 401", ex.Path, lr)
	}
	s.Done()
}
