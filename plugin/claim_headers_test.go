package plugin

import (
	"encoding/base64"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config"
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

func render(t *testing.T, raw config.RawClaimToHeader) (string, bool) {
	t.Helper()
	raw.Header = "x"
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
		got, ok := render(t, config.RawClaimToHeader{ClaimName: tt.claim})
		if (tt.want == "") == ok || got != tt.want {
			t.Errorf("claim %q = %q, %v; want %q", tt.claim, got, ok, tt.want)
		}
	}
}

func TestClaimPathAndDelimiterAddressDottedNames(t *testing.T) {
	if got, _ := render(t, config.RawClaimToHeader{ClaimPath: []string{"a.b", "c.d"}}); got != "x.y.z" {
		t.Errorf("claim_path = %q", got)
	}
	if got, _ := render(t, config.RawClaimToHeader{ClaimPath: []string{"https://example.com/roles"}, Render: "joined"}); got != "r1" {
		t.Errorf("claim_path URL = %q", got)
	}
	if got, _ := render(t, config.RawClaimToHeader{ClaimName: "a.b|c.d", Delimiter: "|"}); got != "x.y.z" {
		t.Errorf("x_delimiter = %q", got)
	}
	if _, ok := render(t, config.RawClaimToHeader{ClaimName: "a.b"}); ok {
		t.Error("claim_name a.b must be split on the dot and miss")
	}
}

func TestClaimRenderingExtensions(t *testing.T) {
	tests := []struct {
		raw  config.RawClaimToHeader
		want string
	}{
		{config.RawClaimToHeader{ClaimName: "roles", Render: "json"}, `["admin","dev"]`},
		{config.RawClaimToHeader{ClaimName: "obj", Render: "json"}, `{"a":1,"b":[1,2]}`},
		{config.RawClaimToHeader{ClaimName: "roles", Render: "joined"}, "admin,dev"},
		{config.RawClaimToHeader{ClaimName: "roles", Render: "joined", Separator: " "}, "admin dev"},
		{config.RawClaimToHeader{ClaimName: "mixed", Render: "joined"}, `a,1,true,{"k":"v"}`},
		{config.RawClaimToHeader{ClaimName: "obj", Render: "joined"}, `{"a":1,"b":[1,2]}`},
		{config.RawClaimToHeader{ClaimName: "sub", Render: "json"}, "alice"},
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
