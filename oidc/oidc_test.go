package oidc

import (
	"errors"
	"strings"
	"testing"
)

func TestDiscoveryURL(t *testing.T) {
	for _, c := range []struct{ issuer, want, err string }{
		{"https://accounts.example.com", "https://accounts.example.com/.well-known/openid-configuration", ""},
		{"https://accounts.example.com/", "https://accounts.example.com/.well-known/openid-configuration", ""},
		{"https://kc.example.com/realms/acme", "https://kc.example.com/realms/acme/.well-known/openid-configuration", ""},
		{"https://kc.example.com/realms/acme/", "https://kc.example.com/realms/acme/.well-known/openid-configuration", ""},
		{"https://x.example.com//", "https://x.example.com//.well-known/openid-configuration", ""}, // one "/" only
		{"http://127.0.0.1:9000", "http://127.0.0.1:9000/.well-known/openid-configuration", ""},
		{"http://[::1]:9000/idp", "http://[::1]:9000/idp/.well-known/openid-configuration", ""},
		{"http://localhost/", "http://localhost/.well-known/openid-configuration", ""},
		{"http://idp.example.com", "", "not loopback"},
		{"ftp://idp.example.com", "", "scheme must be https"},
		{"https://idp.example.com?tenant=a", "", "has a query"},
		{"https://idp.example.com#x", "", "has a fragment"},
		{"https://user@idp.example.com", "", "user information"},
		{"idp.example.com", "", "not an absolute URL"},
		{"", "", "empty"},
		{"https://idp.example.com/a b", "", "space"},
	} {
		got, err := DiscoveryURL(c.issuer)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("DiscoveryURL(%q) = %q, %v; want an error with %q", c.issuer, got, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("DiscoveryURL(%q) = %q, %v; want %q", c.issuer, got, err, c.want)
		}
	}
}

func TestParseDocument(t *testing.T) {
	const iss = "https://idp.example.com/realms/acme"
	for _, c := range []struct {
		name, body, want string
		err              error
		text             string
	}{
		{"keycloak shape", `{"issuer":"` + iss + `","authorization_endpoint":"https://idp.example.com/auth",
			"jwks_uri":"https://idp.example.com/realms/acme/protocol/openid-connect/certs",
			"mtls_endpoint_aliases":{"token_endpoint":"https://mtls.example.com/token"},"grant_types_supported":["a","b"]}`,
			"https://idp.example.com/realms/acme/protocol/openid-connect/certs", nil, ""},
		{"kubernetes shape", `{"issuer":"` + iss + `","jwks_uri":"https://10.96.0.1:443/openid/v1/jwks",
			"response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}`,
			"https://10.96.0.1:443/openid/v1/jwks", nil, ""},
		{"loopback http jwks", `{"issuer":"` + iss + `","jwks_uri":"http://127.0.0.1:8081/keys"}`, "http://127.0.0.1:8081/keys", nil, ""},
		{"issuer with extra slash", `{"issuer":"` + iss + `/","jwks_uri":"https://idp.example.com/k"}`, "", ErrIssuer, `document "https://idp.example.com/realms/acme/", provider "https://idp.example.com/realms/acme"`},
		{"issuer other case", `{"issuer":"https://IDP.example.com/realms/acme","jwks_uri":"https://idp.example.com/k"}`, "", ErrIssuer, ""},
		{"issuer missing", `{"jwks_uri":"https://idp.example.com/k"}`, "", ErrIssuer, "missing"},
		{"issuer number", `{"issuer":3,"jwks_uri":"https://idp.example.com/k"}`, "", ErrIssuer, "not a string"},
		{"issuer twice", `{"issuer":"` + iss + `","issuer":"https://evil.example.com","jwks_uri":"https://idp.example.com/k"}`, "", nil, `"issuer" more than once`},
		{"jwks_uri twice", `{"issuer":"` + iss + `","jwks_uri":"https://idp.example.com/k","jwks_uri":"https://evil.example.com/k"}`, "", nil, `"jwks_uri" more than once`},
		{"jwks_uri http", `{"issuer":"` + iss + `","jwks_uri":"http://idp.example.com/k"}`, "", ErrJWKSURI, "https is required"},
		{"jwks_uri http private", `{"issuer":"` + iss + `","jwks_uri":"http://10.0.0.1/k"}`, "", ErrJWKSURI, "not loopback"},
		{"jwks_uri relative", `{"issuer":"` + iss + `","jwks_uri":"/k"}`, "", ErrJWKSURI, "not an absolute URL"},
		{"jwks_uri missing", `{"issuer":"` + iss + `"}`, "", ErrJWKSURI, "missing"},
		{"jwks_uri userinfo", `{"issuer":"` + iss + `","jwks_uri":"https://a:b@idp.example.com/k"}`, "", ErrJWKSURI, "user information"},
		{"jwks_uri control", `{"issuer":"` + iss + `","jwks_uri":"https://idp.example.com/k\r\nx: y"}`, "", ErrJWKSURI, "control"},
		{"array", `[{"issuer":"` + iss + `"}]`, "", ErrNotObject, ""},
		{"string", `"x"`, "", ErrNotObject, ""},
		{"empty", ``, "", ErrNotObject, ""},
		{"html", `<html>502</html>`, "", ErrNotObject, ""},
		{"truncated", `{"issuer":"` + iss, "", ErrNotObject, ""},
		{"trailing garbage", `{"issuer":"` + iss + `"} x`, "", ErrNotObject, ""},
		{"deep", `{"issuer":"` + iss + `","x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "", ErrNesting, "41 levels"},
		{"brackets in strings do not nest", `{"issuer":"` + iss + `","x":"` + strings.Repeat("[", 40) + `","jwks_uri":"https://idp.example.com/k"}`, "https://idp.example.com/k", nil, ""},
		{"too large", `{"issuer":"` + iss + `","x":"` + strings.Repeat("a", MaxDocumentBytes) + `"}`, "", ErrTooLarge, ""},
	} {
		doc, err := ParseDocument([]byte(c.body), iss)
		if c.want != "" {
			if err != nil || doc.JWKSURI != c.want || doc.Issuer != iss {
				t.Errorf("%s: got %+v, %v; want jwks_uri %q", c.name, doc, err, c.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: got %+v, want an error", c.name, doc)
			continue
		}
		if c.err != nil && !errors.Is(err, c.err) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.err)
		}
		if !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: error %q lacks %q", c.name, err, c.text)
		}
		if len(err.Error()) > 1024 {
			t.Errorf("%s: error is %d bytes", c.name, len(err.Error()))
		}
	}
}

func FuzzParseDocument(f *testing.F) {
	f.Add([]byte(`{"issuer":"https://a","jwks_uri":"https://a/k"}`))
	f.Add([]byte(`{"issuer":"https://a","x":[[[{"y":"]"}]]],"jwks_uri":"http://[::1]/k"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := ParseDocument(b, "https://a")
		if err == nil {
			if doc.Issuer != "https://a" {
				t.Fatalf("issuer %q accepted", doc.Issuer)
			}
			if _, err := checkURL(doc.JWKSURI, "jwks_uri"); err != nil {
				t.Fatalf("jwks_uri %q accepted: %v", doc.JWKSURI, err)
			}
		}
	})
}
