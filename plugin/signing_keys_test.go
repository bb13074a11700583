package plugin_test

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

func sb64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

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
			head := fmt.Sprintf(`"kid":%q,"alg":%q,`, k.kid, alg)
			switch alg[:2] {
			case "RS", "PS":
				priv := map[string]string{"d": sb64(rk.D.Bytes()), "p": sb64(rk.Primes[0].Bytes()), "q": sb64(rk.Primes[1].Bytes()),
					"dp": sb64(rk.Precomputed.Dp.Bytes()), "dq": sb64(rk.Precomputed.Dq.Bytes()), "qi": sb64(rk.Precomputed.Qinv.Bytes())}
				k.jwk = fmt.Sprintf(`{%s"kty":"RSA","n":%q,"e":%q,"d":%q,"p":%q,"q":%q,"dp":%q,"dq":%q,"qi":%q}`, head,
					sb64(rk.N.Bytes()), sb64(big.NewInt(int64(rk.E)).Bytes()), priv["d"], priv["p"], priv["q"], priv["dp"], priv["dq"], priv["qi"])
				for _, v := range priv {
					k.private = append(k.private, v)
				}
				k.public = &rk.PublicKey
			case "ES":
				c, crv, size := elliptic.P256(), "P-256", 32
				switch alg {
				case "ES384":
					c, crv, size = elliptic.P384(), "P-384", 48
				case "ES512":
					c, crv, size = elliptic.P521(), "P-521", 66
				}
				ek, err := ecdsa.GenerateKey(c, rand.Reader)
				if err != nil {
					panic(err)
				}
				pt, _ := ek.PublicKey.Bytes()
				d, _ := ek.Bytes()
				k.jwk = fmt.Sprintf(`{%s"kty":"EC","crv":%q,"x":%q,"y":%q,"d":%q}`, head, crv, sb64(pt[1:1+size]), sb64(pt[1+size:]), sb64(d))
				k.private = []string{sb64(d)}
				k.public = &ek.PublicKey
			case "Ed":
				pub, priv, _ := ed25519.GenerateKey(rand.Reader)
				k.jwk = fmt.Sprintf(`{%s"kty":"OKP","crv":"Ed25519","x":%q,"d":%q}`, head, sb64(pub), sb64(priv.Seed()))
				k.private = []string{sb64(priv.Seed())}
				k.public = pub
			case "HS":
				secret := make([]byte, map[string]int{"HS256": 32, "HS384": 48, "HS512": 64}[alg])
				_, _ = rand.Read(secret)
				k.jwk = fmt.Sprintf(`{%s"kty":"oct","k":%q}`, head, sb64(secret))
				k.private = []string{sb64(secret)}
				k.public = secret
			}
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
