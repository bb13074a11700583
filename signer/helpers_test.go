package signer_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
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
	switch alg[:2] {
	case "RS", "PS":
		p := sharedRSA(t)
		k.priv = p
		set("kty", "RSA")
		set("n", b64(p.N.Bytes()))
		set("e", b64(big.NewInt(int64(p.E)).Bytes()))
		set("d", b64(p.D.Bytes()))
		set("p", b64(p.Primes[0].Bytes()))
		set("q", b64(p.Primes[1].Bytes()))
		set("dp", b64(p.Precomputed.Dp.Bytes()))
		set("dq", b64(p.Precomputed.Dq.Bytes()))
		set("qi", b64(p.Precomputed.Qinv.Bytes()))
	case "ES":
		c, crv, size := elliptic.P256(), "P-256", 32
		switch alg {
		case "ES384":
			c, crv, size = elliptic.P384(), "P-384", 48
		case "ES512":
			c, crv, size = elliptic.P521(), "P-521", 66
		}
		p, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		k.priv = p
		pt, _ := p.PublicKey.Bytes()
		d, _ := p.Bytes()
		set("kty", "EC")
		set("crv", crv)
		set("x", b64(pt[1:1+size]))
		set("y", b64(pt[1+size:]))
		set("d", b64(d))
	case "Ed":
		pub, p, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		k.priv = p
		set("kty", "OKP")
		set("crv", "Ed25519")
		set("x", b64(pub))
		set("d", b64(p.Seed()))
	case "HS":
		n := map[string]int{"HS256": 32, "HS384": 48, "HS512": 64}[alg]
		secret := make([]byte, n)
		rand.Read(secret)
		k.priv = secret
		set("kty", "oct")
		set("k", b64(secret))
	}
	return k
}

var allAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512"}

// privateValues are the private members' values of k, which must never appear in output.
func (k *testKey) privateValues() []string {
	var out []string
	for _, name := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
		if v, ok := k.members[name]; ok {
			out = append(out, v)
		}
	}
	return out
}
