package difftest

// A mutation edits a valid draft into a case of its kind. apply returns the
// kind of the result, which is the mutation's own kind unless the edit turned
// out to be something more specific (a character flip that only touched
// unused base64 bits is a non-canonical encoding, not a flip).
type mutation struct {
	kind   string
	weight int
	apply  func(g *Generator, d *draft) (string, error)
}

// Kinds. Each names one way a token was made; the differential test keys its
// table of deliberate differences on these names.
const (
	KindValid = "valid"

	// Header.
	KindAlgSwapResigned   = "alg-swap-resigned"   // header alg changed and the token re-signed under it
	KindAlgSwapUnsigned   = "alg-swap-unsigned"   // header alg changed, signature left as it was
	KindAlgConfusion      = "alg-confusion"       // HS* keyed with an asymmetric key's public material
	KindAlgNone           = "alg-none"            // "none" in some spelling
	KindAlgUnsupported    = "alg-unsupported"     // an alg no verifier here supports
	KindAlgMissing        = "alg-missing"         // no alg member
	KindAlgNotString      = "alg-not-string"      // alg of another JSON type
	KindKidChanged        = "kid-changed"         // a kid the set does not publish
	KindKidRemoved        = "kid-removed"         // no kid member
	KindKidNotString      = "kid-not-string"      // kid a number, object, array or bool
	KindKidNull           = "kid-null"            // "kid":null
	KindCritUnknown       = "crit-unknown"        // crit naming an extension nobody understands
	KindCritB64           = "crit-b64"            // crit ["b64"] with b64 true or absent
	KindCritEmpty         = "crit-empty"          // crit [] (RFC 7515 §4.1.11 forbids it)
	KindB64False          = "b64-false"           // RFC 7797 unencoded payload, signed as such
	KindDupHeader         = "dup-header-member"   // a header member twice
	KindDupHeaderEscaped  = "dup-header-escaped"  // a header member twice, once with an escaped name
	KindHeaderNotObject   = "header-not-object"   // header JSON that is not an object, or not JSON
	KindJWKAttacker       = "jwk-header-attacker" // signed by an attacker key embedded as jwk
	KindJWKTrusted        = "jwk-header-trusted"  // an attacker jwk embedded, signed by a trusted key
	KindURLHeaders        = "jku-x5u-headers"     // jku/x5u pointing at an attacker, signed by a trusted key
	KindIgnoredHeaderJunk = "ignored-header-junk" // malformed jwk or x5c (never read), signed by a trusted key
	KindCtyJWT            = "cty-jwt"             // cty JWT: a nested token
	KindTypVariants       = "typ-variants"        // typ of other values and types
	KindHeaderEscapes     = "header-escapes"      // alg and kid written with \u escapes
	KindHeaderWhitespace  = "header-whitespace"   // JSON whitespace around members

	// Payload.
	KindExpired             = "expired"                  // exp beyond the skew
	KindNotYetValid         = "not-yet-valid"            // nbf beyond the skew
	KindIatFuture           = "iat-future"               // iat later than now plus the skew
	KindDateNotInteger      = "numeric-date-not-integer" // exp/nbf/iat with a fraction or exponent
	KindDateNegative        = "numeric-date-negative"    // exp/nbf/iat below zero
	KindExpZero             = "exp-zero"                 // exp 0, which jwt_verify_lib reads as absent
	KindDateBeyondGoJose    = "exp-beyond-2^62"          // exp in [2^62, 2^63): a valid int64 date go-jose refuses
	KindDateOverflow        = "numeric-date-overflow"    // exp/nbf/iat beyond int64 or as 1e20
	KindClaimNull           = "registered-claim-null"    // exp/nbf/iat/iss/sub/jti null
	KindClaimWrongType      = "registered-claim-type"    // a registered claim of a wrong non-null type
	KindIssMismatch         = "iss-mismatch"             // another issuer
	KindAudMismatch         = "aud-mismatch"             // no allowed audience
	KindAudEmpty            = "aud-empty-array"          // "aud":[]
	KindAudNormalised       = "aud-normalised"           // aud equal to an allowed one but for scheme and trailing slash
	KindDupClaim            = "dup-claim"                // a claim twice with different values
	KindDupClaimEscaped     = "dup-claim-escaped"        // a claim twice, once with an escaped name
	KindPayloadNull         = "payload-null"             // payload JSON null
	KindPayloadNotObject    = "payload-not-object"       // payload an array, string, number or bool
	KindPayloadInvalidJSON  = "payload-invalid-json"     // payload not JSON
	KindPayloadWhitespace   = "payload-whitespace"       // JSON whitespace around members
	KindPayloadInvalidUTF8  = "payload-invalid-utf8"     // a claim string with bytes that are not UTF-8
	KindSizeLimit           = "size-limit"               // header, payload or token beyond the default limits
	KindDeepNesting         = "deep-nesting"             // a private claim nested 400 deep
	KindPayloadEmpty        = "payload-empty"            // empty payload segment
	KindPrivateClaimNumbers = "private-claim-numbers"    // private claims with huge or odd numbers

	// Signature.
	KindWrongKey      = "wrong-key"          // signed by an unpublished key of the same type
	KindPSSSalt       = "pss-salt-length"    // RSA-PSS with a salt other than the hash length
	KindECDSAHighS    = "ecdsa-high-s"       // (r, N-s): valid ECDSA, malleated
	KindECDSAZero     = "ecdsa-zero"         // r or s zero (psychic signature)
	KindECDSARange    = "ecdsa-out-of-range" // r or s equal to N
	KindECDSADER      = "ecdsa-der"          // ASN.1 DER instead of raw r||s
	KindSigEmpty      = "signature-empty"    // nothing after the second dot
	KindSigLength     = "signature-length"   // a byte cut, added or prepended
	KindEdDSALength   = "eddsa-length"       // an Ed25519 signature not 64 bytes
	KindWeakHMAC      = "weak-hmac"          // HS* with a secret shorter than its hash
	KindSkippedKeyKid = "skipped-key-kid"    // signed by a key the set publishes but a verifier must skip

	// Compact serialization.
	KindFlipBit      = "flip-bit"            // one bit of a decoded segment flipped
	KindFlipChar     = "flip-char"           // one base64url character replaced
	KindNonCanonical = "noncanonical-base64" // unused trailing bits set: decodes to the same bytes
	KindStdAlphabet  = "std-base64"          // + and / instead of - and _
	KindPadding      = "base64-padding"      // = padding added
	KindLineBreak    = "line-break"          // \r or \n inside a segment
	KindWhitespace   = "whitespace"          // spaces or tabs inside or around the token
	KindSwapSegments = "swap-segments"       // two segments swapped
	KindTruncate     = "truncate"            // the token cut short
	KindExtraSegment = "extra-segment"       // four or more segments
	KindTrailingJunk = "trailing-junk"       // bytes after the signature
	KindEmptySegment = "empty-segment"       // header or payload segment empty
	KindJWE          = "jwe-shape"           // five segments, as an encrypted token
)

// mutations lists every mutation with its weight. Kinds that exercise
// deliberate differences get enough weight to show up in a 10k run several
// times over.
func mutations() []mutation {
	var all []mutation
	all = append(all, headerMutations()...)
	all = append(all, payloadMutations()...)
	all = append(all, signatureMutations()...)
	all = append(all, compactMutations()...)
	return all
}

// Kinds returns every kind the generator can produce, KindValid first.
func Kinds() []string {
	out := []string{KindValid}
	for _, m := range mutations() {
		out = append(out, m.kind)
	}
	return out
}

func mutationFor(kind string) (mutation, bool) {
	for _, m := range mutations() {
		if m.kind == kind {
			return m, true
		}
	}
	return mutation{}, false
}

func (g *Generator) pickMutation() mutation {
	all := mutations()
	total := 0
	for _, m := range all {
		total += m.weight
	}
	n := g.rng.Intn(total)
	for _, m := range all {
		if n < m.weight {
			return m
		}
		n -= m.weight
	}
	return all[len(all)-1]
}

// useEntry re-targets a draft at another published entry: its key signs,
// under alg, and the header names its kid (or none).
func (d *draft) useEntry(e Entry, alg string) {
	d.signer = e.Key
	d.setAlg(alg)
	d.header = d.header.Del("kid")
	if e.Kid != "" {
		d.header = d.header.Set("kid", Quote(e.Kid))
	}
}

// entryWhere returns a random entry of the draft's set that satisfies ok.
func (g *Generator) entryWhere(d *draft, ok func(Entry) bool) (Entry, bool) {
	var match []Entry
	for _, e := range d.set.Entries {
		if ok(e) {
			match = append(match, e)
		}
	}
	if len(match) == 0 {
		return Entry{}, false
	}
	return match[g.rng.Intn(len(match))], true
}

// retarget moves the draft to an entry whose key has kty, signing under the
// entry's alg or one the key can use; it reports false when the set has none.
func (g *Generator) retarget(d *draft, kty string, algPrefix string) bool {
	e, ok := g.entryWhere(d, func(e Entry) bool {
		return e.Key.Kty == kty && (e.Alg == "" || algPrefix == "" || e.Alg[:2] == algPrefix)
	})
	if !ok {
		return false
	}
	alg := e.Alg
	if alg == "" {
		alg = g.algFor(e.Key)
		if algPrefix != "" {
			alg = algPrefix + alg[2:]
		}
	}
	d.useEntry(e, alg)
	return true
}
