package plugin

import (
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config"
	"strings"
	"testing"
)

func tokens(es []extracted) string {
	var parts []string
	for _, e := range es {
		parts = append(parts, e.loc.name+"="+e.token)
	}
	return strings.Join(parts, " | ")
}

func TestExtractorDefaultsAreBearerThenAccessToken(t *testing.T) {
	e := newExtractor(locationSource{issuer: "i"})
	got := tokens(e.extract(req("/p?access_token=q.q.q", "authorization", "Bearer h.h.h"), nil))
	if want := "authorization=h.h.h | access_token=q.q.q"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestExtractorHeaderPrefixSemantics(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		value  string
		want   string // "" means no token
	}{
		{"bearer", "Bearer ", "Bearer a.b.c", "a.b.c"},
		{"prefix is case sensitive", "Bearer ", "bearer a.b.c", ""},
		{"other scheme", "Bearer ", "Basic dXNlcg==", ""},
		{"prefix found anywhere", "Bearer ", "Foo, Bearer a.b.c", "a.b.c"},
		{"extra spaces skipped", "Bearer ", "Bearer    a.b.c", "a.b.c"},
		{"trailing garbage is kept (Envoy 1.28+)", "Bearer ", "Bearer a.b.c garbage", "a.b.c garbage"},
		{"nothing after the prefix: whole value", "Bearer ", "Bearer ", "Bearer "},
		{"non-Bearer prefix", "Token ", "Token a.b.c", "a.b.c"},
		{"prefix without space", "JWT=", "JWT=a.b.c", "a.b.c"},
		{"no prefix: whole value", "", "  a.b.c ", "  a.b.c "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newExtractor(locationSource{headers: []config.RawHeaderLocation{{Name: "X-Token", Prefix: tt.prefix}}})
			got := e.extract(req("/", "x-token", tt.value), nil)
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("found %q, want none", tokens(got))
			case tt.want != "" && (len(got) != 1 || got[0].token != tt.want):
				t.Errorf("found %q, want %q", tokens(got), tt.want)
			}
		})
	}
}

func TestExtractorTakesATokenFromEveryHeaderLine(t *testing.T) {
	e := newExtractor(locationSource{issuer: "i"})
	got := tokens(e.extract(req("/", "authorization", "Bearer a.a.a", "authorization", "Basic x", "authorization", "Bearer b.b.b"), nil))
	if want := "authorization=a.a.a | authorization=b.b.b"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestExtractorOrderIsEnvoys(t *testing.T) {
	// Headers sorted by name+prefix, then parameters, then cookies, each sorted by name.
	e := newExtractor(
		locationSource{issuer: "a", headers: []config.RawHeaderLocation{{Name: "x-b"}}, params: []string{"z"}, cookies: []string{"k2"}},
		locationSource{issuer: "b", headers: []config.RawHeaderLocation{{Name: "x-a"}}, params: []string{"y"}, cookies: []string{"k1"}},
	)
	r := req("/?z=1&y=2", "x-b", "3", "x-a", "4", "cookie", "k2=5; k1=6")
	if got, want := tokens(e.extract(r, nil)), "x-a=4 | x-b=3 | y=2 | z=1 | k1=6 | k2=5"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestExtractorMergesLocationsAndTheirIssuers(t *testing.T) {
	e := newExtractor(locationSource{issuer: "a"}, locationSource{issuer: "b"}, locationSource{issuer: "c", params: []string{"t"}})
	if len(e.locs) != 3 {
		t.Fatalf("%d locations, want 3 (authorization, access_token, t)", len(e.locs))
	}
	auth := e.locs[0]
	if !auth.issuers.allows("a") || !auth.issuers.allows("b") || auth.issuers.allows("c") {
		t.Errorf("authorization issuers = %+v", auth.issuers)
	}
	all := newExtractor(locationSource{issuer: ""})
	if !all.locs[0].issuers.allows("anything") {
		t.Error("a provider without issuer should allow every issuer at its locations")
	}
}

func TestExtractorParamsAreDecodedAndCookiesUnquoted(t *testing.T) {
	e := newExtractor(locationSource{params: []string{"jwt"}, cookies: []string{"session"}})
	got := tokens(e.extract(req("/?jwt=a%2Eb.c", "cookie", `session="x.y.z"`), nil))
	if want := "jwt=a.b.c | session=x.y.z"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestExtractorKeysGroupEqualLocations(t *testing.T) {
	a := newExtractor(locationSource{issuer: "a", headers: []config.RawHeaderLocation{{Name: "X-T", Prefix: "B "}}})
	b := newExtractor(locationSource{issuer: "b", headers: []config.RawHeaderLocation{{Name: "x-t", Prefix: "B "}}})
	c := newExtractor(locationSource{issuer: "c", headers: []config.RawHeaderLocation{{Name: "x-t", Prefix: "C "}}})
	if a.key != b.key || a.key == c.key {
		t.Errorf("keys: a %q b %q c %q", a.key, b.key, c.key)
	}
}
