package plugin

import (
	"strings"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/oauth"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
)

// ruleChallenge is which challenges a rule's refusals carry (RFC 9110 §11.6.1): Bearer, DPoP
// (RFC 9449 §7.1) or both (§7.2), from the providers its requirement names.
type ruleChallenge struct {
	bearer bool
	dpop   bool
	algs   string // the DPoP challenge's algs: every x_dpop provider's, without repeats
}

// compileRuleChallenge: DPoP when a provider has x_dpop; Bearer when one has none or has
// required: false. A rule without requirement (or without providers) gets Envoy's Bearer.
func compileRuleChallenge(rt *filterConfig, req requirement) ruleChallenge {
	var rc ruleChallenge
	var algs []string
	for _, p := range requirementProviders(rt, req, nil) {
		d := p.res.dpop
		if d == nil || !d.required {
			rc.bearer = true
		}
		if d == nil {
			continue
		}
		rc.dpop = true
		for _, a := range strings.Fields(d.algs) {
			if !contains(algs, a) {
				algs = append(algs, a)
			}
		}
	}
	if !rc.dpop {
		rc.bearer = true
	}
	rc.algs = strings.Join(algs, " ")
	return rc
}

// requirementProviders lists the providers a requirement tree may verify tokens with.
func requirementProviders(rt *filterConfig, req requirement, out []*provider) []*provider {
	add := func(p *provider) {
		for _, q := range out {
			if q == p {
				return
			}
		}
		out = append(out, p)
	}
	switch r := req.(type) {
	case *providerRequirement:
		add(r.p)
	case *allRequirement:
		for _, ch := range r.children {
			out = requirementProviders(rt, ch, out)
		}
	case *anyRequirement:
		for _, ch := range r.children {
			out = requirementProviders(rt, ch, out)
		}
		if r.allowMissing || r.allowFailed {
			for _, p := range rt.providers {
				add(p)
			}
		}
	case *allowRequirement, everyTokenRequirement:
		for _, p := range rt.providers {
			add(p)
		}
	}
	return out
}

// resourceChallenges replaces Envoy's one Bearer challenge of a refusal with the challenges
// the resource-server extensions call for, when any is configured (otherwise headers are
// returned as they are): Bearer and/or DPoP as the rule's providers accept, the error (with
// scope, or acr_values and max_age for a step-up) on the challenge of the scheme the client
// used (RFC 9449 §7.2, Figure 18; invalid_dpop_proof always on DPoP's), algs on DPoP's, and
// resource_metadata (RFC 9728 §5.1) on each. Every parameter value is a quoted string with
// '"' and '\' escaped. strip_failure_response and internal errors carry no challenge.
func (f *httpContext) resourceChallenges(headers [][2]string, st status.Status, req *request.Request, scope string) [][2]string {
	rt := f.rt
	if rt == nil || !rt.res.active || rt.stripFailureResponse || st == status.Internal {
		return headers
	}
	rc := ruleChallenge{bearer: true}
	var stepUp *oauth.StepUp
	if f.rule != nil {
		rc = f.rule.res.challenge
		stepUp = f.rule.res.stepUp
	}
	out := headers[:0:0]
	for _, h := range headers {
		if h[0] != "www-authenticate" {
			out = append(out, h)
		}
	}
	r := status.ReplyOf(st)
	errParams := [][2]string{{"error", r.BearerError}}
	switch {
	case r.BearerError == status.ErrInsufficientScope:
		errParams = append(errParams, [2]string{"scope", scope})
	case st == status.StepUpRequired && stepUp != nil:
		errParams = append(errParams, stepUp.ChallengeParams()...)
	}
	usedDPoP := false
	if auth, ok := req.Header("authorization"); ok && strings.HasPrefix(auth, dpopScheme) {
		usedDPoP = true
	}
	if r.BearerError == status.ErrInvalidDPoPProof || !rc.bearer {
		usedDPoP = true
	}
	if !rc.dpop {
		usedDPoP = false
	}
	var metadata [2]string
	if pr := rt.res.protected; pr != nil {
		scheme, _ := req.Header(":scheme")
		authority, _ := req.Header(":authority")
		metadata = [2]string{"resource_metadata", pr.MetadataURL(scheme, authority)}
	}
	realmParam := [2]string{"realm", realm(req)}
	if rc.bearer {
		params := [][2]string{realmParam}
		if !usedDPoP {
			params = append(params, errParams...)
		}
		out = append(out, [2]string{"www-authenticate", oauth.Challenge("Bearer", append(params, metadata)...)})
	}
	if rc.dpop {
		params := [][2]string{realmParam}
		if usedDPoP {
			params = append(params, errParams...)
		}
		params = append(params, [2]string{"algs", rc.algs}, metadata)
		out = append(out, [2]string{"www-authenticate", oauth.Challenge("DPoP", params...)})
	}
	return out
}
