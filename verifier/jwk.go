package verifier

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"

	"github.com/tidwall/gjson"
)

// ParseJWKS parses a JSON Web Key Set (RFC 7517 §5): {"keys":[...]}. Also
// accepted: a bare single JWK object (one with "kty"), and the map from kid to
// PEM certificate that Google publishes for service accounts and Firebase
// (jwt_verify_lib accepts it too).
//
// Keys that cannot be used are skipped with a reason in KeySet.Skipped, never
// fatal to the others: unsupported kty or curve, use other than "sig",
// key_ops without "verify", an alg that is unknown or does not fit the key,
// weak or malformed keys, an x5c leaf whose key differs from the JWK's.
// Unknown members are ignored; private members (d, p, q, ...) are ignored
// too, only the public part is kept.
//
// Errors: ErrJWKSInvalidJSON (invalid JSON, nested deeper than MaxJSONDepth, not an object,
// duplicate members), ErrJWKSMissingKeys, ErrJWKSKeysNotArray, and ErrNoValidKeys when
// every key was skipped; all are ErrKeySet. With ErrNoValidKeys the KeySet is
// returned too, so that the skip reasons can be logged.
func ParseJWKS(data []byte, opt KeyOptions) (*KeySet, error) {
	opt = opt.withDefaults()
	if !ValidJSON(data) {
		return nil, wrap(ErrJWKSInvalidJSON, "", nil)
	}
	root := gjson.ParseBytes(data)
	if !root.IsObject() {
		return nil, wrap(ErrJWKSInvalidJSON, "not a JSON object", nil)
	}
	var (
		seen       memberSet
		dup        bool
		keys, kty  gjson.Result
		allStrings = true
	)
	root.ForEach(func(k, v gjson.Result) bool {
		if !seen.add(k.Str) {
			dup = true
			return false
		}
		switch k.Str {
		case "keys":
			keys = v
		case "kty":
			kty = v
		}
		if k.Str == "" || v.Type != gjson.String || v.Str == "" {
			allStrings = false
		}
		return true
	})
	if dup {
		return nil, wrap(ErrJWKSInvalidJSON, "duplicate member", nil)
	}
	ks := &KeySet{}
	switch {
	case keys.Exists():
		if !keys.IsArray() {
			return nil, wrap(ErrJWKSKeysNotArray, "", nil)
		}
		i := 0
		keys.ForEach(func(_, v gjson.Result) bool {
			ks.addJWK(i, v, opt)
			i++
			return true
		})
	case kty.Exists():
		ks.addJWK(0, root, opt)
	case allStrings && seen.n > 0:
		i := 0
		root.ForEach(func(k, v gjson.Result) bool {
			ks.addCertificateEntry(i, k.Str, v.Str, opt)
			i++
			return true
		})
	default:
		return nil, wrap(ErrJWKSMissingKeys, "", nil)
	}
	return ks.finish()
}

func (ks *KeySet) addJWK(i int, v gjson.Result, opt KeyOptions) {
	k, kid, err := parseJWK(v, opt)
	if err != nil {
		ks.skip(i, kid, err)
		return
	}
	ks.Keys = append(ks.Keys, k)
}

// jwkMembers are the members of one JWK that this package reads.
type jwkMembers struct {
	kty, kid, alg, use, keyOps, crv, n, e, x, y, k, x5c, x5t, x5tS256 gjson.Result
}

// parseJWK turns one JWK into a Key, or says why not. The kid is returned in
// both cases so that a skip can name the key.
func parseJWK(obj gjson.Result, opt KeyOptions) (*Key, string, error) {
	if !obj.IsObject() {
		return nil, "", wrap(ErrKey, "JWK is not a JSON object", nil)
	}
	var (
		m    jwkMembers
		seen memberSet
		dup  bool
	)
	obj.ForEach(func(k, v gjson.Result) bool {
		if !seen.add(k.Str) {
			dup = true
			return false
		}
		switch k.Str {
		case "kty":
			m.kty = v
		case "kid":
			m.kid = v
		case "alg":
			m.alg = v
		case "use":
			m.use = v
		case "key_ops":
			m.keyOps = v
		case "crv":
			m.crv = v
		case "n":
			m.n = v
		case "e":
			m.e = v
		case "x":
			m.x = v
		case "y":
			m.y = v
		case "k":
			m.k = v
		case "x5c":
			m.x5c = v
		case "x5t":
			m.x5t = v
		case "x5t#S256":
			m.x5tS256 = v
		}
		return true
	})
	kid := ""
	if m.kid.Type == gjson.String {
		kid = m.kid.Str
	}
	if dup {
		return nil, kid, wrap(ErrKey, "duplicate member", nil)
	}
	if m.kid.Exists() && m.kid.Type != gjson.String {
		return nil, kid, wrap(ErrKey, "kid is not a string", nil)
	}
	if m.kty.Type != gjson.String {
		return nil, kid, wrap(ErrKey, "kty is missing or not a string", nil)
	}
	kty := m.kty.Str
	if m.alg.Exists() && m.alg.Type != gjson.String {
		return nil, kid, wrap(ErrKey, "alg is not a string", nil)
	}
	alg := Algorithm(m.alg.Str)
	use, err := checkUse(m.use, m.keyOps)
	if err != nil {
		return nil, kid, err
	}
	crv := ""
	if m.crv.Type == gjson.String {
		crv = m.crv.Str
	}
	key, err := keyFromJWK(kty, crv, alg, &m, opt)
	if err != nil {
		return nil, kid, err
	}
	if alg != "" && !algFitsType(alg, kty, key.ecCrv) {
		return nil, kid, wrap(ErrKey, "alg "+string(alg)+" does not fit a "+kty+" key", nil)
	}
	if m.x5c.Exists() {
		if err := checkX5C(key, m.x5c, m.x5t, m.x5tS256); err != nil {
			return nil, kid, err
		}
	}
	key.ID, key.Alg, key.Use = kid, alg, use
	return key, kid, nil
}

// checkUse keeps signature keys: use must be absent or "sig", key_ops must be
// absent or contain "verify" (RFC 7517 §4.2, §4.3).
func checkUse(use, keyOps gjson.Result) (string, error) {
	if use.Exists() {
		if use.Type != gjson.String {
			return "", wrap(ErrKey, "use is not a string", nil)
		}
		switch use.Str {
		case "sig":
		case "enc":
			return "", wrap(ErrKey, `use "enc": an encryption key`, nil)
		default:
			return "", wrap(ErrKey, "use is not sig", nil)
		}
	}
	if keyOps.Exists() {
		if !keyOps.IsArray() {
			return "", wrap(ErrKey, "key_ops is not an array", nil)
		}
		verify, bad := false, false
		keyOps.ForEach(func(_, op gjson.Result) bool {
			if op.Type != gjson.String {
				bad = true
				return false
			}
			verify = verify || op.Str == "verify"
			return true
		})
		if bad {
			return "", wrap(ErrKey, "key_ops element is not a string", nil)
		}
		if !verify {
			return "", wrap(ErrKey, `key_ops does not allow "verify"`, nil)
		}
	}
	return use.Str, nil
}

// keyFromJWK builds the key of a JWK from its type-specific members.
func keyFromJWK(kty, crv string, alg Algorithm, m *jwkMembers, opt KeyOptions) (*Key, error) {
	switch kty {
	case "RSA":
		n, err := jwkBytes(m.n, "n")
		if err != nil {
			return nil, err
		}
		e, err := jwkBytes(m.e, "e")
		if err != nil {
			return nil, err
		}
		pub, err := rsaFromJWK(n, e)
		if err != nil {
			return nil, err
		}
		return newRSAKey(pub, opt)
	case "EC":
		if m.crv.Type != gjson.String {
			return nil, wrap(ErrKey, "EC crv is missing or not a string", nil)
		}
		x, err := jwkBytes(m.x, "x")
		if err != nil {
			return nil, err
		}
		y, err := jwkBytes(m.y, "y")
		if err != nil {
			return nil, err
		}
		return newECKey(crv, x, y)
	case "OKP":
		switch crv {
		case "Ed25519":
			x, err := jwkBytes(m.x, "x")
			if err != nil {
				return nil, err
			}
			return newEd25519Key(x)
		case "Ed448":
			return nil, wrap(ErrKey, "Ed448 is not supported (only Ed25519)", nil)
		case "X25519", "X448":
			return nil, wrap(ErrKey, "OKP curve "+crv+" is for key agreement, not signatures", nil)
		}
		return nil, wrap(ErrKey, "OKP crv is missing or not supported", nil)
	case "oct":
		if m.x5c.Exists() {
			return nil, wrap(ErrKey, "oct key with x5c", nil)
		}
		// The alg decides the minimum length, so check it first.
		if alg != "" && !algFitsType(alg, "oct", "") {
			return nil, wrap(ErrKey, "alg "+string(alg)+" does not fit an oct key", nil)
		}
		k, err := jwkBytes(m.k, "k")
		if err != nil {
			return nil, err
		}
		return newOctKey(k, alg)
	}
	return nil, wrap(ErrKey, "kty is not RSA, EC, OKP or oct", nil)
}

// jwkBytes decodes a required base64url member.
func jwkBytes(v gjson.Result, name string) ([]byte, error) {
	if v.Type != gjson.String {
		return nil, wrap(ErrKey, name+" is missing or not a string", nil)
	}
	b, ok := b64DecodeString(v.Str)
	if !ok || len(b) == 0 {
		return nil, wrap(ErrKey, name+" is not canonical unpadded base64url", nil)
	}
	return b, nil
}

// checkX5C requires the first certificate of x5c (RFC 7517 §4.7: standard
// base64 DER) to hold the same public key as the JWK, and x5t / x5t#S256,
// when present, to be its thumbprints. The chain is not validated: the JWKS
// source is the trust anchor, as in Envoy.
func checkX5C(k *Key, x5c, x5t, x5tS256 gjson.Result) error {
	if !x5c.IsArray() {
		return wrap(ErrKey, "x5c is not an array", nil)
	}
	leaf := x5c.Get("0")
	if leaf.Type != gjson.String {
		return wrap(ErrKey, "x5c has no certificate string", nil)
	}
	der, err := base64.StdEncoding.DecodeString(leaf.Str)
	if err != nil {
		return wrap(ErrKey, "x5c[0] is not base64", nil)
	}
	pub, err := parseCertificateKey(der)
	if err != nil {
		return wrap(ErrKey, "x5c[0] is not an X.509 certificate with a supported key", err)
	}
	if !k.equalPublic(pub) {
		return wrap(ErrKey, "x5c[0] holds a different key than the JWK", nil)
	}
	if x5tS256.Exists() {
		sum := sha256.Sum256(der)
		if !thumbprintMatches(x5tS256, sum[:]) {
			return wrap(ErrKey, "x5t#S256 does not match x5c[0]", nil)
		}
	}
	if x5t.Exists() {
		sum := sha1.Sum(der)
		if !thumbprintMatches(x5t, sum[:]) {
			return wrap(ErrKey, "x5t does not match x5c[0]", nil)
		}
	}
	return nil
}

func thumbprintMatches(v gjson.Result, sum []byte) bool {
	if v.Type != gjson.String {
		return false
	}
	b, ok := b64DecodeString(v.Str)
	return ok && bytes.Equal(b, sum)
}

// equalPublic reports whether pub is the same public key as k.
func (k *Key) equalPublic(pub any) bool {
	switch {
	case k.rsa != nil:
		return k.rsa.Equal(pub)
	case k.ec != nil:
		return k.ec.Equal(pub)
	case k.ed != nil:
		return k.ed.Equal(pub)
	}
	return false
}
