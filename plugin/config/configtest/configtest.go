// Package configtest holds the check every configuration-refusal test shares.
package configtest

import (
	"strings"
	"testing"
)

// WantProblems fails t unless the configuration was refused (probs is not empty) with a
// problem containing each of want (a JSON path and its message).
func WantProblems(t testing.TB, probs []string, want ...string) {
	t.Helper()
	got := strings.Join(probs, "\n")
	if len(probs) == 0 {
		t.Fatalf("configuration accepted, want %q", want)
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("problems lack %q; got:\n%s", w, got)
		}
	}
}
