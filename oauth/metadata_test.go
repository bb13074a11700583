package oauth_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/oauth"
)

func TestProtectedResourceDocument(t *testing.T) {
	pr, errs := oauth.ParseProtectedResource(gjson.Parse(`{
		"resource": "https://api.example.com/mcp",
		"authorization_servers": ["https://idp.example.com"],
		"scopes_supported": ["mcp:tools", "mcp:resources"],
		"bearer_methods_supported": ["header"],
		"resource_name": "Example MCP",
		"resource_name#fr": "MCP d'exemple",
		"dpop_signing_alg_values_supported": ["ES256"],
		"dpop_bound_access_tokens_required": false,
		"path": "/.well-known/oauth-protected-resource"
	}`))
	if errs != nil {
		t.Fatal(errs)
	}
	var doc map[string]any
	if err := json.Unmarshal(pr.Document(), &doc); err != nil {
		t.Fatalf("document is not JSON: %v", err)
	}
	want := map[string]any{
		"resource":                          "https://api.example.com/mcp",
		"authorization_servers":             []any{"https://idp.example.com"},
		"scopes_supported":                  []any{"mcp:tools", "mcp:resources"},
		"bearer_methods_supported":          []any{"header"},
		"resource_name":                     "Example MCP",
		"resource_name#fr":                  "MCP d'exemple",
		"dpop_signing_alg_values_supported": []any{"ES256"},
		"dpop_bound_access_tokens_required": false,
	}
	if !reflect.DeepEqual(doc, want) {
		t.Fatalf("document = %s", pr.Document())
	}
	if !strings.HasPrefix(string(pr.Document()), `{"resource":`) {
		t.Errorf("resource is not first: %s", pr.Document())
	}
	// RFC 9728 §3.1: the resource's path follows the well-known path; the plain path is served too.
	if got := pr.Paths(); !reflect.DeepEqual(got, []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"}) {
		t.Errorf("paths = %q", got)
	}
	if !pr.Serves("/.well-known/oauth-protected-resource/mcp?x=1") || pr.Serves("/.well-known/oauth-protected-resource/other") {
		t.Error("Serves")
	}
	if got := pr.MetadataURL("http", "127.0.0.1:8080"); got != "http://127.0.0.1:8080/.well-known/oauth-protected-resource/mcp" {
		t.Errorf("MetadataURL = %s", got)
	}
	// Odd client-supplied scheme and authority are not reflected.
	if got := pr.MetadataURL("javascript", `evil"x`); got != "https://api.example.com/.well-known/oauth-protected-resource/mcp" {
		t.Errorf("MetadataURL = %s", got)
	}
}

func TestProtectedResourceMetadataURLAndRootResource(t *testing.T) {
	pr, errs := oauth.ParseProtectedResource(gjson.Parse(`{"resource": "https://api.example.com", "path": "/prm", "metadata_url": "https://api.example.com/prm"}`))
	if errs != nil {
		t.Fatal(errs)
	}
	if got := pr.Paths(); !reflect.DeepEqual(got, []string{"/prm"}) {
		t.Errorf("paths = %q", got)
	}
	if got := pr.MetadataURL("http", "internal:8080"); got != "https://api.example.com/prm" {
		t.Errorf("MetadataURL = %s", got)
	}
	if string(pr.Document()) != `{"resource":"https://api.example.com"}` {
		t.Errorf("document = %s", pr.Document())
	}
	// Empty arrays are left out (§3.2), except bearer_methods_supported, where [] means "none".
	pr, _ = oauth.ParseProtectedResource(gjson.Parse(`{"resource": "https://api.example.com/x?t=1", "scopes_supported": [], "bearer_methods_supported": []}`))
	if string(pr.Document()) != `{"resource":"https://api.example.com/x?t=1","bearer_methods_supported":[]}` {
		t.Errorf("document = %s", pr.Document())
	}
	if got := pr.MetadataURL("https", "api.example.com"); got != "https://api.example.com/.well-known/oauth-protected-resource/x?t=1" {
		t.Errorf("MetadataURL = %s", got)
	}
	if !pr.Serves("/.well-known/oauth-protected-resource/x?t=1") {
		t.Errorf("document = %s", pr.Document())
	}
}

func TestProtectedResourceErrors(t *testing.T) {
	for cfg, field := range map[string]string{
		`[]`:                                     "",
		`{}`:                                     "resource",
		`{"resource": "http://api.example.com"}`: "resource",
		`{"resource": "https://api.example.com#f"}`:                                            "resource",
		`{"resource": "https://a.example", "authorization_servers": "https://idp"}`:            "authorization_servers",
		`{"resource": "https://a.example", "authorization_servers": ["https://idp/?q=1"]}`:     "authorization_servers[0]",
		`{"resource": "https://a.example", "scopes_supported": ["a b"]}`:                       "scopes_supported[0]",
		`{"resource": "https://a.example", "scopes_supported": [1]}`:                           "scopes_supported[0]",
		`{"resource": "https://a.example", "resource_signing_alg_values_supported": ["none"]}`: "resource_signing_alg_values_supported[0]",
		`{"resource": "https://a.example", "bearer_methods_supported": ["cookie"]}`:            "bearer_methods_supported[0]",
		`{"resource": "https://a.example", "jwks_uri": "http://a.example/jwks"}`:               "jwks_uri",
		`{"resource": "https://a.example", "dpop_bound_access_tokens_required": "yes"}`:        "dpop_bound_access_tokens_required",
		`{"resource": "https://a.example", "path": "prm"}`:                                     "path",
		`{"resource": "https://a.example", "metadata_url": "/prm"}`:                            "metadata_url",
		`{"resource": "https://a.example", "signed_metadata": "x.y.z"}`:                        "signed_metadata",
		`{"resource": "https://a.example", "unknown": 1}`:                                      "unknown",
		`{"resource": "https://a.example", "scopes_supported#fr": []}`:                         "scopes_supported#fr",
		`{"resource": "https://a.example", "resource": "https://b.example"}`:                   "resource",
	} {
		_, errs := oauth.ParseProtectedResource(gjson.Parse(cfg))
		if len(errs) == 0 {
			t.Errorf("%s: accepted", cfg)
			continue
		}
		if errs[0].Field != field {
			t.Errorf("%s: errors %v, want the first at %q", cfg, errs, field)
		}
	}
	many := `{"resource": "https://a.example", "scopes_supported": [` + strings.Repeat(`"s",`, oauth.MaxMetadataList) + `"s"]}`
	if _, errs := oauth.ParseProtectedResource(gjson.Parse(many)); len(errs) == 0 {
		t.Error("an over-long list was accepted")
	}
}

func TestWellKnownPath(t *testing.T) {
	for res, want := range map[string]string{
		"https://a.example":            "/.well-known/oauth-protected-resource",
		"https://a.example/":           "/.well-known/oauth-protected-resource",
		"https://a.example/r/1":        "/.well-known/oauth-protected-resource/r/1",
		"https://a.example/r?tenant=a": "/.well-known/oauth-protected-resource/r?tenant=a",
		"https://a.example/?tenant=a":  "/.well-known/oauth-protected-resource?tenant=a",
		"https://a.example?tenant=a":   "/.well-known/oauth-protected-resource?tenant=a",
	} {
		if got := oauth.WellKnownPath(oauth.DefaultMetadataPath, res); got != want {
			t.Errorf("WellKnownPath(%q) = %q, want %q", res, got, want)
		}
	}
}
