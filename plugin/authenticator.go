package plugin

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/metrics"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
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
}

func (c *verifyContext) authenticate(tokens []request.Extracted, m authMode) status.Status {
	st := status.JwtMissed
	var last *provider // Envoy's jwks_data_: the provider of the latest token, for failed status
	if len(tokens) == 0 {
		c.failedStatus(nil, st)
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
	p := m.p
	var entry *cacheEntry
	var tok *verifier.Token
	if p != nil {
		entry = c.cacheLookup(p, e.Token)
	}
	if entry != nil {
		tok = entry.tok
	} else {
		var st status.Status
		if tok, st = c.parse(e.Token); st != status.OK {
			return st, p
		}
	}
	if !e.Loc.Issuers.Allows(tok.Issuer) {
		c.unknownIssuer(tok.Issuer)
		return status.JwtUnknownIssuer, p
	}
	if p == nil {
		if p = c.rt.findByIssuer(tok.Issuer); p == nil {
			c.unknownIssuer(tok.Issuer)
			return status.JwtUnknownIssuer, nil
		}
		entry = c.cacheLookup(p, e.Token)
	}
	if err := tok.ValidateTime(c.now, p.skew, false, 0); err != nil {
		return status.Of(err), p
	}
	aud := p.audiences
	if m.hasAud {
		aud = m.aud
	}
	if !tok.HasAudience(aud) {
		return status.JwtAudienceNotAllowed, p
	}
	// Envoy answers a subject or lifetime refusal as a failed verification.
	if p.subjects != nil && !p.subjects.Match(tok.Subject) {
		return status.JwtVerificationFail, p
	}
	if !p.lifetimeAllowed(tok, c.nowSec) {
		return status.JwtVerificationFail, p
	}
	if entry == nil {
		ks, st := p.keys.Keys(c)
		if st != status.OK {
			return st, p
		}
		if c.rt.budget.exhausted(tok.Alg, c.now) {
			c.count(metrics.FailedVerificationBudgetRefused)
			return status.JwtVerificationFail, p
		}
		err := tok.Verify(ks)
		if errors.Is(err, verifier.ErrUnknownKey) {
			// The IdP may have rotated its keys: the source may refetch (rate limited) or
			// know newer keys.
			if ks, st = p.keys.UnknownKey(c); st != status.OK {
				return st, p
			}
			err = tok.Verify(ks)
		}
		if err != nil {
			if errors.Is(err, verifier.ErrSignature) && c.rt.budget.charge(tok.Alg, c.now) {
				c.logWarn("failed " + string(tok.Alg) + " verifications spent this VM's budget (" + c.rt.budget.maxCost.String() +
					" per " + c.rt.budget.window.String() + ", x_failed_verification_budget): ES384 and ES512 tokens not verified before are refused without a check until the window ends")
			}
			return status.Of(err), p
		}
		entry = p.entryFor(e.Token, tok, func(h *claimHeader) {
			c.count(metrics.ClaimHeaderDropped)
			c.logDebug("provider " + strconv.Quote(p.name) + ": claim " + strconv.Quote(h.claim) + " not set in header " +
				strconv.Quote(h.header) + ": its value holds CR, LF or NUL")
		})
		if cache := c.rt.caches[p.index]; cache != nil {
			cache.insert(entry)
		}
	}
	if p.res.active {
		if st := c.checkResource(p, e, entry); st != status.OK {
			return st, p
		}
	}
	c.accept(p, e, entry)
	return status.OK, p
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

// parse parses a token once per request, however many providers look at it.
func (c *verifyContext) parse(raw string) (*verifier.Token, status.Status) {
	for i := range c.parsed {
		if c.parsed[i].raw == raw {
			return c.parsed[i].tok, c.parsed[i].st
		}
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

// knownWellFormed reports, without parsing, that a token parses: it verified before for one
// of the candidate children's providers (it is in that provider's JWT cache) or was parsed
// already in this request.
func (c *verifyContext) knownWellFormed(raw string, children []requirement, cands []int) bool {
	for i := range c.parsed {
		if c.parsed[i].raw == raw {
			return c.parsed[i].st == status.OK
		}
	}
	for _, m := range cands {
		if pr, ok := children[m].(*providerRequirement); ok {
			if cache := c.rt.caches[pr.p.index]; cache != nil && cache.entries[raw] != nil {
				return true
			}
		}
	}
	return false
}
