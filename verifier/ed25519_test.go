package verifier_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

func TestEd25519SignsAndVerifies(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxEd(), `"alg":"EdDSA"`)))
	token := fxSimple(t, verifier.EdDSA, fxEd(), "")
	fxWantErr(t, fxParse(t, token).Verify(ks), nil)
	fxWantErr(t, fxParse(t, fxTamper(token)).Verify(ks), verifier.ErrSignature)
	fxWantErr(t, fxParse(t, fxFlipSignature(token)).Verify(ks), verifier.ErrSignature)
}

// TestEd25519WrongLengthStopsAtFirstCandidate: jwt_verify_lib returns
// "Jwt ED25519 signature is wrong length" at once, even if other keys remain.
func TestEd25519WrongLengthStopsAtFirstCandidate(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxEd(), `"kid":"a"`), fxJWK(t, fxEd(), `"kid":"b"`)))
	token := fxSimple(t, verifier.EdDSA, fxEd(), "")
	for _, n := range []int{0, 63, 65, 128} {
		err := verifier.VerifySignature(verifier.EdDSA, ks.Keys[0], "a.b", make([]byte, n))
		if !errors.Is(err, verifier.ErrEd25519SignatureLength) || !errors.Is(err, verifier.ErrSignature) {
			t.Errorf("%d bytes: %v", n, err)
		}
	}
	fxWantErr(t, fxParse(t, fxResign(token, make([]byte, 63))).Verify(ks), verifier.ErrEd25519SignatureLength)
}

func TestEd25519RefusesOtherKey(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxEd(), "")))
	_, other, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.EdDSA, other, "")).Verify(ks), verifier.ErrSignature)
	// The all-zero signature (R = 0, S = 0) verifies nothing.
	token := fxSimple(t, verifier.EdDSA, fxEd(), "")
	fxWantErr(t, fxParse(t, fxResign(token, make([]byte, 64))).Verify(ks), verifier.ErrSignature)
}
