package verifier_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

func fxClaims(t testing.TB, payload string) *verifier.Token {
	t.Helper()
	return fxParse(t, fxUnsigned(fxHS, payload))
}

func TestValidateTime(t *testing.T) {
	const now = 1700000000
	skew := 60 * time.Second
	tests := []struct {
		name        string
		payload     string
		skew        time.Duration
		requireExp  bool
		maxLifetime time.Duration
		want        error
	}{
		{"no time claims", `{}`, skew, false, 0, nil},
		{"valid window", `{"nbf":1699999000,"exp":1700001000}`, skew, false, 0, nil},
		// exp: now > exp + skew is expired (jwt_verify_lib verifyTimeConstraint).
		{"exp plus skew equals now", `{"exp":1699999940}`, skew, false, 0, nil},
		{"exp plus skew one second before now", `{"exp":1699999939}`, skew, false, 0, verifier.ErrExpired},
		{"exp equals now without skew", `{"exp":1700000000}`, 0, false, 0, nil},
		{"exp one second ago without skew", `{"exp":1699999999}`, 0, false, 0, verifier.ErrExpired},
		// nbf: now + skew < nbf is not yet valid.
		{"nbf equals now plus skew", `{"nbf":1700000060}`, skew, false, 0, nil},
		{"nbf one second after now plus skew", `{"nbf":1700000061}`, skew, false, 0, verifier.ErrNotYetValid},
		{"nbf in the future without skew", `{"nbf":1700000001}`, 0, false, 0, verifier.ErrNotYetValid},
		{"nbf checked before exp", `{"nbf":1800000000,"exp":1600000000}`, skew, false, 0, verifier.ErrNotYetValid},
		{"exp zero is absent", `{"exp":0}`, skew, false, 0, nil},
		{"negative skew is zero", `{"exp":1699999999}`, -time.Hour, false, 0, verifier.ErrExpired},
		{"sub-second skew truncates", `{"exp":1699999999}`, 1500 * time.Millisecond, false, 0, nil},
		{"huge exp does not wrap", `{"exp":9223372036854775807}`, 1 << 62, false, 0, nil},
		{"huge nbf does not wrap", `{"nbf":9223372036854775807}`, 1 << 62, false, 0, verifier.ErrNotYetValid},
		{"maximal skew", `{"nbf":9000000000}`, time.Duration(1<<63 - 1), false, 0, nil},
		{"require exp present", `{"exp":1700001000}`, skew, true, 0, nil},
		{"require exp missing", `{}`, skew, true, 0, verifier.ErrMissingExpiration},
		{"require exp zero", `{"exp":0}`, skew, true, 0, verifier.ErrMissingExpiration},
		{"expired before missing-exp matters", `{"exp":1}`, skew, true, 0, verifier.ErrExpired},
		// maxLifetime: exp - iat, or exp - now without iat.
		{"lifetime within max (iat)", `{"iat":1699999000,"exp":1700002600}`, skew, false, time.Hour, nil},
		{"lifetime equals max (iat)", `{"iat":1699999000,"exp":1700002600}`, skew, false, 3600 * time.Second, nil},
		{"lifetime over max (iat)", `{"iat":1699999000,"exp":1700002601}`, skew, false, time.Hour, verifier.ErrLifetime},
		{"lifetime over max (now)", `{"exp":1700003601}`, skew, false, time.Hour, verifier.ErrLifetime},
		{"lifetime equals max (now)", `{"exp":1700003600}`, skew, false, time.Hour, nil},
		{"lifetime fractional max", `{"exp":1700003601}`, skew, false, time.Hour + 500*time.Millisecond, verifier.ErrLifetime},
		{"lifetime needs exp", `{"iat":1699999000}`, skew, false, time.Hour, verifier.ErrMissingExpiration},
		{"lifetime with iat after exp", `{"iat":1700000500,"exp":1700000400}`, skew, false, time.Hour, nil},
		{"lifetime huge exp", `{"iat":1,"exp":9223372036854775807}`, skew, false, time.Hour, verifier.ErrLifetime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := fxClaims(t, tc.payload)
			err := tok.ValidateTime(time.Unix(now, 999_000_000), tc.skew, tc.requireExp, tc.maxLifetime)
			fxWantErr(t, err, tc.want)
		})
	}
}

// TestHasAudienceNormalisation follows jwt_verify_lib check_audience_test.cc:
// each configured spelling matches every token spelling.
func TestHasAudienceNormalisation(t *testing.T) {
	spellings := []string{"example_service", "http://example_service", "https://example_service", "example_service/", "http://example_service/", "https://example_service/"}
	for _, cfg := range spellings {
		for _, aud := range spellings {
			tok := fxClaims(t, `{"aud":"`+aud+`"}`)
			if !tok.HasAudience([]string{cfg}) {
				t.Errorf("config %q does not match token %q", cfg, aud)
			}
		}
	}
}

func TestHasAudience(t *testing.T) {
	tests := []struct {
		name    string
		aud     string // JSON, "" for absent
		allowed []string
		want    bool
	}{
		{"nothing configured", `["foo","bar"]`, nil, true},
		{"nothing configured, no aud", ``, nil, true},
		{"any match", `"quux"`, []string{"bar", "quux", "foo"}, true},
		{"one of several token audiences", `["baz","quux"]`, []string{"bar", "quux", "foo"}, true},
		{"no match", `["baz"]`, []string{"bar"}, false},
		{"token without aud", ``, []string{"bar"}, false},
		{"token with empty aud list", `[]`, []string{"bar"}, false},
		{"case-sensitive", `"API"`, []string{"api"}, false},
		{"only one trailing slash removed", `"api//"`, []string{"api"}, false},
		{"only http and https schemes", `"ftp://api"`, []string{"api"}, false},
		{"scheme is case-sensitive", `"HTTPS://api"`, []string{"api"}, false},
		{"path kept", `"https://api.example.com/v1"`, []string{"api.example.com"}, false},
		{"bare scheme is empty", `"http://"`, []string{"https://"}, true},
		{"empty audience", `""`, []string{""}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			payload := `{}`
			if tc.aud != "" {
				payload = `{"aud":` + tc.aud + `}`
			}
			if got := fxClaims(t, payload).HasAudience(tc.allowed); got != tc.want {
				t.Fatalf("HasAudience(%q) = %v, want %v", tc.allowed, got, tc.want)
			}
		})
	}
}

func TestNormalizeAudience(t *testing.T) {
	tests := map[string]string{
		"":                        "",
		"api":                     "api",
		"api/":                    "api",
		"http://api":              "api",
		"https://api/":            "api",
		"https://api.example/v1/": "api.example/v1",
		"http:///":                "",
		"https://http://api":      "http://api",
		"/":                       "",
	}
	for in, want := range tests {
		if got := verifier.NormalizeAudience(in); got != want {
			t.Errorf("NormalizeAudience(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestValidateTimeUsesWholeSeconds: the clock's fraction never decides.
func TestValidateTimeUsesWholeSeconds(t *testing.T) {
	for ns := 0; ns < 1_000_000_000; ns += 250_000_000 {
		tok := fxClaims(t, `{"exp":1700000000}`)
		if err := tok.ValidateTime(time.Unix(1700000000, int64(ns)), 0, false, 0); err != nil {
			t.Fatalf("+%sns: %v", strconv.Itoa(ns), err)
		}
	}
}
