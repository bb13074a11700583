package plugin

import (
	"sort"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
)

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
					if len(g.byIssuer[iss]) == 0 {
						c.unknownIssuer(iss)
					}
					for _, m := range g.byIssuer[iss] {
						if !containsInt(groupCandidates, m) {
							groupCandidates = append(groupCandidates, m)
						}
					}
				}
			}
			// The status of a non-candidate: the fate of the token Envoy tries first.
			st = status.JwtUnknownIssuer
			if last := tokens[len(tokens)-1].Token; !c.knownWellFormed(last) {
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
