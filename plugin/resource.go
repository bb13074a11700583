package plugin

import (
	"errors"
	"strings"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/oauth"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
)

// This file wires the resource-server extensions (EXTENSIONS.md, "Resource-server
// extensions"; the checks are package oauth) into the request path:
//
//   - x_require_typ, x_mtls_bound and x_dpop are checked on each token a provider verified
//     (checkResource, from verifyToken), JWT cache hits included;
//   - step-up (x_authorize acr_values, max_age) after the requirement passed, before the
//     rest of x_authorize (stepUpMet, from decide);
//   - a DPoP proof's jti is recorded once the request passed (recordProofs, from decide);
//   - the RFC 9728 document is answered before any rule (resource_metadata.go), and the
//     challenges of every refusal are shaped in resource_challenge.go.

// dpopScheme is the Authorization prefix of DPoP-bound tokens (RFC 9449 §7.1). Like Envoy's
// "Bearer " it is matched as written.
const dpopScheme = "DPoP "

// dpopHeader is the proof's header (RFC 9449 §4.1).
const dpopHeader = "dpop"

// peerCertificateProperty is Envoy's attribute connection.sha256_peer_certificate_digest.
var peerCertificateProperty = []string{"connection", "sha256_peer_certificate_digest"}

// providerResource is a provider's resource-server extensions, compiled.
type providerResource struct {
	active     bool // any of the below is set
	requireTyp []string
	mtlsBound  bool
	dpop       *dpopConfig
}

type dpopConfig struct {
	policy       *oauth.DPoPPolicy
	required     bool
	htuBase      string // normalised, without trailing "/"; "" uses the request's scheme and authority
	forwardProof bool
	algs         string // space-separated, for the challenge's algs
	replay       oauth.ReplayCache
	validFor     time.Duration // how long after its iat a proof verifies: max_age plus the skew
}

// configResource is the configuration-wide part.
type configResource struct {
	protected    *oauth.ProtectedResource // x_protected_resource
	needPeerCert bool                     // some provider has x_mtls_bound
	active       bool                     // some challenge differs from Envoy's
}

// ruleResource is a rule's part: its step-up and the challenge its refusals carry.
type ruleResource struct {
	stepUp    *oauth.StepUp
	challenge ruleChallenge
}

// connInfo is what the filter read of the downstream connection.
type connInfo struct {
	certDigest string
	hasCert    bool
}

// locationSource is where a provider's tokens are: its own locations, and with x_dpop the
// Authorization header with the DPoP scheme too (beside the defaults when it names none).
func locationSource(rp *config.RawProvider) request.LocationSource {
	src := request.LocationSource{Issuer: rp.Issuer, Headers: rp.FromHeaders, Params: rp.FromParams, Cookies: rp.FromCookies}
	if rp.DPoP == nil {
		return src
	}
	if len(src.Headers) == 0 && len(src.Params) == 0 && len(src.Cookies) == 0 {
		src.Headers = []config.RawHeaderLocation{{Name: "authorization", Prefix: "Bearer "}}
		src.Params = []string{"access_token"}
	}
	src.Headers = append(append([]config.RawHeaderLocation(nil), src.Headers...), config.RawHeaderLocation{Name: "authorization", Prefix: dpopScheme})
	return src
}

// compileProviderResource compiles a provider's x_dpop, x_require_typ and x_mtls_bound.
func compileProviderResource(p *provider, rp *config.RawProvider, probs *config.Problems) {
	r := &p.res
	r.requireTyp = rp.RequireTyp
	r.mtlsBound = rp.MTLSBound
	if d := rp.DPoP; d != nil {
		policy, err := oauth.NewDPoPPolicy(d.AllowedAlgs, d.MaxAge, p.skew)
		if err != nil {
			probs.Add(config.JoinPath(d.Path, "allowed_algs"), err.Error())
			return
		}
		algs := make([]string, 0, len(policy.Algs()))
		for _, a := range policy.Algs() {
			algs = append(algs, string(a))
		}
		r.dpop = &dpopConfig{
			policy: policy, required: d.Required, htuBase: d.HTUBase, forwardProof: d.ForwardProof,
			algs:     strings.Join(algs, " "),
			replay:   oauth.ReplayCache{Prefix: "jwt_authn/dpop/v1|" + p.name + "|"},
			validFor: policy.MaxAge() + p.skew + time.Second,
		}
		p.ext = request.NewExtractor(locationSource(rp))
	}
	r.active = r.requireTyp != nil || r.mtlsBound || r.dpop != nil
}

// compileConfigResource compiles x_protected_resource and every rule's step-up and challenge.
func compileConfigResource(rt *filterConfig, raw *config.RawConfig) {
	rt.res.protected = raw.ProtectedResource
	for _, p := range rt.providers {
		rt.res.needPeerCert = rt.res.needPeerCert || p.res.mtlsBound
	}
	for i, ru := range rt.rules {
		rr := raw.Rules[i]
		if a := rr.Authorize; a != nil && (a.ACRValues != nil || a.HasMaxAge) {
			// Checked at parse time; the skew tolerates an auth_time slightly in the future.
			ru.res.stepUp, _ = oauth.NewStepUp(a.ACRValues, a.MaxAge, a.HasMaxAge, defaultClockSkew)
		}
		ru.res.challenge = compileRuleChallenge(rt, ru.req)
		if ru.res.stepUp != nil || ru.res.challenge.dpop {
			rt.res.active = true
		}
	}
	if rt.res.protected != nil {
		rt.res.active = true
	}
}

// readConnInfo reads the client certificate's digest (only when a provider needs it), while
// the request headers are processed: Envoy answers connection attributes in any stream
// callback, but a test emulator may not after a pause.
func readConnInfo() connInfo {
	v, err := proxywasm.GetProperty(peerCertificateProperty)
	if err != nil || len(v) == 0 {
		return connInfo{}
	}
	return connInfo{certDigest: string(v), hasCert: true}
}

// checkResource applies a provider's resource-server extensions to a token it verified
// (called for JWT cache hits too). e is where the token was found.
func (c *verifyContext) checkResource(p *provider, e request.Extracted, entry *cacheEntry) status.Status {
	r := &p.res
	tok := entry.tok
	if r.requireTyp != nil {
		typ := tok.Header.Get("typ")
		if oauth.CheckTyp(typ.Str, typ.Type == gjson.String, r.requireTyp) != nil {
			return status.TokenTypeInvalid
		}
	}
	if r.mtlsBound {
		var conn connInfo
		if c.conn != nil {
			conn = *c.conn
		}
		if oauth.CheckCertificateBinding(tok.Claims, conn.certDigest, conn.hasCert) != nil {
			return status.CertBindingInvalid
		}
	}
	viaDPoP := isDPoPLocation(e)
	if r.dpop == nil {
		if viaDPoP {
			// A DPoP-scheme location of another provider of the same issuer (allow_missing
			// modes): this provider cannot check the proof.
			return status.JwtVerificationFail
		}
		return status.OK
	}
	if !viaDPoP {
		// RFC 9449 §7.2: a DPoP-bound token is never accepted as a Bearer token.
		if r.dpop.required || oauth.CheckNotDPoPBound(tok.Claims) != nil {
			return status.DPoPRequired
		}
		return status.OK
	}
	// §4.3 check 1: exactly one DPoP header.
	if c.req.Count(dpopHeader) != 1 {
		return status.DPoPProofInvalid
	}
	proof, _ := c.req.Header(dpopHeader)
	pr, err := r.dpop.policy.Verify(proof, oauth.DPoPRequest{
		Method: c.req.Method(), URI: r.dpop.requestURI(c.req), AccessToken: e.Token, Now: c.now,
	})
	if err != nil {
		return status.DPoPProofInvalid
	}
	if oauth.CheckJKT(tok.Claims, pr.JKT) != nil {
		return status.DPoPBindingInvalid
	}
	if c.out != nil {
		c.out.proofs = append(c.out.proofs, seenProof{d: r.dpop, jkt: pr.JKT, jti: pr.JTI,
			expires: time.Unix(pr.IssuedAt, 0).Add(r.dpop.validFor)})
		if !r.dpop.forwardProof {
			c.out.ops = append(c.out.ops, headerOp{kind: opRemove, name: dpopHeader})
		}
	}
	return status.OK
}

func isDPoPLocation(e request.Extracted) bool {
	return e.Loc != nil && e.Loc.Kind == request.LocHeader && e.Loc.Name == "authorization" && e.Loc.Prefix() == dpopScheme
}

// requestURI is the URI a proof's htu must name: htu_base + :path, else :scheme://:authority
// + :path (query and fragment are dropped when both are normalised).
func (d *dpopConfig) requestURI(req *request.Request) string {
	path := req.Path()
	if d.htuBase != "" {
		return d.htuBase + path
	}
	scheme, _ := req.Header(":scheme")
	authority, _ := req.Header(":authority")
	return scheme + "://" + authority + path
}

// seenProof is a verified proof to record in the replay cache once the request passed.
type seenProof struct {
	d        *dpopConfig
	jkt, jti string
	expires  time.Time
}

// recordProofs records the request's proofs; one seen before refuses the request. A failing
// shared data refuses it too (fail closed).
func recordProofs(proofs []seenProof, now time.Time) status.Status {
	for _, sp := range proofs {
		seen, err := sp.d.replay.Seen(sharedReplayStore{}, sp.jkt, sp.jti, now, sp.expires)
		if err != nil {
			proxywasm.LogError("jwt_authn: DPoP replay cache unavailable; refusing the request")
			return status.Internal
		}
		if seen {
			return status.DPoPProofInvalid
		}
	}
	return status.OK
}

// stepUpMet reports whether one verified token meets the rule's step-up.
func stepUpMet(s *oauth.StepUp, tokens []*cacheEntry, now time.Time) bool {
	for _, e := range tokens {
		if s.Check(e.tok.Claims, now) == nil {
			return true
		}
	}
	return false
}

// sharedReplayStore is oauth.ReplayStore on proxy-wasm shared data.
type sharedReplayStore struct{}

func (sharedReplayStore) Get(key string) ([]byte, uint32, bool, error) {
	v, cas, err := proxywasm.GetSharedData(key)
	if errors.Is(err, types.ErrorStatusNotFound) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	return v, cas, true, nil
}

func (sharedReplayStore) Set(key string, value []byte, cas uint32) (bool, error) {
	err := proxywasm.SetSharedData(key, value, cas)
	if errors.Is(err, types.ErrorStatusCasMismatch) {
		return true, nil
	}
	return false, err
}
