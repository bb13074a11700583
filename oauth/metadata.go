package oauth

import (
	"strconv"
	"strings"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/jsonstr"
	"github.com/tidwall/gjson"
)

// DefaultMetadataPath is RFC 9728 §3's well-known path.
const DefaultMetadataPath = "/.well-known/oauth-protected-resource"

// Bounds on x_protected_resource.
const (
	MaxMetadataBytes = 16384 // the JSON document served
	MaxMetadataList  = 256   // elements of one array member
)

// FieldError is one problem in x_protected_resource; Field is relative to it ("resource",
// "scopes_supported[2]").
type FieldError struct {
	Field, Msg string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

// ProtectedResource is the compiled x_protected_resource: the RFC 9728 document and where it is
// served. Immutable.
type ProtectedResource struct {
	resource    string
	path        string // the configured well-known path
	primary     string // where resource_metadata points: path, with the resource's path and query (§3.1)
	paths       []string
	metadataURL string
	document    []byte
}

// metadataMember describes one RFC 9728 §2 member: its JSON type and, for strings and string
// arrays, whether values must be https URLs.
type metadataMember struct {
	kind byte // 's' string, 'u' https URL, 'b' bool, 'a' string array, 'U' https URL array
}

// metadataMembers are the RFC 9728 §2 members (resource is handled apart). Human-readable
// members may also carry a language tag: "resource_name#fr" (§2.1).
var metadataMembers = map[string]metadataMember{
	"authorization_servers":                      {'U'},
	"jwks_uri":                                   {'u'},
	"scopes_supported":                           {'a'},
	"bearer_methods_supported":                   {'a'},
	"resource_signing_alg_values_supported":      {'a'},
	"resource_name":                              {'s'},
	"resource_documentation":                     {'u'},
	"resource_policy_uri":                        {'u'},
	"resource_tos_uri":                           {'u'},
	"tls_client_certificate_bound_access_tokens": {'b'},
	"authorization_details_types_supported":      {'a'},
	"dpop_signing_alg_values_supported":          {'a'},
	"dpop_bound_access_tokens_required":          {'b'},
}

// ParseProtectedResource reads x_protected_resource: "resource" (required, an https URL
// without fragment, RFC 9728 §2), the other §2 members (typed; URLs must be https), "path"
// (where the document is served, default [DefaultMetadataPath]) and "metadata_url" (the
// absolute URL put in resource_metadata; default: the request's scheme and authority plus the
// path). Unknown members are refused, like any unknown key of the configuration. signed_metadata
// is not supported.
func ParseProtectedResource(v gjson.Result) (*ProtectedResource, []FieldError) {
	var errs []FieldError
	add := func(field, msg string) { errs = append(errs, FieldError{field, msg}) }
	if !v.IsObject() {
		return nil, []FieldError{{"", "must be an object"}}
	}
	p := &ProtectedResource{path: DefaultMetadataPath}
	// The document: resource first, then the other members in configuration order.
	var doc strings.Builder
	doc.WriteByte('{')
	var members []string // JSON "name":value, resource excluded
	seen := map[string]bool{}
	v.ForEach(func(k, val gjson.Result) bool {
		name := k.Str
		if seen[name] {
			add(name, "duplicate member")
			return true
		}
		seen[name] = true
		switch name {
		case "resource":
			if val.Type != gjson.String || !isHTTPSURL(val.Str, false) || strings.Contains(val.Str, "#") {
				add(name, "must be an https URL without fragment (RFC 9728 §2)")
				return true
			}
			p.resource = val.Str
			return true
		case "path":
			if val.Type != gjson.String || !strings.HasPrefix(val.Str, "/") || strings.ContainsAny(val.Str, "?# ") {
				add(name, `must be a path starting with "/", without query or fragment`)
				return true
			}
			p.path = val.Str
			return true
		case "metadata_url":
			if val.Type != gjson.String || !isHTTPURLString(val.Str) {
				add(name, "must be an absolute http(s) URL")
				return true
			}
			p.metadataURL = val.Str
			return true
		case "signed_metadata":
			add(name, "is not supported (the document is served unsigned)")
			return true
		}
		base, _, tagged := strings.Cut(name, "#")
		m, known := metadataMembers[base]
		if !known || (tagged && m.kind != 's' && m.kind != 'u') {
			add(name, "is not an RFC 9728 §2 member this filter knows")
			return true
		}
		enc, ok := encodeMember(name, val, m, add)
		if ok {
			members = append(members, enc)
		}
		return true
	})
	if !seen["resource"] {
		add("resource", "is required (RFC 9728 §2)")
	}
	if len(errs) > 0 {
		return nil, errs
	}
	doc.WriteString(`"resource":`)
	doc.WriteString(jsonstr.Quote(p.resource))
	for _, m := range members {
		doc.WriteByte(',')
		doc.WriteString(m)
	}
	doc.WriteByte('}')
	if doc.Len() > MaxMetadataBytes {
		return nil, []FieldError{{"", "the document would exceed " + strconv.Itoa(MaxMetadataBytes) + " bytes"}}
	}
	p.document = []byte(doc.String())
	p.primary = WellKnownPath(p.path, p.resource)
	primaryPath, _, _ := strings.Cut(p.primary, "?")
	p.paths = []string{primaryPath}
	if primaryPath != p.path {
		p.paths = append(p.paths, p.path)
	}
	return p, nil
}

func encodeMember(name string, val gjson.Result, m metadataMember, add func(string, string)) (string, bool) {
	prefix := jsonstr.Quote(name) + ":"
	switch m.kind {
	case 'b':
		if val.Type != gjson.True && val.Type != gjson.False {
			add(name, "must be a boolean")
			return "", false
		}
		return prefix + val.Raw, true
	case 's', 'u':
		if val.Type != gjson.String || (m.kind == 'u' && !isHTTPSURL(val.Str, false)) || (m.kind == 's' && val.Str == "") {
			if m.kind == 'u' {
				add(name, "must be an https URL")
			} else {
				add(name, "must be a non-empty string")
			}
			return "", false
		}
		return prefix + jsonstr.Quote(val.Str), true
	}
	// Arrays of strings.
	if !val.IsArray() {
		add(name, "must be an array of strings")
		return "", false
	}
	var list []string
	ok := true
	i := 0
	val.ForEach(func(_, e gjson.Result) bool {
		field := name + "[" + strconv.Itoa(i) + "]"
		i++
		switch {
		case i > MaxMetadataList:
			add(name, "must have at most "+strconv.Itoa(MaxMetadataList)+" elements")
			ok = false
			return false
		case e.Type != gjson.String || e.Str == "":
			add(field, "must be a non-empty string")
			ok = false
		case m.kind == 'U' && (!isHTTPSURL(e.Str, true)):
			add(field, "must be an https URL without query or fragment (an issuer identifier, RFC 8414 §2)")
			ok = false
		case name == "scopes_supported" && strings.ContainsAny(e.Str, " \"\\"):
			add(field, `must be a scope token (no space, '"' or '\')`)
			ok = false
		case strings.HasSuffix(name, "alg_values_supported") && strings.EqualFold(e.Str, "none"):
			add(field, `must not be "none" (RFC 9728 §2)`)
			ok = false
		case name == "bearer_methods_supported" && e.Str != "header" && e.Str != "body" && e.Str != "query":
			add(field, `must be "header", "body" or "query"`)
			ok = false
		}
		list = append(list, e.Str)
		return true
	})
	if !ok {
		return "", false
	}
	if list == nil {
		// §3.2: "Parameters with zero values MUST be omitted"; an empty
		// bearer_methods_supported is a value ("no bearer method", §2).
		if name != "bearer_methods_supported" {
			return "", false
		}
		list = []string{}
	}
	b := append([]byte(prefix), '[')
	for i, e := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, e)
	}
	return string(append(b, ']')), true
}

// isHTTPSURL accepts https://host[:port][/path][?query][#fragment]; noQuery also refuses query
// and fragment.
func isHTTPSURL(s string, noQuery bool) bool {
	if len(s) > MaxURIBytes || !strings.HasPrefix(strings.ToLower(s), "https://") {
		return false
	}
	if noQuery && strings.ContainsAny(s, "?#") {
		return false
	}
	_, err := NormalizeHTU(s)
	return err == nil
}

func isHTTPURLString(s string) bool {
	_, err := NormalizeHTU(s)
	return err == nil && !strings.ContainsAny(s, "#")
}

// WellKnownPath is RFC 9728 §3.1: the well-known path inserted between the resource
// identifier's host and its path and/or query (a terminating "/" after the host removed), so
// that "https://api.example.com/mcp" is described at "/.well-known/oauth-protected-resource/mcp"
// and "https://api.example.com/?t=a" at "/.well-known/oauth-protected-resource?t=a".
func WellKnownPath(wellKnown, resource string) string {
	rest := resource
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	i := strings.IndexAny(rest, "/?")
	if i < 0 {
		return wellKnown
	}
	rest = rest[i:]
	if rest == "/" {
		return wellKnown
	}
	if strings.HasPrefix(rest, "/?") {
		rest = rest[1:]
	}
	return strings.TrimSuffix(wellKnown, "/") + rest
}

// Resource is the resource identifier.
func (p *ProtectedResource) Resource() string { return p.resource }

// Document is the JSON metadata document (RFC 9728 §3.2). The caller must not modify it.
func (p *ProtectedResource) Document() []byte { return p.document }

// Paths are the request paths (without query) the document is served at: the §3.1 path
// first, then the configured path when the resource has a path of its own.
func (p *ProtectedResource) Paths() []string { return p.paths }

// Serves reports whether a request path (query ignored) is one of [ProtectedResource.Paths].
func (p *ProtectedResource) Serves(requestPath string) bool {
	if i := strings.IndexByte(requestPath, '?'); i >= 0 {
		requestPath = requestPath[:i]
	}
	for _, q := range p.paths {
		if q == requestPath {
			return true
		}
	}
	return false
}

// MetadataURL is the resource_metadata value (RFC 9728 §5.1): metadata_url when configured,
// else scheme://authority followed by the §3.1 path. The request's scheme and authority are
// the client's: a scheme other than http or https becomes https, and an authority that is not
// a plain host[:port] is replaced by the resource identifier's, so nothing odd is reflected.
func (p *ProtectedResource) MetadataURL(scheme, authority string) string {
	if p.metadataURL != "" {
		return p.metadataURL
	}
	if scheme != "http" && scheme != "https" {
		scheme = "https"
	}
	if !plainAuthority(authority) {
		rest := p.resource[strings.Index(p.resource, "://")+3:]
		if i := strings.IndexAny(rest, "/?#"); i >= 0 {
			rest = rest[:i]
		}
		authority = rest
	}
	return scheme + "://" + authority + p.primary
}

// plainAuthority accepts host[:port] made of letters, digits, "-", ".", "_", "~", ":" and the
// brackets of an IPv6 literal, at most 255 bytes.
func plainAuthority(a string) bool {
	if a == "" || len(a) > 255 {
		return false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if !(isUnreserved(c) || c == ':' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}
