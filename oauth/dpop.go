package oauth

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"time"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// Bounds on a DPoP proof. A proof carries its public key in the header, so the header bound
// leaves room for an 8192-bit RSA jwk.
const (
	MaxProofBytes       = 8192
	MaxProofHeaderBytes = 4096
	MaxProofClaimsBytes = 2048
	// MaxJTIBytes bounds the jti (RFC 9449 §11.1 asks for at least 96 bits of randomness; a
	// UUID is 36 bytes).
	MaxJTIBytes = 256
	// MaxProofRSABits bounds an RSA proof key: a client picks its key, and an 8192-bit one costs
	// 16 times a 2048-bit one to verify.
	MaxProofRSABits = 4096
	// DefaultDPoPMaxAge is how old a proof may be when max_age is not set.
	DefaultDPoPMaxAge = 60 * time.Second
)

// DefaultDPoPAlgs are the proof algorithms accepted when allowed_algs is not set: those whose
// verification is cheap in Wasm (ES384/ES512 cost 3 ms / 40 ms there; list them to accept them).
var defaultDPoPAlgs = [...]verifier.Algorithm{verifier.ES256, verifier.EdDSA, verifier.RS256, verifier.PS256}

// DefaultDPoPAlgs returns a fresh copy of the default allowed algorithms.
func DefaultDPoPAlgs() []verifier.Algorithm {
	return append([]verifier.Algorithm(nil), defaultDPoPAlgs[:]...)
}

// DPoPPolicy is how a resource server checks DPoP proofs (a provider's x_dpop). Build it with
// [NewDPoPPolicy]; it is immutable and safe for concurrent use.
type DPoPPolicy struct {
	algs   []verifier.Algorithm
	maxAge time.Duration
	skew   time.Duration
}

// NewDPoPPolicy checks and compiles a policy. algs nil means [DefaultDPoPAlgs]; each must be an
// asymmetric algorithm the verifier supports (RFC 9449 §4.3 check 5: never "none", never HMAC).
// maxAge 0 means [DefaultDPoPMaxAge]; skew is the tolerated clock difference, in both directions.
func NewDPoPPolicy(algs []string, maxAge, skew time.Duration) (*DPoPPolicy, error) {
	p := &DPoPPolicy{maxAge: maxAge, skew: skew}
	if p.maxAge <= 0 {
		p.maxAge = DefaultDPoPMaxAge
	}
	if p.skew < 0 {
		p.skew = 0
	}
	if algs == nil {
		p.algs = DefaultDPoPAlgs()
		return p, nil
	}
	if len(algs) == 0 {
		return nil, errors.New("must list at least one algorithm")
	}
	for _, a := range algs {
		switch verifier.Algorithm(a).Family() {
		case "RSA", "RSA-PSS", "ECDSA", "EdDSA":
		case "HMAC":
			return nil, errors.New(a + " is symmetric: a DPoP proof is signed with the client's private key (RFC 9449 §4.2)")
		default:
			return nil, errors.New(`"` + a + `" is not a supported asymmetric JWS algorithm`)
		}
		for _, b := range p.algs {
			if string(b) == a {
				return nil, errors.New(a + " is listed twice")
			}
		}
		p.algs = append(p.algs, verifier.Algorithm(a))
	}
	return p, nil
}

// Algs are the accepted proof algorithms, in configuration order (the challenge's algs=).
func (p *DPoPPolicy) Algs() []verifier.Algorithm { return append([]verifier.Algorithm(nil), p.algs...) }

// MaxAge is how old a proof may be; a replay cache must remember a jti at least this long
// plus the skew ([DPoPPolicy.ReplayWindow]).
func (p *DPoPPolicy) MaxAge() time.Duration { return p.maxAge }

// ReplayWindow is how long a proof verifies after it was issued: max_age plus the skew, and the
// skew before (a proof from the future). A jti must be remembered at least this long.
func (p *DPoPPolicy) ReplayWindow() time.Duration { return p.maxAge + 2*p.skew }

// DPoPRequest is what a proof is checked against.
type DPoPRequest struct {
	Method string // :method, compared exactly (methods are case-sensitive, RFC 9110 §9.1)
	// URI is the request's absolute URI as the client addressed it: scheme, authority and path
	// (query and fragment are ignored). It is normalised here.
	URI string
	// AccessToken is the token presented with the proof; its hash must be the proof's ath.
	AccessToken string
	Now         time.Time
}

// DPoPProof is what a verified proof tells the caller.
type DPoPProof struct {
	JTI      string // for the replay check (RFC 9449 §11.1), which the caller keeps
	IssuedAt int64  // Unix seconds
	// JKT is the RFC 7638 thumbprint of the proof's public key: the access token's cnf.jkt
	// must be this ([CheckJKT]).
	JKT string
	Alg verifier.Algorithm
}

// Verify checks a DPoP proof (the value of the request's one DPoP header) as RFC 9449 §4.3
// requires of a resource server, checks 2 to 9, 11 and the ath half of 12; check 1 (one DPoP
// header) is the caller's, as are the jti replay check and the cnf.jkt half of check 12
// ([CheckJKT]). Server nonces (check 10, §8-9) are not used: a proof's nonce claim is ignored.
// Cheap checks run first; the signature last. Errors wrap [ErrInvalidDPoPProof].
func (p *DPoPPolicy) Verify(proof string, r DPoPRequest) (DPoPProof, error) {
	if len(proof) > MaxProofBytes {
		return DPoPProof{}, ErrDPoPMalformed
	}
	tok, err := verifier.ParseUnverified(proof, verifier.Limits{MaxTokenBytes: MaxProofBytes,
		MaxHeaderBytes: MaxProofHeaderBytes, MaxPayloadBytes: MaxProofClaimsBytes})
	if err != nil {
		if errors.Is(err, verifier.ErrAlgorithm) || errors.Is(err, verifier.ErrAlgMissing) {
			return DPoPProof{}, ErrDPoPAlgorithm
		}
		return DPoPProof{}, ErrDPoPMalformed
	}
	// Check 4: typ, compared as a media type.
	typ := tok.Header.Get("typ")
	if typ.Type != gjson.String || !TypMatches(typ.Str, "dpop+jwt") {
		return DPoPProof{}, ErrDPoPType
	}
	// Check 5: an allowed asymmetric alg (none and HMAC never are).
	allowed := false
	for _, a := range p.algs {
		if a == tok.Alg {
			allowed = true
			break
		}
	}
	if !allowed {
		return DPoPProof{}, ErrDPoPAlgorithm
	}
	// Check 3: the required claims, typed. Parse typed iat and jti when present.
	jti := tok.Claims.Get("jti")
	htm := tok.Claims.Get("htm")
	htu := tok.Claims.Get("htu")
	if jti.Type != gjson.String || jti.Str == "" || len(jti.Str) > MaxJTIBytes ||
		htm.Type != gjson.String || htu.Type != gjson.String || tok.IssuedAt == 0 {
		return DPoPProof{}, ErrDPoPClaims
	}
	// Check 8: htm.
	if htm.Str != r.Method {
		return DPoPProof{}, ErrDPoPMethod
	}
	// Check 9: htu, both sides normalised.
	want, err := NormalizeHTU(r.URI)
	if err != nil {
		return DPoPProof{}, ErrDPoPURI
	}
	got, err := NormalizeHTU(htu.Str)
	if err != nil || got != want {
		return DPoPProof{}, ErrDPoPURI
	}
	// Check 11: iat within [now - max_age - skew, now + skew].
	now := r.Now.Unix()
	if tok.IssuedAt > now+int64(p.skew/time.Second) || tok.IssuedAt < now-int64((p.maxAge+p.skew)/time.Second) {
		return DPoPProof{}, ErrDPoPTime
	}
	// Check 12, first half: ath.
	if r.AccessToken != "" {
		ath := tok.Claims.Get("ath")
		if ath.Type != gjson.String || !equalString(ath.Str, AccessTokenHash(r.AccessToken)) {
			return DPoPProof{}, ErrDPoPAccessHash
		}
	}
	// Check 7 and the key for check 6: a public key only, fitting alg.
	key, err := verifier.ParseHeaderJWK(tok.Header.Get("jwk"))
	if err != nil {
		return DPoPProof{}, ErrDPoPKey
	}
	if pub, ok := key.Public().(*rsa.PublicKey); ok && pub.N.BitLen() > MaxProofRSABits {
		return DPoPProof{}, ErrDPoPKey
	}
	// Check 6: the signature.
	if err := tok.VerifyWithKey(key); err != nil {
		if errors.Is(err, verifier.ErrUnknownKey) {
			return DPoPProof{}, ErrDPoPKey
		}
		return DPoPProof{}, ErrDPoPSignature
	}
	return DPoPProof{JTI: jti.Str, IssuedAt: tok.IssuedAt, JKT: key.Thumbprint, Alg: tok.Alg}, nil
}

// AccessTokenHash is the ath of a token: base64url (unpadded) of the SHA-256 of its ASCII
// (RFC 9449 §4.2).
func AccessTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// BoundKeyThumbprint returns the access token's cnf.jkt (RFC 9449 §6.1) and whether it has one
// (a cnf object with a jkt member of any type: a malformed binding is still a binding).
func BoundKeyThumbprint(claims gjson.Result) (string, bool) {
	cnf := claims.Get("cnf")
	if !cnf.IsObject() {
		return "", false
	}
	jkt := cnf.Get("jkt")
	if !jkt.Exists() {
		return "", false
	}
	return jkt.Str, true
}

// CheckJKT is the second half of RFC 9449 §4.3 check 12: the access token is bound to the
// proof's key, its cnf.jkt being the thumbprint jkt. Errors wrap [ErrInvalidToken].
func CheckJKT(claims gjson.Result, jkt string) error {
	got, ok := BoundKeyThumbprint(claims)
	if !ok || claims.Get("cnf.jkt").Type != gjson.String || !equalString(got, jkt) {
		return ErrDPoPKeyBinding
	}
	return nil
}

// CheckNotDPoPBound refuses a DPoP-bound token presented with the Bearer scheme (RFC 9449
// §7.2). Errors wrap [ErrInvalidToken].
func CheckNotDPoPBound(claims gjson.Result) error {
	if _, bound := BoundKeyThumbprint(claims); bound {
		return ErrBoundAsBearer
	}
	return nil
}

func equalString(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
