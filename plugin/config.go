package plugin

import (
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// This file turns the plugin configuration, Envoy's
// envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication in proto3 JSON, into raw Go
// values. It checks what Envoy's proto and its protoc-gen-validate rules check (types,
// required fields, oneofs, lengths, patterns) and refuses, with the reason, the fields a Wasm
// filter cannot honour. It makes no host calls. References between parts (provider names,
// requirement names), regular expressions and keys are resolved by compile.go.

// Refusal reasons, shared by config.go and the field table in the report.
const (
	whyNoFiles        = "not supported in a Wasm filter: it has no file system; put the keys in inline_string (or inline_bytes)"
	whyIgnoredMatch   = "not supported: Envoy's jwt_authn ignores this RouteMatch field (its matcher checks only the path, headers and query parameters); refused so that the rule cannot match more requests than it says"
	whyFilterState    = "not supported in a Wasm filter: requirements selected by other filters' filter state cannot be read reliably through proxy-wasm; use rules"
	whyExtractOnly    = "not supported: it forwards claims of tokens whose signature was not verified; use x_report_only for a rollout that does not refuse requests"
	whyExtensionMatch = "not supported in a Wasm filter: Envoy extension matchers cannot be loaded by it"
	whyHostSelection  = "not supported: host-selection retry extensions do not apply to a Wasm filter's HTTP callout"
)

const jwtAuthenticationType = "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication"

type rawConfig struct {
	providers            []*rawProvider // JSON order; compile sorts by name
	rules                []*rawRule
	requirementMap       []rawNamedRequirement
	bypassCorsPreflight  bool
	stripFailureResponse bool
	statPrefix           string

	// extensions
	reportOnly         *rawReportOnly
	denyResponse       *rawDenyResponse
	requireValidTokens bool
	tokenLimits        verifier.Limits // zero fields: the verifier's defaults
}

type rawNamedRequirement struct {
	name string
	req  *rawRequirement
}

type rawReportOnly struct{ header string }

type rawDenyResponse struct{ body, contentType string }

type rawProvider struct {
	path, name           string
	issuer               string
	audiences            []string
	subjects             *rawStringMatcher
	requireExpiration    bool
	maxLifetime          time.Duration
	hasMaxLifetime       bool
	local                *rawLocalJwks
	remote               *rawRemoteJwks
	forward              bool
	fromHeaders          []rawHeaderLocation
	fromParams           []string
	fromCookies          []string
	forwardPayloadHeader string
	padPayloadHeader     bool
	payloadInMetadata    string
	headerInMetadata     string
	failedStatusMetadata string
	spaceDelimited       []string
	clockSkewSeconds     uint32
	jwtCacheSize         uint32
	jwtMaxTokenSize      uint32
	disableJwtCache      bool
	claimToHeaders       []*rawClaimToHeader
	clearRouteCache      bool
}

type rawHeaderLocation struct{ name, prefix string }

type rawLocalJwks struct {
	path   string
	source string // inline_string | inline_bytes | environment_variable
	data   []byte
	envVar string
	format string // "jwks" (default) or "pem" (x_format)
}

type rawRemoteJwks struct {
	path          string
	uri, cluster  string
	timeout       time.Duration
	cacheDuration time.Duration // 0 = Envoy's default
	asyncFetch    bool
	fastListener  bool
	failedRefetch time.Duration // 0 = default
	retry         *rawRetryPolicy

	// extensions
	maxBytes      uint32        // x_max_jwks_bytes; 0 = default
	kidRefetch    time.Duration // x_unknown_kid_refetch_interval
	hasKidRefetch bool
}

type rawRetryPolicy struct {
	numRetries   uint32
	hasRetries   bool
	baseInterval time.Duration
	maxInterval  time.Duration
	retryOn      string
}

type rawClaimToHeader struct {
	path      string
	header    string
	claimName string
	claimPath []string
	render    string // x_render: envoy (default) | json | joined
	separator string // x_separator for joined
	delimiter string // x_delimiter splitting claim_name; "." by default
	replace   bool   // x_claims_to_headers with append: false (Gloo)
}

type reqKind uint8

const (
	reqAllowAll reqKind = iota
	reqProvider
	reqAny
	reqAll
	reqAllowMissing
	reqAllowMissingOrFailed
)

type rawRequirement struct {
	path      string
	kind      reqKind
	provider  string
	audiences []string // provider_and_audiences override; nil for provider_name
	hasAud    bool
	children  []*rawRequirement
}

type rawRule struct {
	path            string
	match           *rawRouteMatch
	requires        *rawRequirement // nil: no requirement (the rule lets requests through)
	requirementName string
	authorize       *rawAuthorize // x_authorize (authorize_config.go); nil when absent
}

type pathKind uint8

const (
	pathPrefix pathKind = iota
	pathExact
	pathRegex
	pathSeparatedPrefix
	pathConnect
)

type rawRouteMatch struct {
	path          string
	kind          pathKind
	value         string
	caseSensitive bool
	headers       []*rawHeaderMatcher
	queryParams   []*rawQueryMatcher
}

type headerMatchKind uint8

const (
	hmPresent headerMatchKind = iota
	hmExact
	hmRegex
	hmRange
	hmPrefix
	hmSuffix
	hmContains
	hmString
)

type rawHeaderMatcher struct {
	path           string
	name           string
	kind           headerMatchKind
	value          string // exact/prefix/suffix/contains, or the regex
	start, end     int64
	present        bool
	stringMatch    *rawStringMatcher
	invert         bool
	missingAsEmpty bool
}

type rawQueryMatcher struct {
	path        string
	name        string
	stringMatch *rawStringMatcher
	present     bool
	hasPresent  bool
}

type stringMatchKind uint8

const (
	smExact stringMatchKind = iota
	smPrefix
	smSuffix
	smRegex
	smContains
)

type rawStringMatcher struct {
	path       string
	kind       stringMatchKind
	value      string
	ignoreCase bool
}

// parseConfig decodes the plugin configuration. An empty configuration is an empty
// JwtAuthentication (no providers, no rules: every request passes), as in Envoy.
func parseConfig(data []byte) (*rawConfig, []string) {
	probs := &problems{}
	if len(strings.TrimSpace(string(data))) == 0 {
		return &rawConfig{}, nil
	}
	if !gjson.ValidBytes(data) {
		probs.add("", "configuration is not valid JSON")
		return nil, probs.list
	}
	root := gjson.ParseBytes(data)
	if !root.IsObject() {
		probs.add("", "configuration must be a JSON object (a JwtAuthentication)")
		return nil, probs.list
	}
	top := decodeObject(root, "", probs, "@type",
		"providers", "rules", "filter_state_rules", "bypass_cors_preflight", "requirement_map",
		"strip_failure_response", "stat_prefix",
		"x_report_only", "x_deny_response", "x_require_valid_tokens", "x_token_limits")
	cfg := &rawConfig{
		bypassCorsPreflight:  top.boolean("bypass_cors_preflight"),
		stripFailureResponse: top.boolean("strip_failure_response"),
		statPrefix:           top.str("stat_prefix"),
		requireValidTokens:   top.boolean("x_require_valid_tokens"),
	}
	// A typed_config pasted whole carries its type URL; accept it when it names this type.
	if t := top.str("@type"); top.has("@type") && t != jwtAuthenticationType {
		probs.add(top.at("@type"), "must be "+jwtAuthenticationType)
	}
	if top.has("filter_state_rules") {
		probs.add(top.at("filter_state_rules"), whyFilterState)
	}
	for _, e := range top.mapping("providers") {
		cfg.providers = append(cfg.providers, parseProvider(e.val, joinPath(top.at("providers"), e.key), e.key, probs))
	}
	for i, r := range top.array("rules") {
		cfg.rules = append(cfg.rules, parseRule(r, indexPath(top.at("rules"), i), probs))
	}
	for _, e := range top.mapping("requirement_map") {
		cfg.requirementMap = append(cfg.requirementMap,
			rawNamedRequirement{name: e.key, req: parseRequirement(e.val, joinPath(top.at("requirement_map"), e.key), probs)})
	}
	checkAuthorizeRules(cfg, probs)
	if ro := top.obj("x_report_only", "header"); ro != nil {
		cfg.reportOnly = &rawReportOnly{header: ro.str("header")}
		checkHeaderValue(ro, "header", probs)
	}
	if tl := top.obj("x_token_limits", "max_token_bytes", "max_header_bytes", "max_payload_bytes"); tl != nil {
		cfg.tokenLimits = verifier.Limits{
			MaxTokenBytes:   tokenLimit(tl, "max_token_bytes", probs),
			MaxHeaderBytes:  tokenLimit(tl, "max_header_bytes", probs),
			MaxPayloadBytes: tokenLimit(tl, "max_payload_bytes", probs),
		}
	}
	if dr := top.obj("x_deny_response", "body", "content_type"); dr != nil {
		cfg.denyResponse = &rawDenyResponse{body: dr.str("body"), contentType: dr.str("content_type")}
		checkHeaderValue(dr, "content_type", probs)
	}
	return cfg, probs.list
}

// maxTokenLimit bounds x_token_limits: a limit is there to bound the work done on hostile
// input, so one larger than a generous header (1 MiB) defeats its purpose.
const maxTokenLimit = 1 << 20

// tokenLimit reads one x_token_limits field: absent or 0 keeps the verifier's default.
func tokenLimit(o *object, name string, probs *problems) int {
	n := o.uint32Field(name)
	if n > maxTokenLimit {
		probs.add(o.at(name), "must be at most 1048576 (bytes)")
		return 0
	}
	return int(n)
}

func parseProvider(v gjson.Result, path, name string, probs *problems) *rawProvider {
	o := decodeObject(v, path, probs,
		"issuer", "audiences", "subjects", "require_expiration", "max_lifetime", "remote_jwks",
		"local_jwks", "forward", "from_headers", "from_params", "from_cookies",
		"forward_payload_header", "pad_forward_payload_header", "payload_in_metadata",
		"normalize_payload_in_metadata", "header_in_metadata", "failed_status_in_metadata",
		"clock_skew_seconds", "jwt_cache_config", "claim_to_headers", "clear_route_cache",
		"x_claims_to_headers", "x_disable_jwt_cache")
	p := &rawProvider{path: path, name: name}
	if o == nil {
		if !v.Exists() || v.Type == gjson.Null {
			probs.add(path, "must be an object (a JwtProvider)")
		}
		return p
	}
	p.issuer = o.str("issuer")
	p.audiences = o.strings("audiences")
	if o.has("subjects") {
		p.subjects = parseStringMatcher(o.obj("subjects", stringMatcherFields...), probs)
	}
	p.requireExpiration = o.boolean("require_expiration")
	p.maxLifetime, p.hasMaxLifetime = o.duration("max_lifetime")
	switch o.oneof("remote_jwks", "local_jwks") {
	case "remote_jwks":
		p.remote = parseRemoteJwks(o.obj("remote_jwks", "http_uri", "cache_duration", "async_fetch", "retry_policy",
			"x_max_jwks_bytes", "x_unknown_kid_refetch_interval"), probs)
	case "local_jwks":
		p.local = parseLocalJwks(o.obj("local_jwks", "filename", "inline_bytes", "inline_string",
			"environment_variable", "watched_directory", "x_format"), probs)
	default:
		probs.add(joinPath(path, "remote_jwks"), "missing: one of remote_jwks or local_jwks is required")
	}
	p.forward = o.boolean("forward")
	for i, h := range o.array("from_headers") {
		ho := decodeObject(h, indexPath(o.at("from_headers"), i), probs, "name", "value_prefix")
		if ho == nil {
			probs.add(indexPath(o.at("from_headers"), i), "must be an object (a JwtHeader)")
			continue
		}
		loc := rawHeaderLocation{name: ho.str("name"), prefix: ho.str("value_prefix")}
		checkHeaderName(ho, "name", true, probs)
		checkHeaderValue(ho, "value_prefix", probs)
		p.fromHeaders = append(p.fromHeaders, loc)
	}
	p.fromParams = o.strings("from_params")
	p.fromCookies = o.strings("from_cookies")
	p.forwardPayloadHeader = o.str("forward_payload_header")
	checkHeaderName(o, "forward_payload_header", false, probs)
	p.padPayloadHeader = o.boolean("pad_forward_payload_header")
	p.payloadInMetadata = o.str("payload_in_metadata")
	if n := o.obj("normalize_payload_in_metadata", "space_delimited_claims"); n != nil {
		p.spaceDelimited = n.strings("space_delimited_claims")
	}
	p.headerInMetadata = o.str("header_in_metadata")
	p.failedStatusMetadata = o.str("failed_status_in_metadata")
	p.clockSkewSeconds = o.uint32Field("clock_skew_seconds")
	if c := o.obj("jwt_cache_config", "jwt_cache_size", "jwt_max_token_size"); c != nil {
		p.jwtCacheSize = c.uint32Field("jwt_cache_size")
		p.jwtMaxTokenSize = c.uint32Field("jwt_max_token_size")
	}
	p.disableJwtCache = o.boolean("x_disable_jwt_cache")
	for i, c := range o.array("claim_to_headers") {
		if ch := parseClaimToHeader(c, indexPath(o.at("claim_to_headers"), i), probs); ch != nil {
			p.claimToHeaders = append(p.claimToHeaders, ch)
		}
	}
	for i, c := range o.array("x_claims_to_headers") {
		if ch := parseGlooClaimToHeader(c, indexPath(o.at("x_claims_to_headers"), i), probs); ch != nil {
			p.claimToHeaders = append(p.claimToHeaders, ch)
		}
	}
	p.clearRouteCache = o.boolean("clear_route_cache")
	return p
}

func parseLocalJwks(o *object, probs *problems) *rawLocalJwks {
	if o == nil {
		return nil
	}
	l := &rawLocalJwks{path: o.path}
	switch l.format = o.str("x_format"); l.format {
	case "", "jwks", "pem":
	default:
		probs.add(o.at("x_format"), `must be "jwks" or "pem"`)
	}
	if o.has("watched_directory") {
		probs.add(o.at("watched_directory"), whyNoFiles)
	}
	switch l.source = o.oneof("filename", "inline_bytes", "inline_string", "environment_variable"); l.source {
	case "filename":
		probs.add(o.at("filename"), whyNoFiles)
	case "inline_bytes":
		l.data = o.bytesField("inline_bytes")
	case "inline_string":
		l.data = []byte(o.str("inline_string"))
	case "environment_variable":
		if l.envVar = o.str("environment_variable"); l.envVar == "" {
			probs.add(o.at("environment_variable"), "must not be empty")
		}
	default:
		probs.add(o.at("inline_string"), "missing: one of inline_string, inline_bytes or environment_variable is required")
	}
	return l
}

func parseRemoteJwks(o *object, probs *problems) *rawRemoteJwks {
	if o == nil {
		return nil
	}
	r := &rawRemoteJwks{path: o.path}
	if u := o.obj("http_uri", "uri", "cluster", "timeout"); u == nil {
		probs.add(o.at("http_uri"), "missing")
	} else {
		r.uri = u.str("uri")
		if r.uri == "" {
			probs.add(u.at("uri"), "missing")
		} else if !isHTTPURL(r.uri) {
			probs.add(u.at("uri"), "must be an absolute http:// or https:// URL with a host")
		}
		if r.cluster = u.str("cluster"); r.cluster == "" {
			probs.add(u.at("cluster"), "missing")
		}
		t, ok := u.duration("timeout")
		switch {
		case !u.has("timeout"):
			probs.add(u.at("timeout"), "missing")
		case ok && (t < 0 || t >= 4294967295*time.Second):
			probs.add(u.at("timeout"), "must be in [0s, 4294967295s)")
		}
		r.timeout = t
	}
	if d, ok := o.duration("cache_duration"); ok {
		if d < time.Millisecond || d >= 2500000*time.Hour {
			probs.add(o.at("cache_duration"), "must be in [1ms, 2500000h)")
		}
		r.cacheDuration = d
	}
	if a := o.obj("async_fetch", "fast_listener", "failed_refetch_duration"); a != nil {
		r.asyncFetch = true
		r.fastListener = a.boolean("fast_listener")
		if d, ok := a.duration("failed_refetch_duration"); ok {
			if d <= 0 {
				probs.add(a.at("failed_refetch_duration"), "must be greater than 0s")
			}
			r.failedRefetch = d
		}
	}
	if rp := o.obj("retry_policy", "retry_back_off", "num_retries", "retry_on", "retry_priority",
		"retry_host_predicate", "host_selection_retry_max_attempts"); rp != nil {
		r.retry = &rawRetryPolicy{retryOn: rp.str("retry_on"), hasRetries: rp.has("num_retries")}
		r.retry.numRetries = rp.uint32Field("num_retries")
		for _, f := range []string{"retry_priority", "retry_host_predicate", "host_selection_retry_max_attempts"} {
			if rp.has(f) {
				probs.add(rp.at(f), whyHostSelection)
			}
		}
		if b := rp.obj("retry_back_off", "base_interval", "max_interval"); b != nil {
			base, ok := b.duration("base_interval")
			switch {
			case !b.has("base_interval"):
				probs.add(b.at("base_interval"), "missing")
			case ok && base < time.Millisecond:
				probs.add(b.at("base_interval"), "must be at least 1ms")
			}
			r.retry.baseInterval = base
			if m, ok := b.duration("max_interval"); ok {
				if m <= 0 {
					probs.add(b.at("max_interval"), "must be greater than 0s")
				} else if m < base {
					// Envoy's Http::Utility::validateCoreRetryPolicy.
					probs.add(b.at("max_interval"), "must be greater than or equal to base_interval")
				}
				r.retry.maxInterval = m
			}
		}
	}
	if o.has("x_max_jwks_bytes") {
		if r.maxBytes = o.uint32Field("x_max_jwks_bytes"); r.maxBytes == 0 || r.maxBytes > maxMaxJwksBytes {
			probs.add(o.at("x_max_jwks_bytes"), "must be in [1, "+strconv.Itoa(maxMaxJwksBytes)+"]")
		}
	}
	if d, ok := o.duration("x_unknown_kid_refetch_interval"); ok {
		if d < 0 {
			probs.add(o.at("x_unknown_kid_refetch_interval"), "must not be negative (0s turns the refetch off)")
		}
		r.kidRefetch, r.hasKidRefetch = d, true
	}
	return r
}

func isHTTPURL(s string) bool {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(s, "http://")
	}
	if !ok {
		return false
	}
	host, _, _ := strings.Cut(rest, "/")
	return host != "" && !strings.ContainsAny(host, " \t\r\n?#")
}

var claimToHeaderFields = []string{"header_name", "claim_name", "claim_path", "x_render", "x_separator", "x_delimiter"}

func parseClaimToHeader(v gjson.Result, path string, probs *problems) *rawClaimToHeader {
	o := decodeObject(v, path, probs, claimToHeaderFields...)
	if o == nil {
		probs.add(path, "must be an object (a JwtClaimToHeader)")
		return nil
	}
	c := &rawClaimToHeader{path: path, header: o.str("header_name"), claimName: o.str("claim_name"),
		render: o.str("x_render"), separator: o.str("x_separator"), delimiter: o.str("x_delimiter")}
	checkHeaderName(o, "header_name", true, probs)
	for i, s := range o.array("claim_path") {
		so := decodeObject(s, indexPath(o.at("claim_path"), i), probs, "key")
		if so == nil {
			probs.add(indexPath(o.at("claim_path"), i), "must be an object with a key")
			continue
		}
		k := so.str("key")
		if k == "" {
			probs.add(so.at("key"), "must not be empty")
		}
		c.claimPath = append(c.claimPath, k)
	}
	if (c.claimName == "") == (len(c.claimPath) == 0) {
		probs.add(path, "exactly one of claim_name and claim_path must be set")
	}
	if o.has("x_delimiter") && c.delimiter == "" {
		probs.add(o.at("x_delimiter"), "must not be empty")
	}
	if o.has("x_delimiter") && len(c.claimPath) > 0 {
		probs.add(o.at("x_delimiter"), "applies to claim_name only; claim_path segments are never split")
	}
	checkRender(o, c, probs)
	return c
}

// parseGlooClaimToHeader reads Gloo's claims_to_headers entry {claim, header, append}.
func parseGlooClaimToHeader(v gjson.Result, path string, probs *problems) *rawClaimToHeader {
	o := decodeObject(v, path, probs, "claim", "header", "append", "x_render", "x_separator", "x_delimiter")
	if o == nil {
		probs.add(path, "must be an object {claim, header, append}")
		return nil
	}
	c := &rawClaimToHeader{path: path, header: o.str("header"), claimName: o.str("claim"),
		replace: !o.boolean("append"), render: o.str("x_render"), separator: o.str("x_separator"),
		delimiter: o.str("x_delimiter")}
	checkHeaderName(o, "header", true, probs)
	if c.claimName == "" {
		probs.add(o.at("claim"), "missing")
	}
	if o.has("x_delimiter") && c.delimiter == "" {
		probs.add(o.at("x_delimiter"), "must not be empty")
	}
	checkRender(o, c, probs)
	return c
}

func checkRender(o *object, c *rawClaimToHeader, probs *problems) {
	switch c.render {
	case "", "envoy", "json", "joined":
	default:
		probs.add(o.at("x_render"), `must be "envoy", "json" or "joined"`)
	}
	if o.has("x_separator") && c.render != "joined" {
		probs.add(o.at("x_separator"), `applies only with x_render: "joined"`)
	}
	checkHeaderValue(o, "x_separator", probs)
}

// checkHeaderName applies Envoy's HTTP_HEADER_NAME rule (no NUL, CR or LF), the length
// rule where the proto has one, and refuses pseudo-headers, which no claim may overwrite.
func checkHeaderName(o *object, field string, required bool, probs *problems) {
	v := o.str(field)
	switch {
	case v == "" && required:
		probs.add(o.at(field), "missing")
	case strings.ContainsAny(v, "\x00\r\n"):
		probs.add(o.at(field), "must not contain NUL, CR or LF")
	case strings.HasPrefix(v, ":"):
		probs.add(o.at(field), "must not be a pseudo-header")
	}
}

func checkHeaderValue(o *object, field string, probs *problems) {
	if strings.ContainsAny(o.str(field), "\x00\r\n") {
		probs.add(o.at(field), "must not contain NUL, CR or LF")
	}
}

var requirementFields = []string{"provider_name", "provider_and_audiences", "requires_any", "requires_all",
	"allow_missing_or_failed", "allow_missing", "extract_only_without_validation"}

func parseRequirement(v gjson.Result, path string, probs *problems) *rawRequirement {
	o := decodeObject(v, path, probs, requirementFields...)
	r := &rawRequirement{path: path}
	if o == nil {
		return r // null: no requirement; not an object: decodeObject reported it
	}
	switch o.oneof(requirementFields...) {
	case "provider_name":
		r.kind, r.provider = reqProvider, o.str("provider_name")
		if r.provider == "" {
			probs.add(o.at("provider_name"), "must not be empty")
		}
	case "provider_and_audiences":
		pa := o.obj("provider_and_audiences", "provider_name", "audiences")
		r.kind, r.provider, r.audiences, r.hasAud = reqProvider, pa.str("provider_name"), pa.strings("audiences"), true
		if r.provider == "" {
			probs.add(joinPath(o.at("provider_and_audiences"), "provider_name"), "missing")
		}
	case "requires_any", "requires_all":
		field := "requires_any"
		r.kind = reqAny
		if o.has("requires_all") {
			field, r.kind = "requires_all", reqAll
		}
		list := o.obj(field, "requirements")
		items := list.array("requirements")
		if len(items) < 2 {
			probs.add(joinPath(o.at(field), "requirements"), "must contain at least 2 requirements")
		}
		for i, it := range items {
			r.children = append(r.children, parseRequirement(it, indexPath(joinPath(o.at(field), "requirements"), i), probs))
		}
	case "allow_missing_or_failed":
		o.empty("allow_missing_or_failed")
		r.kind = reqAllowMissingOrFailed
	case "allow_missing":
		o.empty("allow_missing")
		r.kind = reqAllowMissing
	case "extract_only_without_validation":
		probs.add(o.at("extract_only_without_validation"), whyExtractOnly)
	}
	return r
}

func parseRule(v gjson.Result, path string, probs *problems) *rawRule {
	o := decodeObject(v, path, probs, "match", "requires", "requirement_name", "x_authorize")
	r := &rawRule{path: path}
	if o == nil {
		probs.add(path, "must be an object (a RequirementRule)")
		return r
	}
	if !o.has("match") {
		probs.add(o.at("match"), "missing")
	} else {
		r.match = parseRouteMatch(o.obj("match", "prefix", "path", "safe_regex", "connect_matcher",
			"path_separated_prefix", "path_match_policy", "case_sensitive", "runtime_fraction", "headers",
			"query_parameters", "cookies", "grpc", "tls_context", "dynamic_metadata", "filter_state"), probs)
	}
	switch o.oneof("requires", "requirement_name") {
	case "requires":
		r.requires = parseRequirement(o.vals["requires"], o.at("requires"), probs)
	case "requirement_name":
		if r.requirementName = o.str("requirement_name"); r.requirementName == "" {
			probs.add(o.at("requirement_name"), "must not be empty")
		}
	}
	if az, ok := o.raw("x_authorize"); ok {
		r.authorize = parseAuthorize(az, o.at("x_authorize"), probs)
	}
	return r
}

func parseRouteMatch(o *object, probs *problems) *rawRouteMatch {
	if o == nil {
		return nil
	}
	m := &rawRouteMatch{path: o.path, caseSensitive: true}
	switch o.oneof("prefix", "path", "safe_regex", "connect_matcher", "path_separated_prefix", "path_match_policy") {
	case "prefix":
		m.kind, m.value = pathPrefix, o.str("prefix")
	case "path":
		m.kind, m.value = pathExact, o.str("path")
	case "safe_regex":
		m.kind, m.value = pathRegex, parseRegex(o.obj("safe_regex", "google_re2", "regex"), probs)
	case "connect_matcher":
		o.obj("connect_matcher")
		m.kind = pathConnect
	case "path_separated_prefix":
		m.kind, m.value = pathSeparatedPrefix, o.str("path_separated_prefix")
		if !validSeparatedPrefix(m.value) {
			probs.add(o.at("path_separated_prefix"), `must match ^[^?#]+[^?#/]$ (no query, no fragment, no trailing "/")`)
		}
	case "path_match_policy":
		probs.add(o.at("path_match_policy"), whyExtensionMatch)
	default:
		probs.add(o.at("prefix"), "missing: one of prefix, path, safe_regex, path_separated_prefix or connect_matcher is required")
	}
	if v, ok := o.raw("case_sensitive"); ok {
		// google.protobuf.BoolValue: the bare boolean in proto3 JSON.
		if v.Type != gjson.True && v.Type != gjson.False {
			probs.add(o.at("case_sensitive"), "must be true or false")
		}
		m.caseSensitive = v.Type != gjson.False
	}
	for _, f := range []string{"runtime_fraction", "cookies", "grpc", "tls_context", "dynamic_metadata", "filter_state"} {
		if o.has(f) {
			probs.add(o.at(f), whyIgnoredMatch)
		}
	}
	for i, h := range o.array("headers") {
		if hm := parseHeaderMatcher(h, indexPath(o.at("headers"), i), probs); hm != nil {
			m.headers = append(m.headers, hm)
		}
	}
	for i, q := range o.array("query_parameters") {
		if qm := parseQueryMatcher(q, indexPath(o.at("query_parameters"), i), probs); qm != nil {
			m.queryParams = append(m.queryParams, qm)
		}
	}
	return m
}

func validSeparatedPrefix(s string) bool {
	return len(s) >= 2 && !strings.ContainsAny(s, "?#") && !strings.HasSuffix(s, "/")
}

// parseRegex reads a RegexMatcher and returns its pattern (compiled by compile.go).
func parseRegex(o *object, probs *problems) string {
	if o == nil {
		return ""
	}
	if g := o.obj("google_re2", "max_program_size"); g != nil {
		g.uint32Field("max_program_size") // deprecated in Envoy; accepted and ignored as there
	}
	re := o.str("regex")
	if re == "" {
		probs.add(o.at("regex"), "must not be empty")
	}
	return re
}

func parseHeaderMatcher(v gjson.Result, path string, probs *problems) *rawHeaderMatcher {
	o := decodeObject(v, path, probs, "name", "exact_match", "safe_regex_match", "range_match",
		"present_match", "prefix_match", "suffix_match", "contains_match", "string_match", "invert_match",
		"treat_missing_header_as_empty")
	if o == nil {
		probs.add(path, "must be an object (a HeaderMatcher)")
		return nil
	}
	h := &rawHeaderMatcher{path: path, name: strings.ToLower(o.str("name")), invert: o.boolean("invert_match"),
		missingAsEmpty: o.boolean("treat_missing_header_as_empty")}
	// Matchers may read pseudo-headers (:method, :authority, ...): only Envoy's rules apply.
	switch {
	case h.name == "":
		probs.add(o.at("name"), "missing")
	case strings.ContainsAny(h.name, "\x00\r\n"):
		probs.add(o.at("name"), "must not contain NUL, CR or LF")
	}
	switch o.oneof("exact_match", "safe_regex_match", "range_match", "present_match", "prefix_match",
		"suffix_match", "contains_match", "string_match") {
	case "exact_match":
		h.kind, h.value = hmExact, o.str("exact_match")
	case "safe_regex_match":
		h.kind, h.value = hmRegex, parseRegex(o.obj("safe_regex_match", "google_re2", "regex"), probs)
	case "range_match":
		r := o.obj("range_match", "start", "end")
		h.kind, h.start, h.end = hmRange, r.int64Field("start"), r.int64Field("end")
	case "present_match":
		h.kind, h.present = hmPresent, o.boolean("present_match")
	case "prefix_match", "suffix_match", "contains_match":
		for f, k := range map[string]headerMatchKind{"prefix_match": hmPrefix, "suffix_match": hmSuffix, "contains_match": hmContains} {
			if o.has(f) {
				h.kind, h.value = k, o.str(f)
				if h.value == "" {
					probs.add(o.at(f), "must not be empty")
				}
			}
		}
	case "string_match":
		h.kind, h.stringMatch = hmString, parseStringMatcher(o.obj("string_match", stringMatcherFields...), probs)
	default:
		// No specifier: Envoy matches on presence.
		h.kind, h.present = hmPresent, true
	}
	return h
}

func parseQueryMatcher(v gjson.Result, path string, probs *problems) *rawQueryMatcher {
	o := decodeObject(v, path, probs, "name", "string_match", "present_match")
	if o == nil {
		probs.add(path, "must be an object (a QueryParameterMatcher)")
		return nil
	}
	q := &rawQueryMatcher{path: path, name: o.str("name")}
	if q.name == "" {
		probs.add(o.at("name"), "missing")
	} else if len(q.name) > 1024 {
		probs.add(o.at("name"), "must be at most 1024 bytes")
	}
	switch o.oneof("string_match", "present_match") {
	case "string_match":
		q.stringMatch = parseStringMatcher(o.obj("string_match", stringMatcherFields...), probs)
	case "present_match":
		q.present, q.hasPresent = o.boolean("present_match"), true
	}
	return q
}

var stringMatcherFields = []string{"exact", "prefix", "suffix", "safe_regex", "contains", "custom", "ignore_case"}

func parseStringMatcher(o *object, probs *problems) *rawStringMatcher {
	if o == nil {
		return nil
	}
	s := &rawStringMatcher{path: o.path, ignoreCase: o.boolean("ignore_case")}
	switch o.oneof("exact", "prefix", "suffix", "safe_regex", "contains", "custom") {
	case "exact":
		s.kind, s.value = smExact, o.str("exact")
	case "prefix", "suffix", "contains":
		for f, k := range map[string]stringMatchKind{"prefix": smPrefix, "suffix": smSuffix, "contains": smContains} {
			if o.has(f) {
				s.kind, s.value = k, o.str(f)
				if s.value == "" {
					probs.add(o.at(f), "must not be empty")
				}
			}
		}
	case "safe_regex":
		s.kind, s.value = smRegex, parseRegex(o.obj("safe_regex", "google_re2", "regex"), probs)
	case "custom":
		probs.add(o.at("custom"), whyExtensionMatch)
	default:
		probs.add(o.at("exact"), "missing: one of exact, prefix, suffix, safe_regex or contains is required")
	}
	return s
}
