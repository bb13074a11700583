package wasmbuild_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/wasmbuild"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := wasmbuild.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestInputsAreWhatTheModuleIsBuiltFrom: every package the module links from this Go module
// (not only plugin/), go.mod, go.sum and the glue; no test files, nothing the module does not
// link.
func TestInputsAreWhatTheModuleIsBuiltFrom(t *testing.T) {
	root := repoRoot(t)
	in, err := wasmbuild.Inputs(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"main.go", "go.mod", "go.sum", "_sdkglue/abi_wasip1.go", "verifier/json.go", "verifier/token.go", "plugin/filter.go"} {
		if !slices.Contains(in, filepath.Join(root, want)) {
			t.Errorf("inputs lack %s", want)
		}
	}
	for _, f := range in {
		rel, _ := filepath.Rel(root, f)
		if strings.HasSuffix(f, "_test.go") || strings.HasPrefix(rel, "testing"+string(filepath.Separator)) || strings.HasPrefix(rel, "..") {
			t.Errorf("input %s is not linked into the module", rel)
		}
	}
}

// fakeModule writes a small Go module with the layout the inputs come from: main.go importing
// a package of its own, go.mod, go.sum and _sdkglue/.
func fakeModule(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.mod":                 "module example.com/fake\n\ngo 1.26.0\n",
		"go.sum":                 "",
		"main.go":                "package main\n\nimport _ \"example.com/fake/lib\"\n\nfunc main() {}\n",
		"lib/lib.go":             "package lib\n",
		"lib/lib_test.go":        "package lib\n",
		"unused/unused.go":       "package unused\n",
		"_sdkglue/abi_wasip1.go": "package internal\n",
	}
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func setTime(t *testing.T, path string, at time.Time) {
	t.Helper()
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

// TestCheckFreshRefusesAModuleOlderThanAnyInput: a module newer than every input is fresh; an
// edit of any input (a package it imports, go.mod, go.sum, the glue) makes it stale, with a
// message that names the file and says what to do. Files the module does not link do not.
func TestCheckFreshRefusesAModuleOlderThanAnyInput(t *testing.T) {
	root := fakeModule(t)
	module := filepath.Join(t.TempDir(), "jwt-authn.wasm")
	if err := os.WriteFile(module, []byte("\x00asm"), 0o644); err != nil {
		t.Fatal(err)
	}
	built := time.Now().Add(time.Hour).Truncate(time.Second)
	setTime(t, module, built)
	if err := wasmbuild.CheckFresh(root, module); err != nil {
		t.Fatalf("fresh module refused: %v", err)
	}
	for _, f := range []string{"unused/unused.go", "lib/lib_test.go"} {
		setTime(t, filepath.Join(root, f), built.Add(time.Second))
	}
	if err := wasmbuild.CheckFresh(root, module); err != nil {
		t.Fatalf("module refused for a file it does not link: %v", err)
	}
	for _, f := range []string{"lib/lib.go", "main.go", "go.mod", "go.sum", "_sdkglue/abi_wasip1.go"} {
		t.Run(f, func(t *testing.T) {
			p := filepath.Join(root, f)
			setTime(t, p, built.Add(time.Second))
			defer setTime(t, p, built.Add(-time.Hour))
			err := wasmbuild.CheckFresh(root, module)
			var stale *wasmbuild.StaleError
			if !errors.As(err, &stale) || stale.Input != p || !strings.Contains(err.Error(), "run make build-wasm") {
				t.Fatalf("CheckFresh after editing %s: %v", f, err)
			}
		})
	}
	if err := wasmbuild.CheckFresh(root, filepath.Join(t.TempDir(), "missing.wasm")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing module: %v", err)
	}
}

// TestEnsureBuiltBuildsAsMakeDoes: into an empty directory, EnsureBuilt builds a fresh module
// (SDK copy, glue, workspace); a second call finds it fresh and leaves it alone; after an
// input changes it builds again.
func TestEnsureBuiltBuildsAsMakeDoes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the module")
	}
	root := repoRoot(t)
	out := t.TempDir()
	module, err := wasmbuild.EnsureBuilt(root, out)
	if err != nil {
		t.Fatal(err)
	}
	if module != filepath.Join(out, "jwt-authn.wasm") {
		t.Fatalf("module at %s", module)
	}
	bin, err := os.ReadFile(module)
	if err != nil || len(bin) < 1<<20 || string(bin[:4]) != "\x00asm" {
		t.Fatalf("not a wasm module: %d bytes, %v", len(bin), err)
	}
	if _, err := os.Stat(filepath.Join(out, "sdk", "proxywasm", "internal", "abi_wasip1.go")); err != nil {
		t.Fatalf("SDK copy without the glue: %v", err)
	}
	// Pretend the module is old but still newer than every input: it must be reused.
	fi, _ := os.Stat(module)
	in, err := wasmbuild.Inputs(root)
	if err != nil {
		t.Fatal(err)
	}
	var newest time.Time
	for _, f := range in {
		if st, err := os.Stat(f); err == nil && st.ModTime().After(newest) {
			newest = st.ModTime()
		}
	}
	mark := newest.Add(time.Second)
	setTime(t, module, mark)
	if _, err := wasmbuild.EnsureBuilt(root, out); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(module); !st.ModTime().Equal(mark) {
		t.Fatalf("a fresh module was rebuilt (%v, was %v)", st.ModTime(), fi.ModTime())
	}
	// Older than an input: rebuilt.
	setTime(t, module, newest.Add(-time.Second))
	if _, err := wasmbuild.EnsureBuilt(root, out); err != nil {
		t.Fatal(err)
	}
	if err := wasmbuild.CheckFresh(root, module); err != nil {
		t.Fatalf("after the rebuild: %v", err)
	}
}

// TestSymbolsPathRefusesAStaleModule: $JWT_WASM_SYMBOLS older than the sources is refused,
// with the make target that rebuilds it.
func TestSymbolsPathRefusesAStaleModule(t *testing.T) {
	module := filepath.Join(t.TempDir(), "jwt-authn-symbols.wasm")
	if err := os.WriteFile(module, []byte("\x00asm"), 0o644); err != nil {
		t.Fatal(err)
	}
	setTime(t, module, time.Unix(0, 0))
	t.Setenv("JWT_WASM_SYMBOLS", module)
	_, err := wasmbuild.SymbolsPath()
	var stale *wasmbuild.StaleError
	if !errors.As(err, &stale) || stale.Module != module || !strings.Contains(err.Error(), "run make build-wasm-symbols") {
		t.Fatalf("SymbolsPath with a module of 1970: %v", err)
	}
}
