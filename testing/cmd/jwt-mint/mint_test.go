package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

func mint(t *testing.T, now time.Time, args ...string) (string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(args, &out, &errb, func() time.Time { return now }); err != nil {
		t.Fatalf("jwt-mint %v: %v\n%s", args, err, errb.String())
	}
	return strings.TrimSpace(out.String()), errb.String()
}

// The README's two commands: -genkey prints a JWKS; a token minted with the key carries the
// claims given and verifies against that JWKS, in the filter itself (local_jwks) on both runners.
func TestGenkeyMintAndTheFilterAccepts(t *testing.T) {
	now := filtertest.DefaultNow
	for _, alg := range []string{"ES256", "RS256", "EdDSA", "PS256"} {
		t.Run(alg, func(t *testing.T) {
			key := filepath.Join(t.TempDir(), "my.jwk")
			jwks, _ := mint(t, now, "-genkey", alg, "-key", key)
			if info, err := os.Stat(key); err != nil || info.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v %v", info, err)
			}
			if strings.Contains(jwks, `"d"`) {
				t.Fatalf("the printed JWKS holds private key material: %s", jwks)
			}
			token, _ := mint(t, now, "-key", key, "-iss", "https://issuer.example", "-sub", "alice", "-aud", "my-api",
				"-claim", "scope=orders:read", "-claim", `roles=["admin"]`, "-exp", "1h")

			var set jose.JSONWebKeySet
			if err := json.Unmarshal([]byte(jwks), &set); err != nil || len(set.Keys) != 1 {
				t.Fatalf("JWKS %s: %v", jwks, err)
			}
			parsed, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
			if err != nil {
				t.Fatal(err)
			}
			if parsed.Headers[0].KeyID != set.Keys[0].KeyID {
				t.Errorf("token kid %q, JWKS kid %q", parsed.Headers[0].KeyID, set.Keys[0].KeyID)
			}
			var std jwt.Claims
			all := map[string]any{}
			if err := parsed.Claims(&set, &std, &all); err != nil {
				t.Fatal(err)
			}
			if err := std.ValidateWithLeeway(jwt.Expected{Issuer: "https://issuer.example", Subject: "alice", AnyAudience: []string{"my-api"}, Time: now}, 0); err != nil {
				t.Error(err)
			}
			if !std.Expiry.Time().Equal(now.Add(time.Hour)) || all["scope"] != "orders:read" || mustJSON(all["roles"]) != `["admin"]` {
				t.Errorf("claims %v", all)
			}

			config := mustJSON(map[string]any{
				"providers": map[string]any{"mine": map[string]any{
					"issuer": "https://issuer.example", "audiences": []string{"my-api"},
					"local_jwks":       map[string]any{"inline_string": jwks},
					"claim_to_headers": []any{map[string]any{"header_name": "x-user", "claim_name": "sub"}},
				}},
				"rules": []any{map[string]any{"match": map[string]any{"prefix": "/"}, "requires": map[string]any{"provider_name": "mine"}}},
			})
			filtertest.Run(t, filtertest.Options{Config: []byte(config), Now: now}, func(t *testing.T, h filtertest.Host) {
				s := h.NewStream()
				defer s.Done()
				s.SendRequestHeaders(filtertest.Request("GET", "/api", "authorization", "Bearer "+token), true)
				if lr := s.LocalResponse(); lr != nil {
					t.Fatalf("the filter refused the minted token: %d %s", lr.Status, lr.Body)
				}
				if got := s.RequestHeaders().Values("x-user"); len(got) != 1 || got[0] != "alice" {
					t.Errorf("x-user %q", got)
				}
			})
		})
	}
}

// PEM private keys work; the kid is then the key's thumbprint; -exp negative mints an expired
// token, -exp 0 none; -claims takes a JSON object the flags override.
func TestPEMKeyAndClaims(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(t.TempDir(), "k.pem")
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	token, _ := mint(t, now, "-key", key, "-claims", `{"sub":"x","tenant":"acme"}`, "-sub", "y", "-exp", "-1h")
	parsed, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES384})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := thumbprint(jose.JSONWebKey{Key: &priv.PublicKey})
	if parsed.Headers[0].KeyID != want {
		t.Errorf("kid %q, want the thumbprint %q", parsed.Headers[0].KeyID, want)
	}
	all := map[string]any{}
	if err := parsed.Claims(&priv.PublicKey, &all); err != nil {
		t.Fatal(err)
	}
	if all["sub"] != "y" || all["tenant"] != "acme" || all["exp"] != float64(now.Add(-time.Hour).Unix()) {
		t.Errorf("claims %v", all)
	}
	token, _ = mint(t, now, "-key", key, "-exp", "0", "-no-iat")
	parsed, _ = jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES384})
	all = map[string]any{}
	if err := parsed.Claims(&priv.PublicKey, &all); err != nil {
		t.Fatal(err)
	}
	if _, ok := all["exp"]; ok || len(all) != 0 {
		t.Errorf("-exp 0 -no-iat: claims %v, want none", all)
	}
}

func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	pub := filepath.Join(dir, "pub.jwk")
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b, _ := json.Marshal(jose.JSONWebKey{Key: &priv.PublicKey})
	if err := os.WriteFile(pub, b, 0o600); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "exists")
	if err := os.WriteFile(existing, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "-key is required"},
		{[]string{"-key", pub}, "a public key"},
		{[]string{"-genkey", "ES256", "-key", existing}, "exists"},
		{[]string{"-genkey", "none", "-key", filepath.Join(dir, "n")}, "want RS256"},
		{[]string{"-key", existing}, "neither PEM nor a JWK"},
	} {
		var out, errb bytes.Buffer
		err := run(c.args, &out, &errb, time.Now)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error containing %q", c.args, err, c.want)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
