package verifier

import (
	"errors"
	"strconv"
)

// SkippedKey is a key left out of a KeySet, with why.
type SkippedKey struct {
	Index  int    // position in the JWKS "keys" array or the PEM block order
	KeyID  string // the kid when it could be read
	Reason error  // an ErrKey (ErrWeakKey for weak keys)
}

// KeySet is the immutable result of parsing a JWKS or PEM input. It is safe
// for concurrent use.
type KeySet struct {
	Keys    []*Key
	Skipped []SkippedKey
}

// MaxVerifyAttempts bounds the signature checks one token may cost: a token
// without kid against a set of many keys must not multiply the work.
const MaxVerifyAttempts = 16

// ParseKeys parses a JWKS (input starting with '{' after white space) or PEM.
func ParseKeys(data []byte, opt KeyOptions) (*KeySet, error) {
	for _, c := range data {
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			continue
		}
		if c == '{' {
			return ParseJWKS(data, opt)
		}
		break
	}
	return ParsePEM(data, opt)
}

// finish turns "nothing usable" into ErrNoValidKeys. The set is returned with
// the error so that the caller can log every skip reason.
func (ks *KeySet) finish() (*KeySet, error) {
	if len(ks.Keys) > 0 {
		return ks, nil
	}
	if len(ks.Skipped) == 0 {
		return ks, wrap(ErrNoValidKeys, "no keys", nil)
	}
	first := ks.Skipped[0]
	return ks, wrap(ErrNoValidKeys, strconv.Itoa(len(ks.Skipped))+" skipped, first at index "+strconv.Itoa(first.Index), first.Reason)
}

func (ks *KeySet) skip(i int, kid string, reason error) {
	ks.Skipped = append(ks.Skipped, SkippedKey{Index: i, KeyID: kid, Reason: reason})
}

// Verify checks the token's signature against the set, choosing keys as
// jwt_verify_lib does: a key matches when (the token has no kid, or the key
// has none, or they are equal) and (the key has no alg, or it equals the
// token's); a matching key is a candidate when its type fits the alg family
// (RSA for RS*/PS*, EC of the alg's curve for ES*, OKP Ed25519 for EdDSA, oct
// for HS*). Candidates are tried in set order, at most MaxVerifyAttempts of
// them. A key whose type does not fit is never used (no algorithm confusion).
//
// Errors: ErrUnknownKey when no key matches kid and alg; ErrSignature when
// none verifies, also when keys matched but none could verify the alg (an
// HS256 token and an RSA key without alg: jwt_verify_lib counts a key as
// matched once kid and alg pass, before its type is looked at, and answers
// "Jwt verification fails"; the error is then ErrKeyTypeMismatch, an ErrSignature);
// ErrEd25519SignatureLength (an ErrSignature) at
// once for an EdDSA signature that is not 64 bytes; an HMAC secret shorter
// than the hash is an ErrSignature that is also ErrWeakKey.
func (t *Token) Verify(ks *KeySet) error {
	if ks == nil {
		return wrap(ErrUnknownKey, "no key set", nil)
	}
	attempts, matched := 0, false
	var last error
	for _, k := range ks.Keys {
		if t.KeyID != "" && k.ID != "" && k.ID != t.KeyID {
			continue
		}
		if k.Alg != "" && k.Alg != t.Alg {
			continue
		}
		matched = true
		if !k.fits(t.spec) {
			continue
		}
		if attempts == MaxVerifyAttempts {
			return wrap(ErrSignature, "gave up after "+strconv.Itoa(MaxVerifyAttempts)+" candidate keys", nil)
		}
		attempts++
		err := k.verify(t.spec, t.signingInput, t.signature)
		if err == nil {
			return nil
		}
		if errors.Is(err, ErrEd25519SignatureLength) {
			return err
		}
		last = err
	}
	if attempts == 0 {
		if matched {
			return wrap(ErrKeyTypeMismatch, string(t.Alg), nil)
		}
		return wrap(ErrUnknownKey, "", nil)
	}
	return last
}

// VerifySignature checks one signature with one key: for tests, benchmarks
// and callers that select keys themselves. The key must fit alg as in
// [Token.Verify], else the error is ErrUnknownKey.
func VerifySignature(alg Algorithm, key *Key, signingInput string, sig []byte) error {
	sp, ok := specOf(alg)
	if !ok {
		return wrap(ErrAlgorithm, "", nil)
	}
	if key == nil || (key.Alg != "" && key.Alg != alg) || !key.fits(sp) {
		return wrap(ErrUnknownKey, "key does not fit "+string(alg), nil)
	}
	return key.verify(sp, signingInput, sig)
}

// verify dispatches on the family; the key type was checked by fits.
func (k *Key) verify(sp algSpec, signingInput string, sig []byte) error {
	switch sp.fam {
	case famHMAC:
		return verifyHMAC(k, sp, signingInput, sig)
	case famRSA:
		return verifyRSA(k, sp, signingInput, sig)
	case famPSS:
		return verifyPSS(k, sp, signingInput, sig)
	case famECDSA:
		return verifyECDSA(k, sp, signingInput, sig)
	case famEdDSA:
		return verifyEd25519(k, signingInput, sig)
	}
	return wrap(ErrAlgorithm, "", nil)
}
