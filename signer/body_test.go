package signer_test

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/signer"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

func TestSignMembersReplacesListedObjects(t *testing.T) {
	k := newTestKey(t, "ES256")
	ks, err := signer.ParseJWKS([]byte(jwks(k.jwk(nil))))
	if err != nil {
		t.Fatal(err)
	}
	vks := verifierKeys(t, ks, k)
	body := `{"access_token":{"sub":"alice","exp":1893456000},"refresh_token":{"sub":"alice"},"exp":1893456000,"note":"kept"}`
	names := []string{"access_token", "refresh_token", "id_token"}
	for _, full := range []bool{false, true} {
		out, err := signer.SignMembers([]byte(body), names, ks.Key(k.kid), full, rand.Reader)
		if err != nil {
			t.Fatalf("full=%v: %v", full, err)
		}
		doc := gjson.ParseBytes(out)
		if !verifier.StrictJSONObject(string(out)) || doc.Get("exp").Int() != 1893456000 || doc.Get("note").Str != "kept" {
			t.Fatalf("full=%v: other members changed: %s", full, out)
		}
		var keys []string
		doc.ForEach(func(k, _ gjson.Result) bool { keys = append(keys, k.Str); return true })
		if strings.Join(keys, ",") != "access_token,refresh_token,exp,note" {
			t.Fatalf("member order: %v", keys)
		}
		for _, name := range names[:2] {
			v := doc.Get(name)
			compact := v.Str
			if full {
				if !v.IsObject() {
					t.Fatalf("%s is not an object: %s", name, v.Raw)
				}
				compact = v.Get("protected").Str + "." + v.Get("payload").Str + "." + v.Get("signature").Str
			} else if v.Type != gjson.String {
				t.Fatalf("%s is not a string: %s", name, v.Raw)
			}
			tok, err := verifier.ParseUnverified(compact, verifier.Limits{})
			if err != nil || tok.Verify(vks) != nil {
				t.Fatalf("%s does not verify: %v", name, err)
			}
			if want := gjson.Get(body, name).Raw; string(tok.Payload) != want {
				t.Fatalf("%s payload %s, want %s", name, tok.Payload, want)
			}
		}
	}
}

func TestSignMembersFailsClosed(t *testing.T) {
	k := newTestKey(t, "EdDSA")
	ks, err := signer.ParseJWKS([]byte(jwks(k.jwk(nil))))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"access_token"}
	for _, c := range []struct {
		body string
		want error
	}{
		{`[{"access_token":{}}]`, signer.ErrBodyNotObject},
		{`{"access_token":{"a":1}`, signer.ErrBodyNotObject},
		{`{"access_token":{"a":1},"access_token":{"a":2}}`, signer.ErrBodyNotObject},
		{"{\"access_token\":{\"a\":\"\xff\"}}", signer.ErrBodyNotObject},
		{`not json`, signer.ErrBodyNotObject},
		{``, signer.ErrBodyNotObject},
		{`{"access_token":"already a string"}`, signer.ErrMemberNotObject},
		{`{"access_token":["x"]}`, signer.ErrMemberNotObject},
		{`{"other":{}}`, signer.ErrNoMemberToSign},
		{`{"access_token":{"a":1,"a":2}}`, signer.ErrPayload},
	} {
		out, err := signer.SignMembers([]byte(c.body), names, ks.Key(k.kid), false, rand.Reader)
		if !errors.Is(err, c.want) || out != nil {
			t.Errorf("SignMembers(%q) = %q, %v; want %v", c.body, out, err, c.want)
		}
	}
}

func TestBackendClaimsPayload(t *testing.T) {
	c := signer.BackendClaims{Issuer: "https://gateway.example", Audience: "orders", TTL: 300 * time.Second,
		Copy: []string{"email", "sub", "missing", "exp", "scope"}}
	now := time.Unix(1767225600, 0)
	verified := `{"sub":"alice","iss":"https://idp","exp":1767229200,"email":"a@example.com","scope":["read","write"],"n":{"x":1}}`
	jti, err := signer.NewJTI(rand.Reader)
	if err != nil || len(jti) != 22 {
		t.Fatalf("jti %q: %v", jti, err)
	}
	p := c.Payload(now, jti, verified)
	want := `{"iss":"https://gateway.example","aud":"orders","iat":1767225600,"nbf":1767225590,"exp":1767225900,"jti":"` + jti +
		`","email":"a@example.com","sub":"alice","scope":["read","write"]}`
	if p != want {
		t.Fatalf("payload\n got %s\nwant %s", p, want)
	}
	if !verifier.StrictJSONObject(p) {
		t.Fatal("payload is not strict JSON")
	}
	if p := c.Payload(now, jti, ""); strings.Contains(p, "alice") {
		t.Fatalf("no verified token: %s", p)
	}
	// Strings are escaped.
	c2 := signer.BackendClaims{Issuer: "a\"b\\c\n<", Audience: "\xff"}
	if p := c2.Payload(now, "j", ""); !verifier.StrictJSONObject(p) || gjson.Get(p, "iss").Str != "a\"b\\c\n<" {
		t.Fatalf("escaping: %s", p)
	}
}

func TestSignMembersRefusesDeepNestingCheaply(t *testing.T) {
	k := newTestKey(t, "EdDSA")
	ks, err := signer.ParseJWKS([]byte(jwks(k.jwk(nil))))
	if err != nil {
		t.Fatal(err)
	}
	deep := `{"access_token":{"a":` + strings.Repeat("[", 1<<20) + strings.Repeat("]", 1<<20) + `}}`
	if _, err := signer.SignMembers([]byte(deep), []string{"access_token"}, ks.Key(k.kid), false, rand.Reader); !errors.Is(err, signer.ErrBodyNotObject) {
		t.Fatalf("deep body: %v", err)
	}
	ok := `{"access_token":{"a":` + strings.Repeat("[", signer.MaxNesting-2) + `"[[[{{{"` + strings.Repeat("]", signer.MaxNesting-2) + `}}`
	if _, err := signer.SignMembers([]byte(ok), []string{"access_token"}, ks.Key(k.kid), false, rand.Reader); err != nil {
		t.Fatalf("nesting at the limit (brackets in strings do not count): %v", err)
	}
}
