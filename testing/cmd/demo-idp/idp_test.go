package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func newTestIdP(t *testing.T, now time.Time) (*idp, *httptest.Server, *bytes.Buffer) {
	t.Helper()
	p, err := newIdP("https://idp.test", "demo-api", time.Hour, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	srv := httptest.NewServer(p.handler(log.New(&logs, "", 0)))
	t.Cleanup(srv.Close)
	return p, srv, &logs
}

func getJSON(t *testing.T, method, u string, v any) int {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v: %s", method, u, err, b)
		}
	}
	return resp.StatusCode
}

func token(t *testing.T, base, persona, key string) string {
	t.Helper()
	var out struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	q := url.Values{"persona": {persona}}
	if key != "" {
		q.Set("key", key)
	}
	if code := getJSON(t, "GET", base+"/token?"+q.Encode(), &out); code != 200 || out.TokenType != "Bearer" {
		t.Fatalf("token for %s: %d %+v", persona, code, out)
	}
	return out.AccessToken
}

// verify checks the token against the IdP's current JWKS, as a relying party would.
func verify(t *testing.T, base, raw string, now time.Time) (jwt.Claims, map[string]any, error) {
	t.Helper()
	var set jose.JSONWebKeySet
	if code := getJSON(t, "GET", base+"/jwks.json", &set); code != 200 {
		t.Fatalf("jwks: %d", code)
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	var std jwt.Claims
	all := map[string]any{}
	if err := tok.Claims(&set, &std, &all); err != nil {
		return std, all, err
	}
	return std, all, std.ValidateWithLeeway(jwt.Expected{Issuer: "https://idp.test", AnyAudience: []string{"demo-api"}, Time: now}, 0)
}

// Each persona's token verifies against the JWKS and fails (or passes) validation for its reason.
func TestPersonas(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	_, srv, logs := newTestIdP(t, now)
	for _, c := range []struct {
		persona string
		wantErr error
		check   func(map[string]any) bool
	}{
		{"alice", nil, func(c map[string]any) bool {
			return c["sub"] == "alice" && strings.Contains(c["scope"].(string), "orders:read")
		}},
		{"admin", nil, func(c map[string]any) bool { return strings.Contains(mustJSON(c["roles"]), `"admin"`) }},
		{"no-scope", nil, func(c map[string]any) bool { return !strings.Contains(c["scope"].(string), "orders:read") }},
		{"expired", jwt.ErrExpired, nil},
		{"wrong-audience", jwt.ErrInvalidAudience, nil},
	} {
		raw := token(t, srv.URL, c.persona, "")
		_, claims, err := verify(t, srv.URL, raw, now)
		if err != c.wantErr {
			t.Errorf("%s: validation error %v, want %v", c.persona, err, c.wantErr)
		}
		if c.check != nil && !c.check(claims) {
			t.Errorf("%s: claims %v", c.persona, claims)
		}
		if strings.Contains(logs.String(), raw[:30]) {
			t.Errorf("%s: the token appears in the log", c.persona)
		}
	}
	var e map[string]string
	if code := getJSON(t, "GET", srv.URL+"/token?persona=mallory", &e); code != 400 || e["error"] != "invalid_request" {
		t.Errorf("unknown persona: %d %v", code, e)
	}
}

// A key=next token is signed by a key the JWKS publishes only after a rotation; after it,
// the previous key stays published, so tokens already issued keep verifying.
func TestRotation(t *testing.T) {
	now := time.Now()
	p, srv, _ := newTestIdP(t, now)
	old := token(t, srv.URL, "alice", "")
	next := token(t, srv.URL, "alice", "next")
	if _, _, err := verify(t, srv.URL, next, now); err == nil {
		t.Fatal("a next-key token verified before the rotation")
	}
	var rotated struct {
		Kid string `json:"kid"`
	}
	if code := getJSON(t, "POST", srv.URL+"/rotate", &rotated); code != 200 || rotated.Kid == "" {
		t.Fatalf("rotate: %d %+v", code, rotated)
	}
	for name, raw := range map[string]string{"next": next, "old": old, "new": token(t, srv.URL, "alice", "")} {
		if _, _, err := verify(t, srv.URL, raw, now); err != nil {
			t.Errorf("%s token after the rotation: %v", name, err)
		}
	}
	if got := p.jwks().Keys; len(got) != 2 || got[0].KeyID != rotated.Kid {
		t.Errorf("JWKS after a rotation: %d keys, first %q; want the new key %q and the previous one", len(got), got[0].KeyID, rotated.Kid)
	}
	// A second rotation retires the first key.
	if code := getJSON(t, "POST", srv.URL+"/rotate", nil); code != 200 {
		t.Fatal(code)
	}
	if _, _, err := verify(t, srv.URL, old, now); err == nil {
		t.Error("a token of a key retired two rotations ago still verifies")
	}
}

func TestDiscovery(t *testing.T) {
	_, srv, _ := newTestIdP(t, time.Now())
	var doc map[string]any
	if code := getJSON(t, "GET", srv.URL+"/.well-known/openid-configuration", &doc); code != 200 {
		t.Fatal(code)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	if doc["issuer"] != "https://idp.test" || doc["jwks_uri"] != "http://"+host+"/jwks.json" || doc["token_endpoint"] != "http://"+host+"/token" {
		t.Errorf("discovery document %v", doc)
	}
}

// -jwks FILE: a static JWKS server (examples/remote-jwks), which mints nothing.
func TestFixedJWKS(t *testing.T) {
	set, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", "remote-jwks", "jwks.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, srv, _ := newTestIdP(t, time.Now())
	p.fixedJWKS, p.fixedName = set, "jwks.json"
	resp, err := http.Get(srv.URL + "/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, set) {
		t.Errorf("served %q, want the file", got)
	}
	if code := getJSON(t, "GET", srv.URL+"/token", nil); code != 404 {
		t.Errorf("/token with a fixed JWKS: %d, want 404", code)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
