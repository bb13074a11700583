package testjwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"math/big"
)

// GenerateFor makes a fresh private key for a JWS algorithm: rsaKey itself for RS* and PS*
// (RSA generation is slow, so callers share one), a key on the algorithm's curve for ES*, an
// Ed25519 key for EdDSA, and a random secret of the hash's length for HS*.
func GenerateFor(alg string, rsaKey *rsa.PrivateKey) (any, error) {
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return rsaKey, nil
	case "ES256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ES384":
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ES512":
		return ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "EdDSA":
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	case "HS256", "HS384", "HS512":
		h, _ := HashFor(alg)
		secret := make([]byte, h.Size())
		_, err := rand.Read(secret)
		return secret, err
	}
	return nil, fmt.Errorf("testjwt: cannot generate a key for alg %q", alg)
}

// Member is one JWK member, name and value.
type Member struct{ Name, Value string }

// PrivateMembers renders a private key (*rsa.PrivateKey, precomputed as rsa.GenerateKey leaves it, *ecdsa.PrivateKey,
// ed25519.PrivateKey, or an HMAC secret []byte) as its JWK "kty" and key members, public
// ones first: n e d p q dp dq qi; crv x y d; crv x d; k.
func PrivateMembers(key any) (kty string, members []Member, err error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if len(k.Primes) != 2 {
			return "", nil, fmt.Errorf("testjwt: RSA key with %d primes", len(k.Primes))
		}
		return KtyRSA, []Member{
			{"n", Base64URL(k.N.Bytes())}, {"e", Base64URL(big.NewInt(int64(k.E)).Bytes())},
			{"d", Base64URL(k.D.Bytes())}, {"p", Base64URL(k.Primes[0].Bytes())}, {"q", Base64URL(k.Primes[1].Bytes())},
			{"dp", Base64URL(k.Precomputed.Dp.Bytes())}, {"dq", Base64URL(k.Precomputed.Dq.Bytes())},
			{"qi", Base64URL(k.Precomputed.Qinv.Bytes())},
		}, nil
	case *ecdsa.PrivateKey:
		crv, ok := curveNames[k.Curve]
		if !ok {
			return "", nil, fmt.Errorf("testjwt: unsupported curve %s", k.Curve.Params().Name)
		}
		pt, err := k.PublicKey.Bytes() // 0x04 || X || Y, fixed size
		if err != nil {
			return "", nil, err
		}
		d, err := k.Bytes()
		if err != nil {
			return "", nil, err
		}
		size := (len(pt) - 1) / 2
		return KtyEC, []Member{{"crv", crv}, {"x", Base64URL(pt[1 : 1+size])}, {"y", Base64URL(pt[1+size:])}, {"d", Base64URL(d)}}, nil
	case ed25519.PrivateKey:
		return KtyOKP, []Member{{"crv", "Ed25519"}, {"x", Base64URL(k.Public().(ed25519.PublicKey))}, {"d", Base64URL(k.Seed())}}, nil
	case []byte:
		return KtyOct, []Member{{"k", Base64URL(k)}}, nil
	}
	return "", nil, fmt.Errorf("testjwt: unsupported private key %T", key)
}

// IsPrivateMember reports whether a JWK member holds private key material.
func IsPrivateMember(name string) bool {
	switch name {
	case "d", "p", "q", "dp", "dq", "qi", "k":
		return true
	}
	return false
}
