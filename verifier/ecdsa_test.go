package verifier_test

import (
	"crypto/ecdsa"
	"crypto/rand"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

func TestECDSASignsAndVerifies(t *testing.T) {
	for _, alg := range []verifier.Algorithm{verifier.ES256, verifier.ES384, verifier.ES512} {
		t.Run(string(alg), func(t *testing.T) {
			key := fxPrivate(alg)
			ks := fxKeySet(t, fxJWKS(fxJWK(t, key, "")))
			token := fxSimple(t, alg, key, "")
			fxWantErr(t, fxParse(t, token).Verify(ks), nil)
			fxWantErr(t, fxParse(t, fxTamper(token)).Verify(ks), verifier.ErrSignature)
			fxWantErr(t, fxParse(t, fxFlipSignature(token)).Verify(ks), verifier.ErrSignature)
		})
	}
}

// TestECDSAHighSIsAccepted: JWS has no low-S rule; (r, N-s) is as valid as
// (r, s), and refusing it would break conforming signers.
func TestECDSAHighSIsAccepted(t *testing.T) {
	k := fxP256()
	ks := fxKeySet(t, fxJWKS(fxJWK(t, k, "")))
	input := "a.b"
	r, s, err := ecdsa.Sign(rand.Reader, k, fxDigest(fxHash(verifier.ES256), []byte(input)))
	if err != nil {
		t.Fatal(err)
	}
	s.Sub(k.Curve.Params().N, s)
	fxWantErr(t, verifier.VerifySignature(verifier.ES256, ks.Keys[0], input, fxRawRS(k.Curve, r, s)), nil)
}

func TestECDSARefusesMalformedSignatures(t *testing.T) {
	k := fxP256()
	ks := fxKeySet(t, fxJWKS(fxJWK(t, k, "")))
	input := "a.b"
	d := fxDigest(fxHash(verifier.ES256), []byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, k, d)
	if err != nil {
		t.Fatal(err)
	}
	der, err := ecdsa.SignASN1(rand.Reader, k, d)
	if err != nil {
		t.Fatal(err)
	}
	raw := fxRawRS(k.Curve, r, s)
	tests := []struct {
		name string
		sig  []byte
	}{
		{"DER instead of raw", der},
		{"one byte short", raw[:63]},
		{"one byte long", append(append([]byte{}, raw...), 0)},
		{"P-384 length", make([]byte, 96)},
		{"r and s swapped", append(append([]byte{}, raw[32:]...), raw[:32]...)},
		{"empty", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fxWantErr(t, verifier.VerifySignature(verifier.ES256, ks.Keys[0], input, tc.sig), verifier.ErrSignature)
		})
	}
}

// TestECDSAKeyOfOtherCurveIsNoCandidate: keys of other curves are never tried; without alg
// they match kid and alg, so the token fails as jwt_verify_lib's does ("Jwt verification
// fails"), with alg they do not match at all.
func TestECDSAKeyOfOtherCurveIsNoCandidate(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxP256(), ""), fxJWK(t, fxP521(), "")))
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.ES384, fxP384(), "")).Verify(ks), verifier.ErrSignature)
	withAlg := fxKeySet(t, fxJWKS(fxJWK(t, fxP256(), `"alg":"ES256"`), fxJWK(t, fxP521(), `"alg":"ES512"`)))
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.ES384, fxP384(), "")).Verify(withAlg), verifier.ErrUnknownKey)
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.ES512, fxP521(), "")).Verify(ks), nil)
}

func TestECDSARefusesOtherKey(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxP256(), "")))
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.ES256, fxP256Other(), "")).Verify(ks), verifier.ErrSignature)
}
