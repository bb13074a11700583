package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/oauth"
)

// This file reads the resource-server extensions (EXTENSIONS.md, "Resource-server
// extensions"): x_protected_resource (RFC 9728) at the top, x_dpop (RFC 9449), x_require_typ
// (RFC 9068) and x_mtls_bound (RFC 8705) on a provider, and the step-up members acr_values and
// max_age (RFC 9470) of x_authorize. The checks themselves live in package oauth.

// RawDPoP is a provider's x_dpop.
type RawDPoP struct {
	Path         string
	Required     bool
	MaxAge       time.Duration // 0: oauth.DefaultDPoPMaxAge
	AllowedAlgs  []string      // nil: oauth.DefaultDPoPAlgs
	HTUBase      string        // "" : the request's scheme and authority
	ForwardProof bool
}

// maxDPoPMaxAge bounds x_dpop.max_age: a proof is a one-request credential; the replay cache
// must hold its jti that long.
const maxDPoPMaxAge = time.Hour

// maxRequireTyp bounds x_require_typ.
const maxRequireTyp = 16

// parseResourceProvider reads a provider's x_dpop, x_require_typ and x_mtls_bound.
func parseResourceProvider(o *object, p *RawProvider, probs *Problems) {
	if d := o.obj("x_dpop", "required", "max_age", "allowed_algs", "htu_base", "forward_proof"); d != nil {
		p.DPoP = parseDPoP(d, probs)
	}
	if o.has("x_require_typ") {
		p.RequireTyp = o.strings("x_require_typ")
		switch {
		case len(p.RequireTyp) == 0:
			probs.Add(o.at("x_require_typ"), `must list at least one type (such as "at+jwt")`)
		case len(p.RequireTyp) > maxRequireTyp:
			probs.Add(o.at("x_require_typ"), "must list at most "+strconv.Itoa(maxRequireTyp)+" types")
		}
		for i, t := range p.RequireTyp {
			if t == "" || len(t) > oauth.MaxTypBytes || strings.ContainsAny(t, " \t;,") || strings.Count(t, "/") > 1 {
				probs.Add(indexPath(o.at("x_require_typ"), i), `must be a media type without parameters, such as "at+jwt" or "application/at+jwt"`)
			}
		}
	}
	p.MTLSBound = o.boolean("x_mtls_bound")
}

func parseDPoP(d *object, probs *Problems) *RawDPoP {
	r := &RawDPoP{Path: d.path}
	if !d.has("required") {
		probs.Add(d.at("required"), "missing: true (only DPoP-bound tokens, with a proof) or false (Bearer tokens without cnf too)")
	}
	r.Required = d.boolean("required")
	if age, ok := d.duration("max_age"); ok {
		if age < time.Second || age > maxDPoPMaxAge {
			probs.Add(d.at("max_age"), `must be between "1s" and "3600s"`)
		}
		r.MaxAge = age
	}
	if d.has("allowed_algs") {
		r.AllowedAlgs = d.strings("allowed_algs")
		if r.AllowedAlgs == nil {
			r.AllowedAlgs = []string{}
		}
		if _, err := oauth.NewDPoPPolicy(r.AllowedAlgs, 0, 0); err != nil {
			probs.Add(d.at("allowed_algs"), err.Error())
		}
	}
	if d.has("htu_base") {
		r.HTUBase = d.str("htu_base")
		n, err := oauth.NormalizeHTU(r.HTUBase)
		if err != nil || strings.ContainsAny(r.HTUBase, "?#") {
			probs.Add(d.at("htu_base"), "must be an absolute http(s) URL without query or fragment, such as https://api.example.com")
		} else {
			// The request's :path (which starts with "/") is appended to it.
			r.HTUBase = strings.TrimSuffix(n, "/")
		}
	}
	r.ForwardProof = d.boolean("forward_proof")
	return r
}

// parseProtectedResource reads the top-level x_protected_resource.
func parseProtectedResource(top *object, probs *Problems) *oauth.ProtectedResource {
	v, ok := top.raw("x_protected_resource")
	if !ok {
		return nil
	}
	pr, errs := oauth.ParseProtectedResource(v)
	for _, e := range errs {
		probs.Add(JoinPath(top.at("x_protected_resource"), e.Field), e.Msg)
	}
	return pr
}

// parseStepUp reads acr_values and max_age of a top-level x_authorize policy.
func parseStepUp(o *object, a *RawAuthorize, probs *Problems) {
	if o.has("acr_values") {
		a.ACRValues = o.strings("acr_values")
		if len(a.ACRValues) == 0 {
			probs.Add(o.at("acr_values"), "must list at least one value")
		}
	}
	a.MaxAge, a.HasMaxAge = o.duration("max_age")
	if a.ACRValues == nil && !a.HasMaxAge {
		return
	}
	if _, err := oauth.NewStepUp(a.ACRValues, a.MaxAge, a.HasMaxAge, 0); err != nil {
		field, msg, _ := strings.Cut(err.Error(), ": ")
		if i := strings.IndexByte(field, '['); i >= 0 {
			probs.Add(o.at(field[:i])+field[i:], msg)
		} else {
			probs.Add(o.at(field), msg)
		}
	}
}

// checkNestedStepUp refuses acr_values and max_age inside an "any" group: a step-up is asked
// for the whole request, with one challenge.
func checkNestedStepUp(sub *RawAuthorize, probs *Problems) {
	if sub.ACRValues != nil || sub.HasMaxAge {
		probs.Add(sub.path, "acr_values and max_age are allowed only at the top of x_authorize, not in an any group")
	}
}
