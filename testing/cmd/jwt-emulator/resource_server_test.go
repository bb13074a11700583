package main_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
)

// do sends one request with the given headers and returns the response and its body.
func do(t *testing.T, method, url string, kv ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Add(kv[i], kv[i+1])
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
	return resp, string(b)
}

// TestEmulatorMCPFlow is examples/mcp-resource-server's README over real HTTP, as an MCP client
// does it: the first request gets 401 with resource_metadata; the client fetches the document
// from that URL; the request with a token from the authorization server passes.
func TestEmulatorMCPFlow(t *testing.T) {
	var ex example
	root := loadExample(t, "mcp-resource-server", &ex)
	e := startEmulator(t, buildEmulator(t), "-wasm", shippedModule(t), "-config", filepath.Join(root, "config.json"), "-now", ex.Now)
	defer e.stop(t)

	// 1. No token: 401, and each challenge names the metadata document.
	resp, body := do(t, "GET", "http://"+e.addr+ex.Path)
	challenges := resp.Header.Values("www-authenticate")
	md := "http://" + e.addr + "/.well-known/oauth-protected-resource/mcp"
	want := []string{
		`Bearer realm="http://` + e.addr + `/mcp", resource_metadata="` + md + `"`,
		`DPoP realm="http://` + e.addr + `/mcp", algs="ES256 EdDSA RS256", resource_metadata="` + md + `"`,
	}
	if resp.StatusCode != 401 || body != "Jwt is missing" || strings.Join(challenges, "\n") != strings.Join(want, "\n") {
		t.Fatalf("first request: %d %q\n%q\nwant 401 with\n%q", resp.StatusCode, body, challenges, want)
	}
	// The README shows these lines for the default address.
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if line := strings.ReplaceAll(w, e.addr, "127.0.0.1:8080"); !strings.Contains(string(readme), line) {
			t.Errorf("README.md lacks %q", line)
		}
	}

	// 2. The client fetches the document from the URL it was given.
	url := challenges[0][strings.Index(challenges[0], `resource_metadata="`)+len(`resource_metadata="`):]
	url = strings.TrimSuffix(url, `"`)
	resp, body = do(t, "GET", url)
	// The host adds Envoy's text/plain for a local reply's body; the filter's application/json
	// is among the values.
	if resp.StatusCode != 200 || !contains(resp.Header.Values("content-type"), "application/json") || resp.Header.Get("access-control-allow-origin") != "*" {
		t.Fatalf("document: %d %v", resp.StatusCode, resp.Header)
	}
	var doc struct {
		Resource             string   `json:"resource"`
		AuthorizationServers []string `json:"authorization_servers"`
		ScopesSupported      []string `json:"scopes_supported"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("document %q: %v", body, err)
	}
	if doc.Resource != "https://mcp.example.com/mcp" || len(doc.AuthorizationServers) != 1 || doc.AuthorizationServers[0] != "https://example.com" {
		t.Errorf("document %s", body)
	}
	if !strings.Contains(string(readme), body) {
		t.Errorf("README.md does not show the document %s", body)
	}

	// 3. With a token of the authorization server: 200, the claims reach the MCP server.
	code, _, up := sendToken(t, e.addr, ex.Path, ex.Token)
	if code != 200 || up.Headers["x-user"] == nil || up.Headers["x-user"][0] != ex.Expect["x-user"] {
		t.Errorf("with the token: %d %+v", code, up)
	}
}

// TestEmulatorDPoPAndCertificateBinding sends a DPoP-bound request and a certificate-bound
// token over HTTP: the proof names the emulator's URL; the certificate is the one given with
// -client-cert-digest.
func TestEmulatorDPoPAndCertificateBinding(t *testing.T) {
	k := testjwt.Keys(t)
	jwk := map[string]string{}
	if err := json.Unmarshal([]byte(k.ES256.JWK), &jwk); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf(`{"crv":%q,"kty":"EC","x":%q,"y":%q}`, jwk["crv"], jwk["x"], jwk["y"])))
	jkt := base64.RawURLEncoding.EncodeToString(sum[:])
	cert := sha256.Sum256([]byte("client certificate"))
	x5t := base64.RawURLEncoding.EncodeToString(cert[:])
	provider := func(extra string) string {
		return fmt.Sprintf(`{"issuer":"https://idp.example","local_jwks":{"inline_string":%q}%s}`, testjwt.JWKS(k.RS256), extra)
	}
	cfg := `{"providers":{"dpop":` + provider(`,"x_dpop":{"required":true}`) + `,
	  "mtls":` + provider(`,"x_mtls_bound":true,"audiences":["mtls"]`) + `},
	  "rules":[{"match":{"prefix":"/dpop"},"requires":{"provider_name":"dpop"}},{"match":{"prefix":"/mtls"},"requires":{"provider_name":"mtls"}}]}`
	cfgPath := writeFile(t, "config.json", cfg)
	now := time.Now().Unix()
	e := startEmulator(t, buildEmulator(t), "-wasm", shippedModule(t), "-config", cfgPath, "-client-cert-digest", hex.EncodeToString(cert[:]))
	defer e.stop(t)

	tok := k.RS256.Token(fmt.Sprintf(`{"iss":"https://idp.example","sub":"alice","exp":%d,"cnf":{"jkt":%q}}`, now+3600, jkt))
	athSum := sha256.Sum256([]byte(tok))
	proof := func(jti string) string {
		h, _ := json.Marshal(map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk})
		c, _ := json.Marshal(map[string]any{"jti": jti, "htm": "POST", "htu": "http://" + e.addr + "/dpop/tools", "iat": now,
			"ath": base64.RawURLEncoding.EncodeToString(athSum[:])})
		return k.ES256.TokenWithHeader(string(h), string(c))
	}
	p := proof("http-1")
	resp, body := do(t, "POST", "http://"+e.addr+"/dpop/tools?x=1", "Authorization", "DPoP "+tok, "DPoP", p)
	if resp.StatusCode != 200 || strings.Contains(strings.ToLower(body), `"dpop"`) {
		t.Fatalf("DPoP request: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, "POST", "http://"+e.addr+"/dpop/tools", "Authorization", "DPoP "+tok, "DPoP", p)
	if resp.StatusCode != 401 || body != "Jwt DPoP proof is invalid" || !strings.Contains(resp.Header.Get("www-authenticate"), `error="invalid_dpop_proof"`) {
		t.Fatalf("replayed proof: %d %q %q", resp.StatusCode, body, resp.Header.Get("www-authenticate"))
	}
	resp, body = do(t, "POST", "http://"+e.addr+"/dpop/tools", "Authorization", "Bearer "+tok)
	if resp.StatusCode != 401 || body != "Jwt must be sent with the DPoP scheme and a proof" {
		t.Fatalf("bound token as Bearer: %d %q", resp.StatusCode, body)
	}

	bound := k.RS256.Token(fmt.Sprintf(`{"iss":"https://idp.example","aud":"mtls","exp":%d,"cnf":{"x5t#S256":%q}}`, now+3600, x5t))
	if resp, body = do(t, "GET", "http://"+e.addr+"/mtls", "Authorization", "Bearer "+bound); resp.StatusCode != 200 {
		t.Fatalf("certificate-bound token: %d %q", resp.StatusCode, body)
	}
	other := k.RS256.Token(fmt.Sprintf(`{"iss":"https://idp.example","aud":"mtls","exp":%d,"cnf":{"x5t#S256":%q}}`, now+3600, jkt))
	if resp, body = do(t, "GET", "http://"+e.addr+"/mtls", "Authorization", "Bearer "+other); resp.StatusCode != 401 || body != "Jwt is not bound to the client certificate" {
		t.Fatalf("token bound to another certificate: %d %q", resp.StatusCode, body)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
