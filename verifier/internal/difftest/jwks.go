package difftest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"strings"
)

var b64 = base64.RawURLEncoding

// Entry publishes a key in a JWKS under a kid and alg ("" leaves the member
// out, as Azure AD does for alg).
type Entry struct {
	Key *Key
	Kid string
	Alg string
}

// JWK returns the public JWK of an entry (for oct keys, the secret). Members
// come in a fixed order; a "use":"sig" member is added so that sets look like
// what identity providers publish.
func JWK(e Entry) string {
	var b strings.Builder
	b.WriteString(`{"kty":` + Quote(e.Key.Kty))
	if e.Kid != "" {
		b.WriteString(`,"kid":` + Quote(e.Kid))
	}
	if e.Alg != "" {
		b.WriteString(`,"alg":` + Quote(e.Alg))
	}
	b.WriteString(`,"use":"sig",` + keyMembers(e.Key) + "}")
	return b.String()
}

// keyMembers renders the key material members of a JWK (without braces).
func keyMembers(k *Key) string {
	switch pub := k.Public().(type) {
	case *rsa.PublicKey:
		return `"n":` + Quote(b64.EncodeToString(pub.N.Bytes())) +
			`,"e":` + Quote(b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes()))
	case *ecdsa.PublicKey:
		point, err := pub.Bytes() // 0x04 || X || Y, fixed size
		if err != nil {
			return `"crv":"invalid"`
		}
		size := (len(point) - 1) / 2
		return `"crv":` + Quote(k.Crv) +
			`,"x":` + Quote(b64.EncodeToString(point[1:1+size])) +
			`,"y":` + Quote(b64.EncodeToString(point[1+size:]))
	case ed25519.PublicKey:
		return `"crv":"Ed25519","x":` + Quote(b64.EncodeToString(pub))
	case []byte:
		return `"k":` + Quote(b64.EncodeToString(pub))
	}
	return ""
}

// JWKS renders a {"keys":[...]} document: the entries' JWKs in order, then the
// raw extra JWK objects (keys a verifier must skip).
func JWKS(entries []Entry, extra ...string) string {
	parts := make([]string, 0, len(entries)+len(extra))
	for _, e := range entries {
		parts = append(parts, JWK(e))
	}
	parts = append(parts, extra...)
	return `{"keys":[` + strings.Join(parts, ",") + `]}`
}
