package plugin

import (
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/keys"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
)

func TestRemoteKeysApplyEnvoyDefaults(t *testing.T) {
	rt := mustLoad(t, `{"providers":{"r":{"remote_jwks":{"http_uri":{"uri":"https://idp:8443/o/jwks?v=2#frag","cluster":"idp","timeout":"2s"}}}}}`)
	rk, ok := rt.byName["r"].keys.(*keys.Remote)
	if !ok {
		t.Fatalf("keys = %T, want *Remote", rt.byName["r"].keys)
	}
	if rk.Cluster != "idp" || rk.Timeout != 2*time.Second || rk.CacheDuration != 10*time.Minute || rk.FailedRefetch != time.Second ||
		rk.MaxBytes != 256<<10 || rk.KidRefetch != 30*time.Second || rk.Retry != nil {
		t.Errorf("remote source = %+v (defaults: 10m cache, 1s refetch, 256 KiB, 30s kid refetch, no retries)", rk)
	}
	want := [][2]string{{":method", "GET"}, {":path", "/o/jwks?v=2"}, {":authority", "idp:8443"}, {":scheme", "https"}, {"accept", "application/json"}}
	if len(rk.Request) != len(want) {
		t.Fatalf("request = %q, want %q", rk.Request, want)
	}
	for i := range want {
		if rk.Request[i] != want[i] {
			t.Errorf("request[%d] = %q, want %q", i, rk.Request[i], want[i])
		}
	}
	// Unbound (no plugin start), the source fails closed.
	if ks, st := rk.Keys(nil); ks != nil || st != status.JwksFetchFail {
		t.Errorf("unbound keys = %v, %q; want none and %q", ks, st, status.JwksFetchFail)
	}
}

func TestRemoteKeysExtensionsAndRetryPolicy(t *testing.T) {
	rt := mustLoad(t, `{"providers":{"r":{"remote_jwks":{"http_uri":{"uri":"http://idp","cluster":"idp","timeout":"2s"},
	  "x_max_jwks_bytes":1024,"x_unknown_kid_refetch_interval":"0s",
	  "retry_policy":{"num_retries":3,"retry_back_off":{"base_interval":"0.2s"}}}}}}`)
	rk := rt.byName["r"].keys.(*keys.Remote)
	if rk.MaxBytes != 1024 || rk.KidRefetch != 0 {
		t.Errorf("maxBytes %d, kidRefetch %v; want 1024, 0", rk.MaxBytes, rk.KidRefetch)
	}
	if r := rk.Retry; r == nil || r.Retries != 3 || r.Base != 200*time.Millisecond || r.MaxDelay != 2*time.Second {
		t.Errorf("retry = %+v, want 3 retries, base 200ms, max 2s (10 × base)", r)
	}
	if p := rk.Request[1]; p != [2]string{":path", "/"} {
		t.Errorf(":path = %q, want / for a URI without a path", p[1])
	}
	if rt := mustLoad(t, `{"providers":{"r":{"remote_jwks":{"http_uri":{"uri":"http://idp","cluster":"idp","timeout":"2s"},"retry_policy":{}}}}}`); rt.byName["r"].keys.(*keys.Remote).Retry.Retries != 1 {
		t.Error("an empty retry_policy must retry once (Envoy's num_retries default)")
	}
}

func TestRetryBackoffIsJitteredBelowTheExponentialLimit(t *testing.T) {
	p := &keys.RetryPolicy{Retries: 5, Base: 100 * time.Millisecond, MaxDelay: 350 * time.Millisecond}
	for n, limit := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 350 * time.Millisecond, 9: 350 * time.Millisecond} {
		for i := 0; i < 200; i++ {
			if d := p.Backoff(n); d < 0 || d >= limit {
				t.Fatalf("backoff(%d) = %v, want in [0, %v)", n, d, limit)
			}
		}
	}
}

func TestTryTimeoutIsBoundedByTheFetchTimeoutAndNeverZero(t *testing.T) {
	t0 := now0()
	cases := []struct {
		name    string
		r       keys.Remote
		elapsed time.Duration
		want    time.Duration
	}{
		{"first try gets the whole timeout", keys.Remote{Timeout: 5 * time.Second}, 0, 5 * time.Second},
		{"retries get what is left", keys.Remote{Timeout: 5 * time.Second}, 2 * time.Second, 3 * time.Second},
		{"per-try bound is the maximum interval", keys.Remote{Timeout: 5 * time.Second, Retry: &keys.RetryPolicy{MaxDelay: time.Second}}, 0, time.Second},
		{"no timeout is capped at a minute", keys.Remote{}, 0, time.Minute},
		{"never zero", keys.Remote{Timeout: time.Second}, 3 * time.Second, time.Millisecond},
	}
	for _, c := range cases {
		if got := c.r.TryTimeout(t0, t0.Add(c.elapsed)); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if keys.Millis(1500*time.Microsecond) != 2 || keys.Millis(0) != 0 {
		t.Error("millis must round up")
	}
}
