package examples_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// guideCall is a request with a token shaped like the identity provider's (its claims as the
// guide describes them), and what the filter must answer.
type guideCall struct {
	what     string
	provider string         // the configuration's provider whose issuer and first audience the token carries
	claims   map[string]any // the rest of the token
	path     string
	status   uint32            // 200: reached the upstream
	headers  map[string]string // upstream headers wanted on a 200
}

// guides are the identity-provider guides under examples/, with tokens shaped like each IdP's.
var guides = map[string][]guideCall{
	"keycloak": {
		{what: "a user token", provider: "keycloak", path: "/api/orders", status: 200,
			claims: map[string]any{"sub": "f2c1b6a4-0d1e-4a39-9d1a-7c4f8b1e2a10", "preferred_username": "alice", "email": "alice@example.com",
				"azp": "web-frontend", "realm_access": map[string]any{"roles": []string{"offline_access", "user"}}, "scope": "openid email profile"},
			headers: map[string]string{"x-user": "f2c1b6a4-0d1e-4a39-9d1a-7c4f8b1e2a10", "x-username": "alice", "x-email": "alice@example.com",
				"x-client": "web-frontend", "x-roles": "offline_access,user"}},
		{what: "a user without the realm role admin", provider: "keycloak", path: "/admin", status: 403,
			claims: map[string]any{"sub": "u1", "realm_access": map[string]any{"roles": []string{"user"}}}},
		{what: "an admin", provider: "keycloak", path: "/admin", status: 200,
			claims:  map[string]any{"sub": "u2", "realm_access": map[string]any{"roles": []string{"user", "admin"}}},
			headers: map[string]string{"x-user": "u2", "x-roles": "user,admin"}},
	},
	"auth0": {
		{what: "an access token for the API with read:orders", provider: "auth0", path: "/orders/7", status: 200,
			claims: map[string]any{"sub": "auth0|64f1c0ffee", "azp": "Q1w2E3r4T5y6", "scope": "openid read:orders",
				"https://example.com/roles": []string{"support", "admin"}},
			headers: map[string]string{"x-user": "auth0|64f1c0ffee", "x-client": "Q1w2E3r4T5y6", "x-roles": "support,admin"}},
		{what: "a token without read:orders", provider: "auth0", path: "/orders/7", status: 403,
			claims: map[string]any{"sub": "auth0|1", "scope": "openid"}},
	},
	"okta": {
		{what: "an access token with scp orders.read", provider: "okta", path: "/api/orders", status: 200,
			claims: map[string]any{"sub": "alice@example.com", "uid": "00u1a2b3c4D5e6F7g8h9", "cid": "0oa1b2c3d4E5f6G7h8i9",
				"scp": []string{"openid", "orders.read"}, "ver": 1, "jti": "AT.x"},
			headers: map[string]string{"x-user": "alice@example.com", "x-okta-uid": "00u1a2b3c4D5e6F7g8h9",
				"x-client": "0oa1b2c3d4E5f6G7h8i9", "x-scopes": "openid,orders.read"}},
		{what: "a token without orders.read", provider: "okta", path: "/api/orders", status: 403,
			claims: map[string]any{"sub": "bob@example.com", "scp": []string{"openid"}}},
	},
	"entra-id": {
		{what: "a v2.0 token of a daemon with the app role Orders.Read", provider: "entra_v2", path: "/api", status: 200,
			claims: map[string]any{"oid": "9f8e7d6c-0000-1111-2222-333344445555", "tid": "11111111-2222-3333-4444-555555555555",
				"azp": "a0b1c2d3-e4f5-4a5b-8c9d-0e1f2a3b4c5d", "roles": []string{"Orders.Read"}, "ver": "2.0"},
			headers: map[string]string{"x-user": "9f8e7d6c-0000-1111-2222-333344445555", "x-tenant": "11111111-2222-3333-4444-555555555555",
				"x-client": "a0b1c2d3-e4f5-4a5b-8c9d-0e1f2a3b4c5d", "x-roles": "Orders.Read"}},
		{what: "a v1.0 user token with the delegated scope access_as_user", provider: "entra_v1", path: "/api", status: 200,
			claims: map[string]any{"oid": "oid-1", "tid": "11111111-2222-3333-4444-555555555555", "appid": "client-1",
				"upn": "alice@contoso.com", "scp": "User.Read access_as_user", "ver": "1.0"},
			headers: map[string]string{"x-user": "oid-1", "x-client": "client-1", "x-username": "alice@contoso.com"}},
		{what: "a v2.0 user token with neither role nor scope", provider: "entra_v2", path: "/api", status: 403,
			claims: map[string]any{"oid": "oid-2", "scp": "User.Read", "ver": "2.0"}},
	},
	"google": {
		{what: "an ID token with the https issuer", provider: "google", path: "/api", status: 200,
			claims: map[string]any{"sub": "110169484474386276334", "email": "alice@example.com", "email_verified": true, "hd": "example.com",
				"azp": "123456789012-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com"},
			headers: map[string]string{"x-user": "110169484474386276334", "x-email": "alice@example.com", "x-email-verified": "true", "x-hosted-domain": "example.com"}},
		{what: "an ID token with the bare issuer accounts.google.com", provider: "google_legacy_iss", path: "/api", status: 200,
			claims:  map[string]any{"sub": "110169484474386276334", "email": "bob@gmail.com", "email_verified": true},
			headers: map[string]string{"x-user": "110169484474386276334", "x-email": "bob@gmail.com"}},
		{what: "an unverified email", provider: "google", path: "/api", status: 403,
			claims: map[string]any{"sub": "1", "email": "eve@example.com", "email_verified": false}},
	},
}

// guideProvider is what the tests read of a provider in a guide's config.json.
type guideProvider struct {
	Issuer     string   `json:"issuer"`
	Audiences  []string `json:"audiences"`
	RemoteJwks struct {
		HTTPURI struct {
			URI     string `json:"uri"`
			Cluster string `json:"cluster"`
		} `json:"http_uri"`
	} `json:"remote_jwks"`
}

// TestGuides runs each identity-provider guide's configuration with tokens shaped like that
// IdP's, signed by a key served as the IdP's JWKS through the guide's cluster: the claims the
// guide copies reach the upstream, its authorization rules hold, a request without a token is
// refused, and the guide's README names the configuration's issuer and JWKS URL.
func TestGuides(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub := jose.JSONWebKey{Key: &priv.PublicKey, KeyID: "guide-1", Algorithm: "RS256", Use: "sig"}
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: priv, KeyID: "guide-1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(guides))
	for name := range guides {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			config, err := os.ReadFile(filepath.Join(name, "config.json"))
			if err != nil {
				t.Fatal(err)
			}
			var cfg struct {
				Providers map[string]guideProvider `json:"providers"`
			}
			if err := json.Unmarshal(config, &cfg); err != nil {
				t.Fatal(err)
			}
			checkGuideReadme(t, name, cfg.Providers)
			filtertest.Run(t, filtertest.Options{Config: config}, func(t *testing.T, h filtertest.Host) {
				serveJWKS(h, jwks)
				for _, c := range guides[name] {
					p, ok := cfg.Providers[c.provider]
					if !ok {
						t.Fatalf("%s: no provider %q in config.json", c.what, c.provider)
					}
					claims := map[string]any{"iss": p.Issuer, "aud": p.Audiences[0], "iat": h.Now().Unix(), "exp": h.Now().Add(time.Hour).Unix()}
					for k, v := range c.claims {
						claims[k] = v
					}
					token, err := jwt.Signed(signer).Claims(claims).Serialize()
					if err != nil {
						t.Fatal(err)
					}
					up, lr := sendGuide(h, c.path, jwks, "authorization", "Bearer "+token)
					switch {
					case c.status == 200 && lr != nil:
						t.Errorf("%s: %d %q, want 200", c.what, lr.Status, lr.Body)
					case c.status != 200 && (lr == nil || lr.Status != c.status):
						t.Errorf("%s: %+v, want a local reply %d", c.what, lr, c.status)
					}
					for hn, want := range c.headers {
						if got := up.Values(hn); len(got) != 1 || got[0] != want {
							t.Errorf("%s: upstream header %s = %q, want [%q]", c.what, hn, got, want)
						}
					}
				}
				if _, lr := sendGuide(h, "/api", jwks); lr == nil || lr.Status != 401 || string(lr.Body) != "Jwt is missing" {
					t.Errorf("no token: %+v, want 401 Jwt is missing", lr)
				}
				if up, lr := sendGuide(h, "/health", jwks); lr != nil || up == nil {
					t.Errorf("/health without a token: %+v, want it passed", lr)
				}
			})
		})
	}
}

// checkGuideReadme: the guide's README gives the configuration's issuers and JWKS URLs.
func checkGuideReadme(t *testing.T, name string, providers map[string]guideProvider) {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(name, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for pname, p := range providers {
		for _, w := range []string{p.Issuer, p.RemoteJwks.HTTPURI.URI} {
			if !strings.Contains(string(readme), w) {
				t.Errorf("%s/README.md does not mention %q (provider %s)", name, w, pname)
			}
		}
	}
	if !strings.Contains(string(readme), "envoy.yaml") {
		t.Errorf("%s/README.md does not point to envoy.yaml (the TLS cluster)", name)
	}
}

// serveJWKS answers every pending callout with the JWKS.
func serveJWKS(h filtertest.Host, jwks []byte) {
	for round := 0; round < 16; round++ {
		pending := h.Callouts()
		if len(pending) == 0 {
			return
		}
		for i := len(pending) - 1; i >= 0; i-- {
			h.Respond(pending[i].ID, filtertest.CalloutResponse{
				Headers: filtertest.Headers{{":status", "200"}, {"content-type", "application/json"}},
				Body:    jwks,
			})
		}
	}
}

// sendGuide sends GET path; it returns the upstream request or the local reply.
func sendGuide(h filtertest.Host, path string, jwks []byte, kv ...string) (filtertest.Headers, *filtertest.LocalResponse) {
	s := h.NewStream()
	defer s.Done()
	s.SendRequestHeaders(filtertest.Request("GET", path, kv...), true)
	serveJWKS(h, jwks)
	if lr := s.LocalResponse(); lr != nil {
		return nil, lr
	}
	if s.Paused() {
		return nil, &filtertest.LocalResponse{Body: []byte("(the filter still holds the request)")}
	}
	return s.RequestHeaders(), nil
}
