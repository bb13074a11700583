package verifier_test

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

func TestPSSSignsAndVerifies(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxRSA(), "")))
	for _, alg := range []verifier.Algorithm{verifier.PS256, verifier.PS384, verifier.PS512} {
		t.Run(string(alg), func(t *testing.T) {
			token := fxSimple(t, alg, fxRSA(), "")
			fxWantErr(t, fxParse(t, token).Verify(ks), nil)
			fxWantErr(t, fxParse(t, fxTamper(token)).Verify(ks), verifier.ErrSignature)
			fxWantErr(t, fxParse(t, fxFlipSignature(token)).Verify(ks), verifier.ErrSignature)
		})
	}
}

// TestPSSRequiresSaltOfHashLength: RFC 7518 §3.5 fixes the salt length; a
// signature with another salt is refused (go-jose would accept it).
func TestPSSRequiresSaltOfHashLength(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxRSA(), "")))
	for _, alg := range []verifier.Algorithm{verifier.PS256, verifier.PS384, verifier.PS512} {
		h := fxHash(alg)
		input := "a.b"
		for _, salt := range []int{0, h.Size() - 1, h.Size() + 1, rsa.PSSSaltLengthAuto} {
			sig, err := rsa.SignPSS(rand.Reader, fxRSA(), h, fxDigest(h, []byte(input)), &rsa.PSSOptions{SaltLength: salt})
			if err != nil {
				t.Fatal(err)
			}
			fxWantErr(t, verifier.VerifySignature(alg, ks.Keys[0], input, sig), verifier.ErrSignature)
		}
	}
}

func TestPSSRefusesOtherKey(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxRSA(), "")))
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.PS256, fxRSAOther(), "")).Verify(ks), verifier.ErrSignature)
}
