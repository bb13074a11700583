package host_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// memoryGrowthBound is how much a VM's linear memory may grow between the end of warm-up and
// the end of a soak: less than one Go heap arena on wasm (4 MiB), so a module whose heap keeps
// growing fails, while one at its steady state passes.
const memoryGrowthBound = 2 << 20

// soakSize is the number of requests of a soak: the full size normally (the 100k for
// the shipped module; it takes seconds, even under the race detector), short with -short.
func soakSize(full, short int) int {
	if testing.Short() {
		return short
	}
	return full
}

type soakResult struct {
	warm, end []uint32
}

// soak sends n requests through h, spread over its VMs, answering any callout with a failure so
// that no stream stays paused. It fails the test at the first VM failure, and when linear memory
// grows after the first warmup requests.
func soak(t *testing.T, h *host.Host, n, warmup int) soakResult {
	t.Helper()
	var r soakResult
	warmAt := warmup
	for i := 0; i < n; i++ {
		s := h.NewStream(host.StreamOptions{})
		s.SendRequestHeaders(append(get("/soak/"+strconv.Itoa(i%97)), [2]string{"user-agent", "soak"}), true)
		for _, c := range h.Callouts() {
			if err := h.Fail(c.ID); err != nil {
				t.Fatal(err)
			}
		}
		s.SendResponseHeaders([][2]string{{":status", "200"}, {"content-length", "0"}}, true)
		s.Done()
		if err := h.Err(); err != nil {
			t.Fatalf("request %d of %d: %v\nmodule stderr: %s", i, n, err, strings.Join(h.Logs(host.LogError), ""))
		}
		if i == warmAt {
			r.warm = h.MemorySizes()
		}
	}
	r.end = h.MemorySizes()
	checkMemoryFlat(t, r.warm, r.end)
	return r
}

// checkMemoryFlat fails the test for each VM whose linear memory grew by more than
// memoryGrowthBound between warm and end.
func checkMemoryFlat(t *testing.T, warm, end []uint32) {
	t.Helper()
	for vm := range end {
		if grew := int64(end[vm]) - int64(warm[vm]); grew > memoryGrowthBound {
			t.Errorf("vm %d: linear memory grew by %d bytes after warm-up (%d -> %d), bound %d", vm, grew, warm[vm], end[vm], memoryGrowthBound)
		}
	}
}

// The shipped module through 100k requests across 2 VMs, under each profile: no VM failure, no
// call Envoy would refuse (a refused call fails the VM), linear memory flat after warm-up.
func TestSoakShippedModule(t *testing.T) {
	mod := shippedModule(t)
	n := soakSize(100_000, 10_000)
	for _, p := range host.Profiles() {
		t.Run(string(p), func(t *testing.T) {
			if err := mod.CheckImports(p); err != nil {
				t.Fatalf("the module does not link under %s: %v", p, err)
			}
			h := start(t, mod, host.Options{Profile: p, VMs: 2})
			r := soak(t, h, n, n/2) // a Go heap takes tens of thousands of requests to settle
			t.Logf("%d requests over %d VMs; linear memory after warm-up %v, at the end %v; poll_oneoff calls %d",
				n, h.VMs(), r.warm, r.end, h.Calls()["wasi_snapshot_preview1.poll_oneoff"])
		})
	}
}

// A module that turns over 64 KiB per request runs the Go GC every few dozen requests. Under
// both profiles it survives and never polls the network poller: with Envoy's fd_fdstat_get
// stub stdio is not registered with the poller, and nothing else starts it. So a module that
// starts no timer survives Envoy 1.33's ENOSYS poll_oneoff.
func TestSoakGarbageCollectingModuleNeverPolls(t *testing.T) {
	n := soakSize(20_000, 5_000)
	for _, p := range host.Profiles() {
		t.Run(string(p), func(t *testing.T) {
			h := probe(t, "gc", host.Options{Profile: p, VMs: 2})
			r := soak(t, h, n, 2_000) // the heap settles within 2000 requests
			calls := h.Calls()
			if polls := calls["wasi_snapshot_preview1.poll_oneoff"]; polls != 0 {
				t.Errorf("poll_oneoff called %d times: the Go network poller was started", polls)
			}
			t.Logf("%d requests (%d MiB of garbage); memory %v -> %v; clock_time_get calls %d",
				n, n/16, r.warm, r.end, calls["wasi_snapshot_preview1.clock_time_get"])
		})
	}
}

// Once something starts a Go runtime timer (here time.AfterFunc), the network poller is
// initialised and every GC polls it. Envoy 1.33's poll_oneoff returns ENOSYS and the Go runtime
// throws "poll_oneoff failed" (golang/go#78513); Envoy 1.39's reports no events and the module
// lives on.
func TestRuntimeTimerMakesGCPollAndEnvoy133Crash(t *testing.T) {
	const n = 2000 // the first GC comes after about 60 requests
	cases := []struct {
		profile   host.Profile
		wantCrash bool
	}{
		{host.ProfileEnvoy133, true},
		{host.ProfileEnvoy139, false},
	}
	for _, c := range cases {
		t.Run(string(c.profile), func(t *testing.T) {
			h := probe(t, "gc timer", host.Options{Profile: c.profile, VMs: 1})
			crashedAt := -1
			for i := 0; i < n && crashedAt < 0; i++ {
				s := h.NewStream(host.StreamOptions{})
				s.SendRequestHeaders(get("/"), true)
				s.Done()
				if h.Err() != nil {
					crashedAt = i
				}
			}
			stderr := strings.Join(h.Logs(host.LogError), "")
			switch {
			case c.wantCrash && crashedAt < 0:
				t.Fatalf("survived %d requests; want the Go runtime to throw at a GC", n)
			case c.wantCrash && !strings.Contains(stderr, "poll_oneoff failed"):
				t.Fatalf("VM failed at request %d but not with poll_oneoff failed: %v\n%s", crashedAt, h.Err(), stderr)
			case !c.wantCrash && crashedAt >= 0:
				t.Fatalf("VM failed at request %d: %v\n%s", crashedAt, h.Err(), stderr)
			case !c.wantCrash && h.Calls()["wasi_snapshot_preview1.poll_oneoff"] == 0:
				t.Fatal("poll_oneoff never called: the timer did not start the network poller")
			}
			if c.wantCrash {
				t.Logf("crashed at request %d as Envoy 1.33 would", crashedAt)
			}
		})
	}
}
