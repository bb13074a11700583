package verifier_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// fxUnsigned builds a token from raw header and payload JSON with a dummy
// signature ("sig"), for tests that stop at Parse.
func fxUnsigned(header, payload string) string {
	return fxB64s(header) + "." + fxB64s(payload) + ".c2ln"
}

const fxHS = `{"alg":"HS256"}`

func TestParseExtractsFields(t *testing.T) {
	header := `{"alg":"RS256","typ":"JWT","kid":"k1","x-extra":{"a":[1,2]}}`
	payload := `{"iss":"https://issuer.example","sub":"alice","aud":["a","b"],"exp":2000000000,"nbf":1000000000,"iat":1500000000,"jti":"id-1","scope":"read write","nested":{"n":7,"ok":true}}`
	token := fxUnsigned(header, payload)
	tok := fxParse(t, token)
	if tok.Raw != token || tok.Alg != verifier.RS256 || tok.KeyID != "k1" {
		t.Errorf("Raw/Alg/KeyID = %q %q %q", tok.Raw, tok.Alg, tok.KeyID)
	}
	if tok.Issuer != "https://issuer.example" || tok.Subject != "alice" {
		t.Errorf("Issuer/Subject = %q %q", tok.Issuer, tok.Subject)
	}
	if strings.Join(tok.Audiences, ",") != "a,b" {
		t.Errorf("Audiences = %q", tok.Audiences)
	}
	if tok.ExpiresAt != 2000000000 || tok.NotBefore != 1000000000 || tok.IssuedAt != 1500000000 {
		t.Errorf("exp/nbf/iat = %d %d %d", tok.ExpiresAt, tok.NotBefore, tok.IssuedAt)
	}
	if string(tok.Payload) != payload {
		t.Errorf("Payload = %s", tok.Payload)
	}
	if tok.Header.Get("typ").String() != "JWT" || tok.Header.Get("x-extra.a.1").Int() != 2 {
		t.Errorf("Header = %s", tok.Header.Raw)
	}
	if tok.Claims.Get("nested.n").Int() != 7 || !tok.Claims.Get("nested.ok").Bool() || tok.Claims.Get("scope").String() != "read write" {
		t.Errorf("Claims = %s", tok.Claims.Raw)
	}
}

func TestParseClaimsSurviveWritesToPayload(t *testing.T) {
	tok := fxParse(t, fxUnsigned(fxHS, `{"sub":"alice"}`))
	for i := range tok.Payload {
		tok.Payload[i] = 'x'
	}
	if got := tok.Claims.Get("sub").String(); got != "alice" {
		t.Fatalf("Claims changed with Payload: sub = %q", got)
	}
}

func TestParseOptionalFieldsAbsent(t *testing.T) {
	tok := fxParse(t, fxUnsigned(fxHS, `{}`))
	if tok.KeyID != "" || tok.Issuer != "" || tok.Subject != "" || tok.Audiences != nil ||
		tok.ExpiresAt != 0 || tok.NotBefore != 0 || tok.IssuedAt != 0 {
		t.Fatalf("unexpected fields: %+v", tok)
	}
}

func TestParseAudienceShapes(t *testing.T) {
	tests := []struct {
		aud  string
		want []string
		err  error
	}{
		{`"api"`, []string{"api"}, nil},
		{`""`, []string{""}, nil},
		{`["a"]`, []string{"a"}, nil},
		{`["a","b","c"]`, []string{"a", "b", "c"}, nil},
		{`[]`, nil, nil},
		{`["a",1]`, nil, verifier.ErrAudType},
		{`[["a"]]`, nil, verifier.ErrAudType},
		{`1`, nil, verifier.ErrAudType},
		{`null`, nil, verifier.ErrAudType},
		{`{"a":1}`, nil, verifier.ErrAudType},
		{`true`, nil, verifier.ErrAudType},
	}
	for _, tc := range tests {
		t.Run(tc.aud, func(t *testing.T) {
			tok, err := verifier.ParseUnverified(fxUnsigned(fxHS, `{"aud":`+tc.aud+`}`), verifier.Limits{})
			fxWantErr(t, err, tc.err)
			if err == nil && strings.Join(tok.Audiences, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("Audiences = %q, want %q", tok.Audiences, tc.want)
			}
		})
	}
}

func TestParseNumericDates(t *testing.T) {
	tests := []struct {
		name, value string
		want        int64
		err         error
		outOfRange  bool
	}{
		{"zero", `0`, 0, nil, false},
		{"negative zero", `-0`, 0, verifier.ErrExpType, true},
		{"typical", `1700000000`, 1700000000, nil, false},
		{"int64 max", `9223372036854775807`, 1<<63 - 1, nil, false},
		{"int64 max plus one", `9223372036854775808`, 0, verifier.ErrExpType, true},
		{"twenty digits", `18446744073709551616`, 0, verifier.ErrExpType, true},
		{"negative", `-1`, 0, verifier.ErrExpType, true},
		{"negative fraction", `-1.5`, 0, verifier.ErrExpType, true},
		// RFC 7519 NumericDate may be non-integer: truncated as jwt_verify_lib does.
		{"fraction", `1767225600.5`, 1767225600, nil, false},
		{"fraction just below the next second", `1767225600.999999`, 1767225600, nil, false},
		{"integral fraction", `1700000000.0`, 1700000000, nil, false},
		{"exponent", `1.7e9`, 1700000000, nil, false},
		{"exponent with fraction", `1.7000000005E+9`, 1700000000, nil, false},
		{"below one", `0.5`, 0, nil, false},
		{"underflow", `1e-400`, 0, nil, false},
		{"fraction at int64 max", `9223372036854775807.0`, 0, verifier.ErrExpType, true}, // 2^63 as a double
		{"exponent beyond int64", `9.3e18`, 0, verifier.ErrExpType, true},
		{"exponent within int64", `9.2e18`, 9200000000000000000, nil, false},
		{"negative exponent form", `-1e3`, 0, verifier.ErrExpType, true},
		{"negative zero fraction", `-0.0`, 0, verifier.ErrExpType, true},
		{"not finite", `1e400`, 0, verifier.ErrExpType, false},
		{"string", `"1700000000"`, 0, verifier.ErrExpType, false},
		{"null", `null`, 0, verifier.ErrExpType, false},
		{"bool", `true`, 0, verifier.ErrExpType, false},
		{"array", `[1700000000]`, 0, verifier.ErrExpType, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := verifier.ParseUnverified(fxUnsigned(fxHS, `{"exp":`+tc.value+`}`), verifier.Limits{})
			fxWantErr(t, err, tc.err)
			if got := errors.Is(err, verifier.ErrClaimRange); got != tc.outOfRange {
				t.Fatalf("ErrClaimRange = %v, want %v (%v)", got, tc.outOfRange, err)
			}
			if err == nil && tok.ExpiresAt != tc.want {
				t.Fatalf("ExpiresAt = %d, want %d", tok.ExpiresAt, tc.want)
			}
		})
	}
}

// TestParseEachNumericDateHasItsOwnError: the filter maps exp, nbf and iat
// to different texts.
func TestParseEachNumericDateHasItsOwnError(t *testing.T) {
	for claim, want := range map[string]error{"exp": verifier.ErrExpType, "nbf": verifier.ErrNbfType, "iat": verifier.ErrIatType} {
		_, err := verifier.ParseUnverified(fxUnsigned(fxHS, `{"`+claim+`":"soon"}`), verifier.Limits{})
		fxWantErr(t, err, want)
	}
}

func TestParseRefusesMalformedTokens(t *testing.T) {
	good := fxUnsigned(fxHS, `{"sub":"a"}`)
	parts := strings.Split(good, ".")
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"empty", "", verifier.ErrBadFormat},
		{"no dot", "abc", verifier.ErrBadFormat},
		{"one dot", parts[0] + "." + parts[1], verifier.ErrBadFormat},
		{"empty signature", parts[0] + "." + parts[1] + ".", verifier.ErrBadFormat},
		{"empty payload", parts[0] + ".." + parts[2], verifier.ErrBadFormat},
		{"empty header", "." + parts[1] + "." + parts[2], verifier.ErrBadFormat},
		{"four segments", good + ".c2ln", verifier.ErrBadFormat},
		{"trailing dot", good + ".", verifier.ErrBadFormat},
		{"JWE five segments", good + ".a.b", verifier.ErrBadFormat},
		{"only dots", "..", verifier.ErrBadFormat},
		{"header padded", fxB64s(`{"alg":"HS256"}`) + "=." + parts[1] + "." + parts[2], verifier.ErrHeaderBase64},
		{"header not base64", "e!J." + parts[1] + "." + parts[2], verifier.ErrHeaderBase64},
		{"header impossible length", "eyJhb." + parts[1] + "." + parts[2], verifier.ErrHeaderBase64},
		{"header standard alphabet", strings.ReplaceAll(fxB64s(`{"alg":"HS256","x":"??>"}`), "_", "/") + "." + parts[1] + "." + parts[2], verifier.ErrHeaderBase64},
		{"header not JSON", fxB64s(`alg=HS256`) + "." + parts[1] + "." + parts[2], verifier.ErrHeaderJSON},
		{"header JSON array", fxB64s(`["alg","HS256"]`) + "." + parts[1] + "." + parts[2], verifier.ErrHeaderJSON},
		{"header JSON string", fxB64s(`"HS256"`) + "." + parts[1] + "." + parts[2], verifier.ErrHeaderJSON},
		{"header trailing garbage", fxB64s(`{"alg":"HS256"}x`) + "." + parts[1] + "." + parts[2], verifier.ErrHeaderJSON},
		{"header two objects", fxB64s(`{"alg":"HS256"}{}`) + "." + parts[1] + "." + parts[2], verifier.ErrHeaderJSON},
		{"header truncated", fxB64s(`{"alg":"HS256"`) + "." + parts[1] + "." + parts[2], verifier.ErrHeaderJSON},
		{"payload padded", parts[0] + "." + fxB64s(`{"sub":"a"}`) + "==." + parts[2], verifier.ErrPayloadBase64},
		{"payload not base64", parts[0] + ".%%%%." + parts[2], verifier.ErrPayloadBase64},
		{"payload not JSON", fxUnsigned(fxHS, `sub=a`), verifier.ErrPayloadJSON},
		{"payload JSON array", fxUnsigned(fxHS, `[1]`), verifier.ErrPayloadJSON},
		{"payload NaN", fxUnsigned(fxHS, `{"exp":NaN}`), verifier.ErrPayloadJSON},
		{"payload Infinity", fxUnsigned(fxHS, `{"exp":Infinity}`), verifier.ErrPayloadJSON},
		{"payload leading zero", fxUnsigned(fxHS, `{"exp":01}`), verifier.ErrPayloadJSON},
		{"payload duplicate member", fxUnsigned(fxHS, `{"sub":"a","sub":"b"}`), verifier.ErrPayloadJSON},
		{"signature padded", parts[0] + "." + parts[1] + ".c2lnbg==", verifier.ErrSignatureBase64},
		{"signature non-canonical", parts[0] + "." + parts[1] + ".c2lnbh", verifier.ErrSignatureBase64},
		{"signature with space", parts[0] + "." + parts[1] + ".c2 ln", verifier.ErrSignatureBase64},
		{"iss number", fxUnsigned(fxHS, `{"iss":1}`), verifier.ErrIssType},
		{"iss null", fxUnsigned(fxHS, `{"iss":null}`), verifier.ErrIssType},
		{"sub array", fxUnsigned(fxHS, `{"sub":["a"]}`), verifier.ErrSubType},
		{"jti number", fxUnsigned(fxHS, `{"jti":1234567}`), verifier.ErrJtiType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := verifier.ParseUnverified(tc.token, verifier.Limits{})
			if err == nil {
				t.Fatalf("accepted: %+v", tok)
			}
			fxWantErr(t, err, tc.want)
			if !errors.Is(err, verifier.ErrMalformed) {
				t.Fatalf("%v is not ErrMalformed", err)
			}
		})
	}
}

// TestParseErrorOrderFollowsJwtVerifyLib: with several defects, the one
// jwt_verify_lib checks first is reported.
func TestParseErrorOrderFollowsJwtVerifyLib(t *testing.T) {
	tests := []struct {
		name  string
		token string
		want  error
	}{
		{"bad header JSON before bad payload base64", fxB64s(`{`) + ".%%%%.c2ln", verifier.ErrHeaderJSON},
		{"bad alg before bad payload base64", fxB64s(`{"alg":"XX"}`) + ".%%%%.c2ln", verifier.ErrAlgorithm},
		{"bad kid before bad payload JSON", fxUnsigned(`{"alg":"HS256","kid":1}`, `nope`), verifier.ErrKidType},
		{"iss before sub", fxUnsigned(fxHS, `{"sub":1,"iss":1}`), verifier.ErrIssType},
		{"sub before iat", fxUnsigned(fxHS, `{"iat":"x","sub":1}`), verifier.ErrSubType},
		{"iat before nbf", fxUnsigned(fxHS, `{"nbf":"x","iat":"x"}`), verifier.ErrIatType},
		{"nbf before exp", fxUnsigned(fxHS, `{"exp":"x","nbf":"x"}`), verifier.ErrNbfType},
		{"exp before jti", fxUnsigned(fxHS, `{"jti":1,"exp":"x"}`), verifier.ErrExpType},
		{"jti before aud", fxUnsigned(fxHS, `{"aud":1,"jti":1}`), verifier.ErrJtiType},
		{"aud before signature base64", fxB64s(fxHS) + "." + fxB64s(`{"aud":1}`) + ".c2lu=", verifier.ErrAudType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verifier.ParseUnverified(tc.token, verifier.Limits{})
			fxWantErr(t, err, tc.want)
		})
	}
}

func TestParseHeaderRules(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   error
	}{
		{"alg missing", `{"typ":"JWT"}`, verifier.ErrAlgMissing},
		{"alg number", `{"alg":256}`, verifier.ErrAlgMissing},
		{"alg null", `{"alg":null}`, verifier.ErrAlgMissing},
		{"alg unknown", `{"alg":"HS1"}`, verifier.ErrAlgorithm},
		{"alg lower case", `{"alg":"hs256"}`, verifier.ErrAlgorithm},
		{"alg RSA-OAEP (JWE)", `{"alg":"RSA-OAEP"}`, verifier.ErrAlgorithm},
		{"alg Ed25519 (fully specified)", `{"alg":"Ed25519"}`, verifier.ErrAlgorithm},
		{"alg empty", `{"alg":""}`, verifier.ErrAlgorithm},
		{"kid number", `{"alg":"HS256","kid":1}`, verifier.ErrKidType},
		{"kid null", `{"alg":"HS256","kid":null}`, verifier.ErrKidType},
		{"kid object", `{"alg":"HS256","kid":{}}`, verifier.ErrKidType},
		{"crit with b64", `{"alg":"HS256","crit":["b64"],"b64":false}`, verifier.ErrUnsupportedHeader},
		{"crit unknown", `{"alg":"HS256","crit":["exp"]}`, verifier.ErrUnsupportedHeader},
		{"crit empty", `{"alg":"HS256","crit":[]}`, verifier.ErrUnsupportedHeader},
		{"b64 false", `{"alg":"HS256","b64":false}`, verifier.ErrUnsupportedHeader},
		{"b64 string", `{"alg":"HS256","b64":"false"}`, verifier.ErrUnsupportedHeader},
		{"b64 true", `{"alg":"HS256","b64":true}`, nil},
		{"cty JWT", `{"alg":"HS256","cty":"JWT"}`, verifier.ErrUnsupportedHeader},
		{"cty jwt", `{"alg":"HS256","cty":"jwt"}`, verifier.ErrUnsupportedHeader},
		{"cty application/jwt", `{"alg":"HS256","cty":"application/jwt"}`, verifier.ErrUnsupportedHeader},
		{"cty json", `{"alg":"HS256","cty":"json"}`, nil},
		{"duplicate alg", `{"alg":"HS256","alg":"HS256"}`, verifier.ErrHeaderJSON},
		{"duplicate alg escaped", `{"alg":"HS256","al\u0067":"RS256"}`, verifier.ErrHeaderJSON},
		{"duplicate unknown member", `{"alg":"HS256","x":1,"x":2}`, verifier.ErrHeaderJSON},
		{"typ anything", `{"alg":"HS256","typ":42}`, nil},
		{"case-sensitive names", `{"alg":"HS256","KID":1,"Crit":["x"]}`, nil},
		{"embedded jwk/jku/x5u/x5c parse and are ignored", `{"alg":"HS256","jwk":{"kty":"oct","k":"AAAA"},"jku":"https://evil.example/jwks","x5u":"https://evil.example/x5u","x5c":["AAAA"]}`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verifier.ParseUnverified(fxUnsigned(tc.header, `{}`), verifier.Limits{})
			fxWantErr(t, err, tc.want)
		})
	}
}

func TestParseDuplicatePayloadMembersBeyondSmallSet(t *testing.T) {
	// More members than the pairwise set holds, so the map path is used.
	var b strings.Builder
	b.WriteString(`{`)
	for i := 0; i < 100; i++ {
		b.WriteString(`"c` + strconv.Itoa(i) + `":` + strconv.Itoa(i) + `,`)
	}
	unique := b.String() + `"last":0}`
	dup := b.String() + `"c3":0}`
	if _, err := verifier.ParseUnverified(fxUnsigned(fxHS, unique), verifier.Limits{}); err != nil {
		t.Fatalf("unique members refused: %v", err)
	}
	_, err := verifier.ParseUnverified(fxUnsigned(fxHS, dup), verifier.Limits{})
	fxWantErr(t, err, verifier.ErrPayloadJSON)
	// Nested objects may repeat top-level names.
	if _, err := verifier.ParseUnverified(fxUnsigned(fxHS, `{"sub":"a","x":{"sub":"b"}}`), verifier.Limits{}); err != nil {
		t.Fatalf("nested name refused: %v", err)
	}
}

func TestParseLimits(t *testing.T) {
	big := `{"pad":"` + strings.Repeat("x", 9000) + `"}`
	tests := []struct {
		name  string
		token string
		lim   verifier.Limits
		want  error
	}{
		{"default token limit", fxUnsigned(fxHS, big), verifier.Limits{}, verifier.ErrTooLarge},
		{"raised limits", fxUnsigned(fxHS, big), verifier.Limits{MaxTokenBytes: 20000, MaxPayloadBytes: 10000}, nil},
		{"payload limit", fxUnsigned(fxHS, big), verifier.Limits{MaxTokenBytes: 20000}, verifier.ErrTooLarge},
		{"header limit", fxUnsigned(`{"alg":"HS256","x":"`+strings.Repeat("y", 100)+`"}`, `{}`), verifier.Limits{MaxHeaderBytes: 64}, verifier.ErrTooLarge},
		{"header at limit", fxUnsigned(`{"alg":"HS256"}`, `{}`), verifier.Limits{MaxHeaderBytes: 15}, nil},
		{"header one over limit", fxUnsigned(`{"alg":"HS256"}`, `{}`), verifier.Limits{MaxHeaderBytes: 14}, verifier.ErrTooLarge},
		{"token limit before format", strings.Repeat("a", 9000), verifier.Limits{}, verifier.ErrTooLarge},
		{"negative limits mean defaults", fxUnsigned(fxHS, `{}`), verifier.Limits{MaxTokenBytes: -1, MaxHeaderBytes: -1, MaxPayloadBytes: -1}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verifier.ParseUnverified(tc.token, tc.lim)
			fxWantErr(t, err, tc.want)
		})
	}
}

func TestParseDoesNotVerify(t *testing.T) {
	// A syntactically valid token with a garbage signature parses; only
	// Verify may reject it.
	tok := fxParse(t, fxUnsigned(`{"alg":"ES256"}`, `{"sub":"x"}`))
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxP256(), "")))
	fxWantErr(t, tok.Verify(ks), verifier.ErrSignature)
}

func TestParsePayloadAppendDoesNotTouchSignature(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxSecret32, "")))
	tok := fxParse(t, fxSimple(t, verifier.HS256, fxSecret32, ""))
	_ = append(tok.Payload, make([]byte, 64)...)
	fxWantErr(t, tok.Verify(ks), nil)
}
