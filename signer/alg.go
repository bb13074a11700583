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

// algSpec is what signing needs to know of an alg: the verifier's facts about it, looked up
// once per key.
type algSpec struct {
	fam  family
	hash crypto.Hash
	size int    // ECDSA coordinate size, HMAC output size
	crv  string // ECDSA curve
}

// specOf returns the spec of a supported alg: the verifier's 13.
func specOf(a verifier.Algorithm) (algSpec, bool) {
	var f family
	switch a.Family() {
	case "HMAC":
		f = famHMAC
	case "RSA":
		f = famRSA
	case "RSA-PSS":
		f = famPSS
	case "ECDSA":
		f = famECDSA
	case "EdDSA":
		f = famEdDSA
	default:
		return algSpec{}, false
	}
	return algSpec{fam: f, hash: a.Hash(), size: a.Size(), crv: a.Curve()}, true
}
