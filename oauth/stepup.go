package oauth

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// MaxACRValues bounds acr_values.
const MaxACRValues = 32

// StepUp is the RFC 9470 part of a rule's x_authorize: the authentication context (acr) and
// its recency (auth_time) a request needs. Build it with [NewStepUp].
type StepUp struct {
	acr       []string
	maxAge    time.Duration // 0: no recency requirement
	hasMaxAge bool
	skew      time.Duration
	params    [][2]string // the challenge's acr_values and max_age
}

// NewStepUp checks acr_values (each a non-empty value without space, '"' or '\', since the
// challenge lists them space-separated in a quoted string) and max_age (>= 0; hasMaxAge false
// means none). skew tolerates an auth_time that is up to skew in the future.
func NewStepUp(acrValues []string, maxAge time.Duration, hasMaxAge bool, skew time.Duration) (*StepUp, error) {
	if len(acrValues) > MaxACRValues {
		return nil, errors.New("acr_values: at most " + strconv.Itoa(MaxACRValues) + " values")
	}
	for i, v := range acrValues {
		if v == "" || strings.ContainsAny(v, " \"\\") || !printableASCII(v) {
			return nil, errors.New("acr_values[" + strconv.Itoa(i) + `]: must be a non-empty printable ASCII value without space, '"' or '\'`)
		}
	}
	if hasMaxAge && maxAge < 0 {
		return nil, errors.New("max_age: must not be negative")
	}
	s := &StepUp{acr: append([]string(nil), acrValues...), maxAge: maxAge, hasMaxAge: hasMaxAge, skew: max(skew, 0)}
	if len(s.acr) > 0 {
		s.params = append(s.params, [2]string{"acr_values", strings.Join(s.acr, " ")})
	}
	if hasMaxAge {
		s.params = append(s.params, [2]string{"max_age", strconv.FormatInt(int64(maxAge/time.Second), 10)})
	}
	return s, nil
}

// Empty reports whether the step-up requires nothing.
func (s *StepUp) Empty() bool { return s == nil || (len(s.acr) == 0 && !s.hasMaxAge) }

// Check reports whether a verified token's claims meet the requirement: acr (a string) is one
// of acr_values, and auth_time (a JSON number of seconds) is no older than max_age and no more
// than the skew in the future. A token without auth_time does not meet max_age. Errors wrap
// [ErrInsufficientUserAuthentication].
func (s *StepUp) Check(claims gjson.Result, now time.Time) error {
	if s.Empty() {
		return nil
	}
	if len(s.acr) > 0 {
		acr := claims.Get("acr")
		ok := false
		if acr.Type == gjson.String {
			for _, v := range s.acr {
				if acr.Str == v {
					ok = true
					break
				}
			}
		}
		if !ok {
			return ErrAuthContext
		}
	}
	if s.hasMaxAge {
		at := claims.Get("auth_time")
		if at.Type != gjson.Number || math.IsNaN(at.Num) || at.Num < 0 || at.Num > math.MaxInt64/2 {
			return ErrAuthTooOld
		}
		t := int64(at.Num)
		n := now.Unix()
		if t > n+int64(s.skew/time.Second) || n-t > int64(s.maxAge/time.Second) {
			return ErrAuthTooOld
		}
	}
	return nil
}

// ChallengeParams are the RFC 9470 §3 parameters of the 401 challenge that asks for a step-up:
// acr_values (space-separated) and max_age (seconds), each only when configured. The caller
// adds error="insufficient_user_authentication".
func (s *StepUp) ChallengeParams() [][2]string { return s.params }

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
