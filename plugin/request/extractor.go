package request

import (
	"sort"
	"strings"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config"
)

// This file is Envoy's extractor.cc: where tokens are looked for, in which order, and which
// issuers may use each place.
//
// Defaults, when a provider names no location: the Authorization header with the prefix
// "Bearer ", then the access_token query parameter. Header values are taken whole when the
// prefix is empty; otherwise the prefix is searched for anywhere in the value (case
// sensitively) and the token runs from the first base64url character or dot after it to the
// end of the value; if there is none the whole value is the token (Envoy keeps that for
// compatibility; the token then fails to parse). Each line of a repeated header is a token of
// its own. Query parameters are percent-decoded, the first value wins. Cookies: the first
// cookie of that name.
//
// Order, which decides which error is reported when several tokens fail: header locations
// sorted by name+prefix, then query parameters by name, then cookies by name (Envoy keeps
// them in ordered maps); the authenticator then works from the last one backwards.

type locationKind uint8

const (
	LocHeader locationKind = iota
	LocParam
	locCookie
)

const (
	defaultHeader = "authorization"
	defaultPrefix = "Bearer "
	defaultParam  = "access_token"
)

// issuerSet is Envoy's JwtIssuerChecker: the issuers allowed at one location. An empty
// issuer (a provider without one) allows every issuer.
type issuerSet struct {
	all  bool
	list []string
	set  map[string]bool // the list as a set, once it is long (many providers on one location)
}

// issuerSetMapFrom is the list length from which Allows looks issuers up in a map.
const issuerSetMapFrom = 8

func (s *issuerSet) add(iss string) {
	if iss == "" {
		s.all = true
		return
	}
	for _, x := range s.list {
		if x == iss {
			return
		}
	}
	s.list = append(s.list, iss)
	if len(s.list) >= issuerSetMapFrom {
		if s.set == nil {
			s.set = make(map[string]bool, len(s.list))
			for _, x := range s.list {
				s.set[x] = true
			}
		}
		s.set[iss] = true
	}
}

func (s *issuerSet) Allows(iss string) bool {
	if s.all {
		return true
	}
	if s.set != nil {
		return s.set[iss]
	}
	for _, x := range s.list {
		if x == iss {
			return true
		}
	}
	return false
}

// location is one place a token may be.
type location struct {
	Kind    locationKind
	Name    string // header name (lower case), query parameter name or cookie name
	prefix  string // value_prefix, headers only
	Issuers issuerSet
}

// Extracted is one token found in a request.
type Extracted struct {
	Token string
	Loc   *location
}

// Extractor finds the tokens of one provider (ProviderVerifier) or of all providers
// (allow_missing, allow_missing_or_failed).
type Extractor struct {
	Locs []*location
	// Key names the location list without its issuers; providers with equal keys see the
	// same tokens, which the requires_any issuer index relies on.
	Key string
}

// LocationSource is what a provider contributes to an extractor.
type LocationSource struct {
	Issuer  string
	Headers []config.RawHeaderLocation
	Params  []string
	Cookies []string
}

func NewExtractor(sources ...LocationSource) *Extractor {
	byKey := map[string]*location{}
	var headers, params, cookies []*location
	get := func(kind locationKind, name, prefix string) *location {
		k := string(rune('0'+kind)) + name + "\x00" + prefix
		if l := byKey[k]; l != nil {
			return l
		}
		l := &location{Kind: kind, Name: name, prefix: prefix}
		byKey[k] = l
		switch kind {
		case LocHeader:
			headers = append(headers, l)
		case LocParam:
			params = append(params, l)
		default:
			cookies = append(cookies, l)
		}
		return l
	}
	for _, s := range sources {
		for _, h := range s.Headers {
			get(LocHeader, strings.ToLower(h.Name), h.Prefix).Issuers.add(s.Issuer)
		}
		for _, p := range s.Params {
			get(LocParam, p, "").Issuers.add(s.Issuer)
		}
		for _, c := range s.Cookies {
			get(locCookie, c, "").Issuers.add(s.Issuer)
		}
		if len(s.Headers) == 0 && len(s.Params) == 0 && len(s.Cookies) == 0 {
			get(LocHeader, defaultHeader, defaultPrefix).Issuers.add(s.Issuer)
			get(LocParam, defaultParam, "").Issuers.add(s.Issuer)
		}
	}
	// Envoy's header map key is name+prefix concatenated.
	sort.Slice(headers, func(i, j int) bool { return headers[i].Name+headers[i].prefix < headers[j].Name+headers[j].prefix })
	sort.Slice(params, func(i, j int) bool { return params[i].Name < params[j].Name })
	sort.Slice(cookies, func(i, j int) bool { return cookies[i].Name < cookies[j].Name })
	e := &Extractor{}
	var key strings.Builder
	for _, group := range [][]*location{headers, params, cookies} {
		for _, l := range group {
			e.Locs = append(e.Locs, l)
			key.WriteByte('0' + byte(l.Kind))
			key.WriteString(l.Name)
			key.WriteByte(0)
			key.WriteString(l.prefix)
			key.WriteByte(0)
		}
	}
	e.Key = key.String()
	return e
}

// Extract appends the tokens found in r to out, in Envoy's order. Every line of a header is
// a separate place: a request with two Authorization lines carries two tokens, and both
// must verify.
func (e *Extractor) Extract(r *Request, out []Extracted) []Extracted {
	for _, l := range e.Locs {
		switch l.Kind {
		case LocHeader:
			out = e.extractHeader(r, l, out)
		case LocParam:
			if v, ok := r.DecodedParam(l.Name); ok {
				out = append(out, Extracted{Token: v, Loc: l})
			}
		case locCookie:
			if v, ok := r.Cookie(l.Name); ok {
				out = append(out, Extracted{Token: v, Loc: l})
			}
		}
	}
	return out
}

// extractHeader appends the token of every line of header location l.
func (e *Extractor) extractHeader(r *Request, l *location, out []Extracted) []Extracted {
	for i := range r.Headers {
		if r.Headers[i][0] != l.Name {
			continue
		}
		v := r.Headers[i][1]
		if l.prefix != "" {
			pos := strings.Index(v, l.prefix)
			if pos < 0 {
				continue // the prefix is not in the value: not a token for this location
			}
			v = extractJWT(v, pos+len(l.prefix))
		}
		out = append(out, Extracted{Token: v, Loc: l})
	}
	return out
}

// ExtractEvery is Extract with every occurrence of a query parameter or cookie, not only
// the first, which is what Envoy verifies: x_require_valid_tokens promises that every token
// present verifies, and `?access_token=<valid>&access_token=<forged>` (or a second cookie of
// the name, in the same or another Cookie header) carries two.
func (e *Extractor) ExtractEvery(r *Request, out []Extracted) []Extracted {
	for _, l := range e.Locs {
		switch l.Kind {
		case LocHeader:
			out = e.extractHeader(r, l, out)
		case LocParam:
			r.parseQuery()
			out = appendEvery(out, r.decodedQuery, l)
		case locCookie:
			r.parseCookies()
			out = appendEvery(out, r.cookies, l)
		}
	}
	return out
}

// appendEvery appends the value of every param called l.Name.
func appendEvery(out []Extracted, params []queryParam, l *location) []Extracted {
	for _, p := range params {
		if p.name == l.Name {
			out = append(out, Extracted{Token: p.value, Loc: l})
		}
	}
	return out
}

// extractJWT is Envoy's ExtractorImpl::extractJWT since Envoy 1.28 (PR #28678): the value from
// the first base64url character or dot at or after offset after, to the end, so that
// anything following the token makes it invalid instead of being cut off; the whole value
// when there is no such character.
func extractJWT(v string, after int) string {
	start := after
	for start < len(v) && !isJWTChar(v[start]) {
		start++
	}
	if start >= len(v) {
		return v
	}
	return v[start:]
}

func isJWTChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}
