package plugin

import "github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
import "testing"

// compileMatch compiles the RouteMatch JSON of one rule.
func compileMatch(t *testing.T, match string) *request.Matcher {
	t.Helper()
	rt := mustLoad(t, `{"rules":[{"match":`+match+`}]}`)
	return rt.rules[0].match
}

func TestRouteMatching(t *testing.T) {
	tests := []struct {
		name   string
		match  string
		method string
		path   string
		hdrs   []string
		want   bool
	}{
		{"prefix", `{"prefix":"/api"}`, "GET", "/api/x", nil, true},
		{"prefix is case sensitive", `{"prefix":"/api"}`, "GET", "/API/x", nil, false},
		{"prefix case insensitive", `{"prefix":"/api","case_sensitive":false}`, "GET", "/API/x", nil, true},
		{"prefix ignores the query", `{"prefix":"/a?x"}`, "GET", "/a?x=1", nil, false},
		{"empty prefix matches all", `{"prefix":""}`, "GET", "/anything", nil, true},
		{"path exact", `{"path":"/a"}`, "GET", "/a?q=1", nil, true},
		{"path exact mismatch", `{"path":"/a"}`, "GET", "/a/", nil, false},
		{"path case insensitive", `{"path":"/A","case_sensitive":false}`, "GET", "/a", nil, true},
		{"regex is a full match", `{"safe_regex":{"regex":"/v[0-9]+"}}`, "GET", "/v12?x", nil, true},
		{"regex not partial", `{"safe_regex":{"regex":"/v[0-9]+"}}`, "GET", "/v12/x", nil, false},
		{"regex ignores case_sensitive", `{"safe_regex":{"regex":"/a"},"case_sensitive":false}`, "GET", "/A", nil, false},
		{"path_separated_prefix exact", `{"path_separated_prefix":"/api"}`, "GET", "/api", nil, true},
		{"path_separated_prefix segment", `{"path_separated_prefix":"/api"}`, "GET", "/api/x", nil, true},
		{"path_separated_prefix not a segment", `{"path_separated_prefix":"/api"}`, "GET", "/apix", nil, false},
		{"path_separated_prefix with query", `{"path_separated_prefix":"/api"}`, "GET", "/api?x", nil, true},
		{"connect", `{"connect_matcher":{}}`, "CONNECT", "/", nil, true},
		{"connect only", `{"connect_matcher":{}}`, "GET", "/", nil, false},
		{"header exact", `{"prefix":"/","headers":[{"name":"x-a","exact_match":"1"}]}`, "GET", "/", []string{"x-a", "1"}, true},
		{"header exact joined lines", `{"prefix":"/","headers":[{"name":"x-a","exact_match":"1,2"}]}`, "GET", "/", []string{"x-a", "1", "x-a", "2"}, true},
		{"header missing fails", `{"prefix":"/","headers":[{"name":"x-a","exact_match":"1"}]}`, "GET", "/", nil, false},
		{"header missing inverted still fails", `{"prefix":"/","headers":[{"name":"x-a","exact_match":"1","invert_match":true}]}`, "GET", "/", nil, false},
		{"header missing as empty", `{"prefix":"/","headers":[{"name":"x-a","exact_match":"1","invert_match":true,"treat_missing_header_as_empty":true}]}`, "GET", "/", nil, true},
		{"header name case", `{"prefix":"/","headers":[{"name":"X-A","exact_match":"1"}]}`, "GET", "/", []string{"x-a", "1"}, true},
		{"header present", `{"prefix":"/","headers":[{"name":"x-a","present_match":true}]}`, "GET", "/", []string{"x-a", ""}, true},
		{"header absent", `{"prefix":"/","headers":[{"name":"x-a","present_match":false}]}`, "GET", "/", nil, true},
		{"header no specifier means present", `{"prefix":"/","headers":[{"name":"x-a"}]}`, "GET", "/", nil, false},
		{"header range", `{"prefix":"/","headers":[{"name":"x-n","range_match":{"start":1,"end":10}}]}`, "GET", "/", []string{"x-n", "9"}, true},
		{"header range end exclusive", `{"prefix":"/","headers":[{"name":"x-n","range_match":{"start":1,"end":10}}]}`, "GET", "/", []string{"x-n", "10"}, false},
		{"header range not a number", `{"prefix":"/","headers":[{"name":"x-n","range_match":{"start":1,"end":10}}]}`, "GET", "/", []string{"x-n", "5a"}, false},
		{"header regex", `{"prefix":"/","headers":[{"name":"x-a","safe_regex_match":{"regex":"a+"}}]}`, "GET", "/", []string{"x-a", "aaa"}, true},
		{"header prefix", `{"prefix":"/","headers":[{"name":"x-a","prefix_match":"ab"}]}`, "GET", "/", []string{"x-a", "abc"}, true},
		{"header suffix", `{"prefix":"/","headers":[{"name":"x-a","suffix_match":"bc"}]}`, "GET", "/", []string{"x-a", "abc"}, true},
		{"header contains", `{"prefix":"/","headers":[{"name":"x-a","contains_match":"b"}]}`, "GET", "/", []string{"x-a", "abc"}, true},
		{"header string ignore case", `{"prefix":"/","headers":[{"name":"x-a","string_match":{"exact":"ABC","ignore_case":true}}]}`, "GET", "/", []string{"x-a", "abc"}, true},
		{"header string contains ignore case", `{"prefix":"/","headers":[{"name":"x-a","string_match":{"contains":"B","ignore_case":true}}]}`, "GET", "/", []string{"x-a", "abc"}, true},
		{"method pseudo-header", `{"prefix":"/","headers":[{"name":":method","exact_match":"POST"}]}`, "POST", "/", nil, true},
		{"all headers must match", `{"prefix":"/","headers":[{"name":"x-a","exact_match":"1"},{"name":"x-b","exact_match":"2"}]}`, "GET", "/", []string{"x-a", "1"}, false},
		{"query exact", `{"prefix":"/","query_parameters":[{"name":"q","string_match":{"exact":"a b"}}]}`, "GET", "/?q=a b", nil, true},
		{"query is not decoded", `{"prefix":"/","query_parameters":[{"name":"q","string_match":{"exact":"a"}}]}`, "GET", "/?q=%61", nil, false},
		{"query first value", `{"prefix":"/","query_parameters":[{"name":"q","string_match":{"exact":"1"}}]}`, "GET", "/?q=1&q=2", nil, true},
		{"query no matcher means present", `{"prefix":"/","query_parameters":[{"name":"q"}]}`, "GET", "/?q", nil, true},
		{"query missing", `{"prefix":"/","query_parameters":[{"name":"q"}]}`, "GET", "/", nil, false},
		{"query present_match false", `{"prefix":"/","query_parameters":[{"name":"q","present_match":false}]}`, "GET", "/", nil, true},
		{"query present_match true", `{"prefix":"/","query_parameters":[{"name":"q","present_match":true}]}`, "GET", "/?q=1", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := compileMatch(t, tt.match)
			r := req(tt.path, tt.hdrs...)
			r.Headers[0][1] = tt.method
			if got := m.Matches(r); got != tt.want {
				t.Errorf("matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFirstMatchingRuleWins(t *testing.T) {
	rt := mustLoad(t, `{"rules":[{"match":{"prefix":"/a/b"}},{"match":{"prefix":"/a"},"requires":{}},{"match":{"prefix":"/"}}]}`)
	if ru := rt.findRule(req("/a/b/c")); ru != rt.rules[0] {
		t.Error("/a/b/c did not pick the first rule")
	}
	if ru := rt.findRule(req("/a/x")); ru != rt.rules[1] {
		t.Error("/a/x did not pick the second rule")
	}
	if ru := mustLoad(t, `{"rules":[{"match":{"prefix":"/a"}}]}`).findRule(req("/b")); ru != nil {
		t.Error("a request no rule matches found a rule")
	}
}
