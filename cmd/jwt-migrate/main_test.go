package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

const testdata = "../../migrate/testdata/"

func TestExitZeroWhenEverythingConverts(t *testing.T) {
	code, out, errs := runCmd(t, "", "-from", "gloo-mesh", testdata+"gloo-mesh/claims-scopes.yaml")
	if code != exitOK || errs != "" {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing", code, errs)
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(out), &cfg); err != nil || cfg["providers"] == nil {
		t.Fatalf("stdout is not a configuration: %v\n%s", err, out)
	}
}

func TestExitThreeAndOneLinePerDrop(t *testing.T) {
	code, _, errs := runCmd(t, "", "-from", "agentgateway", testdata+"agentgateway/gateway-optional.yaml")
	if code != exitDropped {
		t.Fatalf("exit %d, want 3; stderr:\n%s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	want := []string{
		"WARNING: document 1 (agentgateway configuration): gatewayPolicies[0].policy.authorization: dropped: CEL authorization rules are not converted",
		"document 1 (agentgateway configuration): gatewayPolicies[0].target: dropped: the policy applies to every path",
		"note: gatewayPolicies[0].policy.jwtAuth.providers[0].audiences: a token for another audience gets 403 here",
		"define these clusters in Envoy:",
		"  cluster jwks_auth_agentgateway_dev: host auth.agentgateway.dev, port 443, TLS",
	}
	if len(lines) != len(want) {
		t.Fatalf("want %d lines, got:\n%s", len(want), errs)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want it to start with %q", i+1, lines[i], w)
		}
	}
}

func TestClustersAreListed(t *testing.T) {
	code, _, errs := runCmd(t, "", "-from", "krakend", testdata+"krakend/playground.json")
	if code != exitDropped {
		t.Fatalf("exit %d", code)
	}
	want := "cluster jwks_keycloak_8080: host keycloak, port 8080, plain HTTP (no TLS)"
	if !strings.Contains(errs, "define these clusters in Envoy:\n  "+want) {
		t.Errorf("stderr lacks %q:\n%s", want, errs)
	}
	_, _, errs = runCmd(t, "", "-from", "istio", testdata+"istio/authn-policy.yaml")
	want = "cluster jwks_raw_githubusercontent_com: host raw.githubusercontent.com, port 443, TLS"
	if !strings.Contains(errs, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errs)
	}
}

func TestOutputFileAndStdin(t *testing.T) {
	input, err := os.ReadFile(testdata + "agentgateway/permissive.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out.json")
	code, stdout, errs := runCmd(t, string(input), "-from", "agentgateway", "-o", out, "-")
	if code != exitOK || stdout != "" || errs != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
	data, err := os.ReadFile(out)
	if err != nil || !json.Valid(data) {
		t.Fatalf("-o file: %v %q", err, data)
	}
}

// TestLocalKeyFileIsReadRelativeToTheInput: jwk_local_path names a file beside the input, and
// the command runs from another directory.
func TestLocalKeyFileIsReadRelativeToTheInput(t *testing.T) {
	code, out, errs := runCmd(t, "", "-from", "krakend", testdata+"krakend/scopes-cookie.yaml")
	if code != exitDropped {
		t.Fatalf("exit %d: %s", code, errs)
	}
	jwks, _ := os.ReadFile(testdata + "krakend/jwk_public.json")
	var cfg struct {
		Providers map[string]struct {
			LocalJwks struct {
				InlineString string `json:"inline_string"`
			} `json:"local_jwks"`
		} `json:"providers"`
	}
	if err := json.Unmarshal([]byte(out), &cfg); err != nil || len(cfg.Providers) != 1 {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, p := range cfg.Providers {
		if p.LocalJwks.InlineString != string(jwks) {
			t.Errorf("local_jwks is not the content of jwk_public.json")
		}
	}
	// From standard input, the file is looked up in the working directory: not found here.
	input, _ := os.ReadFile(testdata + "krakend/scopes-cookie.yaml")
	code, _, errs = runCmd(t, string(input), "-from", "krakend")
	if code != exitBad || !strings.Contains(errs, `document 1: endpoints[0].extra_config.auth/validator.jwk_local_path: cannot read "jwk_public.json"`) {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

func TestBadInputExitsOneWithDocumentAndPath(t *testing.T) {
	for _, c := range []struct {
		name, kind, input, want string
	}{
		{"not YAML", "istio", "a: [b\n", "document 1: not YAML or JSON"},
		{"not an object", "istio", "- a\n- b\n", "document 1: want an object"},
		{"wrong kind", "istio", "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nspec:\n  jwtRules:\n  - issuer: a\n    jwks: '{}'\n---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\n",
			"document 2: kind: want RequestAuthentication or AuthorizationPolicy, got \"PeerAuthentication\""},
		{"wrong type in an Istio spec", "istio", "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nspec:\n  jwtRules:\n  - issuer: [1]\n",
			"document 1: spec.jwtRules[0]: invalid value for string field issuer"},
		{"unknown Istio field", "istio", "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nspec:\n  jwtRules:\n  - issuer: a\n    jwksUrl: x\n",
			"document 1: spec.jwtRules[0]: unknown field \"jwksUrl\""},
		{"wrong type", "gloo-mesh", "apiVersion: security.policy.gloo.solo.io/v2\nkind: JWTPolicy\nspec:\n  config:\n    providers:\n      p:\n        issuer: {a: 1}\n",
			"document 1: spec.config.providers.p.issuer: want a string, got an object"},
		{"wrong list element", "gloo-edge", "apiVersion: gateway.solo.io/v1\nkind: VirtualService\nspec:\n  virtualHost:\n    options:\n      jwt:\n        providers:\n          p:\n            audiences: [a, 2]\n            jwks: {local: {key: k}}\n",
			"document 1: spec.virtualHost.options.jwt.providers.p.audiences[1]: want a string, got a number"},
		{"bad URL", "krakend", `{"endpoints":[{"endpoint":"/a","extra_config":{"auth/validator":{"jwk_url":"ftp://x/"}}}]}`,
			"document 1: endpoints[0].extra_config.auth/validator.jwk_url: want an absolute http or https URL"},
		{"bad mode", "agentgateway", "jwtAuth:\n  mode: sometimes\n  issuer: a\n  jwks: '{}'\n", "document 1: jwtAuth.mode: want strict, optional or permissive"},
		{"no keys and an issuer that is not a URL", "istio", "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nspec:\n  jwtRules:\n  - issuer: testing@secure.istio.io\n",
			"document 1: spec.jwtRules[0].issuer: no jwksUri or jwks, and the keys cannot be discovered"},
		{"unknown source", "nginx", "a: 1\n", "unknown source kind \"nginx\""},
		{"empty", "istio", "# nothing\n", "no document in the input"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCmd(t, c.input, "-from", c.kind)
			if code != exitBad || out != "" || !strings.Contains(errs, c.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", code, out, errs, c.want)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"-from", "istio", "a", "b"}, {"-bogus"}} {
		if code, _, errs := runCmd(t, "", args...); code != exitBad || !strings.Contains(errs, "usage: jwt-migrate -from KIND") && !strings.Contains(errs, "flag provided but not defined") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errs)
		}
	}
}

// TestKubectlListIsRead: kubectl get -o yaml prints several resources as a List; its items are
// the documents, and paths in messages start with items[i].
func TestKubectlListIsRead(t *testing.T) {
	list := "apiVersion: v1\nkind: List\nitems:\n" +
		"- apiVersion: security.istio.io/v1\n  kind: RequestAuthentication\n  metadata: {name: ra, namespace: foo}\n  spec:\n    jwtRules:\n    - issuer: https://a\n      jwks: '{\"keys\":[]}'\n" +
		"- apiVersion: security.istio.io/v1\n  kind: AuthorizationPolicy\n  metadata: {name: ap, namespace: foo}\n  spec:\n    selector: {matchLabels: {app: x}}\n    rules:\n    - from:\n      - source: {requestPrincipals: ['*']}\n"
	code, out, errs := runCmd(t, list, "-from", "istio")
	if code != exitDropped || !strings.Contains(out, `"x_authorize": {}`) ||
		!strings.HasPrefix(errs, "document 1 (AuthorizationPolicy foo/ap): items[1].spec.selector: dropped: ") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, errs, out)
	}
	code, _, errs = runCmd(t, "apiVersion: v1\nkind: List\nitems:\n- kind: Secret\n  apiVersion: security.istio.io/v1\n", "-from", "istio")
	if code != exitBad || !strings.Contains(errs, "document 1: items[0].kind: want RequestAuthentication or AuthorizationPolicy") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}
