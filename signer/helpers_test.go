package signer_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// testKey is a generated private key with its private JWK members.
type testKey struct {
	alg, kid string
	priv     any // *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey, []byte
	members  map[string]string
	order    []string
}

// jwk renders the private JWK, with extra members appended and members in drop left out.
func (k *testKey) jwk(extra map[string]string, drop ...string) string {
	var parts []string
	skip := map[string]bool{}
	for _, d := range drop {
		skip[d] = true
	}
	for _, name := range k.order {
		if skip[name] {
			continue
		}
		v := k.members[name]
		if e, ok := extra[name]; ok {
			v = e
		}
		parts = append(parts, fmt.Sprintf("%q:%q", name, v))
	}
	for name, v := range extra {
		if _, ok := k.members[name]; !ok {
			parts = append(parts, fmt.Sprintf("%q:%q", name, v))
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func jwks(keys ...string) string { return `{"keys":[` + strings.Join(keys, ",") + `]}` }

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

// sharedRSA is one 2048-bit key for every RSA algorithm (generation is slow).
func sharedRSA(t testing.TB) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return rsaKey
}

func newTestKey(t testing.TB, alg string) *testKey {
	t.Helper()
	k := &testKey{alg: alg, kid: "kid-" + strings.ToLower(alg), members: map[string]string{}}
	set := func(name, v string) {
		k.members[name] = v
		k.order = append(k.order, name)
	}
	set("kid", k.kid)
	set("alg", alg)
	p, err := testjwt.GenerateFor(alg, sharedRSA(t))
	if err != nil {
		t.Fatal(err)
	}
	kty, members, err := testjwt.PrivateMembers(p)
	if err != nil {
		t.Fatal(err)
	}
	k.priv = p
	set("kty", kty)
	for _, m := range members {
		set(m.Name, m.Value)
	}
	return k
}

var allAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512"}

// privateValues are the private members' values of k, which must never appear in output.
func (k *testKey) privateValues() []string {
	var out []string
	for _, name := range k.order {
		if testjwt.IsPrivateMember(name) {
			out = append(out, k.members[name])
		}
	}
	return out
}
