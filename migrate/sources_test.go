package migrate_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/migrate"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/envoyconfig"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// TestFieldMappings checks the README's field tables row by row where the fixtures do not: each
// case's compact output must contain every want string, and the drops must be exactly those
// listed (by a substring each).
func TestFieldMappings(t *testing.T) {
	files := map[string]string{"keys.json": `{"keys":[{"kty":"oct","kid":"s1","alg":"HS256","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI"}]}`}
	for _, c := range []struct {
		name, kind, input string
		want              []string
		drops             []string
		widens            int
	}{
		{name: "gloo-edge: ALLOW_MISSING_OR_FAILED, rbac matchers, delimiter, provider, route matchers, rbac disabled on a route", kind: "gloo-edge", input: `
apiVersion: gateway.solo.io/v1
kind: VirtualService
spec:
  virtualHost:
    options:
      jwt:
        validationPolicy: ALLOW_MISSING_OR_FAILED
        providers:
          p1: {issuer: https://a, jwks: {local: {key: '{"keys":[]}'}}}
      rbac:
        policies:
          admins:
            nestedClaimDelimiter: /
            principals:
            - jwtPrincipal:
                provider: p1
                matcher: LIST_CONTAINS
                claims: {realm_access/roles: admin}
            - jwtPrincipal:
                matcher: BOOLEAN
                claims: {email_verified: "true"}
    routes:
    - matchers:
      - exact: /health
        methods: [GET, HEAD]
      - regex: /status/[0-9]+
        headers: [{name: x, value: y}]
      options:
        rbac: {disable: true}
`, want: []string{
			`"requires":{"allow_missing_or_failed":{}}`,
			`{"match":{"path":"/health","headers":[{"name":":method","string_match":{"safe_regex":{"regex":"GET|HEAD"}}}]},"requires":{"allow_missing_or_failed":{}}}`,
			`{"match":{"safe_regex":{"regex":"/status/[0-9]+"}},"requires":{"allow_missing_or_failed":{}}}`,
			`"x_authorize":{"any":[{"claims":[{"claim_path":["realm_access","roles"],"any_of":["admin"]},{"claim":"iss","equals":"https://a"}]},{"claims":[{"claim_path":["email_verified"],"equals":true}]}]}`,
		}, drops: []string{"matchers[1].headers"}},
		{name: "gloo-mesh: several providers with requirements are tied to their issuers; several policies widen", kind: "gloo-mesh", input: `
apiVersion: security.policy.gloo.solo.io/v2
kind: JWTPolicy
spec:
  config:
    providers:
      a: {issuer: https://a, local: {inline: '{"keys":[]}'}, requiredScopes: [read]}
      b: {issuer: https://b, local: {inline: '{"keys":[]}'}, clockSkewSeconds: 5}
---
apiVersion: security.policy.gloo.solo.io/v2
kind: JWTPolicy
spec:
  config:
    providers:
      c: {issuer: https://c, remote: {url: "https://c:8443/jwks"}}
`, want: []string{
			`"requires":{"requires_any":{"requirements":[{"provider_name":"a"},{"provider_name":"b"},{"provider_name":"c"}]}}`,
			`"x_authorize":{"any":[{"claims":[{"claim":"iss","equals":"https://a"}],"scopes_all_of":["read"]},{"claims":[{"claim":"iss","equals":"https://b"}]},{"claims":[{"claim":"iss","equals":"https://c"}]}]}`,
			`"clock_skew_seconds":5`, `"cluster":"jwks_c_8443"`, `"x_require_valid_tokens":true`,
		}, drops: []string{"several JWTPolicies"}, widens: 1},
		{name: "krakend: cache off, leeway, header name, nested scopes key, non-nested roles key with a dot", kind: "krakend", input: `{"endpoints":[
  {"endpoint":"/a","method":"put","extra_config":{"auth/validator":{"jwk_url":"http://idp:8080/jwks","cache":false,"cache_duration":60,
    "leeway":"2m","auth_header_name":"X-Token","roles_key":"https://ex.com/roles","roles":["r"],"scopes_key":"ctx.scp","scopes":["s"],"mystery":1}}},
  {"endpoint":"/b","extra_config":{"auth/signer":{"kid":"k","keys_to_sign":["t"],"jwk_url":"https://keys/x"}}},
  {"endpoint":"/c","extra_config":{"auth/validator":{"jwk_local_path":"keys.json","issuer":"i"}}}]}`, want: []string{
			`"match":{"path":"/a","headers":[{"name":":method","string_match":{"exact":"PUT"}}]}`,
			`"from_headers":[{"name":"X-Token","value_prefix":"Bearer "}]`, `"clock_skew_seconds":120`,
			`"x_authorize":{"claims":[{"claim_path":["https://ex.com/roles"],"any_of":["r"]},{"claim":"ctx.scp","split":"space","any_of":["s"]}]}`,
			`"inline_string":"{\"keys\":[{\"kty\":\"oct\"`,
		}, drops: []string{"auth/validator.cache:", "auth/validator.cache_duration", "auth/validator.mystery", "auth/signer.jwk_url"}},
		{name: "krakend: signer keys and alg", kind: "krakend", input: `{"endpoints":[{"endpoint":"/t","extra_config":{"auth/signer":{"alg":"HS512","kid":"s1","keys_to_sign":["access_token"],"jwk_local_path":"keys.json","full":true}}}]}`,
			want:  []string{`"x_sign":{"keys_to_sign":["access_token"],"kid":"s1","full":true}`, `"x_signing_keys":{"local_jwks":{"inline_string":"{\"keys\":[{`},
			drops: []string{`auth/signer.alg: dropped: the signing algorithm is the key's alg member ("HS256"), not "HS512"`}},
		{name: "agentgateway: Kubernetes backendRef, location header, required claims", kind: "agentgateway", input: `
apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
spec:
  traffic:
    jwtAuthentication:
      mode: Optional
      location: {header: {name: x-jwt, prefix: "JWT "}}
      providers:
      - issuer: https://idp
        jwks:
          remote: {jwksPath: /keys, backendRef: {name: idp, namespace: auth, port: 8080}, cacheDuration: 5m}
        jwtValidationOptions: {requiredClaims: [sub, exp]}
`, want: []string{
			`"requires":{"requires_any":{"requirements":[{"provider_name":"agentgateway"},{"allow_missing":{}}]}}`,
			`"from_headers":[{"name":"x-jwt","value_prefix":"JWT "}]`, `"require_expiration":true`,
			`"http_uri":{"uri":"http://idp.auth:8080/keys","cluster":"jwks_idp_auth_8080","timeout":"5s"},"cache_duration":"300s"`,
		}, drops: []string{"spec.traffic.jwtAuthentication.providers[0].jwks.remote.backendRef", `requiredClaims: dropped: presence of "sub"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := migrate.Convert(c.kind, []byte(c.input), migrate.Options{ReadFile: func(name string) ([]byte, error) {
				return []byte(files[name]), nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, res.Config); err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(compact.String(), w) {
					t.Errorf("output lacks %s\n%s", w, compact.String())
				}
			}
			var lines []string
			widens := 0
			for _, d := range res.Drops {
				lines = append(lines, d.String())
				if d.Widens {
					widens++
				}
			}
			if len(lines) != len(c.drops) || widens != c.widens {
				t.Errorf("drops: got %d (%d widening), want %d (%d):\n%s", len(lines), widens, len(c.drops), c.widens, strings.Join(lines, "\n"))
			}
			for _, d := range c.drops {
				if !containsLine(lines, d) {
					t.Errorf("no drop mentions %q:\n%s", d, strings.Join(lines, "\n"))
				}
			}
			if err := envoyconfig.Accepts(res.Config); err != nil {
				t.Errorf("Envoy would refuse: %v", err)
			}
		})
	}
}

// TestGlooPermissionsThroughTheFilter: virtual-host rbac with overlapping permissions gives
// Envoy RBAC's answers: a request is allowed when some policy whose permission covers its path
// and method lists the token's principal; else 403.
func TestGlooPermissionsThroughTheFilter(t *testing.T) {
	jwks, _ := jsonFile(t, "testdata/keys/rsa-public.jwks.json")
	input := `
apiVersion: gateway.solo.io/v1
kind: VirtualService
spec:
  virtualHost:
    options:
      jwt:
        providers:
          p: {issuer: https://a, jwks: {local: {key: '` + jwks + `'}}}
      rbac:
        policies:
          admins:
            permissions: {pathPrefix: /api/admin}
            principals: [{jwtPrincipal: {claims: {role: admin}}}]
          readers:
            permissions: {pathPrefix: /api, methods: [GET]}
            principals: [{jwtPrincipal: {claims: {role: reader}}}]
          staff:
            principals: [{jwtPrincipal: {claims: {role: staff}}}]
`
	res, err := migrate.Convert("gloo-edge", []byte(input), migrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Drops) != 0 {
		t.Errorf("drops: %v", res.Drops)
	}
	as := func(role string) []tok { return []tok{bearer(claims("iss", "https://a", "role", role))} }
	calls := []call{
		{name: "admin POST /api/admin/x", method: "POST", path: "/api/admin/x", tokens: as("admin"), want: 200},
		{name: "reader GET /api/admin/x (its GET covers /api...)", path: "/api/admin/x", tokens: as("reader"), want: 200},
		{name: "reader POST /api/admin/x: 403", method: "POST", path: "/api/admin/x", tokens: as("reader"), want: 403},
		{name: "admin GET /api/pets: 403", path: "/api/pets", tokens: as("admin"), want: 403},
		{name: "reader GET /api/pets", path: "/api/pets", tokens: as("reader"), want: 200},
		{name: "reader DELETE /api/pets: 403", method: "DELETE", path: "/api/pets", tokens: as("reader"), want: 403},
		{name: "staff anywhere", method: "PUT", path: "/other", tokens: as("staff"), want: 200},
		{name: "staff /api/admin", method: "DELETE", path: "/api/admin", tokens: as("staff"), want: 200},
		{name: "nobody: 403", path: "/other", tokens: as("guest"), want: 403},
		{name: "no token: 401", path: "/other", want: 401},
	}
	filtertest.Run(t, filtertest.Options{Config: res.Config}, func(t *testing.T, h filtertest.Host) {
		for _, c := range calls {
			_, lr, _ := send(t, h, c, serveJWKS)
			switch {
			case c.want == 200 && lr != nil:
				t.Errorf("%s: got %d %q", c.name, lr.Status, lr.Body)
			case c.want != 200 && (lr == nil || int(lr.Status) != c.want):
				t.Errorf("%s: want %d, got %+v", c.name, c.want, lr)
			}
		}
	})
}
