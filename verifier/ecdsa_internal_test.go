package verifier

import (
	"bytes"
	"encoding/asn1"
	"math/big"
	"testing"
)

// TestASN1SignatureMatchesEncodingASN1 checks the hand-written DER encoder
// of (r, s) against encoding/asn1 on the edge cases: leading zero octets to
// trim, a high bit that needs a 0x00 prefix, and P-521 sizes whose SEQUENCE
// needs a two-octet length.
func TestASN1SignatureMatchesEncodingASN1(t *testing.T) {
	pad := func(size int, b ...byte) []byte {
		out := make([]byte, size)
		copy(out[size-len(b):], b)
		return out
	}
	full := func(size int, first byte) []byte {
		out := bytes.Repeat([]byte{0x5a}, size)
		out[0] = first
		return out
	}
	tests := []struct {
		name string
		r, s []byte
	}{
		{"one and one", pad(32, 1), pad(32, 1)},
		{"high bit", full(32, 0xff), full(32, 0x80)},
		{"no high bit", full(32, 0x7f), full(32, 0x01)},
		{"leading zeros", pad(32, 0x80, 0x01), pad(32, 0x00, 0x7f)},
		{"P-384 mixed", full(48, 0xc0), pad(48, 0x12, 0x34)},
		{"P-521 full", full(66, 0x01), full(66, 0x01)},
		{"P-521 short", pad(66, 0xff, 0xff), full(66, 0x01)},
		{"P-521 top octet zero", append([]byte{0}, full(65, 0xff)...), full(66, 0x01)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(tc.r), new(big.Int).SetBytes(tc.s)})
			if err != nil {
				t.Fatal(err)
			}
			if got := asn1Signature(nil, tc.r, tc.s); !bytes.Equal(got, want) {
				t.Fatalf("got  %x\nwant %x", got, want)
			}
		})
	}
}

func TestScalarInRange(t *testing.T) {
	n := []byte{0x10, 0x00}
	tests := []struct {
		v    []byte
		want bool
	}{
		{[]byte{0x00, 0x00}, false},
		{[]byte{0x00, 0x01}, true},
		{[]byte{0x0f, 0xff}, true},
		{[]byte{0x10, 0x00}, false},
		{[]byte{0xff, 0xff}, false},
		{[]byte{0x01}, false},
	}
	for _, tc := range tests {
		if got := scalarInRange(tc.v, n); got != tc.want {
			t.Errorf("scalarInRange(%x) = %v, want %v", tc.v, got, tc.want)
		}
	}
}
