package verifier

import (
	"bytes"
	"crypto/ecdsa"
)

// ES256/384/512: ECDSA over P-256/384/521 (RFC 7518 §3.4).

// verifyECDSA checks a JWS ECDSA signature: the raw big-endian r||s, each
// exactly the coordinate size (32, 48 or 66 bytes). Not DER: a DER signature
// is refused by its length.
//
// r and s must lie in [1, N-1]. crypto/ecdsa refuses the others too, but the
// explicit check documents the defence against "psychic signatures"
// (CVE-2022-21449: r = s = 0 verified any message in Java 15-18) and does
// not depend on a library version.
func verifyECDSA(k *Key, sp algSpec, signingInput string, sig []byte) error {
	size := sp.size
	if len(sig) != 2*size {
		return wrap(ErrSignature, "ECDSA signature is not raw r||s of the curve size", nil)
	}
	r, s := sig[:size], sig[size:]
	if !scalarInRange(r, k.ecN) || !scalarInRange(s, k.ecN) {
		return wrap(ErrSignature, "ECDSA r or s outside [1, N-1]", nil)
	}
	d, n := digest(sp.hash, signingInput)
	if k.p256 != nil && size == 32 {
		if t := k.p256(); t != nil {
			if !t.Verify(d[:n], r, s) {
				return wrap(ErrSignature, "", nil)
			}
			return nil
		}
	}
	var der [2*(66+1+2) + 3]byte
	if !ecdsa.VerifyASN1(k.ec, d[:n], asn1Signature(der[:0], r, s)) {
		return wrap(ErrSignature, "", nil)
	}
	return nil
}

// scalarInRange reports whether the big-endian v (as long as n) is in
// [1, n-1].
func scalarInRange(v, n []byte) bool {
	if len(v) != len(n) || bytes.Compare(v, n) >= 0 {
		return false
	}
	for _, b := range v {
		if b != 0 {
			return true
		}
	}
	return false
}

// asn1Signature appends the DER SEQUENCE { INTEGER r, INTEGER s } that
// crypto/ecdsa verifies. r and s are positive and at most 66 bytes, so each
// INTEGER is at most 2+67 bytes and the SEQUENCE length fits in one or two
// length octets.
func asn1Signature(dst, r, s []byte) []byte {
	r, s = trimZeros(r), trimZeros(s)
	rl, sl := intLen(r), intLen(s)
	body := 2 + rl + 2 + sl
	dst = append(dst, 0x30)
	if body >= 0x80 {
		dst = append(dst, 0x81)
	}
	dst = append(dst, byte(body))
	dst = appendInt(dst, r, rl)
	return appendInt(dst, s, sl)
}

func trimZeros(b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// intLen is the DER content length of a positive integer: a leading 0x00
// keeps a high first bit from reading as negative.
func intLen(b []byte) int {
	if b[0]&0x80 != 0 {
		return len(b) + 1
	}
	return len(b)
}

func appendInt(dst, b []byte, l int) []byte {
	dst = append(dst, 0x02, byte(l))
	if l > len(b) {
		dst = append(dst, 0)
	}
	return append(dst, b...)
}
