package plugin

import (
	"strconv"
	"strings"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
)

// maxRealmPathBytes is Envoy's MaximumUriLength for the realm (filter.cc).
const maxRealmPathBytes = 256

// realm is Envoy's Http::Utility::buildOriginalUri: scheme://host + the original path
// (x-envoy-original-path when a route rewrote it), the path cut to 256 bytes; "" without a
// path.
func realm(req *request.Request) string {
	path, ok := req.Header("x-envoy-original-path")
	if !ok {
		path, ok = req.Header(":path")
		if !ok {
			return ""
		}
	}
	if len(path) > maxRealmPathBytes {
		path = path[:maxRealmPathBytes]
	}
	scheme, _ := req.Header(":scheme")
	host, _ := req.Header(":authority")
	return scheme + "://" + host + path
}

// quotedString is s as an RFC 9110 (section 5.6.4) quoted-string: '"' and '\' escaped with a
// backslash, control characters other than HTAB (which a header value from the host should
// not hold anyway) left out. Envoy writes the realm unescaped, so a path holding a quote could
// add parameters to the challenge (`/api?a="b",error="evil`).
func quotedString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 && c != '\t' || c == 0x7f:
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// denyResponse is a local reply ready to send.
type denyResponse struct {
	code    uint32
	headers [][2]string
	body    []byte
	details string
}

// buildDeny assembles the local reply for a failed request, as Envoy's onComplete does, with
// strip_failure_response and the x_deny_response body applied. scope is the scopes an
// x_authorize refusal names (RFC 6750 scope attribute); "" for none. It runs only on the
// deny path, so string building here is not on the hot path.
func buildDeny(rt *filterConfig, s status.Status, req *request.Request, scope string) denyResponse {
	r := status.ReplyOf(s)
	d := denyResponse{code: r.Code, details: rcDetails(r.Text)}
	if rt.stripFailureResponse {
		// Envoy #34618: no body and no WWW-Authenticate, only the status code.
		return d
	}
	if s != status.Internal {
		v := `Bearer realm=` + quotedString(realm(req))
		if r.BearerError != "" {
			v += `, error="` + r.BearerError + `"`
		}
		if r.BearerError == status.ErrInsufficientScope && scope != "" {
			v += `, scope="` + scope + `"`
		}
		d.headers = append(d.headers, [2]string{"www-authenticate", v})
	}
	if rt.denyBody != nil {
		d.body = []byte(rt.denyBody.render(r.Code, r.Text))
		if rt.denyBody.contentType != "" {
			d.headers = append(d.headers, [2]string{"content-type", rt.denyBody.contentType})
		}
		return d
	}
	d.body = []byte(r.Text)
	return d
}

// rcDetails is Envoy's generateRcDetails: jwt_authn_access_denied{<text, whitespace as _>}.
func rcDetails(text string) string {
	var b strings.Builder
	b.Grow(len("jwt_authn_access_denied{}") + len(text))
	b.WriteString("jwt_authn_access_denied{")
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch c {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			c = '_'
		}
		b.WriteByte(c)
	}
	b.WriteByte('}')
	return b.String()
}

// denyBody is the x_deny_response extension: a body template with {{message}} (the status
// text) and {{status}} (the HTTP status code).
type denyBody struct {
	template    string
	contentType string
}

func (d *denyBody) render(code uint32, text string) string {
	out := strings.ReplaceAll(d.template, "{{message}}", text)
	return strings.ReplaceAll(out, "{{status}}", strconv.FormatUint(uint64(code), 10))
}
