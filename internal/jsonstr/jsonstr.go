// Package jsonstr writes JSON string literals without encoding/json, whose reflection would
// add about half a megabyte to the wasm module (BENCHMARKS.md, module size). The output is
// byte for byte what encoding/json.Marshal writes for a string.
package jsonstr

import "unicode/utf8"

// Append appends s as a JSON string literal. Invalid UTF-8 becomes U+FFFD; control
// characters, quote and backslash are escaped; so are <, > and & (harmless, and the output
// may be embedded in HTML by someone).
func Append(b []byte, s string) []byte {
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

// Quote is s as a JSON string literal.
func Quote(s string) string { return string(Append(make([]byte, 0, len(s)+2), s)) }
