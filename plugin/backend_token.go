package plugin

import (
	"crypto/sha256"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/signer"
)

// x_backend_token: after a rule's requirement passed with a verified token, the upstream
// request carries a fresh token signed by the gateway (agentgateway's jwtSign). Signing costs
// milliseconds in Wasm for RSA (BENCHMARKS.md), so a token minted for one verified token is
// reused for that token and rule until half its lifetime has passed: every reused token is
// valid for at least ttl/2 more.

// defaultBackendTokenCacheSize bounds the reuse cache per VM.
const defaultBackendTokenCacheSize = 256

type backendKey struct {
	rule int
	sum  [sha256.Size]byte // of the verified token: the cache keeps no token text
}

type backendEntry struct {
	jws    string
	minted time.Time
}

// backendTokenCache is one VM's minted tokens. When it is full, expired entries go first, then
// an arbitrary one: a bounded map is all reuse needs.
type backendTokenCache struct {
	max     int
	entries map[backendKey]backendEntry
}

func newBackendTokenCache(max int) *backendTokenCache {
	return &backendTokenCache{max: max, entries: make(map[backendKey]backendEntry, max)}
}

// mintBackendToken returns the backend token for payload (the verified token's payload) and
// the verified token's text, minting one when none is reusable at now.
func (s *signing) mintBackendToken(r *backendTokenRule, token string, payload []byte, now time.Time) (string, error) {
	key := backendKey{rule: r.id, sum: sha256.Sum256([]byte(token))}
	c := s.tokens
	if e, ok := c.entries[key]; ok && !now.Before(e.minted) && now.Sub(e.minted) < r.claims.TTL/2 {
		return e.jws, nil
	}
	jti, err := signer.NewJTI(s.random)
	if err != nil {
		return "", err
	}
	jws, err := r.key.SignCompact(r.claims.Payload(now, jti, string(payload)), s.random)
	if err != nil {
		return "", err
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		c.evict(now, r.claims.TTL)
	}
	c.entries[key] = backendEntry{jws: jws, minted: now}
	return jws, nil
}

// evict makes room for one entry: every entry older than ttl/2 of the rule minting now (the
// reuse window of the longest-lived rule cannot be known cheaply, so stale ones of any rule
// go), else one arbitrary entry.
func (c *backendTokenCache) evict(now time.Time, ttl time.Duration) {
	for k, e := range c.entries {
		if now.Sub(e.minted) >= ttl/2 {
			delete(c.entries, k)
		}
	}
	if len(c.entries) < c.max {
		return
	}
	for k := range c.entries {
		delete(c.entries, k)
		return
	}
}

// backendToken is the header operation that hands the upstream its token for the verified
// token e; false when minting failed (the request is then refused: fail closed).
func (f *httpContext) backendToken(e *cacheEntry, now time.Time) (headerOp, bool) {
	r := f.rule.backend
	jws, err := f.rt.signing.mintBackendToken(r, e.token, e.tok.Payload, now)
	if err != nil {
		f.rt.signing.warnOnce(failBackendToken, proxywasm.LogWarn)
		return headerOp{}, false
	}
	return headerOp{kind: opSet, name: r.header, value: jws}, true
}
