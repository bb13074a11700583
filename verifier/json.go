package verifier

import (
	"unicode/utf8"

	"github.com/tidwall/gjson"
)

// Strict JSON on top of gjson. gjson.Valid checks syntax; what it does not do
// is refuse duplicate member names, and gjson.Get returns the FIRST of two
// equal names while encoding/json (and most upstream services) keep the LAST.
// A token whose "alg" or "exp" means one thing to us and another to the
// application behind the proxy is an attack, so duplicates are refused in the
// header, the payload and each JWK (go-jose does the same).

// smallMembers is how many names memberSet compares pairwise before it
// switches to a map; headers and typical payloads stay below it.
const smallMembers = 32

// memberSet detects a repeated member name in one JSON object.
type memberSet struct {
	small [smallMembers]string
	n     int
	big   map[string]struct{}
}

// add records name and reports false if it was already present. Names are
// compared after unescaping (gjson's key.Str), so "al\u0067" equals "alg".
func (m *memberSet) add(name string) bool {
	if m.big != nil {
		if _, dup := m.big[name]; dup {
			return false
		}
		m.big[name] = struct{}{}
		return true
	}
	for _, s := range m.small[:m.n] {
		if s == name {
			return false
		}
	}
	if m.n < smallMembers {
		m.small[m.n] = name
		m.n++
		return true
	}
	// Many members: pairwise comparison would be quadratic in attacker input.
	m.big = make(map[string]struct{}, 2*smallMembers)
	for _, s := range m.small {
		m.big[s] = struct{}{}
	}
	m.big[name] = struct{}{}
	return true
}

// MaxJSONDepth is the deepest nesting of arrays and objects accepted in any JSON the filter
// reads: token header and payload, JWKS, configuration. The outermost object or array is at
// depth 1. Protobuf's JSON parser, with which Envoy reads tokens (into a Struct), JWKS and its
// configuration, stops at a recursion depth of 100 too.
//
// gjson validates by recursive descent, one Go frame per level: a token nested 300,000 deep
// took seconds and then overflowed the Wasm VM's stack. So every JSON text is first checked
// by JSONDepthWithin, a linear scan without recursion, and only then handed to gjson.
const MaxJSONDepth = 100

// JSONDepthWithin reports whether no array or object in data is nested deeper than max (the
// outermost at depth 1). It is one pass over the bytes, with no recursion and no allocation,
// whatever data holds. Brackets inside strings do not count. A closing bracket without its
// opening one reports false too: such text is not JSON either.
//
// On text that is not valid JSON the answer still bounds the depth a recursive-descent
// validator (gjson.Valid) reaches: up to its first error, the text is a valid prefix, which
// this scan reads the same way.
func JSONDepthWithin[T ~string | ~[]byte](data T, max int) bool {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			// Skip the string: to the next quote that no backslash escapes.
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			if depth++; depth > max {
				return false
			}
		case ']', '}':
			if depth--; depth < 0 {
				return false
			}
		}
	}
	return true
}

// ValidJSON reports whether data is one valid JSON value nested at most MaxJSONDepth deep. It
// is the check to use before any other gjson call on untrusted or configured JSON.
func ValidJSON[T ~string | ~[]byte](data T) bool {
	if !JSONDepthWithin(data, MaxJSONDepth) {
		return false
	}
	switch d := any(data).(type) {
	case string:
		return gjson.Valid(d)
	case []byte:
		return gjson.ValidBytes(d)
	}
	return gjson.Valid(string(data))
}

// isJSONObject reports whether s is one valid JSON value that is an object, nested at most
// MaxJSONDepth deep.
//
// Envoy parses tokens with protobuf's JSON parser, which refuses what gjson lets through:
// strings that are not UTF-8 and \u escapes that are unpaired surrogates. Refusing them too
// keeps "Jwt header/payload is an invalid JSON" where Envoy says it, and keeps such bytes out
// of the headers the filter writes.
func isJSONObject(s string) bool {
	return utf8.ValidString(s) && ValidJSON(s) && gjson.Parse(s).IsObject() && surrogatesPaired(s)
}

// surrogatesPaired reports whether every \u escape of valid JSON s that encodes a UTF-16
// surrogate is a high surrogate directly followed by an escaped low one. In valid JSON a
// backslash only occurs inside strings and always starts an escape, so no string tracking
// is needed.
func surrogatesPaired(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		if s[i+1] != 'u' {
			i++ // a two-character escape such as \\ or \"
			continue
		}
		r := hex4(s[i+2 : i+6])
		i += 5
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return false // a low surrogate alone
		case r >= 0xD800 && r <= 0xDBFF:
			if i+6 >= len(s) || s[i+1] != '\\' || s[i+2] != 'u' {
				return false
			}
			if lo := hex4(s[i+3 : i+7]); lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 6
		}
	}
	return true
}

// hex4 decodes four hexadecimal digits that gjson.Valid has already checked.
func hex4(h string) rune {
	var r rune
	for i := 0; i < 4; i++ {
		c := rune(h[i])
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | c
	}
	return r
}
