package verifier_test

// Test fixtures over internal/testjwt: the fixed keys of its Ring (and one
// 1024-bit RSA key generated per test binary), a token signer built on Go's
// crypto, and JWK/JWKS writers. Identifiers start with "fx" so that they
// cannot collide with helpers of other test files in this package.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// fxRingKey is the private key of the shared ring's key name.
func fxRingKey[T crypto.Signer](name string) func() T {
	return func() T {
		r, err := testjwt.SharedRing()
		if err != nil {
			panic(err)
		}
		return r.Key(name).Signer().(T)
	}
}

var (
	fxRSA       = fxRingKey[*rsa.PrivateKey](testjwt.RSA2048A)
	fxRSAOther  = fxRingKey[*rsa.PrivateKey](testjwt.RSA2048B)
	fxP256      = fxRingKey[*ecdsa.PrivateKey](testjwt.P256A)
	fxP384      = fxRingKey[*ecdsa.PrivateKey](testjwt.P384)
	fxP521      = fxRingKey[*ecdsa.PrivateKey](testjwt.P521)
	fxP256Other = fxRingKey[*ecdsa.PrivateKey](testjwt.P256B)
	fxEd        = fxRingKey[ed25519.PrivateKey](testjwt.Ed25519A)
	fxRSA1024   = sync.OnceValue(func() *rsa.PrivateKey { return testjwt.GenerateRSA(1024) })
)

// HMAC secrets of exactly the hash length, and one too short for any.
var (
	fxSecret32 = []byte("0123456789abcdef0123456789abcdef")
	fxSecret48 = []byte("0123456789abcdef0123456789abcdef0123456789abcdef")
	fxSecret64 = []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	fxSecret16 = []byte("0123456789abcdef")
)

func fxB64(b []byte) string { return testjwt.Base64URL(b) }

func fxB64s(s string) string { return fxB64([]byte(s)) }

// fxDefaultPayload is a payload without time claims, so that signature tests
// do not depend on the clock.
const fxDefaultPayload = `{"iss":"https://issuer.example","sub":"alice","aud":"api"}`

// fxToken signs header and payload JSON (written verbatim, so tests can craft
// any bytes) with key for alg. key is a private key, or []byte for HS*.
func fxToken(t testing.TB, alg verifier.Algorithm, key any, header, payload string) string {
	t.Helper()
	input := fxB64s(header) + "." + fxB64s(payload)
	return input + "." + fxB64(fxSign(t, alg, key, input))
}

// fxSimple signs {"alg":alg[,"kid":kid]} over fxDefaultPayload.
func fxSimple(t testing.TB, alg verifier.Algorithm, key any, kid string) string {
	t.Helper()
	h := `{"alg":"` + string(alg) + `"`
	if kid != "" {
		h += `,"kid":"` + kid + `"`
	}
	return fxToken(t, alg, key, h+`}`, fxDefaultPayload)
}

// fxHash is the hash of alg's size suffix (SHA-256 for EdDSA).
func fxHash(alg verifier.Algorithm) crypto.Hash {
	if h, ok := testjwt.HashFor(string(alg)); ok {
		return h
	}
	return crypto.SHA256
}

// fxDigest hashes msg with h.
func fxDigest(h crypto.Hash, msg []byte) []byte {
	d := h.New()
	d.Write(msg)
	return d.Sum(nil)
}

// fxSign produces the JWS signature of input with Go's crypto (testjwt.Sign).
func fxSign(t testing.TB, alg verifier.Algorithm, key any, input string) []byte {
	t.Helper()
	k, err := testjwt.NewKey("fx", key)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := testjwt.Sign(string(alg), k, input, testjwt.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// fxRawRS encodes r||s at the curve's coordinate size, as JWS requires.
func fxRawRS(c elliptic.Curve, r, s *big.Int) []byte {
	return testjwt.RawECDSA(c.Params().BitSize, r, s)
}

// fxJWK writes the public JWK of key (a private or public key, or []byte for
// oct) with the given extra members, e.g. `"kid":"a","alg":"RS256"`.
func fxJWK(t testing.TB, key any, extra string) string {
	t.Helper()
	kty, members, err := testjwt.PublicMembers(key)
	if err != nil {
		t.Fatalf("fxJWK: %v", err)
	}
	body := `"kty":"` + kty + `",` + members
	if extra != "" {
		body += "," + extra
	}
	return "{" + body + "}"
}

// fxJWKS wraps JWK objects into {"keys":[...]}.
func fxJWKS(jwks ...string) string { return `{"keys":[` + strings.Join(jwks, ",") + `]}` }

// fxKeySet parses a JWKS that must hold at least one usable key.
func fxKeySet(t testing.TB, jwks string) *verifier.KeySet {
	t.Helper()
	ks, err := verifier.ParseJWKS([]byte(jwks), verifier.KeyOptions{})
	if err != nil {
		t.Fatalf("ParseJWKS: %v", err)
	}
	return ks
}

// fxParse parses a token that must be well formed.
func fxParse(t testing.TB, token string) *verifier.Token {
	t.Helper()
	tok, err := verifier.ParseUnverified(token, verifier.Limits{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return tok
}

// fxWantErr fails unless err matches want (nil meaning success).
func fxWantErr(t testing.TB, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("error = %v, want %v", err, want)
	}
}

// fxPrivate returns the signing key fixtures by algorithm.
func fxPrivate(alg verifier.Algorithm) any {
	switch alg {
	case verifier.HS256:
		return fxSecret32
	case verifier.HS384:
		return fxSecret48
	case verifier.HS512:
		return fxSecret64
	case verifier.ES256:
		return fxP256()
	case verifier.ES384:
		return fxP384()
	case verifier.ES512:
		return fxP521()
	case verifier.EdDSA:
		return fxEd()
	}
	return fxRSA()
}

// fxAllAlgs lists every supported algorithm.
var fxAllAlgs = []verifier.Algorithm{
	verifier.HS256, verifier.HS384, verifier.HS512,
	verifier.RS256, verifier.RS384, verifier.RS512,
	verifier.PS256, verifier.PS384, verifier.PS512,
	verifier.ES256, verifier.ES384, verifier.ES512,
	verifier.EdDSA,
}

// fxTamper replaces the subject "alice" of fxDefaultPayload with "mallory":
// the token stays well formed, the signature no longer matches.
func fxTamper(token string) string {
	parts := strings.Split(token, ".")
	p, _ := base64.RawURLEncoding.DecodeString(parts[1])
	p = []byte(strings.Replace(string(p), "alice", "mallory", 1))
	parts[1] = fxB64(p)
	return strings.Join(parts, ".")
}

// fxFlipSignature flips one bit of the decoded signature and re-encodes it.
func fxFlipSignature(token string) string {
	i := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil || len(sig) == 0 {
		panic("fxFlipSignature: bad token")
	}
	sig[len(sig)/2] ^= 0x01
	return token[:i+1] + fxB64(sig)
}

// fxResign replaces the signature segment with sig.
func fxResign(token string, sig []byte) string {
	return token[:strings.LastIndexByte(token, '.')+1] + fxB64(sig)
}

// fxDecode decodes unpadded base64url.
func fxDecode(s string) ([]byte, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return b, err == nil
}
