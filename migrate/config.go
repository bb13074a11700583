package migrate

// The filter's configuration as jwt-migrate writes it: Envoy's JwtAuthentication in proto3 JSON
// (snake_case) plus this filter's x_ keys (plugin/EXTENSIONS.md). Struct order is output order.

type filterConfig struct {
	Providers           map[string]*provider `json:"providers,omitempty"`
	Rules               []*rule              `json:"rules,omitempty"`
	BypassCorsPreflight bool                 `json:"bypass_cors_preflight,omitempty"`
	XRequireValidTokens bool                 `json:"x_require_valid_tokens,omitempty"`
	XSigningKeys        *signingKeys         `json:"x_signing_keys,omitempty"`
}

type provider struct {
	Issuer               string           `json:"issuer,omitempty"`
	Audiences            []string         `json:"audiences,omitempty"`
	LocalJwks            *dataSource      `json:"local_jwks,omitempty"`
	RemoteJwks           *remoteJwks      `json:"remote_jwks,omitempty"`
	Forward              bool             `json:"forward,omitempty"`
	FromHeaders          []headerLocation `json:"from_headers,omitempty"`
	FromParams           []string         `json:"from_params,omitempty"`
	FromCookies          []string         `json:"from_cookies,omitempty"`
	ForwardPayloadHeader string           `json:"forward_payload_header,omitempty"`
	ClaimToHeaders       []claimToHeader  `json:"claim_to_headers,omitempty"`
	ClockSkewSeconds     *int64           `json:"clock_skew_seconds,omitempty"`
	RequireExpiration    bool             `json:"require_expiration,omitempty"`
	XClaimsToHeaders     []xClaimToHeader `json:"x_claims_to_headers,omitempty"`
}

type dataSource struct {
	InlineString string `json:"inline_string"`
	XFormat      string `json:"x_format,omitempty"`
}

type remoteJwks struct {
	HTTPURI       httpURI     `json:"http_uri"`
	CacheDuration string      `json:"cache_duration,omitempty"`
	AsyncFetch    *asyncFetch `json:"async_fetch,omitempty"`
	XDiscovery    bool        `json:"x_discovery,omitempty"`
}

type asyncFetch struct {
	FastListener bool `json:"fast_listener,omitempty"`
}

type httpURI struct {
	URI     string `json:"uri"`
	Cluster string `json:"cluster"`
	Timeout string `json:"timeout"`
}

type headerLocation struct {
	Name        string `json:"name"`
	ValuePrefix string `json:"value_prefix,omitempty"`
}

type claimToHeader struct {
	HeaderName string `json:"header_name"`
	ClaimName  string `json:"claim_name"`
}

type xClaimToHeader struct {
	Claim  string `json:"claim"`
	Header string `json:"header"`
	Append bool   `json:"append,omitempty"`
}

type rule struct {
	Match      routeMatch   `json:"match"`
	Requires   *requirement `json:"requires,omitempty"`
	XAuthorize *policy      `json:"x_authorize,omitempty"`
	XSign      *signRule    `json:"x_sign,omitempty"`
}

type routeMatch struct {
	Prefix    *string         `json:"prefix,omitempty"`
	Path      *string         `json:"path,omitempty"`
	SafeRegex *regexMatcher   `json:"safe_regex,omitempty"`
	Headers   []headerMatcher `json:"headers,omitempty"`
}

type regexMatcher struct {
	Regex string `json:"regex"`
}

type headerMatcher struct {
	Name        string        `json:"name"`
	StringMatch stringMatcher `json:"string_match"`
}

type stringMatcher struct {
	Exact     string        `json:"exact,omitempty"`
	SafeRegex *regexMatcher `json:"safe_regex,omitempty"`
}

func prefixMatch(p string) routeMatch { return routeMatch{Prefix: &p} }
func pathMatch(p string) routeMatch   { return routeMatch{Path: &p} }

type requirement struct {
	ProviderName         string           `json:"provider_name,omitempty"`
	RequiresAny          *requirementList `json:"requires_any,omitempty"`
	RequiresAll          *requirementList `json:"requires_all,omitempty"`
	AllowMissing         *struct{}        `json:"allow_missing,omitempty"`
	AllowMissingOrFailed *struct{}        `json:"allow_missing_or_failed,omitempty"`
}

type requirementList struct {
	Requirements []*requirement `json:"requirements"`
}

func requireProvider(name string) *requirement { return &requirement{ProviderName: name} }
func allowMissing() *requirement               { return &requirement{AllowMissing: &struct{}{}} }
func allowMissingOrFailed() *requirement       { return &requirement{AllowMissingOrFailed: &struct{}{}} }

// anyOf is requires_any, or the one requirement itself.
func anyOf(rs ...*requirement) *requirement {
	if len(rs) == 1 {
		return rs[0]
	}
	return &requirement{RequiresAny: &requirementList{Requirements: rs}}
}

// allOf is requires_all, or the one requirement itself.
func allOf(rs ...*requirement) *requirement {
	if len(rs) == 1 {
		return rs[0]
	}
	return &requirement{RequiresAll: &requirementList{Requirements: rs}}
}

type signingKeys struct {
	LocalJwks dataSource `json:"local_jwks"`
}

type signRule struct {
	KeysToSign []string `json:"keys_to_sign"`
	Kid        string   `json:"kid,omitempty"`
	Full       bool     `json:"full"`
}
