package oauth_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/oauth"
)

func TestTypMatches(t *testing.T) {
	for _, tc := range []struct {
		typ, want string
		ok        bool
	}{
		{"at+jwt", "at+jwt", true},
		{"AT+JWT", "application/at+jwt", true},
		{"application/at+jwt", "at+jwt", true},
		{"Application/AT+jwt", "application/at+jwt", true},
		{"dpop+jwt", "dpop+jwt", true},
		{"JWT", "at+jwt", false},
		{"application/jwt", "at+jwt", false},
		{"text/at+jwt", "at+jwt", false},
		{"", "at+jwt", false},
		{"at+jwt; charset=utf-8", "at+jwt", false},
		{"application/", "application/", true},
	} {
		if got := oauth.TypMatches(tc.typ, tc.want); got != tc.ok {
			t.Errorf("TypMatches(%q, %q) = %v", tc.typ, tc.want, got)
		}
	}
	if oauth.TypMatches(strings.Repeat("a", oauth.MaxTypBytes+1), strings.Repeat("a", oauth.MaxTypBytes+1)) {
		t.Error("an over-long typ matched")
	}
	accepted := []string{"at+jwt", "application/at+jwt"}
	if err := oauth.CheckTyp("at+JWT", true, accepted); err != nil {
		t.Error(err)
	}
	for _, typ := range []string{"JWT", ""} {
		if err := oauth.CheckTyp(typ, typ != "", accepted); !errors.Is(err, oauth.ErrInvalidToken) {
			t.Errorf("typ %q: err = %v", typ, err)
		}
	}
}

func TestStepUp(t *testing.T) {
	now := time.Unix(testNowUnix, 0)
	s, err := oauth.NewStepUp([]string{"urn:example:mfa", "phr"}, 300*time.Second, true, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	at := func(d int64) string { return `,"auth_time":` + itoa(testNowUnix-d) }
	for claims, want := range map[string]error{
		`{"acr":"phr"` + at(300) + `}`:            nil,
		`{"acr":"urn:example:mfa"` + at(0) + `}`:  nil,
		`{"acr":"phr"` + at(-10) + `}`:            nil,
		`{"acr":"pwd"` + at(0) + `}`:              oauth.ErrAuthContext,
		`{"acr":["phr"]` + at(0) + `}`:            oauth.ErrAuthContext,
		`{"auth_time":` + itoa(testNowUnix) + `}`: oauth.ErrAuthContext,
		`{"acr":"phr"` + at(301) + `}`:            oauth.ErrAuthTooOld,
		`{"acr":"phr"` + at(-11) + `}`:            oauth.ErrAuthTooOld,
		`{"acr":"phr"}`:                           oauth.ErrAuthTooOld,
		`{"acr":"phr","auth_time":"1767225600"}`:  oauth.ErrAuthTooOld,
		`{"acr":"phr","auth_time":-1}`:            oauth.ErrAuthTooOld,
	} {
		err := s.Check(gjson.Parse(claims), now)
		if !errors.Is(err, want) || (want != nil && !errors.Is(err, oauth.ErrInsufficientUserAuthentication)) {
			t.Errorf("%s: err = %v, want %v", claims, err, want)
		}
	}
	got := oauth.Challenge("Bearer", append([][2]string{{"error", "insufficient_user_authentication"}}, s.ChallengeParams()...)...)
	if want := `Bearer error="insufficient_user_authentication", acr_values="urn:example:mfa phr", max_age="300"`; got != want {
		t.Errorf("challenge = %s", got)
	}
	// max_age alone; max_age 0 means "authenticated just now".
	s0, _ := oauth.NewStepUp(nil, 0, true, 0)
	if err := s0.Check(gjson.Parse(`{"auth_time":`+itoa(testNowUnix-1)+`}`), now); !errors.Is(err, oauth.ErrAuthTooOld) {
		t.Errorf("max_age 0: err = %v", err)
	}
	for _, bad := range [][]string{{""}, {"a b"}, {`a"`}, {"\x01"}} {
		if _, err := oauth.NewStepUp(bad, 0, false, 0); err == nil {
			t.Errorf("acr_values %q accepted", bad)
		}
	}
	if _, err := oauth.NewStepUp(nil, -time.Second, true, 0); err == nil {
		t.Error("negative max_age accepted")
	}
	if empty, _ := oauth.NewStepUp(nil, 0, false, 0); !empty.Empty() || empty.Check(gjson.Parse(`{}`), now) != nil {
		t.Error("an empty step-up requires something")
	}
}

func itoa(n int64) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestCertificateBinding(t *testing.T) {
	der := []byte("stand-in for a certificate's DER")
	sum := sha256.Sum256(der)
	hexDigest := hex.EncodeToString(sum[:])
	x5t := b64.EncodeToString(sum[:])
	if got, err := oauth.CertificateThumbprint(strings.ToUpper(hexDigest)); err != nil || got != x5t {
		t.Fatalf("CertificateThumbprint = %s, %v; want %s", got, err, x5t)
	}
	bound := gjson.Parse(`{"cnf":{"x5t#S256":"` + x5t + `"}}`)
	if err := oauth.CheckCertificateBinding(bound, hexDigest, true); err != nil {
		t.Fatalf("matching certificate refused: %v", err)
	}
	other := sha256.Sum256([]byte("another certificate"))
	for name, tc := range map[string]struct {
		claims  string
		digest  string
		present bool
		want    error
	}{
		"other certificate": {bound.Raw, hex.EncodeToString(other[:]), true, oauth.ErrCertBinding},
		"no certificate":    {bound.Raw, "", false, oauth.ErrNoCertificate},
		"unbound token":     {`{"sub":"x"}`, hexDigest, true, oauth.ErrCertBinding},
		"jkt only":          {`{"cnf":{"jkt":"` + x5t + `"}}`, hexDigest, true, oauth.ErrCertBinding},
		"x5t not a string":  {`{"cnf":{"x5t#S256":1}}`, hexDigest, true, oauth.ErrCertBinding},
		"bad digest":        {bound.Raw, hexDigest[:63] + "g", true, oauth.ErrCertBinding},
		"short digest":      {bound.Raw, hexDigest[:62], true, oauth.ErrCertBinding},
	} {
		err := oauth.CheckCertificateBinding(gjson.Parse(tc.claims), tc.digest, tc.present)
		if !errors.Is(err, tc.want) || !errors.Is(err, oauth.ErrInvalidToken) {
			t.Errorf("%s: err = %v, want %v", name, err, tc.want)
		}
	}
}

func TestChallenge(t *testing.T) {
	got := oauth.Challenge("DPoP", [2]string{"realm", `a"b\c` + "\r\n"}, [2]string{"error", "invalid_dpop_proof"}, [2]string{"skipped", ""}, [2]string{"algs", "ES256 EdDSA"})
	if want := `DPoP realm="a\"b\\c", error="invalid_dpop_proof", algs="ES256 EdDSA"`; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got := oauth.Challenge("Bearer"); got != "Bearer" {
		t.Fatalf("no params: %q", got)
	}
}
