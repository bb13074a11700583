package verifier_test

// Named attacks, each refused. A token built for an attack is validly signed
// wherever that matters, so that the refusal comes from the rule under test
// and not from a bad signature.

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

func TestAttackAlgNoneInAnyCase(t *testing.T) {
	for _, alg := range []string{"none", "None", "NONE", "nOnE", "NoNe"} {
		t.Run(alg, func(t *testing.T) {
			body := fxB64s(`{"alg":"`+alg+`","typ":"JWT"}`) + "." + fxB64s(fxDefaultPayload)
			// The classic form has an empty signature.
			_, err := verifier.ParseUnverified(body+".", verifier.Limits{})
			fxWantErr(t, err, verifier.ErrBadFormat)
			// With any signature the alg itself is refused, by name.
			tok, err := verifier.ParseUnverified(body+".c2ln", verifier.Limits{})
			fxWantErr(t, err, verifier.ErrAlgorithm)
			if tok != nil || !strings.Contains(err.Error(), "none") {
				t.Fatalf("tok %v, err %v", tok, err)
			}
		})
	}
}

// TestAttackAlgorithmConfusionHS256WithPublicKey: the attacker signs HS256
// with the issuer's public key (as PEM, DER, JWK JSON or raw modulus) as the
// HMAC secret, hoping the verifier feeds that key to HMAC.
func TestAttackAlgorithmConfusionHS256WithPublicKey(t *testing.T) {
	rsaDER, _ := x509.MarshalPKIXPublicKey(&fxRSA().PublicKey)
	ecDER, _ := x509.MarshalPKIXPublicKey(&fxP256().PublicKey)
	rsaJWK := fxJWK(t, fxRSA(), `"kid":"rsa"`)
	ecJWK := fxJWK(t, fxP256(), `"kid":"ec"`)
	edJWK := fxJWK(t, fxEd(), `"kid":"ed"`)
	for _, withAlg := range []bool{false, true} {
		keys := []string{rsaJWK, ecJWK, edJWK}
		if withAlg {
			keys = []string{
				fxJWK(t, fxRSA(), `"kid":"rsa","alg":"RS256"`),
				fxJWK(t, fxP256(), `"kid":"ec","alg":"ES256"`),
				fxJWK(t, fxEd(), `"kid":"ed","alg":"EdDSA"`),
			}
		}
		ks := fxKeySet(t, fxJWKS(keys...))
		secrets := map[string][]byte{
			"RSA PEM":      pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: rsaDER}),
			"RSA DER":      rsaDER,
			"RSA JWK":      []byte(rsaJWK),
			"RSA modulus":  fxRSA().N.Bytes(),
			"EC PEM":       pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}),
			"EC JWK":       []byte(ecJWK),
			"Ed25519 raw":  []byte(fxEd().Public().(ed25519.PublicKey)),
			"Ed25519 JWK":  []byte(edJWK),
			"EC DER":       ecDER,
			"RSA exponent": big.NewInt(int64(fxRSA().E)).Bytes(),
		}
		for name, secret := range secrets {
			for _, kid := range []string{"", "rsa", "ec", "ed"} {
				for _, alg := range []verifier.Algorithm{verifier.HS256, verifier.HS384, verifier.HS512} {
					// Refused either way; the error is jwt_verify_lib's: keys without alg
					// match kid and alg ("Jwt verification fails"), keys with one do not.
					want := verifier.ErrSignature
					if withAlg {
						want = verifier.ErrUnknownKey
					}
					err := fxParse(t, fxSimple(t, alg, secret, kid)).Verify(ks)
					if !errors.Is(err, want) {
						t.Errorf("%s as %s secret, kid %q, key alg %v: %v", name, alg, kid, withAlg, err)
					}
				}
			}
		}
	}
}

// TestAttackKeyAlgDisagreesWithTokenAlg: a key published for one algorithm
// is never used for another, even of the same family and key type.
func TestAttackKeyAlgDisagreesWithTokenAlg(t *testing.T) {
	tests := []struct {
		keyAlg, tokenAlg verifier.Algorithm
		signer           any
	}{
		{verifier.RS256, verifier.PS256, fxRSA()},
		{verifier.PS256, verifier.RS256, fxRSA()},
		{verifier.RS256, verifier.RS512, fxRSA()},
		{verifier.HS512, verifier.HS256, fxSecret64},
		{verifier.HS256, verifier.HS512, fxSecret64},
	}
	for _, tc := range tests {
		t.Run(string(tc.keyAlg)+"-key/"+string(tc.tokenAlg)+"-token", func(t *testing.T) {
			ks := fxKeySet(t, fxJWKS(fxJWK(t, tc.signer, `"kid":"k","alg":"`+string(tc.keyAlg)+`"`)))
			fxWantErr(t, fxParse(t, fxSimple(t, tc.tokenAlg, tc.signer, "k")).Verify(ks), verifier.ErrUnknownKey)
			fxWantErr(t, fxParse(t, fxSimple(t, tc.keyAlg, tc.signer, "k")).Verify(ks), nil)
		})
	}
}

// TestAttackPsychicECDSASignatures: r or s zero or >= N (CVE-2022-21449).
func TestAttackPsychicECDSASignatures(t *testing.T) {
	for _, alg := range []verifier.Algorithm{verifier.ES256, verifier.ES384, verifier.ES512} {
		t.Run(string(alg), func(t *testing.T) {
			key := fxPrivate(alg)
			ks := fxKeySet(t, fxJWKS(fxJWK(t, key, "")))
			token := fxSimple(t, alg, key, "")
			valid := fxParse(t, token)
			fxWantErr(t, valid.Verify(ks), nil)

			curve := fxP256().Curve
			switch alg {
			case verifier.ES384:
				curve = fxP384().Curve
			case verifier.ES512:
				curve = fxP521().Curve
			}
			n := curve.Params().N
			one, zero := big.NewInt(1), big.NewInt(0)
			nPlus1 := new(big.Int).Add(n, one)
			size := (curve.Params().BitSize + 7) / 8
			max := new(big.Int).Sub(new(big.Int).Lsh(one, uint(8*size)), one) // all 0xff
			sig, _ := base64.RawURLEncoding.DecodeString(token[strings.LastIndexByte(token, '.')+1:])
			r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
			cases := map[string][2]*big.Int{
				"r=0 s=0":     {zero, zero},
				"r=0":         {zero, s},
				"s=0":         {r, zero},
				"r=N s=N":     {n, n},
				"r=N":         {n, s},
				"s=N":         {r, n},
				"r=r+N":       {new(big.Int).Add(r, n), s},
				"r=N+1 s=1":   {nPlus1, one},
				"all ones":    {max, max},
				"r=1 s=1":     {one, one},
				"s=s+N (mod)": {r, new(big.Int).Add(s, n)},
			}
			for name, rs := range cases {
				if rs[0].BitLen() > 8*size || rs[1].BitLen() > 8*size {
					continue // not representable at this size: the length check covers it
				}
				forged := fxResign(token, fxRawRS(curve, rs[0], rs[1]))
				if err := fxParse(t, forged).Verify(ks); !errors.Is(err, verifier.ErrSignature) {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
	}
}

// TestAttackEmbeddedKeysInHeaderIgnored: jwk, jku, x5u and x5c in the header
// carry the attacker's key; only the configured key set counts.
func TestAttackEmbeddedKeysInHeaderIgnored(t *testing.T) {
	attacker := fxP256Other()
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxP256(), `"kid":"legit"`)))
	cert := base64.StdEncoding.EncodeToString(fxCert(t, attacker))
	headers := map[string]string{
		"jwk":              `{"alg":"ES256","jwk":` + fxJWK(t, attacker, "") + `}`,
		"jwk with kid":     `{"alg":"ES256","kid":"legit","jwk":` + fxJWK(t, attacker, `"kid":"legit"`) + `}`,
		"jku":              `{"alg":"ES256","jku":"https://attacker.example/jwks.json"}`,
		"x5u":              `{"alg":"ES256","x5u":"https://attacker.example/cert.pem"}`,
		"x5c":              `{"alg":"ES256","x5c":["` + cert + `"]}`,
		"all with kid":     `{"alg":"ES256","kid":"legit","jku":"https://attacker.example/j","x5u":"https://attacker.example/x","x5c":["` + cert + `"],"jwk":` + fxJWK(t, attacker, "") + `}`,
		"attacker kid jwk": `{"alg":"ES256","kid":"attacker","jwk":` + fxJWK(t, attacker, `"kid":"attacker"`) + `}`,
	}
	for name, h := range headers {
		t.Run(name, func(t *testing.T) {
			err := fxParse(t, fxToken(t, verifier.ES256, attacker, h, fxDefaultPayload)).Verify(ks)
			if err == nil {
				t.Fatal("attacker-signed token verified")
			}
			if !errors.Is(err, verifier.ErrSignature) && !errors.Is(err, verifier.ErrUnknownKey) {
				t.Fatalf("unexpected error %v", err)
			}
			// The same header signed by the legitimate key still verifies:
			// the members are ignored, not refused.
			if !strings.Contains(h, `"kid":"attacker"`) {
				fxWantErr(t, fxParse(t, fxToken(t, verifier.ES256, fxP256(), h, fxDefaultPayload)).Verify(ks), nil)
			}
		})
	}
}

func TestAttackUnknownCritRefused(t *testing.T) {
	for _, h := range []string{
		`{"alg":"HS256","crit":["exp"],"exp":1}`,
		`{"alg":"HS256","crit":["http://example.invalid/UNDEFINED"],"http://example.invalid/UNDEFINED":true}`,
		`{"alg":"HS256","crit":"b64"}`,
	} {
		_, err := verifier.ParseUnverified(fxToken(t, verifier.HS256, fxSecret32, h, fxDefaultPayload), verifier.Limits{})
		fxWantErr(t, err, verifier.ErrUnsupportedHeader)
	}
}

// TestAttackUnencodedPayloadRefused: RFC 7797 b64:false changes what is
// signed; a verifier that ignores it checks the wrong bytes.
func TestAttackUnencodedPayloadRefused(t *testing.T) {
	for _, h := range []string{`{"alg":"HS256","b64":false,"crit":["b64"]}`, `{"alg":"HS256","b64":false}`} {
		_, err := verifier.ParseUnverified(fxToken(t, verifier.HS256, fxSecret32, h, fxDefaultPayload), verifier.Limits{})
		fxWantErr(t, err, verifier.ErrUnsupportedHeader)
	}
}

func TestAttackHugeRSAExponentAndModulus(t *testing.T) {
	n := make([]byte, 64*1024) // a 512 kbit "modulus"
	for i := range n {
		n[i] = 0xff
	}
	hugeE := make([]byte, 4096)
	hugeE[0], hugeE[4095] = 1, 1
	jwks := fxJWKS(
		`{"kty":"RSA","kid":"n","n":"`+fxB64(n)+`","e":"AQAB"}`,
		`{"kty":"RSA","kid":"e","n":"`+fxB64(fxRSA().N.Bytes())+`","e":"`+fxB64(hugeE)+`"}`,
	)
	ks, err := verifier.ParseJWKS([]byte(jwks), verifier.KeyOptions{})
	fxWantErr(t, err, verifier.ErrNoValidKeys)
	if ks == nil || len(ks.Skipped) != 2 {
		t.Fatalf("set %+v", ks)
	}
	for _, s := range ks.Skipped {
		if !errors.Is(s.Reason, verifier.ErrKey) {
			t.Errorf("%s: %v", s.KeyID, s.Reason)
		}
	}
}

// TestAttackNonCanonicalBase64: the same bytes spelled differently (unused
// low bits set) are refused in every segment, so that a token has exactly
// one encoding (no signature malleability, no cache-key aliasing).
func TestAttackNonCanonicalBase64(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxSecret32, "")))
	// Header and payload lengths chosen so that each segment has unused bits.
	token := fxToken(t, verifier.HS256, fxSecret32, `{"alg":"HS256","x":12}`, `{"sub":"abc"}`)
	fxWantErr(t, fxParse(t, token).Verify(ks), nil)
	parts := strings.Split(token, ".")
	bump := func(s string) string {
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		last := strings.IndexByte(alphabet, s[len(s)-1])
		return s[:len(s)-1] + string(alphabet[last+1])
	}
	for i, want := range []error{verifier.ErrHeaderBase64, verifier.ErrPayloadBase64, verifier.ErrSignatureBase64} {
		if len(parts[i])%4 == 0 {
			t.Fatalf("segment %d has no unused bits", i)
		}
		p := append([]string{}, parts...)
		p[i] = bump(p[i])
		a, _ := base64.RawURLEncoding.DecodeString(parts[i])
		b, _ := base64.RawURLEncoding.DecodeString(p[i]) // lenient: same bytes
		if string(a) != string(b) {
			t.Fatalf("segment %d: fixture does not alias", i)
		}
		_, err := verifier.ParseUnverified(strings.Join(p, "."), verifier.Limits{})
		fxWantErr(t, err, want)
	}
}

func TestAttackPaddedBase64(t *testing.T) {
	token := fxToken(t, verifier.HS256, fxSecret32, `{"alg":"HS256","x":12}`, `{"sub":"abc"}`)
	parts := strings.Split(token, ".")
	for i, want := range []error{verifier.ErrHeaderBase64, verifier.ErrPayloadBase64, verifier.ErrSignatureBase64} {
		p := append([]string{}, parts...)
		p[i] += strings.Repeat("=", (4-len(p[i])%4)%4)
		_, err := verifier.ParseUnverified(strings.Join(p, "."), verifier.Limits{})
		fxWantErr(t, err, want)
	}
}

func TestAttackTrailingDataAndExtraSegments(t *testing.T) {
	token := fxSimple(t, verifier.HS256, fxSecret32, "")
	tests := map[string]string{
		"fourth segment":     token + ".c2ln",
		"trailing dot":       token + ".",
		"JWE-like":           token + ".AAAA.AAAA",
		"trailing space":     token + " ",
		"trailing newline":   token + "\n",
		"leading space":      " " + token,
		"bearer prefix":      "Bearer " + token,
		"two tokens":         token + "," + token,
		"signature stripped": token[:strings.LastIndexByte(token, '.')+1],
		"signature removed":  token[:strings.LastIndexByte(token, '.')],
	}
	for name, tk := range tests {
		t.Run(name, func(t *testing.T) {
			tok, err := verifier.ParseUnverified(tk, verifier.Limits{})
			if err == nil || !errors.Is(err, verifier.ErrMalformed) {
				t.Fatalf("tok %v, err %v", tok, err)
			}
		})
	}
}

// TestAttackNumericDatesNaNHugeNegativeFloat: validly signed tokens whose exp
// could be read as "never expires" or "far future" by a lax parser.
func TestAttackNumericDatesNaNHugeNegativeFloat(t *testing.T) {
	tests := []struct {
		exp  string
		want error
	}{
		{`NaN`, verifier.ErrPayloadJSON},
		{`Infinity`, verifier.ErrPayloadJSON},
		{`-Infinity`, verifier.ErrPayloadJSON},
		{`1e400`, verifier.ErrExpType},
		{`1e18`, nil}, // a NumericDate may be non-integer; truncated as jwt_verify_lib does
		{`1e19`, verifier.ErrClaimRange},
		{`99999999999999999999999`, verifier.ErrClaimRange},
		{`-1`, verifier.ErrClaimRange},
		{`-9223372036854775808`, verifier.ErrClaimRange},
		{`1.5`, nil},
		{`1700000000.999`, nil},
		{`"1700000000"`, verifier.ErrExpType},
		{`null`, verifier.ErrExpType},
		{`0x10`, verifier.ErrPayloadJSON},
		{`+1`, verifier.ErrPayloadJSON},
	}
	for _, tc := range tests {
		t.Run(tc.exp, func(t *testing.T) {
			token := fxToken(t, verifier.HS256, fxSecret32, `{"alg":"HS256"}`, `{"sub":"a","exp":`+tc.exp+`}`)
			_, err := verifier.ParseUnverified(token, verifier.Limits{})
			fxWantErr(t, err, tc.want)
		})
	}
}

func TestAttackNestedTokenRefused(t *testing.T) {
	inner := fxSimple(t, verifier.HS256, fxSecret32, "")
	for _, cty := range []string{"JWT", "jwt", "application/jwt"} {
		token := fxToken(t, verifier.HS256, fxSecret32, `{"alg":"HS256","cty":"`+cty+`"}`, `{"token":"`+inner+`"}`)
		_, err := verifier.ParseUnverified(token, verifier.Limits{})
		fxWantErr(t, err, verifier.ErrUnsupportedHeader)
	}
}

// TestAttackDuplicateMembers: {"alg":"HS256","alg":"none"} or two subs mean
// different things to different JSON parsers.
func TestAttackDuplicateMembers(t *testing.T) {
	tests := []struct {
		name, header, payload string
		want                  error
	}{
		{"alg twice", `{"alg":"HS256","alg":"none"}`, fxDefaultPayload, verifier.ErrHeaderJSON},
		{"kid twice", `{"alg":"HS256","kid":"a","kid":"b"}`, fxDefaultPayload, verifier.ErrHeaderJSON},
		{"escaped duplicate", `{"alg":"HS256","\u0061lg":"HS256"}`, fxDefaultPayload, verifier.ErrHeaderJSON},
		{"sub twice", `{"alg":"HS256"}`, `{"sub":"admin","sub":"alice"}`, verifier.ErrPayloadJSON},
		{"exp twice", `{"alg":"HS256"}`, `{"exp":1,"exp":9999999999}`, verifier.ErrPayloadJSON},
		{"custom claim twice", `{"alg":"HS256"}`, `{"role":"user","role":"admin"}`, verifier.ErrPayloadJSON},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := verifier.ParseUnverified(fxToken(t, verifier.HS256, fxSecret32, tc.header, tc.payload), verifier.Limits{})
			fxWantErr(t, err, tc.want)
		})
	}
}

// TestAttackKidIsNeverAPath: kid is only compared with key IDs.
func TestAttackKidIsNeverAPath(t *testing.T) {
	ks := fxKeySet(t, fxJWKS(fxJWK(t, fxSecret32, `"kid":"k1"`)))
	for _, kid := range []string{"../../../../etc/passwd", "/dev/zero", "file:///etc/hosts", "https://attacker.example/key", "k1/../k1", "k1\u0000", "' OR '1'='1"} {
		h := `{"alg":"HS256","kid":` + strings.ReplaceAll(`"`+kid+`"`, "\u0000", `\u0000`) + `}`
		err := fxParse(t, fxToken(t, verifier.HS256, fxSecret32, h, fxDefaultPayload)).Verify(ks)
		fxWantErr(t, err, verifier.ErrUnknownKey)
	}
}

// TestAttackTamperingDetectedForEveryAlgorithm signs with every algorithm
// and checks that changing any segment, or moving a signature to another
// token, is refused.
func TestAttackTamperingDetectedForEveryAlgorithm(t *testing.T) {
	var jwks []string
	for _, alg := range fxAllAlgs {
		jwks = append(jwks, fxJWK(t, fxPrivate(alg), `"kid":"`+string(alg)+`","alg":"`+string(alg)+`"`))
	}
	ks := fxKeySet(t, fxJWKS(jwks...))
	for _, alg := range fxAllAlgs {
		t.Run(string(alg), func(t *testing.T) {
			key := fxPrivate(alg)
			token := fxSimple(t, alg, key, string(alg))
			fxWantErr(t, fxParse(t, token).Verify(ks), nil)
			parts := strings.Split(token, ".")
			otherHeader := fxB64s(`{"alg":"` + string(alg) + `","kid":"` + string(alg) + `","typ":"JWT"}`)
			other := fxToken(t, alg, key, `{"alg":"`+string(alg)+`","kid":"`+string(alg)+`"}`, `{"sub":"bob"}`)
			for name, forged := range map[string]string{
				"payload changed":      fxTamper(token),
				"header changed":       otherHeader + "." + parts[1] + "." + parts[2],
				"signature flipped":    fxFlipSignature(token),
				"signature moved":      fxResign(other, fxMustDecode(t, parts[2])),
				"payload of other":     parts[0] + "." + strings.Split(other, ".")[1] + "." + parts[2],
				"signature truncated":  fxResign(token, fxMustDecode(t, parts[2])[1:]),
				"signature zero bytes": fxResign(token, make([]byte, len(fxMustDecode(t, parts[2])))),
			} {
				if err := fxParse(t, forged).Verify(ks); !errors.Is(err, verifier.ErrSignature) {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
	}
}

func fxMustDecode(t testing.TB, s string) []byte {
	t.Helper()
	b, ok := fxDecode(s)
	if !ok {
		t.Fatalf("bad base64url %q", s)
	}
	return b
}

func TestAttackOversizedTokenRefusedBeforeDecoding(t *testing.T) {
	token := fxToken(t, verifier.HS256, fxSecret32, `{"alg":"HS256"}`, `{"pad":"`+strings.Repeat("A", 10000)+`"}`)
	_, err := verifier.ParseUnverified(token, verifier.Limits{})
	fxWantErr(t, err, verifier.ErrTooLarge)
	// Deep nesting within the size limits is invalid JSON past MaxJSONDepth, not a crash.
	deep := strings.Repeat("[", 3000) + strings.Repeat("]", 3000)
	_, err = verifier.ParseUnverified(fxToken(t, verifier.HS256, fxSecret32, `{"alg":"HS256"}`, `{"x":`+deep+`}`), verifier.Limits{})
	fxWantErr(t, err, verifier.ErrPayloadJSON)
}
