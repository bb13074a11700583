// Package config turns the plugin configuration (Envoy's JwtAuthentication in proto3 JSON, plus
// our x_ extensions) into typed raw values, checking every field: a problem is reported with
// the JSON path of the field (jsonfields.go reads proto3 JSON fields; config.go is the
// configuration; authorize_config.go is x_authorize). It has no proxy-wasm calls; the
// plugin compiles its result (plugin/compile.go).
package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/oauth"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/oidc"
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
	whyExtensionMatch = "not supported in a Wasm filter: Envoy extension matchers cannot be loaded by it"
	whyHostSelection  = "not supported: host-selection retry extensions do not apply to a Wasm filter's HTTP callout"
)

const jwtAuthenticationType = "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication"

type RawConfig struct {
	Providers            []*RawProvider // JSON order; compile sorts by name
	Rules                []*RawRule
	RequirementMap       []RawNamedRequirement
	BypassCorsPreflight  bool
	StripFailureResponse bool
	StatPrefix           string

	// extensions
	ReportOnly         *RawReportOnly
	DenyResponse       *RawDenyResponse
	RequireValidTokens bool
	TokenLimits        verifier.Limits          // zero fields: the verifier's defaults
	ProtectedResource  *oauth.ProtectedResource // x_protected_resource (resource_config.go)

	// signing (signing_config.go)
	SigningKeys  *RawSigningKeys
	JWKSEndpoint *RawJWKSEndpoint
	HoldHeaders  bool            // x_allow_on_headers_stop_iteration
	DebugHeader  *RawDebugHeader // x_debug_header; nil when absent

	// FailedVerificationBudget is x_failed_verification_budget; nil: the defaults.
	FailedVerificationBudget *RawBudget
}

// RawBudget is x_failed_verification_budget: the cost of failed ES384/ES512 verifications a
// VM accepts per window. MaxCost 0 turns the defence off; unset fields are 0 with Set false.
type RawBudget struct {
	MaxCost, Window       time.Duration
	MaxCostSet, WindowSet bool
}

// RawDebugHeader is x_debug_header: requests carrying header Name with the secret get the
// decision trace on the filter's local reply.
type RawDebugHeader struct {
	Path   string
	Name   string
	Secret *RawLocalJwks // a DataSource, read as local_jwks is (Format unused)
}

type RawNamedRequirement struct {
	Name string
	Req  *RawRequirement
}

type RawReportOnly struct{ Header string }

type RawDenyResponse struct{ Body, ContentType string }

type RawProvider struct {
	Path, Name           string
	Issuer               string
	Audiences            []string
	Subjects             *RawStringMatcher
	RequireExpiration    bool
	MaxLifetime          time.Duration
	HasMaxLifetime       bool
	Local                *RawLocalJwks
	Remote               *RawRemoteJwks
	Forward              bool
	FromHeaders          []RawHeaderLocation
	FromParams           []string
	FromCookies          []string
	ForwardPayloadHeader string
	PadPayloadHeader     bool
	PayloadInMetadata    string
	HeaderInMetadata     string
	FailedStatusMetadata string
	SpaceDelimited       []string
	ClockSkewSeconds     uint32
	JwtCacheSize         uint32
	JwtMaxTokenSize      uint32
	DisableJwtCache      bool
	ClaimToHeaders       []*RawClaimToHeader
	ClearRouteCache      bool

	// resource-server extensions (resource_config.go)
	DPoP       *RawDPoP // x_dpop
	RequireTyp []string // x_require_typ
	MTLSBound  bool     // x_mtls_bound
}

type RawHeaderLocation struct{ Name, Prefix string }

type RawLocalJwks struct {
	Path   string
	Source string // inline_string | inline_bytes | environment_variable
	Data   []byte
	EnvVar string
	Format string // "jwks" (default) or "pem" (x_format)
}

type RawRemoteJwks struct {
	path          string
	Uri, Cluster  string
	Timeout       time.Duration
	CacheDuration time.Duration // 0 = Envoy's default
	AsyncFetch    bool
	FastListener  bool
	FailedRefetch time.Duration // 0 = default
	Retry         *RawRetryPolicy

	// extensions
	MaxBytes      uint32        // x_max_jwks_bytes; 0 = default
	KidRefetch    time.Duration // x_unknown_kid_refetch_interval
	HasKidRefetch bool
	Discovery     bool   // x_discovery: Uri is the issuer's OIDC discovery document
	JwksCluster   string // x_jwks_cluster: where the discovered jwks_uri is fetched; "" = Cluster
	Issuer        string // the provider's issuer, which the discovery document must name
}

type RawRetryPolicy struct {
	NumRetries   uint32
	HasRetries   bool
	BaseInterval time.Duration
	MaxInterval  time.Duration
	retryOn      string
}

type RawClaimToHeader struct {
	path      string
	Header    string
	ClaimName string
	ClaimPath []string
	Render    string // x_render: envoy (default) | json | joined
	Separator string // x_separator for joined
	Delimiter string // x_delimiter splitting claim_name; "." by default
	Replace   bool   // x_claims_to_headers with append: false (Gloo)
	// KeepRequestValue (x_claims_to_headers, with append: true) keeps the request's own
	// values of the header and adds the claim's after them (Gloo's append).
	KeepRequestValue bool
}

// At is the entry's JSON path, for messages.
func (c *RawClaimToHeader) At() string { return c.path }

type ReqKind uint8

const (
	reqAllowAll ReqKind = iota
	ReqProvider
	ReqAny
	ReqAll
	ReqAllowMissing
	ReqAllowMissingOrFailed
	ReqExtractOnly // extract_only_without_validation
)

// DefaultVerificationStatusHeader is extract_only_without_validation's
// verification_status_header when it is empty; VerificationStatusOff ("-") turns it off.
const (
	DefaultVerificationStatusHeader = "x-jwt-signature-verified"
	VerificationStatusOff           = "-"
)

type RawRequirement struct {
	Path      string
	Kind      ReqKind
	Provider  string
	Audiences []string // provider_and_audiences override; nil for provider_name
	HasAud    bool
	Children  []*RawRequirement
	// StatusHeader is extract_only_without_validation.verification_status_header, lower
	// case, with the default applied; "" when turned off with "-".
	StatusHeader string
}

type RawRule struct {
	Path            string
	Match           *RawRouteMatch
	Requires        *RawRequirement // nil: no requirement (the rule lets requests through)
	RequirementName string
	Authorize       *RawAuthorize    // x_authorize (authorize_config.go); nil when absent
	Sign            *RawSign         // x_sign (signing_config.go); nil when absent
	BackendToken    *RawBackendToken // x_backend_token (signing_config.go); nil when absent
}

type PathKind uint8

const (
	PathPrefix PathKind = iota
	PathExact
	PathRegex
	pathSeparatedPrefix
	PathConnect
)

type RawRouteMatch struct {
	Path          string
	Kind          PathKind
	Value         string
	CaseSensitive bool
	Headers       []*RawHeaderMatcher
	QueryParams   []*RawQueryMatcher
}

type HeaderMatchKind uint8

const (
	HmPresent HeaderMatchKind = iota
	HmExact
	HmRegex
	HmRange
	HmPrefix
	HmSuffix
	HmContains
	HmString
)

type RawHeaderMatcher struct {
	Path           string
	Name           string
	Kind           HeaderMatchKind
	Value          string // exact/prefix/suffix/contains, or the regex
	Start, End     int64
	Present        bool
	StringMatch    *RawStringMatcher
	Invert         bool
	MissingAsEmpty bool
}

type RawQueryMatcher struct {
	path        string
	Name        string
	StringMatch *RawStringMatcher
	Present     bool
	HasPresent  bool
}

type StringMatchKind uint8

const (
	SmExact StringMatchKind = iota
	SmPrefix
	SmSuffix
	SmRegex
	SmContains
)

type RawStringMatcher struct {
	Path       string
	Kind       StringMatchKind
	Value      string
	IgnoreCase bool
}

// Parse decodes the plugin configuration. An empty configuration is an empty
// JwtAuthentication (no providers, no rules: every request passes), as in Envoy.
func Parse(data []byte) (*RawConfig, []string) {
	probs := &Problems{}
	if len(strings.TrimSpace(string(data))) == 0 {
		return &RawConfig{}, nil
	}
	// The depth first: gjson validates recursively, one frame per level.
	if !verifier.JSONDepthWithin(data, verifier.MaxJSONDepth) {
		probs.Add("", "configuration is not valid JSON: arrays and objects nest deeper than "+strconv.Itoa(verifier.MaxJSONDepth)+" (Envoy's limit)")
		return nil, probs.List
	}
	if !gjson.ValidBytes(data) {
		probs.Add("", "configuration is not valid JSON")
		return nil, probs.List
	}
	root := gjson.ParseBytes(data)
	if !root.IsObject() {
		probs.Add("", "configuration must be a JSON object (a JwtAuthentication)")
		return nil, probs.List
	}
	top := decodeObject(root, "", probs, "@type",
		"providers", "rules", "filter_state_rules", "bypass_cors_preflight", "requirement_map",
		"strip_failure_response", "stat_prefix",
		"x_report_only", "x_deny_response", "x_require_valid_tokens", "x_token_limits", "x_failed_verification_budget", "x_protected_resource",
		"x_signing_keys", "x_jwks_endpoint", "x_allow_on_headers_stop_iteration", "x_debug_header")
	cfg := &RawConfig{
		BypassCorsPreflight:  top.boolean("bypass_cors_preflight"),
		StripFailureResponse: top.boolean("strip_failure_response"),
		StatPrefix:           top.str("stat_prefix"),
		RequireValidTokens:   top.boolean("x_require_valid_tokens"),
		HoldHeaders:          top.boolean("x_allow_on_headers_stop_iteration"),
	}
	cfg.SigningKeys = parseSigningKeys(top, probs)
	cfg.JWKSEndpoint = parseJWKSEndpoint(top, probs)
	// A typed_config pasted whole carries its type URL; accept it when it names this type.
	if t := top.str("@type"); top.has("@type") && t != jwtAuthenticationType {
		probs.Add(top.at("@type"), "must be "+jwtAuthenticationType)
	}
	if top.has("filter_state_rules") {
		probs.Add(top.at("filter_state_rules"), whyFilterState)
	}
	for _, e := range top.mapping("providers") {
		cfg.Providers = append(cfg.Providers, parseProvider(e.val, JoinPath(top.at("providers"), e.key), e.key, probs))
	}
	for i, r := range top.array("rules") {
		cfg.Rules = append(cfg.Rules, parseRule(r, indexPath(top.at("rules"), i), probs))
	}
	for _, e := range top.mapping("requirement_map") {
		cfg.RequirementMap = append(cfg.RequirementMap,
			RawNamedRequirement{Name: e.key, Req: parseRequirement(e.val, JoinPath(top.at("requirement_map"), e.key), probs)})
	}
	checkAuthorizeRules(cfg, probs)
	cfg.ProtectedResource = parseProtectedResource(top, probs)
	if ro := top.obj("x_report_only", "header"); ro != nil {
		cfg.ReportOnly = &RawReportOnly{Header: ro.str("header")}
		checkHeaderValue(ro, "header", probs)
	}
	if tl := top.obj("x_token_limits", "max_token_bytes", "max_header_bytes", "max_payload_bytes"); tl != nil {
		cfg.TokenLimits = verifier.Limits{
			MaxTokenBytes:   tokenLimit(tl, "max_token_bytes", probs),
			MaxHeaderBytes:  tokenLimit(tl, "max_header_bytes", probs),
			MaxPayloadBytes: tokenLimit(tl, "max_payload_bytes", probs),
		}
	}
	if b := top.obj("x_failed_verification_budget", "max_cost", "window"); b != nil {
		rb := &RawBudget{}
		rb.MaxCost, rb.MaxCostSet = b.duration("max_cost")
		rb.Window, rb.WindowSet = b.duration("window")
		if rb.WindowSet && rb.Window <= 0 {
			probs.Add(b.at("window"), "must be positive")
		}
		cfg.FailedVerificationBudget = rb
	}
	if dh := top.obj("x_debug_header", "name", "secret"); dh != nil {
		cfg.DebugHeader = parseDebugHeader(dh, probs)
	}
	if dr := top.obj("x_deny_response", "body", "content_type"); dr != nil {
		cfg.DenyResponse = &RawDenyResponse{Body: dr.str("body"), ContentType: dr.str("content_type")}
		checkHeaderValue(dr, "content_type", probs)
	}
	return cfg, probs.List
}

// maxMaxJwksBytes bounds x_max_jwks_bytes.
const maxMaxJwksBytes = 16 << 20

// maxTokenLimit bounds x_token_limits: a limit is there to bound the work done on hostile
// input, so one larger than a generous header (1 MiB) defeats its purpose.
const maxTokenLimit = 1 << 20

// tokenLimit reads one x_token_limits field: absent or 0 keeps the verifier's default.
func tokenLimit(o *object, name string, probs *Problems) int {
	n := o.uint32Field(name)
	if n > maxTokenLimit {
		probs.Add(o.at(name), "must be at most 1048576 (bytes)")
		return 0
	}
	return int(n)
}

func parseProvider(v gjson.Result, path, name string, probs *Problems) *RawProvider {
	o := decodeObject(v, path, probs,
		"issuer", "audiences", "subjects", "require_expiration", "max_lifetime", "remote_jwks",
		"local_jwks", "forward", "from_headers", "from_params", "from_cookies",
		"forward_payload_header", "pad_forward_payload_header", "payload_in_metadata",
		"normalize_payload_in_metadata", "header_in_metadata", "failed_status_in_metadata",
		"clock_skew_seconds", "jwt_cache_config", "claim_to_headers", "clear_route_cache",
		"x_claims_to_headers", "x_disable_jwt_cache", "x_dpop", "x_require_typ", "x_mtls_bound")
	p := &RawProvider{Path: path, Name: name}
	if o == nil {
		if !v.Exists() || v.Type == gjson.Null {
			probs.Add(path, "must be an object (a JwtProvider)")
		}
		return p
	}
	p.Issuer = o.str("issuer")
	p.Audiences = o.strings("audiences")
	if o.has("subjects") {
		p.Subjects = parseStringMatcher(o.obj("subjects", stringMatcherFields...), probs)
	}
	p.RequireExpiration = o.boolean("require_expiration")
	p.MaxLifetime, p.HasMaxLifetime = o.duration("max_lifetime")
	switch o.oneof("remote_jwks", "local_jwks") {
	case "remote_jwks":
		p.Remote = parseRemoteJwks(o.obj("remote_jwks", "http_uri", "cache_duration", "async_fetch", "retry_policy",
			"x_max_jwks_bytes", "x_unknown_kid_refetch_interval", "x_discovery", "x_jwks_cluster"), probs)
		checkDiscovery(p, o, probs)
	case "local_jwks":
		p.Local = parseLocalJwks(o.obj("local_jwks", "filename", "inline_bytes", "inline_string",
			"environment_variable", "watched_directory", "x_format"), probs)
	default:
		probs.Add(JoinPath(path, "remote_jwks"), "missing: one of remote_jwks or local_jwks is required")
	}
	p.Forward = o.boolean("forward")
	for i, h := range o.array("from_headers") {
		ho := decodeObject(h, indexPath(o.at("from_headers"), i), probs, "name", "value_prefix")
		if ho == nil {
			probs.Add(indexPath(o.at("from_headers"), i), "must be an object (a JwtHeader)")
			continue
		}
		loc := RawHeaderLocation{Name: ho.str("name"), Prefix: ho.str("value_prefix")}
		checkHeaderName(ho, "name", true, probs)
		checkHeaderValue(ho, "value_prefix", probs)
		p.FromHeaders = append(p.FromHeaders, loc)
	}
	p.FromParams = o.strings("from_params")
	p.FromCookies = o.strings("from_cookies")
	p.ForwardPayloadHeader = o.str("forward_payload_header")
	checkHeaderName(o, "forward_payload_header", false, probs)
	p.PadPayloadHeader = o.boolean("pad_forward_payload_header")
	p.PayloadInMetadata = o.str("payload_in_metadata")
	if n := o.obj("normalize_payload_in_metadata", "space_delimited_claims"); n != nil {
		p.SpaceDelimited = n.strings("space_delimited_claims")
	}
	p.HeaderInMetadata = o.str("header_in_metadata")
	p.FailedStatusMetadata = o.str("failed_status_in_metadata")
	p.ClockSkewSeconds = o.uint32Field("clock_skew_seconds")
	if c := o.obj("jwt_cache_config", "jwt_cache_size", "jwt_max_token_size"); c != nil {
		p.JwtCacheSize = c.uint32Field("jwt_cache_size")
		p.JwtMaxTokenSize = c.uint32Field("jwt_max_token_size")
	}
	p.DisableJwtCache = o.boolean("x_disable_jwt_cache")
	parseResourceProvider(o, p, probs)
	for i, c := range o.array("claim_to_headers") {
		if ch := parseClaimToHeader(c, indexPath(o.at("claim_to_headers"), i), probs); ch != nil {
			p.ClaimToHeaders = append(p.ClaimToHeaders, ch)
		}
	}
	for i, c := range o.array("x_claims_to_headers") {
		if ch := parseGlooClaimToHeader(c, indexPath(o.at("x_claims_to_headers"), i), probs); ch != nil {
			p.ClaimToHeaders = append(p.ClaimToHeaders, ch)
		}
	}
	p.ClearRouteCache = o.boolean("clear_route_cache")
	return p
}

func parseLocalJwks(o *object, probs *Problems) *RawLocalJwks {
	if o == nil {
		return nil
	}
	l := &RawLocalJwks{Path: o.path}
	switch l.Format = o.str("x_format"); l.Format {
	case "", "jwks", "pem":
	default:
		probs.Add(o.at("x_format"), `must be "jwks" or "pem"`)
	}
	if o.has("watched_directory") {
		probs.Add(o.at("watched_directory"), whyNoFiles)
	}
	switch l.Source = o.oneof("filename", "inline_bytes", "inline_string", "environment_variable"); l.Source {
	case "filename":
		probs.Add(o.at("filename"), whyNoFiles)
	case "inline_bytes":
		l.Data = o.bytesField("inline_bytes")
	case "inline_string":
		l.Data = []byte(o.str("inline_string"))
	case "environment_variable":
		if l.EnvVar = o.str("environment_variable"); l.EnvVar == "" {
			probs.Add(o.at("environment_variable"), "must not be empty")
		}
	default:
		probs.Add(o.at("inline_string"), "missing: one of inline_string, inline_bytes or environment_variable is required")
	}
	return l
}

func parseRemoteJwks(o *object, probs *Problems) *RawRemoteJwks {
	if o == nil {
		return nil
	}
	r := &RawRemoteJwks{path: o.path}
	if u := o.obj("http_uri", "uri", "cluster", "timeout"); u == nil {
		probs.Add(o.at("http_uri"), "missing")
	} else {
		r.Uri = u.str("uri")
		if r.Uri == "" {
			probs.Add(u.at("uri"), "missing")
		} else if !isHTTPURL(r.Uri) {
			probs.Add(u.at("uri"), "must be an absolute http:// or https:// URL with a host")
		}
		if r.Cluster = u.str("cluster"); r.Cluster == "" {
			probs.Add(u.at("cluster"), "missing")
		}
		t, ok := u.duration("timeout")
		switch {
		case !u.has("timeout"):
			probs.Add(u.at("timeout"), "missing")
		case ok && (t < 0 || t >= 4294967295*time.Second):
			probs.Add(u.at("timeout"), "must be in [0s, 4294967295s)")
		}
		r.Timeout = t
	}
	if d, ok := o.duration("cache_duration"); ok {
		if d < time.Millisecond || d >= 2500000*time.Hour {
			probs.Add(o.at("cache_duration"), "must be in [1ms, 2500000h)")
		}
		r.CacheDuration = d
	}
	if a := o.obj("async_fetch", "fast_listener", "failed_refetch_duration"); a != nil {
		r.AsyncFetch = true
		r.FastListener = a.boolean("fast_listener")
		if d, ok := a.duration("failed_refetch_duration"); ok {
			if d <= 0 {
				probs.Add(a.at("failed_refetch_duration"), "must be greater than 0s")
			}
			r.FailedRefetch = d
		}
	}
	if rp := o.obj("retry_policy", "retry_back_off", "num_retries", "retry_on", "retry_priority",
		"retry_host_predicate", "host_selection_retry_max_attempts"); rp != nil {
		r.Retry = &RawRetryPolicy{retryOn: rp.str("retry_on"), HasRetries: rp.has("num_retries")}
		r.Retry.NumRetries = rp.uint32Field("num_retries")
		for _, f := range []string{"retry_priority", "retry_host_predicate", "host_selection_retry_max_attempts"} {
			if rp.has(f) {
				probs.Add(rp.at(f), whyHostSelection)
			}
		}
		if b := rp.obj("retry_back_off", "base_interval", "max_interval"); b != nil {
			base, ok := b.duration("base_interval")
			switch {
			case !b.has("base_interval"):
				probs.Add(b.at("base_interval"), "missing")
			case ok && base < time.Millisecond:
				probs.Add(b.at("base_interval"), "must be at least 1ms")
			}
			r.Retry.BaseInterval = base
			if m, ok := b.duration("max_interval"); ok {
				if m <= 0 {
					probs.Add(b.at("max_interval"), "must be greater than 0s")
				} else if m < base {
					// Envoy's Http::Utility::validateCoreRetryPolicy.
					probs.Add(b.at("max_interval"), "must be greater than or equal to base_interval")
				}
				r.Retry.MaxInterval = m
			}
		}
	}
	if o.has("x_max_jwks_bytes") {
		if r.MaxBytes = o.uint32Field("x_max_jwks_bytes"); r.MaxBytes == 0 || r.MaxBytes > maxMaxJwksBytes {
			probs.Add(o.at("x_max_jwks_bytes"), "must be in [1, "+strconv.Itoa(maxMaxJwksBytes)+"]")
		}
	}
	if d, ok := o.duration("x_unknown_kid_refetch_interval"); ok {
		if d < 0 {
			probs.Add(o.at("x_unknown_kid_refetch_interval"), "must not be negative (0s turns the refetch off)")
		}
		r.KidRefetch, r.HasKidRefetch = d, true
	}
	r.Discovery = o.boolean("x_discovery")
	if o.has("x_jwks_cluster") {
		switch r.JwksCluster = o.str("x_jwks_cluster"); {
		case !r.Discovery:
			probs.Add(o.at("x_jwks_cluster"), "applies only with x_discovery: true")
		case r.JwksCluster == "":
			probs.Add(o.at("x_jwks_cluster"), "must not be empty")
		}
	}
	return r
}

// checkDiscovery checks x_discovery against the provider: the issuer is required and
// http_uri.uri must be its discovery document (OpenID Connect Discovery 1.0 §4).
func checkDiscovery(p *RawProvider, o *object, probs *Problems) {
	r := p.Remote
	if r == nil || !r.Discovery {
		return
	}
	if p.Issuer == "" {
		probs.Add(o.at("issuer"), "x_discovery needs the issuer: the discovery document is found from it and must name it")
		return
	}
	r.Issuer = p.Issuer
	want, err := oidc.DiscoveryURL(p.Issuer)
	if err != nil {
		probs.Add(o.at("issuer"), "x_discovery: "+err.Error())
		return
	}
	if r.Uri != "" && r.Uri != want {
		probs.Add(JoinPath(JoinPath(r.path, "http_uri"), "uri"), "with x_discovery it must be the issuer's discovery document "+
			strconv.Quote(want)+", got "+strconv.Quote(r.Uri))
	}
}

// parseDebugHeader reads x_debug_header. The secret must be long enough that guessing it is
// hopeless (16 bytes); its value never appears in a message.
func parseDebugHeader(o *object, probs *Problems) *RawDebugHeader {
	d := &RawDebugHeader{Path: o.path, Name: o.str("name")}
	if !o.has("name") || d.Name == "" {
		probs.Add(o.at("name"), "missing")
	} else {
		checkHeaderName(o, "name", true, probs)
		if d.Name != strings.ToLower(d.Name) {
			probs.Add(o.at("name"), "must be a lower-case header name")
		}
	}
	if !o.has("secret") {
		probs.Add(o.at("secret"), "missing")
		return d
	}
	d.Secret = parseLocalJwks(o.obj("secret", "filename", "inline_bytes", "inline_string", "environment_variable"), probs)
	if d.Secret != nil && d.Secret.Source != "environment_variable" && d.Secret.Source != "filename" && len(d.Secret.Data) < MinDebugSecretBytes {
		probs.Add(o.at("secret"), "must be at least "+strconv.Itoa(MinDebugSecretBytes)+" bytes")
	}
	return d
}

// MinDebugSecretBytes is the shortest x_debug_header secret accepted.
const MinDebugSecretBytes = 16

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

func parseClaimToHeader(v gjson.Result, path string, probs *Problems) *RawClaimToHeader {
	o := decodeObject(v, path, probs, claimToHeaderFields...)
	if o == nil {
		probs.Add(path, "must be an object (a JwtClaimToHeader)")
		return nil
	}
	c := &RawClaimToHeader{path: path, Header: o.str("header_name"), ClaimName: o.str("claim_name"),
		Render: o.str("x_render"), Separator: o.str("x_separator"), Delimiter: o.str("x_delimiter")}
	checkHeaderName(o, "header_name", true, probs)
	for i, s := range o.array("claim_path") {
		so := decodeObject(s, indexPath(o.at("claim_path"), i), probs, "key")
		if so == nil {
			probs.Add(indexPath(o.at("claim_path"), i), "must be an object with a key")
			continue
		}
		k := so.str("key")
		if k == "" {
			probs.Add(so.at("key"), "must not be empty")
		}
		c.ClaimPath = append(c.ClaimPath, k)
	}
	if (c.ClaimName == "") == (len(c.ClaimPath) == 0) {
		probs.Add(path, "exactly one of claim_name and claim_path must be set")
	}
	if o.has("x_delimiter") && c.Delimiter == "" {
		probs.Add(o.at("x_delimiter"), "must not be empty")
	}
	if o.has("x_delimiter") && len(c.ClaimPath) > 0 {
		probs.Add(o.at("x_delimiter"), "applies to claim_name only; claim_path segments are never split")
	}
	checkRender(o, c, probs)
	return c
}

// parseGlooClaimToHeader reads Gloo's claims_to_headers entry {claim, header, append}.
func parseGlooClaimToHeader(v gjson.Result, path string, probs *Problems) *RawClaimToHeader {
	o := decodeObject(v, path, probs, "claim", "header", "append", "keep_request_value", "x_render", "x_separator", "x_delimiter")
	if o == nil {
		probs.Add(path, "must be an object {claim, header, append}")
		return nil
	}
	c := &RawClaimToHeader{path: path, Header: o.str("header"), ClaimName: o.str("claim"),
		Replace: !o.boolean("append"), Render: o.str("x_render"), Separator: o.str("x_separator"),
		Delimiter: o.str("x_delimiter"), KeepRequestValue: o.boolean("keep_request_value")}
	if c.KeepRequestValue && c.Replace {
		probs.Add(o.at("keep_request_value"), `needs "append": true (the claim's value is added after the request's own)`)
	}
	checkHeaderName(o, "header", true, probs)
	if c.ClaimName == "" {
		probs.Add(o.at("claim"), "missing")
	}
	if o.has("x_delimiter") && c.Delimiter == "" {
		probs.Add(o.at("x_delimiter"), "must not be empty")
	}
	checkRender(o, c, probs)
	return c
}

func checkRender(o *object, c *RawClaimToHeader, probs *Problems) {
	switch c.Render {
	case "", "envoy", "json", "joined":
	default:
		probs.Add(o.at("x_render"), `must be "envoy", "json" or "joined"`)
	}
	if o.has("x_separator") && c.Render != "joined" {
		probs.Add(o.at("x_separator"), `applies only with x_render: "joined"`)
	}
	checkHeaderValue(o, "x_separator", probs)
}

// checkHeaderName applies Envoy's HTTP_HEADER_NAME rule (no NUL, CR or LF), the length
// rule where the proto has one, and refuses pseudo-headers, which no claim may overwrite.
func checkHeaderName(o *object, field string, required bool, probs *Problems) {
	v := o.str(field)
	switch {
	case v == "" && required:
		probs.Add(o.at(field), "missing")
	case strings.ContainsAny(v, "\x00\r\n"):
		probs.Add(o.at(field), "must not contain NUL, CR or LF")
	case strings.HasPrefix(v, ":"):
		probs.Add(o.at(field), "must not be a pseudo-header")
	}
}

func checkHeaderValue(o *object, field string, probs *Problems) {
	if strings.ContainsAny(o.str(field), "\x00\r\n") {
		probs.Add(o.at(field), "must not contain NUL, CR or LF")
	}
}

var requirementFields = []string{"provider_name", "provider_and_audiences", "requires_any", "requires_all",
	"allow_missing_or_failed", "allow_missing", "extract_only_without_validation"}

func parseRequirement(v gjson.Result, path string, probs *Problems) *RawRequirement {
	o := decodeObject(v, path, probs, requirementFields...)
	r := &RawRequirement{Path: path}
	if o == nil {
		return r // null: no requirement; not an object: decodeObject reported it
	}
	switch o.oneof(requirementFields...) {
	case "provider_name":
		r.Kind, r.Provider = ReqProvider, o.str("provider_name")
		if r.Provider == "" {
			probs.Add(o.at("provider_name"), "must not be empty")
		}
	case "provider_and_audiences":
		pa := o.obj("provider_and_audiences", "provider_name", "audiences")
		r.Kind, r.Provider, r.Audiences, r.HasAud = ReqProvider, pa.str("provider_name"), pa.strings("audiences"), true
		if r.Provider == "" {
			probs.Add(JoinPath(o.at("provider_and_audiences"), "provider_name"), "missing")
		}
	case "requires_any", "requires_all":
		field := "requires_any"
		r.Kind = ReqAny
		if o.has("requires_all") {
			field, r.Kind = "requires_all", ReqAll
		}
		list := o.obj(field, "requirements")
		items := list.array("requirements")
		if len(items) < 2 {
			probs.Add(JoinPath(o.at(field), "requirements"), "must contain at least 2 requirements")
		}
		for i, it := range items {
			r.Children = append(r.Children, parseRequirement(it, indexPath(JoinPath(o.at(field), "requirements"), i), probs))
		}
	case "allow_missing_or_failed":
		o.empty("allow_missing_or_failed")
		r.Kind = ReqAllowMissingOrFailed
	case "allow_missing":
		o.empty("allow_missing")
		r.Kind = ReqAllowMissing
	case "extract_only_without_validation":
		eo := o.obj("extract_only_without_validation", "verification_status_header")
		r.Kind, r.StatusHeader = ReqExtractOnly, DefaultVerificationStatusHeader
		if eo != nil && eo.str("verification_status_header") != "" {
			switch h := eo.str("verification_status_header"); h {
			case VerificationStatusOff:
				r.StatusHeader = ""
			default:
				checkHeaderName(eo, "verification_status_header", false, probs)
				r.StatusHeader = strings.ToLower(h)
			}
		}
	}
	return r
}

func parseRule(v gjson.Result, path string, probs *Problems) *RawRule {
	o := decodeObject(v, path, probs, "match", "requires", "requirement_name", "x_authorize", "x_sign", "x_backend_token")
	r := &RawRule{Path: path}
	if o == nil {
		probs.Add(path, "must be an object (a RequirementRule)")
		return r
	}
	if !o.has("match") {
		probs.Add(o.at("match"), "missing")
	} else {
		r.Match = parseRouteMatch(o.obj("match", "prefix", "path", "safe_regex", "connect_matcher",
			"path_separated_prefix", "path_match_policy", "case_sensitive", "runtime_fraction", "headers",
			"query_parameters", "cookies", "grpc", "tls_context", "dynamic_metadata", "filter_state"), probs)
	}
	switch o.oneof("requires", "requirement_name") {
	case "requires":
		r.Requires = parseRequirement(o.vals["requires"], o.at("requires"), probs)
	case "requirement_name":
		if r.RequirementName = o.str("requirement_name"); r.RequirementName == "" {
			probs.Add(o.at("requirement_name"), "must not be empty")
		}
	}
	if az, ok := o.raw("x_authorize"); ok {
		r.Authorize = parseAuthorize(az, o.at("x_authorize"), probs)
	}
	r.Sign = parseSign(o, probs)
	r.BackendToken = parseBackendToken(o, probs)
	return r
}

func parseRouteMatch(o *object, probs *Problems) *RawRouteMatch {
	if o == nil {
		return nil
	}
	m := &RawRouteMatch{Path: o.path, CaseSensitive: true}
	switch o.oneof("prefix", "path", "safe_regex", "connect_matcher", "path_separated_prefix", "path_match_policy") {
	case "prefix":
		m.Kind, m.Value = PathPrefix, o.str("prefix")
	case "path":
		m.Kind, m.Value = PathExact, o.str("path")
	case "safe_regex":
		m.Kind, m.Value = PathRegex, parseRegex(o.obj("safe_regex", "google_re2", "regex"), probs)
	case "connect_matcher":
		o.obj("connect_matcher")
		m.Kind = PathConnect
	case "path_separated_prefix":
		m.Kind, m.Value = pathSeparatedPrefix, o.str("path_separated_prefix")
		if !validSeparatedPrefix(m.Value) {
			probs.Add(o.at("path_separated_prefix"), `must match ^[^?#]+[^?#/]$ (no query, no fragment, no trailing "/")`)
		}
	case "path_match_policy":
		probs.Add(o.at("path_match_policy"), whyExtensionMatch)
	default:
		probs.Add(o.at("prefix"), "missing: one of prefix, path, safe_regex, path_separated_prefix or connect_matcher is required")
	}
	if v, ok := o.raw("case_sensitive"); ok {
		// google.protobuf.BoolValue: the bare boolean in proto3 JSON.
		if v.Type != gjson.True && v.Type != gjson.False {
			probs.Add(o.at("case_sensitive"), "must be true or false")
		}
		m.CaseSensitive = v.Type != gjson.False
	}
	for _, f := range []string{"runtime_fraction", "cookies", "grpc", "tls_context", "dynamic_metadata", "filter_state"} {
		if o.has(f) {
			probs.Add(o.at(f), whyIgnoredMatch)
		}
	}
	for i, h := range o.array("headers") {
		if hm := parseHeaderMatcher(h, indexPath(o.at("headers"), i), probs); hm != nil {
			m.Headers = append(m.Headers, hm)
		}
	}
	for i, q := range o.array("query_parameters") {
		if qm := parseQueryMatcher(q, indexPath(o.at("query_parameters"), i), probs); qm != nil {
			m.QueryParams = append(m.QueryParams, qm)
		}
	}
	return m
}

func validSeparatedPrefix(s string) bool {
	return len(s) >= 2 && !strings.ContainsAny(s, "?#") && !strings.HasSuffix(s, "/")
}

// parseRegex reads a RegexMatcher and returns its pattern (compiled by compile.go).
func parseRegex(o *object, probs *Problems) string {
	if o == nil {
		return ""
	}
	if g := o.obj("google_re2", "max_program_size"); g != nil {
		g.uint32Field("max_program_size") // deprecated in Envoy; accepted and ignored as there
	}
	re := o.str("regex")
	if re == "" {
		probs.Add(o.at("regex"), "must not be empty")
	}
	return re
}

func parseHeaderMatcher(v gjson.Result, path string, probs *Problems) *RawHeaderMatcher {
	o := decodeObject(v, path, probs, "name", "exact_match", "safe_regex_match", "range_match",
		"present_match", "prefix_match", "suffix_match", "contains_match", "string_match", "invert_match",
		"treat_missing_header_as_empty")
	if o == nil {
		probs.Add(path, "must be an object (a HeaderMatcher)")
		return nil
	}
	h := &RawHeaderMatcher{Path: path, Name: strings.ToLower(o.str("name")), Invert: o.boolean("invert_match"),
		MissingAsEmpty: o.boolean("treat_missing_header_as_empty")}
	// Matchers may read pseudo-headers (:method, :authority, ...): only Envoy's rules apply.
	switch {
	case h.Name == "":
		probs.Add(o.at("name"), "missing")
	case strings.ContainsAny(h.Name, "\x00\r\n"):
		probs.Add(o.at("name"), "must not contain NUL, CR or LF")
	}
	switch field := o.oneof("exact_match", "safe_regex_match", "range_match", "present_match", "prefix_match",
		"suffix_match", "contains_match", "string_match"); field {
	case "exact_match":
		h.Kind, h.Value = HmExact, o.str("exact_match")
	case "safe_regex_match":
		h.Kind, h.Value = HmRegex, parseRegex(o.obj("safe_regex_match", "google_re2", "regex"), probs)
	case "range_match":
		r := o.obj("range_match", "start", "end")
		h.Kind, h.Start, h.End = HmRange, r.int64Field("start"), r.int64Field("end")
	case "present_match":
		h.Kind, h.Present = HmPresent, o.boolean("present_match")
	case "prefix_match", "suffix_match", "contains_match":
		h.Kind, h.Value = legacyAffixKinds[field], o.str(field)
		if h.Value == "" {
			probs.Add(o.at(field), "must not be empty")
		}
	case "string_match":
		h.Kind, h.StringMatch = HmString, parseStringMatcher(o.obj("string_match", stringMatcherFields...), probs)
	default:
		// No specifier: Envoy matches on presence.
		h.Kind, h.Present = HmPresent, true
	}
	return h
}

func parseQueryMatcher(v gjson.Result, path string, probs *Problems) *RawQueryMatcher {
	o := decodeObject(v, path, probs, "name", "string_match", "present_match")
	if o == nil {
		probs.Add(path, "must be an object (a QueryParameterMatcher)")
		return nil
	}
	q := &RawQueryMatcher{path: path, Name: o.str("name")}
	if q.Name == "" {
		probs.Add(o.at("name"), "missing")
	} else if len(q.Name) > 1024 {
		probs.Add(o.at("name"), "must be at most 1024 bytes")
	}
	switch o.oneof("string_match", "present_match") {
	case "string_match":
		q.StringMatch = parseStringMatcher(o.obj("string_match", stringMatcherFields...), probs)
	case "present_match":
		q.Present, q.HasPresent = o.boolean("present_match"), true
	}
	return q
}

// affixKinds and legacyAffixKinds name the matcher kind of each affix field.
var (
	affixKinds       = map[string]StringMatchKind{"prefix": SmPrefix, "suffix": SmSuffix, "contains": SmContains}
	legacyAffixKinds = map[string]HeaderMatchKind{"prefix_match": HmPrefix, "suffix_match": HmSuffix, "contains_match": HmContains}
)

var stringMatcherFields = []string{"exact", "prefix", "suffix", "safe_regex", "contains", "custom", "ignore_case"}

func parseStringMatcher(o *object, probs *Problems) *RawStringMatcher {
	if o == nil {
		return nil
	}
	s := &RawStringMatcher{Path: o.path, IgnoreCase: o.boolean("ignore_case")}
	switch field := o.oneof("exact", "prefix", "suffix", "safe_regex", "contains", "custom"); field {
	case "exact":
		s.Kind, s.Value = SmExact, o.str("exact")
	case "prefix", "suffix", "contains":
		s.Kind, s.Value = affixKinds[field], o.str(field)
		if s.Value == "" {
			probs.Add(o.at(field), "must not be empty")
		}
	case "safe_regex":
		s.Kind, s.Value = SmRegex, parseRegex(o.obj("safe_regex", "google_re2", "regex"), probs)
	case "custom":
		probs.Add(o.at("custom"), whyExtensionMatch)
	default:
		probs.Add(o.at("exact"), "missing: one of exact, prefix, suffix, safe_regex or contains is required")
	}
	return s
}
