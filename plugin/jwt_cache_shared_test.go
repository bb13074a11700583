package plugin_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// The verified-token records shared between VMs (plugin/tokencache) on both runners. The
// wasm runner sends requests to its VMs in turn; the SDK emulator has one VM, where the
// local JWT cache answers first: every assertion below holds on both, and says what a
// multi-VM host does. verifications(h) is how many signature checks the filter made for
// tokens that then verified: misses of the local caches less the shared hits.

func verifications(h filtertest.Host) uint64 {
	miss, _ := h.Counter("jwt_authn.jwt_cache_miss")
	shared, _ := h.Counter("jwt_authn.jwt_cache_shared_hit")
	return miss - shared
}

func wantVerifications(t *testing.T, h filtertest.Host, want uint64) {
	t.Helper()
	if got := verifications(h); got != want {
		miss, _ := h.Counter("jwt_authn.jwt_cache_miss")
		shared, _ := h.Counter("jwt_authn.jwt_cache_shared_hit")
		t.Fatalf("%d signature checks (misses %d, shared hits %d), want %d", got, miss, shared, want)
	}
}

// Four VMs, requests in turn: each distinct token is verified once for the whole host, and
// every VM adds the token's claim header as if it had verified it.
func TestSharedJwtCacheVerifiesEachTokenOncePerHost(t *testing.T) {
	k := keys(t)
	cfg := `{"providers":{"p":` + localProvider("https://iss.example", jwks(k.RS256, k.ES256),
		`,"claim_to_headers":[{"header_name":"x-sub","claim_name":"sub"}]`) +
		`},"rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"p"}}]}`
	filtertest.Run(t, filtertest.Options{Config: []byte(cfg), VMs: 4}, func(t *testing.T, h filtertest.Host) {
		for n, key := range []interface{ Token(string) string }{k.RS256, k.ES256} {
			tok := key.Token(claims("https://iss.example", fmt.Sprintf(`,"n":%d`, n)))
			for i := 0; i < 8; i++ {
				s := get(h, "/", "authorization", "Bearer "+tok)
				wantPass(t, s)
				wantHeader(t, s, "x-sub", "alice")
			}
			wantVerifications(t, h, uint64(n+1))
		}
		// A forged token is never a hit, in any VM.
		forged := k.RS256.Token(claims("https://iss.example", `,"n":0`))
		forged = forged[:len(forged)-4] + "AAAA"
		for i := 0; i < 4; i++ {
			wantDeny(t, get(h, "/", "authorization", "Bearer "+forged), 401, "Jwt verification fails")
		}
	})
}

// A shared record never outlives the token's exp: the claim checks run on every hit.
func TestSharedJwtCacheHonoursExp(t *testing.T) {
	k := keys(t)
	cfg := oneProvider(t, "")
	filtertest.Run(t, filtertest.Options{Config: []byte(cfg), VMs: 2}, func(t *testing.T, h filtertest.Host) {
		tok := k.ES256.Token(fmt.Sprintf(`{"iss":"https://iss.example","sub":"alice","aud":"api","exp":%d}`, now.Add(30*time.Second).Unix()))
		wantPass(t, get(h, "/", "authorization", "Bearer "+tok))
		h.Advance(91 * time.Second) // exp plus the 60 s skew has passed
		for i := 0; i < 2; i++ {
			wantDeny(t, get(h, "/", "authorization", "Bearer "+tok), 401, "Jwt is expired")
		}
	})
}

// Remote keys: a record names the generation of the keys that verified the token. A VM
// uses it only with those keys; after a refetch that dropped the key, no VM accepts the
// token; after a refetch that kept it, the token is verified once more with the new keys.
func TestSharedJwtCacheFollowsRemoteKeyGenerations(t *testing.T) {
	k := keys(t)
	runRemote(t, `,"cache_duration":"3s"`, 2, func(t *testing.T, h filtertest.Host) {
		tok := k.ES256.Token(claims(remoteIss, ""))
		s := get(h, "/", "authorization", "Bearer "+tok)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256, k.RS256)))
		h.Advance(pollTick)
		wantPass(t, s)
		for i := 0; i < 4; i++ {
			wantPass(t, get(h, "/", "authorization", "Bearer "+tok))
		}
		wantVerifications(t, h, 1)
		// The keys expire; the refetch keeps the key: the token verifies once more.
		h.Advance(4 * time.Second)
		s = get(h, "/", "authorization", "Bearer "+tok)
		wantPaused(t, s)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256)))
		h.Advance(pollTick)
		wantPass(t, s)
		for i := 0; i < 4; i++ {
			wantPass(t, get(h, "/", "authorization", "Bearer "+tok))
		}
		wantCallouts(t, h, 0)
		// The next refetch drops the key: refused in every VM.
		h.Advance(4 * time.Second)
		s = get(h, "/", "authorization", "Bearer "+tok)
		wantPaused(t, s)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.RS256)))
		h.Advance(pollTick)
		wantDeny(t, s, 401, "Jwks doesn't have key to match kid or alg from Jwt")
		for i := 0; i < 4; i++ {
			wantDeny(t, get(h, "/", "authorization", "Bearer "+tok), 401, "Jwks doesn't have key to match kid or alg from Jwt")
		}
	})
}

// x_disable_jwt_cache also keeps the provider's tokens out of the shared records.
func TestSharedJwtCacheOffWithTheJwtCache(t *testing.T) {
	k := keys(t)
	filtertest.Run(t, filtertest.Options{Config: []byte(oneProvider(t, `,"x_disable_jwt_cache":true`)), VMs: 2}, func(t *testing.T, h filtertest.Host) {
		tok := k.ES256.Token(claims("https://iss.example", ""))
		for i := 0; i < 4; i++ {
			wantPass(t, get(h, "/", "authorization", "Bearer "+tok))
		}
		if n, _ := h.Counter("jwt_authn.jwt_cache_shared_hit"); n != 0 {
			t.Fatalf("%d shared hits with the JWT cache off", n)
		}
	})
}
