package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/signer"
)

// This file reads the signing extensions (EXTENSIONS.md, Signing): x_signing_keys and
// x_jwks_endpoint at the top level, x_sign and x_backend_token on a rule. plugin/signing.go
// compiles them: it loads the keys and checks that every kid names one.

// RawSigningKeys is x_signing_keys: a JWKS with private members, from a DataSource like a
// provider's local_jwks.
type RawSigningKeys struct {
	Local *RawLocalJwks
}

// RawJWKSEndpoint is x_jwks_endpoint.
type RawJWKSEndpoint struct {
	Path string
}

// RawSign is a rule's x_sign.
type RawSign struct {
	Path         string
	KeysToSign   []string
	Kid          string
	Full         bool
	MaxBodyBytes uint32
}

// RawBackendToken is a rule's x_backend_token.
type RawBackendToken struct {
	Path     string
	Kid      string
	Header   string
	Issuer   string
	Audience string
	TTL      time.Duration
	Claims   []string
}

// Bounds of the signing extensions.
const (
	DefaultSignMaxBodyBytes = 1 << 20
	// MaxSignMaxBodyBytes bounds what one response may make a VM buffer.
	MaxSignMaxBodyBytes = 16 << 20
	maxKeysToSign       = 16
	maxBackendClaims    = 32
	MinBackendTTL       = 2 * time.Second
	MaxBackendTTL       = 24 * time.Hour
)

var (
	signingKeysFields  = []string{"local_jwks"}
	signingLocalFields = []string{"filename", "inline_bytes", "inline_string", "environment_variable"}
	signFields         = []string{"keys_to_sign", "kid", "full", "max_body_bytes"}
	backendTokenFields = []string{"kid", "header", "issuer", "audience", "ttl", "claims"}
)

// parseSigningKeys reads x_signing_keys; nil when absent.
func parseSigningKeys(top *object, probs *Problems) *RawSigningKeys {
	o := top.obj("x_signing_keys", signingKeysFields...)
	if o == nil {
		return nil
	}
	l := o.obj("local_jwks", signingLocalFields...)
	if l == nil {
		probs.Add(o.at("local_jwks"), "missing: the signing keys, as a JWKS with private members")
		return &RawSigningKeys{}
	}
	return &RawSigningKeys{Local: parseLocalJwks(l, probs)}
}

// parseJWKSEndpoint reads x_jwks_endpoint; nil when absent.
func parseJWKSEndpoint(top *object, probs *Problems) *RawJWKSEndpoint {
	o := top.obj("x_jwks_endpoint", "path")
	if o == nil {
		return nil
	}
	e := &RawJWKSEndpoint{Path: o.str("path")}
	switch {
	case !o.has("path"):
		probs.Add(o.at("path"), "missing")
	case !strings.HasPrefix(e.Path, "/") || strings.ContainsAny(e.Path, "?#\x00\r\n "):
		probs.Add(o.at("path"), "must start with / and contain no query, fragment, space or control character")
	}
	return e
}

// parseSign reads a rule's x_sign; nil when absent.
func parseSign(rule *object, probs *Problems) *RawSign {
	o := rule.obj("x_sign", signFields...)
	if o == nil {
		return nil
	}
	s := &RawSign{Path: o.path, Kid: o.str("kid"), Full: o.boolean("full"), MaxBodyBytes: DefaultSignMaxBodyBytes}
	s.KeysToSign = nameList(o, "keys_to_sign", maxKeysToSign, probs)
	if len(s.KeysToSign) == 0 && o.has("keys_to_sign") {
		probs.Add(o.at("keys_to_sign"), "must list at least one member name")
	} else if !o.has("keys_to_sign") {
		probs.Add(o.at("keys_to_sign"), "missing")
	}
	if s.Kid == "" {
		probs.Add(o.at("kid"), "missing: the kid of a key in x_signing_keys")
	}
	if o.has("max_body_bytes") {
		n := o.uint32Field("max_body_bytes")
		if n == 0 || n > MaxSignMaxBodyBytes {
			probs.Add(o.at("max_body_bytes"), "must be between 1 and "+strconv.Itoa(MaxSignMaxBodyBytes))
		} else {
			s.MaxBodyBytes = n
		}
	}
	return s
}

// parseBackendToken reads a rule's x_backend_token; nil when absent.
func parseBackendToken(rule *object, probs *Problems) *RawBackendToken {
	o := rule.obj("x_backend_token", backendTokenFields...)
	if o == nil {
		return nil
	}
	b := &RawBackendToken{Path: o.path, Kid: o.str("kid"), Header: o.str("header"), Issuer: o.str("issuer"), Audience: o.str("audience")}
	for _, f := range []string{"kid", "header", "issuer", "audience"} {
		if o.str(f) == "" {
			probs.Add(o.at(f), "missing")
		}
	}
	if b.Header != "" && !validHeaderName(b.Header) {
		probs.Add(o.at("header"), "must be a lower-case header name (letters, digits, - and _), not a pseudo-header")
	}
	switch strings.ToLower(b.Header) {
	case "authorization", "host", "content-length", "cookie", "te", "connection", "transfer-encoding", "upgrade":
		probs.Add(o.at("header"), "must not be a header the proxy or the client's credentials use")
	}
	checkHeaderValue(o, "issuer", probs)
	checkHeaderValue(o, "audience", probs)
	if ttl, ok := o.duration("ttl"); !o.has("ttl") {
		probs.Add(o.at("ttl"), "missing")
	} else if ok {
		if ttl < MinBackendTTL || ttl > MaxBackendTTL || ttl%time.Second != 0 {
			probs.Add(o.at("ttl"), "must be whole seconds between 2s and 86400s")
		}
		b.TTL = ttl
	}
	b.Claims = nameList(o, "claims", maxBackendClaims, probs)
	for i, c := range b.Claims {
		if signer.IsRegisteredClaim(c) {
			probs.Add(indexPath(o.at("claims"), i), strconv.Quote(c)+" is set by the filter itself (iss, aud, iat, nbf, exp, jti)")
		}
	}
	return b
}

// nameList reads an array of distinct non-empty strings of at most max entries.
func nameList(o *object, field string, max int, probs *Problems) []string {
	vals := o.array(field)
	if len(vals) > max {
		probs.Add(o.at(field), "must list at most "+strconv.Itoa(max)+" names")
		return nil
	}
	var out []string
	for i, v := range vals {
		p := indexPath(o.at(field), i)
		if v.Type != gjson.String || v.Str == "" {
			probs.Add(p, "must be a non-empty string")
			continue
		}
		for _, seen := range out {
			if seen == v.Str {
				probs.Add(p, "duplicate "+strconv.Quote(v.Str))
			}
		}
		out = append(out, v.Str)
	}
	return out
}

// validHeaderName accepts what the filter may set as a request header.
func validHeaderName(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return h != ""
}
