package verifier_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strconv"
	"sync"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// TestVerifyKeySelection follows jwt_verify_lib: kid must match unless one
// side has none; alg must match unless the key has none; the key type must
// fit the alg family.
func TestVerifyKeySelection(t *testing.T) {
	tests := []struct {
		name     string
		keys     []string
		alg      verifier.Algorithm
		signer   any
		tokenKid string
		want     error
	}{
		{"kid match", []string{fxJWK(t, fxRSA(), `"kid":"a"`)}, verifier.RS256, fxRSA(), "a", nil},
		{"kid mismatch", []string{fxJWK(t, fxRSA(), `"kid":"a"`)}, verifier.RS256, fxRSA(), "b", verifier.ErrUnknownKey},
		{"token without kid tries keys with kid", []string{fxJWK(t, fxRSA(), `"kid":"a"`)}, verifier.RS256, fxRSA(), "", nil},
		{"key without kid matches any kid", []string{fxJWK(t, fxRSA(), ``)}, verifier.RS256, fxRSA(), "whatever", nil},
		{"kid is case-sensitive", []string{fxJWK(t, fxRSA(), `"kid":"A"`)}, verifier.RS256, fxRSA(), "a", verifier.ErrUnknownKey},
		{"key alg equal", []string{fxJWK(t, fxRSA(), `"alg":"RS384"`)}, verifier.RS384, fxRSA(), "", nil},
		{"key alg differs", []string{fxJWK(t, fxRSA(), `"alg":"RS384"`)}, verifier.RS256, fxRSA(), "", verifier.ErrUnknownKey},
		{"key alg RS256 refuses PS256", []string{fxJWK(t, fxRSA(), `"alg":"RS256"`)}, verifier.PS256, fxRSA(), "", verifier.ErrUnknownKey},
		{"key without alg fits RS and PS", []string{fxJWK(t, fxRSA(), ``)}, verifier.PS384, fxRSA(), "", nil},
		// A key of the wrong type is never used, but one whose kid and alg match counts as
		// matched (jwt_verify_lib's kid_alg_matched): "Jwt verification fails", not "Jwks
		// doesn't have key to match kid or alg from Jwt".
		{"type must fit: EC key for RS256", []string{fxJWK(t, fxP256(), ``)}, verifier.RS256, fxRSA(), "", verifier.ErrSignature},
		{"type must fit: oct key for ES256", []string{fxJWK(t, fxSecret32, ``)}, verifier.ES256, fxP256(), "", verifier.ErrSignature},
		{"type must fit: OKP key for HS256", []string{fxJWK(t, fxEd(), ``)}, verifier.HS256, fxSecret32, "", verifier.ErrSignature},
		{"type must fit: RSA key for HS256", []string{fxJWK(t, fxRSA(), `"kid":"a"`)}, verifier.HS256, fxSecret32, "a", verifier.ErrSignature},
		{"kid matches but type does not", []string{fxJWK(t, fxP256(), `"kid":"a"`)}, verifier.EdDSA, fxEd(), "a", verifier.ErrSignature},
		{"kid differs and type does not fit", []string{fxJWK(t, fxP256(), `"kid":"a"`)}, verifier.EdDSA, fxEd(), "b", verifier.ErrUnknownKey},
		{"alg differs and type does not fit", []string{fxJWK(t, fxP256(), `"alg":"ES256"`)}, verifier.HS256, fxSecret32, "", verifier.ErrUnknownKey},
		{"first candidate fails, second verifies", []string{fxJWK(t, fxRSAOther(), ``), fxJWK(t, fxRSA(), ``)}, verifier.RS256, fxRSA(), "", nil},
		{"kid selects the only candidate, which fails", []string{fxJWK(t, fxRSAOther(), `"kid":"a"`), fxJWK(t, fxRSA(), `"kid":"b"`)}, verifier.RS256, fxRSA(), "a", verifier.ErrSignature},
		{"same kid, two algs: the matching alg is used", []string{fxJWK(t, fxP256(), `"kid":"k","alg":"ES256"`), fxJWK(t, fxRSA(), `"kid":"k","alg":"RS256"`)}, verifier.RS256, fxRSA(), "k", nil},
		{"no keys fit", []string{fxJWK(t, fxSecret32, `"kid":"x"`)}, verifier.EdDSA, fxEd(), "", verifier.ErrSignature},
		{"no keys match", []string{fxJWK(t, fxSecret32, `"kid":"x","alg":"HS256"`)}, verifier.EdDSA, fxEd(), "", verifier.ErrUnknownKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks := fxKeySet(t, fxJWKS(tc.keys...))
			fxWantErr(t, fxParse(t, fxSimple(t, tc.alg, tc.signer, tc.tokenKid)).Verify(ks), tc.want)
		})
	}
}

// TestVerifyAttemptsAreBounded: a token without kid against many fitting keys
// costs at most MaxVerifyAttempts signature checks.
func TestVerifyAttemptsAreBounded(t *testing.T) {
	var others []string
	for i := 0; i < verifier.MaxVerifyAttempts; i++ {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		others = append(others, fxJWK(t, k, `"kid":"o`+strconv.Itoa(i)+`"`))
	}
	right := fxJWK(t, fxP256(), `"kid":"right"`)
	token := fxParse(t, fxSimple(t, verifier.ES256, fxP256(), ""))

	within := fxKeySet(t, fxJWKS(append(others[1:], right)...)) // right key is candidate 16
	fxWantErr(t, token.Verify(within), nil)

	beyond := fxKeySet(t, fxJWKS(append(others, right)...)) // right key is candidate 17
	fxWantErr(t, token.Verify(beyond), verifier.ErrSignature)

	// A kid still reaches its key however many keys precede it.
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.ES256, fxP256(), "right")).Verify(beyond), nil)
	// Keys that do not fit the alg do not count as attempts.
	var octs []string
	for i := 0; i < 40; i++ {
		octs = append(octs, fxJWK(t, fxSecret32, ""))
	}
	fxWantErr(t, token.Verify(fxKeySet(t, fxJWKS(append(octs, right)...))), nil)
}

func TestVerifyWithoutKeySet(t *testing.T) {
	tok := fxParse(t, fxSimple(t, verifier.HS256, fxSecret32, ""))
	fxWantErr(t, tok.Verify(nil), verifier.ErrUnknownKey)
	fxWantErr(t, tok.Verify(&verifier.KeySet{}), verifier.ErrUnknownKey)
}

func TestVerifySignatureChecksKeyAndAlg(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxRSA(), `"alg":"RS256"`), fxJWK(t, fxP256(), ``)))
	input := "a.b"
	sig := fxSign(t, verifier.RS256, fxRSA(), input)
	fxWantErr(t, verifier.VerifySignature(verifier.RS256, ks.Keys[0], input, sig), nil)
	fxWantErr(t, verifier.VerifySignature("none", ks.Keys[0], input, nil), verifier.ErrAlgorithm)
	fxWantErr(t, verifier.VerifySignature("XX1", ks.Keys[0], input, sig), verifier.ErrAlgorithm)
	fxWantErr(t, verifier.VerifySignature(verifier.RS256, nil, input, sig), verifier.ErrUnknownKey)
	fxWantErr(t, verifier.VerifySignature(verifier.RS512, ks.Keys[0], input, sig), verifier.ErrUnknownKey)
	fxWantErr(t, verifier.VerifySignature(verifier.RS256, ks.Keys[1], input, sig), verifier.ErrUnknownKey)
	fxWantErr(t, verifier.VerifySignature(verifier.HS256, ks.Keys[0], input, sig), verifier.ErrUnknownKey)
}

// TestVerifyConcurrentUse shares one KeySet between goroutines (run with
// -race).
func TestVerifyConcurrentUse(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxSecret32, ""), fxJWK(t, fxP256(), ""), fxJWK(t, fxEd(), "")))
	tokens := []string{
		fxSimple(t, verifier.HS256, fxSecret32, ""),
		fxSimple(t, verifier.ES256, fxP256(), ""),
		fxSimple(t, verifier.EdDSA, fxEd(), ""),
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(tokens))
	for g := 0; g < 8; g++ {
		for _, tk := range tokens {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tok, err := verifier.ParseUnverified(tk, verifier.Limits{})
				if err == nil {
					err = tok.Verify(ks)
				}
				if err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
