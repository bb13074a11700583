package verifier

import (
	"strconv"
	"strings"
	"time"
)

// ValidateTime checks exp and nbf as jwt_verify_lib's verifyTimeConstraint
// does, in whole Unix seconds:
//
//   - nbf: now + skew < nbf is ErrNotYetValid;
//   - exp: now > exp + skew is ErrExpired (a token is still valid during the
//     second exp + skew itself);
//   - requireExp and no exp is ErrMissingExpiration (Envoy require_expiration);
//   - maxLifetime > 0: the token must have exp (else ErrMissingExpiration) and
//     exp - iat, or exp - now when there is no iat, must not exceed
//     maxLifetime (else ErrLifetime).
//
// A claim that is 0 counts as absent, as in jwt_verify_lib. A negative skew
// is taken as 0. Sums saturate, so a huge exp cannot wrap around.
func (t *Token) ValidateTime(now time.Time, skew time.Duration, requireExp bool, maxLifetime time.Duration) error {
	n := now.Unix()
	s := int64(skew / time.Second)
	if s < 0 {
		s = 0
	}
	if t.NotBefore > 0 && addSat(n, s) < t.NotBefore {
		return wrap(ErrNotYetValid, "", nil)
	}
	if t.ExpiresAt > 0 && n > addSat(t.ExpiresAt, s) {
		return wrap(ErrExpired, "", nil)
	}
	if t.ExpiresAt == 0 && (requireExp || maxLifetime > 0) {
		return wrap(ErrMissingExpiration, "", nil)
	}
	if maxLifetime > 0 {
		start := t.IssuedAt
		if start == 0 {
			start = n
		}
		// Both are in [0, 2^63-1] (n possibly negative for clocks before
		// 1970, then the difference is only larger), so compare carefully.
		maxSec := int64(maxLifetime / time.Second)
		if start < t.ExpiresAt && t.ExpiresAt-start > maxSec {
			return wrap(ErrLifetime, "lifetime "+strconv.FormatInt(t.ExpiresAt-start, 10)+"s exceeds "+strconv.FormatInt(maxSec, 10)+"s", nil)
		}
	}
	return nil
}

// addSat adds a non-negative b to a without overflowing.
func addSat(a, b int64) int64 {
	if a > 0 && b > 1<<63-1-a {
		return 1<<63 - 1
	}
	return a + b
}

// HasAudience reports whether allowed is empty or one of the token's
// audiences matches one of allowed. As jwt_verify_lib's CheckAudience does,
// both sides are compared without an "http://" or "https://" prefix and
// without one trailing "/" (so "https://api.example.com/" matches
// "http://api.example.com"). Otherwise the comparison is exact and
// case-sensitive (RFC 7519 §4.1.3).
func (t *Token) HasAudience(allowed []string) bool {
	if len(allowed) == 0 {
		return true
	}
	for _, a := range t.Audiences {
		a = NormalizeAudience(a)
		for _, w := range allowed {
			if NormalizeAudience(w) == a {
				return true
			}
		}
	}
	return false
}

// NormalizeAudience strips one "http://" or "https://" prefix and one
// trailing "/" (jwt_verify_lib check_audience.cc sanitizeAudience). It
// returns a substring and never allocates; a filter may use it to normalise
// its configured audiences once.
func NormalizeAudience(aud string) string {
	if s, ok := strings.CutPrefix(aud, "http://"); ok {
		aud = s
	} else if s, ok := strings.CutPrefix(aud, "https://"); ok {
		aud = s
	}
	return strings.TrimSuffix(aud, "/")
}
