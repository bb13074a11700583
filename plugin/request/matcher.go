package request

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config"
)

// This file is Envoy's jwt_authn matcher.cc: a rule's RouteMatch against the request. The
// path is matched without its query string and fragment (PathMatcher). prefix and path honour
// case_sensitive (default true); safe_regex is a full match (RE2::FullMatch; Go's regexp
// implements RE2 syntax) and ignores case_sensitive, as Envoy does. Headers and query
// parameters must all match. Query parameters are compared undecoded, first value only.

type Matcher struct {
	kind          config.PathKind
	value         string // prefix / path / path_separated_prefix
	caseSensitive bool
	re            *regexp.Regexp
	headers       []*headerMatcher
	query         []*queryMatcher
}

func (m *Matcher) Matches(r *Request) bool {
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

func (m *Matcher) pathMatches(r *Request) bool {
	if m.kind == config.PathConnect {
		return r.Method() == "CONNECT"
	}
	p, ok := r.PathOK()
	if !ok && m.kind == config.PathRegex {
		return false // RegexMatcherImpl refuses a request without :path
	}
	p = PathOnly(p)
	switch m.kind {
	case config.PathPrefix:
		return hasPrefixFold(p, m.value, !m.caseSensitive)
	case config.PathExact:
		return equalFold(p, m.value, !m.caseSensitive)
	case config.PathRegex:
		return m.re.MatchString(p)
	default: // pathSeparatedPrefix
		return hasPrefixFold(p, m.value, !m.caseSensitive) && (len(p) == len(m.value) || p[len(m.value)] == '/')
	}
}

// headerMatcher is one of a route's header matchers. Envoy's legacy matchers (exact_match,
// prefix_match, suffix_match, contains_match, safe_regex_match) are compiled into the
// string matcher they are equivalent to (kind HmString); range and present stay apart.
type headerMatcher struct {
	name           string
	kind           config.HeaderMatchKind
	start, end     int64
	present        bool
	sm             *StringMatcher
	invert         bool
	missingAsEmpty bool
}

// matches is Envoy's HeaderUtility header matching: several lines of the header are joined
// with ","; a missing header fails every matcher but present_match (unless
// treat_missing_header_as_empty), and invert_match negates the result.
func (h *headerMatcher) matches(r *Request) bool {
	v, ok := r.Header(h.name)
	if h.kind == config.HmPresent {
		return (ok == h.present) != h.invert
	}
	if !ok {
		if !h.missingAsEmpty {
			return false
		}
		v = ""
	}
	var m bool
	if h.kind == config.HmRange {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		m = err == nil && n >= h.start && n < h.end
	} else {
		m = h.sm.Match(v)
	}
	return m != h.invert
}

type queryMatcher struct {
	name       string
	sm         *StringMatcher
	present    bool
	hasPresent bool
}

// matches is Envoy's ConfigUtility::QueryParameterMatcher (with the current present_match
// behaviour: presence must equal present_match).
func (q *queryMatcher) matches(r *Request) bool {
	v, ok := r.RawParam(q.name)
	if q.hasPresent {
		return ok == q.present
	}
	if !ok {
		return false
	}
	return q.sm == nil || q.sm.Match(v)
}

// StringMatcher is Envoy's StringMatcherImpl. ignore_case folds ASCII only and does not
// apply to safe_regex, as in Envoy.
type StringMatcher struct {
	kind       config.StringMatchKind
	value      string
	ignoreCase bool
	re         *regexp.Regexp
}

func (s *StringMatcher) Match(v string) bool {
	switch s.kind {
	case config.SmExact:
		return equalFold(v, s.value, s.ignoreCase)
	case config.SmPrefix:
		return hasPrefixFold(v, s.value, s.ignoreCase)
	case config.SmSuffix:
		return len(v) >= len(s.value) && equalFold(v[len(v)-len(s.value):], s.value, s.ignoreCase)
	case config.SmContains:
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
func compileRegex(pattern, path string, probs *config.Problems) *regexp.Regexp {
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	if err != nil {
		probs.Add(path, "invalid regular expression: "+err.Error())
		return nil
	}
	return re
}

func CompileStringMatcher(raw *config.RawStringMatcher, probs *config.Problems) *StringMatcher {
	if raw == nil {
		return nil
	}
	s := &StringMatcher{kind: raw.Kind, value: raw.Value, ignoreCase: raw.IgnoreCase}
	if raw.Kind == config.SmRegex {
		s.re = compileRegex(raw.Value, config.JoinPath(raw.Path, "safe_regex.regex"), probs)
	}
	return s
}

func CompileMatcher(raw *config.RawRouteMatch, probs *config.Problems) *Matcher {
	if raw == nil {
		return nil
	}
	m := &Matcher{kind: raw.Kind, value: raw.Value, caseSensitive: raw.CaseSensitive}
	if raw.Kind == config.PathRegex {
		m.re = compileRegex(raw.Value, config.JoinPath(raw.Path, "safe_regex.regex"), probs)
	}
	for _, h := range raw.Headers {
		hm := &headerMatcher{name: h.Name, kind: config.HmString, start: h.Start, end: h.End,
			present: h.Present, invert: h.Invert, missingAsEmpty: h.MissingAsEmpty}
		switch h.Kind {
		case config.HmPresent, config.HmRange:
			hm.kind = h.Kind
		case config.HmString:
			hm.sm = CompileStringMatcher(h.StringMatch, probs)
		case config.HmExact:
			if h.Value == "" { // Envoy's legacy exact_match "" matches every value
				hm.sm = &StringMatcher{kind: config.SmPrefix}
			} else {
				hm.sm = &StringMatcher{kind: config.SmExact, value: h.Value}
			}
		case config.HmPrefix:
			hm.sm = &StringMatcher{kind: config.SmPrefix, value: h.Value}
		case config.HmSuffix:
			hm.sm = &StringMatcher{kind: config.SmSuffix, value: h.Value}
		case config.HmContains:
			hm.sm = &StringMatcher{kind: config.SmContains, value: h.Value}
		case config.HmRegex:
			hm.sm = &StringMatcher{kind: config.SmRegex, value: h.Value,
				re: compileRegex(h.Value, config.JoinPath(h.Path, "safe_regex_match.regex"), probs)}
		}
		m.headers = append(m.headers, hm)
	}
	for _, q := range raw.QueryParams {
		m.query = append(m.query, &queryMatcher{name: q.Name, sm: CompileStringMatcher(q.StringMatch, probs),
			present: q.Present, hasPresent: q.HasPresent})
	}
	return m
}
