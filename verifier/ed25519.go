package verifier

import "crypto/ed25519"

// EdDSA with Ed25519 (RFC 8037 §3.1). Ed448 is refused when keys are parsed:
// the Go standard library has no Ed448, and a key set naming it gets a clear
// skip reason instead of a key that can never verify.

// verifyEd25519 checks a 64-byte Ed25519 signature. A signature of another
// length is ErrEd25519SignatureLength (itself an ErrSignature), which
// jwt_verify_lib reports at once instead of trying further keys.
func verifyEd25519(k *Key, signingInput string, sig []byte) error {
	if len(sig) != ed25519.SignatureSize {
		return wrap(ErrEd25519SignatureLength, "", nil)
	}
	if !ed25519.Verify(k.ed, readOnlyBytes(signingInput), sig) {
		return wrap(ErrSignature, "", nil)
	}
	return nil
}
