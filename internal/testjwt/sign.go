package testjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"math/big"
)

// SignOptions vary how a signature is produced; the zero value signs exactly
// as RFC 7518 requires.
type SignOptions struct {
	// PSSSaltLength is the RSA-PSS salt length: 0 means the hash length
	// (RFC 7518 §3.5), a positive value that many bytes, NoSalt an empty salt.
	PSSSaltLength int
}

// NoSalt asks for an RSA-PSS signature with an empty salt.
const NoSalt = -1

// HashFor returns the hash of a JWS algorithm (0 and false for unknown).
func HashFor(alg string) (crypto.Hash, bool) {
	if len(alg) != 5 {
		return 0, false
	}
	switch alg[2:] {
	case "256":
		return crypto.SHA256, true
	case "384":
		return crypto.SHA384, true
	case "512":
		return crypto.SHA512, true
	}
	return 0, false
}

// Sign signs a JWS signing input (BASE64URL(header) "." BASE64URL(payload))
// with key under alg and returns the raw JWS signature bytes. HMAC signing
// accepts any key that has a secret, whatever its length, so that tests can
// build tokens with weak secrets; asymmetric algorithms need a key of the
// matching type.
func Sign(alg string, key *Key, signingInput string, opt SignOptions) ([]byte, error) {
	if alg == "EdDSA" {
		priv, ok := key.signer.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("testjwt: EdDSA needs an Ed25519 key, not %s", key.Name)
		}
		return ed25519.Sign(priv, []byte(signingInput)), nil
	}
	h, ok := HashFor(alg)
	if !ok {
		return nil, fmt.Errorf("testjwt: cannot sign with alg %q", alg)
	}
	if alg[:2] == "HS" {
		if key.secret == nil {
			return nil, fmt.Errorf("testjwt: %s needs an HMAC secret, %s has none", alg, key.Name)
		}
		mac := hmac.New(h.New, key.secret)
		mac.Write([]byte(signingInput))
		return mac.Sum(nil), nil
	}
	d := h.New()
	d.Write([]byte(signingInput))
	digest := d.Sum(nil)
	switch alg[:2] {
	case "RS", "PS":
		priv, ok := key.signer.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("testjwt: %s needs an RSA key, not %s", alg, key.Name)
		}
		if alg[0] == 'R' {
			return rsa.SignPKCS1v15(rand.Reader, priv, h, digest)
		}
		salt := rsa.PSSSaltLengthEqualsHash
		switch {
		case opt.PSSSaltLength == NoSalt:
			salt = 0
		case opt.PSSSaltLength > 0:
			salt = opt.PSSSaltLength
		}
		return rsa.SignPSS(rand.Reader, priv, h, digest, &rsa.PSSOptions{SaltLength: salt})
	case "ES":
		priv, ok := key.signer.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("testjwt: %s needs an EC key, not %s", alg, key.Name)
		}
		r, s, err := ecdsa.Sign(rand.Reader, priv, digest)
		if err != nil {
			return nil, err
		}
		return RawECDSA(priv.Curve.Params().BitSize, r, s), nil
	}
	return nil, fmt.Errorf("testjwt: cannot sign with alg %q", alg)
}

// RawECDSA encodes r and s as the JWS raw signature: two big-endian integers
// of the curve's byte size each (RFC 7518 §3.4). Values too large for the
// size are truncated to their low bytes, which is what a mutation wants.
func RawECDSA(bitSize int, r, s *big.Int) []byte {
	size := (bitSize + 7) / 8
	out := make([]byte, 2*size)
	copyTail(out[:size], r.Bytes())
	copyTail(out[size:], s.Bytes())
	return out
}

// copyTail right-aligns src in dst, dropping src's leading bytes that do not fit.
func copyTail(dst, src []byte) {
	if len(src) > len(dst) {
		src = src[len(src)-len(dst):]
	}
	copy(dst[len(dst)-len(src):], src)
}

// SignToken signs header and payload JSON (written verbatim, so tests can
// craft any bytes) with key under alg and returns the compact JWS.
func SignToken(alg string, key *Key, header, payload string) (string, error) {
	input := Base64URL([]byte(header)) + "." + Base64URL([]byte(payload))
	sig, err := Sign(alg, key, input, SignOptions{})
	if err != nil {
		return "", err
	}
	return input + "." + Base64URL(sig), nil
}

// Verify checks a JWS signature with the standard library alone: an oracle
// that shares no code with the verifier. HS* needs a secret at least as long
// as its hash (RFC 7518 §3.2); PS* a salt of the hash length.
func Verify(alg string, key *Key, signingInput string, sig []byte) bool {
	if alg == "EdDSA" {
		pub, ok := key.Public().(ed25519.PublicKey)
		return ok && ed25519.Verify(pub, []byte(signingInput), sig)
	}
	h, ok := HashFor(alg)
	if !ok {
		return false
	}
	if alg[:2] == "HS" {
		mac := hmac.New(h.New, key.Secret())
		mac.Write([]byte(signingInput))
		return len(key.Secret()) >= h.Size() && hmac.Equal(mac.Sum(nil), sig)
	}
	d := h.New()
	d.Write([]byte(signingInput))
	digest := d.Sum(nil)
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		switch alg[:2] {
		case "RS":
			return rsa.VerifyPKCS1v15(pub, h, digest, sig) == nil
		case "PS":
			return rsa.VerifyPSS(pub, h, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
		}
	case *ecdsa.PublicKey:
		size := (pub.Curve.Params().BitSize + 7) / 8
		if alg[:2] != "ES" || len(sig) != 2*size {
			return false
		}
		return ecdsa.Verify(pub, digest, new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:]))
	}
	return false
}

// Base64URL is base64url without padding, as JWS uses it.
func Base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
