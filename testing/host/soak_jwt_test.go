package host_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// TestSoakJWTFilter runs the shipped filter with examples/local-jwks through 100k requests
// across 2 VMs, under each profile, with a request mix that exercises every path: the
// documented good token (verified once, then served from the JWT cache), no token (401), and
// one request in ten with a forged signature that is new each time (a full RS256 check in the
// wasm, never cached, plenty of garbage for the GC). Every answer is checked, and linear
// memory must stay flat after warm-up.
func TestSoakJWTFilter(t *testing.T) {
	cfg, err := os.ReadFile("../../examples/local-jwks/config.json")
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Path  string `json:"path"`
		Token string `json:"token"`
	}
	b, err := os.ReadFile("../../examples/local-jwks/example.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ex); err != nil {
		t.Fatal(err)
	}
	dot := strings.LastIndexByte(ex.Token, '.')
	// forged(i) replaces the first four characters of the signature with i in base64url:
	// a distinct, well-formed signature per request that the issuer's key does not verify.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	forged := func(i int) string {
		sig := []byte(ex.Token[dot+1:])
		for k := 0; k < 4; k++ {
			sig[k] = alphabet[(i>>(6*k))&63]
		}
		if string(sig) == ex.Token[dot+1:] {
			sig[0] = alphabet[(strings.IndexByte(alphabet, sig[0])+1)&63]
		}
		return ex.Token[:dot+1] + string(sig)
	}

	n := soakSize(100_000, 10_000)
	for _, p := range host.Profiles() {
		t.Run(string(p), func(t *testing.T) {
			h := start(t, shippedModule(t), host.Options{Profile: p, VMs: 2, PluginConfig: cfg})
			var warm []uint32
			counts := map[string]int{}
			for i := 0; i < n; i++ {
				hd := get(ex.Path)
				want := 200
				switch {
				case i%10 == 9:
					hd = append(hd, [2]string{"authorization", "Bearer " + forged(i)})
					want = 401
				case i%3 == 0:
					want = 401
				default:
					hd = append(hd, [2]string{"authorization", "Bearer " + ex.Token})
				}
				s := h.NewStream(host.StreamOptions{})
				s.SendRequestHeaders(hd, true)
				got := 200
				if lr := s.LocalResponse(); lr != nil {
					got = int(lr.Status)
				}
				s.Done()
				if err := h.Err(); err != nil {
					t.Fatalf("request %d of %d: %v\nmodule stderr: %s", i, n, err, strings.Join(h.Logs(host.LogError), ""))
				}
				if got != want {
					t.Fatalf("request %d: status %d, want %d", i, got, want)
				}
				counts[map[int]string{200: "allowed", 401: "denied"}[got]]++
				if i == n/2 {
					warm = h.MemorySizes()
				}
			}
			end := h.MemorySizes()
			checkMemoryFlat(t, warm, end)
			t.Logf("%d requests over 2 VMs (%v); memory after warm-up %v, at the end %v; poll_oneoff calls %d",
				n, counts, warm, end, h.Calls()["wasi_snapshot_preview1.poll_oneoff"])
		})
	}
}
