package signer

import (
	"encoding/base64"
	"unicode/utf8"
)

// appendJSONString appends s as a JSON string literal. Invalid UTF-8 becomes U+FFFD; control
// characters, quote and backslash are escaped; so are <, > and & (harmless, and the output
// may be embedded in HTML by someone).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, `\ufffd`...)
		} else if r == '\u2028' || r == '\u2029' {
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

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
