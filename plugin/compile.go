package plugin

import (
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// filterConfig is a compiled configuration: everything the request path needs, resolved and
// checked once at plugin start (Envoy's FilterConfigImpl). It is never modified after
// compile except for the JWT caches, which belong to the VM that built it.
type filterConfig struct {
	providers []*provider          // sorted by name
	byName    map[string]*provider // provider_name references
	// byIssuer gives, for an issuer, the first provider (by name) with that issuer: O(1)
	// choice of the provider for allow_missing(_or_failed), and "" holds the first provider
	// without issuer, which takes tokens of any issuer there (Envoy JwksCache::findByIssuer).
	byIssuer map[string]*provider
	single   *provider // the only provider, when there is exactly one
	// allSanitize is every provider's headers: what allow_missing(_or_failed) leaves remove.
	allSanitize []string
	allExt      *extractor  // the locations of every provider (allow_missing(_or_failed))
	caches      []*jwtCache // by provider index; nil entries when the cache is off
	tokenLimits verifier.Limits

	rules                []*rule
	bypassCorsPreflight  bool
	stripFailureResponse bool
	statPrefix           string

	// sanitizeSet holds every header the filter may set (claim headers, payload headers, the
	// report-only header), lower case: client copies are removed from every request, in one
	// pass over its headers, before anything else happens.
	sanitizeSet map[string]bool

	reportOnlyHeader string      // x_report_only; "" when off
	denyBody         *denyBody   // x_deny_response
	validTokens      requirement // x_require_valid_tokens: every token present must verify

	warnings []string // logged at plugin start
}

type rule struct {
	match *matcher
	req   requirement // nil: matching requests pass without verification
	authz *authorizer // x_authorize: a policy on the verified tokens' claims; nil when absent
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
	raw, probs := parseConfig(data)
	if len(probs) > 0 {
		return nil, probs
	}
	return compile(raw, env)
}

func compile(raw *rawConfig, env compileEnv) (*filterConfig, []string) {
	probs := &problems{}
	rt := &filterConfig{
		byName:               map[string]*provider{},
		byIssuer:             map[string]*provider{},
		bypassCorsPreflight:  raw.bypassCorsPreflight,
		stripFailureResponse: raw.stripFailureResponse,
		statPrefix:           raw.statPrefix,
		tokenLimits:          raw.tokenLimits,
	}
	warn := func(w string) { rt.warnings = append(rt.warnings, w) }

	rawProviders := append([]*rawProvider(nil), raw.providers...)
	sort.Slice(rawProviders, func(i, j int) bool { return rawProviders[i].name < rawProviders[j].name })
	var sources []locationSource
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
		}
		rt.caches = append(rt.caches, cache)
		sources = append(sources, locationSource{issuer: rp.issuer, headers: rp.fromHeaders, params: rp.fromParams, cookies: rp.fromCookies})
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
	rt.allExt = newExtractor(sources...)

	b := &reqBuilder{rt: rt, probs: probs}
	named := map[string]requirement{}
	for _, nr := range raw.requirementMap {
		named[nr.name] = b.build(nr.req)
	}
	for _, rr := range raw.rules {
		r := &rule{match: compileMatcher(rr.match, probs)}
		switch {
		case rr.requires != nil:
			r.req = b.build(rr.requires)
		case rr.requirementName != "":
			if r.req = named[rr.requirementName]; r.req == nil {
				probs.add(joinPath(rr.path, "requirement_name"), strconv.Quote(rr.requirementName)+
					" is not in requirement_map (known: ["+strings.Join(sortedKeys(named), ",")+"])")
			}
		}
		if rr.authorize != nil {
			r.authz = compileAuthorize(rr.authorize)
		}
		rt.rules = append(rt.rules, r)
	}

	if raw.reportOnly != nil {
		rt.reportOnlyHeader = strings.ToLower(raw.reportOnly.header)
		if rt.reportOnlyHeader == "" {
			rt.reportOnlyHeader = defaultReportOnlyHeader
		}
		sanitize[rt.reportOnlyHeader] = true
	}
	if raw.denyResponse != nil {
		rt.denyBody = &denyBody{template: raw.denyResponse.body, contentType: raw.denyResponse.contentType}
	}
	if raw.requireValidTokens {
		rt.validTokens = everyTokenRequirement{}
	}
	rt.sanitizeSet = sanitize

	if len(probs.list) > 0 {
		return nil, probs.list
	}
	return rt, nil
}

func compileProvider(rp *rawProvider, index int, env compileEnv, probs *problems, warn func(string)) *provider {
	p := &provider{
		name:                 rp.name,
		index:                index,
		issuer:               rp.issuer,
		audiences:            rp.audiences,
		subjects:             compileStringMatcher(rp.subjects, probs),
		skew:                 time.Duration(rp.clockSkewSeconds) * time.Second,
		forward:              rp.forward,
		payloadHeader:        strings.ToLower(rp.forwardPayloadHeader),
		padPayloadHeader:     rp.padPayloadHeader,
		payloadInMetadata:    rp.payloadInMetadata,
		headerInMetadata:     rp.headerInMetadata,
		failedStatusMetadata: rp.failedStatusMetadata,
		spaceDelimited:       rp.spaceDelimited,
		cacheEnabled:         !rp.disableJwtCache,
		cacheSize:            rp.jwtCacheSize,
		cacheMaxBytes:        rp.jwtMaxTokenSize,
	}
	if p.skew == 0 {
		p.skew = defaultClockSkew
	}
	if rp.requireExpiration {
		p.limitLifetime, p.anyLifetime = true, true
	}
	if rp.hasMaxLifetime {
		// max_lifetime takes precedence over require_expiration (Envoy jwks_cache.cc).
		p.limitLifetime, p.anyLifetime, p.maxLifetime = true, false, rp.maxLifetime
	}
	switch {
	case rp.local != nil:
		if ks := loadLocalKeys(rp.local, env.lookupEnv, probs, warn); ks != nil {
			p.keys = staticKeys{set: ks}
		}
	case rp.remote != nil:
		p.keys = newRemoteKeys(rp.remote)
		if rp.remote.asyncFetch && !rp.remote.fastListener {
			warn(rp.path + ".remote_jwks.async_fetch: a Wasm filter cannot hold the listener back until the first fetch (fast_listener: false); it behaves as fast_listener: true, and requests arriving before the first fetch wait for it")
		}
	}
	p.ext = newExtractor(locationSource{issuer: rp.issuer, headers: rp.fromHeaders, params: rp.fromParams, cookies: rp.fromCookies})
	if p.payloadHeader != "" {
		p.sanitize = append(p.sanitize, p.payloadHeader)
	}
	for _, c := range rp.claimToHeaders {
		ch := compileClaimHeader(c)
		p.claimHeaders = append(p.claimHeaders, ch)
		if !contains(p.sanitize, ch.header) {
			p.sanitize = append(p.sanitize, ch.header)
		}
	}
	if rp.clearRouteCache {
		warn(rp.path + ".clear_route_cache: accepted; Envoy's Wasm host already clears the route cache when a Wasm filter changes request headers")
	}
	return p
}

// reqBuilder is Envoy's innerCreate: a requirement tree with every provider resolved.
type reqBuilder struct {
	rt    *filterConfig
	probs *problems
}

func (b *reqBuilder) build(raw *rawRequirement) requirement {
	switch raw.kind {
	case reqProvider:
		p := b.rt.byName[raw.provider]
		if p == nil {
			at := joinPath(raw.path, "provider_name")
			if raw.hasAud {
				at = joinPath(raw.path, "provider_and_audiences.provider_name")
			}
			b.probs.add(at, "provider "+strconv.Quote(raw.provider)+" is not configured (known: ["+
				strings.Join(providerNames(b.rt), ",")+"])")
			return allowAllRequirement{}
		}
		// Envoy uses the provider's own audiences when the override list is empty.
		return &providerRequirement{p: p, aud: raw.audiences, hasAud: raw.hasAud && len(raw.audiences) > 0}
	case reqAll:
		r := &allRequirement{}
		for _, ch := range raw.children {
			r.children = append(r.children, b.build(ch))
		}
		return r
	case reqAny:
		r := &anyRequirement{}
		for _, ch := range raw.children {
			switch ch.kind {
			case reqAllowMissingOrFailed:
				r.allowFailed = true
			case reqAllowMissing:
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
	case reqAllowMissing:
		return &allowRequirement{allowFailed: false}
	case reqAllowMissingOrFailed:
		return &allowRequirement{allowFailed: true}
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
func (rt *filterConfig) findRule(r *request) *rule {
	for _, ru := range rt.rules {
		if ru.match.matches(r) {
			return ru
		}
	}
	return nil
}

// findByIssuer is Envoy's JwksCache::findByIssuer.
func (rt *filterConfig) findByIssuer(iss string) *provider {
	if p := rt.byIssuer[iss]; p != nil {
		return p
	}
	return rt.byIssuer[""]
}
