package examples_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// examples/krakend-signer has no example.json (its tokens are minted by the filter): this test
// runs its README's flow on both runners, with Envoy's stop-iteration setting as envoy.yaml
// sets it, and checks that the README shows the commands.
func TestKrakendSignerExample(t *testing.T) {
	cfg, err := os.ReadFile("krakend-signer/config.json")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("krakend-signer/README.md")
	if err != nil {
		t.Fatal(err)
	}
	yaml, err := os.ReadFile("krakend-signer/envoy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := stringValueBlock(string(yaml))
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, embedded, cfg) || !strings.Contains(string(yaml), "allow_on_headers_stop_iteration: true") {
		t.Error("envoy.yaml: not config.json with allow_on_headers_stop_iteration")
	}
	for _, w := range []string{
		"go run ./examples/krakend-signer/backend -listen 127.0.0.1:9000",
		"build/jwt-emulator -config examples/krakend-signer/config.json -allow-on-headers-stop-iteration -upstream http://127.0.0.1:9000",
		"curl -i -X POST http://127.0.0.1:8080/login", "Cache-Control: no-store",
		`curl -i http://127.0.0.1:8080/api/orders -H "Authorization: Bearer $TOKEN"`,
		"HTTP/1.1 502 Bad Gateway", "a member to sign is not a JSON object", "Jwt is missing",
	} {
		if !strings.Contains(string(readme), w) {
			t.Errorf("README.md does not contain %q", w)
		}
	}

	filtertest.Run(t, filtertest.Options{Config: cfg, AllowOnHeadersStopIteration: true}, func(t *testing.T, h filtertest.Host) {
		jw := h.NewStream()
		jw.SendRequestHeaders(filtertest.Request("GET", "/.well-known/jwks.json"), true)
		doc := jw.LocalResponse()
		jw.Done()
		if doc == nil || doc.Status != 200 || strings.Contains(string(doc.Body), `"d"`) {
			t.Fatalf("JWKS endpoint: %+v", doc)
		}
		keys, err := verifier.ParseJWKS(doc.Body, verifier.KeyOptions{})
		if err != nil {
			t.Fatal(err)
		}

		exp := strconv.FormatInt(h.Now().Unix()+3600, 10)
		login := h.NewStream()
		login.SendRequestHeaders(filtertest.Request("POST", "/login"), true)
		login.SendResponseHeaders(filtertest.Headers{{":status", "200"}, {"content-type", "application/json"}}, false)
		login.SendResponseBody([]byte(`{"access_token":{"aud":"api","exp":`+exp+`,"iss":"https://gateway.example",`), false)
		login.SendResponseBody([]byte(`"roles":["user"],"sub":"alice"},"exp":`+exp+`,"token_type":"Bearer"}`), true)
		token := gjson.GetBytes(login.ResponseBody(), "access_token").Str
		if cc, _ := login.ResponseHeaders().Get("cache-control"); cc != "no-store" || token == "" {
			t.Fatalf("login: %s %v", login.ResponseBody(), login.ResponseHeaders())
		}
		login.Done()

		api := h.NewStream()
		defer api.Done()
		if a := api.SendRequestHeaders(filtertest.Request("GET", "/api/orders", "authorization", "Bearer "+token, "x-backend-token", "forged"), true); a != filtertest.Continue {
			t.Fatalf("the signed token was refused: %+v", api.LocalResponse())
		}
		up := api.RequestHeaders()
		if u, _ := up.Get("x-user"); u != "alice" {
			t.Errorf("x-user %q", u)
		}
		bt := up.Values("x-backend-token")
		if len(bt) != 1 {
			t.Fatalf("x-backend-token %q", bt)
		}
		tok, err := verifier.ParseUnverified(bt[0], verifier.Limits{})
		if err != nil || tok.Verify(keys) != nil || tok.KeyID != "k2" || !tok.HasAudience([]string{"orders"}) || tok.Subject != "alice" {
			t.Fatalf("backend token %v: %s", err, tok.Payload)
		}
	})
}
