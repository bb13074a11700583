package plugin

import (
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/keys"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// provider is a compiled JwtProvider (Envoy's JwksData): what a token of this provider must
// satisfy, where its keys come from and what a verified token adds to the request. Compile
// builds it; plugin start replaces a remote provider's keys with its Entry
// (Store.bind); after that it is immutable.
type provider struct {
	name      string
	index     int // position in filterConfig.providers and filterConfig.caches
	issuer    string
	audiences []string
	subjects  *request.StringMatcher
	skew      time.Duration

	// Lifetime (Envoy isLifetimeAllowed): require_expiration demands an exp; max_lifetime
	// (which takes precedence) also bounds exp - now, strictly.
	limitLifetime bool
	maxLifetime   time.Duration
	anyLifetime   bool // require_expiration without max_lifetime

	keys keys.Source
	ext  *request.Extractor // this provider's token locations (ProviderVerifier)

	forward          bool
	payloadHeader    string
	padPayloadHeader bool
	claimHeaders     []*claimHeader
	sanitize         []string // the headers this provider sets (Envoy's headers_to_sanitize_)
	// keepRequest are headers of x_claims_to_headers entries with keep_request_value: never
	// sanitized, so the request's own values stay; keepPaths are the entries' JSON paths.
	keepRequest, keepPaths []string
	payloadInMetadata      string
	headerInMetadata       string
	failedStatusMetadata   string
	spaceDelimited         []string

	cacheEnabled  bool
	cacheSize     uint32
	cacheMaxBytes uint32

	res providerResource // x_dpop, x_require_typ, x_mtls_bound (resource.go)
}

// defaultClockSkew is Envoy's when clock_skew_seconds is 0 or unset.
const defaultClockSkew = 60 * time.Second

func (p *provider) lifetimeAllowed(tok *verifier.Token, nowSec int64) bool {
	if !p.limitLifetime {
		return true
	}
	if tok.ExpiresAt == 0 {
		return false
	}
	if p.anyLifetime {
		return true
	}
	remaining := tok.ExpiresAt - nowSec
	if remaining > int64(1<<63-1)/int64(time.Second) {
		return false
	}
	return time.Duration(remaining)*time.Second < p.maxLifetime
}

// entryFor renders what a verified token adds to the request, in Envoy's handleGoodJwt
// order: forward_payload_header, claim headers, then metadata (the header, then the payload).
//
// dropped, when not nil, is told of each claim header not set because its value holds CR,
// LF or NUL.
func (p *provider) entryFor(raw string, tok *verifier.Token, dropped func(*claimHeader)) *cacheEntry {
	e := &cacheEntry{token: raw, tok: tok}
	if p.payloadHeader != "" {
		e.ops = append(e.ops, headerOp{kind: opAdd, name: p.payloadHeader, value: payloadHeaderValue(raw, p.padPayloadHeader)})
	}
	for _, c := range p.claimHeaders {
		v, ok, unsafe := c.valueOrUnsafe(tok.Claims)
		if unsafe && dropped != nil {
			dropped(c)
		}
		if !ok {
			continue
		}
		k := opAdd
		if c.replace {
			k = opSet
		}
		e.ops = append(e.ops, headerOp{kind: k, name: c.header, value: v})
	}
	if p.headerInMetadata != "" {
		e.meta = append(e.meta, metaEntry{key: p.headerInMetadata, value: []byte(compactJSON(tok.Header.Raw))})
	}
	if p.payloadInMetadata != "" {
		e.meta = append(e.meta, metaEntry{key: p.payloadInMetadata, value: payloadMetadata(tok.Claims, p.spaceDelimited)})
	}
	return e
}
