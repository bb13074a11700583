package signer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"io"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// unlimited lifts the verifier's size limits for the claim check: the caller bounds sizes.
func unlimited() verifier.Limits {
	return verifier.Limits{MaxTokenBytes: 1 << 30, MaxHeaderBytes: 1 << 30, MaxPayloadBytes: 1 << 30}
}

// SignCompact signs payload, a JSON object whose registered claims have the types the verifier
// requires, as a compact JWS (RFC 7515 §7.1) with the
// protected header {"alg","kid","typ":"JWT"}. random feeds PSS salts and ECDSA nonces
// (crypto/rand.Reader in production: on wasip1 it is WASI random_get).
func (k *Key) SignCompact(payload string, random io.Reader) (string, error) {
	if !verifier.StrictJSONObject(payload) {
		return "", ErrPayload
	}
	b := make([]byte, 0, len(k.header)+1+(len(payload)*4+2)/3+1+sigLen(k))
	b = append(b, k.header...)
	b = append(b, '.')
	b = appendB64(b, []byte(payload))
	// The verifier also types the registered claims (exp an integer, sub a string, ...): a
	// token it would refuse is refused here, before the signature is paid for.
	if _, err := verifier.ParseUnverified(string(b)+".AA", unlimited()); err != nil {
		return "", ErrPayload
	}
	sig, err := k.sign(b, random)
	if err != nil {
		return "", err
	}
	b = append(b, '.')
	return string(appendB64(b, sig)), nil
}

// SignFlattened signs payload as the flattened JWS JSON serialization (RFC 7515 §7.2.2):
// {"protected":...,"payload":...,"signature":...}, with the same protected header as
// SignCompact. It is the compact token's three parts as a JSON object (go-jose's
// FullSerialize, which KrakenD's "full" returns).
func (k *Key) SignFlattened(payload string, random io.Reader) (string, error) {
	compact, err := k.SignCompact(payload, random)
	if err != nil {
		return "", err
	}
	h, rest, _ := cut(compact)
	p, s, _ := cut(rest)
	return `{"protected":"` + h + `","payload":"` + p + `","signature":"` + s + `"}`, nil
}

func cut(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// sigLen is the signature length in bytes, for sizing the output once.
func sigLen(k *Key) int {
	switch {
	case k.rsa != nil:
		return (k.rsa.N.BitLen() + 7) / 8 * 4 / 3
	case k.ec != nil:
		return 2 * k.spec.size * 4 / 3
	}
	return 90
}

func newHash(h crypto.Hash) hash.Hash {
	switch h {
	case crypto.SHA384:
		return sha512.New384()
	case crypto.SHA512:
		return sha512.New()
	}
	return sha256.New()
}

// sign computes the JWS signature of the signing input.
func (k *Key) sign(input []byte, random io.Reader) ([]byte, error) {
	sp := k.spec
	if sp.fam == "EdDSA" {
		return ed25519.Sign(k.ed, input), nil
	}
	if sp.fam == "HMAC" {
		m := hmac.New(func() hash.Hash { return newHash(sp.hash) }, k.secret)
		m.Write(input)
		return m.Sum(nil), nil
	}
	h := newHash(sp.hash)
	h.Write(input)
	d := h.Sum(nil)
	switch sp.fam {
	case "RSA":
		sig, err := rsa.SignPKCS1v15(nil, k.rsa, sp.hash, d)
		if err != nil {
			return nil, ErrSign
		}
		return sig, nil
	case "RSA-PSS":
		sig, err := rsa.SignPSS(random, k.rsa, sp.hash, d, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		if err != nil {
			return nil, ErrSign
		}
		return sig, nil
	case "ECDSA":
		r, s, err := ecdsa.Sign(random, k.ec, d)
		if err != nil {
			return nil, ErrSign
		}
		sig := make([]byte, 2*sp.size)
		r.FillBytes(sig[:sp.size])
		s.FillBytes(sig[sp.size:])
		return sig, nil
	}
	return nil, ErrSign
}
