package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// runToExit runs the emulator expecting it to refuse to start; it returns its output.
func runToExit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(buildEmulator(t), append([]string{"-listen", "127.0.0.1:0"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("%v: exit 0, want a refusal\n%s", args, out)
	}
	return string(out)
}

// Configuration mistakes people make get a message that says what is wrong and where.
func TestEmulatorConfigHints(t *testing.T) {
	wasm := shippedModule(t)
	cases := []struct {
		name, file, content string
		want                []string
	}{
		{"json syntax error", "c.json", "{\n  \"providers\": {\n    \"p\": {\"issuer\": \"x\",}\n  }\n}\n",
			[]string{"line 3, column 25", "JSON syntax error"}},
		{"truncated json", "c.json", "{\n  \"providers\": {\n", []string{"line 2, column", "unexpected end"}},
		{"whole filter entry", "c.json", `{"name": "envoy.filters.http.jwt_authn", "typed_config": {"providers": {}}}`,
			[]string{"whole HTTP filter entry", "only the value of the jwt_authn filter's typed_config"}},
		{"filter entry in yaml", "c.yaml", "name: envoy.filters.http.jwt_authn\ntypedConfig:\n  providers: {}\n",
			[]string{"whole HTTP filter entry"}},
		{"filter list", "c.json", `[{"name": "envoy.filters.http.jwt_authn"}]`, []string{"a list", "typed_config"}},
		{"bad yaml", "c.yaml", "providers:\n  p: [\n", []string{"YAML: "}},
		{"empty", "c.json", " \n", []string{"empty file"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := runToExit(t, "", "-wasm", wasm, "-config", writeFile(t, c.file, c.content))
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// The default -wasm (build/jwt-authn.wasm, relative) missing: the error says where the
// emulator looked and how to build.
func TestEmulatorMissingDefaultModule(t *testing.T) {
	dir := t.TempDir()
	out := runToExit(t, dir)
	for _, w := range []string{filepath.Join(dir, "build", "jwt-authn.wasm"), filepath.Join(filepath.Dir(buildEmulator(t)), "jwt-authn.wasm"), "make build", "-wasm PATH"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// A YAML configuration (here examples/local-jwks as YAML, as in an Istio WasmPlugin's
// pluginConfig) is converted to JSON by the emulator and works like the JSON file.
func TestEmulatorAcceptsYAML(t *testing.T) {
	var ex example
	root := loadExample(t, "local-jwks", &ex)
	js, err := os.ReadFile(filepath.Join(root, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	y, err := yaml.JSONToYAML(js)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"config.yaml", "config.txt"} { // by extension, and by content
		t.Run(name, func(t *testing.T) {
			e := startEmulator(t, buildEmulator(t), "-wasm", shippedModule(t), "-config", writeFile(t, name, string(y)), "-now", ex.Now)
			defer e.stop(t)
			if code, body, _ := sendToken(t, e.addr, ex.Path, ""); code != 401 || body != "Jwt is missing" {
				t.Errorf("no token: %d %q", code, body)
			}
			code, _, up := sendToken(t, e.addr, ex.Path, ex.Token)
			if code != 200 {
				t.Fatalf("documented token: %d", code)
			}
			for name, want := range ex.Expect {
				if got := up.Headers[name]; len(got) != 1 || got[0] != want {
					t.Errorf("upstream header %s = %q, want [%q]", name, got, want)
				}
			}
		})
	}
}

// With the default -wasm missing from the current directory, the module next to the emulator's
// executable (build/jwt-authn.wasm beside build/jwt-emulator) is used.
func TestEmulatorFindsModuleBesideItself(t *testing.T) {
	dir := t.TempDir()
	for src, dst := range map[string]string{buildEmulator(t): "jwt-emulator", shippedModule(t): "jwt-authn.wasm"} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(t.TempDir()); err != nil { // no build/ here
		t.Fatal(err)
	}
	defer func() { _ = os.Chdir(cwd) }()
	e := startEmulator(t, filepath.Join(dir, "jwt-emulator"))
	if resp, _ := get(t, "http://"+e.addr+"/"); resp.StatusCode != 200 {
		t.Errorf("no configuration: %d, want the echo's 200", resp.StatusCode)
	}
	e.stop(t)
}
