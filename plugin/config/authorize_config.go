package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// This file reads the x_authorize extension of a RequirementRule (EXTENSIONS.md): a policy
// on the claims of the tokens the rule's requirement verified. authorize.go compiles and
// evaluates it. Every problem is reported with its JSON path, like the rest of the
// configuration.

// RawAuthorize is one policy object: x_authorize itself, or one group of its "any".
type RawAuthorize struct {
	path        string
	Claims      []*RawAuthzClaim
	ScopesAllOf []string
	ScopesAnyOf []string
	RolesAllOf  []string
	RolesAnyOf  []string
	RolesClaim  string // dot path; "" inherits the enclosing policy's (default realm_access.roles)
	Any         []*RawAuthorize

	// Step-up (RFC 9470; resource_config.go), top level only.
	ACRValues []string
	MaxAge    time.Duration
	HasMaxAge bool
}

type AuthzOp uint8

const (
	AuthzAnyOf AuthzOp = iota
	AuthzAllOf
	AuthzNoneOf
	AuthzEquals
	AuthzPresent
)

// authzOpFields are the condition members of a claims entry, exactly one of which is set.
var authzOpFields = []string{"any_of", "all_of", "none_of", "equals", "present"}

type RawAuthzClaim struct {
	path     string
	Segments []string // the claim's path: claim split on ".", or claim_path
	Op       AuthzOp
	Values   []string     // any_of / all_of / none_of
	Equals   gjson.Result // a string, number or boolean
	Present  bool
	Split    byte // 0, ' ' or ','
}

// maxAllOf bounds all_of lists: matching tracks the values found in one 64-bit mask.
const maxAllOf = 64

// DefaultRolesClaim is Keycloak's realm roles, the most common place for roles in a token.
const DefaultRolesClaim = "realm_access.roles"

var authorizeFields = []string{"claims", "scopes_all_of", "scopes_any_of", "roles_all_of", "roles_any_of", "roles_claim", "any", "acr_values", "max_age"}

// parseAuthorize reads a policy object; nil when absent (or null).
func parseAuthorize(v gjson.Result, path string, probs *Problems) *RawAuthorize {
	o := decodeObject(v, path, probs, authorizeFields...)
	if o == nil {
		return nil
	}
	a := &RawAuthorize{path: path}
	for i, c := range o.array("claims") {
		if ac := parseAuthzClaim(c, indexPath(o.at("claims"), i), probs); ac != nil {
			a.Claims = append(a.Claims, ac)
		}
	}
	a.ScopesAllOf = valueList(o, "scopes_all_of", 0, true, probs)
	a.ScopesAnyOf = valueList(o, "scopes_any_of", 0, true, probs)
	a.RolesAllOf = valueList(o, "roles_all_of", 0, false, probs)
	a.RolesAnyOf = valueList(o, "roles_any_of", 0, false, probs)
	parseStepUp(o, a, probs)
	if len(a.RolesAllOf) > maxAllOf {
		probs.Add(o.at("roles_all_of"), "must list at most "+strconv.Itoa(maxAllOf)+" values")
	}
	if len(a.ScopesAllOf) > maxAllOf {
		probs.Add(o.at("scopes_all_of"), "must list at most "+strconv.Itoa(maxAllOf)+" values")
	}
	if o.has("roles_claim") {
		a.RolesClaim = o.str("roles_claim")
		if a.RolesClaim == "" || strings.Contains("."+a.RolesClaim+".", "..") {
			probs.Add(o.at("roles_claim"), `must be a claim name, nested with "." (no empty segment)`)
		}
	}
	if o.has("any") {
		groups := o.array("any")
		if len(groups) == 0 && o.vals["any"].IsArray() {
			probs.Add(o.at("any"), "must not be empty")
		}
		for i, g := range groups {
			gp := indexPath(o.at("any"), i)
			if !g.IsObject() {
				probs.Add(gp, "must be an object (a policy: claims, scopes_*, roles_*, any)")
				continue
			}
			if sub := parseAuthorize(g, gp, probs); sub != nil {
				checkNestedStepUp(sub, probs)
				a.Any = append(a.Any, sub)
			}
		}
	}
	return a
}

func parseAuthzClaim(v gjson.Result, path string, probs *Problems) *RawAuthzClaim {
	o := decodeObject(v, path, probs, "claim", "claim_path", "any_of", "all_of", "none_of", "equals", "present", "split")
	if o == nil {
		probs.Add(path, "must be an object {claim or claim_path, and one of "+strings.Join(authzOpFields, ", ")+"}")
		return nil
	}
	c := &RawAuthzClaim{path: path}

	switch o.oneof("claim", "claim_path") {
	case "claim":
		name := o.str("claim")
		if name == "" || strings.Contains("."+name+".", "..") {
			probs.Add(o.at("claim"), `must be a claim name, nested with "." (no empty segment); use claim_path for names that contain "."`)
		}
		c.Segments = strings.Split(name, ".")
	case "claim_path":
		c.Segments = claimPathSegments(o, probs)
	default:
		probs.Add(path, "exactly one of claim, claim_path must be set")
	}

	switch s := o.str("split"); s {
	case "":
	case "space":
		c.Split = ' '
	case "comma":
		c.Split = ','
	default:
		probs.Add(o.at("split"), `must be "space", "comma" or ""`)
	}

	set := 0
	for _, f := range authzOpFields {
		if o.has(f) {
			set++
		}
	}
	if set != 1 {
		probs.Add(path, "exactly one of "+strings.Join(authzOpFields, ", ")+" must be set")
		return c
	}
	switch {
	case o.has("any_of"):
		c.Op, c.Values = AuthzAnyOf, valueList(o, "any_of", c.Split, false, probs)
	case o.has("all_of"):
		c.Op, c.Values = AuthzAllOf, valueList(o, "all_of", c.Split, false, probs)
		if len(c.Values) > maxAllOf {
			probs.Add(o.at("all_of"), "must list at most "+strconv.Itoa(maxAllOf)+" values")
		}
	case o.has("none_of"):
		c.Op, c.Values = AuthzNoneOf, valueList(o, "none_of", c.Split, false, probs)
	case o.has("equals"):
		c.Op, c.Equals = AuthzEquals, o.vals["equals"]
		switch c.Equals.Type {
		case gjson.String, gjson.Number, gjson.True, gjson.False:
		default:
			probs.Add(o.at("equals"), "must be a string, a number or a boolean")
		}
	case o.has("present"):
		c.Op, c.Present = AuthzPresent, o.boolean("present")
	}
	if c.Split != 0 && (c.Op == AuthzEquals || c.Op == AuthzPresent) {
		probs.Add(o.at("split"), "applies only to any_of, all_of and none_of")
	}
	return c
}

// claimPathSegments reads claim_path: literal member names, each a string or Envoy's
// JwtClaimToHeader form {"key": "..."}, so a claim_path can be copied from claim_to_headers.
func claimPathSegments(o *object, probs *Problems) []string {
	items := o.array("claim_path")
	if len(items) == 0 && o.vals["claim_path"].IsArray() {
		probs.Add(o.at("claim_path"), "must not be empty")
	}
	var segs []string
	for i, it := range items {
		at := indexPath(o.at("claim_path"), i)
		var seg string
		switch {
		case it.Type == gjson.String:
			seg = it.Str
		case it.IsObject():
			so := decodeObject(it, at, probs, "key")
			seg = so.str("key")
		default:
			probs.Add(at, `must be a string or {"key": "..."}`)
			continue
		}
		if seg == "" {
			probs.Add(at, "must not be empty")
		}
		segs = append(segs, seg)
	}
	return segs
}

// valueList reads a non-empty list of non-empty strings. With a split separator, a value
// holding the separator could never equal one of the split parts: refused. Scopes
// (scopes_all_of / scopes_any_of) must be RFC 6749 scope-tokens (printable ASCII without
// space, '"' and '\'): scopes are space-delimited in a token and listed in the quoted scope
// attribute of WWW-Authenticate.
func valueList(o *object, field string, split byte, scopes bool, probs *Problems) []string {
	if !o.has(field) {
		return nil
	}
	items := o.array(field)
	if len(items) == 0 && o.vals[field].IsArray() {
		probs.Add(o.at(field), "must not be empty")
	}
	var out []string
	for i, it := range items {
		at := indexPath(o.at(field), i)
		switch {
		case it.Type != gjson.String:
			probs.Add(at, "must be a string")
			continue
		case it.Str == "":
			probs.Add(at, "must not be empty")
		case scopes && !isScopeToken(it.Str):
			probs.Add(at, `is not an OAuth scope (RFC 6749: printable ASCII without space, '"' or '\')`)
		case split != 0 && strings.IndexByte(it.Str, split) >= 0:
			probs.Add(at, "contains the split separator, so it could never match")
		}
		out = append(out, it.Str)
	}
	return out
}

func isScopeToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return s != ""
}

// checkAuthorizeRules refuses x_authorize on a rule whose requirement verifies no token
// (none, or the empty JwtRequirement, directly or through requirement_map): the policy
// could never hold there, so every request would be refused.
func checkAuthorizeRules(cfg *RawConfig, probs *Problems) {
	for _, rr := range cfg.Rules {
		if rr.Authorize != nil && verifiesNoToken(rr, cfg.RequirementMap) {
			probs.Add(rr.Authorize.path, "the rule's requirement verifies no token (none, or an empty one), so the policy could never hold; add requires")
		}
	}
}

// verifiesNoToken: the rule has no requirement, or the empty one.
func verifiesNoToken(rr *RawRule, named []RawNamedRequirement) bool {
	req := rr.Requires
	if rr.RequirementName != "" {
		for _, nr := range named {
			if nr.Name == rr.RequirementName {
				req = nr.Req
			}
		}
		if req == nil {
			return false // an unknown name is reported on its own
		}
	}
	return req == nil || req.Kind == reqAllowAll
}
