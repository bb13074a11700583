package host

import (
	"testing"
)

func TestPairsRoundTrip(t *testing.T) {
	cases := [][][2]string{
		{},
		{{":path", "/"}},
		{{"a", ""}, {"", "b"}, {"x-long", string(make([]byte, 1000))}},
	}
	for _, pairs := range cases {
		got := decodePairs(encodePairs(pairs))
		if len(got) != len(pairs) {
			t.Fatalf("decode(encode(%q)) = %q", pairs, got)
		}
		for i := range got {
			if got[i] != pairs[i] {
				t.Errorf("pair %d: got %q, want %q", i, got[i], pairs[i])
			}
		}
	}
}

// Malformed pairs decode to nothing, as PairsUtil::toPairs returns an empty list.
func TestMalformedPairsDecodeToNothing(t *testing.T) {
	good := encodePairs([][2]string{{"k", "v"}})
	cases := map[string][]byte{
		"empty":            {},
		"short count":      {1, 0},
		"count too large":  {0xff, 0xff, 0, 0},
		"truncated":        good[:len(good)-1],
		"trailing garbage": append(append([]byte(nil), good...), 0),
		"missing NUL":      append(append([]byte(nil), good[:len(good)-1]...), 'x'),
	}
	for name, b := range cases {
		if got := decodePairs(b); len(got) != 0 {
			t.Errorf("%s: decoded %q, want nothing", name, got)
		}
	}
}

func FuzzDecodePairs(f *testing.F) {
	f.Add(encodePairs([][2]string{{"a", "b"}, {"c", "d"}}))
	f.Add([]byte{1, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		pairs := decodePairs(b) // must not panic
		if pairs != nil && string(encodePairs(pairs)) != string(b) {
			t.Fatalf("decoded %q from bytes that do not re-encode to the input", pairs)
		}
	})
}
