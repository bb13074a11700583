package host_test

import (
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/wasmbuild"
)

// TestShippedModuleIsNeverStale: the host tests that run the shipped module refuse a
// JWT_WASM older than the module's source ("run make build-wasm") and run it once it is
// newer. They run in a child process of this test binary, which loads its module in TestMain.
func TestShippedModuleIsNeverStale(t *testing.T) {
	child := wasmbuild.DatedCopy(t, shippedPath(), "-test.run=^TestShippedModuleLinksUnderEveryProfile$", "-test.count=1")
	if out, err := child(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil || !strings.Contains(out, "run make build-wasm") {
		t.Fatalf("stale module: %v\n%s", err, out)
	}
	if out, err := child(time.Now().Add(time.Minute)); err != nil {
		t.Fatalf("fresh module: %v\n%s", err, out)
	}
}
