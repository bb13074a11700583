package jsonstr

import (
	"encoding/json"
	"testing"
)

// The quoter must agree with encoding/json byte for byte: callers splice its output into
// documents that clients parse, and tests compare those documents as bytes.
func TestAppendMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr", "\x00\x01\x1f",
		"<script>&</script>", "\u2028\u2029", "é 日本 🎉", "bad \xff utf-8 \xc3", "\x7f"} {
		want, _ := json.Marshal(s)
		if got := Quote(s); got != string(want) {
			t.Errorf("Quote(%q) = %s, encoding/json writes %s", s, got, want)
		}
	}
}

// The filter's metadata and the signer splice Quote's output into documents: whatever the
// input, it must parse back to the same string (invalid UTF-8 aside).
func TestQuoteRoundTrips(t *testing.T) {
	for _, s := range []string{"a\"b\\c\n\x01é", "\x00\x1f\""} {
		var back string
		if err := json.Unmarshal([]byte(Quote(s)), &back); err != nil || back != s {
			t.Errorf("Quote(%q) = %s: parses back as %q, %v", s, Quote(s), back, err)
		}
	}
}

func FuzzAppend(f *testing.F) {
	f.Add("a\"b\\c\x00\u2028\xff")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := Quote(s); got != string(want) {
			t.Fatalf("Quote(%q) = %s, encoding/json writes %s", s, got, want)
		}
	})
}
