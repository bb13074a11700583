package signer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/jsonstr"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// Bounds on a signing JWKS: they are configuration, but a mistake must not cost a VM.
const (
	MaxJWKSBytes = 1 << 20
	MaxKeys      = 64
	MinRSABits   = 2048
	MaxRSABits   = verifier.MaxRSABits
)

// ParseJWKS parses {"keys":[...]} of private JWKs. Every key must be usable (see the package
// doc); the first unusable key fails the whole set with a *KeyError.
func ParseJWKS(data []byte) (*KeySet, error) {
	if len(data) > MaxJWKSBytes {
		return nil, &setError{"larger than " + strconv.Itoa(MaxJWKSBytes) + " bytes"}
	}
	if !gjson.ValidBytes(data) {
		return nil, &setError{"not valid JSON"}
	}
	root := gjson.ParseBytes(data)
	if !root.IsObject() {
		return nil, &setError{"not a JSON object"}
	}
	var keys gjson.Result
	dup := false
	seen := map[string]bool{}
	root.ForEach(func(k, v gjson.Result) bool {
		if seen[k.Str] {
			dup = true
			return false
		}
		seen[k.Str] = true
		if k.Str == "keys" {
			keys = v
		}
		return true
	})
	if dup {
		return nil, &setError{"duplicate member"}
	}
	if !keys.IsArray() {
		return nil, &setError{`no "keys" array`}
	}
	ks := &KeySet{}
	var err error
	i := 0
	keys.ForEach(func(_, v gjson.Result) bool {
		if i == MaxKeys {
			err = &setError{"more than " + strconv.Itoa(MaxKeys) + " keys"}
			return false
		}
		var k *Key
		if k, err = parseKey(i, v); err != nil {
			return false
		}
		for j, o := range ks.keys {
			if o.kid == k.kid {
				err = &KeyError{Index: i, Member: "kid", Reason: "kid " + strconv.Quote(k.kid) + " is also the kid of keys[" + strconv.Itoa(j) + "]"}
				return false
			}
		}
		ks.keys = append(ks.keys, k)
		i++
		return true
	})
	if err != nil {
		return nil, err
	}
	if len(ks.keys) == 0 {
		return nil, &setError{"no keys"}
	}
	return ks, nil
}

// members reads one JWK's members, refusing duplicates and non-string values of the members
// this package reads ("key_ops" is the one array).
type members map[string]gjson.Result

func (m members) str(i int, name string, required bool) (string, error) {
	v, ok := m[name]
	if !ok {
		if required {
			return "", &KeyError{Index: i, Member: name, Reason: "missing"}
		}
		return "", nil
	}
	if v.Type != gjson.String || v.Str == "" {
		return "", &KeyError{Index: i, Member: name, Reason: "not a non-empty string"}
	}
	return v.Str, nil
}

// bytes decodes a base64url member (unpadded, canonical: re-encoding gives it back).
func (m members) bytes(i int, name string) ([]byte, error) {
	s, err := m.str(i, name, true)
	if err != nil {
		return nil, err
	}
	b, derr := base64.RawURLEncoding.Strict().DecodeString(s)
	if derr != nil || b64(b) != s {
		return nil, &KeyError{Index: i, Member: name, Reason: "not canonical unpadded base64url"}
	}
	return b, nil
}

func parseKey(i int, v gjson.Result) (*Key, error) {
	if !v.IsObject() {
		return nil, &KeyError{Index: i, Reason: "not a JSON object"}
	}
	m := members{}
	var dupName string
	v.ForEach(func(k, val gjson.Result) bool {
		if _, dup := m[k.Str]; dup {
			dupName = k.Str
			return false
		}
		m[k.Str] = val
		return true
	})
	if dupName != "" {
		return nil, &KeyError{Index: i, Member: dupName, Reason: "duplicate member"}
	}
	kid, err := m.str(i, "kid", true)
	if err != nil {
		return nil, err
	}
	algName, err := m.str(i, "alg", true)
	if err != nil {
		return nil, err
	}
	kty, err := m.str(i, "kty", true)
	if err != nil {
		return nil, err
	}
	alg := verifier.Algorithm(algName)
	sp, ok := specOf(alg)
	if !ok {
		return nil, &KeyError{Index: i, Member: "alg", Reason: strconv.Quote(algName) + " is not a supported signing algorithm"}
	}
	if alg.KeyType() != kty {
		return nil, &KeyError{Index: i, Member: "alg", Reason: algName + " does not fit a " + strconv.Quote(kty) + " key"}
	}
	if err := checkUse(i, m); err != nil {
		return nil, err
	}
	if _, ok := m["oth"]; ok {
		return nil, &KeyError{Index: i, Member: "oth", Reason: "multi-prime RSA keys are not supported"}
	}
	k := &Key{kid: kid, alg: alg, kty: kty, spec: sp}
	var pub []byte
	switch kty {
	case "RSA":
		pub, err = k.parseRSA(i, m)
	case "EC":
		pub, err = k.parseEC(i, m, sp)
	case "OKP":
		pub, err = k.parseEd25519(i, m)
	case "oct":
		err = k.parseOct(i, m, sp)
	}
	if err != nil {
		return nil, err
	}
	if pub != nil {
		b := append([]byte(`{"kty":`), jsonstr.Append(nil, kty)...)
		b = append(b, `,"kid":`...)
		b = jsonstr.Append(b, kid)
		b = append(b, `,"use":"sig","alg":`...)
		b = jsonstr.Append(b, algName)
		b = append(b, pub...)
		k.public = string(append(b, '}'))
	}
	h := append([]byte(`{"alg":`), jsonstr.Append(nil, algName)...)
	h = append(h, `,"kid":`...)
	h = jsonstr.Append(h, kid)
	h = append(h, `,"typ":"JWT"}`...)
	k.header = b64(h)
	return k, nil
}

// checkUse allows use "sig" (or none) and key_ops containing "sign" (or none).
func checkUse(i int, m members) error {
	if u, ok := m["use"]; ok && (u.Type != gjson.String || u.Str != "sig") {
		return &KeyError{Index: i, Member: "use", Reason: `not "sig"`}
	}
	if ops, ok := m["key_ops"]; ok {
		sign := false
		if ops.IsArray() {
			ops.ForEach(func(_, op gjson.Result) bool {
				sign = sign || (op.Type == gjson.String && op.Str == "sign")
				return !sign
			})
		}
		if !sign {
			return &KeyError{Index: i, Member: "key_ops", Reason: `does not contain "sign"`}
		}
	}
	return nil
}

// private refuses a public-only key with a message that says so.
func private(i int, m members, name string) error {
	if _, ok := m[name]; !ok {
		return &KeyError{Index: i, Member: name, Reason: "missing: a public key cannot sign (the private member " + name + " is required)"}
	}
	return nil
}

func (k *Key) parseRSA(i int, m members) ([]byte, error) {
	if err := private(i, m, "d"); err != nil {
		return nil, err
	}
	vals := map[string]*big.Int{}
	for _, name := range []string{"n", "e", "d", "p", "q"} {
		b, err := m.bytes(i, name)
		if err != nil {
			return nil, err
		}
		if name == "n" && len(bytes.TrimLeft(b, "\x00"))*8 > MaxRSABits {
			return nil, &KeyError{Index: i, Member: "n", Reason: "modulus above " + strconv.Itoa(MaxRSABits) + " bits"}
		}
		if name == "e" && len(bytes.TrimLeft(b, "\x00")) > 4 {
			return nil, &KeyError{Index: i, Member: "e", Reason: "exponent above 2^31-1"}
		}
		vals[name] = new(big.Int).SetBytes(b)
	}
	n, e := vals["n"], vals["e"]
	if bits := n.BitLen(); bits < MinRSABits {
		return nil, &KeyError{Index: i, Member: "n", Reason: "modulus of " + strconv.Itoa(bits) + " bits is below " + strconv.Itoa(MinRSABits)}
	}
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
		return nil, &KeyError{Index: i, Member: "e", Reason: "exponent is not odd in [3, 2^31-1]"}
	}
	priv := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: n, E: int(e.Int64())},
		D:         vals["d"],
		Primes:    []*big.Int{vals["p"], vals["q"]},
	}
	if err := priv.Validate(); err != nil {
		return nil, &KeyError{Index: i, Reason: "RSA private key is inconsistent (n, e, d, p, q do not form one key)"}
	}
	priv.Precompute()
	for _, c := range []struct {
		name string
		want *big.Int
	}{{"dp", priv.Precomputed.Dp}, {"dq", priv.Precomputed.Dq}, {"qi", priv.Precomputed.Qinv}} {
		if _, ok := m[c.name]; !ok {
			continue
		}
		b, err := m.bytes(i, c.name)
		if err != nil {
			return nil, err
		}
		if c.want == nil || new(big.Int).SetBytes(b).Cmp(c.want) != 0 {
			return nil, &KeyError{Index: i, Member: c.name, Reason: "does not match d, p and q"}
		}
	}
	k.rsa = priv
	pub := append([]byte(`,"n":"`), appendB64(nil, n.Bytes())...)
	pub = append(pub, `","e":"`...)
	pub = appendB64(pub, e.Bytes())
	return append(pub, '"'), nil
}

func (k *Key) parseEC(i int, m members, sp algSpec) ([]byte, error) {
	crv, err := m.str(i, "crv", true)
	if err != nil {
		return nil, err
	}
	c, size := verifier.CurveByName(crv)
	if c == nil {
		return nil, &KeyError{Index: i, Member: "crv", Reason: "not P-256, P-384 or P-521"}
	}
	if crv != sp.crv {
		return nil, &KeyError{Index: i, Member: "alg", Reason: string(k.alg) + " does not fit curve " + crv}
	}
	if err := private(i, m, "d"); err != nil {
		return nil, err
	}
	x, err := m.bytes(i, "x")
	if err != nil {
		return nil, err
	}
	y, err := m.bytes(i, "y")
	if err != nil {
		return nil, err
	}
	d, err := m.bytes(i, "d")
	if err != nil {
		return nil, err
	}
	if len(x) > size || len(y) > size || len(d) > size {
		return nil, &KeyError{Index: i, Reason: "EC members longer than " + strconv.Itoa(size) + " bytes for " + crv}
	}
	priv, perr := ecdsa.ParseRawPrivateKey(c, leftPad(d, size))
	if perr != nil {
		return nil, &KeyError{Index: i, Member: "d", Reason: "not a valid " + crv + " private scalar"}
	}
	pt, perr := priv.PublicKey.Bytes()
	want := append(append([]byte{4}, leftPad(x, size)...), leftPad(y, size)...)
	if perr != nil || !bytes.Equal(pt, want) {
		return nil, &KeyError{Index: i, Reason: "x and y are not the public key of d"}
	}
	k.ec = priv
	pub := append([]byte(`,"crv":`), jsonstr.Append(nil, crv)...)
	pub = append(pub, `,"x":"`...)
	pub = appendB64(pub, pt[1:1+size])
	pub = append(pub, `","y":"`...)
	pub = appendB64(pub, pt[1+size:])
	return append(pub, '"'), nil
}

func (k *Key) parseEd25519(i int, m members) ([]byte, error) {
	crv, err := m.str(i, "crv", true)
	if err != nil {
		return nil, err
	}
	if crv != "Ed25519" {
		return nil, &KeyError{Index: i, Member: "crv", Reason: "not Ed25519 (the only OKP curve that signs here)"}
	}
	if err := private(i, m, "d"); err != nil {
		return nil, err
	}
	x, err := m.bytes(i, "x")
	if err != nil {
		return nil, err
	}
	d, err := m.bytes(i, "d")
	if err != nil {
		return nil, err
	}
	if len(d) != ed25519.SeedSize || len(x) != ed25519.PublicKeySize {
		return nil, &KeyError{Index: i, Reason: "Ed25519 d and x must be 32 bytes each"}
	}
	priv := ed25519.NewKeyFromSeed(d)
	if !bytes.Equal(priv.Public().(ed25519.PublicKey), x) {
		return nil, &KeyError{Index: i, Reason: "x is not the public key of d"}
	}
	k.ed = priv
	pub := append([]byte(`,"crv":"Ed25519","x":"`), appendB64(nil, x)...)
	return append(pub, '"'), nil
}

func (k *Key) parseOct(i int, m members, sp algSpec) error {
	if err := private(i, m, "k"); err != nil {
		return err
	}
	secret, err := m.bytes(i, "k")
	if err != nil {
		return err
	}
	if len(secret) < sp.size {
		return &KeyError{Index: i, Member: "k", Reason: "secret of " + strconv.Itoa(len(secret)) + " bytes is shorter than the " + string(k.alg) + " output (" + strconv.Itoa(sp.size) + " bytes)"}
	}
	k.secret = secret
	return nil
}

func leftPad(b []byte, size int) []byte {
	if len(b) >= size {
		return b
	}
	out := make([]byte, size)
	copy(out[size-len(b):], b)
	return out
}
