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

// isJSONObject reports whether s is one valid JSON value that is an object.
//
// Envoy parses tokens with protobuf's JSON parser, which refuses what gjson lets through:
// strings that are not UTF-8 and \u escapes that are unpaired surrogates. Refusing them too
// keeps "Jwt header/payload is an invalid JSON" where Envoy says it, and keeps such bytes out
// of the headers the filter writes.
func isJSONObject(s string) bool {
	return utf8.ValidString(s) && gjson.Valid(s) && gjson.Parse(s).IsObject() && surrogatesPaired(s)
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
