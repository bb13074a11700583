package plugin

import (
	"crypto/sha256"
	"crypto/subtle"
	"strconv"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/authtrace"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// This file is the decision trace (plugin/EXTENSIONS.md, "Decision trace"): what the
// authenticator records while a request is verified, and x_debug_header. The line itself is
// formatted by package authtrace, which keeps token values quoted and bounded.

// traceHeader is the response header of the local reply that carries the trace for a request
// with the debug secret.
const traceHeader = "x-jwt-authn-trace"

// debugHeader is x_debug_header compiled: the header name and the SHA-256 of the secret, so
// that the comparison takes the same time whatever the length or content of the value sent.
type debugHeader struct {
	name   string
	secret [sha256.Size]byte
}

// requested reports whether the request carries the secret. Every line of the header is
// checked (all in constant time); the value is never logged or echoed.
func (d *debugHeader) requested(req *request.Request) bool {
	ok := 0
	for _, h := range req.Headers {
		if h[0] == d.name {
			sum := sha256.Sum256([]byte(h[1]))
			ok |= subtle.ConstantTimeCompare(sum[:], d.secret[:])
		}
	}
	return ok == 1
}

// traceToken records a token the authenticator looks at and returns its index in the trace.
func (c *verifyContext) traceToken(e request.Extracted, tok *verifier.Token) int {
	loc := "cookie:" + e.Loc.Name
	switch e.Loc.Kind {
	case request.LocHeader:
		loc = "header:" + e.Loc.Name
	case request.LocParam:
		loc = "param:" + e.Loc.Name
	}
	if tok == nil {
		return c.trace.Token(loc, "", "", "", nil)
	}
	return c.trace.Token(loc, tok.Issuer, tok.KeyID, string(tok.Alg), tok.Audiences)
}

// tokenNote is what verifyToken knows of a token's fate beyond its status, for the trace.
type tokenNote struct {
	tok       *verifier.Token
	hit       bool             // accepted from the JWT cache
	aud       []string         // the audiences checked
	keyReason authtrace.Reason // for JwksKidAlgMismatch: which of kid, alg or key type
	keyDetail string
	why       authtrace.Reason // for JwtVerificationFail: subject, lifetime or signature
}

// traceOutcome records what provider p (nil: none found for the token's issuer) made of one
// token.
func (c *verifyContext) traceOutcome(e request.Extracted, p *provider, st status.Status, n tokenNote) {
	o := authtrace.Outcome{Token: c.traceToken(e, n.tok), Provider: "*"}
	if p != nil {
		o.Provider = p.name
	}
	switch {
	case st == status.OK && n.hit:
		o.Reason = authtrace.CacheHit
	case st == status.OK:
		o.Reason = authtrace.Verified
	case st >= status.JwtBadFormat && st <= status.JwtSignatureBadBase64:
		o.Reason, o.Detail = authtrace.Malformed, st.String()
	case st == status.JwtUnknownIssuer && p != nil:
		o.Reason = authtrace.IssuerNotAllowed
	case st == status.JwtUnknownIssuer:
		o.Reason = authtrace.UnknownIssuer
	case st == status.JwtExpired && p != nil && n.tok != nil:
		o.Reason, o.Seconds = authtrace.Expired, c.nowSec-n.tok.ExpiresAt-int64(p.skew.Seconds())
	case st == status.JwtNotYetValid && p != nil && n.tok != nil:
		o.Reason, o.Seconds = authtrace.NotYetValid, n.tok.NotBefore-c.nowSec-int64(p.skew.Seconds())
	case st == status.JwtAudienceNotAllowed:
		o.Reason, o.Allowed = authtrace.AudienceNotAllowed, n.aud
	case st == status.JwksKidAlgMismatch:
		o.Reason, o.Detail = n.keyReason, n.keyDetail
	case st == status.JwksFetchFail:
		o.Reason = authtrace.JwksFetchFailed
	case st == status.JwtVerificationFail && n.why != 0:
		o.Reason = n.why
	case st == status.JwtEd25519SignatureWrongLength:
		o.Reason, o.Detail = authtrace.SignatureInvalid, st.String()
	default:
		o.Reason, o.Detail = authtrace.Failed, st.String()
	}
	c.trace.Add(o)
}

// traceMissing records that no token was found for provider p (nil: any provider).
func (c *verifyContext) traceMissing(p *provider) {
	name := "*"
	if p != nil {
		name = p.name
	}
	c.trace.Add(authtrace.Outcome{Provider: name, Token: -1, Reason: authtrace.Missing})
}

// unknownKeyNote says which of kid, alg or key type failed, and whether keys were fetched
// again for it.
func unknownKeyNote(ks *verifier.KeySet, tok *verifier.Token, remote, refetched bool) (authtrace.Reason, string) {
	r := authtrace.UnknownKeyReason(ks, tok.KeyID, tok.Alg)
	detail := ""
	if r == authtrace.KidUnknown {
		switch {
		case !remote:
			detail = "not in the local JWKS"
		case refetched:
			detail = "after refetch"
		default:
			detail = "refetch not due (x_unknown_kid_refetch_interval) or off"
		}
	}
	return r, detail
}

// compileDebugHeader resolves x_debug_header's secret (inline, or an environment variable of
// the Wasm VM) and keeps only its hash.
func compileDebugHeader(d *config.RawDebugHeader, env compileEnv, probs *config.Problems) *debugHeader {
	if d.Secret == nil || d.Name == "" {
		return nil
	}
	data := d.Secret.Data
	if d.Secret.Source == "environment_variable" {
		at := config.JoinPath(d.Secret.Path, "environment_variable")
		v, ok := env.lookupEnv(d.Secret.EnvVar)
		if !ok {
			probs.Add(at, "environment variable "+strconv.Quote(d.Secret.EnvVar)+" is not set in the Wasm VM (Envoy passes host variables only when listed in vm_config.environment_variables.host_env_keys)")
			return nil
		}
		if len(v) < config.MinDebugSecretBytes {
			probs.Add(at, "the secret must be at least "+strconv.Itoa(config.MinDebugSecretBytes)+" bytes")
			return nil
		}
		data = []byte(v)
	}
	return &debugHeader{name: d.Name, secret: sha256.Sum256(data)}
}
