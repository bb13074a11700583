package verifier_test

import (
	"crypto/rand"
	"errors"
	"strconv"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

func TestHMACSignsAndVerifies(t *testing.T) {
	for _, alg := range []verifier.Algorithm{verifier.HS256, verifier.HS384, verifier.HS512} {
		t.Run(string(alg), func(t *testing.T) {
			secret := fxPrivate(alg).([]byte)
			ks := fxKeySet(t, fxJWKS(fxJWK(t, secret, `"alg":"`+string(alg)+`"`)))
			token := fxSimple(t, alg, secret, "")
			fxWantErr(t, fxParse(t, token).Verify(ks), nil)
			fxWantErr(t, fxParse(t, fxTamper(token)).Verify(ks), verifier.ErrSignature)
			fxWantErr(t, fxParse(t, fxFlipSignature(token)).Verify(ks), verifier.ErrSignature)
		})
	}
}

// TestHMACMatchesCryptoHMAC checks the hand-written HMAC against crypto/hmac
// (through fxSign) for secrets around and beyond each hash's block size, and
// for keys with and without alg (whose pads are prepared differently).
func TestHMACMatchesCryptoHMAC(t *testing.T) {
	for _, alg := range []verifier.Algorithm{verifier.HS256, verifier.HS384, verifier.HS512} {
		for _, n := range []int{64, 65, 127, 128, 129, 200, 1000} {
			for _, withAlg := range []bool{true, false} {
				t.Run(string(alg)+"/"+strconv.Itoa(n)+"/alg="+strconv.FormatBool(withAlg), func(t *testing.T) {
					secret := make([]byte, n)
					rand.Read(secret)
					extra := ""
					if withAlg {
						extra = `"alg":"` + string(alg) + `"`
					}
					ks := fxKeySet(t, fxJWKS(fxJWK(t, secret, extra)))
					input := "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0"
					sig := fxSign(t, alg, secret, input)
					fxWantErr(t, verifier.VerifySignature(alg, ks.Keys[0], input, sig), nil)
					sig[0] ^= 1
					fxWantErr(t, verifier.VerifySignature(alg, ks.Keys[0], input, sig), verifier.ErrSignature)
				})
			}
		}
	}
}

func TestHMACRefusesWrongSignatureLength(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxSecret64, "")))
	input := "a.b"
	full := fxSign(t, verifier.HS512, fxSecret64, input)
	for _, sig := range [][]byte{nil, full[:32], full[:63], append(full, 0)} {
		fxWantErr(t, verifier.VerifySignature(verifier.HS512, ks.Keys[0], input, sig), verifier.ErrSignature)
	}
}

// TestHMACWeakSecretWithoutAlgRefusedAtVerify: a 32-byte secret without alg
// verifies HS256 but is too short for HS384/HS512 (RFC 7518 §3.2), which
// only the token's alg reveals.
func TestHMACWeakSecretWithoutAlgRefusedAtVerify(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxSecret32, "")))
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.HS256, fxSecret32, "")).Verify(ks), nil)
	for _, alg := range []verifier.Algorithm{verifier.HS384, verifier.HS512} {
		err := fxParse(t, fxSimple(t, alg, fxSecret32, "")).Verify(ks)
		if !errors.Is(err, verifier.ErrWeakKey) || !errors.Is(err, verifier.ErrSignature) {
			t.Errorf("%s: %v, want ErrWeakKey and ErrSignature", alg, err)
		}
	}
}

func TestHMACWeakSecretWithAlgSkippedAtParse(t *testing.T) {
	ks, err := verifier.ParseJWKS([]byte(fxJWKS(
		fxJWK(t, fxSecret16, `"kid":"short","alg":"HS256"`),
		fxJWK(t, fxSecret32, `"kid":"short384","alg":"HS384"`),
		fxJWK(t, fxSecret32, `"kid":"ok","alg":"HS256"`),
	)), verifier.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ks.Keys) != 1 || ks.Keys[0].ID != "ok" || len(ks.Skipped) != 2 {
		t.Fatalf("keys %d skipped %+v", len(ks.Keys), ks.Skipped)
	}
	for _, s := range ks.Skipped {
		if !errors.Is(s.Reason, verifier.ErrWeakKey) {
			t.Errorf("%s: %v, want ErrWeakKey", s.KeyID, s.Reason)
		}
	}
}
