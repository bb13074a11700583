package config

import (
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config/configtest"
)

// minimal pieces for configuration tests; the keys are checked by compile, not here.
const (
	okJWKS     = `{"local_jwks":{"inline_string":"{\"keys\":[]}"}}`
	okProvider = `{"issuer":"i","local_jwks":{"inline_string":"k"}}`
	okRule     = `{"match":{"prefix":"/"},"requires":{"provider_name":"p"}}`
)

// withProvider is a configuration with one provider p whose members are given (no braces).
func withProvider(members string) string {
	if members != "" {
		members = "," + members
	}
	return `{"providers":{"p":{"issuer":"i","local_jwks":{"inline_string":"k"}` + members + `}}}`
}

func withRule(match string) string {
	return `{"providers":{"p":` + okProvider + `},"rules":[{"match":` + match + `,"requires":{"provider_name":"p"}}]}`
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name   string
		config string
		want   []string // substrings of the problems, each with its JSON path
	}{
		{"not JSON", `{`, []string{"(root): configuration is not valid JSON"}},
		{"not an object", `[]`, []string{"(root): configuration must be a JSON object"}},
		{"unknown top-level field", `{"provider":{}}`, []string{"provider: unknown field"}},
		{"unknown extension", `{"x_report_onyl":{}}`, []string{"x_report_onyl: unknown extension field"}},
		{"snake and camel of one field", `{"stat_prefix":"a","statPrefix":"b"}`, []string{"statPrefix: duplicate field"}},
		{"wrong scalar type", `{"bypass_cors_preflight":"true"}`, []string{"bypass_cors_preflight: must be true or false"}},
		{"token limit too large", `{"x_token_limits":{"max_token_bytes":2000000}}`,
			[]string{"x_token_limits.max_token_bytes: must be at most 1048576"}},
		{"token limit negative", `{"x_token_limits":{"max_payload_bytes":-1}}`,
			[]string{"x_token_limits.max_payload_bytes: must be an integer"}},
		{"token limit unknown field", `{"x_token_limits":{"max_claims":1}}`, []string{"x_token_limits.max_claims: unknown"}},
		{"other type URL", `{"@type":"type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC"}`,
			[]string{"@type: must be type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication"}},
		{"filter_state_rules", `{"filter_state_rules":{"name":"x","requires":{}}}`, []string{"filter_state_rules: not supported in a Wasm filter"}},
		{"provider not an object", `{"providers":{"p":[]}}`, []string{"providers.p: must be an object"}},
		{"no key source", `{"providers":{"p":{"issuer":"i"}}}`, []string{"providers.p.remote_jwks: missing: one of remote_jwks or local_jwks is required"}},
		{"both key sources", withProvider(`"remote_jwks":{}`), []string{"providers.p.local_jwks: only one of remote_jwks, local_jwks may be set (already set: remote_jwks)"}},
		{"remote without http_uri", `{"providers":{"p":{"remote_jwks":{}}}}`, []string{"providers.p.remote_jwks.http_uri: missing"}},
		{"remote without uri", `{"providers":{"auth0":{"remote_jwks":{"http_uri":{"cluster":"c","timeout":"1s"}}}}}`,
			[]string{"providers.auth0.remote_jwks.http_uri.uri: missing"}},
		{"remote without cluster and timeout", `{"providers":{"p":{"remote_jwks":{"http_uri":{"uri":"https://a/jwks"}}}}}`,
			[]string{"providers.p.remote_jwks.http_uri.cluster: missing", "providers.p.remote_jwks.http_uri.timeout: missing"}},
		{"remote uri not a URL", `{"providers":{"p":{"remote_jwks":{"http_uri":{"uri":"a/jwks","cluster":"c","timeout":"1s"}}}}}`,
			[]string{"providers.p.remote_jwks.http_uri.uri: must be an absolute http:// or https:// URL"}},
		{"remote bad timeout", `{"providers":{"p":{"remote_jwks":{"http_uri":{"uri":"https://a","cluster":"c","timeout":"1"}}}}}`,
			[]string{"providers.p.remote_jwks.http_uri.timeout: must be a duration"}},
		{"cache_duration too small", `{"providers":{"p":{"remote_jwks":{"http_uri":{"uri":"https://a","cluster":"c","timeout":"1s"},"cache_duration":"0s"}}}}`,
			[]string{"providers.p.remote_jwks.cache_duration: must be in [1ms, 2500000h)"}},
		{"retry intervals reversed", `{"providers":{"p":{"remote_jwks":{"http_uri":{"uri":"https://a","cluster":"c","timeout":"1s"},
			"retry_policy":{"retry_back_off":{"base_interval":"2s","max_interval":"1s"}}}}}}`,
			[]string{"providers.p.remote_jwks.retry_policy.retry_back_off.max_interval: must be greater than or equal to base_interval"}},
		{"retry without base interval", `{"providers":{"p":{"remote_jwks":{"http_uri":{"uri":"https://a","cluster":"c","timeout":"1s"},
			"retry_policy":{"retry_back_off":{}}}}}}`,
			[]string{"providers.p.remote_jwks.retry_policy.retry_back_off.base_interval: missing"}},
		{"retry host predicate", `{"providers":{"p":{"remote_jwks":{"http_uri":{"uri":"https://a","cluster":"c","timeout":"1s"},
			"retry_policy":{"retry_host_predicate":[{}]}}}}}`,
			[]string{"providers.p.remote_jwks.retry_policy.retry_host_predicate: not supported"}},
		{"async fetch refetch 0", `{"providers":{"p":{"remote_jwks":{"http_uri":{"uri":"https://a","cluster":"c","timeout":"1s"},
			"async_fetch":{"failed_refetch_duration":"0s"}}}}}`,
			[]string{"providers.p.remote_jwks.async_fetch.failed_refetch_duration: must be greater than 0s"}},
		{"local filename", `{"providers":{"p":{"local_jwks":{"filename":"/etc/jwks"}}}}`,
			[]string{"providers.p.local_jwks.filename: not supported in a Wasm filter: it has no file system"}},
		{"local watched directory", `{"providers":{"p":{"local_jwks":{"inline_string":"k","watched_directory":{"path":"/x"}}}}}`,
			[]string{"providers.p.local_jwks.watched_directory: not supported in a Wasm filter"}},
		{"local without source", `{"providers":{"p":{"local_jwks":{}}}}`,
			[]string{"providers.p.local_jwks.inline_string: missing"}},
		{"local two sources", `{"providers":{"p":{"local_jwks":{"inline_string":"a","inline_bytes":"YQ=="}}}}`,
			[]string{"providers.p.local_jwks.inline_string: only one of"}},
		{"local bad bytes", `{"providers":{"p":{"local_jwks":{"inline_bytes":"***"}}}}`,
			[]string{"providers.p.local_jwks.inline_bytes: is not valid base64"}},
		{"local bad x_format", `{"providers":{"p":{"local_jwks":{"inline_string":"k","x_format":"der"}}}}`,
			[]string{`providers.p.local_jwks.x_format: must be "jwks" or "pem"`}},
		{"from_headers without name", withProvider(`"from_headers":[{"value_prefix":"Bearer "}]`),
			[]string{"providers.p.from_headers[0].name: missing"}},
		{"from_headers name with newline", withProvider(`"from_headers":[{"name":"a\nb"}]`),
			[]string{"providers.p.from_headers[0].name: must not contain NUL, CR or LF"}},
		{"from_params not strings", withProvider(`"from_params":[1]`), []string{"providers.p.from_params[0]: must be a string"}},
		{"negative clock skew", withProvider(`"clock_skew_seconds":-1`), []string{"providers.p.clock_skew_seconds: must be an integer"}},
		{"bad max_lifetime", withProvider(`"max_lifetime":"1h"`), []string{"providers.p.max_lifetime: must be a duration"}},
		{"claim_to_headers without claim", withProvider(`"claim_to_headers":[{"header_name":"x"}]`),
			[]string{"providers.p.claim_to_headers[0]: exactly one of claim_name and claim_path must be set"}},
		{"claim_to_headers with both", withProvider(`"claim_to_headers":[{"header_name":"x","claim_name":"a","claim_path":[{"key":"a"}]}]`),
			[]string{"providers.p.claim_to_headers[0]: exactly one of claim_name and claim_path must be set"}},
		{"claim_path empty key", withProvider(`"claim_to_headers":[{"header_name":"x","claim_path":[{"key":""}]}]`),
			[]string{"providers.p.claim_to_headers[0].claim_path[0].key: must not be empty"}},
		{"claim header pseudo", withProvider(`"claim_to_headers":[{"header_name":":path","claim_name":"sub"}]`),
			[]string{"providers.p.claim_to_headers[0].header_name: must not be a pseudo-header"}},
		{"claim header missing", withProvider(`"claim_to_headers":[{"claim_name":"sub"}]`),
			[]string{"providers.p.claim_to_headers[0].header_name: missing"}},
		{"bad x_render", withProvider(`"claim_to_headers":[{"header_name":"x","claim_name":"a","x_render":"csv"}]`),
			[]string{`providers.p.claim_to_headers[0].x_render: must be "envoy", "json" or "joined"`}},
		{"separator without joined", withProvider(`"claim_to_headers":[{"header_name":"x","claim_name":"a","x_separator":";"}]`),
			[]string{`providers.p.claim_to_headers[0].x_separator: applies only with x_render: "joined"`}},
		{"delimiter with claim_path", withProvider(`"claim_to_headers":[{"header_name":"x","claim_path":[{"key":"a"}],"x_delimiter":"/"}]`),
			[]string{"providers.p.claim_to_headers[0].x_delimiter: applies to claim_name only"}},
		{"gloo claim without claim", withProvider(`"x_claims_to_headers":[{"header":"x"}]`),
			[]string{"providers.p.x_claims_to_headers[0].claim: missing"}},
		{"forward payload header with CR", withProvider(`"forward_payload_header":"a\rb"`),
			[]string{"providers.p.forward_payload_header: must not contain NUL, CR or LF"}},
		{"rule without match", `{"rules":[{"requires":{"provider_name":"p"}}]}`, []string{"rules[0].match: missing"}},
		{"match without path specifier", `{"rules":[{"match":{"headers":[]}}]}`, []string{"rules[0].match.prefix: missing: one of prefix"}},
		{"match with two specifiers", `{"rules":[{"match":{"prefix":"/","path":"/a"}}]}`, []string{"rules[0].match.path: only one of"}},
		{"path_separated_prefix with slash", withRule(`{"path_separated_prefix":"/api/"}`),
			[]string{"rules[0].match.path_separated_prefix: must match ^[^?#]+[^?#/]$"}},
		{"path_match_policy", withRule(`{"path_match_policy":{"name":"x"}}`), []string{"rules[0].match.path_match_policy: not supported in a Wasm filter"}},
		{"grpc match", withRule(`{"prefix":"/","grpc":{}}`), []string{"rules[0].match.grpc: not supported: Envoy's jwt_authn ignores this RouteMatch field"}},
		{"runtime_fraction", withRule(`{"prefix":"/","runtime_fraction":{}}`), []string{"rules[0].match.runtime_fraction: not supported"}},
		{"case_sensitive not bool", withRule(`{"prefix":"/","case_sensitive":"no"}`), []string{"rules[0].match.case_sensitive: must be true or false"}},
		{"empty regex", withRule(`{"safe_regex":{"regex":""}}`), []string{"rules[0].match.safe_regex.regex: must not be empty"}},
		{"header matcher without name", withRule(`{"prefix":"/","headers":[{"exact_match":"x"}]}`), []string{"rules[0].match.headers[0].name: missing"}},
		{"header prefix empty", withRule(`{"prefix":"/","headers":[{"name":"a","prefix_match":""}]}`), []string{"rules[0].match.headers[0].prefix_match: must not be empty"}},
		{"header two specifiers", withRule(`{"prefix":"/","headers":[{"name":"a","exact_match":"x","present_match":true}]}`),
			[]string{"rules[0].match.headers[0].present_match: only one of"}},
		{"query name too long", withRule(`{"prefix":"/","query_parameters":[{"name":"` + strings.Repeat("a", 1025) + `"}]}`),
			[]string{"rules[0].match.query_parameters[0].name: must be at most 1024 bytes"}},
		{"string matcher custom", withRule(`{"prefix":"/","headers":[{"name":"a","string_match":{"custom":{}}}]}`),
			[]string{"rules[0].match.headers[0].string_match.custom: not supported in a Wasm filter"}},
		{"string matcher empty", withRule(`{"prefix":"/","headers":[{"name":"a","string_match":{}}]}`),
			[]string{"rules[0].match.headers[0].string_match.exact: missing"}},
		{"requires_any with one", `{"rules":[{"match":{"prefix":"/"},"requires":{"requires_any":{"requirements":[{"provider_name":"p"}]}}}]}`,
			[]string{"rules[0].requires.requires_any.requirements: must contain at least 2 requirements"}},
		{"requires_all nested problem", `{"rules":[{"match":{"prefix":"/"},"requires":{"requires_all":{"requirements":[{"provider_name":""},{"allow_missing":{"x":1}}]}}}]}`,
			[]string{"rules[0].requires.requires_all.requirements[0].provider_name: must not be empty",
				"rules[0].requires.requires_all.requirements[1].allow_missing.x: unknown field"}},
		{"two requirement kinds", `{"rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"p","allow_missing":{}}}]}`,
			[]string{"rules[0].requires.allow_missing: only one of"}},
		{"extract only unknown member", `{"rules":[{"match":{"prefix":"/"},"requires":{"extract_only_without_validation":{"header":"x"}}}]}`,
			[]string{"rules[0].requires.extract_only_without_validation.header: unknown field"}},
		{"extract only status header with newline", `{"rules":[{"match":{"prefix":"/"},"requires":{"extract_only_without_validation":{"verification_status_header":"a\nb"}}}]}`,
			[]string{"rules[0].requires.extract_only_without_validation.verification_status_header: must not contain NUL, CR or LF"}},
		{"extract only status pseudo-header", `{"rules":[{"match":{"prefix":"/"},"requires":{"extract_only_without_validation":{"verification_status_header":":path"}}}]}`,
			[]string{"rules[0].requires.extract_only_without_validation.verification_status_header: must not be a pseudo-header"}},
		{"requires and requirement_name", `{"rules":[{"match":{"prefix":"/"},"requires":{},"requirement_name":"a"}]}`,
			[]string{"rules[0].requirement_name: only one of requires, requirement_name"}},
		{"provider_and_audiences without provider", `{"rules":[{"match":{"prefix":"/"},"requires":{"provider_and_audiences":{"audiences":["a"]}}}]}`,
			[]string{"rules[0].requires.provider_and_audiences.provider_name: missing"}},
		{"report-only header with newline", `{"x_report_only":{"header":"a\nb"}}`, []string{"x_report_only.header: must not contain NUL, CR or LF"}},
		{"deny response unknown member", `{"x_deny_response":{"status":500}}`, []string{"x_deny_response.status: unknown field"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := Parse([]byte(tt.config))
			configtest.WantProblems(t, probs, tt.want...)
		})
	}
}

func TestParseExtractOnlyStatusHeader(t *testing.T) {
	for eo, want := range map[string]string{
		`{}`:                                DefaultVerificationStatusHeader,
		`{"verification_status_header":""}`: DefaultVerificationStatusHeader,
		`{"verificationStatusHeader":"X-Unsure"}`: "x-unsure",
		`{"verification_status_header":"-"}`:      "",
	} {
		cfg, probs := Parse([]byte(`{"rules":[{"match":{"prefix":"/"},"requires":{"extract_only_without_validation":` + eo + `}}]}`))
		if len(probs) > 0 {
			t.Fatalf("%s: %v", eo, probs)
		}
		if r := cfg.Rules[0].Requires; r.Kind != ReqExtractOnly || r.StatusHeader != want {
			t.Errorf("%s: kind %d header %q, want extract-only with %q", eo, r.Kind, r.StatusHeader, want)
		}
	}
}

func TestParseConfigAcceptsCamelCaseAndEveryField(t *testing.T) {
	cfg := `{
	  "providers": {
	    "remote": {
	      "issuer": "https://a", "audiences": ["x"], "subjects": {"prefix": "spiffe://a/"},
	      "requireExpiration": true, "maxLifetime": "86400s",
	      "remoteJwks": {"httpUri": {"uri": "https://a/jwks", "cluster": "c", "timeout": "1s"},
	        "cacheDuration": {"seconds": 300}, "asyncFetch": {"fastListener": true, "failedRefetchDuration": "2s"},
	        "retryPolicy": {"retryBackOff": {"baseInterval": "0.01s", "maxInterval": "20s"}, "numRetries": 10, "retryOn": "5xx"}},
	      "forward": true, "fromHeaders": [{"name": "x-jwt", "valuePrefix": "Token "}], "fromParams": ["t"], "fromCookies": ["c"],
	      "forwardPayloadHeader": "x-payload", "padForwardPayloadHeader": true, "payloadInMetadata": "pl",
	      "normalizePayloadInMetadata": {"spaceDelimitedClaims": ["scope"]}, "headerInMetadata": "hd",
	      "failedStatusInMetadata": "fs", "clockSkewSeconds": "30", "jwtCacheConfig": {"jwtCacheSize": 10, "jwtMaxTokenSize": 8192},
	      "claimToHeaders": [{"headerName": "x-sub", "claimName": "sub"}, {"headerName": "x-r", "claimPath": [{"key": "a.b"}]}],
	      "clearRouteCache": true
	    },
	    "local": {"localJwks": {"inlineBytes": "e30="}}
	  },
	  "rules": [
	    {"match": {"path": "/a", "caseSensitive": false, "headers": [{"name": "h", "safeRegexMatch": {"googleRe2": {}, "regex": "a.*"}},
	      {"name": "r", "rangeMatch": {"start": "1", "end": 10}}, {"name": "p", "presentMatch": true, "invertMatch": true},
	      {"name": "s", "stringMatch": {"suffix": "z", "ignoreCase": true}, "treatMissingHeaderAsEmpty": true}],
	      "queryParameters": [{"name": "q", "stringMatch": {"exact": "1"}}, {"name": "e", "presentMatch": false}]},
	     "requires": {"providerAndAudiences": {"providerName": "remote", "audiences": ["y"]}}},
	    {"match": {"safeRegex": {"regex": "/b/.*"}}, "requirementName": "named"},
	    {"match": {"pathSeparatedPrefix": "/c"}, "requires": {"requiresAny": {"requirements": [{"providerName": "local"}, {"allowMissingOrFailed": {}}]}}},
	    {"match": {"connectMatcher": {}}, "requires": {"requiresAll": {"requirements": [{"providerName": "local"}, {"allowMissing": {}}]}}},
	    {"match": {"prefix": "/"}}
	  ],
	  "requirementMap": {"named": {"providerName": "local"}},
	  "bypassCorsPreflight": true, "stripFailureResponse": false, "statPrefix": "edge",
	  "x_report_only": {"header": "x-verdict"}, "x_deny_response": {"body": "{}", "content_type": "application/json"},
	  "x_require_valid_tokens": true
	}`
	raw, probs := Parse([]byte(cfg))
	if len(probs) > 0 {
		t.Fatalf("valid configuration refused:\n%s", strings.Join(probs, "\n"))
	}
	if len(raw.Providers) != 2 || len(raw.Rules) != 5 || len(raw.RequirementMap) != 1 {
		t.Fatalf("parsed %d providers, %d rules, %d named requirements", len(raw.Providers), len(raw.Rules), len(raw.RequirementMap))
	}
	var remote *RawProvider
	for _, p := range raw.Providers {
		if p.Name == "remote" {
			remote = p
		}
	}
	if remote.Remote.CacheDuration.Seconds() != 300 || remote.ClockSkewSeconds != 30 || remote.Remote.Retry.NumRetries != 10 ||
		remote.FromHeaders[0].Prefix != "Token " || !remote.PadPayloadHeader || remote.MaxLifetime.Hours() != 24 {
		t.Errorf("remote provider parsed wrong: %+v", remote)
	}
	if h := raw.Rules[0].Match.Headers[1]; h.Kind != HmRange || h.Start != 1 || h.End != 10 {
		t.Errorf("range matcher parsed wrong: %+v", h)
	}
	if raw.Rules[0].Match.CaseSensitive {
		t.Error("caseSensitive false not applied")
	}
}

func TestParseConfigEmptyIsAnEmptyConfiguration(t *testing.T) {
	for _, in := range []string{"", "  \n", "{}", `{"@type":"type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication"}`} {
		raw, probs := Parse([]byte(in))
		if len(probs) > 0 || raw == nil || len(raw.Providers) > 0 {
			t.Errorf("parseConfig(%q) = %v, %v", in, raw, probs)
		}
	}
}
