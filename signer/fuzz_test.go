package signer_test

import (
	"crypto/rand"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/signer"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// FuzzSignMembers: an upstream body is hostile input. SignMembers never panics, and what it
// returns is a strict JSON object whose listed members are tokens that verify.
func FuzzSignMembers(f *testing.F) {
	for _, s := range []string{
		`{"access_token":{"sub":"a"},"x":1}`, `{"access_token":{"a":{"b":[1,2,{"c":null}]}},"refresh_token":{}}`,
		`{"access_token":"s"}`, `{"a":1,"a":2}`, `[]`, `{"access_token":{"\ud800":1}}`, "{\"access_token\":{\"\xff\":1}}",
		`{"access_token" : { "sub" : "a" } , "refresh_token":{"n":1e400}}`,
	} {
		f.Add([]byte(s))
	}
	k := newTestKey(f, "EdDSA")
	ks, err := signer.ParseJWKS([]byte(jwks(k.jwk(nil))))
	if err != nil {
		f.Fatal(err)
	}
	vks, err := verifier.ParseJWKS(ks.PublicJWKS(), verifier.KeyOptions{})
	if err != nil {
		f.Fatal(err)
	}
	names := []string{"access_token", "refresh_token"}
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := signer.SignMembers(body, names, ks.Key(k.kid), false, rand.Reader)
		if err != nil {
			if out != nil {
				t.Fatal("output with an error")
			}
			return
		}
		if !verifier.StrictJSONObject(string(out)) {
			t.Fatalf("output is not strict JSON: %q", out)
		}
		for _, n := range names {
			v := gjson.GetBytes(out, n)
			if !v.Exists() {
				continue
			}
			tok, err := verifier.ParseUnverified(v.Str, verifier.Limits{MaxTokenBytes: 1 << 22, MaxPayloadBytes: 1 << 22})
			if err != nil || tok.Verify(vks) != nil {
				t.Fatalf("member %s does not verify: %v", n, err)
			}
		}
	})
}

// FuzzParseJWKS: a signing JWKS never panics the parser, and a refusal never quotes a private
// member's value (the fuzzer's d is recognisable).
func FuzzParseJWKS(f *testing.F) {
	k := newTestKey(f, "ES256")
	f.Add([]byte(jwks(k.jwk(nil))))
	f.Add([]byte(`{"keys":[{"kty":"oct","kid":"a","alg":"HS256","k":"AAAA"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","kid":"a","alg":"RS256","n":"AQAB","e":"AQAB","d":"AQAB","p":"Aw","q":"Bw"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, err := signer.ParseJWKS(data)
		if err == nil {
			_ = ks.PublicJWKS()
		}
	})
}
