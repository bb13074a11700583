package verifier_test

import (
	"testing"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

func TestParseHeaderJWK(t *testing.T) {
	for _, alg := range []verifier.Algorithm{verifier.RS256, verifier.PS256, verifier.ES256, verifier.ES384, verifier.EdDSA} {
		key := fxPrivate(alg)
		k, err := verifier.ParseHeaderJWK(gjson.Parse(fxJWK(t, key, "")))
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		tok := fxParse(t, fxSimple(t, alg, key, ""))
		fxWantErr(t, tok.VerifyWithKey(k), nil)
		// Another key of the same type: a wrong signature.
		other := fxP256Other()
		if alg == verifier.ES256 {
			ok, _ := verifier.ParseHeaderJWK(gjson.Parse(fxJWK(t, other, "")))
			fxWantErr(t, tok.VerifyWithKey(ok), verifier.ErrSignature)
		}
	}
	// A key that does not fit the alg: ErrUnknownKey, never a signature attempt.
	ec, _ := verifier.ParseHeaderJWK(gjson.Parse(fxJWK(t, fxP256(), "")))
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.RS256, fxRSA(), "")).VerifyWithKey(ec), verifier.ErrUnknownKey)
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.ES384, fxP384(), "")).VerifyWithKey(ec), verifier.ErrUnknownKey)
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.ES256, fxP256(), "")).VerifyWithKey(nil), verifier.ErrUnknownKey)
	withAlg, _ := verifier.ParseHeaderJWK(gjson.Parse(fxJWK(t, fxRSA(), `"alg":"PS256"`)))
	fxWantErr(t, fxParse(t, fxSimple(t, verifier.RS256, fxRSA(), "")).VerifyWithKey(withAlg), verifier.ErrUnknownKey)

	for name, jwk := range map[string]string{
		"EC private d":       fxJWK(t, fxP256(), `"d":"AAAA"`),
		"RSA private p":      fxJWK(t, fxRSA(), `"p":"AAAA"`),
		"RSA private oth":    fxJWK(t, fxRSA(), `"oth":[]`),
		"OKP private d":      fxJWK(t, fxEd(), `"d":"AAAA"`),
		"escaped d":          fxJWK(t, fxP256(), `"\u0064":"AAAA"`),
		"oct":                fxJWK(t, fxSecret32, ""),
		"not an object":      `"x"`,
		"absent":             ``,
		"weak RSA":           fxJWK(t, fxRSA1024(), ""),
		"encryption key":     fxJWK(t, fxP256(), `"use":"enc"`),
		"duplicate member":   fxJWK(t, fxP256(), `"kty":"EC"`),
		"alg that misfits":   fxJWK(t, fxP256(), `"alg":"RS256"`),
		"unsupported curve":  `{"kty":"OKP","crv":"Ed448","x":"AAAA"}`,
		"missing coordinate": `{"kty":"EC","crv":"P-256","x":"AAAA"}`,
	} {
		if _, err := verifier.ParseHeaderJWK(gjson.Parse(jwk)); err == nil {
			t.Errorf("%s: accepted", name)
		} else {
			fxWantErr(t, err, verifier.ErrKey)
		}
	}
}
