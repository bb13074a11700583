package verifier

import (
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"strings"
	"unsafe"
)

// Algorithm is a JWS "alg" value (RFC 7518 §3.1, RFC 8037 §3.1).
type Algorithm string

// The supported algorithms. Nothing else verifies, "none" least of all.
const (
	HS256 Algorithm = "HS256"
	HS384 Algorithm = "HS384"
	HS512 Algorithm = "HS512"
	RS256 Algorithm = "RS256"
	RS384 Algorithm = "RS384"
	RS512 Algorithm = "RS512"
	PS256 Algorithm = "PS256"
	PS384 Algorithm = "PS384"
	PS512 Algorithm = "PS512"
	ES256 Algorithm = "ES256"
	ES384 Algorithm = "ES384"
	ES512 Algorithm = "ES512"
	EdDSA Algorithm = "EdDSA"
)

// family identifies how an algorithm verifies and which key type it needs.
type family uint8

const (
	famUnknown family = iota
	famHMAC
	famRSA
	famPSS
	famECDSA
	famEdDSA
)

// algSpec is everything the verifier needs to know about an algorithm. It is
// computed once per token (in Parse) so that verification never switches on
// strings again.
type algSpec struct {
	fam  family
	hash crypto.Hash
	// size is the ECDSA coordinate length in bytes (the signature is twice
	// that) or the HMAC output length; 0 for the others.
	size int
	// hashIdx indexes per-hash precomputed HMAC state (0 SHA-256, 1 SHA-384,
	// 2 SHA-512).
	hashIdx int
	// crv is the JWK curve an ECDSA algorithm requires.
	crv string
}

// specOf returns the spec of a supported algorithm. The switch on a string
// constant compiles to a few comparisons and needs no package-level table.
func specOf(a Algorithm) (algSpec, bool) {
	switch a {
	case HS256:
		return algSpec{fam: famHMAC, hash: crypto.SHA256, size: 32, hashIdx: 0}, true
	case HS384:
		return algSpec{fam: famHMAC, hash: crypto.SHA384, size: 48, hashIdx: 1}, true
	case HS512:
		return algSpec{fam: famHMAC, hash: crypto.SHA512, size: 64, hashIdx: 2}, true
	case RS256:
		return algSpec{fam: famRSA, hash: crypto.SHA256}, true
	case RS384:
		return algSpec{fam: famRSA, hash: crypto.SHA384}, true
	case RS512:
		return algSpec{fam: famRSA, hash: crypto.SHA512}, true
	case PS256:
		return algSpec{fam: famPSS, hash: crypto.SHA256}, true
	case PS384:
		return algSpec{fam: famPSS, hash: crypto.SHA384}, true
	case PS512:
		return algSpec{fam: famPSS, hash: crypto.SHA512}, true
	case ES256:
		return algSpec{fam: famECDSA, hash: crypto.SHA256, size: 32, crv: "P-256"}, true
	case ES384:
		return algSpec{fam: famECDSA, hash: crypto.SHA384, size: 48, crv: "P-384"}, true
	case ES512:
		return algSpec{fam: famECDSA, hash: crypto.SHA512, size: 66, crv: "P-521"}, true
	case EdDSA:
		return algSpec{fam: famEdDSA}, true
	}
	return algSpec{}, false
}

// Family returns "HMAC", "RSA", "RSA-PSS", "ECDSA" or "EdDSA", or "" when
// the algorithm is not supported.
func (a Algorithm) Family() string {
	s, _ := specOf(a)
	switch s.fam {
	case famHMAC:
		return "HMAC"
	case famRSA:
		return "RSA"
	case famPSS:
		return "RSA-PSS"
	case famECDSA:
		return "ECDSA"
	case famEdDSA:
		return "EdDSA"
	}
	return ""
}

// KeyType returns the JWK kty the algorithm needs ("oct", "RSA", "EC" or "OKP"), or "" when
// the algorithm is not supported.
func (a Algorithm) KeyType() string {
	s, _ := specOf(a)
	return s.fam.keyType()
}

// Hash returns the hash the algorithm signs with; 0 for EdDSA and unsupported algorithms.
func (a Algorithm) Hash() crypto.Hash {
	s, _ := specOf(a)
	return s.hash
}

// Size returns the ECDSA coordinate length in bytes (the signature is twice that) or the
// HMAC output length; 0 for the other algorithms.
func (a Algorithm) Size() int {
	s, _ := specOf(a)
	return s.size
}

// Curve returns the JWK crv an ECDSA algorithm requires; "" for the others.
func (a Algorithm) Curve() string {
	s, _ := specOf(a)
	return s.crv
}

// isNone reports whether alg is the unsecured "none" in any letter case, so
// that the refusal can say so explicitly.
func isNone(alg string) bool { return strings.EqualFold(alg, "none") }

// keyType returns the JWK kty an algorithm family needs.
func (f family) keyType() string {
	switch f {
	case famHMAC:
		return "oct"
	case famRSA, famPSS:
		return "RSA"
	case famECDSA:
		return "EC"
	case famEdDSA:
		return "OKP"
	}
	return ""
}

// readOnlyBytes views a string as bytes without copying. Only for passing the
// signing input to hash functions, which read and never keep or modify it.
func readOnlyBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// digest hashes msg into a fixed array so that RSA and ECDSA verification
// need no allocation for it.
func digest(h crypto.Hash, msg string) (out [sha512.Size]byte, n int) {
	b := readOnlyBytes(msg)
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(b)
		copy(out[:], d[:])
		return out, sha256.Size
	case crypto.SHA384:
		d := sha512.Sum384(b)
		copy(out[:], d[:])
		return out, sha512.Size384
	case crypto.SHA512:
		return sha512.Sum512(b), sha512.Size
	}
	return out, 0
}
