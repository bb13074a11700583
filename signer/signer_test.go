package signer_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/signer"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

const payload = `{"sub":"alice","iss":"https://gateway.example","exp":1893456000,"roles":["admin"],"name":"Ålice \u00e9"}`

// publicOf is the public key go-jose verifies with.
func publicOf(k *testKey) any {
	switch p := k.priv.(type) {
	case *rsa.PrivateKey:
		return &p.PublicKey
	case *ecdsa.PrivateKey:
		return &p.PublicKey
	case ed25519.PrivateKey:
		return p.Public()
	}
	return k.priv // HMAC secret
}

// verifierKeys is what package verifier verifies k's tokens with: the signer's public JWKS
// for asymmetric keys, the oct JWK itself for HMAC.
func verifierKeys(t *testing.T, ks *signer.KeySet, k *testKey) *verifier.KeySet {
	t.Helper()
	doc := ks.PublicJWKS()
	if k.alg[:2] == "HS" {
		doc = []byte(jwks(k.jwk(nil)))
	}
	vks, err := verifier.ParseJWKS(doc, verifier.KeyOptions{})
	if err != nil {
		t.Fatalf("verifier.ParseJWKS: %v", err)
	}
	return vks
}

func TestEveryAlgorithmRoundTripsThroughVerifierAndGoJose(t *testing.T) {
	for _, alg := range allAlgs {
		t.Run(alg, func(t *testing.T) {
			k := newTestKey(t, alg)
			ks, err := signer.ParseJWKS([]byte(jwks(k.jwk(nil))))
			if err != nil {
				t.Fatalf("ParseJWKS: %v", err)
			}
			key := ks.Key(k.kid)
			if key == nil || string(key.Alg()) != alg {
				t.Fatalf("Key(%q) = %v", k.kid, key)
			}
			compact, err := key.SignCompact(payload, rand.Reader)
			if err != nil {
				t.Fatalf("SignCompact: %v", err)
			}
			// Our verifier.
			tok, err := verifier.ParseUnverified(compact, verifier.Limits{})
			if err != nil {
				t.Fatalf("verifier.Parse: %v", err)
			}
			if string(tok.Alg) != alg || tok.KeyID != k.kid {
				t.Fatalf("header alg %q kid %q", tok.Alg, tok.KeyID)
			}
			if err := tok.Verify(verifierKeys(t, ks, k)); err != nil {
				t.Fatalf("verifier: %v", err)
			}
			// go-jose, compact and flattened.
			algs := []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)}
			jws, err := jose.ParseSignedCompact(compact, algs)
			if err != nil {
				t.Fatalf("go-jose parse: %v", err)
			}
			got, err := jws.Verify(publicOf(k))
			if err != nil || string(got) != payload {
				t.Fatalf("go-jose verify: %v, payload %q", err, got)
			}
			if typ := jws.Signatures[0].Protected.ExtraHeaders["typ"]; typ != "JWT" {
				t.Fatalf("typ = %v", typ)
			}
			flat, err := key.SignFlattened(payload, rand.Reader)
			if err != nil {
				t.Fatalf("SignFlattened: %v", err)
			}
			for _, m := range []string{"protected", "payload", "signature"} {
				if gjson.Get(flat, m).Type != gjson.String {
					t.Fatalf("flattened lacks %s: %s", m, flat)
				}
			}
			if n := len(gjson.Parse(flat).Map()); n != 3 {
				t.Fatalf("flattened has %d members: %s", n, flat)
			}
			jf, err := jose.ParseSignedJSON(flat, algs)
			if err != nil {
				t.Fatalf("go-jose parse flattened: %v", err)
			}
			if got, err := jf.Verify(publicOf(k)); err != nil || string(got) != payload {
				t.Fatalf("go-jose verify flattened: %v", err)
			}
			// The flattened parts are a compact token too.
			re := gjson.Get(flat, "protected").Str + "." + gjson.Get(flat, "payload").Str + "." + gjson.Get(flat, "signature").Str
			tok2, err := verifier.ParseUnverified(re, verifier.Limits{})
			if err != nil || tok2.Verify(verifierKeys(t, ks, k)) != nil {
				t.Fatalf("flattened parts do not verify as compact: %v", err)
			}
		})
	}
}

func TestSignRefusesPayloadTheVerifierWouldRefuse(t *testing.T) {
	k := newTestKey(t, "EdDSA")
	ks, err := signer.ParseJWKS([]byte(jwks(k.jwk(nil))))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{``, `[]`, `"x"`, `{"a":1,"a":2}`, "{\"a\":\"\xff\"}", `{"a":"\udc00"}`, `{"a":1} x`} {
		if _, err := ks.Key(k.kid).SignCompact(p, rand.Reader); !errors.Is(err, signer.ErrPayload) {
			t.Errorf("SignCompact(%q) = %v, want ErrPayload", p, err)
		}
	}
}

func TestPublicJWKSHasPublicMembersOnly(t *testing.T) {
	var keys []string
	var tks []*testKey
	for _, alg := range allAlgs {
		tk := newTestKey(t, alg)
		tks = append(tks, tk)
		keys = append(keys, tk.jwk(nil))
	}
	ks, err := signer.ParseJWKS([]byte(jwks(keys...)))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(ks.PublicJWKS())
	pub := gjson.Get(doc, "keys").Array()
	if len(pub) != 10 { // 13 keys, 3 of them oct
		t.Fatalf("%d public keys, want 10: %s", len(pub), doc)
	}
	allowed := map[string]bool{"kty": true, "kid": true, "use": true, "alg": true, "n": true, "e": true, "crv": true, "x": true, "y": true}
	for i, pk := range pub {
		if pk.Get("use").Str != "sig" || pk.Get("kid").Str != tks[i].kid || pk.Get("alg").Str != tks[i].alg {
			t.Errorf("key %d: %s", i, pk.Raw)
		}
		pk.ForEach(func(k, _ gjson.Result) bool {
			if !allowed[k.Str] {
				t.Errorf("key %d publishes %q", i, k.Str)
			}
			return true
		})
	}
	for _, tk := range tks {
		for _, v := range tk.privateValues() {
			if strings.Contains(doc, v) {
				t.Fatalf("public JWKS contains a private value of %s", tk.kid)
			}
		}
	}
	// Each public key verifies what its private key signs.
	vks, err := verifier.ParseJWKS([]byte(doc), verifier.KeyOptions{})
	if err != nil || len(vks.Keys) != 10 || len(vks.Skipped) != 0 {
		t.Fatalf("verifier reads the document: %v, %d keys, skipped %v", err, len(vks.Keys), vks.Skipped)
	}
}

func TestSignRefusesRegisteredClaimsOfTheWrongType(t *testing.T) {
	k := newTestKey(t, "ES256")
	ks, err := signer.ParseJWKS([]byte(jwks(k.jwk(nil))))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{`{"sub":0}`, `{"exp":"soon"}`, `{"exp":1e400}`, `{"aud":[1]}`, `{"iss":{}}`, `{"nbf":-1}`} {
		if _, err := ks.Key(k.kid).SignCompact(p, rand.Reader); !errors.Is(err, signer.ErrPayload) {
			t.Errorf("SignCompact(%s) = %v, want ErrPayload", p, err)
		}
	}
}
