package filtertest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/wasmbuild"
)

// TestWasmRunnerRefusesAStaleModule: with JWT_WASM naming a module older than the source it is
// built from, the wasm half of a behaviour test fails with "run make build-wasm" instead of
// testing old code, and the native half still runs; the same module, once newer than its
// source, passes. The behaviour test runs in a child process of this test binary, because
// the runner resolves its module once per process.
func TestWasmRunnerRefusesAStaleModule(t *testing.T) {
	fresh, err := wasmbuild.Path()
	if err != nil {
		t.Fatal(err)
	}
	child := wasmbuild.DatedCopy(t, fresh, "-test.run=^TestSmokeOnBothRunners$", "-test.count=1", "-test.v")

	out, err := child(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	if err == nil {
		t.Fatalf("the wasm runner ran a module older than its source:\n%s", out)
	}
	for _, want := range []string{"--- PASS: TestSmokeOnBothRunners/go", "--- FAIL: TestSmokeOnBothRunners/wasm", "run make build-wasm"} {
		if !strings.Contains(out, want) {
			t.Errorf("stale module: output lacks %q:\n%s", want, out)
		}
	}

	if out, err := child(time.Now().Add(time.Minute)); err != nil {
		t.Fatalf("fresh module: %v\n%s", err, out)
	}
}
