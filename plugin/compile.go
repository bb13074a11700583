package plugin

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/keys"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/tokencache"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// filterConfig is a compiled configuration: everything the request path needs, resolved and
// checked once at plugin start (Envoy's FilterConfigImpl). It is never modified after
// compile except for the JWT caches, which belong to the VM that built it.
type filterConfig struct {
	// budget bounds the cost of failed expensive verifications on this VM (verify_budget.go);
	// nil when off. It is the one piece of per-request state here besides the JWT caches.
	budget *verifyBudget

	providers []*provider          // sorted by name
	byName    map[string]*provider // provider_name references
	// byIssuer gives, for an issuer, the first provider (by name) with that issuer: O(1)
	// choice of the provider for allow_missing(_or_failed), and "" holds the first provider
	// without issuer, which takes tokens of any issuer there (Envoy JwksCache::findByIssuer).
	byIssuer map[string]*provider
	single   *provider // the only provider, when there is exactly one
	// allSanitize is every provider's headers: what allow_missing(_or_failed) leaves remove.
	allSanitize []string
	allExt      *request.Extractor // the locations of every provider (allow_missing(_or_failed))
	caches      []*jwtCache        // by provider index; nil entries when the cache is off
	tokens      tokenIndex         // every cache's tokens (jwt_cache.go)
	shared      *tokencache.Cache  // the verified-token records shared between VMs; nil: off
	tokenLimits verifier.Limits

	rules                []*rule
	bypassCorsPreflight  bool
	stripFailureResponse bool
	statPrefix           string

	// sanitizeSet holds every header the filter may set (claim headers, payload headers, the
	// report-only header), lower case: client copies are removed from every request, in one
	// pass over its headers, before anything else happens.
	sanitizeSet map[string]bool

	reportOnlyHeader string         // x_report_only; "" when off
	denyBody         *denyBody      // x_deny_response
	validTokens      requirement    // x_require_valid_tokens: every token present must verify
	debug            *debugHeader   // x_debug_header; nil when off
	res              configResource // x_protected_resource and what the resource extensions need (resource.go)

	signing *signing // x_signing_keys and the rest of signing.go; nil when unused

	warnings []string // logged at plugin start
}

type rule struct {
	index int // in rules, for the decision trace
	match *request.Matcher
	req   requirement  // nil: matching requests pass without verification
	authz *authorizer  // x_authorize: a policy on the verified tokens' claims; nil when absent
	res   ruleResource // step-up and challenges (resource.go)
	// x_sign and x_backend_token (signing.go); nil when absent
	sign    *signRule
	backend *backendTokenRule
}

// defaultReportOnlyHeader is the x_report_only header when none is named.
const defaultReportOnlyHeader = "x-jwt-authn-status"

// compileEnv is what compile reads from outside the configuration.
type compileEnv struct {
	lookupEnv func(string) (string, bool) // local_jwks.environment_variable
}

func defaultCompileEnv() compileEnv { return compileEnv{lookupEnv: os.LookupEnv} }

// load parses and compiles a configuration; it returns every problem found, or a filterConfig.
func load(data []byte, env compileEnv) (*filterConfig, []string) {
	raw, probs := config.Parse(data)
	if len(probs) > 0 {
		return nil, probs
	}
	return compile(raw, env)
}

func compile(raw *config.RawConfig, env compileEnv) (*filterConfig, []string) {
	probs := &config.Problems{}
	rt := &filterConfig{
		byName:               map[string]*provider{},
		byIssuer:             map[string]*provider{},
		bypassCorsPreflight:  raw.BypassCorsPreflight,
		stripFailureResponse: raw.StripFailureResponse,
		statPrefix:           raw.StatPrefix,
		tokenLimits:          raw.TokenLimits,
		budget:               &verifyBudget{maxCost: defaultBudgetMaxCost, window: defaultBudgetWindow},
	}
	if b := raw.FailedVerificationBudget; b != nil {
		if b.MaxCostSet {
			rt.budget.maxCost = b.MaxCost
		}
		if b.WindowSet {
			rt.budget.window = b.Window
		}
		if rt.budget.maxCost <= 0 {
			rt.budget = nil // "max_cost": "0s" turns the defence off
		}
	}
	warn := func(w string) { rt.warnings = append(rt.warnings, w) }

	rawProviders := append([]*config.RawProvider(nil), raw.Providers...)
	sort.Slice(rawProviders, func(i, j int) bool { return rawProviders[i].Name < rawProviders[j].Name })
	var sources []request.LocationSource
	sanitize := map[string]bool{}
	for i, rp := range rawProviders {
		p := compileProvider(rp, i, env, probs, warn)
		rt.providers = append(rt.providers, p)
		rt.byName[p.name] = p
		if rt.byIssuer[p.issuer] == nil {
			rt.byIssuer[p.issuer] = p
		}
		var cache *jwtCache
		if p.cacheEnabled {
			cache = newJwtCache(p.cacheSize, p.cacheMaxBytes)
			if rt.tokens == nil {
				rt.tokens = tokenIndex{}
			}
			cache.index = rt.tokens
		}
		rt.caches = append(rt.caches, cache)
		sources = append(sources, locationSource(rp))
		for _, h := range p.sanitize {
			if !sanitize[h] {
				rt.allSanitize = append(rt.allSanitize, h)
			}
			sanitize[h] = true
		}
	}
	if len(rt.providers) == 1 {
		rt.single = rt.providers[0]
	}
	rt.allExt = request.NewExtractor(sources...)

	b := &reqBuilder{rt: rt, probs: probs, statusHeaders: map[string]bool{}}
	named := map[string]requirement{}
	for _, nr := range raw.RequirementMap {
		named[nr.Name] = b.build(nr.Req)
	}
	for _, rr := range raw.Rules {
		r := &rule{index: len(rt.rules), match: request.CompileMatcher(rr.Match, probs)}
		switch {
		case rr.Requires != nil:
			r.req = b.build(rr.Requires)
		case rr.RequirementName != "":
			if r.req = named[rr.RequirementName]; r.req == nil {
				probs.Add(config.JoinPath(rr.Path, "requirement_name"), strconv.Quote(rr.RequirementName)+
					" is not in requirement_map (known: ["+strings.Join(sortedKeys(named), ",")+"])")
			}
		}
		if rr.Authorize != nil {
			r.authz = compileAuthorize(rr.Authorize)
		}
		rt.rules = append(rt.rules, r)
	}

	if raw.ReportOnly != nil {
		rt.reportOnlyHeader = strings.ToLower(raw.ReportOnly.Header)
		if rt.reportOnlyHeader == "" {
			rt.reportOnlyHeader = defaultReportOnlyHeader
		}
		sanitize[rt.reportOnlyHeader] = true
	}
	for h := range b.statusHeaders {
		sanitize[h] = true // a client copy would read as the filter's verdict
	}
	if b.statusOff {
		warn("extract_only_without_validation is used with verification_status_header \"-\": upstreams cannot tell " +
			"claims of tokens that did not verify from none; claims are forwarded only for tokens that verified")
	}
	if raw.DebugHeader != nil {
		rt.debug = compileDebugHeader(raw.DebugHeader, env, probs)
		sanitize[raw.DebugHeader.Name] = true // never reaches the upstream, whatever its value
	}
	if raw.DenyResponse != nil {
		rt.denyBody = &denyBody{template: raw.DenyResponse.Body, contentType: raw.DenyResponse.ContentType}
	}
	if raw.RequireValidTokens {
		rt.validTokens = everyTokenRequirement{}
	}
	compileSigning(raw, rt, env, probs, func(h string) { sanitize[h] = true })
	rt.sanitizeSet = sanitize
	// A header whose client copies are removed cannot also keep them.
	for _, p := range rt.providers {
		for i, h := range p.keepRequest {
			if sanitize[h] {
				probs.Add(p.keepPaths[i], "keep_request_value: header "+strconv.Quote(h)+
					" is also set by an entry or setting that removes the request's own values; set keep_request_value on every x_claims_to_headers entry of that header, and use it nowhere else")
			}
		}
	}
	compileConfigResource(rt, raw)

	if len(probs.List) > 0 {
		return nil, probs.List
	}
	return rt, nil
}

func compileProvider(rp *config.RawProvider, index int, env compileEnv, probs *config.Problems, warn func(string)) *provider {
	p := &provider{
		name:                 rp.Name,
		index:                index,
		issuer:               rp.Issuer,
		audiences:            rp.Audiences,
		subjects:             request.CompileStringMatcher(rp.Subjects, probs),
		skew:                 time.Duration(rp.ClockSkewSeconds) * time.Second,
		forward:              rp.Forward,
		payloadHeader:        strings.ToLower(rp.ForwardPayloadHeader),
		padPayloadHeader:     rp.PadPayloadHeader,
		payloadInMetadata:    rp.PayloadInMetadata,
		headerInMetadata:     rp.HeaderInMetadata,
		failedStatusMetadata: rp.FailedStatusMetadata,
		spaceDelimited:       rp.SpaceDelimited,
		cacheEnabled:         !rp.DisableJwtCache,
		cacheSize:            rp.JwtCacheSize,
		cacheMaxBytes:        rp.JwtMaxTokenSize,
	}
	if p.skew == 0 {
		p.skew = defaultClockSkew
	}
	if rp.RequireExpiration {
		p.limitLifetime, p.anyLifetime = true, true
	}
	if rp.HasMaxLifetime {
		// max_lifetime takes precedence over require_expiration (Envoy jwks_cache.cc).
		p.limitLifetime, p.anyLifetime, p.maxLifetime = true, false, rp.MaxLifetime
	}
	switch {
	case rp.Local != nil:
		if ks := keys.LoadLocal(rp.Local, env.lookupEnv, probs, warn); ks != nil {
			p.keys = keys.Static{Set: ks}
		}
	case rp.Remote != nil:
		p.keys = keys.NewRemote(rp.Remote)
		if rp.Remote.AsyncFetch && !rp.Remote.FastListener {
			warn(rp.Path + ".remote_jwks.async_fetch: a Wasm filter cannot hold the listener back until the first fetch (fast_listener: false); it behaves as fast_listener: true, and requests arriving before the first fetch wait for it")
		}
	}
	p.ext = request.NewExtractor(request.LocationSource{Issuer: rp.Issuer, Headers: rp.FromHeaders, Params: rp.FromParams, Cookies: rp.FromCookies})
	compileProviderResource(p, rp, probs)
	if p.payloadHeader != "" {
		p.sanitize = append(p.sanitize, p.payloadHeader)
	}
	for _, c := range rp.ClaimToHeaders {
		ch := compileClaimHeader(c)
		p.claimHeaders = append(p.claimHeaders, ch)
		if ch.keepRequest {
			p.keepRequest, p.keepPaths = append(p.keepRequest, ch.header), append(p.keepPaths, c.At())
			continue
		}
		if !contains(p.sanitize, ch.header) {
			p.sanitize = append(p.sanitize, ch.header)
		}
	}
	if rp.ClearRouteCache {
		warn(rp.Path + ".clear_route_cache: accepted; Envoy's Wasm host already clears the route cache when a Wasm filter changes request headers")
	}
	return p
}

// reqBuilder is Envoy's innerCreate: a requirement tree with every provider resolved.
type reqBuilder struct {
	rt    *filterConfig
	probs *config.Problems
	// statusHeaders are the extract_only_without_validation status headers; statusOff: one
	// turned it off.
	statusHeaders map[string]bool
	statusOff     bool
}

func (b *reqBuilder) build(raw *config.RawRequirement) requirement {
	switch raw.Kind {
	case config.ReqProvider:
		p := b.rt.byName[raw.Provider]
		if p == nil {
			at := config.JoinPath(raw.Path, "provider_name")
			if raw.HasAud {
				at = config.JoinPath(raw.Path, "provider_and_audiences.provider_name")
			}
			b.probs.Add(at, "provider "+strconv.Quote(raw.Provider)+" is not configured (known: ["+
				strings.Join(providerNames(b.rt), ",")+"])")
			return allowAllRequirement{}
		}
		// Envoy uses the provider's own audiences when the override list is empty.
		return &providerRequirement{p: p, aud: raw.Audiences, hasAud: raw.HasAud && len(raw.Audiences) > 0}
	case config.ReqAll:
		r := &allRequirement{}
		for _, ch := range raw.Children {
			r.children = append(r.children, b.build(ch))
		}
		return r
	case config.ReqAny:
		r := &anyRequirement{}
		for _, ch := range raw.Children {
			switch ch.Kind {
			case config.ReqAllowMissingOrFailed:
				r.allowFailed = true
			case config.ReqAllowMissing:
				r.allowMissing = true
			default:
				r.children = append(r.children, b.build(ch))
			}
		}
		if len(r.children) == 0 {
			// Only allow_* children: Envoy builds one lone allow verifier.
			r.children = []requirement{&allowRequirement{allowFailed: r.allowFailed}}
		}
		r.index = buildAnyIndex(r.children)
		return r
	case config.ReqAllowMissing:
		return &allowRequirement{allowFailed: false}
	case config.ReqAllowMissingOrFailed:
		return &allowRequirement{allowFailed: true}
	case config.ReqExtractOnly:
		if raw.StatusHeader != "" {
			b.statusHeaders[raw.StatusHeader] = true
		} else {
			b.statusOff = true
		}
		return &extractOnlyRequirement{header: raw.StatusHeader}
	}
	return allowAllRequirement{}
}

func providerNames(rt *filterConfig) []string {
	out := make([]string, 0, len(rt.providers))
	for _, p := range rt.providers {
		out = append(out, p.name)
	}
	return out
}

func sortedKeys(m map[string]requirement) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// findRule returns the first rule that matches, or nil.
func (rt *filterConfig) findRule(r *request.Request) *rule {
	for _, ru := range rt.rules {
		if ru.match.Matches(r) {
			return ru
		}
	}
	return nil
}

// findByIssuer is Envoy's JwksCache::findByIssuer.
// nearIssuer is a configured issuer equal to iss but for letter case and one trailing slash,
// "" when there is none (or iss is configured). For a debug line on a refused token only.
func (rt *filterConfig) nearIssuer(iss string) string {
	norm := func(s string) string { return strings.ToLower(strings.TrimSuffix(s, "/")) }
	want, near := norm(iss), ""
	for configured := range rt.byIssuer {
		if configured != "" && configured != iss && norm(configured) == want && (near == "" || configured < near) {
			near = configured
		}
	}
	return near
}

func (rt *filterConfig) findByIssuer(iss string) *provider {
	if p := rt.byIssuer[iss]; p != nil {
		return p
	}
	return rt.byIssuer[""]
}
