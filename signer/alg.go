package signer

import (
	"crypto"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// algSpec is what signing needs to know of an alg: the verifier's facts about it, looked up
// once per key.
type algSpec struct {
	fam  string // verifier.Algorithm.Family: "HMAC", "RSA", "RSA-PSS", "ECDSA" or "EdDSA"
	hash crypto.Hash
	size int    // ECDSA coordinate size, HMAC output size
	crv  string // ECDSA curve
}

// specOf returns the spec of a supported alg: the verifier's 13.
func specOf(a verifier.Algorithm) (algSpec, bool) {
	fam := a.Family()
	if fam == "" {
		return algSpec{}, false
	}
	return algSpec{fam: fam, hash: a.Hash(), size: a.Size(), crv: a.Curve()}, true
}
