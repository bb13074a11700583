package oauth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/oauth"
)

func testRequest() oauth.DPoPRequest {
	return oauth.DPoPRequest{Method: testMethod, URI: testURI, AccessToken: testAccessToken, Now: time.Unix(testNowUnix, 0)}
}

func mustPolicy(t *testing.T, algs []string) *oauth.DPoPPolicy {
	t.Helper()
	p, err := oauth.NewDPoPPolicy(algs, 60*time.Second, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDPoPValidProofs(t *testing.T) {
	p := mustPolicy(t, []string{"ES256", "EdDSA", "RS256"})
	for _, tc := range []struct {
		name string
		key  any
		alg  string
	}{{"ES256", ecKey, "ES256"}, {"EdDSA", edPriv, "EdDSA"}, {"RS256", rsaKey, "RS256"}} {
		t.Run(tc.name, func(t *testing.T) {
			h, c := proofParts(tc.key, tc.alg)
			got, err := p.Verify(sign(t, tc.key, h, c), testRequest())
			if err != nil {
				t.Fatalf("valid proof refused: %v", err)
			}
			if got.JTI != "e1j3V_bKic8-LAEB" || got.IssuedAt != testNowUnix || string(got.Alg) != tc.alg {
				t.Fatalf("proof = %+v", got)
			}
			if want := thumbprint(publicJWK(tc.key)); got.JKT != want {
				t.Fatalf("JKT = %s, want RFC 7638 thumbprint %s", got.JKT, want)
			}
		})
	}
}

func TestDPoPRefusals(t *testing.T) {
	p := mustPolicy(t, []string{"ES256", "EdDSA", "RS256"})
	type mutate func(h, c map[string]any, r *oauth.DPoPRequest) (key any)
	cases := []struct {
		name string
		mut  mutate
		want error
	}{
		{"other method", func(h, c map[string]any, r *oauth.DPoPRequest) any { r.Method = "GET"; return ecKey }, oauth.ErrDPoPMethod},
		{"lower-case method", func(h, c map[string]any, r *oauth.DPoPRequest) any { c["htm"] = "post"; return ecKey }, oauth.ErrDPoPMethod},
		{"other path", func(h, c map[string]any, r *oauth.DPoPRequest) any {
			r.URI = "https://api.example.com/other"
			return ecKey
		}, oauth.ErrDPoPURI},
		{"other host", func(h, c map[string]any, r *oauth.DPoPRequest) any {
			c["htu"] = "https://evil.example.com/mcp"
			return ecKey
		}, oauth.ErrDPoPURI},
		{"other scheme", func(h, c map[string]any, r *oauth.DPoPRequest) any {
			c["htu"] = "http://api.example.com/mcp"
			return ecKey
		}, oauth.ErrDPoPURI},
		{"other port", func(h, c map[string]any, r *oauth.DPoPRequest) any {
			c["htu"] = "https://api.example.com:8443/mcp"
			return ecKey
		}, oauth.ErrDPoPURI},
		{"too old", func(h, c map[string]any, r *oauth.DPoPRequest) any { c["iat"] = testNowUnix - 66; return ecKey }, oauth.ErrDPoPTime},
		{"from the future", func(h, c map[string]any, r *oauth.DPoPRequest) any { c["iat"] = testNowUnix + 6; return ecKey }, oauth.ErrDPoPTime},
		{"no iat", func(h, c map[string]any, r *oauth.DPoPRequest) any { delete(c, "iat"); return ecKey }, oauth.ErrDPoPClaims},
		{"no jti", func(h, c map[string]any, r *oauth.DPoPRequest) any { delete(c, "jti"); return ecKey }, oauth.ErrDPoPClaims},
		{"jti too long", func(h, c map[string]any, r *oauth.DPoPRequest) any { c["jti"] = strings.Repeat("j", 257); return ecKey }, oauth.ErrDPoPClaims},
		{"no htm", func(h, c map[string]any, r *oauth.DPoPRequest) any { delete(c, "htm"); return ecKey }, oauth.ErrDPoPClaims},
		{"htu not a string", func(h, c map[string]any, r *oauth.DPoPRequest) any { c["htu"] = 1; return ecKey }, oauth.ErrDPoPClaims},
		{"ath mismatch", func(h, c map[string]any, r *oauth.DPoPRequest) any {
			r.AccessToken = "another.access.token"
			return ecKey
		}, oauth.ErrDPoPAccessHash},
		{"no ath", func(h, c map[string]any, r *oauth.DPoPRequest) any { delete(c, "ath"); return ecKey }, oauth.ErrDPoPAccessHash},
		{"typ JWT", func(h, c map[string]any, r *oauth.DPoPRequest) any { h["typ"] = "JWT"; return ecKey }, oauth.ErrDPoPType},
		{"no typ", func(h, c map[string]any, r *oauth.DPoPRequest) any { delete(h, "typ"); return ecKey }, oauth.ErrDPoPType},
		{"alg none", func(h, c map[string]any, r *oauth.DPoPRequest) any { h["alg"] = "none"; return nil }, oauth.ErrDPoPAlgorithm},
		{"alg HS256", func(h, c map[string]any, r *oauth.DPoPRequest) any { h["alg"] = "HS256"; return ecKey }, oauth.ErrDPoPAlgorithm},
		{"alg not allowed", func(h, c map[string]any, r *oauth.DPoPRequest) any {
			h["alg"] = "PS256"
			h["jwk"] = publicJWK(rsaKey)
			return rsaKey
		}, oauth.ErrDPoPAlgorithm},
		{"private key in jwk", func(h, c map[string]any, r *oauth.DPoPRequest) any {
			jwk := publicJWK(ecKey)
			jwk["d"] = b64.EncodeToString(pad(ecKey.D.Bytes(), 32))
			h["jwk"] = jwk
			return ecKey
		}, oauth.ErrDPoPKey},
		{"symmetric jwk", func(h, c map[string]any, r *oauth.DPoPRequest) any {
			h["jwk"] = map[string]any{"kty": "oct", "k": b64.EncodeToString(make([]byte, 32))}
			return ecKey
		}, oauth.ErrDPoPKey},
		{"no jwk", func(h, c map[string]any, r *oauth.DPoPRequest) any { delete(h, "jwk"); return ecKey }, oauth.ErrDPoPKey},
		{"jwk of another type", func(h, c map[string]any, r *oauth.DPoPRequest) any { h["jwk"] = publicJWK(edPriv); return ecKey }, oauth.ErrDPoPKey},
		{"RSA key over 4096 bits", func(h, c map[string]any, r *oauth.DPoPRequest) any {
			h["alg"] = "RS256"
			n := make([]byte, 4608/8)
			for i := range n {
				n[i] = 0xA5
			}
			n[0], n[len(n)-1] = 0xC1, 0x01
			h["jwk"] = map[string]any{"kty": "RSA", "n": b64.EncodeToString(n), "e": "AQAB"}
			return rsaKey
		}, oauth.ErrDPoPKey},
		{"signed by another key", func(h, c map[string]any, r *oauth.DPoPRequest) any { return otherECKey }, oauth.ErrDPoPSignature},
		{"crit", func(h, c map[string]any, r *oauth.DPoPRequest) any { h["crit"] = []string{"x"}; return ecKey }, oauth.ErrDPoPMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, c := proofParts(ecKey, "ES256")
			r := testRequest()
			key := tc.mut(h, c, &r)
			_, err := p.Verify(sign(t, key, h, c), r)
			if !errors.Is(err, tc.want) || !errors.Is(err, oauth.ErrInvalidDPoPProof) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("malformed", func(t *testing.T) {
		for _, proof := range []string{"", "a.b", "a.b.c.d", strings.Repeat("a", oauth.MaxProofBytes+1), "e30.e30.e30"} {
			if _, err := p.Verify(proof, testRequest()); !errors.Is(err, oauth.ErrInvalidDPoPProof) {
				t.Fatalf("proof %.20q: err = %v", proof, err)
			}
		}
	})
}

// Equivalent URIs per RFC 3986 §6.2.2-6.2.3 verify; the query and fragment are ignored.
func TestDPoPURINormalisation(t *testing.T) {
	p := mustPolicy(t, nil)
	for _, tc := range []struct{ htu, uri string }{
		{"HTTPS://API.Example.COM:443/mcp", "https://api.example.com/mcp"},
		{"https://api.example.com/mcp", "https://api.example.com:443/mcp?x=1"},
		{"https://api.example.com/%6dcp", "https://api.example.com/mcp"},
		{"https://api.example.com/a/../mcp", "https://api.example.com/./mcp#frag"},
		{"http://api.example.com:80", "http://api.example.com/"},
		{"https://api.example.com/p%2fq", "https://api.example.com/p%2Fq"},
	} {
		h, c := proofParts(ecKey, "ES256")
		c["htu"] = tc.htu
		r := testRequest()
		r.URI = tc.uri
		if _, err := p.Verify(sign(t, ecKey, h, c), r); err != nil {
			t.Errorf("htu %q vs %q: %v", tc.htu, tc.uri, err)
		}
	}
}

func TestNormalizeHTU(t *testing.T) {
	for in, want := range map[string]string{
		"HTTPS://Example.COM/A/b":            "https://example.com/A/b",
		"https://example.com":                "https://example.com/",
		"https://example.com:/x":             "https://example.com/x",
		"https://example.com:0443/x":         "https://example.com/x",
		"https://example.com:8443/x?q#f":     "https://example.com:8443/x",
		"http://[::1]:80/a/./b/../c":         "http://[::1]/a/c",
		"https://example.com/%7euser/%3a":    "https://example.com/~user/%3A",
		"https://example.com/a/b/../../../c": "https://example.com/c",
	} {
		got, err := oauth.NormalizeHTU(in)
		if err != nil || got != want {
			t.Errorf("NormalizeHTU(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "example.com/x", "ftp://example.com/", "https://user@example.com/", "https:///x",
		"https://example.com:99999/", "https://example.com:8x/", "https://example.com/%zz", "https://example.com/%4", "https://exa mple.com/",
		"https://[::1/", "https://example.com/\x00", "https://example.com/" + strings.Repeat("a", oauth.MaxURIBytes)} {
		if got, err := oauth.NormalizeHTU(bad); err == nil {
			t.Errorf("NormalizeHTU(%q) = %q, want an error", bad, got)
		}
	}
}

func TestNewDPoPPolicy(t *testing.T) {
	for _, bad := range [][]string{{}, {"none"}, {"HS256"}, {"ES256", "ES256"}, {"XX1"}} {
		if _, err := oauth.NewDPoPPolicy(bad, 0, 0); err == nil {
			t.Errorf("NewDPoPPolicy(%q) accepted", bad)
		}
	}
	p, err := oauth.NewDPoPPolicy(nil, 0, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if p.MaxAge() != oauth.DefaultDPoPMaxAge || len(p.Algs()) != 4 || p.ReplayWindow() != oauth.DefaultDPoPMaxAge+2*time.Second {
		t.Fatalf("defaults: max age %v, algs %v, window %v", p.MaxAge(), p.Algs(), p.ReplayWindow())
	}
}

func TestCheckJKT(t *testing.T) {
	jkt := thumbprint(publicJWK(ecKey))
	if err := oauth.CheckJKT(gjson.Parse(`{"cnf":{"jkt":"`+jkt+`"}}`), jkt); err != nil {
		t.Fatalf("bound token refused: %v", err)
	}
	for _, claims := range []string{`{}`, `{"cnf":"x"}`, `{"cnf":{"jkt":1}}`, `{"cnf":{"jkt":"` + thumbprint(publicJWK(otherECKey)) + `"}}`, `{"cnf":{"x5t#S256":"` + jkt + `"}}`} {
		err := oauth.CheckJKT(gjson.Parse(claims), jkt)
		if !errors.Is(err, oauth.ErrDPoPKeyBinding) || !errors.Is(err, oauth.ErrInvalidToken) {
			t.Errorf("claims %s: err = %v", claims, err)
		}
	}
	if err := oauth.CheckNotDPoPBound(gjson.Parse(`{"cnf":{"jkt":"x"}}`)); !errors.Is(err, oauth.ErrBoundAsBearer) {
		t.Errorf("DPoP-bound token as Bearer: err = %v", err)
	}
	if err := oauth.CheckNotDPoPBound(gjson.Parse(`{"cnf":{"x5t#S256":"x"}}`)); err != nil {
		t.Errorf("certificate-bound token as Bearer: err = %v", err)
	}
}

func TestAccessTokenHash(t *testing.T) {
	// RFC 9449 §7.1 example: the ath of the access token "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU".
	if got := oauth.AccessTokenHash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"); got != "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo" {
		t.Fatalf("ath = %s", got)
	}
}

func BenchmarkDPoPVerifyES256(b *testing.B) {
	p, _ := oauth.NewDPoPPolicy(nil, time.Minute, 0)
	h, c := proofParts(ecKey, "ES256")
	proof := sign(b, ecKey, h, c)
	r := testRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Verify(proof, r); err != nil {
			b.Fatal(err)
		}
	}
}
