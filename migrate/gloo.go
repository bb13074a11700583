package migrate

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Gloo Edge (gateway.solo.io VirtualService, VirtualHostOption, RouteOption: options jwt,
// jwtStaged, jwtProvidersStaged, rbac; API: enterprise/options/jwt/jwt.proto and
// enterprise/options/rbac/rbac.proto) and Gloo Mesh (security.policy.gloo.solo.io JWTPolicy).
// Both run Envoy's jwt_authn: several providers are OR-ed (requires_any), a request without a
// token gets 401 "Jwt is missing" unless the validation policy allows it.

const glooStageNote = "the stage of JWT verification relative to external auth (before or after ext auth) cannot be expressed: this filter runs where it sits in Envoy's filter chain"

// glooProvider converts a Gloo Edge (mesh=false) or Gloo Mesh provider.
func (c *converter) glooProvider(o obj, mesh bool) *provider {
	p := &provider{Issuer: o.Str("issuer"), Audiences: o.Strs("audiences"), Forward: o.Bool("keepToken")}
	if n, ok := o.Int("clockSkewSeconds"); ok {
		p.ClockSkewSeconds = &n
	}
	if mesh {
		c.glooMeshKeys(o, p)
	} else if jwks, ok := o.Obj("jwks"); ok {
		if l, ok := jwks.Obj("local"); ok {
			p.LocalJwks = localKeys(l.Str("key"))
			c.rest(l, "not a Gloo field jwt-migrate knows")
		}
		if r, ok := jwks.Obj("remote"); ok {
			p.RemoteJwks = c.glooRemote(r, "url", "upstreamRef")
			if a, ok := r.Obj("asyncFetch"); ok {
				p.RemoteJwks.AsyncFetch = &asyncFetch{FastListener: a.Bool("fastListener")}
				c.rest(a, "not a Gloo field jwt-migrate knows")
			}
		}
		c.rest(jwks, "not a Gloo field jwt-migrate knows")
	}
	if p.LocalJwks == nil && p.RemoteJwks == nil {
		o.fail("jwks", "missing: a provider needs keys (local or remote)")
	}
	if ts, ok := o.Obj("tokenSource"); ok {
		for _, h := range ts.List("headers") {
			name := h.Str("header")
			if mesh {
				name = h.Str("name")
			}
			if mesh {
				h.checkHeader("name", name)
			} else {
				h.checkHeader("header", name)
			}
			p.FromHeaders = append(p.FromHeaders, headerLocation{Name: name, ValuePrefix: h.Str("prefix")})
			c.rest(h, "not a Gloo field jwt-migrate knows")
		}
		p.FromParams = ts.Strs("queryParams")
		if !mesh && len(p.FromParams) == 0 {
			p.FromParams = ts.Strs("queryParameters")
		}
		c.rest(ts, "not a Gloo field jwt-migrate knows")
	}
	for _, ch := range o.List("claimsToHeaders") {
		x := xClaimToHeader{Claim: ch.Str("claim"), Header: ch.Str("header"), Append: ch.Bool("append")}
		if x.Claim == "" {
			ch.fail("claim", "missing")
		}
		ch.checkHeader("header", x.Header)
		p.XClaimsToHeaders = append(p.XClaimsToHeaders, x)
		c.rest(ch, "not a Gloo field jwt-migrate knows")
	}
	return p
}

func (c *converter) glooRemote(r obj, urlKey, refKey string) *remoteJwks {
	uri := r.Str(urlKey)
	if uri == "" {
		r.fail(urlKey, "missing")
	}
	rj := c.remote(r, urlKey, uri, "")
	if r.has(refKey) {
		r.seen[refKey] = true
		c.drop(r, refKey, "the JWKS is fetched through the Envoy cluster "+rj.HTTPURI.Cluster+" (listed below), which replaces the Gloo upstream")
	}
	for _, k := range []string{"cacheDuration", "cachedDuration"} {
		if d := r.duration(k); d != "" {
			rj.CacheDuration = d
		}
	}
	if r.Bool("enableAsyncFetch") {
		rj.AsyncFetch = &asyncFetch{}
	}
	c.rest(r, "not a Gloo field jwt-migrate knows")
	return rj
}

func (c *converter) glooMeshKeys(o obj, p *provider) {
	if l, ok := o.Obj("local"); ok {
		p.LocalJwks = localKeys(l.Str("inline"))
		c.rest(l, "not a Gloo Mesh field jwt-migrate knows")
	}
	if r, ok := o.Obj("remote"); ok {
		p.RemoteJwks = c.glooRemote(r, "url", "destinationRef")
	}
}

// glooStage converts a VhostExtension-like object: providers (OR-ed) under a validation policy.
// It returns the requirement and the names of the providers.
func (c *converter) glooStage(o obj, base string, mesh bool) (*requirement, []string) {
	var reqs []*requirement
	var names []string
	for _, n := range o.Map("providers") {
		p := c.glooProvider(n.obj, mesh)
		if !mesh {
			c.rest(n.obj, "not a Gloo provider field jwt-migrate knows")
		}
		name := c.addProvider(base+"-"+n.name, p)
		names = append(names, name)
		reqs = append(reqs, requireProvider(name))
	}
	if len(reqs) == 0 {
		o.fail("providers", "missing: no provider to convert")
	}
	req := anyOf(reqs...)
	policy := o.Str("validationPolicy")
	if o.Bool("allowMissingOrFailedJwt") {
		policy = "ALLOW_MISSING_OR_FAILED"
	}
	switch policy {
	case "", "REQUIRE_VALID":
	case "ALLOW_MISSING":
		req = anyOf(append(reqs, allowMissing())...)
	case "ALLOW_MISSING_OR_FAILED":
		req = allowMissingOrFailed()
	default:
		o.fail("validationPolicy", fmt.Sprintf("want REQUIRE_VALID, ALLOW_MISSING or ALLOW_MISSING_OR_FAILED, got %q", policy))
	}
	return req, names
}

// glooOptions is the JWT part of a Gloo Edge options object (virtual host or route level).
type glooOptions struct {
	stages       map[string]*requirement // "jwt", "beforeExtAuth", "afterExtAuth"
	disabled     map[string]bool
	rbac         []glooRBACPolicy
	permReported bool
	rbacOff      bool
	hasJWT       bool
	issuerOf     map[string]string // provider name → issuer
	rbacFound    bool
}

func (c *converter) glooEdgeOptions(o obj, base string) *glooOptions {
	g := &glooOptions{stages: map[string]*requirement{}, disabled: map[string]bool{}, issuerOf: map[string]string{}}
	stage := func(so obj, name string) {
		g.hasJWT = true
		if so.Bool("disable") {
			g.disabled[name] = true
		}
		if so.has("providers") {
			req, names := c.glooStage(so, base, false)
			g.stages[name] = req
			for _, n := range names {
				g.issuerOf[n] = c.cfg.Providers[n].Issuer
			}
		}
		c.rest(so, "not a Gloo jwt field jwt-migrate knows")
	}
	if j, ok := o.Obj("jwt"); ok {
		stage(j, "afterExtAuth")
	}
	for _, key := range []string{"jwtStaged", "jwtProvidersStaged"} {
		if s, ok := o.Obj(key); ok {
			for _, st := range []string{"beforeExtAuth", "afterExtAuth"} {
				if so, ok := s.Obj(st); ok {
					c.drop(s, st, glooStageNote)
					stage(so, st)
				}
			}
			c.rest(s, "not a Gloo stage jwt-migrate knows")
		}
	}
	if r, ok := o.Obj("rbac"); ok {
		g.rbacFound = true
		g.rbacOff = r.Bool("disable")
		g.rbac = c.glooRBAC(r, g.issuerOf)
		c.rest(r, "not a Gloo rbac field jwt-migrate knows")
	}
	// Other options (retries, CORS, ext auth, ...) are not JWT configuration: not read.
	return g
}

// glooRBACPolicy is one rbac policy: who (its principals, OR-ed; the claims of a principal
// AND-ed) may send requests matching its permissions (path prefix and methods; none: all).
type glooRBACPolicy struct {
	perm    *obj
	prefix  string
	methods []string
	who     *policy
}

// glooRBAC converts rbac policies on JWT claims.
func (c *converter) glooRBAC(r obj, issuerOf map[string]string) []glooRBACPolicy {
	var out []glooRBACPolicy
	for _, pol := range r.Map("policies") {
		delim := pol.Str("nestedClaimDelimiter")
		var principals []*policy
		for _, pr := range pol.List("principals") {
			jp, ok := pr.Obj("jwtPrincipal")
			c.rest(pr, "not a JWT principal: only jwtPrincipal is converted")
			if !ok {
				continue
			}
			p := &policy{}
			matcher := jp.Str("matcher")
			claims, _ := jp.Obj("claims")
			for _, k := range sortedKeys(claims.m) {
				v := claims.Str(k)
				path := []string{k}
				if delim != "" {
					path = strings.Split(k, delim)
				}
				cond := claimCondition{ClaimPath: path}
				switch matcher {
				case "", "EXACT_STRING":
					cond.Equals = v
				case "BOOLEAN":
					switch v {
					case "true":
						cond.Equals = true
					case "false":
						cond.Equals = false
					default:
						claims.fail(k, "want true or false with matcher BOOLEAN, got "+fmt.Sprintf("%q", v))
					}
				case "LIST_CONTAINS":
					cond.AnyOf = []string{v}
				default:
					jp.fail("matcher", fmt.Sprintf("want EXACT_STRING, BOOLEAN or LIST_CONTAINS, got %q", matcher))
				}
				p.Claims = append(p.Claims, cond)
			}
			if prov := jp.Str("provider"); prov != "" {
				iss := ""
				names := make([]string, 0, len(issuerOf))
				for name := range issuerOf {
					names = append(names, name)
				}
				sort.Strings(names)
				for _, name := range names {
					if iss == "" && (name == "gloo-"+prov || name == prov) {
						iss = issuerOf[name]
					}
				}
				if iss == "" {
					c.dropWidens(jp, "provider", "the principal is not tied to a provider with an issuer here: tokens of every provider can satisfy it")
				} else {
					p.Claims = append(p.Claims, claimCondition{Claim: "iss", Equals: iss})
				}
			}
			c.rest(jp, "not a Gloo jwtPrincipal field jwt-migrate knows")
			principals = append(principals, p)
		}
		gp := glooRBACPolicy{}
		if perm, ok := pol.Obj("permissions"); ok {
			gp.prefix, gp.methods = perm.Str("pathPrefix"), perm.Strs("methods")
			if gp.prefix != "" && gp.prefix[0] != '/' {
				perm.fail("pathPrefix", "want a path starting with /")
			}
			for _, m := range gp.methods {
				perm.checkHeader("methods", m)
			}
			for _, k := range perm.unread() {
				perm.seen[k] = true
				c.dropWidens(perm, k, "not a Gloo permission jwt-migrate knows: the policy applies without it")
			}
			if gp.prefix != "" || len(gp.methods) > 0 {
				gp.perm = &perm
			}
		}
		c.rest(pol.obj, "not a Gloo rbac policy field jwt-migrate knows")
		if len(principals) > 0 {
			gp.who = or(principals...)
			out = append(out, gp)
		}
	}
	return out
}

// glooMergedRBAC is the policies as one x_authorize for a rule that covers every path and
// method: permissions are dropped (WARNING) the first time.
func (c *converter) glooMergedRBAC(g *glooOptions) *policy {
	if len(g.rbac) == 0 {
		return nil
	}
	var alts []*policy
	for _, p := range g.rbac {
		if p.perm != nil && !g.permReported {
			for _, k := range []string{"pathPrefix", "methods"} {
				if p.perm.has(k) {
					c.dropWidens(*p.perm, k, "this rule covers more than the permission (a route of its own, or rbac on a route): the policy allows a matching token on every path and method of it")
				}
			}
		}
		alts = append(alts, p.who)
	}
	g.permReported = true
	return or(alts...)
}

// glooRBACRules expresses virtual-host rbac with permissions exactly, as rules: for every path
// prefix a permission names (longest first, then "/"), one rule per method some covering policy
// names and one for any method; each allows the principals of every policy that covers all its
// requests (a policy covers a prefix that starts with its own, and the methods it lists, or
// all). A path and method no policy covers is refused (403 for every token), as Envoy's RBAC
// denies a request no policy matches.
func glooRBACRules(pols []glooRBACPolicy, req *requirement) []*rule {
	var prefixes []string
	for _, p := range pols {
		if p.perm != nil && p.prefix != "" && !contains(prefixes, p.prefix) {
			prefixes = append(prefixes, p.prefix)
		}
	}
	sort.SliceStable(prefixes, func(i, j int) bool { return len(prefixes[i]) > len(prefixes[j]) })
	prefixes = append(prefixes, "")
	covering := func(prefix, method string) *policy {
		var who []*policy
		for _, q := range pols {
			if !strings.HasPrefix(prefix, q.prefix) {
				continue
			}
			if len(q.methods) == 0 || method != "" && contains(q.methods, method) {
				who = append(who, q.who)
			}
		}
		return or(who...).written()
	}
	var rules []*rule
	for _, prefix := range prefixes {
		match := prefix
		if match == "" {
			match = "/"
		}
		var methods []string
		for _, q := range pols {
			if strings.HasPrefix(prefix, q.prefix) {
				for _, m := range q.methods {
					if !contains(methods, m) {
						methods = append(methods, m)
					}
				}
			}
		}
		sort.Strings(methods)
		for _, m := range methods {
			rm := prefixMatch(match)
			rm.Headers = []headerMatcher{methodMatcher([]string{m})}
			rules = append(rules, &rule{Match: rm, Requires: req, XAuthorize: covering(prefix, m)})
		}
		rules = append(rules, &rule{Match: prefixMatch(match), Requires: req, XAuthorize: covering(prefix, "")})
	}
	return rules
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (g *glooOptions) requirement() *requirement {
	var reqs []*requirement
	for _, st := range []string{"beforeExtAuth", "afterExtAuth"} {
		if r := g.stages[st]; r != nil && !g.disabled[st] {
			reqs = append(reqs, r)
		}
	}
	if len(reqs) == 0 {
		return nil
	}
	return allOf(reqs...)
}

func (c *converter) glooEdge(docs []*document) {
	var vhost *glooOptions
	var routeRules []*rule
	for _, d := range docs {
		apiVersion, kind := kindOf(d)
		if !strings.HasPrefix(apiVersion, "gateway.solo.io/") {
			d.root.fail("apiVersion", fmt.Sprintf("want gateway.solo.io/v1, got %q", apiVersion))
		}
		spec, _ := d.root.Obj("spec")
		if spec.m == nil {
			d.root.fail("spec", "missing")
		}
		base := "gloo"
		switch kind {
		case "VirtualService":
			vh, ok := spec.Obj("virtualHost")
			if !ok {
				spec.fail("virtualHost", "missing")
			}
			var vo *glooOptions
			if o, ok := vh.Obj("options"); ok {
				vo = c.glooEdgeOptions(o, base)
				if vo.hasJWT || vo.rbacFound {
					vhost = mergeVhost(vhost, vo)
				}
			}
			for i, r := range vh.List("routes") {
				o, ok := r.Obj("options")
				if !ok {
					continue
				}
				ro := c.glooEdgeOptions(o, fmt.Sprintf("%s-route%d", base, i))
				if !ro.hasJWT && !ro.rbacFound {
					continue
				}
				for _, m := range c.glooMatchers(r) {
					routeRules = append(routeRules, &rule{Match: m, Requires: nil, XAuthorize: nil, XSign: nil})
					last := routeRules[len(routeRules)-1]
					last.Requires, last.XAuthorize = c.routeEffective(vhost, ro)
				}
			}
		case "VirtualHostOption", "RouteOption":
			if spec.has("targetRefs") || spec.has("targetRef") {
				spec.seen["targetRefs"], spec.seen["targetRef"] = true, true
				c.drop(spec, "targetRefs", "the "+kind+" applies to every path of the Envoy that loads this filter configuration")
			}
			o, ok := spec.Obj("options")
			if !ok {
				spec.fail("options", "missing")
			}
			vhost = mergeVhost(vhost, c.glooEdgeOptions(o, base))
		default:
			d.root.fail("kind", fmt.Sprintf("want VirtualService, VirtualHostOption or RouteOption, got %q", kind))
		}
	}
	c.cfg.Rules = append(c.cfg.Rules, routeRules...)
	if vhost != nil {
		req := vhost.requirement()
		hasPerm := false
		for _, p := range vhost.rbac {
			hasPerm = hasPerm || p.perm != nil
		}
		switch {
		case req == nil && len(vhost.rbac) > 0 && !vhost.rbacOff:
			panic(&InputError{Msg: "rbac on JWT claims without a JWT provider to verify the token"})
		case req == nil:
		case hasPerm && !vhost.rbacOff && !vhost.permReported:
			c.cfg.Rules = append(c.cfg.Rules, glooRBACRules(vhost.rbac, req)...)
		default:
			r := &rule{Match: prefixMatch("/"), Requires: req}
			if !vhost.rbacOff {
				if p := c.glooMergedRBAC(vhost); p != nil {
					r.XAuthorize = p.written()
				}
			}
			c.cfg.Rules = append(c.cfg.Rules, r)
		}
	}
}

func mergeVhost(have, next *glooOptions) *glooOptions {
	if have == nil {
		return next
	}
	for k, v := range next.stages {
		have.stages[k] = v
	}
	for k, v := range next.issuerOf {
		have.issuerOf[k] = v
	}
	if next.rbacFound {
		have.rbac, have.rbacOff, have.rbacFound = next.rbac, next.rbacOff, true
	}
	return have
}

// routeEffective is a route's requirement and policy: the route's stages replace the virtual
// host's, a disabled stage is removed, the route's rbac replaces the virtual host's.
func (c *converter) routeEffective(vhost, route *glooOptions) (*requirement, *policy) {
	g := &glooOptions{stages: map[string]*requirement{}, disabled: route.disabled}
	var authz *policy
	if vhost != nil {
		for k, v := range vhost.stages {
			g.stages[k] = v
		}
		if !vhost.rbacOff && !route.rbacFound {
			authz = c.glooMergedRBAC(vhost)
		}
	}
	for k, v := range route.stages {
		g.stages[k] = v
	}
	if route.rbacFound && !route.rbacOff {
		authz = c.glooMergedRBAC(route)
	}
	req := g.requirement()
	if req == nil || authz == nil {
		return req, nil
	}
	return req, authz.written()
}

// glooMatchers converts a route's matchers (prefix, exact, regex, methods) into rule matches.
func (c *converter) glooMatchers(r obj) []routeMatch {
	ms := r.List("matchers")
	if len(ms) == 0 {
		return []routeMatch{prefixMatch("/")}
	}
	var out []routeMatch
	for _, m := range ms {
		var rm routeMatch
		switch {
		case m.has("exact"):
			rm = pathMatch(m.Str("exact"))
		case m.has("regex"):
			re := m.Str("regex")
			if _, err := regexp.Compile(re); err != nil {
				m.fail("regex", "not a regular expression: "+err.Error())
			}
			rm = routeMatch{SafeRegex: &regexMatcher{Regex: re}}
		default:
			p := m.Str("prefix")
			if p == "" {
				p = "/"
			}
			rm = prefixMatch(p)
		}
		if methods := m.Strs("methods"); len(methods) > 0 {
			rm.Headers = append(rm.Headers, methodMatcher(methods))
		}
		for _, k := range m.unread() {
			m.seen[k] = true
			c.drop(m, k, "the rule matches on the path (and methods) only")
		}
		out = append(out, rm)
	}
	return out
}

func methodMatcher(methods []string) headerMatcher {
	if len(methods) == 1 {
		return headerMatcher{Name: ":method", StringMatch: stringMatcher{Exact: methods[0]}}
	}
	quoted := make([]string, len(methods))
	for i, m := range methods {
		quoted[i] = regexp.QuoteMeta(m)
	}
	return headerMatcher{Name: ":method", StringMatch: stringMatcher{SafeRegex: &regexMatcher{Regex: strings.Join(quoted, "|")}}}
}

// Gloo Mesh JWTPolicy: providers OR-ed; every token present must be valid (the documented
// "if a request has both the header and query parameter, both tokens must be valid":
// x_require_valid_tokens); requiredScopes and claims → x_authorize (403 when they fail).
func (c *converter) glooMesh(docs []*document) {
	var reqs []*requirement
	var groups []*policy
	anyAuthz := false
	policies := 0
	for _, d := range docs {
		apiVersion, kind := kindOf(d)
		if !strings.HasPrefix(apiVersion, "security.policy.gloo.solo.io/") {
			d.root.fail("apiVersion", fmt.Sprintf("want security.policy.gloo.solo.io/v2, got %q", apiVersion))
		}
		if kind != "JWTPolicy" {
			d.root.fail("kind", fmt.Sprintf("want JWTPolicy, got %q", kind))
		}
		policies++
		spec, _ := d.root.Obj("spec")
		if spec.m == nil {
			d.root.fail("spec", "missing")
		}
		for _, k := range []string{"applyToRoutes", "applyToDestinations"} {
			if spec.has(k) {
				spec.seen[k] = true
				c.drop(spec, k, "the policy applies to every path of the Envoy that loads this filter configuration")
			}
		}
		cfg, ok := spec.Obj("config")
		if !ok {
			spec.fail("config", "missing")
		}
		if cfg.has("phase") {
			cfg.seen["phase"] = true
			c.drop(cfg, "phase", glooStageNote)
		}
		providers := cfg.Map("providers")
		if len(providers) == 0 {
			cfg.fail("providers", "missing: no provider to convert")
		}
		for _, n := range providers {
			p := c.glooProvider(n.obj, true)
			name := c.addProvider(n.name, p)
			reqs = append(reqs, requireProvider(name))
			authz := &policy{ScopesAllOf: n.Strs("requiredScopes")}
			for _, cl := range n.List("claims") {
				key := cl.Str("key")
				if key == "" {
					cl.fail("key", "missing")
				}
				base := claimCondition{ClaimPath: []string{key}}
				if key == "scope" || key == "scp" {
					base.Split = "space"
				}
				if v := cl.Strs("values"); len(v) > 0 {
					cond := base
					cond.AnyOf = v
					authz.Claims = append(authz.Claims, cond)
				}
				if v := cl.Strs("notValues"); len(v) > 0 {
					cond := base
					cond.NoneOf = v
					authz.Claims = append(authz.Claims, cond)
				}
				if !cl.has("values") && !cl.has("notValues") {
					t := true
					cond := base
					cond.Present = &t
					authz.Claims = append(authz.Claims, cond)
				}
				c.rest(cl, "not a Gloo Mesh claim field jwt-migrate knows")
			}
			if !authz.isAlways() {
				anyAuthz = true
			}
			if p.Issuer != "" {
				authz.Claims = append([]claimCondition{{Claim: "iss", Equals: p.Issuer}}, authz.Claims...)
			} else if len(providers) > 1 || len(docs) > 1 {
				c.dropWidens(n.obj, "claims", "this provider has no issuer, so its claim and scope requirements cannot be tied to its tokens: they apply to the tokens of every provider")
			}
			groups = append(groups, authz)
			c.rest(n.obj, "not a Gloo Mesh provider field jwt-migrate knows")
		}
		c.rest(cfg, "not a Gloo Mesh config field jwt-migrate knows")
		c.rest(spec, "not a Gloo Mesh spec field jwt-migrate knows")
	}
	r := &rule{Match: prefixMatch("/"), Requires: anyOf(reqs...)}
	if anyAuthz {
		p := or(groups...)
		if len(groups) == 1 && len(groups[0].Claims) > 0 && groups[0].Claims[0].Claim == "iss" {
			// One provider: its issuer is already checked by the provider.
			g := *groups[0]
			g.Claims = g.Claims[1:]
			p = &g
		}
		r.XAuthorize = p.written()
	}
	if policies > 1 {
		c.drops = append(c.drops, Drop{Doc: docs[0].index, Label: docs[0].label, Path: "spec.applyToRoutes",
			Reason: "several JWTPolicies are merged into one rule for every path: a token of any of their providers is accepted on every route", Widens: true})
	}
	c.cfg.XRequireValidTokens = true
	c.cfg.Rules = append(c.cfg.Rules, r)
}
