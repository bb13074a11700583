package verifier

import "crypto/rsa"

// PS256/384/512: RSASSA-PSS with MGF1 over the same hash (RFC 7518 §3.5).

// verifyPSS checks an RSASSA-PSS signature whose salt is exactly the hash
// length, as RFC 7518 §3.5 specifies. go-jose verifies with an automatic
// salt length and so also accepts other salts; being stricter refuses only
// tokens no conforming signer produces.
func verifyPSS(k *Key, sp algSpec, signingInput string, sig []byte) error {
	if len(sig) != k.rsaLen {
		return wrap(ErrSignature, "RSA signature length differs from the modulus length", nil)
	}
	d, n := digest(sp.hash, signingInput)
	opts := rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: sp.hash}
	if rsa.VerifyPSS(k.rsa, sp.hash, d[:n], sig, &opts) != nil {
		return wrap(ErrSignature, "", nil)
	}
	return nil
}
