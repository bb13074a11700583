package verifier

// Strict base64url (RFC 4648 §5) without padding, as RFC 7515 §2 requires.
//
// encoding/base64's RawURLEncoding.Strict() is close but still skips '\r' and
// '\n' anywhere in the input, so two different strings would decode to the
// same bytes. This decoder accepts exactly one spelling per byte string:
// alphabet characters only, no '=', a length that is not 1 mod 4, and zero
// unused bits in the last character.

// b64Table maps a byte to its 6-bit value, or 0xff for bytes outside the
// base64url alphabet. A string constant is immutable, unlike a table variable.
const b64Table = "" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x3e\xff\xff" +
	"\x34\x35\x36\x37\x38\x39\x3a\x3b\x3c\x3d\xff\xff\xff\xff\xff\xff" +
	"\xff\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e" +
	"\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\xff\xff\xff\xff\x3f" +
	"\xff\x1a\x1b\x1c\x1d\x1e\x1f\x20\x21\x22\x23\x24\x25\x26\x27\x28" +
	"\x29\x2a\x2b\x2c\x2d\x2e\x2f\x30\x31\x32\x33\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" +
	"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"

// b64DecodedLen returns the decoded length of n base64url characters, or
// false when no unpadded encoding has that length.
func b64DecodedLen(n int) (int, bool) {
	switch n % 4 {
	case 0:
		return n / 4 * 3, true
	case 2:
		return n/4*3 + 1, true
	case 3:
		return n/4*3 + 2, true
	}
	return 0, false
}

// b64Decode decodes src into dst, which must be exactly b64DecodedLen(len(src))
// long, and reports whether src is canonical unpadded base64url.
func b64Decode(dst []byte, src string) bool {
	n := len(src)
	if want, ok := b64DecodedLen(n); !ok || len(dst) != want {
		return false
	}
	di, si := 0, 0
	for ; si+4 <= n; si += 4 {
		a, b, c, d := b64Table[src[si]], b64Table[src[si+1]], b64Table[src[si+2]], b64Table[src[si+3]]
		// Valid values are < 64, so any 0xff sets one of the top two bits.
		if (a|b|c|d)&0xc0 != 0 {
			return false
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		dst[di], dst[di+1], dst[di+2] = byte(v>>16), byte(v>>8), byte(v)
		di += 3
	}
	switch n - si {
	case 2:
		a, b := b64Table[src[si]], b64Table[src[si+1]]
		// Only the top 2 bits of b carry data; the other 4 must be zero.
		if (a|b)&0xc0 != 0 || b&0x0f != 0 {
			return false
		}
		dst[di] = a<<2 | b>>4
	case 3:
		a, b, c := b64Table[src[si]], b64Table[src[si+1]], b64Table[src[si+2]]
		if (a|b|c)&0xc0 != 0 || c&0x03 != 0 {
			return false
		}
		v := uint32(a)<<12 | uint32(b)<<6 | uint32(c)
		dst[di], dst[di+1] = byte(v>>10), byte(v>>2)
	}
	return true
}

// b64DecodeString allocates and decodes; for keys, where speed matters less.
func b64DecodeString(src string) ([]byte, bool) {
	n, ok := b64DecodedLen(len(src))
	if !ok {
		return nil, false
	}
	dst := make([]byte, n)
	if !b64Decode(dst, src) {
		return nil, false
	}
	return dst, true
}
