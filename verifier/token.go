package verifier

import (
	"math"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// Limits bound the work done on hostile input. Zero (or negative) fields mean
// the default.
type Limits struct {
	MaxTokenBytes   int // default 8192 (whole compact token)
	MaxHeaderBytes  int // default 1024 (decoded protected header JSON)
	MaxPayloadBytes int // default 8192 (decoded payload JSON)
}

// Default limits.
const (
	DefaultMaxTokenBytes   = 8192
	DefaultMaxHeaderBytes  = 1024
	DefaultMaxPayloadBytes = 8192
)

func (l Limits) withDefaults() Limits {
	if l.MaxTokenBytes <= 0 {
		l.MaxTokenBytes = DefaultMaxTokenBytes
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxPayloadBytes <= 0 {
		l.MaxPayloadBytes = DefaultMaxPayloadBytes
	}
	return l
}

// Token is a compact JWS whose structure is checked but whose signature is
// NOT verified yet: call [Token.Verify] before trusting anything in it.
type Token struct {
	Raw       string       // the compact token as received
	Header    gjson.Result // parsed protected header (valid JSON object, no duplicate members)
	Payload   []byte       // decoded payload JSON (an object)
	Claims    gjson.Result // parsed over a private copy of Payload: nested paths, arrays, numbers, booleans
	Alg       Algorithm
	KeyID     string   // "" when the header has no kid
	Issuer    string   // "" when absent
	Subject   string   // "" when absent
	Audiences []string // aud as a string or an array of strings; nil when absent or empty

	// Unix seconds; 0 when absent (jwt_verify_lib also treats 0 as absent).
	ExpiresAt, NotBefore, IssuedAt int64

	spec         algSpec
	signingInput string // Raw up to the second dot: what was signed
	signature    []byte
}

// ParseUnverified checks the structure of a compact JWS/JWT and decodes it, without
// verifying the signature.
//
// WARNING: do not use the returned Token's claims for any decision until
// [Token.Verify] has checked its signature with a key you trust: until then anyone can
// have written them. This is only useful to choose the key or provider (by iss, kid).
// The checks run cheapest first and in
// jwt_verify_lib's order, so that the first error is the one Envoy reports:
// size, dots, header base64, header JSON, alg, kid, extensions, payload
// base64, payload JSON, iss, sub, iat, nbf, exp, jti, aud, signature base64.
func ParseUnverified(compact string, lim Limits) (*Token, error) {
	lim = lim.withDefaults()
	if len(compact) > lim.MaxTokenBytes {
		return nil, wrap(ErrTooLarge, "token longer than MaxTokenBytes", nil)
	}
	// Exactly two dots and three non-empty segments; a fourth segment (JWE
	// has five) or trailing data is refused before any decoding.
	d1 := strings.IndexByte(compact, '.')
	if d1 <= 0 {
		return nil, wrap(ErrBadFormat, "", nil)
	}
	d2 := strings.IndexByte(compact[d1+1:], '.')
	if d2 <= 0 {
		return nil, wrap(ErrBadFormat, "", nil)
	}
	d2 += d1 + 1
	if d2 == len(compact)-1 || strings.IndexByte(compact[d2+1:], '.') >= 0 {
		return nil, wrap(ErrBadFormat, "", nil)
	}
	hSeg, pSeg, sSeg := compact[:d1], compact[d1+1:d2], compact[d2+1:]

	hLen, hOK := b64DecodedLen(len(hSeg))
	pLen, pOK := b64DecodedLen(len(pSeg))
	sLen, sOK := b64DecodedLen(len(sSeg))
	if hLen > lim.MaxHeaderBytes {
		return nil, wrap(ErrTooLarge, "header longer than MaxHeaderBytes", nil)
	}
	if pLen > lim.MaxPayloadBytes {
		return nil, wrap(ErrTooLarge, "payload longer than MaxPayloadBytes", nil)
	}
	if !hOK {
		return nil, wrap(ErrHeaderBase64, "impossible length", nil)
	}

	// One buffer for the three decoded segments.
	buf := make([]byte, hLen+pLen+sLen)
	// Full slice expressions: appending to Payload must not overwrite the
	// signature.
	hdr, pay, sig := buf[:hLen:hLen], buf[hLen:hLen+pLen:hLen+pLen], buf[hLen+pLen:]
	if !b64Decode(hdr, hSeg) {
		return nil, wrap(ErrHeaderBase64, "", nil)
	}
	// The payload is decoded now so that header and payload JSON share one
	// string, but its error is reported after the header's, as Envoy does.
	pDecoded := pOK && b64Decode(pay, pSeg)
	if !pDecoded {
		pay = pay[:0]
	}
	// gjson works on strings; one copy serves header and claims, and keeps
	// Claims immutable even if the caller writes to Payload.
	js := string(buf[:hLen+len(pay)])
	hJSON, pJSON := js[:hLen], js[hLen:]

	t := &Token{Raw: compact, signingInput: compact[:d2]}
	if err := t.parseHeader(hJSON); err != nil {
		return nil, err
	}
	if !pDecoded {
		return nil, wrap(ErrPayloadBase64, "", nil)
	}
	t.Payload = pay
	if err := t.parseClaims(pJSON); err != nil {
		return nil, err
	}
	if !sOK || !b64Decode(sig, sSeg) {
		return nil, wrap(ErrSignatureBase64, "", nil)
	}
	t.signature = sig
	return t, nil
}

// parseHeader walks the protected header once: duplicates, then alg, kid and
// the members that change how a JWS must be processed.
func (t *Token) parseHeader(h string) error {
	if !isJSONObject(h) {
		return wrap(ErrHeaderJSON, "", nil)
	}
	var (
		seen                     memberSet
		dup                      bool
		alg, kid, crit, b64, cty gjson.Result
	)
	t.Header = gjson.Parse(h)
	t.Header.ForEach(func(k, v gjson.Result) bool {
		if !seen.add(k.Str) {
			dup = true
			return false
		}
		switch k.Str {
		case "alg":
			alg = v
		case "kid":
			kid = v
		case "crit":
			crit = v
		case "b64":
			b64 = v
		case "cty":
			cty = v
		}
		// jwk, jku, x5u and x5c are deliberately never read: a token must not
		// be able to name the key that verifies it.
		return true
	})
	if dup {
		return wrap(ErrHeaderJSON, "duplicate member", nil)
	}
	if alg.Type != gjson.String {
		return wrap(ErrAlgMissing, "", nil)
	}
	if isNone(alg.Str) {
		return wrap(ErrAlgorithm, `"none" (unsecured JWS) is refused`, nil)
	}
	spec, ok := specOf(Algorithm(alg.Str))
	if !ok {
		return wrap(ErrAlgorithm, "", nil)
	}
	t.Alg, t.spec = Algorithm(alg.Str), spec
	if kid.Exists() {
		if kid.Type != gjson.String {
			return wrap(ErrKidType, "", nil)
		}
		t.KeyID = kid.Str
	}
	// RFC 7515 §4.1.11: a recipient must refuse a crit extension it does
	// not understand; this verifier understands none.
	if crit.Exists() {
		return wrap(ErrUnsupportedHeader, "crit names an extension that is not understood", nil)
	}
	// RFC 7797: b64:false means an unencoded payload; b64:true is the default.
	if b64.Exists() && b64.Type != gjson.True {
		return wrap(ErrUnsupportedHeader, "b64 other than true (RFC 7797 unencoded payload)", nil)
	}
	// RFC 7519 §5.2: cty JWT announces a nested token, whose inner claims
	// would be verified by nobody.
	if cty.Type == gjson.String && (strings.EqualFold(cty.Str, "JWT") || strings.EqualFold(cty.Str, "application/jwt")) {
		return wrap(ErrUnsupportedHeader, "nested token (cty JWT)", nil)
	}
	return nil
}

// parseClaims walks the payload once and types the registered claims.
func (t *Token) parseClaims(p string) error {
	if !isJSONObject(p) {
		return wrap(ErrPayloadJSON, "", nil)
	}
	var (
		seen                              memberSet
		dup                               bool
		iss, sub, iat, nbf, exp, jti, aud gjson.Result
	)
	t.Claims = gjson.Parse(p)
	t.Claims.ForEach(func(k, v gjson.Result) bool {
		if !seen.add(k.Str) {
			dup = true
			return false
		}
		switch k.Str {
		case "iss":
			iss = v
		case "sub":
			sub = v
		case "iat":
			iat = v
		case "nbf":
			nbf = v
		case "exp":
			exp = v
		case "jti":
			jti = v
		case "aud":
			aud = v
		}
		return true
	})
	if dup {
		return wrap(ErrPayloadJSON, "duplicate member", nil)
	}
	// A present claim of the wrong type (null included) is an error; an
	// absent one is not, as in jwt_verify_lib.
	if iss.Exists() {
		if iss.Type != gjson.String {
			return wrap(ErrIssType, "", nil)
		}
		t.Issuer = iss.Str
	}
	if sub.Exists() {
		if sub.Type != gjson.String {
			return wrap(ErrSubType, "", nil)
		}
		t.Subject = sub.Str
	}
	var err error
	if t.IssuedAt, err = numericDate(iat, ErrIatType); err != nil {
		return err
	}
	if t.NotBefore, err = numericDate(nbf, ErrNbfType); err != nil {
		return err
	}
	if t.ExpiresAt, err = numericDate(exp, ErrExpType); err != nil {
		return err
	}
	if jti.Exists() && jti.Type != gjson.String {
		return wrap(ErrJtiType, "", nil)
	}
	if aud.Exists() {
		if t.Audiences, err = audiences(aud); err != nil {
			return err
		}
	}
	return nil
}

// numericDate reads exp, nbf or iat: absent is 0; otherwise a JSON number in [0, 2^63).
// RFC 7519 §2 allows a NumericDate to be non-integer; as jwt_verify_lib (struct_utils
// GetUInt64, which reads the claim as a double) a fraction or exponent is truncated toward
// zero: 1767225600.5 is 1767225600. An integer literal is read exactly (all 19 digits of
// int64, which a double would round). Refused: any minus sign, "-0" included (jwt_verify_lib
// would read it as 0, absent, other libraries as 1970, expired) and values of 2^63 and more
// (ErrClaimRange: "not a positive 64 bit integer"); a number beyond float64 (1e400, which
// would be infinite) is not a number of any use (typeErr alone: "not an integer"). NaN and
// Infinity are not JSON and never get here.
func numericDate(v gjson.Result, typeErr error) (int64, error) {
	if !v.Exists() {
		return 0, nil
	}
	if v.Type != gjson.Number {
		return 0, wrap(typeErr, "", nil)
	}
	raw := v.Raw
	if raw[0] == '-' {
		return 0, wrap(typeErr, "negative", ErrClaimRange)
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] < '0' || raw[i] > '9' {
			return fractionalDate(raw, typeErr)
		}
	}
	// JSON forbids leading zeros, so more than 19 digits is beyond int64.
	if len(raw) > 19 {
		return 0, wrap(typeErr, "beyond 64 bits", ErrClaimRange)
	}
	var n uint64
	for i := 0; i < len(raw); i++ {
		n = n*10 + uint64(raw[i]-'0')
	}
	if n > 1<<63-1 {
		return 0, wrap(typeErr, "beyond 64 bits", ErrClaimRange)
	}
	return int64(n), nil
}

// fractionalDate reads a non-negative JSON number with a fraction or an exponent (gjson has
// checked the syntax) and truncates it toward zero.
func fractionalDate(raw string, typeErr error) (int64, error) {
	f, err := strconv.ParseFloat(raw, 64)
	switch {
	case err != nil || math.IsInf(f, 0) || math.IsNaN(f):
		return 0, wrap(typeErr, "not a finite number", nil)
	case f >= 1<<63:
		return 0, wrap(typeErr, "beyond 64 bits", ErrClaimRange)
	}
	return int64(f), nil
}

// audiences reads aud: a string, or an array whose elements are all strings.
func audiences(v gjson.Result) ([]string, error) {
	switch {
	case v.Type == gjson.String:
		return []string{v.Str}, nil
	case v.IsArray():
		// Count and type-check first so that the slice is allocated once.
		n, bad := 0, false
		v.ForEach(func(_, e gjson.Result) bool {
			bad = e.Type != gjson.String
			n++
			return !bad
		})
		if bad {
			return nil, wrap(ErrAudType, "array element is not a string", nil)
		}
		if n == 0 {
			return nil, nil
		}
		out := make([]string, 0, n)
		v.ForEach(func(_, e gjson.Result) bool {
			out = append(out, e.Str)
			return true
		})
		return out, nil
	}
	return nil, wrap(ErrAudType, "", nil)
}
