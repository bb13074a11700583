package verifier

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// Internal test: the decoder is unexported and on the hot path, so it is
// checked directly, including against encoding/base64 on random inputs.

func TestB64DecodeAcceptsCanonicalInput(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Zg", "f"},
		{"Zm8", "fo"},
		{"Zm9v", "foo"},
		{"Zm9vYg", "foob"},
		{"Zm9vYmE", "fooba"},
		{"Zm9vYmFy", "foobar"},
		{"-_8", "\xfb\xff"},
	}
	for _, tc := range tests {
		got, ok := b64DecodeString(tc.in)
		if !ok || string(got) != tc.want {
			t.Errorf("b64DecodeString(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

func TestB64DecodeRefusesNonCanonicalInput(t *testing.T) {
	tests := []struct{ name, in string }{
		{"padding", "Zg=="},
		{"single padding", "Zm8="},
		{"length 1 mod 4", "Zm9vY"},
		{"trailing bits set after 2 chars", "Zh"},
		{"trailing bits set after 3 chars", "Zm9"},
		{"standard alphabet plus", "+/8"},
		{"standard alphabet slash", "ab/d"},
		{"newline", "Zm9v\nYmFy"},
		{"carriage return", "Zm9v\rYmFy"},
		{"space", "Zm9v YmFy"},
		{"NUL", "Zm9v\x00mFy"},
		{"high byte", "Zm9v\xffmFy"},
		{"dot", "Zm9v.mFy"},
	}
	for _, tc := range tests {
		if got, ok := b64DecodeString(tc.in); ok {
			t.Errorf("%s: b64DecodeString(%q) = %q, want refusal", tc.name, tc.in, got)
		}
	}
}

func TestB64DecodeMatchesEncodingBase64(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 200; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		enc := base64.RawURLEncoding.EncodeToString(b)
		got, ok := b64DecodeString(enc)
		if !ok || !bytes.Equal(got, b) {
			t.Fatalf("len %d: round trip failed", n)
		}
	}
}

// TestB64DecodeAgreesWithStrictDecoderOnNoise feeds random strings over a
// small alphabet to both decoders; they must agree except where
// encoding/base64 ignores CR and LF.
func TestB64DecodeAgreesWithStrictDecoderOnNoise(t *testing.T) {
	const alphabet = "AQgw-_=.+/ \n"
	strict := base64.RawURLEncoding.Strict()
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		b := make([]byte, r.IntN(9))
		hasNL := false
		for j := range b {
			b[j] = alphabet[r.IntN(len(alphabet))]
			hasNL = hasNL || b[j] == '\n'
		}
		want, err := strict.DecodeString(string(b))
		got, ok := b64DecodeString(string(b))
		if hasNL {
			if ok {
				t.Fatalf("%q accepted despite a newline", b)
			}
			continue
		}
		if ok != (err == nil) || (ok && !bytes.Equal(got, want)) {
			t.Fatalf("%q: ours %q %v, encoding/base64 %q %v", b, got, ok, want, err)
		}
	}
}

func TestB64DecodeRefusesWrongDestinationLength(t *testing.T) {
	if b64Decode(make([]byte, 2), "Zm9v") {
		t.Fatal("accepted a destination of the wrong length")
	}
}
