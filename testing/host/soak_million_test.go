//go:build soak

package host_test

// make soak: the shipped filter through a million requests (JWT_SOAK_REQUESTS to change it)
// across 4 VMs, with every kind of token, every answer checked:
//
//	go test -tags soak -count=1 -run '^TestSoakMillion$' -v ./testing/host/
//
// The build tag keeps it out of `make test` (it takes minutes). Reported: linear memory at
// start, after warm-up and at the end (growth after warm-up must stay under 1 MiB), and how
// many signature checks the host paid for against how many distinct valid tokens it saw.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

func TestSoakMillion(t *testing.T) {
	n := 1_000_000
	if v := os.Getenv("JWT_SOAK_REQUESTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 10_000 {
			t.Fatalf("JWT_SOAK_REQUESTS=%q: want an integer >= 10000", v)
		}
	}
	const vms = 4
	rsaPriv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	localRSA := &soakKey{kid: "local-rsa", rsa: rsaPriv}
	localEC := newECKey(t, "local-ec")

	// The remote provider's keys rotate: epoch e is signed by rot[e], and from the
	// rotation on the IdP publishes rot[e] only.
	var mu sync.Mutex
	rot := []*soakKey{newECKey(t, "rot-0")}
	published := jwks(rot[0])
	fetches := 0

	cfg := fmt.Sprintf(`{
	  "providers": {
	    "local": {"issuer": "https://local.example", "audiences": ["soak"],
	      "local_jwks": {"inline_string": %q}, "jwt_cache_config": {"jwt_cache_size": 2500},
	      "claim_to_headers": [{"header_name": "x-sub", "claim_name": "sub"}]},
	    "rot": {"issuer": "https://rot.example", "audiences": ["soak"],
	      "from_headers": [{"name": "x-rot-token"}],
	      "remote_jwks": {"http_uri": {"uri": "https://rot.example/jwks", "cluster": "idp", "timeout": "5s"},
	        "cache_duration": "600s"}}
	  },
	  "rules": [
	    {"match": {"prefix": "/local"}, "requires": {"provider_name": "local"}},
	    {"match": {"prefix": "/rot"}, "requires": {"provider_name": "rot"}},
	    {"match": {"prefix": "/open"}}
	  ]
	}`, jwks(localRSA, localEC))

	var h *host.Host
	opts := host.Options{VMs: vms, PluginConfig: []byte(cfg), Now: host.DefaultNow, Clusters: []string{"idp"},
		VMID: "jwt-soak",
		OnCallout: func(c host.Callout) {
			mu.Lock()
			body := published
			fetches++
			mu.Unlock()
			if err := h.Respond(c.ID, host.CalloutResponse{
				Headers: [][2]string{{":status", "200"}, {"content-type", "application/json"}},
				Body:    []byte(body)}); err != nil {
				t.Error(err)
			}
		}}
	h = start(t, shippedModule(t), opts)
	startMem := h.MemorySizes()

	now := host.DefaultNow.Unix()
	claims := func(iss, sub string) map[string]any {
		return map[string]any{"iss": iss, "sub": sub, "aud": "soak", "iat": now, "exp": now + 30*86400}
	}
	// A pool of valid tokens, half RS256, half ES256: each is first verified, then cached
	// (jwt_cache_size 2500 per VM holds the pool; fresh tokens take the rest, LRU).
	const pool = 2000
	valid := make([]string, pool)
	for i := range valid {
		k := localRSA
		if i%2 == 1 {
			k = localEC
		}
		valid[i] = k.sign(t, claims("https://local.example", "user-"+strconv.Itoa(i)))
	}
	distinct := map[string]bool{}
	rotTokens := []string{rot[0].sign(t, claims("https://rot.example", "rot-user-0"))}
	const rotateEvery = 100_000

	type kind int
	const (
		kValid      kind = iota
		kFresh           // a valid token never seen before (ES256, signed now)
		kForged          // a valid token with a flipped signature byte: never cached
		kMissing         // no token: 401
		kRotCurrent      // the remote provider's current-epoch token
		kRotOld          // a token of the previous epoch, after every VM saw the new key set
		kOpen            // no rule: pass-through
	)
	counts := map[string]int{}
	names := map[kind]string{kValid: "valid (cached after first)", kFresh: "fresh valid", kForged: "forged", kMissing: "missing",
		kRotCurrent: "rotating key, current", kRotOld: "rotating key, removed", kOpen: "no rule"}
	var warmMem []uint32
	var oldRot string
	seenNewEpoch := 0 // requests of the new epoch sent since the latest rotation
	began := time.Now()
	for i := 0; i < n; i++ {
		if i > 0 && i%rotateEvery == 0 {
			// Rotate: the IdP publishes a new key only; a minute passes, so the unknown
			// kid may trigger a refetch (rate limit 30 s).
			e := len(rot)
			k := newECKey(t, "rot-"+strconv.Itoa(e))
			mu.Lock()
			rot = append(rot, k)
			published = jwks(k)
			mu.Unlock()
			oldRot = rotTokens[len(rotTokens)-1]
			rotTokens = append(rotTokens, k.sign(t, claims("https://rot.example", "rot-user-"+strconv.Itoa(e))))
			if err := h.Advance(time.Minute); err != nil {
				t.Fatal(err)
			}
			seenNewEpoch = 0
		}
		var k kind
		switch r := i % 100; {
		case r < 60:
			k = kValid
		case r < 62:
			k = kFresh
		case r < 64:
			k = kForged
		case r < 74:
			k = kMissing
		case r < 90:
			k = kRotCurrent
		case r < 92:
			k = kRotOld
		default:
			k = kOpen
		}
		if k == kRotOld && (oldRot == "" || seenNewEpoch < vms) {
			k = kRotCurrent // an old token is only expected to fail once every VM met the new key set
		}
		hd := get("/local")
		want := 200
		var tok string
		switch k {
		case kValid:
			tok = valid[(i/7)%pool]
			distinct[tok] = true
		case kFresh:
			tok = localEC.sign(t, claims("https://local.example", "fresh-"+strconv.Itoa(i)))
			distinct[tok] = true
		case kForged:
			good := valid[i%pool]
			sig, _ := b64.DecodeString(good[strings.LastIndexByte(good, '.')+1:])
			sig[i%len(sig)] ^= 1 << (i % 8)
			tok = good[:strings.LastIndexByte(good, '.')+1] + b64.EncodeToString(sig)
			want = 401
		case kMissing:
			want = 401
		case kRotCurrent:
			hd = get("/rot")
			cur := rotTokens[len(rotTokens)-1]
			hd = append(hd, [2]string{"x-rot-token", cur})
			distinct[cur] = true
			seenNewEpoch++
		case kRotOld:
			hd = get("/rot")
			hd = append(hd, [2]string{"x-rot-token", oldRot})
			want = 401
		case kOpen:
			hd = get("/open/" + strconv.Itoa(i%10))
		}
		if tok != "" {
			hd = append(hd, [2]string{"authorization", "Bearer " + tok})
		}
		s := h.NewStream(host.StreamOptions{})
		s.SendRequestHeaders(hd, true)
		if s.Paused() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			err := s.Wait(ctx)
			cancel()
			if err != nil {
				t.Fatalf("request %d (%s): %v", i, names[k], err)
			}
		}
		got := 200
		if lr := s.LocalResponse(); lr != nil {
			got = int(lr.Status)
		} else if k == kValid || k == kFresh {
			// the claim header reached the upstream
			if !hasHeader(s.RequestHeaders(), "x-sub") {
				t.Fatalf("request %d (%s): no x-sub header upstream", i, names[k])
			}
		}
		s.SendResponseHeaders([][2]string{{":status", "200"}, {"content-length", "0"}}, true)
		s.Done()
		if err := h.Err(); err != nil {
			t.Fatalf("request %d of %d: %v", i, n, err)
		}
		if got != want {
			t.Fatalf("request %d (%s, vm %d): status %d, want %d; logs: %v", i, names[k], s.VM(), got, want, lastLines(h.Logs(host.LogDebug), 10))
		}
		counts[names[k]]++
		if i == n/5 {
			warmMem = h.MemorySizes()
		}
	}
	elapsed := time.Since(began)
	endMem := h.MemorySizes()
	hits, _ := h.Counter("jwt_authn.jwt_cache_hit")
	misses, _ := h.Counter("jwt_authn.jwt_cache_miss")
	shared, _ := h.Counter("jwt_authn.jwt_cache_shared_hit")
	failedTokens := counts[names[kForged]] + counts[names[kRotOld]]
	t.Logf("%d requests over %d VMs in %v (%.1f µs/request on the test's clock): %v", n, vms, elapsed.Round(time.Second),
		float64(elapsed.Microseconds())/float64(n), counts)
	t.Logf("linear memory per VM: start %v, after warm-up (request %d) %v, end %v", startMem, n/5, warmMem, endMem)
	verified := int(misses) - int(shared) - failedTokens
	t.Logf("JWT cache: %d hits, %d misses, %d of them answered by another VM's record; valid tokens verified %d times (misses less shared hits less the %d requests with a failing token) for %d distinct valid tokens: %d verifications of a token already verified (by another VM, or evicted); JWKS fetches: %d",
		hits, misses, shared, verified, failedTokens, len(distinct), verified-len(distinct), fetches)
	for vm := range endMem {
		if grew := int64(endMem[vm]) - int64(warmMem[vm]); grew > 1<<20 {
			t.Errorf("vm %d: linear memory grew by %d bytes after warm-up (%d -> %d), target 1 MiB", vm, grew, warmMem[vm], endMem[vm])
		}
	}
}

func hasHeader(hs [][2]string, name string) bool {
	for _, h := range hs {
		if h[0] == name {
			return true
		}
	}
	return false
}

func lastLines(l []string, n int) []string {
	if len(l) > n {
		return l[len(l)-n:]
	}
	return l
}
