package signer_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/signer"
)

func TestParseJWKSRefusesBadKeysNamingTheIndex(t *testing.T) {
	es := newTestKey(t, "ES256")
	es2 := newTestKey(t, "ES256")
	ed := newTestKey(t, "EdDSA")
	rs := newTestKey(t, "RS256")
	hs := newTestKey(t, "HS256")
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	weakJWK := `{"kid":"w","alg":"RS256","kty":"RSA","n":"` + b64(weak.N.Bytes()) + `","e":"AQAB","d":"` + b64(weak.D.Bytes()) +
		`","p":"` + b64(weak.Primes[0].Bytes()) + `","q":"` + b64(weak.Primes[1].Bytes()) + `"}`
	good := ed.jwk(nil)
	cases := []struct {
		name, key, path, reason string
	}{
		{"no kid", es.jwk(nil, "kid"), "keys[1].kid", "missing"},
		{"empty kid", es.jwk(map[string]string{"kid": ""}), "keys[1].kid", "not a non-empty string"},
		{"no alg", es.jwk(nil, "alg"), "keys[1].alg", "missing"},
		{"alg none", es.jwk(map[string]string{"alg": "none"}), "keys[1].alg", "not a supported"},
		{"alg of other type", es.jwk(map[string]string{"alg": "RS256"}), "keys[1].alg", `does not fit a "EC" key`},
		{"alg of other curve", es.jwk(map[string]string{"alg": "ES384"}), "keys[1].alg", "does not fit curve P-256"},
		{"HS alg on RSA", rs.jwk(map[string]string{"alg": "HS256"}), "keys[1].alg", `does not fit a "RSA" key`},
		{"public EC", es.jwk(nil, "d"), "keys[1].d", "a public key cannot sign"},
		{"public Ed25519", ed.jwk(nil, "d"), "keys[1].d", "a public key cannot sign"},
		{"public RSA", rs.jwk(nil, "d", "p", "q", "dp", "dq", "qi"), "keys[1].d", "a public key cannot sign"},
		{"oct without k", hs.jwk(nil, "k"), "keys[1].k", "missing"},
		{"EC d of another key", es.jwk(map[string]string{"d": es2.members["d"]}), "keys[1]", "not the public key of d"},
		{"Ed25519 x of another key", ed.jwk(map[string]string{"x": es.members["x"]}), "keys[1]", "x is not the public key of d"},
		{"RSA p missing", rs.jwk(nil, "p"), "keys[1].p", "missing"},
		{"RSA d wrong", rs.jwk(map[string]string{"d": b64(big.NewInt(12345).Bytes())}), "keys[1]", "inconsistent"},
		{"RSA dp wrong", rs.jwk(map[string]string{"dp": rs.members["dq"]}), "keys[1].dp", "does not match"},
		{"RSA 1024 bits", weakJWK, "keys[1].n", "below 2048"},
		{"multi-prime", rs.jwk(map[string]string{"oth": "x"}), "keys[1].oth", "multi-prime"},
		{"short HMAC", hs.jwk(map[string]string{"k": b64([]byte("short"))}), "keys[1].k", "shorter than"},
		{"use enc", es.jwk(map[string]string{"use": "enc"}), "keys[1].use", `not "sig"`},
		{"padded base64", es.jwk(map[string]string{"d": es.members["d"] + "="}), "keys[1].d", "base64url"},
		{"unknown kty", es.jwk(map[string]string{"kty": "XYZ"}), "keys[1].alg", "does not fit"},
		{"not an object", `"key"`, "keys[1]", "not a JSON object"},
		{"duplicate member", strings.Replace(es.jwk(nil), `{`, `{"kid":"a",`, 1), "keys[1].kid", "duplicate member"},
		{"duplicate kid", ed.jwk(nil), "keys[1].kid", "also the kid of keys[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := signer.ParseJWKS([]byte(jwks(good, c.key)))
			var ke *signer.KeyError
			if !errors.As(err, &ke) || !errors.Is(err, signer.ErrKey) {
				t.Fatalf("err = %v, want a KeyError", err)
			}
			if ke.Path() != c.path || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("err = %q (path %s), want path %s and %q", err, ke.Path(), c.path, c.reason)
			}
			for _, k := range []*testKey{es, es2, ed, rs, hs} {
				for _, v := range k.privateValues() {
					if strings.Contains(err.Error(), v) {
						t.Fatalf("error %q contains private key material", err)
					}
				}
			}
		})
	}
}

func TestParseJWKSRefusesUnusableSets(t *testing.T) {
	ed := newTestKey(t, "EdDSA")
	many := make([]string, signer.MaxKeys+1)
	for i := range many {
		many[i] = ed.jwk(map[string]string{"kid": "k" + string(rune('a'+i%26)) + string(rune('a'+i/26))})
	}
	for name, doc := range map[string]string{
		"not JSON":       `{"keys":[`,
		"array":          `[]`,
		"no keys":        `{}`,
		"keys not array": `{"keys":{}}`,
		"empty keys":     `{"keys":[]}`,
		"duplicate keys": `{"keys":[],"keys":[]}`,
		"too many keys":  jwks(many...),
		"too large":      `{"keys":[],"x":"` + strings.Repeat("a", signer.MaxJWKSBytes) + `"}`,
	} {
		if _, err := signer.ParseJWKS([]byte(doc)); !errors.Is(err, signer.ErrKeySet) {
			t.Errorf("%s: err = %v, want ErrKeySet", name, err)
		}
	}
}

func TestParseJWKSAcceptsOptionalMembers(t *testing.T) {
	es := newTestKey(t, "ES256")
	rs := newTestKey(t, "PS256")
	doc := jwks(
		es.jwk(map[string]string{"use": "sig"}),
		strings.Replace(rs.jwk(nil, "dp", "dq", "qi"), `{`, `{"key_ops":["sign","verify"],`, 1),
	)
	ks, err := signer.ParseJWKS([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(ks.Keys()) != 2 || ks.Key(rs.kid) == nil || ks.Key("nope") != nil {
		t.Fatalf("keys: %v", ks.Keys())
	}
	bad := strings.Replace(rs.jwk(nil), `{`, `{"key_ops":["verify"],`, 1)
	if _, err := signer.ParseJWKS([]byte(jwks(bad))); err == nil || !strings.Contains(err.Error(), "keys[0].key_ops") {
		t.Fatalf("key_ops without sign: %v", err)
	}
}
