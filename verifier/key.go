package verifier

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"strconv"
	"sync"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier/internal/p256"
)

// KeyOptions set what a key must satisfy to be used. Zero fields mean the
// default.
type KeyOptions struct {
	MinRSABits int // default 2048
}

// Key-size bounds.
const (
	DefaultMinRSABits = 2048
	// MaxRSABits bounds the cost of one RSA verification on hostile or
	// mistaken key sets; no issuer uses more.
	MaxRSABits = 8192
	// maxRSAExponent is the largest exponent crypto/rsa accepts, so that no
	// key is accepted here and then refused at verification time.
	maxRSAExponent = 1<<31 - 1
)

func (o KeyOptions) withDefaults() KeyOptions {
	if o.MinRSABits <= 0 {
		o.MinRSABits = DefaultMinRSABits
	}
	return o
}

// Key is one verification key: a public key or an HMAC secret, with the JWK
// metadata that selects it. Keys are immutable once parsed and safe for
// concurrent use.
type Key struct {
	ID         string    // kid ("" when absent)
	Alg        Algorithm // "" when the JWK has no alg (Azure AD publishes such keys)
	Use        string    // "sig" or "" (keys for other uses are skipped)
	Type       string    // "RSA" | "EC" | "OKP" | "oct"
	Thumbprint string    // RFC 7638 base64url SHA-256 thumbprint

	// Exactly one of the following groups is set, according to Type.
	rsa    *rsa.PublicKey
	rsaLen int // modulus length in bytes: the only valid signature length

	ec    *ecdsa.PublicKey
	ecCrv string // "P-256" | "P-384" | "P-521"
	ecN   []byte // the curve order, big-endian, coordinate-sized: r and s must be below it
	// p256 returns the key's table of precomputed multiples (P-256 keys
	// only; built on first use, once per Key, so once per JWKS version):
	// ES256 then costs a fifth of crypto/ecdsa in wasm (internal/p256).
	p256 func() *p256.Table

	ed ed25519.PublicKey

	secret []byte
	pads   [3]hmacPads // indexed by algSpec.hashIdx; set for the hashes the key may use
}

// Public returns the Go key: *rsa.PublicKey, *ecdsa.PublicKey,
// ed25519.PublicKey, or a copy of the HMAC secret as []byte.
func (k *Key) Public() any {
	switch {
	case k.rsa != nil:
		return k.rsa
	case k.ec != nil:
		return k.ec
	case k.ed != nil:
		return k.ed
	case k.secret != nil:
		return append([]byte(nil), k.secret...)
	}
	return nil
}

// fits reports whether the key's type (and curve) can verify the algorithm.
// This is what stops algorithm confusion: an RSA public key is never an HMAC
// secret, whatever the token says.
func (k *Key) fits(sp algSpec) bool {
	switch sp.fam {
	case famHMAC:
		return k.secret != nil
	case famRSA, famPSS:
		return k.rsa != nil
	case famECDSA:
		return k.ec != nil && k.ecCrv == sp.crv
	case famEdDSA:
		return k.ed != nil
	}
	return false
}

// algFitsType reports whether a JWK's alg may go with its kty (and crv).
func algFitsType(alg Algorithm, kty, crv string) bool {
	sp, ok := specOf(alg)
	if !ok || sp.fam.keyType() != kty {
		return false
	}
	return sp.fam != famECDSA || sp.crv == crv
}

// newRSAKey checks an RSA public key against the options and builds a Key.
func newRSAKey(pub *rsa.PublicKey, opt KeyOptions) (*Key, error) {
	if pub.N == nil || pub.N.Sign() <= 0 {
		return nil, wrap(ErrKey, "RSA modulus is missing", nil)
	}
	bits := pub.N.BitLen()
	if bits < opt.MinRSABits {
		return nil, wrap(ErrWeakKey, "RSA modulus of "+strconv.Itoa(bits)+" bits is below MinRSABits "+strconv.Itoa(opt.MinRSABits), nil)
	}
	if bits > MaxRSABits {
		return nil, wrap(ErrKey, "RSA modulus of "+strconv.Itoa(bits)+" bits is above "+strconv.Itoa(MaxRSABits), nil)
	}
	if pub.N.Bit(0) == 0 {
		return nil, wrap(ErrKey, "RSA modulus is even", nil)
	}
	if pub.E < 3 || pub.E > maxRSAExponent || pub.E&1 == 0 {
		return nil, wrap(ErrKey, "RSA exponent is not odd in [3, 2^31-1]", nil)
	}
	e := big.NewInt(int64(pub.E)).Bytes()
	tp := `{"e":"` + b64url(e) + `","kty":"RSA","n":"` + b64url(pub.N.Bytes()) + `"}`
	return &Key{Type: "RSA", Thumbprint: thumbprint(tp), rsa: pub, rsaLen: (bits + 7) / 8}, nil
}

// rsaFromJWK builds an RSA public key from the decoded n and e. Leading zero
// octets are tolerated (some publishers emit them); the exponent must fit in
// 31 bits before any big-number work.
func rsaFromJWK(n, e []byte) (*rsa.PublicKey, error) {
	for len(e) > 0 && e[0] == 0 {
		e = e[1:]
	}
	if len(e) == 0 || len(e) > 4 {
		return nil, wrap(ErrKey, "RSA exponent is not odd in [3, 2^31-1]", nil)
	}
	var ev uint64
	for _, b := range e {
		ev = ev<<8 | uint64(b)
	}
	if ev > maxRSAExponent {
		return nil, wrap(ErrKey, "RSA exponent is not odd in [3, 2^31-1]", nil)
	}
	// Refuse absurd moduli before big.Int parses them.
	for len(n) > 0 && n[0] == 0 {
		n = n[1:]
	}
	if len(n) > MaxRSABits/8 {
		return nil, wrap(ErrKey, "RSA modulus is above "+strconv.Itoa(MaxRSABits)+" bits", nil)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(ev)}, nil
}

// CurveByName maps a JWK crv to its curve and coordinate size (nil, 0 when unsupported).
func CurveByName(crv string) (elliptic.Curve, int) {
	switch crv {
	case "P-256":
		return elliptic.P256(), 32
	case "P-384":
		return elliptic.P384(), 48
	case "P-521":
		return elliptic.P521(), 66
	}
	return nil, 0
}

// curveName maps a Go curve back to its JWK crv ("" when unsupported).
func curveName(c elliptic.Curve) string {
	switch c {
	case elliptic.P256():
		return "P-256"
	case elliptic.P384():
		return "P-384"
	case elliptic.P521():
		return "P-521"
	}
	return ""
}

// newECKey builds a Key from the x and y coordinates of a JWK.
// ParseUncompressedPublicKey refuses points off the curve and the identity.
func newECKey(crv string, x, y []byte) (*Key, error) {
	curve, size := CurveByName(crv)
	if curve == nil {
		return nil, wrap(ErrKey, "EC curve is not P-256, P-384 or P-521", nil)
	}
	// RFC 7518 §6.2.1.2 wants exactly size bytes, but encoders that write
	// the big integer minimally drop leading zero octets: half of all P-521
	// keys, and jwt_verify_lib's own ES512 test key. Shorter is padded back;
	// longer is refused.
	if len(x) > size || len(y) > size {
		return nil, wrap(ErrKey, "EC coordinates are longer than "+strconv.Itoa(size)+" bytes for "+crv, nil)
	}
	pt := make([]byte, 1+2*size)
	pt[0] = 4
	copy(pt[1+size-len(x):], x)
	copy(pt[1+2*size-len(y):], y)
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, pt)
	if err != nil {
		return nil, wrap(ErrKey, "EC point is not on "+crv, nil)
	}
	return ecKey(crv, size, pub, pt[1:1+size], pt[1+size:]), nil
}

// newECKeyFromPublic builds a Key from a parsed (PEM, x5c) ECDSA key.
func newECKeyFromPublic(pub *ecdsa.PublicKey) (*Key, error) {
	crv := curveName(pub.Curve)
	_, size := CurveByName(crv)
	if size == 0 {
		return nil, wrap(ErrKey, "EC curve is not P-256, P-384 or P-521", nil)
	}
	pt, err := pub.Bytes()
	if err != nil || len(pt) != 1+2*size {
		return nil, wrap(ErrKey, "EC point is invalid", err)
	}
	return ecKey(crv, size, pub, pt[1:1+size], pt[1+size:]), nil
}

func ecKey(crv string, size int, pub *ecdsa.PublicKey, x, y []byte) *Key {
	tp := `{"crv":"` + crv + `","kty":"EC","x":"` + b64url(x) + `","y":"` + b64url(y) + `"}`
	k := &Key{
		Type: "EC", Thumbprint: thumbprint(tp),
		ec: pub, ecCrv: crv, ecN: pub.Curve.Params().N.FillBytes(make([]byte, size)),
	}
	if crv == "P-256" {
		x, y := bytes.Clone(x), bytes.Clone(y)
		k.p256 = sync.OnceValue(func() *p256.Table { return p256.NewTable(x, y) })
	}
	return k
}

// newEd25519Key builds a Key from a 32-byte Ed25519 public key.
func newEd25519Key(x []byte) (*Key, error) {
	if len(x) != ed25519.PublicKeySize {
		return nil, wrap(ErrKey, "Ed25519 public key is not 32 bytes", nil)
	}
	pub := ed25519.PublicKey(append([]byte(nil), x...))
	tp := `{"crv":"Ed25519","kty":"OKP","x":"` + b64url(pub) + `"}`
	return &Key{Type: "OKP", Thumbprint: thumbprint(tp), ed: pub}, nil
}

// newOctKey builds an HMAC Key. alg, when set, fixes the hash, and a secret
// shorter than its output is refused now (RFC 7518 §3.2); without alg the
// length is checked at Verify time against the token's alg.
func newOctKey(secret []byte, alg Algorithm) (*Key, error) {
	if len(secret) == 0 {
		return nil, wrap(ErrKey, "HMAC secret is empty", nil)
	}
	k := &Key{Type: "oct", secret: secret}
	if alg != "" {
		sp, _ := specOf(alg)
		if len(secret) < sp.size {
			return nil, wrap(ErrWeakKey, "HMAC secret of "+strconv.Itoa(len(secret))+" bytes is shorter than the "+string(alg)+" output", nil)
		}
		k.pads[sp.hashIdx] = newHMACPads(secret, sp.hashIdx)
	} else {
		for i := range k.pads {
			k.pads[i] = newHMACPads(secret, i)
		}
	}
	k.Thumbprint = thumbprint(`{"k":"` + b64url(secret) + `","kty":"oct"}`)
	return k, nil
}

// thumbprint is RFC 7638: base64url(SHA-256(canonical JSON of the required
// members)). Callers build the JSON with members in lexicographic order from
// canonical base64url values, which never need JSON escaping.
func thumbprint(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return b64url(sum[:])
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
