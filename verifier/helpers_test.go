package verifier_test

// Test fixtures: keys generated once per test binary, a token signer built on
// Go's crypto, and JWK/JWKS writers. Identifiers start with "fx" so that they
// cannot collide with helpers of other test files in this package.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

var (
	fxRSA       = sync.OnceValue(func() *rsa.PrivateKey { return fxMustRSA(2048) })
	fxRSAOther  = sync.OnceValue(func() *rsa.PrivateKey { return fxMustRSA(2048) })
	fxRSA1024   = sync.OnceValue(func() *rsa.PrivateKey { return fxMustRSA(1024) })
	fxP256      = sync.OnceValue(func() *ecdsa.PrivateKey { return fxMustEC(elliptic.P256()) })
	fxP384      = sync.OnceValue(func() *ecdsa.PrivateKey { return fxMustEC(elliptic.P384()) })
	fxP521      = sync.OnceValue(func() *ecdsa.PrivateKey { return fxMustEC(elliptic.P521()) })
	fxP256Other = sync.OnceValue(func() *ecdsa.PrivateKey { return fxMustEC(elliptic.P256()) })
	fxEd        = sync.OnceValue(func() ed25519.PrivateKey {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

// HMAC secrets of exactly the hash length, and one too short for any.
var (
	fxSecret32 = []byte("0123456789abcdef0123456789abcdef")
	fxSecret48 = []byte("0123456789abcdef0123456789abcdef0123456789abcdef")
	fxSecret64 = []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	fxSecret16 = []byte("0123456789abcdef")
)

func fxMustRSA(bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	return k
}

func fxMustEC(c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

func fxB64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

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

func fxHash(alg verifier.Algorithm) crypto.Hash {
	switch alg[2:] {
	case "384":
		return crypto.SHA384
	case "512":
		return crypto.SHA512
	}
	return crypto.SHA256
}

func fxDigest(h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA384:
		d := sha512.Sum384(msg)
		return d[:]
	case crypto.SHA512:
		d := sha512.Sum512(msg)
		return d[:]
	}
	d := sha256.Sum256(msg)
	return d[:]
}

// fxSign produces the JWS signature of input with Go's crypto.
func fxSign(t testing.TB, alg verifier.Algorithm, key any, input string) []byte {
	t.Helper()
	msg := []byte(input)
	var (
		sig []byte
		err error
	)
	switch {
	case alg == verifier.EdDSA:
		sig = ed25519.Sign(key.(ed25519.PrivateKey), msg)
	case strings.HasPrefix(string(alg), "HS"):
		h := hmac.New(fxHash(alg).New, key.([]byte))
		h.Write(msg)
		sig = h.Sum(nil)
	case strings.HasPrefix(string(alg), "RS"):
		sig, err = rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), fxHash(alg), fxDigest(fxHash(alg), msg))
	case strings.HasPrefix(string(alg), "PS"):
		sig, err = rsa.SignPSS(rand.Reader, key.(*rsa.PrivateKey), fxHash(alg), fxDigest(fxHash(alg), msg),
			&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	case strings.HasPrefix(string(alg), "ES"):
		k := key.(*ecdsa.PrivateKey)
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, k, fxDigest(fxHash(alg), msg))
		if err == nil {
			sig = fxRawRS(k.Curve, r, s)
		}
	default:
		err = errors.New("fxSign: unknown alg " + string(alg))
	}
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// fxRawRS encodes r||s at the curve's coordinate size, as JWS requires.
func fxRawRS(c elliptic.Curve, r, s *big.Int) []byte {
	size := (c.Params().BitSize + 7) / 8
	out := make([]byte, 2*size)
	r.FillBytes(out[:size])
	s.FillBytes(out[size:])
	return out
}

// fxJWK writes the public JWK of key (a private or public key, or []byte for
// oct) with the given extra members, e.g. `"kid":"a","alg":"RS256"`.
func fxJWK(t testing.TB, key any, extra string) string {
	t.Helper()
	var body string
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return fxJWK(t, &k.PublicKey, extra)
	case *ecdsa.PrivateKey:
		return fxJWK(t, &k.PublicKey, extra)
	case ed25519.PrivateKey:
		return fxJWK(t, k.Public(), extra)
	case *rsa.PublicKey:
		body = `"kty":"RSA","n":"` + fxB64(k.N.Bytes()) + `","e":"` + fxB64(big.NewInt(int64(k.E)).Bytes()) + `"`
	case *ecdsa.PublicKey:
		pt, err := k.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		size := (len(pt) - 1) / 2
		crv := map[int]string{32: "P-256", 48: "P-384", 66: "P-521"}[size]
		body = `"kty":"EC","crv":"` + crv + `","x":"` + fxB64(pt[1:1+size]) + `","y":"` + fxB64(pt[1+size:]) + `"`
	case ed25519.PublicKey:
		body = `"kty":"OKP","crv":"Ed25519","x":"` + fxB64(k) + `"`
	case []byte:
		body = `"kty":"oct","k":"` + fxB64(k) + `"`
	default:
		t.Fatalf("fxJWK: unsupported key %T", key)
	}
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
