package verifier

import "crypto/rsa"

// RS256/384/512: RSASSA-PKCS1-v1_5 (RFC 7518 §3.3).

// verifyRSA checks a PKCS#1 v1.5 signature. The signature must be exactly
// the modulus length (RFC 8017 §8.2.2); crypto/rsa checks that too, but the
// early test keeps hostile lengths away from big-number code.
func verifyRSA(k *Key, sp algSpec, signingInput string, sig []byte) error {
	if len(sig) != k.rsaLen {
		return wrap(ErrSignature, "RSA signature length differs from the modulus length", nil)
	}
	d, n := digest(sp.hash, signingInput)
	if rsa.VerifyPKCS1v15(k.rsa, sp.hash, d[:n], sig) != nil {
		return wrap(ErrSignature, "", nil)
	}
	return nil
}
