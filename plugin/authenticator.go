package plugin

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/authtrace"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/keys"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/metrics"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/tokencache"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// This file is Envoy's authenticator.cc: the life of the tokens one requirement leaf looks
// at. Each token goes through the cheap checks first and the signature last:
//
//	cache lookup -> parse -> issuer allowed at its location -> (allow_* modes: provider by
//	issuer) -> time (nbf, exp, with the provider's skew) -> audiences -> subject ->
//	lifetime -> keys -> signature (an unknown kid: keys again, see Source) -> outputs
//
// Tokens are taken from the last found to the first. Unless the mode allows failures or
// missing tokens, every token must verify: the first failure ends the run with its status
// (a request carrying a good and a bad token must not pass as good). In the allow modes all
// tokens are tried and the status of the last one tried (the first found) decides, then the
// mode's tolerance applies, exactly as Envoy's doneWithStatus.

// authMode says how one leaf verifies.
type authMode struct {
	p            *provider // nil: each token's provider is found by its issuer (allow_* modes)
	aud          []string  // provider_and_audiences override
	hasAud       bool
	allowFailed  bool
	allowMissing bool
	// extractOnly is extract_only_without_validation: a token of this leaf never enters, and
	// is never taken from, any cache (JWT cache, or any later one): every request verifies it
	// afresh. Keep this check explicit in every cache path (plugin/EXTENSIONS.md).
	extractOnly bool
}

func (c *verifyContext) authenticate(tokens []request.Extracted, m authMode) status.Status {
	st := status.JwtMissed
	var last *provider // Envoy's jwks_data_: the provider of the latest token, for failed status
	if len(tokens) == 0 {
		c.failedStatus(nil, st)
		if c.trace != nil {
			c.traceMissing(m.p)
		}
	}
	for i := len(tokens) - 1; i >= 0; i-- {
		var p *provider
		st, p = c.verifyToken(tokens[i], m)
		if st == status.Pending {
			// Envoy verifies the tokens one after the other and waits for each one's keys;
			// the whole run is repeated once they are there.
			return status.Pending
		}
		if p != nil {
			last = p
		}
		if st != status.OK {
			if m.extractOnly {
				c.unverified = true
			}
			c.failedStatus(last, st)
			if !m.allowFailed && !m.allowMissing {
				break
			}
		}
	}
	switch {
	case m.allowFailed:
		return status.OK
	case m.allowMissing && st == status.JwtMissed:
		return status.OK
	}
	return st
}

// failedStatus records failed_status_in_metadata for the provider in charge, or for the only
// provider when none is known yet (Envoy's getSingleProvider).
func (c *verifyContext) failedStatus(p *provider, st status.Status) {
	if c.out == nil {
		return
	}
	if p == nil {
		p = c.rt.single
	}
	if p != nil && p.failedStatusMetadata != "" {
		c.out.setMeta(p.failedStatusMetadata, failedStatusMetadata(st))
	}
}

// verifyToken is Envoy's startVerify, for one token. It returns the provider in charge
// when it is known.
func (c *verifyContext) verifyToken(e request.Extracted, m authMode) (status.Status, *provider) {
	st, p, n := c.checkToken(e, m)
	if c.trace != nil && st != status.Pending {
		c.traceOutcome(e, p, st, n)
	}
	return st, p
}

// checkToken is verifyToken without the trace; the note says more of the outcome for it.
func (c *verifyContext) checkToken(e request.Extracted, m authMode) (st status.Status, p *provider, n tokenNote) {
	p = m.p
	var entry *cacheEntry
	var tok *verifier.Token
	if p != nil && !m.extractOnly {
		entry = c.cacheLookup(p, e.Token)
	}
	if entry != nil {
		tok, n.hit = entry.tok, true
	} else {
		if tok, st = c.parse(e.Token); st != status.OK {
			return st, p, n
		}
	}
	n.tok = tok
	if !e.Loc.Issuers.Allows(tok.Issuer) {
		c.unknownIssuer(tok.Issuer)
		return status.JwtUnknownIssuer, p, n
	}
	if p == nil {
		if p = c.rt.findByIssuer(tok.Issuer); p == nil {
			c.unknownIssuer(tok.Issuer)
			return status.JwtUnknownIssuer, nil, n
		}
		if !m.extractOnly {
			entry = c.cacheLookup(p, e.Token)
			n.hit = entry != nil
		}
	}
	if err := tok.ValidateTime(c.now, p.skew, false, 0); err != nil {
		return status.Of(err), p, n
	}
	aud := p.audiences
	if m.hasAud {
		aud = m.aud
	}
	n.aud = aud
	if !tok.HasAudience(aud) {
		return status.JwtAudienceNotAllowed, p, n
	}
	// Envoy answers a subject or lifetime refusal as a failed verification.
	if p.subjects != nil && !p.subjects.Match(tok.Subject) {
		n.why = authtrace.SubjectNotAllowed
		return status.JwtVerificationFail, p, n
	}
	if !p.lifetimeAllowed(tok, c.nowSec) {
		n.why = authtrace.LifetimeNotAllowed
		return status.JwtVerificationFail, p, n
	}
	if entry != nil {
		// A hit is served only with keys a miss would use now (issue 9 item 3; stricter than
		// Envoy, whose cache hit skips the keys): within cache_duration, else refetched with
		// the usual pause, single flight and last-good rules. A refetch that removed or
		// replaced a key flushed the cache, so the run after the pause misses and verifies.
		cache := c.rt.caches[p.index]
		clears := cache.clears
		if _, st := p.keys.Keys(c); st != status.OK {
			return st, p, n
		}
		if cache.clears != clears {
			entry = nil // the keys just changed and dropped a key: verify again
		}
	}
	if entry == nil {
		ks, st := p.keys.Keys(c)
		if st != status.OK {
			return st, p, n
		}
		// Another VM may have verified this very token with these keys (tokencache). An
		// extract-only token never reads or writes any cache.
		verifiedElsewhere, d := false, (*tokencache.Digest)(nil)
		if !m.extractOnly {
			verifiedElsewhere, d = c.sharedLookup(p, e.Token, tok)
		}
		if !verifiedElsewhere {
			if c.rt.budget.exhausted(tok.Alg, c.now) {
				c.count(metrics.FailedVerificationBudgetRefused)
				n.why = authtrace.Failed // not checked: x_failed_verification_budget spent
				return status.JwtVerificationFail, p, n
			}
			err := tok.Verify(ks)
			if errors.Is(err, verifier.ErrUnknownKey) {
				// The IdP may have rotated its keys: the source may refetch (rate limited) or
				// know newer keys.
				first := ks
				if ks, st = p.keys.UnknownKey(c); st != status.OK {
					if st == status.JwksKidAlgMismatch && c.trace != nil {
						_, remote := p.keys.(*keys.Entry)
						n.keyReason, n.keyDetail = unknownKeyNote(first, tok, remote, c.rerun)
					}
					return st, p, n
				}
				err = tok.Verify(ks)
				if errors.Is(err, verifier.ErrUnknownKey) && c.trace != nil {
					_, remote := p.keys.(*keys.Entry)
					n.keyReason, n.keyDetail = unknownKeyNote(ks, tok, remote, true)
				}
			}
			if err != nil {
				if errors.Is(err, verifier.ErrSignature) && c.rt.budget.charge(tok.Alg, c.now) {
					c.logWarn("failed " + string(tok.Alg) + " verifications spent this VM's budget (" + c.rt.budget.maxCost.String() +
						" per " + c.rt.budget.window.String() + ", x_failed_verification_budget): ES384 and ES512 tokens not verified before are refused without a check until the window ends")
				}
				n.why = authtrace.SignatureInvalid
				if errors.Is(err, verifier.ErrKeyTypeMismatch) {
					n.why = authtrace.KeyTypeMismatch
				}
				return status.Of(err), p, n
			}
			c.sharedStore(p, tok, d)
		}
		entry = p.entryFor(e.Token, tok, func(h *claimHeader) {
			c.count(metrics.ClaimHeaderDropped)
			c.logDebug("provider " + strconv.Quote(p.name) + ": claim " + strconv.Quote(h.claim) + " not set in header " +
				strconv.Quote(h.header) + ": its value holds CR, LF or NUL")
		})
		if cache := c.rt.caches[p.index]; cache != nil && !m.extractOnly {
			cache.insert(entry)
		}
	}
	if p.res.active {
		if st := c.checkResource(p, e, entry); st != status.OK {
			return st, p, n
		}
	}
	c.accept(p, e, entry)
	return status.OK, p, n
}

// unknownIssuer logs, at debug, an issuer that matches no provider only because of letter
// case or a trailing slash, with the closest configured issuer: the token's issuer is what the
// client sent, the token itself is never logged.
func (c *verifyContext) unknownIssuer(iss string) {
	if near := c.rt.nearIssuer(iss); near != "" {
		c.logDebug("the token's issuer " + strconv.Quote(iss) + " matches no provider; the configured issuer " +
			strconv.Quote(near) + " differs only in letter case or a trailing slash")
	}
}

func (c *verifyContext) cacheLookup(p *provider, token string) *cacheEntry {
	cache := c.rt.caches[p.index]
	if cache == nil {
		return nil
	}
	if e := cache.lookup(token, c.nowSec); e != nil {
		c.count(metrics.JwtCacheHit)
		return e
	}
	c.count(metrics.JwtCacheMiss)
	return nil
}

// accept applies a verified token's outputs: its rendered headers and metadata, its claims
// for x_authorize, and the removal of the token from its header or query parameter when the
// provider does not forward it. Tokens in cookies stay (Envoy: forward "has no effect for
// JWTs extracted through from_cookies").
func (c *verifyContext) accept(p *provider, e request.Extracted, entry *cacheEntry) {
	if c.out == nil {
		return
	}
	c.out.ops = append(c.out.ops, entry.ops...)
	c.out.adds += len(entry.ops)
	c.out.addVerified(entry)
	if !p.forward {
		switch e.Loc.Kind {
		case request.LocHeader:
			c.out.ops = append(c.out.ops, headerOp{kind: opRemove, name: e.Loc.Name})
		case request.LocParam:
			c.out.ops = append(c.out.ops, headerOp{kind: opRemoveParam, name: e.Loc.Name})
		}
	}
	for _, me := range entry.meta {
		c.out.setMeta(me.key, me.value)
	}
}

// sharedLookup reports whether the shared records say another VM verified token for p
// with the keys p has now (tokencache). It returns the token's digest when p's tokens may be
// shared (for sharedStore), nil when not: no shared cache, p's JWT cache off, a token too
// long for it, remote keys that have no shared generation, or an HMAC token (its check costs
// about what the digest does).
func (c *verifyContext) sharedLookup(p *provider, token string, tok *verifier.Token) (bool, *tokencache.Digest) {
	sc := c.rt.shared
	cache := c.rt.caches[p.index]
	if sc == nil || cache == nil || len(token) > cache.maxTokenBytes || strings.HasPrefix(string(tok.Alg), "HS") {
		return false, nil
	}
	gen, ok := keyGeneration(p.keys)
	if !ok {
		return false, nil
	}
	d := c.digest(sc, token)
	if r, ok := sc.Lookup(d); ok && r.Provider == p.index && r.Gen == gen {
		c.count(metrics.JwtCacheSharedHit)
		return true, d
	}
	return false, d
}

// sharedStore records that tok verified for p, with the keys p has now.
func (c *verifyContext) sharedStore(p *provider, tok *verifier.Token, d *tokencache.Digest) {
	if d == nil {
		return
	}
	if gen, ok := keyGeneration(p.keys); ok {
		c.rt.shared.Store(d, tokencache.Record{Provider: p.index, Gen: gen, Exp: tok.ExpiresAt, Verified: c.nowSec})
	}
}

// digest is the token's tokencache digest, computed once per request.
func (c *verifyContext) digest(sc *tokencache.Cache, token string) *tokencache.Digest {
	for i := range c.digests {
		if c.digests[i].raw == token {
			return &c.digests[i].d
		}
	}
	c.digests = append(c.digests, tokenDigest{raw: token, d: sc.Sum(token)})
	return &c.digests[len(c.digests)-1].d
}

type tokenDigest struct {
	raw string
	d   tokencache.Digest
}

// keyGeneration is the generation of the keys a source serves now, as the VMs agree on it:
// 0 for local keys (part of the configuration, which the digest covers), the shared
// generation for remote keys; false when remote keys have none (shared data unusable).
func keyGeneration(src keys.Source) (uint64, bool) {
	switch s := src.(type) {
	case keys.Static:
		return 0, true
	case *keys.Entry:
		g := s.Generation()
		return g, g != 0
	}
	return 0, false
}

// parse parses a token once per request, however many providers look at it; a token some
// JWT cache holds is not parsed again.
func (c *verifyContext) parse(raw string) (*verifier.Token, status.Status) {
	for i := range c.parsed {
		if c.parsed[i].raw == raw {
			return c.parsed[i].tok, c.parsed[i].st
		}
	}
	if tok := c.rt.tokens.parsed(raw); tok != nil {
		c.parsed = append(c.parsed, parsedToken{raw: raw, tok: tok, st: status.OK})
		return tok, status.OK
	}
	tok, err := verifier.ParseUnverified(raw, c.rt.tokenLimits)
	st := status.Of(err)
	if st == status.JwtTooLarge {
		// The error names the limit (token, header or payload), never the token.
		c.logDebug("a token exceeds x_token_limits: " + err.Error())
	}
	c.parsed = append(c.parsed, parsedToken{raw: raw, tok: tok, st: st})
	return tok, st
}

// issuerOf reads a token's iss without parsing it fully, for the requires_any index: decode
// the payload segment and find its top-level "iss" string. It only chooses which providers
// to try. For a token that parses, it is the issuer Parse finds (Parse refuses duplicate
// members and a non-string iss); for one that does not, every provider that sees it fails
// with the parse error whichever are chosen. A full parse already done this request is used.
func (c *verifyContext) issuerOf(raw string) (string, bool) {
	for i := range c.parsed {
		if c.parsed[i].raw == raw {
			if c.parsed[i].st != status.OK {
				return "", false
			}
			return c.parsed[i].tok.Issuer, true
		}
	}
	if tok := c.rt.tokens.parsed(raw); tok != nil {
		return tok.Issuer, true
	}
	d1 := strings.IndexByte(raw, '.')
	if d1 < 0 {
		return "", false
	}
	d2 := strings.IndexByte(raw[d1+1:], '.')
	if d2 < 0 || d2 > verifier.DefaultMaxTokenBytes {
		return "", false
	}
	var srcBuf [1024]byte
	var dstBuf [768]byte
	seg := raw[d1+1 : d1+1+d2]
	src, dst := srcBuf[:0], dstBuf[:]
	if len(seg) <= len(srcBuf) {
		src = srcBuf[:copy(srcBuf[:], seg)]
	} else {
		src = []byte(seg)
		dst = make([]byte, base64.RawURLEncoding.DecodedLen(len(seg)))
	}
	n, err := base64.RawURLEncoding.Decode(dst, src)
	if err != nil {
		return "", false
	}
	v := gjson.GetBytes(dst[:n], "iss")
	if v.Type != gjson.String {
		return "", false
	}
	return v.Str, true
}

// knownWellFormed reports, without parsing, that a token parses: a JWT cache holds it (it
// verified before) or it was parsed already in this request.
func (c *verifyContext) knownWellFormed(raw string) bool {
	for i := range c.parsed {
		if c.parsed[i].raw == raw {
			return c.parsed[i].st == status.OK
		}
	}
	return c.rt.tokens.parsed(raw) != nil // some cache holds it: it parsed
}
