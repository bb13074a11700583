package verifier_test

// Published test vectors: RFC 7515 appendix A, RFC 7520 section 4 and RFC
// 8037 appendix A. The RFC tokens expired long ago (exp 1300819380) and
// several have payloads that are not JSON, so signatures are checked with
// Verify or VerifySignature and time separately.
//
// Identifiers of this file start with "rfc".

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// RFC 7515 appendix A.
const (
	rfc7515Payload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
	rfc7515Exp     = 1300819380

	rfcA1Token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." + rfc7515Payload + ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcA1JWK   = `{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}`

	rfcA2Token = "eyJhbGciOiJSUzI1NiJ9." + rfc7515Payload + "." +
		"cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7" +
		"AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4" +
		"BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K" +
		"0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv" +
		"hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB" +
		"p0igcN_IoypGlUPQGe77Rw"
	rfcA2JWK = `{"kty":"RSA","e":"AQAB","n":"` +
		"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx" +
		"HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs" +
		"D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH" +
		"SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV" +
		"MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8" +
		"NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ" + `"}`

	rfcA3Token = "eyJhbGciOiJFUzI1NiJ9." + rfc7515Payload + "." +
		"DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA" +
		"pmWQxfKTUJqPP3-Kg6NU1Q"
	rfcA3JWK = `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}`

	// A.4 signs the payload "Payload", which is not JSON.
	rfcA4Token = "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA." +
		"AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZq" +
		"wqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8Kp" +
		"EHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn"
	rfcA4JWK = `{"kty":"EC","crv":"P-521",` +
		`"x":"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk",` +
		`"y":"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2"}`

	rfcA5Token = "eyJhbGciOiJub25lIn0." + rfc7515Payload + "."
)

// RFC 7520 section 4 ("It's a dangerous business, Frodo..." payload, not JSON).
const (
	rfc7520Payload = "SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IHlvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBkb24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcmUgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4"

	rfc7520RSAJWK = `{"kty":"RSA","kid":"bilbo.baggins@hobbiton.example","use":"sig","e":"AQAB","n":"` +
		"n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqVwGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuCLqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5gHdrNP5zw" + `"}`
	rfc7520ECJWK = `{"kty":"EC","kid":"bilbo.baggins@hobbiton.example","use":"sig","crv":"P-521",` +
		`"x":"AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt",` +
		`"y":"AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVySsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1"}`
	rfc7520OctJWK = `{"kty":"oct","kid":"018c0ae5-4d9b-471b-bfd6-eef314bc7037","use":"sig","alg":"HS256","k":"hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg"}`

	rfc41Header = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9"
	rfc41Sig    = "MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmKZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4JIwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8wW1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluPxUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_fcIe8u9ipH84ogoree7vjbU5y18kDquDg"
	rfc42Header = "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9"
	rfc42Sig    = "cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2IpN6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXUvdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRXe8P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw"
	rfc43Header = "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZXhhbXBsZSJ9"
	rfc43Sig    = "AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvbu9Plon7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kvAD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2"
	rfc44Header = "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LWVlZjMxNGJjNzAzNyJ9"
	rfc44Sig    = "s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0"
	// 4.6: protected {"alg":"HS256"}, kid only in the unprotected header.
	rfc46Header = "eyJhbGciOiJIUzI1NiJ9"
	rfc46Sig    = "bWUSVaxorn7bEF1djytBd0kHv70Ly5pvbomzMWSOr20"
	// 4.7: no protected header at all; the signing input starts with ".".
	rfc47Sig = "xuLifqLGiblpv9zBpuZczWhNj1gARaLV3UxvxhJxZuk"
	// 4.8: three signatures (JSON serialization only); the RS256 one has
	// protected {"alg":"RS256"}, the ES512 one no protected header, the
	// HS256 one is 4.4's.
	rfc48RSHeader = "eyJhbGciOiJSUzI1NiJ9"
	rfc48RSSig    = "MIsjqtVlOpa71KE-Mss8_Nq2YH4FGhiocsqrgi5NvyG53uoimic1tcMdSg-qptrzZc7CG6Svw2Y13TDIqHzTUrL_lR2ZFcryNFiHkSw129EghGpwkpxaTn_THJTCglNbADko1MZBCdwzJxwqZc-1RlpO2HibUYyXSwO97BSe0_evZKdjvvKSgsIqjytKSeAMbhMBdMma622_BG5t4sdbuCHtFjp9iJmkio47AIwqkZV1aIZsv33uPUqBBCXbYoQJwt7mxPftHmNlGoOSMxR_3thmXTCm4US-xiNOyhbm8afKK64jU6_TPtQHiJeQJxz9G3Tx-083B745_AfYOnlC9w"
	rfc48ESSig    = "ARcVLnaJJaUWG8fG-8t5BREVAuTY8n8YHjwDO1muhcdCoFZFFjfISu0Cdkn9Ybdlmi54ho0x924DUz8sK7ZXkhc7AFM8ObLfTvNCrqcI3Jkl2U5IX3utNhODH6v7xgy1Qahsn0fyb4zSAkje8bAWz4vIfj5pCMYxxm4fgV3q7ZYhm5eD"
)

// RFC 8037 appendix A (Ed25519). RFC 7638's thumbprint example is in key_test.go.
const (
	rfc8037D          = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
	rfc8037X          = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	rfc8037JWK        = `{"kty":"OKP","crv":"Ed25519","x":"` + rfc8037X + `"}`
	rfc8037Thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
	rfc8037Token      = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc." +
		"hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
)

// rfcKey parses a single JWK and returns its one key.
func rfcKey(t *testing.T, jwk string) *verifier.Key {
	t.Helper()
	ks, err := verifier.ParseJWKS([]byte(jwk), verifier.KeyOptions{})
	if err != nil {
		t.Fatalf("ParseJWKS: %v", err)
	}
	if len(ks.Keys) != 1 {
		t.Fatalf("ParseJWKS kept %d keys, skipped %v", len(ks.Keys), ks.Skipped)
	}
	return ks.Keys[0]
}

// rfcSplit returns the signing input and the decoded signature of a token.
func rfcSplit(t *testing.T, token string) (string, []byte) {
	t.Helper()
	i := strings.LastIndexByte(token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(token[i+1:])
	if err != nil {
		t.Fatalf("signature base64: %v", err)
	}
	return token[:i], sig
}

// rfcFlip returns a copy of sig with one bit changed.
func rfcFlip(sig []byte) []byte {
	out := append([]byte(nil), sig...)
	out[len(out)/2] ^= 0x10
	return out
}

// TestRFC7515AppendixA checks A.1-A.3 end to end (Parse, Verify, claims,
// time), A.4 through VerifySignature (its payload is not JSON) and that the
// unsecured A.5 is refused. A.6/A.7 are JSON serializations, which a bearer
// token never is: their signatures are A.2's and A.3's.
func TestRFC7515AppendixA(t *testing.T) {
	for _, tc := range []struct {
		name, token, jwk string
		alg              verifier.Algorithm
	}{
		{"A.1 HS256", rfcA1Token, rfcA1JWK, verifier.HS256},
		{"A.2 RS256", rfcA2Token, rfcA2JWK, verifier.RS256},
		{"A.3 ES256", rfcA3Token, rfcA3JWK, verifier.ES256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := verifier.ParseJWKS([]byte(tc.jwk), verifier.KeyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := verifier.ParseUnverified(tc.token, verifier.Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tok.Alg != tc.alg || tok.Issuer != "joe" || tok.ExpiresAt != rfc7515Exp {
				t.Errorf("Parse: alg %s iss %q exp %d", tok.Alg, tok.Issuer, tok.ExpiresAt)
			}
			if !tok.Claims.Get(`http://example\.com/is_root`).Bool() {
				t.Errorf("claim http://example.com/is_root = %s, want true", tok.Claims.Get(`http://example\.com/is_root`).Raw)
			}
			if err := tok.Verify(ks); err != nil {
				t.Errorf("Verify: %v", err)
			}
			// The claims are judged apart from the signature: valid until exp
			// plus the skew, expired after.
			exp := time.Unix(rfc7515Exp, 0)
			if err := tok.ValidateTime(exp.Add(60*time.Second), 60*time.Second, true, 0); err != nil {
				t.Errorf("ValidateTime at exp+skew: %v", err)
			}
			if err := tok.ValidateTime(exp.Add(61*time.Second), 60*time.Second, true, 0); !errors.Is(err, verifier.ErrExpired) {
				t.Errorf("ValidateTime at exp+skew+1s: %v, want ErrExpired", err)
			}

			input, sig := rfcSplit(t, tc.token)
			if err := verifier.VerifySignature(tc.alg, rfcKey(t, tc.jwk), input, rfcFlip(sig)); !errors.Is(err, verifier.ErrSignature) {
				t.Errorf("VerifySignature(flipped): %v, want ErrSignature", err)
			}
		})
	}

	t.Run("A.4 ES512", func(t *testing.T) {
		input, sig := rfcSplit(t, rfcA4Token)
		key := rfcKey(t, rfcA4JWK)
		if err := verifier.VerifySignature(verifier.ES512, key, input, sig); err != nil {
			t.Errorf("VerifySignature: %v", err)
		}
		if err := verifier.VerifySignature(verifier.ES512, key, input, rfcFlip(sig)); !errors.Is(err, verifier.ErrSignature) {
			t.Errorf("VerifySignature(flipped): %v, want ErrSignature", err)
		}
		if _, err := verifier.ParseUnverified(rfcA4Token, verifier.Limits{}); !errors.Is(err, verifier.ErrPayloadJSON) {
			t.Errorf("Parse: %v, want ErrPayloadJSON (payload %q is not a JWT claim set)", err, "Payload")
		}
	})

	t.Run("A.5 unsecured", func(t *testing.T) {
		if _, err := verifier.ParseUnverified(rfcA5Token, verifier.Limits{}); err == nil {
			t.Fatal("Parse accepted an unsecured JWS")
		}
		// With a signature segment added it is still alg none.
		if _, err := verifier.ParseUnverified(rfcA5Token+"AAAA", verifier.Limits{}); !errors.Is(err, verifier.ErrAlgorithm) {
			t.Errorf("Parse(alg none, with signature): %v, want ErrAlgorithm", err)
		}
	})

	t.Run("A.7 flattened JSON serialization", func(t *testing.T) {
		flat := `{"payload":"` + rfc7515Payload + `","protected":"eyJhbGciOiJFUzI1NiJ9","signature":"DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"}`
		if _, err := verifier.ParseUnverified(flat, verifier.Limits{}); !errors.Is(err, verifier.ErrMalformed) {
			t.Errorf("Parse(JSON serialization): %v, want ErrMalformed", err)
		}
	})
}

// TestRFC7520Section4 checks every JWS example of the JOSE cookbook whose
// signature a compact-only verifier can express. The payload is prose, not a
// claim set, so Parse refuses each compact token (ErrPayloadJSON) and the
// signatures are checked with VerifySignature.
func TestRFC7520Section4(t *testing.T) {
	rsaKey, ecKey, octKey := rfcKey(t, rfc7520RSAJWK), rfcKey(t, rfc7520ECJWK), rfcKey(t, rfc7520OctJWK)
	for _, tc := range []struct {
		name  string
		alg   verifier.Algorithm
		key   *verifier.Key
		input string // the JWS signing input
		sig   string
	}{
		{"4.1 RS256", verifier.RS256, rsaKey, rfc41Header + "." + rfc7520Payload, rfc41Sig},
		{"4.2 PS384 (randomized, verify only)", verifier.PS384, rsaKey, rfc42Header + "." + rfc7520Payload, rfc42Sig},
		{"4.3 ES512 (randomized, verify only)", verifier.ES512, ecKey, rfc43Header + "." + rfc7520Payload, rfc43Sig},
		{"4.4 HS256", verifier.HS256, octKey, rfc44Header + "." + rfc7520Payload, rfc44Sig},
		{"4.5 detached content (signature over the reattached payload)", verifier.HS256, octKey, rfc44Header + "." + rfc7520Payload, rfc44Sig},
		{"4.6 protecting specific header fields", verifier.HS256, octKey, rfc46Header + "." + rfc7520Payload, rfc46Sig},
		{"4.7 protecting content only (empty protected header)", verifier.HS256, octKey, "." + rfc7520Payload, rfc47Sig},
		{"4.8 multiple signatures: RS256", verifier.RS256, rsaKey, rfc48RSHeader + "." + rfc7520Payload, rfc48RSSig},
		{"4.8 multiple signatures: ES512 (unprotected header)", verifier.ES512, ecKey, "." + rfc7520Payload, rfc48ESSig},
		{"4.8 multiple signatures: HS256", verifier.HS256, octKey, rfc44Header + "." + rfc7520Payload, rfc44Sig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sig, err := base64.RawURLEncoding.DecodeString(tc.sig)
			if err != nil {
				t.Fatal(err)
			}
			if err := verifier.VerifySignature(tc.alg, tc.key, tc.input, sig); err != nil {
				t.Errorf("VerifySignature: %v", err)
			}
			if err := verifier.VerifySignature(tc.alg, tc.key, tc.input, rfcFlip(sig)); !errors.Is(err, verifier.ErrSignature) {
				t.Errorf("VerifySignature(flipped): %v, want ErrSignature", err)
			}
			if err := verifier.VerifySignature(tc.alg, tc.key, tc.input+"x", sig); !errors.Is(err, verifier.ErrSignature) {
				t.Errorf("VerifySignature(other input): %v, want ErrSignature", err)
			}
		})
	}

	// The compact forms: refused by Parse, each for the reason a JWT
	// verifier must give.
	for _, tc := range []struct {
		name, token string
		want        error
	}{
		{"4.1 compact", rfc41Header + "." + rfc7520Payload + "." + rfc41Sig, verifier.ErrPayloadJSON},
		{"4.2 compact", rfc42Header + "." + rfc7520Payload + "." + rfc42Sig, verifier.ErrPayloadJSON},
		{"4.3 compact", rfc43Header + "." + rfc7520Payload + "." + rfc43Sig, verifier.ErrPayloadJSON},
		{"4.4 compact", rfc44Header + "." + rfc7520Payload + "." + rfc44Sig, verifier.ErrPayloadJSON},
		// Detached content is not supported: the empty payload segment is
		// a format error.
		{"4.5 detached compact", rfc44Header + ".." + rfc44Sig, verifier.ErrBadFormat},
		// Without a protected header there is no alg: not a compact JWS.
		{"4.7 without protected header", "." + rfc7520Payload + "." + rfc47Sig, verifier.ErrBadFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := verifier.ParseUnverified(tc.token, verifier.Limits{}); !errors.Is(err, tc.want) {
				t.Errorf("Parse: %v, want %v", err, tc.want)
			}
		})
	}

	t.Run("4.4 with the key set", func(t *testing.T) {
		// The kid of 4.4 names the oct key: a set holding all three keys
		// selects it (Verify needs a parsed token, so the payload is
		// replaced by a claim set and re-signed by the RFC's own key).
		ks, err := verifier.ParseJWKS([]byte(`{"keys":[`+rfc7520RSAJWK+`,`+rfc7520ECJWK+`,`+rfc7520OctJWK+`]}`), verifier.KeyOptions{})
		if err != nil || len(ks.Keys) != 3 {
			t.Fatalf("ParseJWKS: %v (%d keys)", err, len(ks.Keys))
		}
		secret, _ := base64.RawURLEncoding.DecodeString("hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg")
		payload := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"hobbiton"}`))
		input := rfc44Header + "." + payload
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(input))
		token := input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		tok, err := verifier.ParseUnverified(token, verifier.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if tok.KeyID != "018c0ae5-4d9b-471b-bfd6-eef314bc7037" {
			t.Errorf("kid %q", tok.KeyID)
		}
		if err := tok.Verify(ks); err != nil {
			t.Errorf("Verify: %v", err)
		}
	})
}

// TestRFC8037AppendixA checks the Ed25519 example: A.2's public key and A.3's
// thumbprint, A.4's signature (Ed25519 is deterministic, so signing with A.1's
// private key must reproduce it byte for byte) and A.5's validation.
func TestRFC8037AppendixA(t *testing.T) {
	key := rfcKey(t, rfc8037JWK)
	if key.Type != "OKP" || key.Thumbprint != rfc8037Thumbprint {
		t.Errorf("key type %q thumbprint %q, want OKP %q (A.3)", key.Type, key.Thumbprint, rfc8037Thumbprint)
	}
	input, sig := rfcSplit(t, rfc8037Token)

	t.Run("A.4 signing", func(t *testing.T) {
		seed, err := base64.RawURLEncoding.DecodeString(rfc8037D)
		if err != nil {
			t.Fatal(err)
		}
		priv := ed25519.NewKeyFromSeed(seed)
		if got := priv.Public().(ed25519.PublicKey); base64.RawURLEncoding.EncodeToString(got) != rfc8037X {
			t.Fatalf("A.1 d does not give A.2 x")
		}
		if got := ed25519.Sign(priv, []byte(input)); string(got) != string(sig) {
			t.Errorf("signing A.4's input does not reproduce its signature")
		}
	})

	t.Run("A.5 validation", func(t *testing.T) {
		if err := verifier.VerifySignature(verifier.EdDSA, key, input, sig); err != nil {
			t.Errorf("VerifySignature: %v", err)
		}
		if err := verifier.VerifySignature(verifier.EdDSA, key, input, rfcFlip(sig)); !errors.Is(err, verifier.ErrSignature) {
			t.Errorf("VerifySignature(flipped): %v, want ErrSignature", err)
		}
		if err := verifier.VerifySignature(verifier.EdDSA, key, input, sig[:63]); !errors.Is(err, verifier.ErrEd25519SignatureLength) {
			t.Errorf("VerifySignature(63 bytes): %v, want ErrEd25519SignatureLength", err)
		}
		// The payload "Example of Ed25519 signing" is not a claim set.
		if _, err := verifier.ParseUnverified(rfc8037Token, verifier.Limits{}); !errors.Is(err, verifier.ErrPayloadJSON) {
			t.Errorf("Parse: %v, want ErrPayloadJSON", err)
		}
	})
}
