package main_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// startWithAdmin runs the emulator with -admin on a free port and returns its two addresses.
func startWithAdmin(t *testing.T, args ...string) (*emulator, string) {
	t.Helper()
	e, got := launch(t, buildEmulator(t), append([]string{"-listen", "127.0.0.1:0", "-admin", "127.0.0.1:0"}, args...), 2)
	addr, ok1 := strings.CutPrefix(got[0], "listening on ")
	admin, ok2 := strings.CutPrefix(got[1], "admin listening on ")
	if !ok1 || !ok2 {
		t.Fatalf("stdout %q, want \"listening on ADDR\" then \"admin listening on ADDR\"", got)
	}
	e.addr = addr
	return e, admin
}

var (
	statLine      = regexp.MustCompile(`^(wasmcustom\.[a-z0-9_.]+): (\d+)$`)
	promType      = regexp.MustCompile(`^# TYPE ([a-zA-Z0-9_]+) (counter|gauge)$`)
	readmeRow     = regexp.MustCompile("^\\| `(wasmcustom\\.[a-z0-9_.]+)` \\| (counter|gauge|histogram) \\| ([^|]+) \\|")
	promInReadme  = regexp.MustCompile("`(jwt_authn_[a-z0-9_]+)`")
	statsOfModule = func(t *testing.T, admin string) map[string]string {
		t.Helper()
		resp, body := get(t, "http://"+admin+"/stats")
		if resp.StatusCode != 200 {
			t.Fatalf("/stats: %d %s", resp.StatusCode, body)
		}
		values := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(body), "\n") {
			m := statLine.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("/stats line %q is not Envoy's \"name: value\" of a wasmcustom stat", l)
			}
			values[m[1]] = m[2]
		}
		return values
	}
)

// The emulator's admin /stats lists the module's metrics in Envoy's text format, under Envoy's
// wasmcustom namespace, and counts requests; /stats/prometheus gives their types.
func TestAdminStats(t *testing.T) {
	var ex struct {
		Now   string `json:"now"`
		Path  string `json:"path"`
		Token string `json:"token"`
	}
	root := loadExample(t, "local-jwks", &ex)
	e, admin := startWithAdmin(t, "-wasm", shippedModule(t), "-config", filepath.Join(root, "config.json"), "-now", ex.Now)

	before := statsOfModule(t, admin)
	if before["wasmcustom.jwt_authn.allowed"] != "0" || before["wasmcustom.jwt_authn.denied"] != "0" {
		t.Errorf("at start: %v, want allowed and denied at 0", before)
	}
	if code, _, _ := sendToken(t, e.addr, ex.Path, ex.Token); code != 200 {
		t.Fatalf("documented token: %d", code)
	}
	if code, _, _ := sendToken(t, e.addr, ex.Path, ""); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	after := statsOfModule(t, admin)
	if after["wasmcustom.jwt_authn.allowed"] != "1" || after["wasmcustom.jwt_authn.denied"] != "1" {
		t.Errorf("after one 200 and one 401: allowed=%s denied=%s, want 1 and 1",
			after["wasmcustom.jwt_authn.allowed"], after["wasmcustom.jwt_authn.denied"])
	}
	resp, body := get(t, "http://"+admin+"/stats?filter=jwt_authn\\.denied$")
	if resp.StatusCode != 200 || strings.TrimSpace(body) != "wasmcustom.jwt_authn.denied: 1" {
		t.Errorf("/stats?filter=jwt_authn\\.denied$: %d %q", resp.StatusCode, body)
	}
	e.stop(t) // the log is complete, and no longer written, once it exited
	if strings.Contains(e.stderr.String(), ex.Token[:20]) {
		t.Error("the token appears in the emulator's log")
	}
}

// TestReadmeMetricsTable keeps README.md's metrics table complete and exact: every stat the
// module defines at plugin start (read from the host through the emulator's admin interface,
// wherever in the code it is defined) has a row with its Envoy name and type, every row is a
// stat the module defines, and the Prometheus names the README gives are the stats'.
func TestReadmeMetricsTable(t *testing.T) {
	var ex struct {
		Now string `json:"now"`
	}
	root := loadExample(t, "local-jwks", &ex)
	e, admin := startWithAdmin(t, "-wasm", shippedModule(t), "-config", filepath.Join(root, "config.json"), "-now", ex.Now)
	defer e.stop(t)

	defined := map[string]string{} // Envoy name -> type
	for name := range statsOfModule(t, admin) {
		defined[name] = ""
	}
	resp, body := get(t, "http://"+admin+"/stats/prometheus")
	if resp.StatusCode != 200 {
		t.Fatalf("/stats/prometheus: %d", resp.StatusCode)
	}
	promNames := map[string]bool{}
	for _, l := range strings.Split(body, "\n") {
		if m := promType.FindStringSubmatch(l); m != nil {
			promNames[m[1]] = true
			envoy := "wasmcustom." + strings.Replace(m[1], "jwt_authn_", "jwt_authn.", 1)
			if _, ok := defined[envoy]; ok {
				defined[envoy] = m[2]
			}
		}
	}
	if len(defined) < 5 {
		t.Fatalf("the module defines %d metrics, want several: %v", len(defined), defined)
	}

	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]string{}
	for _, l := range strings.Split(string(readme), "\n") {
		m := readmeRow.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		if _, dup := documented[m[1]]; dup {
			t.Errorf("README: %s has two rows", m[1])
		}
		documented[m[1]] = m[2]
		if strings.TrimSpace(m[3]) == "" {
			t.Errorf("README: %s has no meaning", m[1])
		}
	}
	for _, name := range sortedNames(defined) {
		typ, ok := documented[name]
		switch {
		case !ok:
			t.Errorf("README's metrics table lacks %s (%s), which the module defines", name, defined[name])
		case typ != defined[name]:
			t.Errorf("README: %s is a %s, the module defines a %s", name, typ, defined[name])
		}
	}
	for _, name := range sortedNames(documented) {
		if _, ok := defined[name]; !ok {
			t.Errorf("README's metrics table lists %s, which the module does not define", name)
		}
	}
	for _, m := range promInReadme.FindAllStringSubmatch(string(readme), -1) {
		if !promNames[m[1]] {
			t.Errorf("README names the Prometheus metric %s, which /stats/prometheus does not have", m[1])
		}
	}
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
