package plugin

import (
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/keys"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/metrics"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
	"sort"
	"time"
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

// verifyContext is one request's verification (Envoy's ContextImpl).
type verifyContext struct {
	rt     *filterConfig
	req    *request.Request
	now    time.Time
	nowSec int64
	out    *outputs // nil when only checking (x_require_valid_tokens): no side effects
	parsed []parsedToken
	counts [metrics.NumCounters]uint32
	// pending lists the remote key sets this run waits for (statusPending).
	pending []*keys.Entry
}

func (c *verifyContext) count(k metrics.Counter) { c.counts[k]++ }

// wait records that the run needs keys e is fetching.
// Now is the time the request is verified at (keys.Request).
func (c *verifyContext) Now() time.Time { return c.now }

// Wait registers e as an entry this run waits for (keys.Request).
func (c *verifyContext) Wait(e *keys.Entry) {
	for _, p := range c.pending {
		if p == e {
			return
		}
	}
	c.pending = append(c.pending, e)
}

// sanitize is Envoy's Extractor::sanitizeHeaders, which every leaf runs before it extracts:
// the headers its providers set are removed, including values that an earlier leaf of this
// request added (so two providers writing one header do not both reach the upstream). Client
// copies are already gone (the filter strips them first), so until something was added this
// is a no-op and costs nothing.
func (c *verifyContext) sanitize(names []string) {
	if c.out == nil || c.out.adds == 0 {
		return
	}
	for _, n := range names {
		c.out.ops = append(c.out.ops, headerOp{kind: opRemove, name: n})
	}
}

type opKind uint8

const (
	opAdd         opKind = iota // append a header line (Envoy addCopy)
	opSet                       // replace every line of the header by this one
	opRemove                    // remove every line of the header
	opRemoveParam               // remove a query parameter (name) from :path
)

type headerOp struct {
	kind  opKind
	name  string
	value string
}

// outputs is what a request's verification adds to it, applied by the filter once the
// decision is made.
type outputs struct {
	ops  []headerOp
	adds int         // add/set ops so far: while 0, removing the filter's headers is a no-op
	meta []metaEntry // one entry per name, the latest write wins (Envoy's Struct fields)
	// verified is every token that verified (its JWT cache entry, or a fresh one), for
	// x_authorize (authorize.go); it starts in verifiedBuf so that the usual one or two tokens
	// cost no allocation.
	verified    []*cacheEntry
	verifiedBuf [2]*cacheEntry
}

// addVerified records a verified token once, however many providers verified it.
func (o *outputs) addVerified(e *cacheEntry) {
	for _, v := range o.verified {
		if v == e || v.token == e.token {
			return
		}
	}
	if o.verified == nil {
		o.verified = o.verifiedBuf[:0]
	}
	o.verified = append(o.verified, e)
}

func (o *outputs) setMeta(key string, v []byte) {
	for i := range o.meta {
		if o.meta[i].key == key {
			o.meta[i].value = v
			return
		}
	}
	o.meta = append(o.meta, metaEntry{key: key, value: v})
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

// everyTokenRequirement is x_require_valid_tokens (Gloo Mesh's "every token present must be
// valid"): each token found in any provider's locations must verify with the provider of its
// issuer; no token at all passes. Unlike allow_missing, a bad token is never outweighed by a
// good one.
type everyTokenRequirement struct{}

func (everyTokenRequirement) verify(c *verifyContext) status.Status {
	tokens := c.rt.allExt.Extract(c.req, nil)
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

// anyIndex lets requires_any pick its candidate children by the tokens' issuers instead of
// trying every provider (Istio generates requires_any over all providers; with 100 tenants
// that is 100 authenticators per request). A child that is a provider (with an issuer)
// fails, without side effects, whenever none of the tokens in its locations carries its
// issuer, and its status is then known from the tokens alone: JwtMissed when there are
// none, otherwise the fate of the token Envoy would try first (the last found) — its parse
// error, or JwtUnknownIssuer. So only candidates (a token carries their issuer) and
// children that are not indexed are evaluated, in the original order; the others enter the
// error preference by position. Results are identical to trying every child, except that
// non-candidates do not touch the JWT cache counters or failed_status_in_metadata.
type anyIndex struct {
	groups []*anyGroup
	others []int // children evaluated every time, ascending
}

// anyGroup is the indexed children whose providers look in the same locations.
type anyGroup struct {
	ext      *request.Extractor
	members  []int            // ascending
	byIssuer map[string][]int // issuer -> members with that issuer, ascending
}

// minIndexed is the number of indexable children from which an index pays off.
const minIndexed = 2

func buildAnyIndex(children []requirement) *anyIndex {
	idx := &anyIndex{}
	byKey := map[string]*anyGroup{}
	n := 0
	for i, ch := range children {
		pr, ok := ch.(*providerRequirement)
		if !ok || pr.p.issuer == "" {
			idx.others = append(idx.others, i)
			continue
		}
		g := byKey[pr.p.ext.Key]
		if g == nil {
			g = &anyGroup{ext: pr.p.ext, byIssuer: map[string][]int{}}
			byKey[pr.p.ext.Key] = g
			idx.groups = append(idx.groups, g)
		}
		g.members = append(g.members, i)
		g.byIssuer[pr.p.issuer] = append(g.byIssuer[pr.p.issuer], i)
		n++
	}
	if n < minIndexed {
		return nil
	}
	return idx
}

type childResult struct {
	index int
	st    status.Status
}

func (r *anyRequirement) indexed(c *verifyContext) status.Status {
	idx := r.index
	// Small fixed buffers: the common case (one location group, a token or two) allocates
	// nothing here.
	var nonCandidateStatusBuf [4]status.Status
	var candsBuf [4][]int
	var activeBuf [8]int
	var tokBuf [4]request.Extracted
	nonCandidateStatus, cands, active := nonCandidateStatusBuf[:0], candsBuf[:0], activeBuf[:0]
	for _, g := range idx.groups {
		tokens := g.ext.Extract(c.req, tokBuf[:0])
		var groupCandidates []int
		st := status.JwtMissed
		if len(tokens) > 0 {
			for _, t := range tokens {
				if iss, ok := c.issuerOf(t.Token); ok {
					for _, m := range g.byIssuer[iss] {
						if !containsInt(groupCandidates, m) {
							groupCandidates = append(groupCandidates, m)
						}
					}
				}
			}
			// The status of a non-candidate: the fate of the token Envoy tries first.
			st = status.JwtUnknownIssuer
			if last := tokens[len(tokens)-1].Token; !c.knownWellFormed(last, r.children, groupCandidates) {
				if _, parseStatus := c.parse(last); parseStatus != status.OK {
					st = parseStatus
				}
			}
		}
		nonCandidateStatus = append(nonCandidateStatus, st)
		cands = append(cands, groupCandidates)
		active = append(active, groupCandidates...)
	}
	active = append(active, idx.others...)
	sort.Ints(active)

	var resultsBuf [4]childResult
	results := resultsBuf[:0]
	prev := -1
	pending := false
	for _, i := range active {
		r.sanitizeSkipped(c, prev+1, i)
		prev = i
		st := r.children[i].verify(c)
		switch st {
		case status.OK:
			return status.OK
		case status.Pending:
			pending = true
			continue
		}
		results = append(results, childResult{i, st})
	}
	r.sanitizeSkipped(c, prev+1, len(r.children))
	if pending {
		return status.Pending
	}

	// Envoy's preference, by position: the real error with the highest index, else
	// JwtUnknownIssuer if any child has it, else JwtMissed.
	lastReal, realSt, unknown := -1, status.OK, false
	note := func(i int, st status.Status) {
		switch {
		case isRealError(st):
			if i > lastReal {
				lastReal, realSt = i, st
			}
		case st == status.JwtUnknownIssuer:
			unknown = true
		}
	}
	for _, res := range results {
		note(res.index, res.st)
	}
	for gi, g := range idx.groups {
		for j := len(g.members) - 1; j >= 0; j-- {
			if !containsInt(cands[gi], g.members[j]) {
				note(g.members[j], nonCandidateStatus[gi]) // the highest non-candidate stands for them all
				break
			}
		}
	}
	switch {
	case lastReal >= 0:
		return realSt
	case unknown:
		return status.JwtUnknownIssuer
	}
	return status.JwtMissed
}

// sanitizeSkipped runs, for the children in [from, to) that the index skipped, the header
// sanitising Envoy would have run when trying them (see verifyContext.sanitize). It only loops
// when something was added earlier in the request.
func (r *anyRequirement) sanitizeSkipped(c *verifyContext, from, to int) {
	if c.out == nil || c.out.adds == 0 {
		return
	}
	for j := from; j < to; j++ {
		if pr, ok := r.children[j].(*providerRequirement); ok {
			c.sanitize(pr.p.sanitize)
		}
	}
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
