package plugin

import (
	"encoding/binary"
	"unsafe"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// jwtCache is Envoy's jwt_cache.cc: per provider, the tokens that verified, most recently
// used first, bounded by jwt_cache_size entries and jwt_max_token_size bytes per token. A
// hit is the very token that verified: entries are found by a hash of the compact token and
// compared with it whole (tokenHash and sameToken below).
//
// A hit skips parsing and the signature; the authenticator still checks issuer, time (with
// the provider's clock skew), audiences, subject and lifetime, as Envoy does. The entry also
// keeps the provider's rendered outputs (payload header, claim headers, metadata), which
// depend only on the token, so a hit costs a map lookup and a few integer compares.
//
// Envoy enables this cache only when jwt_cache_config is present; here it is on by default
// (x_disable_jwt_cache turns it off) because a signature check costs 10 to 50 times more in
// Wasm than natively and the cache is safe: only verified tokens enter it, exp is checked
// again on every hit, and a configuration change builds new, empty caches. A fetched remote
// JWKS that drops a key flushes the caches of its providers (keys.Entry), so a removed key
// does not keep its tokens valid.
//
// One cache lives in each VM (like Envoy's per-worker caches); a VM runs one callback at a
// time, so there is no locking.
type jwtCache struct {
	max           int
	maxTokenBytes int
	entries       map[uint64]*cacheEntry // by tokenHash; a hit is checked with sameToken
	head, tail    *cacheEntry            // head is the most recently used
	index         tokenIndex             // the configuration's index of every cache's tokens; nil: none
	clears        uint64                 // Clear calls so far: a hit held across a key change is stale
}

// tokenIndex maps every token some provider's cache holds to one of its entries, for the
// paths that would otherwise parse a token before they know its provider (allow_missing
// modes, x_require_valid_tokens, the requires_any issuer index): a cached token is never
// parsed again, whatever the path. Only the parsed token is taken from it; whether it
// verified for a provider is still that provider's cache's answer.
type tokenIndex map[uint64]*cacheEntry

// parsed returns the parsed token of a cached token, or nil.
func (x tokenIndex) parsed(token string) *verifier.Token {
	if e := x[hashToken(token)]; e != nil && sameToken(e.token, token) {
		return e.tok
	}
	return nil
}

// The caches are keyed by a 64-bit hash of the token, and a hit is the very token only after
// sameToken compared it whole. Keyed by the token itself, each lookup cost Go's string hash
// and its string comparison, which in wasm compares byte by byte: about 1.3 µs for an
// 800-byte token, against about 0.7 µs here (tokenHash and sameToken read 8 bytes at a
// time). Two cached tokens with one hash cannot both stay: the later replaces the earlier,
// which only costs the earlier a verification. Only verified tokens enter a cache, so a
// client cannot fill a hash's slot with tokens of its choosing; the hash needs no secret.

// hashToken is the caches' hash: tokenHash, or a colliding one in tests.
var hashToken = tokenHash

// tokenHash is a 64-bit hash of token (a multiply-xorshift over 8-byte words).
func tokenHash(token string) uint64 {
	b := unsafe.Slice(unsafe.StringData(token), len(token))
	h := uint64(len(b)) * 0x9e3779b97f4a7c15
	for len(b) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(b)) * 0xbf58476d1ce4e5b9
		h ^= h >> 31
		b = b[8:]
	}
	for _, c := range b {
		h = (h ^ uint64(c)) * 0x94d049bb133111eb
	}
	return h ^ h>>29
}

// sameToken reports whether a and b are the same text, 8 bytes at a time.
func sameToken(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	x := unsafe.Slice(unsafe.StringData(a), len(a))
	y := unsafe.Slice(unsafe.StringData(b), len(b))
	for len(x) >= 8 {
		if binary.LittleEndian.Uint64(x) != binary.LittleEndian.Uint64(y) {
			return false
		}
		x, y = x[8:], y[8:]
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// Envoy's defaults (jwt_cache.cc).
const (
	defaultJwtCacheSize     = 100
	defaultJwtMaxTokenBytes = 4096
	// cacheExpirySkew is the skew Envoy's cache lookup applies (jwt_verify_lib's default):
	// an entry is dropped once now > exp + 60s; the provider's own skew is checked after.
	cacheExpirySkew = 60
)

type cacheEntry struct {
	token      string
	hash       uint64 // hashToken(token), set by insert
	tok        *verifier.Token
	ops        []headerOp  // forward_payload_header and claim headers, in Envoy's order
	meta       []metaEntry // header_in_metadata and payload_in_metadata
	prev, next *cacheEntry

	// authz and authzOK remember the verdict of the last x_authorize policy checked on this
	// token alone (authorize.go): it depends only on the token and the immutable policy, so
	// a cache hit on the same rule skips the claim walk.
	authz   *authorizer
	authzOK bool
}

func newJwtCache(size, maxTokenBytes uint32) *jwtCache {
	c := &jwtCache{max: int(size), maxTokenBytes: int(maxTokenBytes), entries: map[uint64]*cacheEntry{}}
	if c.max == 0 {
		c.max = defaultJwtCacheSize
	}
	if c.maxTokenBytes == 0 {
		c.maxTokenBytes = defaultJwtMaxTokenBytes
	}
	return c
}

// lookup returns the entry for token, or nil. An entry whose exp has passed (beyond the
// default skew) is removed.
func (c *jwtCache) lookup(token string, now int64) *cacheEntry {
	e := c.entries[hashToken(token)]
	if e == nil || !sameToken(e.token, token) {
		return nil
	}
	if exp := e.tok.ExpiresAt; exp > 0 && now > exp && now-exp > cacheExpirySkew {
		c.remove(e)
		return nil
	}
	c.unlink(e)
	c.pushFront(e)
	return e
}

// insert adds a verified token; tokens longer than the size limit are not cached.
func (c *jwtCache) insert(e *cacheEntry) {
	if len(e.token) > c.maxTokenBytes {
		return
	}
	e.hash = hashToken(e.token)
	if old := c.entries[e.hash]; old != nil {
		c.remove(old) // the same token, or one with the same hash: the newer stays
	}
	for len(c.entries) >= c.max && c.tail != nil {
		c.remove(c.tail)
	}
	c.entries[e.hash] = e
	c.pushFront(e)
	if c.index != nil {
		c.index[e.hash] = e
	}
}

// Clear removes every entry (keys.Cache: a key set lost a key).
func (c *jwtCache) Clear() {
	c.clears++
	if c.index != nil {
		for h, e := range c.entries {
			if c.index[h] == e {
				delete(c.index, h)
			}
		}
	}
	clear(c.entries)
	c.head, c.tail = nil, nil
}

func (c *jwtCache) remove(e *cacheEntry) {
	c.unlink(e)
	if c.entries[e.hash] == e {
		delete(c.entries, e.hash)
	}
	if c.index != nil && c.index[e.hash] == e {
		delete(c.index, e.hash)
	}
}

func (c *jwtCache) unlink(e *cacheEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		c.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		c.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

func (c *jwtCache) pushFront(e *cacheEntry) {
	e.next = c.head
	if c.head != nil {
		c.head.prev = e
	}
	c.head = e
	if c.tail == nil {
		c.tail = e
	}
}
