package host_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestShippedModuleIsNeverStale: the host tests that run the shipped module refuse a
// JWT_WASM older than the module's source ("run make build-wasm") and run it once it is
// newer. They run in a child process of this test binary, which loads its module in TestMain.
func TestShippedModuleIsNeverStale(t *testing.T) {
	bin, err := os.ReadFile(shippedPath())
	if err != nil {
		t.Fatal(err)
	}
	module := filepath.Join(t.TempDir(), "jwt-authn.wasm")
	if err := os.WriteFile(module, bin, 0o644); err != nil {
		t.Fatal(err)
	}
	child := func(built time.Time) (string, error) {
		if err := os.Chtimes(module, built, built); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestShippedModuleLinksUnderEveryProfile$", "-test.count=1")
		cmd.Env = append(os.Environ(), "JWT_WASM="+module)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := child(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil || !strings.Contains(out, "run make build-wasm") {
		t.Fatalf("stale module: %v\n%s", err, out)
	}
	if out, err := child(time.Now().Add(time.Minute)); err != nil {
		t.Fatalf("fresh module: %v\n%s", err, out)
	}
}
