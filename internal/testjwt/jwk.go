package testjwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"math/big"
	"strings"
)

// PublicMembers renders the public half of key as JWK members: its "kty"
// value, and the key material members without braces, e.g.
// `"crv":"P-256","x":"…","y":"…"`. key is a *Key, a private or public
// RSA, ECDSA or Ed25519 key, or an HMAC secret ([]byte, rendered as "k").
// Callers add kid, alg and use in the order their fixture needs.
func PublicMembers(key any) (kty, members string, err error) {
	switch k := key.(type) {
	case *Key:
		return PublicMembers(k.Public())
	case *rsa.PrivateKey:
		return PublicMembers(&k.PublicKey)
	case *ecdsa.PrivateKey:
		return PublicMembers(&k.PublicKey)
	case ed25519.PrivateKey:
		return PublicMembers(k.Public())
	case *rsa.PublicKey:
		return KtyRSA, `"n":"` + Base64URL(k.N.Bytes()) + `","e":"` + Base64URL(big.NewInt(int64(k.E)).Bytes()) + `"`, nil
	case *ecdsa.PublicKey:
		crv, ok := curveNames[k.Curve]
		if !ok {
			return "", "", fmt.Errorf("testjwt: unsupported curve %s", k.Curve.Params().Name)
		}
		point, err := k.Bytes() // 0x04 || X || Y, fixed size
		if err != nil {
			return "", "", err
		}
		size := (len(point) - 1) / 2
		return KtyEC, `"crv":"` + crv + `","x":"` + Base64URL(point[1:1+size]) + `","y":"` + Base64URL(point[1+size:]) + `"`, nil
	case ed25519.PublicKey:
		return KtyOKP, `"crv":"Ed25519","x":"` + Base64URL(k) + `"`, nil
	case []byte:
		return KtyOct, `"k":"` + Base64URL(k) + `"`, nil
	}
	return "", "", fmt.Errorf("testjwt: unsupported key %T", key)
}

// JWK is the public JWK of key with the given kid and alg ("" leaves a
// member out) and "use":"sig", members in the order
// kty, kid, alg, use, key material.
func JWK(key *Key, kid, alg string) string {
	kty, members, err := PublicMembers(key)
	if err != nil {
		panic(err) // every Key holds a supported key
	}
	var b strings.Builder
	b.WriteString(`{"kty":"` + kty + `"`)
	if kid != "" {
		b.WriteString(`,"kid":"` + kid + `"`)
	}
	if alg != "" {
		b.WriteString(`,"alg":"` + alg + `"`)
	}
	b.WriteString(`,"use":"sig",` + members + "}")
	return b.String()
}
