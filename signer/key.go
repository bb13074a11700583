package signer

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// Key is one private signing key with its kid and alg. Keys are immutable once parsed and
// safe for concurrent use.
type Key struct {
	kid  string
	alg  verifier.Algorithm
	kty  string // "RSA" | "EC" | "OKP" | "oct"
	spec algSpec

	rsa    *rsa.PrivateKey
	ec     *ecdsa.PrivateKey
	ed     ed25519.PrivateKey
	secret []byte

	// public is the key's public JWK (kid, alg, use, kty and the public members), built
	// from public values only; "" for oct keys.
	public string
	// header is the encoded protected header of compact tokens: {"alg","kid","typ":"JWT"}.
	header string
}

// ID is the key's kid.
func (k *Key) ID() string { return k.kid }

// Alg is the key's alg.
func (k *Key) Alg() verifier.Algorithm { return k.alg }

// Type is the key's kty.
func (k *Key) Type() string { return k.kty }

// KeySet is a parsed private JWKS.
type KeySet struct {
	keys []*Key
}

// Keys returns the keys in document order.
func (ks *KeySet) Keys() []*Key { return append([]*Key(nil), ks.keys...) }

// Key returns the key with kid, or nil.
func (ks *KeySet) Key(kid string) *Key {
	if ks == nil {
		return nil
	}
	for _, k := range ks.keys {
		if k.kid == kid {
			return k
		}
	}
	return nil
}

// PublicJWKS is the JWKS document of the public halves: {"keys":[...]} with every
// asymmetric key in document order; oct keys are left out.
func (ks *KeySet) PublicJWKS() []byte {
	b := []byte(`{"keys":[`)
	first := true
	for _, k := range ks.keys {
		if k.public == "" {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, k.public...)
	}
	return append(b, "]}"...)
}
