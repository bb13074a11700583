package plugin_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/wasmbuild"
)

// The remote JWKS cache (plugin/keys: cache.go, shared.go) on both runners: single flight,
// caching, expiry, async refresh, keeping the last good keys, unknown-kid refetches, sharing
// between VMs and requests that end while they wait. The wasm runner starts two VMs unless a
// test says otherwise and sends requests to them in turn; the SDK emulator has one VM. Test
// bodies are the same on both: where the wasm runner needs a tick to hand another VM's fetch
// over, the test advances the clock by pollTick, which changes nothing on one VM.

// pollTick is enough clock for a VM waiting on another VM's fetch to see its result.
const pollTick = 50 * time.Millisecond

// fetchOnce answers the first fetch with set, after a request with a token of k.
func fetchOnce(t *testing.T, h filtertest.Host, k interface{ Token(string) string }, set string) {
	t.Helper()
	s := bearer(h, k)
	h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(set))
	wantPass(t, s)
}

func TestJwksSingleFlightReleasesEveryWaitingRequest(t *testing.T) {
	k := keys(t)
	// Providers a and b have the same remote_jwks and share one cache entry; c has the same URI
	// with another cache_duration, so its own entry, which waits for the others' fetch.
	remote := func(extra string) string {
		return `"remote_jwks":{"http_uri":{"uri":"https://idp/jwks","cluster":"idp","timeout":"5s"}` + extra + `}`
	}
	cfg := `{"providers":{
	    "a":{"issuer":"https://a.example",` + remote("") + `},
	    "b":{"issuer":"https://b.example",` + remote("") + `},
	    "c":{"issuer":"https://c.example",` + remote(`,"cache_duration":"60s"`) + `}},
	  "rules":[{"match":{"prefix":"/a"},"requires":{"provider_name":"a"}},{"match":{"prefix":"/b"},"requires":{"provider_name":"b"}},
	           {"match":{"prefix":"/c"},"requires":{"provider_name":"c"}}]}`
	filtertest.Run(t, filtertest.Options{Config: []byte(cfg), VMs: 1}, func(t *testing.T, h filtertest.Host) {
		var streams []filtertest.Stream
		for _, p := range []string{"/a", "/b", "/a", "/c"} {
			s := get(h, p, "authorization", "Bearer "+k.ES256.Token(claims("https:/"+p+".example", "")))
			wantPaused(t, s)
			streams = append(streams, s)
		}
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256)))
		h.Advance(pollTick)
		for i, s := range streams {
			if s.Paused() || s.LocalResponse() != nil {
				t.Errorf("request %d not released by the fetch (paused %v, reply %v)", i, s.Paused(), s.LocalResponse())
			}
		}
		wantCounter(t, h, "jwks_fetch_success", 1)
	})
}

func TestJwksCacheHitNeedsNoCallout(t *testing.T) {
	k := keys(t)
	runRemote(t, "", 0, func(t *testing.T, h filtertest.Host) {
		fetchOnce(t, h, k.ES256, jwks(k.ES256, k.RS256))
		for i := 0; i < 4; i++ { // every VM of the wasm runner
			wantPass(t, bearer(h, k.RS256))
			wantCallouts(t, h, 0)
		}
		h.Advance(9 * time.Minute) // within cache_duration (Envoy's default 600 s)
		wantPass(t, bearer(h, k.ES256))
		wantPass(t, bearer(h, k.RS256))
		wantCallouts(t, h, 0)
		wantCounter(t, h, "jwks_fetch_success", 1)
	})
}

// Two requests on two VMs need the keys at once: only one VM fetches; the other takes the
// result from shared data.
func TestJwksFetchedOnceForAllVMs(t *testing.T) {
	k := keys(t)
	runRemote(t, "", 2, func(t *testing.T, h filtertest.Host) {
		s1, s2 := bearer(h, k.ES256), bearer(h, k.ES256)
		wantPaused(t, s1)
		wantPaused(t, s2)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256)))
		h.Advance(pollTick)
		wantPass(t, s1)
		wantPass(t, s2)
		if s1.Paused() || s2.Paused() {
			t.Fatalf("requests still paused: %v, %v", s1.Paused(), s2.Paused())
		}
		for i := 0; i < 4; i++ {
			wantPass(t, bearer(h, k.ES256))
		}
		wantCallouts(t, h, 0)
		wantCounter(t, h, "jwks_fetch_success", 1)
	})
}

func TestJwksExpiryRefetches(t *testing.T) {
	k := keys(t)
	runRemote(t, `,"cache_duration":"60s"`, 0, func(t *testing.T, h filtertest.Host) {
		fetchOnce(t, h, k.ES256, jwks(k.ES256))
		h.Advance(61 * time.Second)
		s := bearer(h, k.RS256)
		wantPaused(t, s) // without async_fetch, expired keys are refetched before use (Envoy)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256, k.RS256)))
		wantPass(t, s)
		wantCounter(t, h, "jwks_fetch_success", 2)
	})
}

// A key the IdP dropped stops verifying once the new set is fetched, even for a token the
// JWT cache had already verified.
func TestJwksDroppedKeyFlushesTheJwtCache(t *testing.T) {
	k := keys(t)
	runRemote(t, `,"cache_duration":"60s"`, 1, func(t *testing.T, h filtertest.Host) {
		tok := k.ES256.Token(claims(remoteIss, ""))
		s := get(h, "/", "authorization", "Bearer "+tok)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256, k.RS256)))
		wantPass(t, s)
		wantPass(t, get(h, "/", "authorization", "Bearer "+tok)) // a JWT cache hit
		h.Advance(61 * time.Second)
		s = bearer(h, k.RS256) // a new token needs the (expired) keys: refetch
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.RS256)))
		wantPass(t, s)
		// Envoy's JWT cache skips the keys; a dropped key must not keep its tokens valid.
		wantDeny(t, get(h, "/", "authorization", "Bearer "+tok), 401, "Jwks doesn't have key to match kid or alg from Jwt")
	})
}

func TestJwksAsyncFetchRefreshesInTheBackground(t *testing.T) {
	k := keys(t)
	runRemote(t, `,"cache_duration":"60s","async_fetch":{"fast_listener":true}`, 0, func(t *testing.T, h filtertest.Host) {
		h.Advance(time.Second) // the first tick fetches, before any request
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256)))
		h.Advance(pollTick)
		for i := 0; i < 2; i++ {
			wantPass(t, bearer(h, k.ES256))
		}
		wantCallouts(t, h, 0)

		h.Advance(55 * time.Second) // Envoy refetches 5 s before cache_duration ends
		c := wantCallouts(t, h, 1)[0]
		for i := 0; i < 2; i++ { // served with the current keys while the refresh runs
			s := bearer(h, k.ES256)
			wantPass(t, s)
			if s.Paused() {
				t.Fatal("a request waited for a background refresh")
			}
		}
		h.Respond(c.ID, jwksResponse(jwks(k.ES256, k.RS256)))
		h.Advance(pollTick)
		for i := 0; i < 2; i++ {
			wantPass(t, bearer(h, k.RS256))
		}
		wantCallouts(t, h, 0)
		wantCounter(t, h, "jwks_fetch_success", 2)
	})
}

// A failed refresh keeps the last good keys: requests keep passing, a warning is logged, and
// the refresh is retried in the background after failed_refetch_duration.
func TestJwksFailedRefreshKeepsTheLastGoodKeys(t *testing.T) {
	k := keys(t)
	t.Run("async_fetch", func(t *testing.T) {
		runRemote(t, `,"cache_duration":"60s","async_fetch":{"failed_refetch_duration":"2s"}`, 0, func(t *testing.T, h filtertest.Host) {
			fetchOnce(t, h, k.ES256, jwks(k.ES256))
			h.Advance(55 * time.Second)
			h.Respond(wantCallouts(t, h, 1)[0].ID, statusResponse("503"))
			wantPass(t, bearer(h, k.ES256))
			h.Advance(2 * time.Second) // failed_refetch_duration: the refresh is retried
			c := wantCallouts(t, h, 1)[0]
			h.Advance(4 * time.Second) // past cache_duration: the old keys still serve
			for i := 0; i < 2; i++ {
				s := bearer(h, k.ES256)
				wantPass(t, s)
				if s.Paused() {
					t.Fatal("a request waited for a background refresh")
				}
			}
			h.Respond(c.ID, jwksResponse(jwks(k.ES256)))
			wantCounter(t, h, "jwks_fetch_failed", 1)
			wantCounter(t, h, "jwks_fetch_success", 2)
			if logs := strings.Join(h.Logs(filtertest.LogWarn), "\n"); !strings.Contains(logs, "keeping the keys fetched") {
				t.Errorf("no warning says the old keys are kept; warnings:\n%s", logs)
			}
		})
	})
	t.Run("on demand", func(t *testing.T) {
		runRemote(t, `,"cache_duration":"60s"`, 0, func(t *testing.T, h filtertest.Host) {
			fetchOnce(t, h, k.ES256, jwks(k.ES256))
			h.Advance(61 * time.Second)
			s := bearer(h, k.ES256)
			wantPaused(t, s)
			h.Respond(wantCallouts(t, h, 1)[0].ID, statusResponse("500"))
			wantPass(t, s) // the fetch failed: the expired keys are better than a 401
			wantPass(t, bearer(h, k.ES256))
			wantCallouts(t, h, 0)
			h.Advance(time.Second) // failed_refetch_duration: the next request refreshes, without waiting
			s = bearer(h, k.ES256)
			wantPass(t, s)
			h.Advance(pollTick)
			h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256)))
			wantCounter(t, h, "jwks_fetch_success", 2)
		})
	})
}

// An unknown kid refetches once (the IdP may have rotated), at most once per
// x_unknown_kid_refetch_interval (30 s) across all VMs; a kid still unknown afterwards is
// Envoy's 401, and random kids in between do not reach the IdP.
func TestJwksUnknownKidRefetchesRateLimited(t *testing.T) {
	k := keys(t)
	runRemote(t, "", 0, func(t *testing.T, h filtertest.Host) {
		const noKey = "Jwks doesn't have key to match kid or alg from Jwt"
		fetchOnce(t, h, k.ES256, jwks(k.ES256))
		wantDeny(t, bearer(h, k.RS256), 401, noKey) // the keys are seconds old: no refetch yet
		wantCallouts(t, h, 0)

		h.Advance(31 * time.Second)
		s := bearer(h, k.RS256) // the IdP added rsa-1
		wantPaused(t, s)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256, k.RS256)))
		wantPass(t, s)

		for i := 0; i < 4; i++ { // a flood of unknown kids: answered without fetching
			wantDeny(t, bearer(h, k.RS256b), 401, noKey)
		}
		wantCallouts(t, h, 0)

		h.Advance(31 * time.Second)
		s = bearer(h, k.RS256b)
		wantPaused(t, s)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256, k.RS256)))
		wantDeny(t, s, 401, noKey) // still unknown after the refetch
		wantDeny(t, bearer(h, k.RS256b), 401, noKey)
		wantPass(t, bearer(h, k.RS256))
		wantCallouts(t, h, 0)
		wantCounter(t, h, "jwks_fetch_success", 3)
	})
}

func TestJwksUnknownKidRefetchCanBeTurnedOff(t *testing.T) {
	k := keys(t)
	runRemote(t, `,"x_unknown_kid_refetch_interval":"0s"`, 0, func(t *testing.T, h filtertest.Host) {
		fetchOnce(t, h, k.ES256, jwks(k.ES256))
		h.Advance(5 * time.Minute)
		wantDeny(t, bearer(h, k.RS256), 401, "Jwks doesn't have key to match kid or alg from Jwt")
		wantCallouts(t, h, 0)
	})
}

// A request that ends while it waits is never resumed; when the request whose callback
// dispatched the fetch ends, the SDK drops the answer, and the fetch is dispatched again from
// the plugin context for those still waiting.
func TestJwksRequestEndingWhileWaiting(t *testing.T) {
	k := keys(t)
	opt := filtertest.Options{Config: []byte(remoteConfig("")), VMs: 1}
	t.Run("a waiting request ends", func(t *testing.T) {
		filtertest.Run(t, opt, func(t *testing.T, h filtertest.Host) {
			s1, s2 := bearer(h, k.ES256), bearer(h, k.ES256)
			s2.Done()
			h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256)))
			wantPass(t, s1)
			if s2.LocalResponse() != nil {
				t.Error("a request that ended got a reply")
			}
			wantCounter(t, h, "allowed", 1)
		})
	})
	t.Run("the dispatching request ends", func(t *testing.T) {
		filtertest.Run(t, opt, func(t *testing.T, h filtertest.Host) {
			s1, s2 := bearer(h, k.ES256), bearer(h, k.ES256)
			lost := wantCallouts(t, h, 1)[0]
			s1.Done()
			h.Respond(lost.ID, jwksResponse(jwks(k.ES256))) // dropped: its context is gone
			wantPaused(t, s2)
			h.Advance(pollTick)
			h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256)))
			wantPass(t, s2)
			wantCounter(t, h, "allowed", 1)
			wantCounter(t, h, "jwks_fetch_success", 1)
		})
	})
}

// A request whose requirement another provider already satisfies does not wait for keys.
func TestJwksRequiresAnyDoesNotWaitWhenAnotherProviderPasses(t *testing.T) {
	k := keys(t)
	cfg := `{"providers":{
	    "r":{"issuer":` + q(remoteIss) + `,"remote_jwks":{"http_uri":{"uri":"https://idp/jwks","cluster":"idp","timeout":"5s"}}},
	    "l":` + localProvider("https://local.example", jwks(k.RS256), "") + `},
	  "rules":[{"match":{"prefix":"/"},"requires":{"requires_any":{"requirements":[{"provider_name":"r"},{"provider_name":"l"}]}}}]}`
	filtertest.Run(t, filtertest.Options{Config: []byte(cfg)}, func(t *testing.T, h filtertest.Host) {
		local := get(h, "/", "authorization", "Bearer "+k.RS256.Token(claims("https://local.example", "")))
		wantPass(t, local)
		wantCallouts(t, h, 0)
		remote := bearer(h, k.ES256)
		wantPaused(t, remote)
		for _, c := range h.Callouts() {
			h.Respond(c.ID, jwksResponse(jwks(k.ES256)))
		}
		h.Advance(pollTick)
		wantPass(t, remote)
	})
}

// startHost starts the module built from the current source (testing/wasmbuild, as
// filtertest: $JWT_WASM unless stale, else build/jwt-authn.wasm, built when missing or stale)
// in the wazero host directly, for what filtertest does not expose: an Envoy profile, the
// host's call counts, a cluster list. A module that cannot be had fails the test.
func startHost(t testing.TB, opts host.Options) *host.Host {
	t.Helper()
	path, err := wasmbuild.Path()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mod, err := host.Compile(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mod.Close(ctx) })
	h, err := host.Start(ctx, mod, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// Fetches, refetches on expiry and on unknown kids, retries, failures and waits for the other
// VM, over and over, under Envoy 1.33's WASI (poll_oneoff answers ENOSYS, so a Go runtime timer
// would crash the module at its next GC): the VMs never fail, never poll, and no request stays
// paused once its callouts are answered.
func TestJwksFetchCyclesNeverStartTheGoPoller(t *testing.T) {
	k := keys(t)
	cfg := remoteConfig(`,"cache_duration":"2s","retry_policy":{"num_retries":1,"retry_back_off":{"base_interval":"0.05s"}}`)
	h := startHost(t, host.Options{Profile: host.ProfileEnvoy133, VMs: 2, AnyCluster: true, PluginConfig: []byte(cfg)})
	sets := []string{jwks(k.ES256), jwks(k.ES256, k.RS256)}
	n := 2000
	if testing.Short() {
		n = 300
	}
	answers := 0
	pad := strings.Repeat("p", 16<<10)
	for i := 0; i < n; i++ {
		key := k.ES256
		switch {
		case i%13 == 0:
			key = k.RS256b // never in the JWKS
		case i%7 == 0:
			key = k.RS256 // in every other JWKS
		}
		s := h.NewStream(host.StreamOptions{})
		// The padding is garbage the filter copies in with the headers: the Go GC runs every
		// few hundred requests, and a GC is what would poll.
		s.SendRequestHeaders([][2]string(filtertest.Request("GET", "/", "authorization", "Bearer "+key.Token(claims(remoteIss, "")),
			"x-padding", pad)), true)
		for round := 0; round < 6 && s.Paused(); round++ {
			for _, c := range h.Callouts() {
				answers++
				var err error
				if answers%6 < 2 { // two 503s in a row: the try and its retry fail

					err = h.Respond(c.ID, host.CalloutResponse{Headers: [][2]string{{":status", "503"}}})
				} else {
					err = h.Respond(c.ID, host.CalloutResponse{Headers: [][2]string{{":status", "200"}}, Body: []byte(sets[answers%2])})
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if s.Paused() {
				if err := h.Advance(100 * time.Millisecond); err != nil {
					t.Fatal(err)
				}
			}
		}
		if s.Paused() {
			t.Fatalf("request %d still paused after its callouts were answered", i)
		}
		if lr := s.LocalResponse(); lr != nil && lr.Status != 401 {
			t.Fatalf("request %d: %d %q", i, lr.Status, lr.Body)
		}
		s.Done()
		if i%20 == 19 {
			if err := h.Advance(time.Second); err != nil {
				t.Fatal(err)
			}
		}
		if err := h.Err(); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if polls := h.Calls()["wasi_snapshot_preview1.poll_oneoff"]; polls != 0 {
		t.Errorf("poll_oneoff called %d times: something started the Go network poller", polls)
	}
	ok, _ := h.Counter("jwt_authn.jwks_fetch_success")
	failed, _ := h.Counter("jwt_authn.jwks_fetch_failed")
	if ok < uint64(n/80) || failed == 0 { // about one expiry per 40 requests
		t.Errorf("jwks_fetch_success %d, jwks_fetch_failed %d: the soak did not cycle through fetches", ok, failed)
	}
	t.Logf("%d requests, %d callouts answered, %d fetches succeeded, %d failed; linear memory %v",
		n, answers, ok, failed, h.MemorySizes())
}

// BenchmarkWasmRequestKeys is one request through build/jwt-authn.wasm in the wazero host
// with a token whose signature is checked every time (x_disable_jwt_cache), its provider's
// keys inline or fetched (and cached) remotely: the remote cache's cost on the request path.
//
//	go test ./plugin/ -run '^$' -bench WasmRequestKeys -benchmem
func BenchmarkWasmRequestKeys(b *testing.B) {
	k := keys(b)
	tok := k.ES256.Token(claims(remoteIss, ""))
	set := jwks(k.ES256)
	configs := map[string]string{
		"local": `{"providers":{"r":` + localProvider(remoteIss, set, `,"x_disable_jwt_cache":true`) + `},
		  "rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"r"}}]}`,
		"remote": strings.Replace(remoteConfig(""), `"remote_jwks"`, `"x_disable_jwt_cache":true,"remote_jwks"`, 1),
	}
	for _, name := range []string{"local", "remote"} {
		b.Run(name, func(b *testing.B) {
			h := startHost(b, host.Options{VMs: 1, AnyCluster: true, PluginConfig: []byte(configs[name])})
			hdrs := [][2]string(filtertest.Request("GET", "/", "authorization", "Bearer "+tok))
			send := func() *host.Stream {
				s := h.NewStream(host.StreamOptions{})
				s.SendRequestHeaders(hdrs, true)
				return s
			}
			s := send()
			for _, c := range h.Callouts() {
				if err := h.Respond(c.ID, host.CalloutResponse{Headers: [][2]string{{":status", "200"}}, Body: []byte(set)}); err != nil {
					b.Fatal(err)
				}
			}
			s.Done()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s := send()
				if s.Paused() || s.LocalResponse() != nil {
					b.Fatalf("request %d not passed", i)
				}
				s.Done()
			}
		})
	}
}
