package verifier_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

func TestRSASignsAndVerifies(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxRSA(), `"kid":"r"`)))
	for _, alg := range []verifier.Algorithm{verifier.RS256, verifier.RS384, verifier.RS512} {
		t.Run(string(alg), func(t *testing.T) {
			token := fxSimple(t, alg, fxRSA(), "r")
			fxWantErr(t, fxParse(t, token).Verify(ks), nil)
			fxWantErr(t, fxParse(t, fxTamper(token)).Verify(ks), verifier.ErrSignature)
			fxWantErr(t, fxParse(t, fxFlipSignature(token)).Verify(ks), verifier.ErrSignature)
		})
	}
}

func TestRSARefusesOtherKeyAndOtherHash(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxRSA(), "")))
	// Signed by another key.
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.RS256, fxRSAOther(), "")).Verify(ks), verifier.ErrSignature)
	// Signed with SHA-512 but labelled RS256.
	token := fxSimple(t, verifier.RS256, fxRSA(), "")
	input := token[:strings.LastIndexByte(token, '.')]
	sig := fxSign(t, verifier.RS512, fxRSA(), input)
	fxWantErr(t, fxParse(t, fxResign(token, sig)).Verify(ks), verifier.ErrSignature)
}

func TestRSARefusesSignatureOfWrongLength(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxRSA(), "")))
	input := "a.b"
	sig := fxSign(t, verifier.RS256, fxRSA(), input)
	for _, s := range [][]byte{sig[:255], append([]byte{0}, sig...), sig[:1]} {
		fxWantErr(t, verifier.VerifySignature(verifier.RS256, ks.Keys[0], input, s), verifier.ErrSignature)
	}
}

// TestRSAPKCS1SignatureIsNotPSS: the padding is part of the algorithm.
func TestRSAPKCS1SignatureIsNotPSS(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxRSA(), "")))
	input := "a.b"
	d := fxDigest(crypto.SHA256, []byte(input))
	pkcs1, err := rsa.SignPKCS1v15(rand.Reader, fxRSA(), crypto.SHA256, d)
	if err != nil {
		t.Fatal(err)
	}
	fxWantErr(t, verifier.VerifySignature(verifier.RS256, ks.Keys[0], input, pkcs1), nil)
	fxWantErr(t, verifier.VerifySignature(verifier.PS256, ks.Keys[0], input, pkcs1), verifier.ErrSignature)
}
