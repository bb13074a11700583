// Package oidc reads OpenID Connect discovery documents (OpenID Connect Discovery 1.0) for the
// filter's remote_jwks.x_discovery: where the document of an issuer is, and which JWKS it names.
// It is pure Go (no host calls, no package-level mutable state) and never panics on input.
package oidc

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/tidwall/gjson"
)

// WellKnownPath is what OpenID Connect Discovery 1.0 §4 appends to an issuer.
const WellKnownPath = "/.well-known/openid-configuration"

// Bounds on a discovery document. Real documents are a few KiB (Keycloak's is the largest
// common one, about 7 KiB) and nest two levels (mtls_endpoint_aliases).
const (
	MaxDocumentBytes = 256 << 10
	MaxNesting       = 16
	MaxURILength     = 2048
)

// DiscoveryURL is where the discovery document of issuer is: the issuer with one terminating
// "/" removed, then WellKnownPath (§4: "any terminating / MUST be removed before appending").
// The issuer must be an absolute https URL (http on a loopback host, for local tests) without
// query, fragment or user information (§3 and OpenID Connect Core 1.0 §2, "iss").
func DiscoveryURL(issuer string) (string, error) {
	if _, err := checkURL(issuer, "issuer"); err != nil {
		return "", err
	}
	return strings.TrimSuffix(issuer, "/") + WellKnownPath, nil
}

// Document is what the filter uses of a discovery document.
type Document struct {
	Issuer  string // exactly the provider's issuer (checked)
	JWKSURI string // https, or http on a loopback host
}

// Errors of ParseDocument; each is wrapped with details (never the document itself).
var (
	ErrTooLarge  = errors.New("discovery document is too large")
	ErrNotObject = errors.New("discovery document is not a JSON object")
	ErrNesting   = errors.New("discovery document nests too deeply")
	ErrIssuer    = errors.New("discovery document issuer does not match the provider's issuer")
	ErrJWKSURI   = errors.New("discovery document jwks_uri is not usable")
)

// ParseDocument reads body as the discovery document of wantIssuer. It requires a JSON object
// of at most MaxDocumentBytes and MaxNesting levels whose members "issuer" and "jwks_uri" are
// strings, each present once; issuer must equal wantIssuer exactly, byte for byte (§4.3: no
// normalisation, a trailing "/" matters); jwks_uri must be an absolute https URL, or http on a
// loopback address (127.0.0.0/8, ::1, localhost) so that a local IdP can be used in tests,
// without user information or fragment, at most MaxURILength bytes.
func ParseDocument(body []byte, wantIssuer string) (Document, error) {
	if len(body) > MaxDocumentBytes {
		return Document{}, fmt.Errorf("%w (%d bytes, at most %d)", ErrTooLarge, len(body), MaxDocumentBytes)
	}
	if depth, ok := nesting(body); !ok || !gjson.ValidBytes(body) {
		return Document{}, ErrNotObject
	} else if depth > MaxNesting {
		return Document{}, fmt.Errorf("%w (%d levels, at most %d)", ErrNesting, depth, MaxNesting)
	}
	root := gjson.ParseBytes(body)
	if !root.IsObject() {
		return Document{}, ErrNotObject
	}
	var issuer, jwksURI gjson.Result
	var dup string
	root.ForEach(func(k, v gjson.Result) bool {
		switch k.String() {
		case "issuer":
			if issuer.Exists() {
				dup = "issuer"
			}
			issuer = v
		case "jwks_uri":
			if jwksURI.Exists() {
				dup = "jwks_uri"
			}
			jwksURI = v
		}
		return dup == ""
	})
	if dup != "" {
		return Document{}, fmt.Errorf("discovery document has %q more than once", dup)
	}
	if issuer.Type != gjson.String {
		return Document{}, fmt.Errorf("%w: issuer is missing or not a string", ErrIssuer)
	}
	if issuer.Str != wantIssuer {
		return Document{}, fmt.Errorf("%w: document %s, provider %s", ErrIssuer, quote(issuer.Str), quote(wantIssuer))
	}
	if jwksURI.Type != gjson.String {
		return Document{}, fmt.Errorf("%w: missing or not a string", ErrJWKSURI)
	}
	if _, err := checkURL(jwksURI.Str, "jwks_uri"); err != nil {
		return Document{}, fmt.Errorf("%w: %v", ErrJWKSURI, err)
	}
	return Document{Issuer: issuer.Str, JWKSURI: jwksURI.Str}, nil
}

// checkURL accepts an absolute https URL, or http on a loopback host, without user
// information, query (issuer only) or fragment.
func checkURL(s, what string) (*url.URL, error) {
	if s == "" {
		return nil, fmt.Errorf("%s is empty", what)
	}
	if len(s) > MaxURILength {
		return nil, fmt.Errorf("%s is longer than %d bytes", what, MaxURILength)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return nil, fmt.Errorf("%s %s contains a space, control or non-ASCII byte", what, quote(s))
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%s %s is not an absolute URL", what, quote(s))
	}
	switch {
	case u.User != nil:
		return nil, fmt.Errorf("%s %s carries user information", what, quote(s))
	case u.Fragment != "" || strings.Contains(s, "#"):
		return nil, fmt.Errorf("%s %s has a fragment", what, quote(s))
	case what == "issuer" && (u.RawQuery != "" || u.ForceQuery):
		return nil, fmt.Errorf("%s %s has a query", what, quote(s))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopback(u.Hostname()) {
			return nil, fmt.Errorf("%s %s is http on a host that is not loopback: https is required", what, quote(s))
		}
	default:
		return nil, fmt.Errorf("%s %s: scheme must be https (or http on a loopback host)", what, quote(s))
	}
	return u, nil
}

// IsLoopback reports whether host (without port) is localhost or a loopback IP address. It uses
// net/netip, not net: package net links WASI file-system imports that Envoy 1.33 lacks
// (TestShippedModuleLinksUnderEveryProfile).
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// nesting returns the deepest nesting of objects and arrays in a JSON text, and whether the
// text starts (after white space) with an object. Strings are skipped with their escapes, so
// brackets inside them do not count; validity is left to the JSON parser.
func nesting(b []byte) (int, bool) {
	depth, max, started := 0, 0, false
	inString, escaped := false, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\r', '\n':
		case '"':
			inString = true
		case '{', '[':
			if !started && c != '{' {
				return 0, false
			}
			started = true
			if depth++; depth > max {
				max = depth
			}
		case '}', ']':
			depth--
		default:
			if !started {
				return 0, false
			}
		}
	}
	return max, started
}

// quote renders a value from a document for a log line: ASCII, quoted, at most 256 bytes.
func quote(s string) string {
	const max = 256
	if len(s) > max {
		return fmt.Sprintf("%+q…", s[:max])
	}
	return fmt.Sprintf("%+q", s)
}
