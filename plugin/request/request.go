// Package request is what the filter reads of a request: its headers, path, query and cookies
// as the host gave them (request.go), the JWTs in a provider's locations (extractor.go) and
// whether a rule's route match applies (matcher.go). It has no proxy-wasm calls.
package request

import "strings"

// Request is the request as the filter sees it: one snapshot of the request headers, read
// with a single host call, and the query string and cookies parsed from it on first use.
// Every lookup after that is local, which keeps the number of host calls per request (each
// one costly in Wasm) independent of the number of rules, providers and locations.
type Request struct {
	Headers [][2]string // names in lower case, as Envoy presents them; repeated names repeat

	rawQuery     []queryParam // undecoded, for route matching (Envoy parseQueryString)
	decodedQuery []queryParam // percent-decoded, for token extraction (parseAndDecodeQueryString)
	queryParsed  bool
	cookies      []queryParam
	cookiesDone  bool

	// :path and :method, looked up once (every rule's matcher reads them).
	path, method       string
	hasPath, pseudoSet bool
}

type queryParam struct{ name, value string }

func NewRequest(headers [][2]string) *Request { return &Request{Headers: headers} }

// Reset makes r a new request with headers, keeping the capacity of its query and cookie
// lists for reuse.
func (r *Request) Reset(headers [][2]string) {
	*r = Request{Headers: headers, rawQuery: r.rawQuery[:0], decodedQuery: r.decodedQuery[:0], cookies: r.cookies[:0]}
}

// Header returns the value of name (lower case) and whether it is present. Several lines of
// one header are joined with "," as Envoy's HeaderUtility::getAllOfHeaderAsString does.
func (r *Request) Header(name string) (string, bool) {
	first := -1
	for i := range r.Headers {
		if r.Headers[i][0] != name {
			continue
		}
		if first >= 0 {
			return r.joined(name, first), true
		}
		first = i
	}
	if first < 0 {
		return "", false
	}
	return r.Headers[first][1], true
}

func (r *Request) joined(name string, first int) string {
	var b strings.Builder
	b.WriteString(r.Headers[first][1])
	for _, h := range r.Headers[first+1:] {
		if h[0] == name {
			b.WriteByte(',')
			b.WriteString(h[1])
		}
	}
	return b.String()
}

// Count is how many lines of name the request has.
func (r *Request) Count(name string) int {
	n := 0
	for i := range r.Headers {
		if r.Headers[i][0] == name {
			n++
		}
	}
	return n
}

// Drop removes every line of name from the snapshot (after the host removed them).
func (r *Request) Drop(name string) {
	out := r.Headers[:0]
	for _, h := range r.Headers {
		if h[0] != name {
			out = append(out, h)
		}
	}
	r.Headers = out
	r.pseudoSet = false
}

func (r *Request) pseudo() {
	if !r.pseudoSet {
		r.path, r.hasPath = r.Header(":path")
		r.method, _ = r.Header(":method")
		r.pseudoSet = true
	}
}

// PathOK is :path and whether the request has one.
func (r *Request) PathOK() (string, bool) {
	r.pseudo()
	return r.path, r.hasPath
}

func (r *Request) Path() string {
	r.pseudo()
	return r.path
}

func (r *Request) Method() string {
	r.pseudo()
	return r.method
}

// PathOnly is the path without query and fragment (Envoy PathUtil::removeQueryAndFragment).
func PathOnly(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		return p[:i]
	}
	return p
}

func (r *Request) parseQuery() {
	if r.queryParsed {
		return
	}
	r.queryParsed = true
	p := r.Path()
	q := strings.IndexByte(p, '?')
	if q < 0 {
		return
	}
	// Envoy's QueryParamsMulti::parseParameters: everything after the first '?', split on
	// '&', name=value at the first '='; a part without '=' is a name with an empty value.
	rest := p[q+1:]
	for len(rest) > 0 {
		part := rest
		if i := strings.IndexByte(rest, '&'); i >= 0 {
			part, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		name, value, _ := strings.Cut(part, "=")
		r.rawQuery = append(r.rawQuery, queryParam{name, value})
		r.decodedQuery = append(r.decodedQuery, queryParam{PercentDecode(name), PercentDecode(value)})
	}
}

// queryFirst returns the first value of the query parameter name (Envoy getFirstValue).
func queryFirst(params []queryParam, name string) (string, bool) {
	for _, p := range params {
		if p.name == name {
			return p.value, true
		}
	}
	return "", false
}

func (r *Request) RawParam(name string) (string, bool) {
	r.parseQuery()
	return queryFirst(r.rawQuery, name)
}

func (r *Request) DecodedParam(name string) (string, bool) {
	r.parseQuery()
	return queryFirst(r.decodedQuery, name)
}

// Cookie returns the value of the first cookie called name across all cookie headers, as
// Envoy's Http::Utility::parseCookies (first occurrence wins) with forEachCookie's parsing:
// split on ';' dropping empty parts, the name runs from the first non-space to the first
// '=', the value is the rest with one pair of surrounding double quotes removed.
func (r *Request) Cookie(name string) (string, bool) {
	r.parseCookies()
	return queryFirst(r.cookies, name)
}

// parseCookies reads every cookie of every cookie header once, in order.
func (r *Request) parseCookies() {
	if !r.cookiesDone {
		r.cookiesDone = true
		for _, h := range r.Headers {
			if h[0] != "cookie" {
				continue
			}
			for _, part := range strings.Split(h[1], ";") {
				if part == "" {
					continue
				}
				eq := strings.IndexByte(part, '=')
				if eq < 0 {
					continue
				}
				start := 0
				for start < len(part) && part[start] == ' ' {
					start++
				}
				if start > eq {
					start = eq
				}
				k, v := part[start:eq], part[eq+1:]
				if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
					v = v[1 : len(v)-1]
				}
				r.cookies = append(r.cookies, queryParam{k, v})
			}
		}
	}
}

// PercentDecode is Envoy's PercentEncoding::decode: %XX with two hex digits becomes the
// byte; anything else, '+' included, is kept as is.
func PercentDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
