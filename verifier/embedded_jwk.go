package verifier

import "github.com/tidwall/gjson"

// privateJWKMembers are the JWK members that carry private key material (RFC 7518 §6.2.2, §6.3.2,
// §6.4; RFC 8037 §2): "d" for EC and OKP, "d", "p", "q", "dp", "dq", "qi", "oth" for RSA, and
// "k", the whole of a symmetric key.
var privateJWKMembers = [...]string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// ParseHeaderJWK parses a public key carried in a JWS protected header's "jwk" member, as a DPoP
// proof carries the key that signed it (RFC 9449 §4.2: "MUST NOT contain a private key").
//
// Stricter than [ParseJWKS], which drops private members silently: a JWK here that carries any
// private member, or is a symmetric (oct) key, is refused, since a client that sends its private
// key has given it away and a symmetric key cannot be published. Everything [ParseJWKS] checks
// for one key applies too (kty and curve, on-curve points, RSA size, use "sig", alg fitting the
// key, duplicate members). The key's Thumbprint is its RFC 7638 thumbprint.
//
// Errors wrap [ErrKey].
func ParseHeaderJWK(v gjson.Result) (*Key, error) {
	if !v.IsObject() {
		return nil, wrap(ErrKey, "jwk is not a JSON object", nil)
	}
	// Member names are compared after JSON unescaping (ForEach gives them unescaped), so
	// "\u0064" is "d" too.
	private, symmetric := "", false
	v.ForEach(func(k, val gjson.Result) bool {
		for _, m := range privateJWKMembers {
			if k.Str == m {
				private = m
				return false
			}
		}
		if k.Str == "kty" && val.Type == gjson.String && val.Str == "oct" {
			symmetric = true
		}
		return true
	})
	if private != "" {
		return nil, wrap(ErrKey, "jwk carries private key material ("+private+")", nil)
	}
	if symmetric {
		return nil, wrap(ErrKey, "jwk is a symmetric key", nil)
	}
	k, _, err := parseJWK(v, KeyOptions{}.withDefaults())
	if err != nil {
		return nil, err
	}
	return k, nil
}

// VerifyWithKey checks the token's signature with one given key, for tokens whose key comes with
// them (a DPoP proof's jwk) rather than from a [KeySet]. The key must fit the token's alg (type,
// curve, and the key's own alg when it has one), else the error is [ErrUnknownKey]; a wrong
// signature is [ErrSignature].
func (t *Token) VerifyWithKey(k *Key) error {
	if k == nil || (k.Alg != "" && k.Alg != t.Alg) || !k.fits(t.spec) {
		return wrap(ErrUnknownKey, "key does not fit "+string(t.Alg), nil)
	}
	return k.verify(t.spec, t.signingInput, t.signature)
}
