package migrate_test

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/migrate"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/envoyconfig"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// A fixture is a source configuration from testdata/<kind>/ (each file names the public doc it
// comes from), what converting it must report, and requests with the answers the source's docs
// promise, which the converted configuration must give on both runners.
type fixture struct {
	file  string // testdata/<kind>/<file>
	drops []string
	// widens is how many drop lines start with WARNING:.
	widens int
	notes  []string
	// served answers the filter's JWKS callouts with the test key's JWKS.
	served bool
	calls  []call
}

type call struct {
	name    string
	method  string // default GET
	path    string // default /
	tokens  []tok
	want    int
	body    string            // the local reply's body, when set
	headers map[string]string // upstream headers, exactly one line each
	absent  []string          // upstream headers that must be absent
}

// tok is a token sent with the request: in a header (default "authorization: Bearer "), a
// query parameter or a cookie. claims are added to exp (2100-01-01); tamper breaks the signature;
// otherKey signs with a key the configuration does not know.
type tok struct {
	header, prefix, query, cookie string
	claims                        map[string]any
	tamper, otherKey, noExp       bool
}

const (
	istioIss = "testing@secure.istio.io"
	meshIss  = "https://dev.example.com"
)

func bearer(claims map[string]any) tok { return tok{claims: claims} }

func claims(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

var fixtures = []fixture{
	// Istio.
	{file: "istio/authn-policy.yaml", drops: []string{"spec.selector"}, served: true, calls: []call{
		{name: "no token passes", want: 200},
		{name: "valid token", tokens: []tok{bearer(claims("iss", istioIss, "sub", istioIss))}, want: 200},
		{name: "invalid token", tokens: []tok{{claims: claims("iss", istioIss), tamper: true}}, want: 401},
		{name: "token signed by another key", tokens: []tok{{claims: claims("iss", istioIss), otherKey: true}}, want: 401},
	}},
	{file: "istio/require-principal.yaml", drops: []string{"spec.selector", "spec.selector"}, served: true, calls: []call{
		{name: "no token: 403", want: 403},
		{name: "valid token", tokens: []tok{bearer(claims("iss", istioIss, "sub", istioIss))}, want: 200},
		{name: "invalid token: 401", tokens: []tok{{claims: claims("iss", istioIss), tamper: true}}, want: 401},
	}},
	{file: "istio/per-path.yaml", served: true, calls: []call{
		{name: "/headers without a token: 403", path: "/headers", want: 403},
		{name: "/headers with a token", path: "/headers", tokens: []tok{bearer(claims("iss", istioIss, "sub", istioIss))}, want: 200},
		{name: "/ip without a token", path: "/ip", want: 200},
		{name: "/headers/x is another path", path: "/headers/x", want: 200},
		{name: "/ip with an invalid token: 401", path: "/ip", tokens: []tok{{claims: claims("iss", istioIss), tamper: true}}, want: 401},
	}},
	{file: "istio/authz-jwt.yaml", drops: []string{"spec.selector", "spec.selector"}, calls: []call{
		{name: "principal in group1", tokens: []tok{bearer(claims("iss", istioIss, "sub", istioIss, "groups", []any{"group1", "group2"}))}, want: 200},
		{name: "principal without group1", tokens: []tok{bearer(claims("iss", istioIss, "sub", istioIss, "groups", []any{"group2"}))}, want: 403},
		{name: "another subject", tokens: []tok{bearer(claims("iss", istioIss, "sub", "someone", "groups", []any{"group1"}))}, want: 403},
		{name: "no token: 403", want: 403},
		{name: "invalid token: 401", tokens: []tok{{claims: claims("iss", istioIss, "sub", istioIss), tamper: true}}, want: 401},
	}},
	{file: "istio/claim-to-header.yaml", calls: []call{
		{name: "claim copied, token kept", tokens: []tok{{header: "x-jwt-assertion", prefix: "Bearer ", claims: claims("iss", istioIss, "foo", "bar")}},
			want: 200, headers: map[string]string{"x-jwt-claim-foo": "bar"}},
		{name: "no token passes", want: 200, absent: []string{"x-jwt-claim-foo"}},
		{name: "the Authorization header is not a location here", tokens: []tok{{claims: claims("iss", istioIss, "foo", "bar"), tamper: true}}, want: 200, absent: []string{"x-jwt-claim-foo"}},
		{name: "invalid token", tokens: []tok{{header: "x-jwt-assertion", prefix: "Bearer ", claims: claims("iss", istioIss), tamper: true}}, want: 401},
	}},
	// Gloo Edge.
	{file: "gloo-edge/access-control.yaml", calls: []call{
		{name: "svc-a reads /api/pets", path: "/api/pets/1", tokens: []tok{bearer(claims("iss", "kubernetes/serviceaccount", "sub", "system:serviceaccount:default:svc-a"))}, want: 200},
		{name: "svc-a may not POST: 403", method: "POST", path: "/api/pets", tokens: []tok{bearer(claims("iss", "kubernetes/serviceaccount", "sub", "system:serviceaccount:default:svc-a"))}, want: 403},
		{name: "svc-a outside the permission: 403", path: "/api/stores", tokens: []tok{bearer(claims("iss", "kubernetes/serviceaccount", "sub", "system:serviceaccount:default:svc-a"))}, want: 403},
		{name: "svc-b: 403", path: "/api/pets", tokens: []tok{bearer(claims("iss", "kubernetes/serviceaccount", "sub", "system:serviceaccount:default:svc-b"))}, want: 403},
		{name: "no token: 401", path: "/api/pets", want: 401, body: "Jwt is missing"},
		{name: "another issuer: 401", path: "/api/pets", tokens: []tok{bearer(claims("iss", "other", "sub", "system:serviceaccount:default:svc-a"))}, want: 401},
	}},
	{file: "gloo-edge/claims-to-headers.yaml", drops: []string{"upstreamRef"}, served: true, calls: []call{
		{name: "token in x-token", tokens: []tok{{header: "x-token", claims: claims("iss", "solo.io", "aud", "petstore", "sub", "user-1", "email", "u@example.com")}},
			want: 200, headers: map[string]string{"x-solo-claim-sub": "user-1", "x-solo-claims": "u@example.com"}},
		{name: "forged claim header removed", tokens: []tok{{header: "x-token", claims: claims("iss", "solo.io", "aud", "petstore")}}, want: 200, absent: []string{"x-solo-claim-sub"}},
		{name: "no token: 401", want: 401, body: "Jwt is missing"},
		{name: "wrong audience: 403", tokens: []tok{{header: "x-token", claims: claims("iss", "solo.io", "aud", "other")}}, want: 403},
	}},
	{file: "gloo-edge/staged.yaml", drops: []string{"options.jwtStaged.beforeExtAuth", "routes[0].options.jwtStaged.beforeExtAuth"}, calls: []call{
		{name: "no token passes (ALLOW_MISSING)", path: "/pets", want: 200},
		{name: "valid token", path: "/pets", tokens: []tok{bearer(claims("iss", "kubernetes/serviceaccount"))}, want: 200},
		{name: "invalid token: 401", path: "/pets", tokens: []tok{{claims: claims("iss", "kubernetes/serviceaccount"), tamper: true}}, want: 401},
		{name: "JWT disabled on /public", path: "/public/x", tokens: []tok{{claims: claims("iss", "kubernetes/serviceaccount"), tamper: true}}, want: 200},
	}},
	// Gloo Mesh.
	{file: "gloo-mesh/jwt-routes.yaml", drops: []string{"spec.applyToRoutes", "spec.config.phase"}, calls: []call{
		{name: "no token: 401 Jwt is missing", want: 401, body: "Jwt is missing"},
		{name: "X-Auth header", tokens: []tok{{header: "X-Auth", prefix: "Bearer ", claims: claims("iss", meshIss, "org", "solo-io", "email", "dev@solo.io")}},
			want: 200, headers: map[string]string{"x-org": "solo-io", "x-email": "dev@solo.io"}},
		{name: "auth_token query parameter", tokens: []tok{{query: "auth_token", claims: claims("iss", meshIss, "org", "solo-io")}}, want: 200, headers: map[string]string{"x-org": "solo-io"}},
		{name: "both valid", tokens: []tok{{header: "X-Auth", prefix: "Bearer ", claims: claims("iss", meshIss)}, {query: "auth_token", claims: claims("iss", meshIss)}}, want: 200},
		{name: "header valid, query invalid: 401", tokens: []tok{{header: "X-Auth", prefix: "Bearer ", claims: claims("iss", meshIss)}, {query: "auth_token", claims: claims("iss", meshIss), tamper: true}}, want: 401},
		{name: "header invalid, query valid: 401", tokens: []tok{{header: "X-Auth", prefix: "Bearer ", claims: claims("iss", meshIss), tamper: true}, {query: "auth_token", claims: claims("iss", meshIss)}}, want: 401},
		{name: "another issuer: 401", tokens: []tok{{header: "X-Auth", prefix: "Bearer ", claims: claims("iss", "https://other.example.com")}}, want: 401},
		{name: "Authorization is not a location: 401 Jwt is missing", tokens: []tok{bearer(claims("iss", meshIss))}, want: 401, body: "Jwt is missing"},
	}},
	{file: "gloo-mesh/claims-scopes.yaml", calls: []call{
		{name: "scope and org", tokens: []tok{bearer(claims("iss", meshIss, "scope", "read:secrets is:developer", "org", "solo.io"))}, want: 200},
		{name: "missing scope: 403", tokens: []tok{bearer(claims("iss", meshIss, "scope", "read:secrets", "org", "solo.io"))}, want: 403},
		{name: "other org: 403", tokens: []tok{bearer(claims("iss", meshIss, "scope", "is:developer", "org", "other"))}, want: 403},
		{name: "team ops: 403", tokens: []tok{bearer(claims("iss", meshIss, "scope", "is:developer", "org", "solo.io", "team", "ops"))}, want: 403},
		{name: "no token: 401", want: 401, body: "Jwt is missing"},
	}},
	{file: "gloo-mesh/remote.yaml", drops: []string{"spec.applyToDestinations", "destinationRef"}, served: true, calls: []call{
		{name: "valid token", tokens: []tok{bearer(claims("iss", "https://dev-example.us.auth0.com/", "aud", "https://ratings.example.com"))}, want: 200},
		{name: "invalid token: 401", tokens: []tok{{claims: claims("iss", "https://dev-example.us.auth0.com/", "aud", "https://ratings.example.com"), tamper: true}}, want: 401},
		{name: "no token: 401", want: 401, body: "Jwt is missing"},
	}},
	// KrakenD.
	{file: "krakend/validator.json", drops: []string{"auth/validator.alg", "auth/validator.operation_debug"}, notes: []string{"audience"}, served: true, calls: []call{
		{name: "role user", path: "/foo", tokens: []tok{bearer(claims("iss", "https://idp.example.com/", "aud", "audience1", "sub", "u1", "roles", []any{"user"}))}, want: 200, headers: map[string]string{"x-user": "u1"}},
		{name: "role guest: 403", path: "/foo", tokens: []tok{bearer(claims("iss", "https://idp.example.com/", "aud", "audience1", "roles", []any{"guest"}))}, want: 403},
		{name: "no token: 401", path: "/foo", want: 401},
		{name: "invalid token: 401", path: "/foo", tokens: []tok{{claims: claims("iss", "https://idp.example.com/", "aud", "audience1", "roles", []any{"user"}), tamper: true}}, want: 401},
		{name: "another method is another endpoint", method: "POST", path: "/foo", want: 200},
	}},
	{file: "krakend/playground.json", drops: []string{"auth/validator.alg", "disable_jwk_security"}, notes: []string{"audience"}, served: true, calls: []call{
		{name: "moderator", path: "/private/moderate", tokens: []tok{bearer(claims("aud", "playground", "realm_access", map[string]any{"roles": []any{"moderator"}}))}, want: 200},
		{name: "no role: 403", path: "/private/moderate", tokens: []tok{bearer(claims("aud", "playground", "realm_access", map[string]any{"roles": []any{"user"}}))}, want: 403},
		{name: "no token: 401", path: "/private/moderate", want: 401},
		{name: "public endpoint", path: "/public", want: 200},
	}},
	{file: "krakend/scopes-cookie.yaml", drops: []string{"auth/validator.alg"}, calls: []call{
		{name: "both scopes", method: "POST", path: "/users/42", tokens: []tok{bearer(claims("iss", "https://idp.example.com/", "scope", "read write"))}, want: 200},
		{name: "both scopes, in the cookie", method: "POST", path: "/users/42", tokens: []tok{{cookie: "access_token", claims: claims("iss", "https://idp.example.com/", "scope", "write read")}}, want: 200},
		{name: "one scope: 403", method: "POST", path: "/users/42", tokens: []tok{bearer(claims("iss", "https://idp.example.com/", "scope", "read"))}, want: 403},
		{name: "no token: 401", method: "POST", path: "/users/42", want: 401},
		{name: "the placeholder is one segment", method: "POST", path: "/users/42/x", want: 200},
		{name: "GET is another endpoint", method: "GET", path: "/users/42", want: 200},
	}},
	{file: "krakend/signer.json", drops: []string{"auth/signer.disable_jwk_security"}, calls: []call{
		{name: "token endpoint", method: "POST", path: "/token", want: 200},
	}},
	// agentgateway.
	{file: "agentgateway/strict.yaml", calls: []call{
		{name: "valid token", path: "/mcp/tools", tokens: []tok{bearer(claims("iss", "agentgateway.dev", "aud", "test.agentgateway.dev"))}, want: 200},
		{name: "no token: 401", path: "/mcp/tools", want: 401},
		{name: "another issuer: 401", path: "/mcp/tools", tokens: []tok{bearer(claims("iss", "other", "aud", "test.agentgateway.dev"))}, want: 401},
		{name: "no exp: 401", path: "/mcp/tools", tokens: []tok{{claims: claims("iss", "agentgateway.dev", "aud", "test.agentgateway.dev"), noExp: true}}, want: 401},
		{name: "route without jwtAuth", path: "/other", want: 200},
	}},
	{file: "agentgateway/gateway-optional.yaml", drops: []string{"policy.authorization", "gatewayPolicies[0].target"}, widens: 1, notes: []string{"audience"}, served: true, calls: []call{
		{name: "no token passes", want: 200},
		{name: "valid token", tokens: []tok{bearer(claims("iss", "agentgateway.dev", "aud", "test.agentgateway.dev"))}, want: 200},
		{name: "valid token without exp", tokens: []tok{{claims: claims("iss", "agentgateway.dev", "aud", "test.agentgateway.dev"), noExp: true}}, want: 200},
		{name: "invalid token: 401", tokens: []tok{{claims: claims("iss", "agentgateway.dev", "aud", "test.agentgateway.dev"), tamper: true}}, want: 401},
	}},
	{file: "agentgateway/kubernetes-strict.yaml", drops: []string{"spec.targetRefs"}, notes: []string{"audience"}, calls: []call{
		{name: "valid token", tokens: []tok{bearer(claims("iss", "solo.io", "aud", "account"))}, want: 200},
		{name: "no token: 401", want: 401},
		{name: "invalid token: 401", tokens: []tok{{claims: claims("iss", "solo.io", "aud", "account"), tamper: true}}, want: 401},
	}},
	{file: "agentgateway/permissive.yaml", calls: []call{
		{name: "no token passes", want: 200},
		{name: "invalid token passes", tokens: []tok{{claims: claims("iss", "agentgateway.dev"), tamper: true}}, want: 200},
		{name: "valid token", tokens: []tok{bearer(claims("iss", "agentgateway.dev"))}, want: 200},
	}},
}

// TestFixturesConvert converts every fixture, checks the reported drops and notes, and that the
// configuration (without x_ keys) is one Envoy accepts.
func TestFixturesConvert(t *testing.T) {
	perKind := map[string]int{}
	for _, f := range append(fixtures, pendingFixtures...) {
		perKind[filepath.Dir(f.file)]++
		t.Run(f.file, func(t *testing.T) { convertFixture(t, f) })
	}
	for _, k := range migrate.Kinds {
		if perKind[k] < 3 {
			t.Errorf("%s: %d fixtures, want at least 3", k, perKind[k])
		}
	}
	files, _ := filepath.Glob("testdata/*/*.*")
	known := map[string]bool{}
	for _, f := range append(fixtures, pendingFixtures...) {
		known[f.file] = true
	}
	for _, p := range files {
		rel := strings.TrimPrefix(p, "testdata/")
		if (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".json")) && !known[rel] &&
			!strings.HasPrefix(rel, "keys/") && !strings.HasPrefix(filepath.Base(rel), "jwk_") {
			t.Errorf("%s: a fixture without a test", rel)
		}
	}
}

func convertFixture(t *testing.T, f fixture) *migrate.Result {
	t.Helper()
	path := filepath.Join("testdata", f.file)
	input, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := migrate.Convert(filepath.Dir(f.file), input, migrate.Options{ReadFile: func(name string) ([]byte, error) {
		return os.ReadFile(filepath.Join(filepath.Dir(path), name))
	}})
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	var lines []string
	widens := 0
	for _, d := range res.Drops {
		lines = append(lines, d.String())
		if d.Widens {
			widens++
			if !strings.HasPrefix(d.String(), "WARNING: ") {
				t.Errorf("a drop that widens access without WARNING: %s", d)
			}
		}
	}
	if len(lines) != len(f.drops) || widens != f.widens {
		t.Errorf("drops: got %d (%d widening), want %d (%d widening):\n%s", len(lines), widens, len(f.drops), f.widens, strings.Join(lines, "\n"))
	}
	for _, want := range f.drops {
		if !containsLine(lines, want) {
			t.Errorf("no drop line mentions %q:\n%s", want, strings.Join(lines, "\n"))
		}
	}
	for _, want := range f.notes {
		if !containsLine(res.Notes, want) {
			t.Errorf("no note mentions %q: %q", want, res.Notes)
		}
	}
	if err := envoyconfig.Accepts(res.Config); err != nil {
		t.Errorf("Envoy would refuse the configuration: %v\n%s", err, res.Config)
	}
	if f.served != (len(res.Clusters) > 0) {
		t.Errorf("clusters %v, want some: %v", res.Clusters, f.served)
	}
	return res
}

func containsLine(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// TestFixturesBehaveAsDocumented sends each fixture's requests through the converted
// configuration on both runners.
func TestFixturesBehaveAsDocumented(t *testing.T) {
	for _, f := range fixtures {
		t.Run(f.file, func(t *testing.T) { runFixture(t, f, serveJWKS) })
	}
}

func runFixture(t *testing.T, f fixture, serve func(filtertest.Callout) filtertest.CalloutResponse) {
	res := convertFixture(t, f)
	if t.Failed() {
		t.FailNow()
	}
	filtertest.Run(t, filtertest.Options{Config: res.Config}, func(t *testing.T, h filtertest.Host) {
		for _, c := range f.calls {
			up, lr, saw := send(t, h, c, serve)
			if f.served && !saw && len(c.tokens) > 0 && c.want != 200 && lr != nil && lr.Status == 401 && strings.Contains(string(lr.Body), "Jwks") {
				t.Errorf("%s: the JWKS fetch failed: %s", c.name, lr.Body)
			}
			switch {
			case c.want == 200 && lr != nil:
				t.Errorf("%s: want 200, got %d %q", c.name, lr.Status, lr.Body)
			case c.want != 200 && lr == nil:
				t.Errorf("%s: want %d, the request reached the upstream", c.name, c.want)
			case c.want != 200 && int(lr.Status) != c.want:
				t.Errorf("%s: want %d, got %d %q", c.name, c.want, lr.Status, lr.Body)
			case c.want != 200 && c.body != "" && string(lr.Body) != c.body:
				t.Errorf("%s: want body %q, got %q", c.name, c.body, lr.Body)
			}
			if lr != nil {
				continue
			}
			for name, want := range c.headers {
				if got := up.Values(name); len(got) != 1 || got[0] != want {
					t.Errorf("%s: upstream header %s: want [%q], got %q", c.name, name, want, got)
				}
			}
			for _, name := range c.absent {
				if got := up.Values(name); len(got) > 0 {
					t.Errorf("%s: upstream header %s: want absent, got %q", c.name, name, got)
				}
			}
		}
	})
}

// send makes one request; it answers the filter's callouts with serve.
func send(t *testing.T, h filtertest.Host, c call, serve func(filtertest.Callout) filtertest.CalloutResponse) (filtertest.Headers, *filtertest.LocalResponse, bool) {
	method, path := c.method, c.path
	if method == "" {
		method = "GET"
	}
	if path == "" {
		path = "/"
	}
	var kv []string
	var query, cookies []string
	for _, tk := range c.tokens {
		token := mint(t, tk)
		switch {
		case tk.query != "":
			query = append(query, url.QueryEscape(tk.query)+"="+url.QueryEscape(token))
		case tk.cookie != "":
			cookies = append(cookies, tk.cookie+"="+token)
		default:
			name, prefix := tk.header, tk.prefix
			if name == "" {
				name, prefix = "authorization", "Bearer "
			}
			kv = append(kv, name, prefix+token)
		}
	}
	// Forged copies of the claim headers a fixture checks: the filter must replace them.
	for name := range c.headers {
		kv = append(kv, name, "forged")
	}
	for _, name := range c.absent {
		kv = append(kv, name, "forged")
	}
	if len(query) > 0 {
		path += "?" + strings.Join(query, "&")
	}
	if len(cookies) > 0 {
		kv = append(kv, "cookie", strings.Join(cookies, "; "))
	}
	s := h.NewStream()
	defer s.Done()
	s.SendRequestHeaders(filtertest.Request(method, path, kv...), true)
	saw := false
	for round := 0; round < 16; round++ {
		pending := h.Callouts()
		if len(pending) == 0 {
			break
		}
		saw = true
		for i := len(pending) - 1; i >= 0; i-- {
			h.Respond(pending[i].ID, serve(pending[i]))
		}
	}
	if lr := s.LocalResponse(); lr != nil {
		return nil, lr, saw
	}
	if s.Paused() {
		t.Fatalf("%s: the filter still holds the request", c.name)
	}
	return s.RequestHeaders(), nil, saw
}

// serveJWKS answers every callout with the test key's JWKS.
func serveJWKS(filtertest.Callout) filtertest.CalloutResponse {
	data, err := os.ReadFile("testdata/keys/rsa-public.jwks.json")
	if err != nil {
		panic(err)
	}
	return filtertest.CalloutResponse{Headers: filtertest.Headers{{":status", "200"}, {"content-type", "application/json"}}, Body: data}
}

var (
	keyOnce       sync.Once
	testKey       *testjwt.Key
	errLoadingKey error
)

// fixtureKey is the checked-in key whose public half the fixtures embed (testdata/keys).
func fixtureKey(t *testing.T) *testjwt.Key {
	t.Helper()
	keyOnce.Do(func() {
		data, err := os.ReadFile("testdata/keys/rsa-private.pem")
		if err != nil {
			errLoadingKey = err
			return
		}
		block, _ := pem.Decode(data)
		if block == nil {
			errLoadingKey = errors.New("testdata/keys/rsa-private.pem: no PEM block")
			return
		}
		private, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			errLoadingKey = err
			return
		}
		testKey, errLoadingKey = testjwt.NewKey("migrate-fixtures", private)
	})
	if errLoadingKey != nil {
		t.Fatal(errLoadingKey)
	}
	return testKey
}

// mint signs a token with the fixtures' key (kid test-rsa), exp in 2100 unless noExp; otherKey
// signs with another key under the same kid.
func mint(t *testing.T, tk tok) string {
	mc := map[string]any{}
	if !tk.noExp {
		mc["exp"] = 4102444800
	}
	for k, v := range tk.claims {
		mc[k] = v
	}
	payload, err := json.Marshal(mc)
	if err != nil {
		t.Fatal(err)
	}
	const header = `{"alg":"RS256","kid":"test-rsa","typ":"JWT"}`
	var s string
	if tk.otherKey {
		s = testjwt.Keys(t).RS256.TokenWithHeader(header, string(payload))
	} else if s, err = testjwt.SignToken("RS256", fixtureKey(t), header, string(payload)); err != nil {
		t.Fatal(err)
	}
	if tk.tamper {
		// Change the signature's first character.
		dot := strings.LastIndexByte(s, '.')
		b := []byte(s)
		if b[dot+1] == 'A' {
			b[dot+1] = 'B'
		} else {
			b[dot+1] = 'A'
		}
		s = string(b)
	}
	return s
}

// sanity: the converted configuration is JSON with providers.
func TestFixtureOutputIsJSON(t *testing.T) {
	res := convertFixture(t, fixtures[0])
	var v map[string]any
	if err := json.Unmarshal(res.Config, &v); err != nil || v["providers"] == nil {
		t.Fatalf("output is not a configuration with providers: %v", err)
	}
}

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

// TestConversionIsDeterministic: converting the same input again gives the same bytes, drops
// and notes (map orders never leak into the output).
func TestConversionIsDeterministic(t *testing.T) {
	for _, f := range append(fixtures, pendingFixtures...) {
		first := convertFixture(t, f)
		for i := 0; i < 5; i++ {
			again := convertFixture(t, f)
			if string(again.Config) != string(first.Config) || len(again.Drops) != len(first.Drops) || strings.Join(again.Notes, "\n") != strings.Join(first.Notes, "\n") {
				t.Fatalf("%s: conversion %d differs from the first", f.file, i+2)
			}
			for j := range again.Drops {
				if again.Drops[j] != first.Drops[j] {
					t.Fatalf("%s: drop %d differs: %s / %s", f.file, j, again.Drops[j], first.Drops[j])
				}
			}
		}
	}
}
