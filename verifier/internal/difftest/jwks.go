package difftest

import (
	"encoding/base64"
	"strings"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
)

var b64 = base64.RawURLEncoding

// Entry publishes a key in a JWKS under a kid and alg ("" leaves the member
// out, as Azure AD does for alg).
type Entry struct {
	Key *testjwt.Key
	Kid string
	Alg string
}

// JWK returns the public JWK of an entry (for oct keys, the secret): members
// in a fixed order (testjwt.JWK), with a "use":"sig" member so that sets look
// like what identity providers publish.
func JWK(e Entry) string { return testjwt.JWK(e.Key, e.Kid, e.Alg) }

// keyMembers renders the key material members of a JWK (without braces).
func keyMembers(k *testjwt.Key) string {
	_, members, err := testjwt.PublicMembers(k)
	if err != nil {
		return `"crv":"invalid"`
	}
	return members
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
