package plugin

import (
	"encoding/base64"
	"testing"

	"github.com/tidwall/gjson"
)

const claimsJSON = `{
  "sub": "alice", "empty": "", "int": 1700000000, "neg": -3, "frac": 1.5, "big": 12345678901234567890,
  "huge": 1e20, "t": true, "f": false, "nul": null,
  "roles": ["admin", "dev"], "mixed": ["a", 1, true, null, {"k": "v"}],
  "obj": { "a": 1, "b": [1, 2] },
  "nested": {"deep": {"x": "y"}},
  "https://example.com/roles": ["r1"],
  "a.b": {"c.d": "x.y.z"},
  "bad": "line\nbreak"
}`

func render(t *testing.T, raw rawClaimToHeader) (string, bool) {
	t.Helper()
	raw.header = "x"
	return compileClaimHeader(&raw).value(gjson.Parse(claimsJSON))
}

func b64std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestClaimRenderingAsCurrentEnvoy(t *testing.T) {
	tests := []struct {
		claim string
		want  string // "" means no header
	}{
		{"sub", "alice"},
		{"empty", ""},
		{"int", "1700000000"},
		{"neg", "-3.000000"},
		{"frac", "1.500000"},
		{"big", "12345678901234567168"}, // read as a double, as Envoy does
		{"huge", "100000000000000000000.000000"},
		{"t", "true"},
		{"f", "false"},
		{"nul", ""},
		{"missing", ""},
		{"roles", b64std(`["admin","dev"]`)},
		{"obj", b64std(`{"a":1,"b":[1,2]}`)},
		{"nested.deep.x", "y"},
		{"nested.deep", b64std(`{"x":"y"}`)},
		{"sub.x", ""},
		{"bad", ""}, // a value with a line break is never set
	}
	for _, tt := range tests {
		got, ok := render(t, rawClaimToHeader{claimName: tt.claim})
		if (tt.want == "") == ok || got != tt.want {
			t.Errorf("claim %q = %q, %v; want %q", tt.claim, got, ok, tt.want)
		}
	}
}

func TestClaimPathAndDelimiterAddressDottedNames(t *testing.T) {
	if got, _ := render(t, rawClaimToHeader{claimPath: []string{"a.b", "c.d"}}); got != "x.y.z" {
		t.Errorf("claim_path = %q", got)
	}
	if got, _ := render(t, rawClaimToHeader{claimPath: []string{"https://example.com/roles"}, render: "joined"}); got != "r1" {
		t.Errorf("claim_path URL = %q", got)
	}
	if got, _ := render(t, rawClaimToHeader{claimName: "a.b|c.d", delimiter: "|"}); got != "x.y.z" {
		t.Errorf("x_delimiter = %q", got)
	}
	if _, ok := render(t, rawClaimToHeader{claimName: "a.b"}); ok {
		t.Error("claim_name a.b must be split on the dot and miss")
	}
}

func TestClaimRenderingExtensions(t *testing.T) {
	tests := []struct {
		raw  rawClaimToHeader
		want string
	}{
		{rawClaimToHeader{claimName: "roles", render: "json"}, `["admin","dev"]`},
		{rawClaimToHeader{claimName: "obj", render: "json"}, `{"a":1,"b":[1,2]}`},
		{rawClaimToHeader{claimName: "roles", render: "joined"}, "admin,dev"},
		{rawClaimToHeader{claimName: "roles", render: "joined", separator: " "}, "admin dev"},
		{rawClaimToHeader{claimName: "mixed", render: "joined"}, `a,1,true,{"k":"v"}`},
		{rawClaimToHeader{claimName: "obj", render: "joined"}, `{"a":1,"b":[1,2]}`},
		{rawClaimToHeader{claimName: "sub", render: "json"}, "alice"},
	}
	for _, tt := range tests {
		if got, _ := render(t, tt.raw); got != tt.want {
			t.Errorf("%+v = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestPayloadHeaderValue(t *testing.T) {
	for _, tt := range []struct {
		raw  string
		pad  bool
		want string
	}{
		{"h.eyJhIjoxfQ.s", false, "eyJhIjoxfQ"},
		{"h.eyJhIjoxfQ.s", true, "eyJhIjoxfQ=="},
		{"h.abcd.s", true, "abcd"},
		{"h.abc.s", true, "abc="},
	} {
		if got := payloadHeaderValue(tt.raw, tt.pad); got != tt.want {
			t.Errorf("payloadHeaderValue(%q, %v) = %q, want %q", tt.raw, tt.pad, got, tt.want)
		}
	}
}

func TestCompactJSONKeepsStrings(t *testing.T) {
	if got := compactJSON("{ \"a b\" : [ 1 , \"x \\\" y\" ] }\n"); got != `{"a b":[1,"x \" y"]}` {
		t.Errorf("got %s", got)
	}
}
