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

const istioAuthn = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: ra}
spec:
  jwtRules:
  - issuer: https://idp.example.com/realms/x
    jwks: '{"keys":[]}'
    spaceDelimitedClaims: [roles]
---
`

func istioPolicy(action, rules string) string {
	return istioAuthn + "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ap}\nspec:\n  action: " + action + "\n  rules:\n" + rules
}

// authorizeOf converts and returns the rule's x_authorize as compact JSON ("" when none).
func authorizeOf(t *testing.T, input string) (string, *migrate.Result) {
	t.Helper()
	res, err := migrate.Convert("istio", []byte(input), migrate.Options{})
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	var cfg struct {
		Rules []struct {
			XAuthorize json.RawMessage `json:"x_authorize"`
		} `json:"rules"`
	}
	if err := json.Unmarshal(res.Config, &cfg); err != nil || len(cfg.Rules) != 1 {
		t.Fatalf("%v: %s", err, res.Config)
	}
	if err := envoyconfig.Accepts(res.Config); err != nil {
		t.Errorf("Envoy would refuse: %v", err)
	}
	if len(cfg.Rules[0].XAuthorize) == 0 {
		return "", res
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, cfg.Rules[0].XAuthorize); err != nil {
		t.Fatal(err)
	}
	return compact.String(), res
}

func TestIstioAuthorizationPolicies(t *testing.T) {
	const iss = "https://idp.example.com/realms/x"
	for _, c := range []struct {
		name, action, rules, want string
		widens                    int
		tokenlessNote             bool
	}{
		{"principal with a slash in the issuer", "ALLOW", "  - from:\n    - source:\n        requestPrincipals: [\"" + iss + "/alice\"]\n",
			`{"claims":[{"claim":"iss","any_of":["` + iss + `"]},{"claim":"sub","any_of":["alice"]}]}`, 0, false},
		{"any principal", "ALLOW", "  - from:\n    - source:\n        requestPrincipals: [\"*\"]\n", `{}`, 0, false},
		{"issuer wildcard and subject wildcard", "ALLOW", "  - from:\n    - source:\n        requestPrincipals: [\"" + iss + "/*\", \"*/bob\"]\n",
			`{"any":[{"claims":[{"claim":"iss","any_of":["` + iss + `"]}]},{"claims":[{"claim":"sub","any_of":["bob"]}]}]}`, 0, false},
		{"claims, nested claims, presence, space-delimited", "ALLOW",
			"  - when:\n    - key: request.auth.claims[groups]\n      values: [a, b]\n    - key: request.auth.claims[realm_access][roles]\n      notValues: [banned]\n" +
				"    - key: request.auth.claims[scope]\n      values: [read]\n    - key: request.auth.claims[roles]\n      values: ['*']\n    - key: request.auth.audiences\n      values: [api]\n",
			`{"claims":[{"claim":"groups","any_of":["a","b"]},{"claim_path":["realm_access","roles"],"none_of":["banned"]},{"claim":"scope","split":"space","any_of":["read"]},{"claim":"roles","split":"space","present":true},{"claim":"aud","any_of":["api"]}]}`, 0, false},
		{"two rules: OR", "ALLOW", "  - when:\n    - key: request.auth.claims[a]\n      values: [\"1\"]\n  - when:\n    - key: request.auth.claims[b]\n      values: [\"2\"]\n",
			`{"any":[{"claims":[{"claim":"a","any_of":["1"]}]},{"claims":[{"claim":"b","any_of":["2"]}]}]}`, 0, false},
		{"unsupported condition dropped from an ALLOW rule: WARNING", "ALLOW",
			"  - to:\n    - operation:\n        hosts: [example.com]\n    when:\n    - key: request.auth.claims[a]\n      values: [x]\n    - key: source.ip\n      values: [10.0.0.1]\n",
			`{"claims":[{"claim":"a","any_of":["x"]}]}`, 1, false},
		{"ALLOW rule matching requests without a token is noted", "ALLOW", "  - when:\n    - key: request.auth.claims[a]\n      notValues: [x]\n",
			`{"claims":[{"claim":"a","none_of":["x"]}]}`, 0, true},
		{"DENY without principal: a verified token is required", "DENY", "  - from:\n    - source:\n        notRequestPrincipals: [\"*\"]\n", `{}`, 0, false},
		{"DENY on claims is negated", "DENY", "  - when:\n    - key: request.auth.claims[groups]\n      values: [banned]\n    - key: request.auth.claims[tier]\n      values: [free]\n",
			`{"any":[{"claims":[{"claim":"groups","none_of":["banned"]}]},{"claims":[{"claim":"tier","none_of":["free"]}]}]}`, 0, true},
		{"DENY rule with an unsupported condition is dropped whole: WARNING", "DENY",
			"  - from:\n    - source:\n        ipBlocks: [1.2.3.4]\n    when:\n    - key: request.auth.claims[groups]\n      values: [banned]\n", ``, 1, false},
		{"prefix wildcard in a value is unsupported", "ALLOW", "  - when:\n    - key: request.auth.claims[email]\n      values: ['*@example.com']\n", ``, 1, false},
		{"CUSTOM is not converted: WARNING", "CUSTOM", "  - {}\n", ``, 1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, res := authorizeOf(t, istioPolicy(c.action, c.rules))
			if got != c.want {
				t.Errorf("x_authorize\n got %s\nwant %s", got, c.want)
			}
			widens := 0
			for _, d := range res.Drops {
				if d.Widens {
					widens++
				}
			}
			if widens != c.widens {
				t.Errorf("%d WARNING drops, want %d: %v", widens, c.widens, res.Drops)
			}
			noted := false
			for _, n := range res.Notes {
				noted = noted || strings.Contains(n, "without a verified token")
			}
			if noted != c.tokenlessNote {
				t.Errorf("note about requests without a token: %v, want %v: %q", noted, c.tokenlessNote, res.Notes)
			}
		})
	}
}

// TestIstioDenyOnClaimsThroughTheFilter: a DENY rule on a claim refuses tokens carrying it
// with 403 and lets others through; invalid tokens still get 401.
func TestIstioDenyOnClaimsThroughTheFilter(t *testing.T) {
	jwks, _ := jsonFile(t, "testdata/keys/rsa-public.jwks.json")
	input := strings.Replace(istioPolicy("DENY", "  - when:\n    - key: request.auth.claims[groups]\n      values: [banned]\n"), `'{"keys":[]}'`, "'"+jwks+"'", 1)
	res, err := migrate.Convert("istio", []byte(input), migrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const iss = "https://idp.example.com/realms/x"
	f := fixture{calls: []call{
		{name: "other group", tokens: []tok{bearer(claims("iss", iss, "groups", []any{"users"}))}, want: 200},
		{name: "banned: 403", tokens: []tok{bearer(claims("iss", iss, "groups", []any{"users", "banned"}))}, want: 403},
		{name: "invalid: 401", tokens: []tok{{claims: claims("iss", iss), tamper: true}}, want: 401},
		{name: "no token: 403 (narrower than Istio, noted)", want: 403},
	}}
	filtertest.Run(t, filtertest.Options{Config: res.Config}, func(t *testing.T, h filtertest.Host) {
		for _, c := range f.calls {
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

func jsonFile(t *testing.T, path string) (string, error) {
	t.Helper()
	data, err := readFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	compact, _ := json.Marshal(v)
	return string(compact), nil
}

// TestIstioPolicyTooLargeIsRefused: DENY rules of two conditions each negate into two groups;
// twelve of them would need 4096 groups: refused with a message, quickly.
func TestIstioPolicyTooLargeIsRefused(t *testing.T) {
	var rules strings.Builder
	for i := 0; i < 12; i++ {
		rules.WriteString("  - when:\n    - key: request.auth.claims[a]\n      values: [x]\n    - key: request.auth.claims[b]\n      values: [\"z\"]\n")
	}
	_, err := migrate.Convert("istio", []byte(istioPolicy("DENY", rules.String())), migrate.Options{})
	if err == nil || !strings.Contains(err.Error(), "more than 1024 groups") {
		t.Fatalf("got %v, want the policy refused as too large", err)
	}
}

// TestIstioTwoIssuersThroughTheFilter: with two jwtRules on the same (default) location, a token
// of either issuer passes, no token passes, and an invalid token of either gets 401: istiod's
// requirement shape (per rule "provider or allow_missing" alone would refuse a token of the
// other issuer with "Jwt issuer is not configured", as Envoy does).
func TestIstioTwoIssuersThroughTheFilter(t *testing.T) {
	jwks, _ := jsonFile(t, "testdata/keys/rsa-public.jwks.json")
	input := "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nspec:\n  jwtRules:\n" +
		"  - issuer: https://a.example.com\n    jwks: '" + jwks + "'\n" +
		"  - issuer: https://b.example.com\n    jwks: '" + jwks + "'\n\n"
	res, err := migrate.Convert("istio", []byte(input), migrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	calls := []call{
		{name: "issuer a", tokens: []tok{bearer(claims("iss", "https://a.example.com"))}, want: 200},
		{name: "issuer b", tokens: []tok{{claims: claims("iss", "https://b.example.com")}}, want: 200},

		{name: "no token", want: 200},
		{name: "invalid a: 401", tokens: []tok{{claims: claims("iss", "https://a.example.com"), tamper: true}}, want: 401},
		{name: "invalid b: 401", tokens: []tok{{claims: claims("iss", "https://b.example.com"), tamper: true}}, want: 401},
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

// TestIstioOperationsThroughTheFilter: paths (exact and prefix) and methods of ALLOW and DENY
// rules give Istio's answers per path and method.
func TestIstioOperationsThroughTheFilter(t *testing.T) {
	jwks, _ := jsonFile(t, "testdata/keys/rsa-public.jwks.json")
	rules := "  - to:\n    - operation: {paths: [/public/*]}\n" +
		"  - from:\n    - source: {requestPrincipals: ['*']}\n    to:\n    - operation: {paths: [/api/*], methods: [GET]}\n" +
		"  - when:\n    - key: request.auth.claims[role]\n      values: [admin]\n" +
		"---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: deny}\nspec:\n  action: DENY\n  rules:\n" +
		"  - to:\n    - operation: {paths: [/api/secret]}\n    when:\n    - key: request.auth.claims[role]\n      notValues: [admin]\n"
	input := strings.Replace(istioPolicy("ALLOW", rules), `'{"keys":[]}'`, "'"+jwks+"'", 1)
	res, err := migrate.Convert("istio", []byte(input), migrate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Drops) != 0 {
		t.Errorf("drops: %v", res.Drops)
	}
	const iss = "https://idp.example.com/realms/x"
	as := func(role string) []tok { return []tok{bearer(claims("iss", iss, "role", role))} }
	calls := []call{
		{name: "public without a token", path: "/public/a", want: 200},
		{name: "public with a token", method: "POST", path: "/public/a", tokens: as("user"), want: 200},
		{name: "GET /api with any token", path: "/api/x", tokens: as("user"), want: 200},
		{name: "GET /api without a token: 403", path: "/api/x", want: 403},
		{name: "POST /api as user: 403", method: "POST", path: "/api/x", tokens: as("user"), want: 403},
		{name: "POST /api as admin", method: "POST", path: "/api/x", tokens: as("admin"), want: 200},
		{name: "GET /api/secret as user: denied", path: "/api/secret", tokens: as("user"), want: 403},
		{name: "GET /api/secret as admin", path: "/api/secret", tokens: as("admin"), want: 200},
		{name: "elsewhere as user: 403", path: "/other", tokens: as("user"), want: 403},
		{name: "elsewhere as admin", method: "DELETE", path: "/other", tokens: as("admin"), want: 200},
		{name: "invalid token on public: 401", path: "/public/a", tokens: []tok{{claims: claims("iss", iss), tamper: true}}, want: 401},
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
