package main_test

import (
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
)

// TestGlooMeshExampleThroughMigrateAndEmulator is the Gloo Mesh documented example end to end,
// as a user runs it: build/jwt-migrate converts the JWTPolicy (exit 3: applyToRoutes and phase
// dropped), the emulator loads the output, and curl-like requests get what the Gloo docs
// promise: no token 401 "Jwt is missing"; a token in X-Auth ("Bearer ") or in auth_token
// passes with X-Org and X-Email; both present and one invalid: 401.
func TestGlooMeshExampleThroughMigrateAndEmulator(t *testing.T) {
	dir := t.TempDir()
	migrateBin, err := goBuild(filepath.Join(dir, "jwt-migrate"), "../../../cmd/jwt-migrate")
	if err != nil {
		t.Fatal(err)
	}
	testdata := filepath.Join("..", "..", "..", "migrate", "testdata")
	config := filepath.Join(dir, "config.json")
	cmd := exec.Command(migrateBin, "-from", "gloo-mesh", "-o", config, filepath.Join(testdata, "gloo-mesh", "jwt-routes.yaml"))
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Fatalf("jwt-migrate exit %d (%v), want 3:\n%s", code, err, out)
	}

	keyPEM, err := os.ReadFile(filepath.Join(testdata, "keys", "rsa-private.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		t.Fatal("rsa-private.pem: no PEM block")
	}
	private, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	key, err := testjwt.NewKey("migrate-fixtures", private)
	if err != nil {
		t.Fatal(err)
	}
	token := func(tamper bool) string {
		s, err := testjwt.SignToken("RS256", key, `{"alg":"RS256","kid":"test-rsa","typ":"JWT"}`,
			`{"iss":"https://dev.example.com","exp":4102444800,"org":"solo-io","email":"dev@solo.io"}`)
		if err != nil {
			t.Fatal(err)
		}
		if tamper { // change the signature's first character
			dot := strings.LastIndexByte(s, '.')
			c := byte('A')
			if s[dot+1] == 'A' {
				c = 'B'
			}
			s = s[:dot+1] + string(c) + s[dot+2:]
		}
		return s
	}

	e := startEmulator(t, buildEmulator(t), "-wasm", shippedModule(t), "-config", config)
	defer e.stop(t)
	do := func(query string, header string) (int, string, *http.Response) {
		t.Helper()
		u := "http://" + e.addr + "/ratings/1"
		if query != "" {
			u += "?auth_token=" + url.QueryEscape(query)
		}
		req, _ := http.NewRequest("GET", u, nil)
		if header != "" {
			req.Header.Set("X-Auth", "Bearer "+header)
		}
		req.Header.Set("X-Org", "forged")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(body), resp
	}
	if code, body, _ := do("", ""); code != 401 || body != "Jwt is missing" {
		t.Errorf("no token: %d %q, want 401 Jwt is missing", code, body)
	}
	// With append, each verified token adds its claims: two tokens, two lines.
	for name, c := range map[string][3]string{
		"X-Auth":     {"", token(false), `"solo-io"`},
		"auth_token": {token(false), "", `"solo-io"`},
		"both valid": {token(false), token(false), `"solo-io","solo-io"`},
	} {
		code, body, _ := do(c[0], c[1])
		if code != 200 {
			t.Errorf("%s: %d %q, want 200", name, code, body)
			continue
		}
		for _, want := range []string{`"x-org":[` + c[2] + `]`, `"x-email":[` + strings.ReplaceAll(c[2], "solo-io", "dev@solo.io") + `]`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the upstream did not receive %s: %s", name, want, body)
			}
		}
	}
	if code, body, _ := do(token(true), token(false)); code != 401 {
		t.Errorf("valid header, invalid query token: %d %q, want 401", code, body)
	}
}
