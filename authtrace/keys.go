package authtrace

import "github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"

// UnknownKeyReason says why no key of ks could verify a token with kid and alg, once
// verifier.Token.Verify returned ErrUnknownKey: no key has the kid (KidUnknown), the keys
// with the kid are for another alg (AlgMismatch), or a key matches kid and alg but its type
// (or curve) cannot verify alg (KeyTypeMismatch). Keys match as in Verify: a key without kid
// matches any token, a key without alg any alg.
func UnknownKeyReason(ks *verifier.KeySet, kid string, alg verifier.Algorithm) Reason {
	if ks == nil {
		return KidUnknown
	}
	sawKid := false
	for _, k := range ks.Keys {
		if kid != "" && k.ID != "" && k.ID != kid {
			continue
		}
		sawKid = true
		if k.Alg == "" || k.Alg == alg {
			return KeyTypeMismatch
		}
	}
	if sawKid {
		return AlgMismatch
	}
	return KidUnknown
}
