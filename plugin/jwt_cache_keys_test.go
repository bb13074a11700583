package plugin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// A JWT cache hit is served only with keys a miss would use (issue 9 item 3; stricter than
// Envoy, whose cache hit skips the keys): never past the provider's cache_duration, and not
// after a refetch that removed or replaced the key that verified the token. Without
// async_fetch, a hit on expired keys waits for the refetch like a miss.

func TestJwtCacheHitRefetchesExpiredKeysAndFollowsARemovedKey(t *testing.T) {
	k := keys(t)
	runRemote(t, `,"cache_duration":"3s"`, 1, func(t *testing.T, h filtertest.Host) {
		tok := k.ES256.Token(claims(remoteIss, ""))
		s := get(h, "/", "authorization", "Bearer "+tok)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256, k.RS256)))
		wantPass(t, s)
		wantPass(t, get(h, "/", "authorization", "Bearer "+tok)) // a hit, keys fresh
		wantCallouts(t, h, 0)
		wantCounter(t, h, "jwt_cache_hit", 1)
		h.Advance(4 * time.Second)
		// Only cached tokens arrive, yet the keys are past cache_duration: the hit waits for
		// the refetch, which no longer has the key.
		s = get(h, "/", "authorization", "Bearer "+tok)
		wantPaused(t, s)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.RS256)))
		wantDeny(t, s, 401, "Jwks doesn't have key to match kid or alg from Jwt")
		wantDeny(t, get(h, "/", "authorization", "Bearer "+tok), 401, "Jwks doesn't have key to match kid or alg from Jwt")
	})
}

func TestJwtCacheHitAfterRefetchThatKeptTheKey(t *testing.T) {
	k := keys(t)
	runRemote(t, `,"cache_duration":"3s"`, 1, func(t *testing.T, h filtertest.Host) {
		tok := k.ES256.Token(claims(remoteIss, ""))
		s := get(h, "/", "authorization", "Bearer "+tok)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256)))
		wantPass(t, s)
		h.Advance(4 * time.Second)
		s = get(h, "/", "authorization", "Bearer "+tok)
		wantPaused(t, s)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256, k.RS256)))
		wantPass(t, s)
		wantPass(t, get(h, "/", "authorization", "Bearer "+tok))
		wantCallouts(t, h, 0)
		wantCounter(t, h, "jwks_fetch_success", 2)
	})
}

// The IdP replaces the key behind a kid (same kid and alg, other key material): the cached
// token, signed by the old key, fails with the new one.
func TestJwtCacheHitAfterRefetchThatReplacedTheKey(t *testing.T) {
	k := keys(t)
	// rsa-2's key material published under rsa-1's kid
	other := &testjwt.TestKey{Alg: "RS256", Kid: k.RS256.Kid, JWK: strings.Replace(k.RS256b.JWK, `"kid":"`+k.RS256b.Kid+`"`, `"kid":"`+k.RS256.Kid+`"`, 1)}
	runRemote(t, `,"cache_duration":"3s"`, 1, func(t *testing.T, h filtertest.Host) {
		tok := k.RS256.Token(claims(remoteIss, ""))
		s := get(h, "/", "authorization", "Bearer "+tok)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.RS256)))
		wantPass(t, s)
		h.Advance(4 * time.Second)
		s = get(h, "/", "authorization", "Bearer "+tok)
		wantPaused(t, s)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(other)))
		wantDeny(t, s, 401, "Jwt verification fails")
	})
}
