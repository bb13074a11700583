package plugin_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// Times relative to the test clock.
var (
	now     = filtertest.DefaultNow
	inHour  = now.Add(time.Hour).Unix()
	hourAgo = now.Add(-time.Hour).Unix()
)

var (
	keys = testjwt.Keys
	jwks = testjwt.JWKS
	q    = strconv.Quote // JSON string literal (test inputs are ASCII)
)

// Shared helpers for the behaviour tests, which run through filtertest on both runners.

func run(t *testing.T, config string, body func(t *testing.T, h filtertest.Host)) {
	t.Helper()
	filtertest.Run(t, filtertest.Options{Config: []byte(config)}, body)
}

// send sends request headers (method, path, then name/value pairs) on a new stream.
func send(h filtertest.Host, method, path string, kv ...string) filtertest.Stream {
	s := h.NewStream()
	s.SendRequestHeaders(filtertest.Request(method, path, kv...), true)
	return s
}

func get(h filtertest.Host, path string, kv ...string) filtertest.Stream {
	return send(h, "GET", path, kv...)
}

func wantPass(t *testing.T, s filtertest.Stream) {
	t.Helper()
	if lr := s.LocalResponse(); lr != nil {
		t.Fatalf("request refused: %d %q", lr.Status, lr.Body)
	}
}

func wantDeny(t *testing.T, s filtertest.Stream, code uint32, body string) {
	t.Helper()
	lr := s.LocalResponse()
	if lr == nil {
		t.Fatalf("request passed, want %d %q", code, body)
	}
	if lr.Status != code || string(lr.Body) != body {
		t.Fatalf("got %d %q, want %d %q", lr.Status, lr.Body, code, body)
	}
}

func wantHeader(t *testing.T, s filtertest.Stream, name string, want ...string) {
	t.Helper()
	got := s.RequestHeaders().Values(name)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("upstream header %s = %q, want %q", name, got, want)
	}
}

// localProvider is a JwtProvider with inline keys; extra is more members, starting with ",".
func localProvider(issuer, keySet, extra string) string {
	return fmt.Sprintf(`{"issuer":%s,"local_jwks":{"inline_string":%s}%s}`, q(issuer), q(keySet), extra)
}

// oneProvider is a configuration with provider "p" (issuer iss) required on every path.
func oneProvider(t *testing.T, extra string) string {
	k := keys(t)
	return `{"providers":{"p":` + localProvider("https://iss.example", jwks(k.RS256, k.ES256, k.HS256, k.EdDSA), extra) +
		`},"rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"p"}}]}`
}

func claims(iss string, extra string) string {
	return fmt.Sprintf(`{"iss":%s,"sub":"alice","aud":"api","exp":%d%s}`, q(iss), inHour, extra)
}

// wantStartErrors checks on both runners that cfg fails plugin start with an error naming
// every one of wants.
func wantStartErrors(t *testing.T, cfg string, wants ...string) {
	t.Helper()
	filtertest.Each(t, func(t *testing.T, r filtertest.Runner) {
		h, err := r.Start(t, filtertest.Options{Config: []byte(cfg)})
		if err == nil {
			h.Close()
			t.Fatal("plugin started with a bad configuration")
		}
		for _, want := range wants {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("start error lacks %q:\n%v", want, err)
			}
		}
	})
}

func TestPluginStartRefusesBadConfigurationWithEveryProblem(t *testing.T) {
	cfg := `{"providers":{"auth0":{"remote_jwks":{"http_uri":{"cluster":"c","timeout":"1s"}}},
	  "b":{"local_jwks":{"filename":"/etc/jwks.json"}}},
	  "rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"nope"}}],
	  "bogus":1}`
	wantStartErrors(t, cfg,
		"providers.auth0.remote_jwks.http_uri.uri: missing",
		"providers.b.local_jwks.filename: not supported in a Wasm filter",
		"bogus: unknown field",
	)
}

func TestPluginStartReportsUnresolvedReferences(t *testing.T) {
	k := keys(t)
	cfg := `{"providers":{"p":` + localProvider("i", jwks(k.ES256), "") + `},
	  "rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"nope"}}]}`
	wantStartErrors(t, cfg, `rules[0].requires.provider_name: provider "nope" is not configured (known: [p])`)
}

func TestEmptyConfigurationLetsEveryRequestThrough(t *testing.T) {
	run(t, ``, func(t *testing.T, h filtertest.Host) {
		wantPass(t, get(h, "/anything"))
	})
}

func TestRuleWithoutRequirementPasses(t *testing.T) {
	k := keys(t)
	cfg := `{"providers":{"p":` + localProvider("i", jwks(k.ES256), "") + `},
	  "rules":[{"match":{"prefix":"/health"}},{"match":{"prefix":"/"},"requires":{"provider_name":"p"}}]}`
	run(t, cfg, func(t *testing.T, h filtertest.Host) {
		wantPass(t, get(h, "/healthz"))
		wantDeny(t, get(h, "/api"), 401, "Jwt is missing")
	})
}
