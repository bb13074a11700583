package verifier

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestMemberSetFindsDuplicatesInBothModes(t *testing.T) {
	for _, n := range []int{1, smallMembers - 1, smallMembers, smallMembers + 1, 5 * smallMembers} {
		var m memberSet
		for i := 0; i < n; i++ {
			if !m.add("m" + strconv.Itoa(i)) {
				t.Fatalf("n=%d: m%d reported as duplicate", n, i)
			}
		}
		for _, i := range []int{0, n / 2, n - 1} {
			if m.add("m" + strconv.Itoa(i)) {
				t.Fatalf("n=%d: duplicate m%d not found", n, i)
			}
		}
		if !m.add("fresh") {
			t.Fatalf("n=%d: new name reported as duplicate", n)
		}
	}
}

func TestIsJSONObject(t *testing.T) {
	tests := map[string]bool{
		`{}`:               true,
		` {"a":1} `:        true,
		`{"a":{"b":[1]}}`:  true,
		`[]`:               false,
		`"s"`:              false,
		`1`:                false,
		`null`:             false,
		``:                 false,
		`{"a":1}{}`:        false,
		`{"a":1,}`:         false,
		`{'a':1}`:          false,
		`{"a":1} x`:        false,
		"{\"a\":\"\x01\"}": false,
		// What protobuf's JSON parser (Envoy's) refuses and gjson.Valid does not.
		"{\"a\":\"t\xd3M\"}":               false, // not UTF-8
		"{\"\xff\":1}":                     false,
		`{"a":"\ud83d\ude00"}`:             true, // a surrogate pair
		`{"a":"\uD83D\uDE00 and \u00e9"}`:  true,
		`{"a":"\ud83d"}`:                   false, // high surrogate alone
		`{"a":"\ud83dx"}`:                  false,
		`{"a":"\ud83d\u0041"}`:             false, // high surrogate, then no low one
		`{"a":"\ude00"}`:                   false, // low surrogate alone
		`{"a":"\\ud83d"}`:                  true,  // an escaped backslash, then text
		`{"a":"\\\ud83d\ude00","b":"\\u"}`: true,
		`{"a":"é"}`:                        true,
	}
	for in, want := range tests {
		if got := isJSONObject(in); got != want {
			t.Errorf("isJSONObject(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestJSONDepthWithin(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want bool
	}{
		{`{}`, 1, true},
		{`{}`, 0, false},
		{`{"a":[1,{"b":2}]}`, 3, true},
		{`{"a":[1,{"b":2}]}`, 2, false},
		{`[[],[],[]]`, 2, true},              // siblings do not add up
		{`{"a":"[[[[{{{{"}`, 1, true},        // brackets in strings do not count
		{`{"a":"\"[[[[","b":"\\"}`, 1, true}, // escaped quote, escaped backslash
		{`{"a":"\\","b":[[]]}`, 2, false},    // the string ends at the unescaped quote
		{`{"[":"]","{":"}"}`, 1, true},       // in member names too
		{`]]]]`, 100, false},                 // closing without opening
		{`{}]]]][[[[[`, 4, false},            // text after the value still counts
		{`"unterminated [[[[`, 1, true},      // invalid, and harmless to a validator
		{strings.Repeat("[", 100) + strings.Repeat("]", 100), 100, true},
		{strings.Repeat("[", 101) + strings.Repeat("]", 101), 100, false},
		{strings.Repeat("[", 101), 100, false}, // unclosed: refused on the way in
	}
	for _, tc := range tests {
		if got := JSONDepthWithin(tc.in, tc.max); got != tc.want {
			t.Errorf("JSONDepthWithin(%.40q, %d) = %v, want %v", tc.in, tc.max, got, tc.want)
		}
		if got := JSONDepthWithin([]byte(tc.in), tc.max); got != tc.want {
			t.Errorf("JSONDepthWithin([]byte(%.40q), %d) = %v, want %v", tc.in, tc.max, got, tc.want)
		}
	}
}

// TestValidJSONStopsAtMaxDepth: 100 levels are JSON, 101 are not, whether the levels are
// arrays or objects, and a million levels are refused by the scan (gjson.Valid, recursive,
// would take one Go frame per level).
func TestValidJSONStopsAtMaxDepth(t *testing.T) {
	nest := func(depth int, open, close string) string {
		return strings.Repeat(open, depth-1) + "1" + strings.Repeat(close, depth-1)
	}
	for _, tc := range []struct {
		name        string
		open, close string
	}{{"arrays", "[", "]"}, {"objects", `{"a":`, "}"}} {
		t.Run(tc.name, func(t *testing.T) {
			// depth d: d-1 containers around a number, inside one more object.
			wrapped := func(d int) string { return `{"x":` + nest(d, tc.open, tc.close) + `}` }
			if !ValidJSON(wrapped(MaxJSONDepth)) {
				t.Errorf("depth %d refused", MaxJSONDepth)
			}
			if ValidJSON(wrapped(MaxJSONDepth + 1)) {
				t.Errorf("depth %d accepted", MaxJSONDepth+1)
			}
			if ValidJSON([]byte(wrapped(1 << 20))) {
				t.Errorf("depth 2^20 accepted")
			}
		})
	}
	if ValidJSON(`{"a":1`) || ValidJSON(`{"a":1}{}`) {
		t.Error("invalid JSON accepted")
	}
}

// TestParseRefusesDeepJSON: a token header or payload, and a JWKS, nested deeper than
// MaxJSONDepth is invalid JSON (ErrHeaderJSON, ErrPayloadJSON, ErrJWKSInvalidJSON: Envoy's
// "Jwt header is an invalid JSON" and so on), also at the largest limits x_token_limits allows,
// where a header a million bytes long nests half a million deep.
func TestParseRefusesDeepJSON(t *testing.T) {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	// member returns `"x":` and a value nested depth-1 deep (depth in the enclosing object).
	member := func(depth int) string {
		return `"x":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1)
	}
	max := Limits{MaxTokenBytes: 1 << 20, MaxHeaderBytes: 1 << 20, MaxPayloadBytes: 1 << 20}
	// The deepest header that fits the largest limits, base64 included.
	huge := (3*(1<<20)/4 - 64) / 2
	for _, tc := range []struct {
		name            string
		header, payload string
		lim             Limits
		want            error
	}{
		{"header at the limit", `{"alg":"HS256",` + member(MaxJSONDepth) + `}`, `{}`, Limits{}, nil},
		{"header over the limit", `{"alg":"HS256",` + member(MaxJSONDepth+1) + `}`, `{}`, Limits{}, ErrHeaderJSON},
		{"payload at the limit", `{"alg":"HS256"}`, `{"sub":"a",` + member(MaxJSONDepth) + `}`, Limits{}, nil},
		{"payload over the limit", `{"alg":"HS256"}`, `{"sub":"a",` + member(MaxJSONDepth+1) + `}`, Limits{}, ErrPayloadJSON},
		{"header half a million deep", `{"alg":"HS256",` + member(huge) + `}`, `{}`, max, ErrHeaderJSON},
		{"payload half a million deep", `{"alg":"HS256"}`, `{` + member(huge) + `}`, max, ErrPayloadJSON},
		{"header an array half a million deep", strings.Repeat("[", huge) + strings.Repeat("]", huge), `{}`, max, ErrHeaderJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := b64(tc.header) + "." + b64(tc.payload) + ".c2ln"
			if len(tok) > 1<<20 {
				t.Fatalf("token of %d bytes does not fit the limits", len(tok))
			}
			_, err := ParseUnverified(tok, tc.lim)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Parse: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestParseJWKSRefusesDeepJSON(t *testing.T) {
	const key = `{"kty":"oct","alg":"HS256","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"`
	jwks := func(depth int) []byte {
		// keys[0].x nested so that its deepest array is at depth `depth` of the document.
		return []byte(`{"keys":[` + key + `,"x":` + strings.Repeat("[", depth-3) + strings.Repeat("]", depth-3) + `}]}`)
	}
	if _, err := ParseJWKS(jwks(MaxJSONDepth), KeyOptions{}); err != nil {
		t.Fatalf("depth %d: %v", MaxJSONDepth, err)
	}
	for _, d := range []int{MaxJSONDepth + 1, 1 << 20} {
		if _, err := ParseJWKS(jwks(d), KeyOptions{}); !errors.Is(err, ErrJWKSInvalidJSON) {
			t.Fatalf("depth %d: %v, want ErrJWKSInvalidJSON", d, err)
		}
	}
}
