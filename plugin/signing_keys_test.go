package plugin_test

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
)

// Private signing keys for the x_sign / x_backend_token tests: one per algorithm, generated
// once per test process, as private JWKs.

type signingKey struct {
	alg, kid string
	jwk      string   // the private JWK
	private  []string // the private members' values: they must never show anywhere
	public   any      // what go-jose verifies with
}

var signingAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512"}

var (
	signingOnce sync.Once
	signingVal  map[string]*signingKey
)

// signingKeys returns one key per algorithm, kid "k-" + lower-case alg.
func signingKeys(t testing.TB) map[string]*signingKey {
	t.Helper()
	signingOnce.Do(func() {
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		signingVal = map[string]*signingKey{}
		for _, alg := range signingAlgs {
			k := &signingKey{alg: alg, kid: "k-" + strings.ToLower(alg)}
			priv, err := testjwt.GenerateFor(alg, rk)
			if err != nil {
				panic(err)
			}
			kty, members, err := testjwt.PrivateMembers(priv)
			if err != nil {
				panic(err)
			}
			jwk := fmt.Sprintf(`{"kid":%q,"alg":%q,"kty":%q`, k.kid, alg, kty)
			for _, m := range members {
				jwk += fmt.Sprintf(`,%q:%q`, m.Name, m.Value)
				if testjwt.IsPrivateMember(m.Name) {
					k.private = append(k.private, m.Value)
				}
			}
			k.jwk = jwk + "}"
			k.public = testjwt.MustKey(k.kid, priv).Public()
			signingVal[alg] = k
		}
	})
	return signingVal
}

// privateJWKS is the JWKS of the keys of algs, private members included.
func privateJWKS(t testing.TB, algs ...string) string {
	keys := signingKeys(t)
	var parts []string
	for _, a := range algs {
		parts = append(parts, keys[a].jwk)
	}
	return `{"keys":[` + strings.Join(parts, ",") + `]}`
}

// allPrivateValues are every test key's private members.
func allPrivateValues(t testing.TB) []string {
	var out []string
	for _, k := range signingKeys(t) {
		out = append(out, k.private...)
	}
	return out
}
