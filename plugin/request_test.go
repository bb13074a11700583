package plugin

import "github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
import "testing"

func TestHeaderJoinsRepeatedLinesWithComma(t *testing.T) {
	r := req("/", "x-a", "1", "x-b", "2", "x-a", "3")
	if v, ok := r.Header("x-a"); !ok || v != "1,3" {
		t.Errorf("x-a = %q, %v", v, ok)
	}
	if v, ok := r.Header("x-b"); !ok || v != "2" {
		t.Errorf("x-b = %q, %v", v, ok)
	}
	if _, ok := r.Header("x-c"); ok {
		t.Error("x-c present")
	}
	if r.Count("x-a") != 2 {
		t.Errorf("count(x-a) = %d", r.Count("x-a"))
	}
	r.Drop("x-a")
	if _, ok := r.Header("x-a"); ok || r.Count("x-b") != 1 {
		t.Error("drop removed the wrong lines")
	}
}

func TestQueryParametersAsEnvoyParsesThem(t *testing.T) {
	r := req("/p?a=1&b=%41%4&c&a=2&&d=x=y&e=%zz+")
	tests := []struct {
		name, raw, decoded string
		ok                 bool
	}{
		{"a", "1", "1", true},       // first value wins
		{"b", "%41%4", "A%4", true}, // a truncated escape stays
		{"c", "", "", true},         // no '=': empty value
		{"d", "x=y", "x=y", true},   // split at the first '='
		{"e", "%zz+", "%zz+", true}, // '+' is not a space; bad escapes stay
		{"", "", "", true},          // "&&" yields an empty name
		{"f", "", "", false},
	}
	for _, tt := range tests {
		raw, ok1 := r.RawParam(tt.name)
		dec, ok2 := r.DecodedParam(tt.name)
		if ok1 != tt.ok || ok2 != tt.ok || raw != tt.raw || dec != tt.decoded {
			t.Errorf("param %q = raw %q %v, decoded %q %v; want %q %q %v", tt.name, raw, ok1, dec, ok2, tt.raw, tt.decoded, tt.ok)
		}
	}
	if _, ok := req("/noquery").RawParam("a"); ok {
		t.Error("a path without query has parameters")
	}
}

func TestCookiesAsEnvoyParsesThem(t *testing.T) {
	r := req("/", "cookie", `a=1; b="quoted"; ;c; d = spaced ;a=2`, "cookie", "e=3;a=4")
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"a", "1", true},
		{"b", "quoted", true},
		{"d ", " spaced ", true}, // Envoy keeps spaces around '=' in name and value
		{"e", "3", true},
		{"c", "", false}, // no '=': skipped
		{"d", "", false},
	}
	for _, tt := range tests {
		if v, ok := r.Cookie(tt.name); ok != tt.ok || v != tt.want {
			t.Errorf("cookie %q = %q, %v; want %q, %v", tt.name, v, ok, tt.want, tt.ok)
		}
	}
}

func TestPathOnlyDropsQueryAndFragment(t *testing.T) {
	for in, want := range map[string]string{"/a?b#c": "/a", "/a#c?b": "/a", "/a": "/a", "": ""} {
		if got := request.PathOnly(in); got != want {
			t.Errorf("pathOnly(%q) = %q, want %q", in, got, want)
		}
	}
}
