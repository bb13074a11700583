package plugin

import (
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
)

// This file is Envoy's verifier.cc: the requirement tree a matching rule applies, evaluated
// synchronously against one request.
//
//	provider_name / provider_and_audiences: every token in the provider's locations must
//	    verify for that provider; none is JwtMissed.
//	requires_all: children in order, the first failure is the result.
//	requires_any: children in order, the first success is the result; when all fail, the
//	    error reported is the last one that is neither JwtMissed nor JwtUnknownIssuer, else
//	    JwtUnknownIssuer if any child saw a token of another issuer, else JwtMissed
//	    (Envoy PR #10385). allow_missing / allow_missing_or_failed children are flags that
//	    turn JwtMissed / any failure of the group into success.
//	allow_missing / allow_missing_or_failed (alone): the tokens of every provider are
//	    verified, each by the provider of its issuer; missing passes, and with
//	    allow_missing_or_failed so does every failure.
//	an empty requirement: passes.
//
// Headers and metadata of every token that verified are kept even when the whole
// requirement fails, as Envoy applies them at once (they only matter when the request
// passes anyway, as under allow_missing_or_failed).

type requirement interface {
	verify(c *verifyContext) status.Status
}

type allowAllRequirement struct{}

func (allowAllRequirement) verify(*verifyContext) status.Status { return status.OK }

type providerRequirement struct {
	p      *provider
	aud    []string
	hasAud bool
}

func (r *providerRequirement) verify(c *verifyContext) status.Status {
	c.sanitize(r.p.sanitize)
	var buf [4]request.Extracted
	return c.authenticate(r.p.ext.Extract(c.req, buf[:0]), authMode{p: r.p, aud: r.aud, hasAud: r.hasAud})
}

// allowRequirement is a lone allow_missing (allowFailed false) or allow_missing_or_failed.
type allowRequirement struct{ allowFailed bool }

func (r *allowRequirement) verify(c *verifyContext) status.Status {
	c.sanitize(c.rt.allSanitize)
	return c.authenticate(c.rt.allExt.Extract(c.req, nil), authMode{allowFailed: r.allowFailed, allowMissing: true})
}

// extractOnlyRequirement is extract_only_without_validation as Envoy 1.40 implements it
// (plugin/EXTENSIONS.md): every token in any provider's locations is verified, each by the
// provider of its issuer, as under allow_missing_or_failed; the request always passes; the
// claims of tokens that verified are forwarded; a token that did not verify forwards nothing
// and sets header (when not turned off) to "false". Its tokens bypass every cache
// (authMode.extractOnly).
type extractOnlyRequirement struct{ header string }

func (r *extractOnlyRequirement) verify(c *verifyContext) status.Status {
	c.sanitize(c.rt.allSanitize)
	before := c.unverified
	c.unverified = false
	st := c.authenticate(c.rt.allExt.Extract(c.req, nil), authMode{allowFailed: true, allowMissing: true, extractOnly: true})
	if st == status.Pending {
		c.unverified = before
		return st
	}
	if c.unverified && r.header != "" && c.out != nil {
		c.out.ops = append(c.out.ops, headerOp{kind: opSet, name: r.header, value: "false"})
		c.out.adds++
	}
	c.unverified = c.unverified || before
	return status.OK
}

// everyTokenRequirement is x_require_valid_tokens (Gloo Mesh's "every token present must be
// valid"): each token found in any provider's locations must verify with the provider of its
// issuer; no token at all passes. Unlike allow_missing, a bad token is never outweighed by a
// good one. Every occurrence counts: each line of a repeated header, and each query
// parameter or cookie of a location's name, where Envoy (and the requirement before this
// one) looks only at the first.
type everyTokenRequirement struct{}

func (everyTokenRequirement) verify(c *verifyContext) status.Status {
	tokens := c.rt.allExt.ExtractEvery(c.req, nil)
	if len(tokens) == 0 {
		return status.OK
	}
	return c.authenticate(tokens, authMode{})
}

type allRequirement struct{ children []requirement }

// verify returns the first failure. A child waiting for keys does not stop the others: Envoy
// runs them in parallel and completes at the first failure, which may come from a later
// child while the fetch is out.
func (r *allRequirement) verify(c *verifyContext) status.Status {
	pending := false
	for _, ch := range r.children {
		switch st := ch.verify(c); st {
		case status.OK:
		case status.Pending:
			pending = true
		default:
			return st
		}
	}
	if pending {
		return status.Pending
	}
	return status.OK
}

type anyRequirement struct {
	children     []requirement
	allowMissing bool
	allowFailed  bool
	index        *anyIndex // nil: evaluate every child in order
}

func (r *anyRequirement) verify(c *verifyContext) status.Status {
	if r.index != nil {
		return r.finish(r.indexed(c))
	}
	final := status.JwtMissed
	pending := false
	for _, ch := range r.children {
		st := ch.verify(c)
		switch st {
		case status.OK:
			return status.OK
		case status.Pending:
			pending = true
			continue
		}
		final = preferError(final, st)
	}
	if pending {
		// No child passed yet; one may once its keys are there (Envoy waits too, also under
		// allow_missing_or_failed, whose outputs depend on it).
		return status.Pending
	}
	return r.finish(final)
}

func (r *anyRequirement) finish(final status.Status) status.Status {
	switch {
	case final == status.OK, r.allowFailed:
		return status.OK
	case r.allowMissing && final == status.JwtMissed:
		return status.OK
	}
	return final
}

// preferError folds children's failures in order as Envoy's AnyVerifierImpl::onComplete.
func preferError(final, child status.Status) status.Status {
	if isRealError(child) || final == status.JwtMissed {
		return child
	}
	return final
}

func isRealError(s status.Status) bool {
	return s != status.OK && s != status.JwtMissed && s != status.JwtUnknownIssuer
}
