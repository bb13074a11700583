package plugin

import (
	"regexp"
	"strconv"
	"strings"
)

// This file is Envoy's jwt_authn matcher.cc: a rule's RouteMatch against the request. The
// path is matched without its query string and fragment (PathMatcher). prefix and path honour
// case_sensitive (default true); safe_regex is a full match (RE2::FullMatch; Go's regexp
// implements RE2 syntax) and ignores case_sensitive, as Envoy does. Headers and query
// parameters must all match. Query parameters are compared undecoded, first value only.

type matcher struct {
	kind          pathKind
	value         string // prefix / path / path_separated_prefix
	caseSensitive bool
	re            *regexp.Regexp
	headers       []*headerMatcher
	query         []*queryMatcher
}

func (m *matcher) matches(r *request) bool {
	if !m.pathMatches(r) {
		return false
	}
	for _, h := range m.headers {
		if !h.matches(r) {
			return false
		}
	}
	for _, q := range m.query {
		if !q.matches(r) {
			return false
		}
	}
	return true
}

func (m *matcher) pathMatches(r *request) bool {
	if m.kind == pathConnect {
		return r.method() == "CONNECT"
	}
	p, ok := r.header(":path")
	if !ok && m.kind == pathRegex {
		return false // RegexMatcherImpl refuses a request without :path
	}
	p = pathOnly(p)
	switch m.kind {
	case pathPrefix:
		return hasPrefixFold(p, m.value, !m.caseSensitive)
	case pathExact:
		return equalFold(p, m.value, !m.caseSensitive)
	case pathRegex:
		return m.re.MatchString(p)
	default: // pathSeparatedPrefix
		return hasPrefixFold(p, m.value, !m.caseSensitive) && (len(p) == len(m.value) || p[len(m.value)] == '/')
	}
}

type headerMatcher struct {
	name           string
	kind           headerMatchKind
	value          string
	re             *regexp.Regexp
	start, end     int64
	present        bool
	sm             *stringMatcher
	invert         bool
	missingAsEmpty bool
}

// matches is Envoy's HeaderUtility header matching: several lines of the header are joined
// with ","; a missing header fails every matcher but present_match (unless
// treat_missing_header_as_empty), and invert_match negates the result.
func (h *headerMatcher) matches(r *request) bool {
	v, ok := r.header(h.name)
	if h.kind == hmPresent {
		return (ok == h.present) != h.invert
	}
	if !ok {
		if !h.missingAsEmpty {
			return false
		}
		v = ""
	}
	var m bool
	switch h.kind {
	case hmExact:
		m = h.value == "" || v == h.value
	case hmRegex:
		m = h.re.MatchString(v)
	case hmRange:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		m = err == nil && n >= h.start && n < h.end
	case hmPrefix:
		m = strings.HasPrefix(v, h.value)
	case hmSuffix:
		m = strings.HasSuffix(v, h.value)
	case hmContains:
		m = strings.Contains(v, h.value)
	case hmString:
		m = h.sm.match(v)
	}
	return m != h.invert
}

type queryMatcher struct {
	name       string
	sm         *stringMatcher
	present    bool
	hasPresent bool
}

// matches is Envoy's ConfigUtility::QueryParameterMatcher (with the current present_match
// behaviour: presence must equal present_match).
func (q *queryMatcher) matches(r *request) bool {
	v, ok := r.rawParam(q.name)
	if q.hasPresent {
		return ok == q.present
	}
	if !ok {
		return false
	}
	return q.sm == nil || q.sm.match(v)
}

// stringMatcher is Envoy's StringMatcherImpl. ignore_case folds ASCII only and does not
// apply to safe_regex, as in Envoy.
type stringMatcher struct {
	kind       stringMatchKind
	value      string
	ignoreCase bool
	re         *regexp.Regexp
}

func (s *stringMatcher) match(v string) bool {
	switch s.kind {
	case smExact:
		return equalFold(v, s.value, s.ignoreCase)
	case smPrefix:
		return hasPrefixFold(v, s.value, s.ignoreCase)
	case smSuffix:
		return len(v) >= len(s.value) && equalFold(v[len(v)-len(s.value):], s.value, s.ignoreCase)
	case smContains:
		for i := 0; i+len(s.value) <= len(v); i++ {
			if equalFold(v[i:i+len(s.value)], s.value, s.ignoreCase) {
				return true
			}
		}
		return false
	default:
		return s.re.MatchString(v)
	}
}

func equalFold(a, b string, fold bool) bool {
	if !fold {
		return a == b
	}
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string, fold bool) bool {
	return len(s) >= len(prefix) && equalFold(s[:len(prefix)], prefix, fold)
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// compileRegex compiles an Envoy RE2 pattern for a full match.
func compileRegex(pattern, path string, probs *problems) *regexp.Regexp {
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		probs.add(path, "invalid regular expression: "+err.Error())
		return nil
	}
	return re
}

func compileStringMatcher(raw *rawStringMatcher, probs *problems) *stringMatcher {
	if raw == nil {
		return nil
	}
	s := &stringMatcher{kind: raw.kind, value: raw.value, ignoreCase: raw.ignoreCase}
	if raw.kind == smRegex {
		s.re = compileRegex(raw.value, joinPath(raw.path, "safe_regex.regex"), probs)
	}
	return s
}

func compileMatcher(raw *rawRouteMatch, probs *problems) *matcher {
	if raw == nil {
		return nil
	}
	m := &matcher{kind: raw.kind, value: raw.value, caseSensitive: raw.caseSensitive}
	if raw.kind == pathRegex {
		m.re = compileRegex(raw.value, joinPath(raw.path, "safe_regex.regex"), probs)
	}
	for _, h := range raw.headers {
		hm := &headerMatcher{name: h.name, kind: h.kind, value: h.value, start: h.start, end: h.end,
			present: h.present, invert: h.invert, missingAsEmpty: h.missingAsEmpty}
		switch h.kind {
		case hmRegex:
			hm.re = compileRegex(h.value, joinPath(h.path, "safe_regex_match.regex"), probs)
		case hmString:
			hm.sm = compileStringMatcher(h.stringMatch, probs)
		}
		m.headers = append(m.headers, hm)
	}
	for _, q := range raw.queryParams {
		m.query = append(m.query, &queryMatcher{name: q.name, sm: compileStringMatcher(q.stringMatch, probs),
			present: q.present, hasPresent: q.hasPresent})
	}
	return m
}
