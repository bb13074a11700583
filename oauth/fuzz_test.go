package oauth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/oauth"
)

// Hostile proofs never panic and never verify unless they are a valid proof of the request.
func FuzzDPoPVerify(f *testing.F) {
	h, c := proofParts(ecKey, "ES256")
	f.Add(sign(f, ecKey, h, c))
	h["jwk"] = map[string]any{"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA", "d": "AAAA"}
	f.Add(sign(f, ecKey, h, c))
	f.Add("eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6Im5vbmUifQ.e30.")
	f.Add("a.b.c")
	p, err := oauth.NewDPoPPolicy(nil, time.Minute, time.Minute)
	if err != nil {
		f.Fatal(err)
	}
	r := testRequest()
	f.Fuzz(func(t *testing.T, proof string) {
		got, err := p.Verify(proof, r)
		if err == nil && (got.JKT == "" || got.JTI == "") {
			t.Fatalf("verified without key or jti: %+v", got)
		}
	})
}

// NormalizeHTU never panics, is idempotent, and its output has no query, fragment or dot segment.
func FuzzNormalizeHTU(f *testing.F) {
	for _, s := range []string{"https://a.example/b/../c?d#e", "HTTP://[::1]:080/%7e/./x", "https://a:/", "http://x/%2e%2E/y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := oauth.NormalizeHTU(in)
		if err != nil {
			return
		}
		again, err := oauth.NormalizeHTU(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", in, out, again, err)
		}
		path := out[strings.Index(out, "://")+3:]
		path = path[strings.IndexByte(path, '/'):]
		if strings.ContainsAny(out, "?#") || strings.Contains(path+"/", "/./") || strings.Contains(path+"/", "/../") {
			t.Fatalf("%q -> %q", in, out)
		}
	})
}

// Any x_protected_resource either fails with field errors or yields a JSON document.
func FuzzProtectedResource(f *testing.F) {
	f.Add(`{"resource":"https://a.example/x","scopes_supported":["a"],"authorization_servers":["https://i.example"]}`)
	f.Add(`{"resource":"https://a.example","resource_name#de":"x","path":"/p"}`)
	f.Fuzz(func(t *testing.T, cfg string) {
		if !gjson.Valid(cfg) {
			return
		}
		pr, errs := oauth.ParseProtectedResource(gjson.Parse(cfg))
		if errs != nil {
			return
		}
		if !gjson.ValidBytes(pr.Document()) || len(pr.Document()) > oauth.MaxMetadataBytes {
			t.Fatalf("document %q", pr.Document())
		}
	})
}
