package config

import (
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config/configtest"
)

func TestLowerCamelIsProtocJSONName(t *testing.T) {
	for in, want := range map[string]string{
		"issuer":                        "issuer",
		"from_headers":                  "fromHeaders",
		"pad_forward_payload_header":    "padForwardPayloadHeader",
		"treat_missing_header_as_empty": "treatMissingHeaderAsEmpty",
	} {
		if got := lowerCamel(in); got != want {
			t.Errorf("lowerCamel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDurationAcceptsProtoJSONAndObjectForms(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{`"1s"`, time.Second, ""},
		{`"0.5s"`, 500 * time.Millisecond, ""},
		{`"1.000000001s"`, time.Second + time.Nanosecond, ""},
		{`"-2s"`, -2 * time.Second, ""},
		{`"300s"`, 300 * time.Second, ""},
		{`{"seconds":300}`, 300 * time.Second, ""},
		{`{"seconds":"1","nanos":500000000}`, 1500 * time.Millisecond, ""},
		{`"1"`, 0, "must be a duration"},
		{`"s"`, 0, "must be a duration"},
		{`"1.s"`, 0, "must be a duration"},
		{`"1.0000000001s"`, 0, "must be a duration"},
		{`"1m"`, 0, "must be a duration"},
		{`300`, 0, "must be a duration"},
		{`{"seconds":1,"nanos":-1}`, 0, "must be a duration"},
		{`{"minutes":1}`, 0, "must be a duration"},
		{`"315576000001s"`, 0, "out of range"},
	}
	for _, tt := range tests {
		got, err := parseDuration(gjson.Parse(tt.in))
		if tt.err != "" {
			if !strings.Contains(err, tt.err) {
				t.Errorf("parseDuration(%s) error = %q, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != "" || got != tt.want {
			t.Errorf("parseDuration(%s) = %v, %q; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseUintAcceptsNumbersAndNumericStrings(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{`10`, 10, true},
		{`"10"`, 10, true},
		{`1e2`, 100, true},
		{`4294967295`, 4294967295, true},
		{`4294967296`, 0, false},
		{`-1`, 0, false},
		{`1.5`, 0, false},
		{`"x"`, 0, false},
		{`true`, 0, false},
	}
	for _, tt := range tests {
		got, ok := parseUint(gjson.Parse(tt.in), 1<<32-1)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("parseUint(%s) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDecodeObjectReportsUnknownDuplicateAndMistypedMembers(t *testing.T) {
	probs := &Problems{}
	o := decodeObject(gjson.Parse(`{"issuer":"a","fromHeaders":[],"from_headers":[],"x_nope":1,"nope":2,"forward":"yes"}`),
		"providers.p", probs, "issuer", "from_headers", "forward")
	o.boolean("forward")
	want := []string{
		"providers.p.from_headers: duplicate field",
		"providers.p.x_nope: unknown extension field",
		"providers.p.nope: unknown field",
		"providers.p.forward: must be true or false",
	}
	configtest.WantProblems(t, probs.List, want...)
	if o.str("issuer") != "a" {
		t.Errorf("issuer = %q", o.str("issuer"))
	}
}

func TestNullMeansUnset(t *testing.T) {
	probs := &Problems{}
	o := decodeObject(gjson.Parse(`{"issuer":null,"audiences":null}`), "", probs, "issuer", "audiences")
	if o.has("issuer") || o.strings("audiences") != nil || len(probs.List) > 0 {
		t.Fatalf("null members should be unset without problems: %v", probs.List)
	}
}

func TestBytesAcceptStandardAndURLBase64(t *testing.T) {
	for _, in := range []string{`"aGk/Pw=="`, `"aGk_Pw"`, `"aGk/Pw"`} {
		probs := &Problems{}
		o := decodeObject(gjson.Parse(`{"b":`+in+`}`), "", probs, "b")
		if got := string(o.bytesField("b")); got != "hi??" || len(probs.List) > 0 {
			t.Errorf("bytes %s = %q, %v", in, got, probs.List)
		}
	}
}
