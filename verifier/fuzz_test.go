package verifier_test

// Fuzz targets. Run one with
//
//	go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 20s ./verifier/
//
// Without -fuzz, `go test` runs each target over its seed corpus. Every
// target asserts that nothing panics and checks invariants that must hold for
// any input; FuzzVerify re-checks every signature this package accepts with
// the standard library, so that "Verify returned nil" always means "a
// published key signed this".
//
// Identifiers of this file start with "fz".

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier/internal/difftest"
)

// fzParseErrors are the sentinels a Parse error must wrap (one of them).
var fzParseErrors = []error{
	verifier.ErrMalformed, verifier.ErrAlgMissing, verifier.ErrAlgorithm,
	verifier.ErrKidType, verifier.ErrUnsupportedHeader,
}

// fzSeedTokens are generated cases of every kind (valid and mutated) plus
// hand-written hostile tokens.
func fzSeedTokens(tb testing.TB) []string {
	f := diffSetup(tb)
	var out []string
	g := difftest.NewGenerator(7, f.ring)
	for _, kind := range difftest.Kinds() {
		c, err := g.Example(kind)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, c.Token)
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	body := enc(`{"iss":"a","exp":1800000000}`)
	for _, h := range []string{
		`{"alg":"none"}`, `{"alg":"HS256","crit":["b64"],"b64":false}`, `{"alg":"RS256","jwk":{"kty":"oct","k":"AAAA"}}`,
		`{"alg":"RS256","jku":"https://evil.example/jwks"}`, `{"alg":"HS256","alg":"RS256"}`, `{"alg":"\u0048S256"}`,
		`{"alg":"ES256","kid":"../../../../etc/passwd"}`, `{"alg":"RS256","kid":null}`, `{"alg":"EdDSA","cty":"JWT"}`,
		`{"alg":"ES256","x5c":["MIIB"]}`, `{"alg":["RS256"]}`, `{}`, `[]`, `{"alg":"HS256","` + strings.Repeat("a", 2000) + `":1}`,
		strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100),
	} {
		out = append(out, enc(h)+"."+body+".c2ln")
	}
	out = append(out, "", ".", "..", "...", "a.b.c", "a.b.c.d.e", strings.Repeat("A", 9000)+".e30.AA", "e30.e30.", "\x00.\x00.\x00")
	return out
}

// FuzzParse: ParseUnverified never panics, fails only with a known sentinel, and
// everything it accepts is a well-formed compact JWS whose typed fields agree
// with its JSON.
func FuzzParse(f *testing.F) {
	for _, s := range fzSeedTokens(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		tok, err := verifier.ParseUnverified(token, verifier.Limits{})
		if err != nil {
			fzCheckParseError(t, tok, err)
			return
		}
		fzCheckParsed(t, token, tok)
		// Tighter limits may refuse, but only for size.
		if _, err := verifier.ParseUnverified(token, verifier.Limits{MaxTokenBytes: 100, MaxHeaderBytes: 20, MaxPayloadBytes: 20}); err != nil && !errors.Is(err, verifier.ErrTooLarge) {
			t.Fatalf("a token accepted with default limits is refused with small ones for another reason: %v", err)
		}
	})
}

func fzCheckParseError(t *testing.T, tok *verifier.Token, err error) {
	t.Helper()
	if tok != nil {
		t.Fatalf("Parse returned a token with error %v", err)
	}
	for _, want := range fzParseErrors {
		if errors.Is(err, want) {
			return
		}
	}
	t.Fatalf("Parse error wraps no sentinel: %v", err)
}

// fzTruncatedDouble is the JSON number raw read as a double and truncated toward zero, as
// jwt_verify_lib reads a NumericDate (computed with math/big, not as the verifier does it).
func fzTruncatedDouble(raw string) string {
	bf, _, err := big.ParseFloat(raw, 10, 256, big.ToNearestEven)
	if err != nil {
		return "not a number"
	}
	f, _ := bf.Float64()
	i, _ := new(big.Float).SetFloat64(f).Int(nil)
	return i.String()
}

// fzCheckParsed asserts what an accepted token must be.
func fzCheckParsed(t *testing.T, token string, tok *verifier.Token) {
	t.Helper()
	if tok == nil {
		t.Fatal("Parse returned nil token and nil error")
	}
	if tok.Raw != token || len(token) > verifier.DefaultMaxTokenBytes {
		t.Fatalf("Raw differs from the input or the input is over the limit (%d bytes)", len(token))
	}
	segs := strings.Split(token, ".")
	if len(segs) != 3 {
		t.Fatalf("accepted a token of %d segments", len(segs))
	}
	var decoded [3][]byte
	for i, s := range segs {
		b, err := base64.RawURLEncoding.Strict().DecodeString(s)
		if err != nil || s == "" || base64.RawURLEncoding.EncodeToString(b) != s {
			t.Fatalf("segment %d accepted but not non-empty canonical base64url: %v", i, err)
		}
		decoded[i] = b
	}
	if len(decoded[0]) > verifier.DefaultMaxHeaderBytes || len(decoded[1]) > verifier.DefaultMaxPayloadBytes {
		t.Fatalf("accepted header of %d bytes or payload of %d bytes", len(decoded[0]), len(decoded[1]))
	}
	if !bytes.Equal(tok.Payload, decoded[1]) {
		t.Fatal("Payload is not the decoded payload segment")
	}
	// encoding/json must agree that both are objects without duplicate
	// members: gjson's validator and our duplicate check must not be more
	// lenient than the standard library.
	hdr := fzObject(t, "header", decoded[0])
	claims := fzObject(t, "payload", decoded[1])

	if tok.Alg.Family() == "" || strings.EqualFold(string(tok.Alg), "none") {
		t.Fatalf("accepted alg %q", tok.Alg)
	}
	if alg, _ := hdr["alg"].(string); alg != string(tok.Alg) {
		t.Fatalf("Alg %q but header alg %v", tok.Alg, hdr["alg"])
	}
	if kid, ok := hdr["kid"]; ok {
		if s, isString := kid.(string); !isString || s != fzAsJSON(tok.KeyID) {
			t.Fatalf("KeyID %q but header kid %v", tok.KeyID, kid)
		}
	} else if tok.KeyID != "" {
		t.Fatalf("KeyID %q without a header kid", tok.KeyID)
	}
	for _, m := range []string{"crit"} {
		if _, ok := hdr[m]; ok {
			t.Fatalf("accepted a header with %s", m)
		}
	}
	if b64, ok := hdr["b64"]; ok && b64 != true {
		t.Fatalf("accepted b64 %v", b64)
	}
	if cty, _ := hdr["cty"].(string); strings.EqualFold(cty, "JWT") {
		t.Fatal("accepted a nested token (cty JWT)")
	}
	// Typed registered claims agree with the JSON.
	for name, got := range map[string]string{"iss": tok.Issuer, "sub": tok.Subject} {
		if v, ok := claims[name]; ok {
			if s, isString := v.(string); !isString || s != fzAsJSON(got) {
				t.Fatalf("%s %q but claim %v", name, got, v)
			}
		}
	}
	for name, got := range map[string]int64{"exp": tok.ExpiresAt, "nbf": tok.NotBefore, "iat": tok.IssuedAt} {
		if got < 0 {
			t.Fatalf("%s %d is negative", name, got)
		}
		v := tok.Claims.Get(name)
		if v.Exists() && (v.Type != gjson.Number || v.Raw != big.NewInt(got).String() && fzTruncatedDouble(v.Raw) != big.NewInt(got).String()) {
			t.Fatalf("%s %d but claim %s", name, got, v.Raw)
		}
	}
	if aud, ok := claims["aud"]; ok {
		var want []string
		switch a := aud.(type) {
		case string:
			want = []string{a}
		case []any:
			for _, e := range a {
				s, isString := e.(string)
				if !isString {
					t.Fatalf("accepted aud with a %T element", e)
				}
				want = append(want, s)
			}
		default:
			t.Fatalf("accepted aud of type %T", aud)
		}
		got := make([]string, len(tok.Audiences))
		for i, a := range tok.Audiences {
			got[i] = fzAsJSON(a)
		}
		if strings.Join(want, "\x00") != strings.Join(got, "\x00") {
			t.Fatalf("Audiences %q but claim %q", tok.Audiences, want)
		}
	}
	// Claim checks never panic and are consistent with the typed fields.
	if err := tok.ValidateTime(time.Unix(1767225600, 0), time.Minute, true, time.Hour); err == nil && tok.ExpiresAt == 0 {
		t.Fatal("ValidateTime(requireExp) accepted a token without exp")
	}
	tok.HasAudience([]string{"api", "https://api.example/"})
}

// fzAsJSON is s as encoding/json would decode it: each byte that is not
// UTF-8 becomes U+FFFD, where gjson keeps the bytes. (jwt_verify_lib refuses
// such JSON outright; this package and go-jose accept it.)
func fzAsJSON(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string([]rune(s))
}

// fzObject decodes a JSON object with encoding/json, failing on invalid JSON,
// non-objects and duplicate member names (after unescaping).
func fzObject(t *testing.T, what string, data []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if tk, err := dec.Token(); err != nil || tk != json.Delim('{') {
		t.Fatalf("accepted %s that is not a JSON object: %v", what, err)
	}
	out := map[string]any{}
	for dec.More() {
		tk, err := dec.Token()
		if err != nil {
			t.Fatalf("accepted invalid %s JSON: %v", what, err)
		}
		name := tk.(string)
		// Names that decode to U+FFFD (invalid UTF-8 or lone surrogates) may
		// differ in the input yet collide here: not a duplicate.
		if _, dup := out[name]; dup && !strings.ContainsRune(name, utf8.RuneError) {
			t.Fatalf("accepted %s with member %q twice", what, name)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("accepted invalid %s JSON: %v", what, err)
		}
		if n, ok := v.(json.Number); ok {
			v = string(n) // numbers are compared as text where it matters
		}
		out[name] = v
	}
	if _, err := dec.Token(); err != nil {
		t.Fatalf("accepted invalid %s JSON: %v", what, err)
	}
	if dec.More() || dec.InputOffset() != int64(len(bytes.TrimRight(data, " \t\r\n"))) {
		t.Fatalf("accepted %s with data after the object", what)
	}
	if !json.Valid(data) {
		t.Fatalf("accepted %s that encoding/json finds invalid", what)
	}
	return out
}

// fzVerifyFixture is the key set FuzzVerify verifies against (every trusted
// key under its name, no alg) and its difftest description.
type fzVerifyFixture struct {
	ring *testjwt.Ring
	set  *difftest.KeySet
	ks   *verifier.KeySet
}

var fzVerifyOnce = sync.OnceValues(func() (*fzVerifyFixture, error) {
	f, err := diffFixtureOnce()
	if err != nil {
		return nil, err
	}
	for _, s := range difftest.KeySets(f.ring) {
		if s.Name == difftest.SetKidOnly {
			return &fzVerifyFixture{ring: f.ring, set: s, ks: f.sets[s.Name]}, nil
		}
	}
	return nil, errors.New("no kid-only key set")
})

// fzSigner picks the ring key that signs a header's alg: trusted, or an
// attacker's of the same type. Algs nobody can sign get HS256 with a
// trusted secret (the token then fails on its alg).
func fzSigner(r *testjwt.Ring, alg string, attacker bool) (*testjwt.Key, string) {
	names := map[string][2]string{
		"HS": {testjwt.HMAC80, testjwt.HMACAttack}, "RS": {testjwt.RSA2048A, testjwt.RSAAttacker},
		"PS": {testjwt.RSA2048B, testjwt.RSAAttacker}, "ES": {testjwt.P256A, testjwt.P256Attack},
		"Ed": {testjwt.Ed25519A, testjwt.EdAttacker},
	}
	pick := 0
	if attacker {
		pick = 1
	}
	if len(alg) >= 2 {
		if n, ok := names[alg[:2]]; ok {
			k := r.Key(n[pick])
			for _, a := range k.Algs() {
				if a == alg {
					return k, alg
				}
			}
		}
	}
	return r.Key(names["HS"][pick]), "HS256"
}

// FuzzVerify builds a token from a fuzzed header and payload, signs it with
// the key its alg names (mode 0 and 3), an unpublished key of the same type
// (mode 1) or signs and flips a signature bit (mode 2), then parses and
// verifies it against a set of every key type. Verify may accept only in
// modes 0 and 3, and only a signature the standard library also verifies
// with a key our selection rules allow.
func FuzzVerify(f *testing.F) {
	fx, err := fzVerifyOnce()
	if err != nil {
		f.Fatal(err)
	}
	claims := `{"iss":"https://issuer.example","aud":["api"],"exp":1767229200,"nbf":1767225000,"iat":1767225000}`
	for _, alg := range difftest.AllAlgs() {
		f.Add(`{"alg":"`+alg+`","typ":"JWT"}`, claims, uint8(0))
	}
	for i, h := range []string{
		`{"alg":"HS256","kid":"hmac-80"}`, `{"alg":"ES256","kid":"ec-p256-a"}`, `{"alg":"EdDSA","kid":"ed25519-b"}`,
		`{"alg":"RS256","kid":"unknown"}`, `{"alg":"HS256","crit":["b64"],"b64":false}`, `{"alg":"none"}`,
		`{"alg":"RS256","jwk":{"kty":"RSA","n":"AQAB","e":"AQAB"}}`, `{"alg":"ES256","kid":7}`, `{"alg":"HS256","\u0061lg":"none"}`,
	} {
		f.Add(h, claims, uint8(i%4))
	}
	for _, c := range []string{`{}`, `{"exp":1e20}`, `{"exp":-1}`, `{"aud":[1]}`, `{"iss":null}`, `{"exp":1,"exp":2}`, `null`, `{"a":"\ud800"}`} {
		f.Add(`{"alg":"HS512"}`, c, uint8(0))
	}
	f.Fuzz(func(t *testing.T, header, payload string, mode uint8) {
		mode %= 4
		alg := gjson.Get(header, "alg").String()
		key, signAlg := fzSigner(fx.ring, alg, mode == 1)
		enc := base64.RawURLEncoding
		input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
		sig, err := testjwt.Sign(signAlg, key, input, testjwt.SignOptions{})
		if err != nil {
			t.Fatalf("signing %s with %s: %v", signAlg, key.Name, err)
		}
		if mode == 2 {
			sig[len(sig)/2] ^= 0x01
		}
		token := input + "." + enc.EncodeToString(sig)

		tok, err := verifier.ParseUnverified(token, verifier.Limits{})
		if err != nil {
			fzCheckParseError(t, tok, err)
			return
		}
		fzCheckParsed(t, token, tok)
		verr := tok.Verify(fx.ks)
		if verr == nil && (mode == 1 || mode == 2) {
			t.Fatalf("Verify accepted a token signed by %s (mode %d)", key.Name, mode)
		}
		if verr != nil {
			if !errors.Is(verr, verifier.ErrUnknownKey) && !errors.Is(verr, verifier.ErrSignature) {
				t.Fatalf("Verify error wraps neither ErrUnknownKey nor ErrSignature: %v", verr)
			}
			return
		}
		for _, e := range diffCandidates(fx.set, tok.KeyID, string(tok.Alg)) {
			if testjwt.Verify(string(tok.Alg), e.Key, input, sig) {
				return
			}
		}
		t.Fatalf("Verify accepted a %s signature no candidate key verifies with the standard library", tok.Alg)
	})
}

// FuzzParseJWKS: ParseJWKS never panics, fails only with ErrKeySet, and every
// key it keeps is usable and sane.
func FuzzParseJWKS(f *testing.F) {
	fx, err := fzVerifyOnce()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range difftest.KeySets(fx.ring) {
		f.Add([]byte(s.JSON))
		for _, n := range s.Noise {
			f.Add([]byte(n))
		}
	}
	for _, k := range fx.ring.Trusted {
		f.Add([]byte(difftest.JWK(difftest.Entry{Key: k, Kid: k.Name})))
	}
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `{"keys":null}`, `{"keys":{}}`, `{"keys":[]}`, `{"keys":[1,"a",null,{}]}`,
		`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`, `{"keys":[{"kty":"RSA","n":"` + strings.Repeat("_", 2000) + `","e":"` + strings.Repeat("A", 100) + `"}]}`,
		`{"keys":[{"kty":"EC","crv":"P-256","x":"","y":""}]}`, `{"keys":[{"kty":"oct","k":""}]}`, `{"kty":"OKP","crv":"Ed25519","x":"AA"}`,
		`{"keys":[{"kty":"RSA","kty":"EC"}]}`, `{"keys":[` + strings.Repeat(`{"kty":"oct","k":"AAAA"},`, 50) + `{}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, err := verifier.ParseJWKS(data, verifier.KeyOptions{})
		fzCheckKeySet(t, "ParseJWKS", ks, err)
		if len(bytes.TrimLeft(data, " \t\r\n")) > 0 && bytes.TrimLeft(data, " \t\r\n")[0] == '{' {
			ks2, err2 := verifier.ParseKeys(data, verifier.KeyOptions{})
			if (err == nil) != (err2 == nil) || (ks != nil) != (ks2 != nil) || (ks != nil && len(ks.Keys) != len(ks2.Keys)) {
				t.Fatalf("ParseKeys and ParseJWKS disagree on JSON input: %v vs %v", err2, err)
			}
		}
	})
}

// FuzzParsePEM: ParsePEM never panics, fails only with ErrKeySet, and every
// key it keeps is usable and sane.
func FuzzParsePEM(f *testing.F) {
	fx, err := fzVerifyOnce()
	if err != nil {
		f.Fatal(err)
	}
	var all []byte
	for _, k := range fx.ring.Trusted {
		if k.Kty == testjwt.KtyOct {
			continue
		}
		der, err := x509.MarshalPKIXPublicKey(k.Public())
		if err != nil {
			f.Fatal(err)
		}
		block := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		f.Add(block)
		all = append(all, block...)
		if pub, ok := k.Public().(*rsa.PublicKey); ok {
			f.Add(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(pub)}))
		}
	}
	f.Add(all)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fuzz"},
		NotBefore: time.Unix(1700000000, 0), NotAfter: time.Unix(1900000000, 0)}
	signer := fx.ring.Key(testjwt.P256A).Signer()
	if der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, signer.Public(), signer); err == nil {
		f.Add(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	for _, s := range []string{``, `-----BEGIN PUBLIC KEY-----`, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
		"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, err := verifier.ParsePEM(data, verifier.KeyOptions{})
		fzCheckKeySet(t, "ParsePEM", ks, err)
	})
}

// fzCheckKeySet asserts what any key-set parse result must be.
func fzCheckKeySet(t *testing.T, what string, ks *verifier.KeySet, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, verifier.ErrKeySet) {
		t.Fatalf("%s error wraps no ErrKeySet: %v", what, err)
	}
	if err == nil && (ks == nil || len(ks.Keys) == 0) {
		t.Fatalf("%s returned no usable key and no error", what)
	}
	if ks == nil {
		return
	}
	for _, s := range ks.Skipped {
		if !errors.Is(s.Reason, verifier.ErrKey) {
			t.Fatalf("%s skipped key %d with a reason that is not ErrKey: %v", what, s.Index, s.Reason)
		}
	}
	for _, k := range ks.Keys {
		fzCheckKey(t, what, k)
	}
}

func fzCheckKey(t *testing.T, what string, k *verifier.Key) {
	t.Helper()
	if tp, err := base64.RawURLEncoding.Strict().DecodeString(k.Thumbprint); err != nil || len(tp) != 32 {
		t.Fatalf("%s key thumbprint %q is not base64url SHA-256", what, k.Thumbprint)
	}
	switch pub := k.Public().(type) {
	case *rsa.PublicKey:
		if k.Type != "RSA" || pub.N.BitLen() < 2048 || pub.E < 3 || pub.E%2 == 0 {
			t.Fatalf("%s kept RSA key of %d bits, e %d, type %q", what, pub.N.BitLen(), pub.E, k.Type)
		}
	case *ecdsa.PublicKey:
		if _, err := pub.ECDH(); k.Type != "EC" || err != nil {
			t.Fatalf("%s kept an invalid EC key (type %q): %v", what, k.Type, err)
		}
	case ed25519.PublicKey:
		if k.Type != "OKP" || len(pub) != ed25519.PublicKeySize {
			t.Fatalf("%s kept an Ed25519 key of %d bytes, type %q", what, len(pub), k.Type)
		}
	case []byte:
		if k.Type != "oct" || len(pub) == 0 {
			t.Fatalf("%s kept an HMAC secret of %d bytes, type %q", what, len(pub), k.Type)
		}
	default:
		t.Fatalf("%s kept a key of Go type %T", what, pub)
	}
	if k.Alg != "" {
		fam := k.Alg.Family()
		want := map[string]string{"HMAC": "oct", "RSA": "RSA", "RSA-PSS": "RSA", "ECDSA": "EC", "EdDSA": "OKP"}[fam]
		if want == "" || want != k.Type {
			t.Fatalf("%s kept a %s key with alg %q", what, k.Type, k.Alg)
		}
	}
}
