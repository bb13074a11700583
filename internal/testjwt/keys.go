package testjwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sync"
)

// Key types, as JWK "kty" spells them.
const (
	KtyRSA = "RSA"
	KtyEC  = "EC"
	KtyOKP = "OKP"
	KtyOct = "oct"
)

// Key is one private test key (or HMAC secret) with a stable name.
// Sign signs with it; JWK and JWKMembers publish its public half.
type Key struct {
	Name   string
	Kty    string // KtyRSA, KtyEC, KtyOKP or KtyOct
	Crv    string // "P-256", "P-384", "P-521" or "Ed25519"; "" for RSA and oct
	signer crypto.Signer
	secret []byte
}

// Public returns the verification key: *rsa.PublicKey, *ecdsa.PublicKey,
// ed25519.PublicKey, or the HMAC secret as []byte.
func (k *Key) Public() any {
	if k.Kty == KtyOct {
		return k.secret
	}
	return k.signer.Public()
}

// Secret returns the HMAC secret (nil for asymmetric keys).
func (k *Key) Secret() []byte { return k.secret }

// Signer returns the private key (nil for HMAC secrets).
func (k *Key) Signer() crypto.Signer { return k.signer }

// NewKey wraps a private key (*rsa.PrivateKey, *ecdsa.PrivateKey,
// ed25519.PrivateKey) or an HMAC secret ([]byte, any length) as a Key.
func NewKey(name string, private any) (*Key, error) {
	switch k := private.(type) {
	case *rsa.PrivateKey:
		return &Key{Name: name, Kty: KtyRSA, signer: k}, nil
	case *ecdsa.PrivateKey:
		crv, ok := curveNames[k.Curve]
		if !ok {
			return nil, fmt.Errorf("testjwt: key %s: unsupported curve %s", name, k.Curve.Params().Name)
		}
		return &Key{Name: name, Kty: KtyEC, Crv: crv, signer: k}, nil
	case ed25519.PrivateKey:
		return &Key{Name: name, Kty: KtyOKP, Crv: "Ed25519", signer: k}, nil
	case []byte:
		return &Key{Name: name, Kty: KtyOct, secret: k}, nil
	}
	return nil, fmt.Errorf("testjwt: key %s: unsupported private key %T", name, private)
}

// MustKey is NewKey for keys known to be supported; it panics otherwise.
func MustKey(name string, private any) *Key {
	k, err := NewKey(name, private)
	if err != nil {
		panic(err)
	}
	return k
}

var curveNames = map[elliptic.Curve]string{elliptic.P256(): "P-256", elliptic.P384(): "P-384", elliptic.P521(): "P-521"}

// Algs lists the JWS algorithms this key can sign, strongest hash last.
func (k *Key) Algs() []string {
	switch k.Kty {
	case KtyRSA:
		return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	case KtyEC:
		return []string{map[string]string{"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}[k.Crv]}
	case KtyOKP:
		return []string{"EdDSA"}
	default:
		return []string{"HS256", "HS384", "HS512"}
	}
}

// Ring is the fixed set of test keys: Trusted keys are published in JWKS
// documents, Attackers never are.
type Ring struct {
	Trusted   []*Key
	Attackers []*Key
	byName    map[string]*Key
}

// Key returns the key with the given name, or nil.
func (r *Ring) Key(name string) *Key { return r.byName[name] }

// Names of the keys in a Ring.
const (
	RSA2048A    = "rsa-2048-a"
	RSA2048B    = "rsa-2048-b"
	RSA3072     = "rsa-3072"
	P256A       = "ec-p256-a"
	P256B       = "ec-p256-b"
	P384        = "ec-p384"
	P521        = "ec-p521"
	Ed25519A    = "ed25519-a"
	Ed25519B    = "ed25519-b"
	HMAC32      = "hmac-32" // exactly the HS256 hash length
	HMAC48      = "hmac-48" // exactly the HS384 hash length
	HMAC64      = "hmac-64" // exactly the HS512 hash length
	HMAC80      = "hmac-80" // longer than every hash
	RSAAttacker = "attacker-rsa-2048"
	P256Attack  = "attacker-ec-p256"
	EdAttacker  = "attacker-ed25519"
	HMACAttack  = "attacker-hmac-64"
)

// SharedRing is the process's one Ring, built on first use.
var SharedRing = sync.OnceValues(NewRing)

// NewRing builds the fixed keys. EC, Ed25519 and HMAC keys are derived from
// their names, RSA keys are parsed from the PEM constants, so the ring is the
// same in every run and on every platform.
func NewRing() (*Ring, error) {
	r := &Ring{byName: map[string]*Key{}}
	add := func(trusted bool, k *Key, err error) error {
		if err != nil {
			return fmt.Errorf("testjwt: key %s: %w", k.Name, err)
		}
		r.byName[k.Name] = k
		if trusted {
			r.Trusted = append(r.Trusted, k)
		} else {
			r.Attackers = append(r.Attackers, k)
		}
		return nil
	}
	steps := []struct {
		trusted bool
		make    func() (*Key, error)
	}{
		{true, func() (*Key, error) { return rsaKey(RSA2048A, rsa2048APEM) }},
		{true, func() (*Key, error) { return rsaKey(RSA2048B, rsa2048BPEM) }},
		{true, func() (*Key, error) { return rsaKey(RSA3072, rsa3072PEM) }},
		{true, func() (*Key, error) { return ecKey(P256A, elliptic.P256(), "P-256") }},
		{true, func() (*Key, error) { return ecKey(P256B, elliptic.P256(), "P-256") }},
		{true, func() (*Key, error) { return ecKey(P384, elliptic.P384(), "P-384") }},
		{true, func() (*Key, error) { return ecKey(P521, elliptic.P521(), "P-521") }},
		{true, func() (*Key, error) { return edKey(Ed25519A), nil }},
		{true, func() (*Key, error) { return edKey(Ed25519B), nil }},
		{true, func() (*Key, error) { return hmacKey(HMAC32, 32), nil }},
		{true, func() (*Key, error) { return hmacKey(HMAC48, 48), nil }},
		{true, func() (*Key, error) { return hmacKey(HMAC64, 64), nil }},
		{true, func() (*Key, error) { return hmacKey(HMAC80, 80), nil }},
		{false, func() (*Key, error) { return rsaKey(RSAAttacker, rsa2048AttackerPEM) }},
		{false, func() (*Key, error) { return ecKey(P256Attack, elliptic.P256(), "P-256") }},
		{false, func() (*Key, error) { return edKey(EdAttacker), nil }},
		{false, func() (*Key, error) { return hmacKey(HMACAttack, 64), nil }},
	}
	for _, s := range steps {
		k, err := s.make()
		if err := add(s.trusted, k, err); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// SeedBytes derives n deterministic bytes from a name (SHA-512 of
// "difftest/<name>/<counter>", the derivation the differential corpus was
// first built with). Every fixed EC, Ed25519 and HMAC key comes from it.
func SeedBytes(name string, n int) []byte {
	var out []byte
	for i := 0; len(out) < n; i++ {
		sum := sha512.Sum512([]byte(fmt.Sprintf("difftest/%s/%d", name, i)))
		out = append(out, sum[:]...)
	}
	return out[:n]
}

func rsaKey(name, pemText string) (*Key, error) {
	k := &Key{Name: name, Kty: KtyRSA}
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return k, fmt.Errorf("no PEM block")
	}
	priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return k, err
	}
	rk, ok := priv.(*rsa.PrivateKey)
	if !ok {
		return k, fmt.Errorf("PEM holds %T, not an RSA key", priv)
	}
	k.signer = rk
	return k, nil
}

func ecKey(name string, curve elliptic.Curve, crv string) (*Key, error) {
	k := &Key{Name: name, Kty: KtyEC, Crv: crv}
	size := (curve.Params().BitSize + 7) / 8
	scalar := SeedBytes(name, size)
	if crv == "P-521" {
		scalar[0] &= 0x01 // keep the scalar below 2^521 and so (almost surely) below N
	}
	priv, err := ecdsa.ParseRawPrivateKey(curve, scalar)
	if err != nil {
		return k, err
	}
	k.signer = priv
	return k, nil
}

func edKey(name string) *Key {
	return &Key{Name: name, Kty: KtyOKP, Crv: "Ed25519", signer: ed25519.NewKeyFromSeed(SeedBytes(name, ed25519.SeedSize))}
}

func hmacKey(name string, n int) *Key {
	return &Key{Name: name, Kty: KtyOct, secret: SeedBytes(name, n)}
}
