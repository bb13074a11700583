package plugin

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config/configtest"
)

// prov is a provider with inline keys; extra holds more members starting with ",".
func prov(issuer, keySet, extra string) string {
	return `{"issuer":` + strconv.Quote(issuer) + `,"local_jwks":{"inline_string":` + strconv.Quote(keySet) + `}` + extra + `}`
}

func mustLoad(t testing.TB, cfg string) *filterConfig {
	t.Helper()
	rt, probs := load([]byte(cfg), compileEnv{lookupEnv: func(string) (string, bool) { return "", false }})
	if len(probs) > 0 {
		t.Fatalf("configuration refused:\n%s", strings.Join(probs, "\n"))
	}
	return rt
}

func TestCompileErrors(t *testing.T) {
	k := testjwt.Keys(t)
	good := prov("i", testjwt.JWKS(k.ES256), "")
	tests := []struct {
		name   string
		config string
		want   []string
	}{
		{"unknown provider", `{"providers":{"a":` + good + `,"b":` + good + `},"rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"c"}}]}`,
			[]string{`rules[0].requires.provider_name: provider "c" is not configured (known: [a,b])`}},
		{"unknown provider with audiences", `{"rules":[{"match":{"prefix":"/"},"requires":{"provider_and_audiences":{"provider_name":"c","audiences":["x"]}}}]}`,
			[]string{`rules[0].requires.provider_and_audiences.provider_name: provider "c" is not configured (known: [])`}},
		{"unknown provider deep in a tree", `{"providers":{"a":` + good + `},"requirement_map":{"r":{"requires_any":{"requirements":[{"provider_name":"a"},{"provider_name":"zz"}]}}}}`,
			[]string{`requirement_map.r.requires_any.requirements[1].provider_name: provider "zz" is not configured`}},
		{"unknown requirement name", `{"providers":{"a":` + good + `},"requirement_map":{"x":{"provider_name":"a"}},"rules":[{"match":{"prefix":"/"},"requirement_name":"y"}]}`,
			[]string{`rules[0].requirement_name: "y" is not in requirement_map (known: [x])`}},
		{"invalid path regex", `{"rules":[{"match":{"safe_regex":{"regex":"a("}}}]}`,
			[]string{"rules[0].match.safe_regex.regex: invalid regular expression"}},
		{"invalid header regex", `{"rules":[{"match":{"prefix":"/","headers":[{"name":"h","safe_regex_match":{"regex":"["}}]}}]}`,
			[]string{"rules[0].match.headers[0].safe_regex_match.regex: invalid regular expression"}},
		{"invalid subjects regex", `{"providers":{"a":` + prov("i", testjwt.JWKS(k.ES256), `,"subjects":{"safe_regex":{"regex":"("}}`) + `}}`,
			[]string{"providers.a.subjects.safe_regex.regex: invalid regular expression"}},
		{"JWKS not JSON", `{"providers":{"a":` + prov("i", "{nope", "") + `}}`,
			[]string{"providers.a.local_jwks.inline_string: verifier: JWKS is not valid JSON"}},
		{"JWKS without usable key", `{"providers":{"a":` + prov("i", `{"keys":[{"kty":"XYZ"}]}`, "") + `}}`,
			[]string{"providers.a.local_jwks.inline_string: verifier: key set has no usable key"}},
		{"PEM without x_format", `{"providers":{"a":` + prov("i", k.ES256.PEM(), "") + `}}`,
			[]string{`providers.a.local_jwks.inline_string: holds PEM, not a JWKS; Envoy accepts only a JWKS here. Set "x_format": "pem"`}},
		{"environment variable not set", `{"providers":{"a":{"local_jwks":{"environment_variable":"JWKS_A"}}}}`,
			[]string{`providers.a.local_jwks.environment_variable: environment variable "JWKS_A" is not set in the Wasm VM`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := load([]byte(tt.config), compileEnv{lookupEnv: func(string) (string, bool) { return "", false }})
			configtest.WantProblems(t, probs, tt.want...)
		})
	}
}

func TestCompileReadsKeysFromPEMAndEnvironment(t *testing.T) {
	k := testjwt.Keys(t)
	cfg := `{"providers":{
	  "pem":{"local_jwks":{"inline_string":` + strconv.Quote(k.RS256.PEM()+k.ES256.PEM()) + `,"x_format":"pem"}},
	  "env":{"local_jwks":{"environment_variable":"JWKS"}}}}`
	env := compileEnv{lookupEnv: func(name string) (string, bool) {
		return testjwt.JWKS(k.HS256), name == "JWKS"
	}}
	rt, probs := load([]byte(cfg), env)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	pemKeys, _ := rt.byName["pem"].keys.Keys(nil)
	envKeys, _ := rt.byName["env"].keys.Keys(nil)
	if len(pemKeys.Keys) != 2 || len(envKeys.Keys) != 1 {
		t.Fatalf("pem keys %d, env keys %d", len(pemKeys.Keys), len(envKeys.Keys))
	}
}

func TestCompileWarnsAboutSkippedKeysAndListenerWait(t *testing.T) {
	k := testjwt.Keys(t)
	set := `{"keys":[` + k.ES256.JWK + `,{"kty":"EC","crv":"P-256","use":"enc","x":"AA","y":"AA"}]}`
	rt := mustLoad(t, `{"providers":{"a":`+prov("i", set, "")+`,
	  "r":{"remote_jwks":{"http_uri":{"uri":"https://r/jwks","cluster":"c","timeout":"1s"},"async_fetch":{}}}}}`)
	got := strings.Join(rt.warnings, "\n")
	for _, w := range []string{"providers.a.local_jwks.inline_string: key 1 skipped", "providers.r.remote_jwks.async_fetch: a Wasm filter cannot hold the listener back"} {
		if !strings.Contains(got, w) {
			t.Errorf("warnings lack %q:\n%s", w, got)
		}
	}
}

func TestCompileIndexesIssuersFirstProviderByName(t *testing.T) {
	k := testjwt.Keys(t)
	ks := testjwt.JWKS(k.ES256)
	rt := mustLoad(t, `{"providers":{"b":`+prov("same", ks, "")+`,"a":`+prov("same", ks, "")+`,"z":`+prov("", ks, "")+`}}`)
	if p := rt.findByIssuer("same"); p == nil || p.name != "a" {
		t.Errorf("findByIssuer(same) = %v, want provider a", p)
	}
	if p := rt.findByIssuer("other"); p == nil || p.name != "z" {
		t.Errorf("findByIssuer(other) = %v, want z (the provider without issuer)", p)
	}
}

func TestCompileSanitizesEveryHeaderTheFilterMaySet(t *testing.T) {
	k := testjwt.Keys(t)
	ks := testjwt.JWKS(k.ES256)
	rt := mustLoad(t, `{"providers":{
	  "a":`+prov("a", ks, `,"forward_payload_header":"X-Payload","claim_to_headers":[{"header_name":"X-Sub","claim_name":"sub"}]`)+`,
	  "b":`+prov("b", ks, `,"x_claims_to_headers":[{"claim":"email","header":"x-email","append":true}]`)+`},
	  "x_report_only":{}}`)
	want := "x-email,x-jwt-authn-status,x-payload,x-sub"
	if got := strings.Join(slices.Sorted(maps.Keys(rt.sanitizeSet)), ","); got != want {
		t.Errorf("sanitize = %s, want %s", got, want)
	}
}

func TestCompileBuildsIssuerIndexForRequiresAny(t *testing.T) {
	k := testjwt.Keys(t)
	ks := testjwt.JWKS(k.ES256)
	rt := mustLoad(t, `{"providers":{"a":`+prov("a", ks, "")+`,"b":`+prov("b", ks, "")+`,"c":`+prov("", ks, "")+`},
	  "rules":[{"match":{"prefix":"/"},"requires":{"requires_any":{"requirements":[
	    {"provider_name":"a"},{"provider_name":"b"},{"provider_name":"c"},{"allow_missing":{}}]}}}]}`)
	any := rt.rules[0].req.(*anyRequirement)
	if any.index == nil || len(any.index.groups) != 1 || len(any.index.groups[0].members) != 2 {
		t.Fatalf("index = %+v", any.index)
	}
	if !any.allowMissing || any.allowFailed || len(any.children) != 3 {
		t.Errorf("any = %+v", any)
	}
	if got := any.index.others; len(got) != 1 || got[0] != 2 {
		t.Errorf("unindexed children = %v, want [2] (the provider without issuer)", got)
	}
}
