package oauth

import "strings"

// MaxTypBytes bounds a typ value compared here.
const MaxTypBytes = 256

// TypMatches reports whether a JOSE typ header value is the media type want (RFC 7515 §4.1.9):
// media types compare case-insensitively (RFC 2045 §5.1), and a value without "/" stands for
// "application/" followed by it, on either side. "at+jwt", "AT+JWT" and "application/at+jwt"
// are one type. Parameters are not stripped: a typ with parameters matches only a want written
// with the same ones.
func TypMatches(typ, want string) bool {
	if len(typ) > MaxTypBytes || typ == "" {
		return false
	}
	return strings.EqualFold(withoutApplication(typ), withoutApplication(want))
}

// withoutApplication drops an "application/" prefix (in any case) when no other "/" follows:
// the short form both sides are compared in, without allocating.
func withoutApplication(t string) string {
	const app = "application/"
	if len(t) > len(app) && strings.EqualFold(t[:len(app)], app) && strings.IndexByte(t[len(app):], '/') < 0 {
		return t[len(app):]
	}
	return t
}

// TypOneOf reports whether typ matches one of accepted ([TypMatches]).
func TypOneOf(typ string, accepted []string) bool {
	for _, a := range accepted {
		if TypMatches(typ, a) {
			return true
		}
	}
	return false
}

// CheckTyp is the RFC 9068 §4 check (x_require_typ): the token's typ header is one of accepted.
// A missing or non-string typ fails. Errors wrap [ErrInvalidToken].
func CheckTyp(typ string, present bool, accepted []string) error {
	if !present || !TypOneOf(typ, accepted) {
		return ErrTokenType
	}
	return nil
}
