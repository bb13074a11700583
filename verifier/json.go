package verifier

import "github.com/tidwall/gjson"

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
func isJSONObject(s string) bool {
	return gjson.Valid(s) && gjson.Parse(s).IsObject()
}
