package verifier

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"hash"
	"strconv"
)

// HS256/384/512 (RFC 7518 §3.2).
//
// HMAC is computed by hand from padded keys prepared once at key-parse time
// (RFC 2104: H((K^opad) || H((K^ipad) || m))). crypto/hmac would redo the key
// padding and allocate two hash states and two pad buffers per token; in the
// wasm build allocations are the expensive part. hmac_test.go checks the
// result against crypto/hmac.

// hmacPads are the RFC 2104 inner and outer padded keys for one hash.
type hmacPads struct {
	ipad, opad []byte
}

func newHMACHash(hashIdx int) hash.Hash {
	switch hashIdx {
	case 0:
		return sha256.New()
	case 1:
		return sha512.New384()
	}
	return sha512.New()
}

// newHMACPads prepares the padded keys of secret for the hash hashIdx.
func newHMACPads(secret []byte, hashIdx int) hmacPads {
	h := newHMACHash(hashIdx)
	block := h.BlockSize()
	key := secret
	if len(key) > block {
		h.Write(key)
		key = h.Sum(nil)
	}
	p := hmacPads{ipad: make([]byte, block), opad: make([]byte, block)}
	copy(p.ipad, key)
	copy(p.opad, key)
	for i := range p.ipad {
		p.ipad[i] ^= 0x36
		p.opad[i] ^= 0x5c
	}
	return p
}

// verifyHMAC recomputes the MAC and compares it in constant time.
func verifyHMAC(k *Key, sp algSpec, signingInput string, sig []byte) error {
	// Checked here and not at key-parse time for keys without alg: only the
	// token says which hash the secret must match.
	if len(k.secret) < sp.size {
		return wrap(ErrSignature, "HMAC secret of "+strconv.Itoa(len(k.secret))+" bytes is shorter than the hash output", ErrWeakKey)
	}
	p := k.pads[sp.hashIdx]
	if p.ipad == nil || len(sig) != sp.size {
		return wrap(ErrSignature, "", nil)
	}
	h := newHMACHash(sp.hashIdx)
	h.Write(p.ipad)
	h.Write(readOnlyBytes(signingInput))
	var scratch [2 * sha512.Size]byte
	inner := h.Sum(scratch[:0])
	h.Reset()
	h.Write(p.opad)
	h.Write(inner)
	mac := h.Sum(scratch[len(inner):len(inner)])
	if subtle.ConstantTimeCompare(mac, sig) != 1 {
		return wrap(ErrSignature, "", nil)
	}
	return nil
}
