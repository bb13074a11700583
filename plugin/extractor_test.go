package plugin

import (
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
)

func tokens(es []request.Extracted) string {
	var parts []string
	for _, e := range es {
		parts = append(parts, e.Loc.Name+"="+e.Token)
	}
	return strings.Join(parts, " | ")
}

func TestExtractorDefaultsAreBearerThenAccessToken(t *testing.T) {
	e := request.NewExtractor(request.LocationSource{Issuer: "i"})
	got := tokens(e.Extract(req("/p?access_token=q.q.q", "authorization", "Bearer h.h.h"), nil))
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
			e := request.NewExtractor(request.LocationSource{Headers: []config.RawHeaderLocation{{Name: "X-Token", Prefix: tt.prefix}}})
			got := e.Extract(req("/", "x-token", tt.value), nil)
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("found %q, want none", tokens(got))
			case tt.want != "" && (len(got) != 1 || got[0].Token != tt.want):
				t.Errorf("found %q, want %q", tokens(got), tt.want)
			}
		})
	}
}

func TestExtractorTakesATokenFromEveryHeaderLine(t *testing.T) {
	e := request.NewExtractor(request.LocationSource{Issuer: "i"})
	got := tokens(e.Extract(req("/", "authorization", "Bearer a.a.a", "authorization", "Basic x", "authorization", "Bearer b.b.b"), nil))
	if want := "authorization=a.a.a | authorization=b.b.b"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestExtractorOrderIsEnvoys(t *testing.T) {
	// Headers sorted by name+prefix, then parameters, then cookies, each sorted by name.
	e := request.NewExtractor(
		request.LocationSource{Issuer: "a", Headers: []config.RawHeaderLocation{{Name: "x-b"}}, Params: []string{"z"}, Cookies: []string{"k2"}},
		request.LocationSource{Issuer: "b", Headers: []config.RawHeaderLocation{{Name: "x-a"}}, Params: []string{"y"}, Cookies: []string{"k1"}},
	)
	r := req("/?z=1&y=2", "x-b", "3", "x-a", "4", "cookie", "k2=5; k1=6")
	if got, want := tokens(e.Extract(r, nil)), "x-a=4 | x-b=3 | y=2 | z=1 | k1=6 | k2=5"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestExtractorMergesLocationsAndTheirIssuers(t *testing.T) {
	e := request.NewExtractor(request.LocationSource{Issuer: "a"}, request.LocationSource{Issuer: "b"}, request.LocationSource{Issuer: "c", Params: []string{"t"}})
	if len(e.Locs) != 3 {
		t.Fatalf("%d locations, want 3 (authorization, access_token, t)", len(e.Locs))
	}
	auth := e.Locs[0]
	if !auth.Issuers.Allows("a") || !auth.Issuers.Allows("b") || auth.Issuers.Allows("c") {
		t.Errorf("authorization issuers = %+v", auth.Issuers)
	}
	all := request.NewExtractor(request.LocationSource{Issuer: ""})
	if !all.Locs[0].Issuers.Allows("anything") {
		t.Error("a provider without issuer should allow every issuer at its locations")
	}
}

func TestExtractorParamsAreDecodedAndCookiesUnquoted(t *testing.T) {
	e := request.NewExtractor(request.LocationSource{Params: []string{"jwt"}, Cookies: []string{"session"}})
	got := tokens(e.Extract(req("/?jwt=a%2Eb.c", "cookie", `session="x.y.z"`), nil))
	if want := "jwt=a.b.c | session=x.y.z"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestExtractorKeysGroupEqualLocations(t *testing.T) {
	a := request.NewExtractor(request.LocationSource{Issuer: "a", Headers: []config.RawHeaderLocation{{Name: "X-T", Prefix: "B "}}})
	b := request.NewExtractor(request.LocationSource{Issuer: "b", Headers: []config.RawHeaderLocation{{Name: "x-t", Prefix: "B "}}})
	c := request.NewExtractor(request.LocationSource{Issuer: "c", Headers: []config.RawHeaderLocation{{Name: "x-t", Prefix: "C "}}})
	if a.Key != b.Key || a.Key == c.Key {
		t.Errorf("keys: a %q b %q c %q", a.Key, b.Key, c.Key)
	}
}
