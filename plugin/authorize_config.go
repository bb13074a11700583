package plugin

import (
	"strconv"
	"strings"

	"github.com/tidwall/gjson"
)

// This file reads the x_authorize extension of a RequirementRule (EXTENSIONS.md): a policy
// on the claims of the tokens the rule's requirement verified. authorize.go compiles and
// evaluates it. Every problem is reported with its JSON path, like the rest of the
// configuration.

// rawAuthorize is one policy object: x_authorize itself, or one group of its "any".
type rawAuthorize struct {
	path        string
	claims      []*rawAuthzClaim
	scopesAllOf []string
	scopesAnyOf []string
	rolesAllOf  []string
	rolesAnyOf  []string
	rolesClaim  string // dot path; "" inherits the enclosing policy's (default realm_access.roles)
	any         []*rawAuthorize
}

type authzOp uint8

const (
	authzAnyOf authzOp = iota
	authzAllOf
	authzNoneOf
	authzEquals
	authzPresent
)

// authzOpFields are the condition members of a claims entry, exactly one of which is set.
var authzOpFields = []string{"any_of", "all_of", "none_of", "equals", "present"}

type rawAuthzClaim struct {
	path     string
	segments []string // the claim's path: claim split on ".", or claim_path
	op       authzOp
	values   []string     // any_of / all_of / none_of
	equals   gjson.Result // a string, number or boolean
	present  bool
	split    byte // 0, ' ' or ','
}

// maxAllOf bounds all_of lists: matching tracks the values found in one 64-bit mask.
const maxAllOf = 64

// defaultRolesClaim is Keycloak's realm roles, the most common place for roles in a token.
const defaultRolesClaim = "realm_access.roles"

var authorizeFields = []string{"claims", "scopes_all_of", "scopes_any_of", "roles_all_of", "roles_any_of", "roles_claim", "any"}

// parseAuthorize reads a policy object; nil when absent (or null).
func parseAuthorize(v gjson.Result, path string, probs *problems) *rawAuthorize {
	o := decodeObject(v, path, probs, authorizeFields...)
	if o == nil {
		return nil
	}
	a := &rawAuthorize{path: path}
	for i, c := range o.array("claims") {
		if ac := parseAuthzClaim(c, indexPath(o.at("claims"), i), probs); ac != nil {
			a.claims = append(a.claims, ac)
		}
	}
	a.scopesAllOf = valueList(o, "scopes_all_of", 0, true, probs)
	a.scopesAnyOf = valueList(o, "scopes_any_of", 0, true, probs)
	a.rolesAllOf = valueList(o, "roles_all_of", 0, false, probs)
	a.rolesAnyOf = valueList(o, "roles_any_of", 0, false, probs)
	if len(a.rolesAllOf) > maxAllOf {
		probs.add(o.at("roles_all_of"), "must list at most "+strconv.Itoa(maxAllOf)+" values")
	}
	if len(a.scopesAllOf) > maxAllOf {
		probs.add(o.at("scopes_all_of"), "must list at most "+strconv.Itoa(maxAllOf)+" values")
	}
	if o.has("roles_claim") {
		a.rolesClaim = o.str("roles_claim")
		if a.rolesClaim == "" || strings.Contains("."+a.rolesClaim+".", "..") {
			probs.add(o.at("roles_claim"), `must be a claim name, nested with "." (no empty segment)`)
		}
	}
	if o.has("any") {
		groups := o.array("any")
		if len(groups) == 0 && o.vals["any"].IsArray() {
			probs.add(o.at("any"), "must not be empty")
		}
		for i, g := range groups {
			gp := indexPath(o.at("any"), i)
			if !g.IsObject() {
				probs.add(gp, "must be an object (a policy: claims, scopes_*, roles_*, any)")
				continue
			}
			if sub := parseAuthorize(g, gp, probs); sub != nil {
				a.any = append(a.any, sub)
			}
		}
	}
	return a
}

func parseAuthzClaim(v gjson.Result, path string, probs *problems) *rawAuthzClaim {
	o := decodeObject(v, path, probs, "claim", "claim_path", "any_of", "all_of", "none_of", "equals", "present", "split")
	if o == nil {
		probs.add(path, "must be an object {claim or claim_path, and one of "+strings.Join(authzOpFields, ", ")+"}")
		return nil
	}
	c := &rawAuthzClaim{path: path}

	switch o.oneof("claim", "claim_path") {
	case "claim":
		name := o.str("claim")
		if name == "" || strings.Contains("."+name+".", "..") {
			probs.add(o.at("claim"), `must be a claim name, nested with "." (no empty segment); use claim_path for names that contain "."`)
		}
		c.segments = strings.Split(name, ".")
	case "claim_path":
		c.segments = claimPathSegments(o, probs)
	default:
		probs.add(path, "exactly one of claim, claim_path must be set")
	}

	switch s := o.str("split"); s {
	case "":
	case "space":
		c.split = ' '
	case "comma":
		c.split = ','
	default:
		probs.add(o.at("split"), `must be "space", "comma" or ""`)
	}

	set := 0
	for _, f := range authzOpFields {
		if o.has(f) {
			set++
		}
	}
	if set != 1 {
		probs.add(path, "exactly one of "+strings.Join(authzOpFields, ", ")+" must be set")
		return c
	}
	switch {
	case o.has("any_of"):
		c.op, c.values = authzAnyOf, valueList(o, "any_of", c.split, false, probs)
	case o.has("all_of"):
		c.op, c.values = authzAllOf, valueList(o, "all_of", c.split, false, probs)
		if len(c.values) > maxAllOf {
			probs.add(o.at("all_of"), "must list at most "+strconv.Itoa(maxAllOf)+" values")
		}
	case o.has("none_of"):
		c.op, c.values = authzNoneOf, valueList(o, "none_of", c.split, false, probs)
	case o.has("equals"):
		c.op, c.equals = authzEquals, o.vals["equals"]
		switch c.equals.Type {
		case gjson.String, gjson.Number, gjson.True, gjson.False:
		default:
			probs.add(o.at("equals"), "must be a string, a number or a boolean")
		}
	case o.has("present"):
		c.op, c.present = authzPresent, o.boolean("present")
	}
	if c.split != 0 && (c.op == authzEquals || c.op == authzPresent) {
		probs.add(o.at("split"), "applies only to any_of, all_of and none_of")
	}
	return c
}

// claimPathSegments reads claim_path: literal member names, each a string or Envoy's
// JwtClaimToHeader form {"key": "..."}, so a claim_path can be copied from claim_to_headers.
func claimPathSegments(o *object, probs *problems) []string {
	items := o.array("claim_path")
	if len(items) == 0 && o.vals["claim_path"].IsArray() {
		probs.add(o.at("claim_path"), "must not be empty")
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
			probs.add(at, `must be a string or {"key": "..."}`)
			continue
		}
		if seg == "" {
			probs.add(at, "must not be empty")
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
func valueList(o *object, field string, split byte, scopes bool, probs *problems) []string {
	if !o.has(field) {
		return nil
	}
	items := o.array(field)
	if len(items) == 0 && o.vals[field].IsArray() {
		probs.add(o.at(field), "must not be empty")
	}
	var out []string
	for i, it := range items {
		at := indexPath(o.at(field), i)
		switch {
		case it.Type != gjson.String:
			probs.add(at, "must be a string")
			continue
		case it.Str == "":
			probs.add(at, "must not be empty")
		case scopes && !isScopeToken(it.Str):
			probs.add(at, `is not an OAuth scope (RFC 6749: printable ASCII without space, '"' or '\')`)
		case split != 0 && strings.IndexByte(it.Str, split) >= 0:
			probs.add(at, "contains the split separator, so it could never match")
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
func checkAuthorizeRules(cfg *rawConfig, probs *problems) {
	for _, rr := range cfg.rules {
		if rr.authorize != nil && verifiesNoToken(rr, cfg.requirementMap) {
			probs.add(rr.authorize.path, "the rule's requirement verifies no token (none, or an empty one), so the policy could never hold; add requires")
		}
	}
}

// verifiesNoToken: the rule has no requirement, or the empty one.
func verifiesNoToken(rr *rawRule, named []rawNamedRequirement) bool {
	req := rr.requires
	if rr.requirementName != "" {
		for _, nr := range named {
			if nr.name == rr.requirementName {
				req = nr.req
			}
		}
		if req == nil {
			return false // an unknown name is reported on its own
		}
	}
	return req == nil || req.kind == reqAllowAll
}
