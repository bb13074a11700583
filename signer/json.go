package signer

import (
	"encoding/base64"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func appendB64(dst, src []byte) []byte { return base64.RawURLEncoding.AppendEncode(dst, src) }

// MaxNesting bounds how deep objects and arrays may nest in a body to sign: JSON parsing
// recurses once per level, and a body of a million '[' must cost nothing but its refusal.
const MaxNesting = 64

// nestingWithin reports whether the arrays and objects of JSON text b nest at most max deep.
// Brackets inside strings do not count. b need not be valid JSON: this is a bound, checked
// before any parser sees it.
func nestingWithin(b []byte, max int) bool {
	depth, inString := 0, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > max {
				return false
			}
		case '}', ']':
			depth--
		}
	}
	return true
}
