package migrate

import (
	"fmt"
	"regexp"
	"strings"
)

// agentgateway (agentgateway.dev "JWT authentication"; the standalone configuration's jwtAuth
// policy, and the Kubernetes AgentgatewayPolicy's spec.traffic.jwtAuthentication):
//   - strict: a valid token of a configured issuer must be present (401 otherwise);
//   - optional (the default): a token present must be valid, none is fine;
//   - permissive: never refused.
// The token is read from "Authorization: Bearer" unless location says otherwise, and a token
// without exp is refused unless jwtValidationOptions.requiredClaims leaves exp out.

func (c *converter) agentgateway(docs []*document) {
	var routeRules, catchAll []*rule
	for _, d := range docs {
		root := d.root
		if kind := root.Str("kind"); kind != "" {
			apiVersion, kind := kindOf(d)
			if kind != "AgentgatewayPolicy" {
				root.fail("kind", fmt.Sprintf("want AgentgatewayPolicy (or an agentgateway configuration file), got %q", kind))
			}
			_ = apiVersion
			spec, ok := root.Obj("spec")
			if !ok {
				root.fail("spec", "missing")
			}
			for _, k := range []string{"targetRefs", "targetSelectors"} {
				if spec.has(k) {
					spec.seen[k] = true
					c.drop(spec, k, "the policy applies to every path of the Envoy that loads this filter configuration")
				}
			}
			tr, ok := spec.Obj("traffic")
			if !ok {
				spec.fail("traffic", "missing: no traffic.jwtAuthentication to convert")
			}
			ja, ok := tr.Obj("jwtAuthentication")
			if !ok {
				tr.fail("jwtAuthentication", "missing")
			}
			catchAll = append(catchAll, &rule{Match: prefixMatch("/"), Requires: c.agwJWT(ja, "agentgateway", true)})
			c.agwAuthorization(tr)
			continue
		}
		d.label = "agentgateway configuration"
		found := false
		policies := func(o obj, where string) *requirement {
			p, ok := o.Obj("policies")
			if !ok {
				return nil
			}
			c.agwAuthorization(p)
			if ja, ok := p.Obj("jwtAuth"); ok {
				found = true
				return c.agwJWT(ja, where, false)
			}
			return nil
		}
		if ja, ok := root.Obj("jwtAuth"); ok {
			found = true
			catchAll = append(catchAll, &rule{Match: prefixMatch("/"), Requires: c.agwJWT(ja, "agentgateway", false)})
		}
		if r := policies(root, "agentgateway"); r != nil {
			catchAll = append(catchAll, &rule{Match: prefixMatch("/"), Requires: r})
		}
		for _, mode := range []string{"llm", "mcp"} {
			if m, ok := root.Obj(mode); ok {
				if r := policies(m, "agentgateway-"+mode); r != nil {
					catchAll = append(catchAll, &rule{Match: prefixMatch("/"), Requires: r})
				}
			}
		}
		for i, gp := range root.List("gatewayPolicies") {
			if p, ok := gp.Obj("policy"); ok {
				c.agwAuthorization(p)
				if ja, ok := p.Obj("jwtAuth"); ok {
					found = true
					if gp.has("target") {
						gp.seen["target"] = true
						c.drop(gp, "target", "the policy applies to every path of the Envoy that loads this filter configuration")
					}
					catchAll = append(catchAll, &rule{Match: prefixMatch("/"), Requires: c.agwJWT(ja, fmt.Sprintf("agentgateway-gw%d", i), false)})
				}
			}
		}
		for bi, b := range root.List("binds") {
			for li, l := range b.List("listeners") {
				if r := policies(l, fmt.Sprintf("agentgateway-l%d-%d", bi, li)); r != nil {
					catchAll = append(catchAll, &rule{Match: prefixMatch("/"), Requires: r})
				}
				for ri, rt := range l.List("routes") {
					name := rt.Str("name")
					if name == "" {
						name = fmt.Sprintf("r%d-%d-%d", bi, li, ri)
					}
					r := policies(rt, "agentgateway-"+name)
					if r == nil {
						continue
					}
					for _, m := range c.agwMatches(rt) {
						routeRules = append(routeRules, &rule{Match: m, Requires: r})
					}
				}
			}
		}
		if !found {
			root.fail("", "no jwtAuth policy found (looked at jwtAuth, policies, llm/mcp policies, gatewayPolicies, binds[].listeners[].policies and routes[].policies)")
		}
	}
	if len(catchAll) > 1 {
		c.note("%d gateway- or listener-level jwtAuth policies: only the first applies to paths no route-level policy covers (rules match first to last)", len(catchAll))
	}
	c.cfg.Rules = append(append(c.cfg.Rules, routeRules...), catchAll...)
}

func (c *converter) agwAuthorization(o obj) {
	if o.has("authorization") {
		o.seen["authorization"] = true
		c.dropWidens(o, "authorization", "CEL authorization rules are not converted: requests they refused pass; express them as x_authorize by hand or keep them in agentgateway")
	}
}

// agwMatches converts a route's matches[].path (exact, pathPrefix, regex).
func (c *converter) agwMatches(rt obj) []routeMatch {
	ms := rt.List("matches")
	if len(ms) == 0 {
		return []routeMatch{prefixMatch("/")}
	}
	var out []routeMatch
	for _, m := range ms {
		p, ok := m.Obj("path")
		if !ok {
			out = append(out, prefixMatch("/"))
			continue
		}
		switch {
		case p.has("exact"):
			out = append(out, pathMatch(p.Str("exact")))
		case p.has("regex"):
			re := p.Str("regex")
			if _, err := regexp.Compile(re); err != nil {
				p.fail("regex", "not a regular expression: "+err.Error())
			}
			out = append(out, routeMatch{SafeRegex: &regexMatcher{Regex: re}})
		default:
			pp := p.Str("pathPrefix")
			if pp == "" {
				pp = "/"
			}
			out = append(out, prefixMatch(pp))
		}
		for _, k := range m.unread() {
			m.seen[k] = true
			c.drop(m, k, "the rule matches on the path only")
		}
	}
	return out
}

// agwJWT converts one jwtAuth (standalone) or jwtAuthentication (Kubernetes) policy.
func (c *converter) agwJWT(ja obj, base string, k8s bool) *requirement {
	mode := strings.ToLower(ja.Str("mode"))
	loc := headerLocation{Name: "authorization", ValuePrefix: "Bearer "}
	if l, ok := ja.Obj("location"); ok {
		if h, ok := l.Obj("header"); ok {
			loc = headerLocation{Name: h.Str("name"), ValuePrefix: h.Str("prefix")}
			h.checkHeader("name", loc.Name)
			c.rest(h, "not an agentgateway field jwt-migrate knows")
		}
		c.rest(l, "only a header location is converted")
	}
	var provs []obj
	if ja.has("providers") {
		provs = ja.List("providers")
	} else {
		provs = []obj{ja}
	}
	if len(provs) == 0 {
		ja.fail("providers", "missing: no provider to convert")
	}
	var reqs []*requirement
	for i, po := range provs {
		p := &provider{Issuer: po.Str("issuer"), Audiences: po.Strs("audiences"), FromHeaders: []headerLocation{loc}}
		if p.Issuer == "" {
			po.fail("issuer", "missing")
		}
		p.LocalJwks, p.RemoteJwks = c.agwKeys(po, k8s)
		if len(p.Audiences) > 0 {
			c.note("%s: a token for another audience gets 403 here (Envoy's jwt_authn), where agentgateway answers 401", po.at("audiences"))
		}
		required := []string{"exp"}
		if vo, ok := po.Obj("jwtValidationOptions"); ok {
			if vo.has("requiredClaims") {
				required = vo.Strs("requiredClaims")
			}
			c.rest(vo, "not an agentgateway field jwt-migrate knows")
		}
		for _, rc := range required {
			switch rc {
			case "exp":
				p.RequireExpiration = true
			case "iss":
				// The provider's issuer is checked: a token without iss is refused.
			default:
				c.drop(po, "jwtValidationOptions.requiredClaims", fmt.Sprintf("presence of %q is not required here (a token without it verifies)", rc))
			}
		}
		name := base
		if len(provs) > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		reqs = append(reqs, requireProvider(c.addProvider(name, p)))
		if ja.has("providers") {
			c.rest(po, "not an agentgateway provider field jwt-migrate knows")
		}
	}
	var req *requirement
	switch mode {
	case "strict":
		req = anyOf(reqs...)
	case "", "optional":
		req = anyOf(append(reqs, allowMissing())...)
	case "permissive":
		req = allowMissingOrFailed()
	default:
		ja.fail("mode", fmt.Sprintf("want strict, optional or permissive, got %q", ja.Str("mode")))
	}
	c.rest(ja, "not an agentgateway jwtAuth field jwt-migrate knows")
	return req
}

// agwKeys reads jwks: an inline string, {file}, {url} (standalone); {inline}, {remote: {jwksPath,
// backendRef}} (Kubernetes).
func (c *converter) agwKeys(po obj, k8s bool) (*dataSource, *remoteJwks) {
	if s, ok := po.m["jwks"].(string); ok {
		po.seen["jwks"] = true
		return localKeys(s), nil
	}
	j, ok := po.Obj("jwks")
	if !ok {
		po.fail("jwks", "missing")
	}
	defer c.rest(j, "not an agentgateway jwks field jwt-migrate knows")
	switch {
	case j.has("inline"):
		return localKeys(j.Str("inline")), nil
	case j.has("file"):
		return localKeys(string(c.readFile(j, "file", j.Str("file")))), nil
	case j.has("url"):
		return nil, c.remote(j, "url", j.Str("url"), "")
	case j.has("remote"):
		r, _ := j.Obj("remote")
		defer c.rest(r, "not an agentgateway remote jwks field jwt-migrate knows")
		if u := r.Str("url"); u != "" {
			return nil, c.remote(r, "url", u, "")
		}
		path := r.Str("jwksPath")
		if path == "" {
			path = "/"
		}
		ref, ok := r.Obj("backendRef")
		if !ok {
			r.fail("backendRef", "missing: want url or backendRef and jwksPath")
		}
		host := ref.Str("name")
		if ns := ref.Str("namespace"); ns != "" {
			host += "." + ns
		}
		port, hasPort := ref.Int("port")
		uri := "http://" + host + strings.TrimSuffix(":"+fmt.Sprint(port), ":0")
		if !hasPort {
			uri = "http://" + host
		}
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		rj := c.remote(ref, "name", uri+path, "")
		c.drop(r, "backendRef", "the Kubernetes backend becomes the plain-HTTP URL "+uri+path+" on cluster "+rj.HTTPURI.Cluster+"; if the backend needs TLS, change the URL to https and give the cluster TLS")
		c.rest(ref, "not a backendRef field jwt-migrate knows")
		if d := r.duration("cacheDuration"); d != "" {
			rj.CacheDuration = d
		}
		return nil, rj
	}
	_ = k8s
	j.fail("", "want inline, file, url or remote")
	return nil, nil
}
