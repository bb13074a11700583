package migrate

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	securityv1beta1 "istio.io/api/security/v1beta1"
)

// Istio: RequestAuthentication (security.istio.io) → providers and one rule for every path;
// AuthorizationPolicy rules on request principals and request.auth.* → that rule's x_authorize.
//
// Semantics kept (istio.io "Authentication policy" and "Authorization policy" references):
//   - RequestAuthentication alone: a request without a token passes, an invalid token gets 401.
//     The requirement is the one istiod generates (convertToEnvoyJwtConfig, below).
//   - An AuthorizationPolicy requiring a principal refuses a request without a token with 403:
//     x_authorize answers 403 where the requirement passed without a verified token.
//   - DENY policies are checked before ALLOW policies: x_authorize is NOT(each DENY rule) AND
//     (any ALLOW rule).

func (c *converter) istio(docs []*document) {
	var authns, authzs []*document
	for _, d := range docs {
		apiVersion, kind := kindOf(d)
		if !strings.HasPrefix(apiVersion, "security.istio.io/") {
			d.root.fail("apiVersion", fmt.Sprintf("want security.istio.io/v1 (or v1beta1), got %q", apiVersion))
		}
		switch kind {
		case "RequestAuthentication":
			authns = append(authns, d)
		case "AuthorizationPolicy":
			authzs = append(authzs, d)
		default:
			d.root.fail("kind", fmt.Sprintf("want RequestAuthentication or AuthorizationPolicy, got %q", kind))
		}
	}
	if len(authns) == 0 {
		panic(&InputError{Msg: "no RequestAuthentication in the input: an AuthorizationPolicy on request principals needs one to verify the tokens"})
	}
	var reqs, names []*requirement
	spaceDelimited := map[string]bool{"scope": true, "permission": true}
	var issuers []string
	for _, d := range authns {
		var ra securityv1beta1.RequestAuthentication
		spec := istioSpec(d, &ra)
		c.istioSelector(spec, false)
		ruleObjs := spec.List("jwtRules")
		for i, r := range ra.GetJwtRules() {
			o := ruleObjs[i]
			name := c.addProvider(istioProviderName(d, i), c.istioProvider(o, r))
			reqs = append(reqs, anyOf(requireProvider(name), allowMissing()))
			names = append(names, requireProvider(name))
			for _, s := range r.GetSpaceDelimitedClaims() {
				spaceDelimited[s] = true
			}
			issuers = append(issuers, r.GetIssuer())
		}
	}
	if len(reqs) == 0 {
		panic(&InputError{Doc: authns[0].index, Path: "spec.jwtRules", Msg: "no JWT rule to convert"})
	}
	// istiod's convertToEnvoyJwtConfig: one rule, {provider OR allow_missing}; with several,
	// any of {P1, ..., Pn, all of {P1 OR allow_missing, ...}}: the inner AND makes a token
	// present valid, the outer providers let a token through when providers share a location.
	req := reqs[0]
	if len(reqs) > 1 {
		req = anyOf(append(names, allOf(reqs...))...)
	}
	rules := []*rule{{Match: prefixMatch("/"), Requires: req}}
	if len(authzs) > 0 {
		az := istioAuthz{c: c, spaceDelimited: spaceDelimited, issuers: issuers}
		rules = az.rules(authzs, req)
	}
	bypass := true
	for _, r := range rules {
		bypass = bypass && r.XAuthorize == nil
	}
	// Istio bypasses CORS preflight requests in its jwt_authn configuration; with an
	// authorization policy, Istio's RBAC filter still checks them, so it stays off then.
	c.cfg.BypassCorsPreflight = bypass
	c.cfg.Rules = append(c.cfg.Rules, rules...)
}

func istioProviderName(d *document, i int) string {
	name := "istio"
	if md, ok := d.root.m["metadata"].(map[string]any); ok {
		if n, ok := md["name"].(string); ok && n != "" {
			name = n
		}
	}
	return fmt.Sprintf("%s-%d", name, i)
}

// specObj is a document's spec, read both as istio.io/api's type and as generic JSON (for
// field paths in messages and drops).
type specObj struct {
	obj
}

// istioSpec parses spec with the istio.io/api type (YAML → JSON → protojson, unknown fields
// refused, as the API server's schema does).
func istioSpec(d *document, msg proto.Message) specObj {
	spec, ok := d.root.Obj("spec")
	if !ok {
		spec = obj{doc: d, path: d.root.at("spec"), m: map[string]any{}, seen: map[string]bool{}}
	}
	raw, _ := json.Marshal(spec.m)
	if err := (protojson.UnmarshalOptions{}).Unmarshal(raw, msg); err != nil {
		path, why := locateProtoError(spec.m, msg, spec.path, err)
		panic(&InputError{Doc: d.index, Path: path, Msg: why})
	}
	return specObj{spec}
}

var protoErrorPosition = regexp.MustCompile(`^\(line \d+:\d+\): `)

// locateProtoError finds the member (and list element) of spec that protojson refuses, since
// its messages name the field but not where it is.
func locateProtoError(spec map[string]any, msg proto.Message, path string, err error) (string, string) {
	clean := func(err error) string {
		s := oneLine(strings.TrimPrefix(strings.TrimPrefix(err.Error(), "proto:"), " "))
		return protoErrorPosition.ReplaceAllString(s, "")
	}
	for _, k := range sortedKeys(spec) {
		try := func(v any) error {
			raw, _ := json.Marshal(map[string]any{k: v})
			return protojson.Unmarshal(raw, msg.ProtoReflect().New().Interface())
		}
		if e := try(spec[k]); e == nil {
			continue
		} else if l, ok := spec[k].([]any); ok {
			for i, el := range l {
				if e := try([]any{el}); e != nil {
					return fmt.Sprintf("%s.%s[%d]", path, k, i), clean(e)
				}
			}
			return path + "." + k, clean(e)
		} else {
			return path + "." + k, clean(e)
		}
	}
	return path, clean(err)
}

func (c *converter) istioSelector(spec specObj, authz bool) {
	what := "the RequestAuthentication"
	if authz {
		what = "the AuthorizationPolicy"
	}
	for _, k := range []string{"selector", "targetRef", "targetRefs"} {
		if spec.has(k) {
			spec.seen[k] = true
			c.drop(spec.obj, k, what+" applies to every request of the Envoy that loads this filter configuration; attach the filter to the same workloads (a WasmPlugin with this selector or targetRef)")
		}
	}
}

func (c *converter) istioProvider(o obj, r *securityv1beta1.JWTRule) *provider {
	p := &provider{Issuer: r.GetIssuer(), Audiences: r.GetAudiences(), Forward: r.GetForwardOriginalToken(),
		FromParams: r.GetFromParams(), FromCookies: r.GetFromCookies(), ForwardPayloadHeader: r.GetOutputPayloadToHeader()}
	for _, k := range []string{"issuer", "audiences", "forwardOriginalToken", "fromParams", "fromCookies", "outputPayloadToHeader", "jwks", "jwksUri", "timeout", "spaceDelimitedClaims", "fromHeaders", "outputClaimToHeaders"} {
		o.seen[k] = true
	}
	if p.Issuer == "" {
		o.fail("issuer", "missing: Istio requires an issuer")
	}
	for i, h := range r.GetFromHeaders() {
		o.List("fromHeaders")[i].checkHeader("name", h.GetName())
		p.FromHeaders = append(p.FromHeaders, headerLocation{Name: h.GetName(), ValuePrefix: h.GetPrefix()})
	}
	for i, h := range r.GetOutputClaimToHeaders() {
		el := o.List("outputClaimToHeaders")[i]
		el.checkHeader("header", h.GetHeader())
		if h.GetClaim() == "" {
			el.fail("claim", "missing")
		}
		p.ClaimToHeaders = append(p.ClaimToHeaders, claimToHeader{HeaderName: h.GetHeader(), ClaimName: h.GetClaim()})
	}
	if p.ForwardPayloadHeader != "" {
		o.checkHeader("outputPayloadToHeader", p.ForwardPayloadHeader)
	}
	timeout := ""
	if t := r.GetTimeout(); t != nil {
		if d := t.AsDuration(); d < 0 {
			o.fail("timeout", "negative")
		} else {
			timeout = protoDuration(d)
		}
	}
	switch {
	case r.GetJwks() != "":
		p.LocalJwks = localKeys(r.GetJwks())
		if r.GetJwksUri() != "" {
			c.drop(o, "jwksUri", "jwks is set too, and Istio then uses jwks")
		}
		if r.GetTimeout() != nil {
			c.drop(o, "timeout", "the keys are inline (jwks): nothing is fetched")
		}
	case r.GetJwksUri() != "":
		p.RemoteJwks = c.remote(o, "jwksUri", r.GetJwksUri(), timeout)
		p.RemoteJwks.CacheDuration = "300s" // istiod's setting for remote JWKS
	default:
		p.RemoteJwks = c.discovery(o, "issuer", p.Issuer, timeout)
	}
	return p
}

// istioAuthz converts AuthorizationPolicies into rules with x_authorize.
type istioAuthz struct {
	c              *converter
	spaceDelimited map[string]bool
	issuers        []string
}

// istioRule is one converted AuthorizationPolicy rule: the condition on the verified token
// (from and when), and the requests it applies to (to: any of ops; none: every request).
type istioRule struct {
	deny       bool
	who        *policy
	needsToken bool // it can only hold for a request with a token
	ops        []istioOp
}

// istioOp is an operation: any of its paths (none: every path) and methods (none: every method).
type istioOp struct {
	paths   []istioPath
	methods []string
}

type istioPath struct {
	value  string
	prefix bool // "/api/*" is the prefix "/api/"
}

// istioCell is a set of requests every rule either covers entirely or not at all: an exact
// path, or a path prefix not covered by an earlier cell, or the rest; and one method or the
// others.
type istioCell struct {
	path   string
	exact  bool
	method string
}

func (cell istioCell) match() routeMatch {
	m := prefixMatch(cell.path)
	switch {
	case cell.exact:
		m = pathMatch(cell.path)
	case cell.path == "":
		m = prefixMatch("/")
	}
	if cell.method != "" {
		m.Headers = []headerMatcher{methodMatcher([]string{cell.method})}
	}
	return m
}

func (op istioOp) coversPath(cell istioCell) bool {
	if len(op.paths) == 0 {
		return true
	}
	for _, p := range op.paths {
		if p.prefix && strings.HasPrefix(cell.path, p.value) || !p.prefix && cell.exact && cell.path == p.value {
			return true
		}
	}
	return false
}

func (r istioRule) covers(cell istioCell) bool {
	if r.ops == nil {
		return true
	}
	for _, op := range r.ops {
		if op.coversPath(cell) && (len(op.methods) == 0 || cell.method != "" && contains(op.methods, cell.method)) {
			return true
		}
	}
	return false
}

// rules converts the AuthorizationPolicies: for each cell of requests, x_authorize is NOT(every
// DENY rule covering it) AND (any ALLOW rule covering it; none: 403), Istio's evaluation. A cell
// where Istio lets every request through, with or without a token, gets no x_authorize.
func (az *istioAuthz) rules(docs []*document, req *requirement) []*rule {
	c := az.c
	var rules []istioRule
	haveAllow := false
	for _, d := range docs {
		var ap securityv1beta1.AuthorizationPolicy
		spec := istioSpec(d, &ap)
		c.istioSelector(spec, true)
		for _, k := range []string{"action", "rules", "provider"} {
			spec.seen[k] = true
		}
		ruleObjs := spec.List("rules")
		switch ap.GetAction() {
		case securityv1beta1.AuthorizationPolicy_AUDIT:
			c.drop(spec.obj, "action", "AUDIT only logs decisions; it refuses nothing")
			continue
		case securityv1beta1.AuthorizationPolicy_CUSTOM:
			c.dropWidens(spec.obj, "action", "CUSTOM delegates to an external authorizer, which this filter cannot call; keep that AuthorizationPolicy in Istio")
			continue
		case securityv1beta1.AuthorizationPolicy_ALLOW:
			if len(ap.GetRules()) == 0 {
				c.dropWidens(spec.obj, "rules", "an ALLOW policy without rules refuses every request; this filter cannot refuse requests without a token by policy, so it is not converted (keep it in Istio)")
				continue
			}
			haveAllow = true
		}
		deny := ap.GetAction() == securityv1beta1.AuthorizationPolicy_DENY
		for i, r := range ap.GetRules() {
			if ir, ok := az.rule(ruleObjs[i], r, deny); ok {
				rules = append(rules, ir)
			}
		}
	}
	var out []*rule
	for _, cell := range istioCells(rules) {
		allow, deny := []*policy{}, always()
		allowTokenless, denyTokenless := false, false
		for _, r := range rules {
			if !r.covers(cell) {
				continue
			}
			if !r.deny {
				allow = append(allow, r.who)
				allowTokenless = allowTokenless || !r.needsToken
				continue
			}
			nw, err := not(r.who)
			if err != nil {
				panic(&InputError{Doc: docs[0].index, Msg: "a DENY rule cannot be negated: " + err.Error()})
			}
			if deny, err = and(deny, nw); err != nil {
				panic(&InputError{Doc: docs[0].index, Msg: err.Error()})
			}
			denyTokenless = denyTokenless || !r.needsToken
		}
		p := deny
		if haveAllow {
			var err error
			if p, err = and(deny, or(allow...)); err != nil {
				panic(&InputError{Doc: docs[0].index, Msg: err.Error()})
			}
		}
		tokenlessPass := (!haveAllow || allowTokenless) && !denyTokenless
		r := &rule{Match: cell.match(), Requires: req}
		if !p.isAlways() || !tokenlessPass {
			r.XAuthorize = p.written()
			if tokenlessPass {
				m, _ := json.Marshal(r.Match)
				c.note("rule %s: x_authorize answers 403 to a request without a verified token, which Istio lets through here", m)
			}
		}
		out = append(out, r)
	}
	return out
}

// istioCells: the exact paths, then the prefixes (longest first), then the rest; each split by
// the methods the rules covering it name, then any other method.
func istioCells(rules []istioRule) []istioCell {
	var exact, prefixes []string
	for _, r := range rules {
		for _, op := range r.ops {
			for _, p := range op.paths {
				switch {
				case p.prefix && !contains(prefixes, p.value):
					prefixes = append(prefixes, p.value)
				case !p.prefix && !contains(exact, p.value):
					exact = append(exact, p.value)
				}
			}
		}
	}
	sort.Strings(exact)
	sort.SliceStable(prefixes, func(i, j int) bool { return len(prefixes[i]) > len(prefixes[j]) })
	var paths []istioCell
	for _, e := range exact {
		paths = append(paths, istioCell{path: e, exact: true})
	}
	for _, p := range prefixes {
		if p != "" {
			paths = append(paths, istioCell{path: p})
		}
	}
	paths = append(paths, istioCell{})
	var cells []istioCell
	for _, pc := range paths {
		var methods []string
		for _, r := range rules {
			for _, op := range r.ops {
				if op.coversPath(pc) {
					for _, m := range op.methods {
						if !contains(methods, m) {
							methods = append(methods, m)
						}
					}
				}
			}
		}
		sort.Strings(methods)
		for _, m := range methods {
			cells = append(cells, istioCell{path: pc.path, exact: pc.exact, method: m})
		}
		cells = append(cells, pc)
	}
	return cells
}

// rule converts one Istio rule. For an ALLOW rule an unconvertible condition is dropped (the
// rule then matches more: WARNING); a DENY rule with one is dropped whole (WARNING).
func (az *istioAuthz) rule(o obj, r *securityv1beta1.Rule, deny bool) (istioRule, bool) {
	c := az.c
	for _, k := range []string{"from", "to", "when"} {
		o.seen[k] = true
	}
	var unsupported []string
	ir := istioRule{deny: deny, who: always()}
	conj := func(q *policy) {
		var err error
		if ir.who, err = and(ir.who, q); err != nil {
			panic(&InputError{Doc: o.doc.index, Path: o.path, Msg: err.Error()})
		}
	}
	for i, t := range r.GetTo() {
		op, bad := istioOperation(t.GetOperation())
		for _, b := range bad {
			unsupported = append(unsupported, fmt.Sprintf("to[%d].operation.%s", i, b))
		}
		ir.ops = append(ir.ops, op)
	}
	var froms []*policy
	for i, f := range r.GetFrom() {
		s := f.GetSource()
		fp := always()
		for _, name := range istioSourceOthers(s) {
			unsupported = append(unsupported, fmt.Sprintf("from[%d].source.%s", i, name))
		}
		if l := s.GetRequestPrincipals(); len(l) > 0 {
			var alts []*policy
			for _, v := range l {
				q, ok := az.principal(v)
				if !ok {
					unsupported = append(unsupported, fmt.Sprintf("from[%d].source.requestPrincipals %q (only exact, \"*\", \"<iss>/*\" and \"*/<sub>\")", i, v))
					continue
				}
				alts = append(alts, q)
			}
			if len(alts) > 0 {
				fp, _ = and(fp, or(alts...))
				ir.needsToken = true
			}
		}
		for _, v := range s.GetNotRequestPrincipals() {
			q, ok := az.principal(v)
			if !ok {
				unsupported = append(unsupported, fmt.Sprintf("from[%d].source.notRequestPrincipals %q", i, v))
				continue
			}
			nq, err := not(q)
			if err != nil {
				unsupported = append(unsupported, fmt.Sprintf("from[%d].source.notRequestPrincipals %q", i, v))
				continue
			}
			fp, _ = and(fp, nq)
		}
		froms = append(froms, fp)
	}
	if len(froms) > 0 {
		conj(or(froms...))
	}
	for i, w := range r.GetWhen() {
		q, positive, ok := az.condition(w)
		if !ok {
			unsupported = append(unsupported, fmt.Sprintf("when[%d] (key %q)", i, w.GetKey()))
			continue
		}
		ir.needsToken = ir.needsToken || positive
		conj(q)
	}
	if len(unsupported) > 0 {
		if deny {
			c.dropWidens(o, "", "a DENY rule with conditions this filter cannot check is dropped whole ("+strings.Join(unsupported, ", ")+"): requests it refused may pass; keep this rule in an Istio AuthorizationPolicy")
			return istioRule{}, false
		}
		c.dropWidens(o, "", "conditions this filter cannot check are dropped from this ALLOW rule ("+strings.Join(unsupported, ", ")+"): it now allows every request that meets the rest; keep the full rule in an Istio AuthorizationPolicy")
	}
	return ir, true
}

// istioOperation converts an operation's paths (exact, "<prefix>*", "*") and methods; it
// returns the fields it cannot convert, which are left out.
func istioOperation(op *securityv1beta1.Operation) (istioOp, []string) {
	var out istioOp
	var bad []string
	badPath := false
	for _, p := range op.GetPaths() {
		switch {
		case p == "*":
		case strings.HasSuffix(p, "*") && strings.HasPrefix(p, "/") && !strings.ContainsAny(p[:len(p)-1], "*{}"):
			out.paths = append(out.paths, istioPath{value: strings.TrimSuffix(p, "*"), prefix: true})
		case strings.HasPrefix(p, "/") && !strings.ContainsAny(p, "*{}"):
			out.paths = append(out.paths, istioPath{value: p})
		default:
			bad = append(bad, fmt.Sprintf("paths %q (only exact, \"<prefix>*\" and \"*\")", p))
			badPath = true
		}
	}
	if badPath || contains(op.GetPaths(), "*") {
		out.paths = nil // every path
	}
	for _, m := range op.GetMethods() {
		if m == "*" {
			out.methods = nil
			break
		}
		if !headerName.MatchString(m) {
			bad = append(bad, fmt.Sprintf("methods %q", m))
			continue
		}
		out.methods = append(out.methods, m)
	}
	for name, l := range map[string][]string{"hosts": op.GetHosts(), "notHosts": op.GetNotHosts(), "ports": op.GetPorts(),
		"notPorts": op.GetNotPorts(), "notMethods": op.GetNotMethods(), "notPaths": op.GetNotPaths()} {
		if len(l) > 0 {
			bad = append(bad, name)
		}
	}
	sort.Strings(bad)
	return out, bad
}

func istioSourceOthers(s *securityv1beta1.Source) []string {
	var out []string
	add := func(name string, l []string) {
		if len(l) > 0 {
			out = append(out, name)
		}
	}
	add("principals", s.GetPrincipals())
	add("notPrincipals", s.GetNotPrincipals())
	add("namespaces", s.GetNamespaces())
	add("notNamespaces", s.GetNotNamespaces())
	add("serviceAccounts", s.GetServiceAccounts())
	add("notServiceAccounts", s.GetNotServiceAccounts())
	add("ipBlocks", s.GetIpBlocks())
	add("notIpBlocks", s.GetNotIpBlocks())
	add("remoteIpBlocks", s.GetRemoteIpBlocks())
	add("notRemoteIpBlocks", s.GetNotRemoteIpBlocks())
	add("trustDomains", s.GetTrustDomains())
	add("notTrustDomains", s.GetNotTrustDomains())
	return out
}

// principal converts a request principal pattern ("<iss>/<sub>", "*", "<iss>/*", "*/<sub>").
func (az *istioAuthz) principal(v string) (*policy, bool) {
	eq := func(claim, value string) claimCondition {
		return claimCondition{Claim: claim, AnyOf: []string{value}}
	}
	switch {
	case v == "*":
		return always(), true
	case strings.HasSuffix(v, "/*") && !strings.Contains(strings.TrimSuffix(v, "/*"), "*"):
		iss := strings.TrimSuffix(v, "/*")
		if !contains(az.issuers, iss) {
			return nil, false
		}
		return &policy{Claims: []claimCondition{eq("iss", iss)}}, true
	case strings.HasPrefix(v, "*/") && !strings.ContainsAny(v[2:], "*/"):
		return &policy{Claims: []claimCondition{eq("sub", v[2:])}}, true
	case strings.Contains(v, "*"):
		return nil, false
	}
	for _, iss := range az.issuers {
		if sub, ok := strings.CutPrefix(v, iss+"/"); ok && sub != "" {
			return &policy{Claims: []claimCondition{eq("iss", iss), eq("sub", sub)}}, true
		}
	}
	i := strings.LastIndexByte(v, '/')
	if i <= 0 || i == len(v)-1 {
		return nil, false
	}
	return &policy{Claims: []claimCondition{eq("iss", v[:i]), eq("sub", v[i+1:])}}, true
}

// condition converts a when condition on request.auth.*; positive is set when it can only
// hold for a request with a token.
func (az *istioAuthz) condition(w *securityv1beta1.Condition) (*policy, bool, bool) {
	key := w.GetKey()
	var path []string
	switch {
	case key == "request.auth.principal":
		var alts []*policy
		for _, v := range w.GetValues() {
			q, ok := az.principal(v)
			if !ok {
				return nil, false, false
			}
			alts = append(alts, q)
		}
		p := always()
		if len(alts) > 0 {
			p = or(alts...)
		}
		for _, v := range w.GetNotValues() {
			q, ok := az.principal(v)
			if !ok {
				return nil, false, false
			}
			nq, err := not(q)
			if err != nil {
				return nil, false, false
			}
			p, _ = and(p, nq)
		}
		return p, len(w.GetValues()) > 0, true
	case key == "request.auth.audiences":
		path = []string{"aud"}
	case key == "request.auth.presenter":
		path = []string{"azp"}
	case strings.HasPrefix(key, "request.auth.claims["):
		rest := strings.TrimPrefix(key, "request.auth.claims")
		for rest != "" {
			if !strings.HasPrefix(rest, "[") {
				return nil, false, false
			}
			end := strings.IndexByte(rest, ']')
			if end < 2 {
				return nil, false, false
			}
			path = append(path, rest[1:end])
			rest = rest[end+1:]
		}
	default:
		return nil, false, false
	}
	base := claimCondition{}
	if len(path) == 1 && !strings.Contains(path[0], ".") {
		base.Claim = path[0]
	} else {
		base.ClaimPath = path
	}
	if len(path) == 1 && az.spaceDelimited[path[0]] {
		base.Split = "space"
	}
	p := &policy{}
	if vals := w.GetValues(); len(vals) > 0 {
		cond := base
		if containsWildcardOnly(vals) {
			t := true
			cond.Present = &t
		} else {
			for _, v := range vals {
				if strings.Contains(v, "*") {
					return nil, false, false
				}
			}
			cond.AnyOf = vals
		}
		p.Claims = append(p.Claims, cond)
	}
	if vals := w.GetNotValues(); len(vals) > 0 {
		cond := base
		if containsWildcardOnly(vals) {
			f := false
			cond.Present = &f
		} else {
			for _, v := range vals {
				if strings.Contains(v, "*") {
					return nil, false, false
				}
			}
			cond.NoneOf = vals
		}
		p.Claims = append(p.Claims, cond)
	}
	return p, len(w.GetValues()) > 0, true
}

func containsWildcardOnly(vals []string) bool {
	for _, v := range vals {
		if v == "*" {
			return true
		}
	}
	return false
}
