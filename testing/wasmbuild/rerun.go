package wasmbuild

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// DatedCopy copies the module at src into a temporary directory of t and returns a function
// that dates the copy built, runs this test binary again with args and JWT_WASM naming the
// copy, and returns the child's combined output: how a runner's test checks that it refuses a
// module older than its source and runs one that is newer.
func DatedCopy(t testing.TB, src string, args ...string) func(built time.Time) (string, error) {
	t.Helper()
	bin, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	module := filepath.Join(t.TempDir(), moduleFile)
	if err := os.WriteFile(module, bin, 0o644); err != nil {
		t.Fatal(err)
	}
	return func(built time.Time) (string, error) {
		t.Helper()
		if err := os.Chtimes(module, built, built); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "JWT_WASM="+module)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}
