package signer

import (
	"crypto"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// family is how an algorithm signs.
type family uint8

const (
	famHMAC family = iota + 1
	famRSA
	famPSS
	famECDSA
	famEdDSA
)

// algSpec is what signing needs to know of an alg.
type algSpec struct {
	fam  family
	hash crypto.Hash
	size int    // ECDSA coordinate size, HMAC output size
	crv  string // ECDSA curve
}

// specOf returns the spec of a supported alg: the verifier's 13.
func specOf(a verifier.Algorithm) (algSpec, bool) {
	switch a {
	case verifier.HS256:
		return algSpec{fam: famHMAC, hash: crypto.SHA256, size: 32}, true
	case verifier.HS384:
		return algSpec{fam: famHMAC, hash: crypto.SHA384, size: 48}, true
	case verifier.HS512:
		return algSpec{fam: famHMAC, hash: crypto.SHA512, size: 64}, true
	case verifier.RS256:
		return algSpec{fam: famRSA, hash: crypto.SHA256}, true
	case verifier.RS384:
		return algSpec{fam: famRSA, hash: crypto.SHA384}, true
	case verifier.RS512:
		return algSpec{fam: famRSA, hash: crypto.SHA512}, true
	case verifier.PS256:
		return algSpec{fam: famPSS, hash: crypto.SHA256}, true
	case verifier.PS384:
		return algSpec{fam: famPSS, hash: crypto.SHA384}, true
	case verifier.PS512:
		return algSpec{fam: famPSS, hash: crypto.SHA512}, true
	case verifier.ES256:
		return algSpec{fam: famECDSA, hash: crypto.SHA256, size: 32, crv: "P-256"}, true
	case verifier.ES384:
		return algSpec{fam: famECDSA, hash: crypto.SHA384, size: 48, crv: "P-384"}, true
	case verifier.ES512:
		return algSpec{fam: famECDSA, hash: crypto.SHA512, size: 66, crv: "P-521"}, true
	case verifier.EdDSA:
		return algSpec{fam: famEdDSA}, true
	}
	return algSpec{}, false
}

// keyType is the kty a family signs with.
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
