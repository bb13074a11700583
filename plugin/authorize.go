package plugin

import (
	"strings"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config"
)

// This file is the x_authorize extension (EXTENSIONS.md): after a rule's requirement passed,
// a policy on the claims of the tokens it verified, answered 403 insufficient_scope when it
// does not hold. What Istio's AuthorizationPolicy (request.auth.claims), KrakenD's
// roles/scopes and agentgateway's JWT rules let users ask of the token layer.
//
// A policy holds when every one of its conditions holds and, when it has "any" groups, at
// least one of them holds. Over several verified tokens, a positive condition (any_of,
// all_of, equals, present: true) holds when it holds for one token's claims; a negative one
// (none_of, present: false) is the exact negation of its positive form, so it holds only
// when it holds for every token (a forbidden role in any verified token refuses).
//
// The policy is compiled once; evaluation reads the tokens' already parsed claims with
// gjson and allocates nothing (required values are pre-built sets; string claims are split
// in place), and a lone token's verdict is kept in its JWT cache entry. Claim values are
// never logged.

// authorizer is a rule's compiled x_authorize.
type authorizer struct {
	root authzGroup
	// scope is the scopes the policy asks for (scopes_all_of and scopes_any_of, in order,
	// without repeats), for the scope attribute of WWW-Authenticate; "" when none.
	scope string
}

type authzGroup struct {
	conds []authzCond
	any   []authzGroup
}

type authzCond struct {
	// paths are the claim's member names; the first path present in a token is used (scope,
	// then scp for the scopes_* shorthands).
	paths   [][]claimSeg
	op      config.AuthzOp
	set     valueSet // any_of, all_of, none_of
	full    uint64   // all_of: the mask with one bit per value of set
	split   byte     // 0, ' ' or ','
	eqType  gjson.Type
	eqStr   string
	eqNum   float64
	present bool
}

// scopeClaims are where scopes_* look: OAuth's space-delimited "scope" (RFC 8693, 9068),
// else "scp" (Azure AD, Okta: a string or an array).
func scopeClaims() [][]claimSeg {
	return [][]claimSeg{claimSegs([]string{"scope"}), claimSegs([]string{"scp"})}
}

func compileAuthorize(raw *config.RawAuthorize) *authorizer {
	a := &authorizer{}
	var scopes []string
	a.root = compileAuthzGroup(raw, config.DefaultRolesClaim, &scopes)
	a.scope = strings.Join(scopes, " ")
	return a
}

func compileAuthzGroup(raw *config.RawAuthorize, rolesClaim string, scopes *[]string) authzGroup {
	if raw.RolesClaim != "" {
		rolesClaim = raw.RolesClaim // groups inherit their parent's roles_claim
	}
	var g authzGroup
	for _, c := range raw.Claims {
		g.conds = append(g.conds, compileAuthzClaim(c))
	}
	for _, sc := range []struct {
		op   config.AuthzOp
		vals []string
	}{{config.AuthzAllOf, raw.ScopesAllOf}, {config.AuthzAnyOf, raw.ScopesAnyOf}} {
		if len(sc.vals) == 0 {
			continue
		}
		g.conds = append(g.conds, newSetCond(scopeClaims(), sc.op, sc.vals, ' '))
		for _, s := range sc.vals {
			if !contains(*scopes, s) {
				*scopes = append(*scopes, s)
			}
		}
	}
	roles := [][]claimSeg{claimSegs(strings.Split(rolesClaim, "."))}
	if len(raw.RolesAllOf) > 0 {
		g.conds = append(g.conds, newSetCond(roles, config.AuthzAllOf, raw.RolesAllOf, 0))
	}
	if len(raw.RolesAnyOf) > 0 {
		g.conds = append(g.conds, newSetCond(roles, config.AuthzAnyOf, raw.RolesAnyOf, 0))
	}
	for _, sub := range raw.Any {
		g.any = append(g.any, compileAuthzGroup(sub, rolesClaim, scopes))
	}
	return g
}

func compileAuthzClaim(raw *config.RawAuthzClaim) authzCond {
	paths := [][]claimSeg{claimSegs(raw.Segments)}
	switch raw.Op {
	case config.AuthzEquals:
		return authzCond{paths: paths, op: config.AuthzEquals, eqType: raw.Equals.Type, eqStr: raw.Equals.Str, eqNum: raw.Equals.Num}
	case config.AuthzPresent:
		return authzCond{paths: paths, op: config.AuthzPresent, present: raw.Present}
	}
	return newSetCond(paths, raw.Op, raw.Values, raw.Split)
}

func newSetCond(paths [][]claimSeg, op config.AuthzOp, values []string, split byte) authzCond {
	c := authzCond{paths: paths, op: op, split: split, set: newValueSet(values)}
	if n := len(c.set.list); n >= 64 {
		c.full = ^uint64(0)
	} else {
		c.full = 1<<n - 1
	}
	return c
}

// allows reports whether the verified tokens satisfy the policy; no token never does. The
// verdict on a lone token is remembered in its JWT cache entry: walking the claims costs
// several microseconds in Wasm, about as much as the rest of a cached request.
func (a *authorizer) allows(tokens []*cacheEntry) bool {
	switch len(tokens) {
	case 0:
		return false
	case 1:
		e := tokens[0]
		if e.authz != a {
			e.authz, e.authzOK = a, a.root.holds(tokens)
		}
		return e.authzOK
	}
	return a.root.holds(tokens)
}

func (g *authzGroup) holds(tokens []*cacheEntry) bool {
	for i := range g.conds {
		if !g.conds[i].holds(tokens) {
			return false
		}
	}
	if len(g.any) == 0 {
		return true
	}
	for i := range g.any {
		if g.any[i].holds(tokens) {
			return true
		}
	}
	return false
}

func (c *authzCond) holds(tokens []*cacheEntry) bool {
	negative := c.op == config.AuthzNoneOf || (c.op == config.AuthzPresent && !c.present)
	for _, e := range tokens {
		if c.matches(e.tok.Claims) {
			return !negative
		}
	}
	return negative
}

// matches is the positive form of the condition on one token's claims: any_of for none_of,
// present: true for present: false.
func (c *authzCond) matches(claims gjson.Result) bool {
	var v gjson.Result
	for _, p := range c.paths {
		if v = findClaim(claims, p, false); v.Exists() && v.Type != gjson.Null {
			break
		}
	}
	if !v.Exists() || v.Type == gjson.Null {
		return false
	}
	switch c.op {
	case config.AuthzPresent:
		return true
	case config.AuthzEquals:
		switch c.eqType {
		case gjson.String:
			return v.Type == gjson.String && v.Str == c.eqStr
		case gjson.Number:
			return v.Type == gjson.Number && v.Num == c.eqNum
		}
		return v.Type == c.eqType // true, false
	case config.AuthzAllOf:
		var seen uint64
		eachValue(v, c.split, func(s string) bool {
			if i := c.set.find(s); i >= 0 {
				seen |= 1 << uint(i)
			}
			return seen != c.full
		})
		return seen == c.full
	}
	found := false // any_of, none_of
	eachValue(v, c.split, func(s string) bool {
		found = c.set.find(s) >= 0
		return !found
	})
	return found
}

// eachValue calls yield with the strings a claim holds, until yield returns false: a string
// (split on sep unless sep is 0, empty parts skipped), or the string elements of an array
// (not split; other elements ignored). Other types hold no string. The strings are slices of
// the claims (gjson allocates only to unescape a string that has escapes).
func eachValue(v gjson.Result, sep byte, yield func(string) bool) {
	switch {
	case v.Type == gjson.String:
		splitEach(v.Str, sep, yield)
	case v.IsArray():
		v.ForEach(func(_, e gjson.Result) bool {
			if e.Type != gjson.String {
				return true
			}
			return yield(e.Str)
		})
	}
}

// splitEach yields the parts of s between sep bytes, spaces around them trimmed and empty
// ones skipped; s itself when sep is 0.
func splitEach(s string, sep byte, yield func(string) bool) {
	if sep == 0 {
		yield(s)
		return
	}
	for len(s) > 0 {
		part := s
		if i := strings.IndexByte(s, sep); i >= 0 {
			part, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		part = strings.Trim(part, " ")
		if part != "" && !yield(part) {
			return
		}
	}
}

// valueSet is a compiled list of required values: a linear scan for short lists (faster
// than hashing in Wasm), a map above smallSet.
type valueSet struct {
	list  []string
	index map[string]int
}

const smallSet = 8

func newValueSet(values []string) valueSet {
	var s valueSet
	for _, v := range values {
		if !contains(s.list, v) {
			s.list = append(s.list, v)
		}
	}
	if len(s.list) > smallSet {
		s.index = make(map[string]int, len(s.list))
		for i, v := range s.list {
			s.index[v] = i
		}
	}
	return s
}

// find returns the index of v in the set, or -1.
func (s *valueSet) find(v string) int {
	if s.index != nil {
		if i, ok := s.index[v]; ok {
			return i
		}
		return -1
	}
	for i, x := range s.list {
		if x == v {
			return i
		}
	}
	return -1
}
