package plugin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// The remote JWKS fetch (plugin/keys/fetcher.go) on both runners: the request it sends, what counts
// as a failure, timeouts and retries. The cache around it is tested in jwks_cache_test.go.

const (
	remoteIss     = "https://idp.example"
	remoteCluster = "idp"
	remoteURI     = "https://idp.example:8443/oauth/jwks?v=2"
)

// remoteConfig is provider "r" (issuer remoteIss) with remote_jwks from remoteURI through
// remoteCluster, required on every path; remoteExtra adds members to remote_jwks.
func remoteConfig(remoteExtra string) string {
	return `{"providers":{"r":{"issuer":` + q(remoteIss) + `,"remote_jwks":{"http_uri":{"uri":` + q(remoteURI) +
		`,"cluster":` + q(remoteCluster) + `,"timeout":"5s"}` + remoteExtra + `}}},
	  "rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"r"}}]}`
}

func runRemote(t *testing.T, remoteExtra string, vms int, body func(t *testing.T, h filtertest.Host)) {
	t.Helper()
	filtertest.Run(t, filtertest.Options{Config: []byte(remoteConfig(remoteExtra)), VMs: vms}, body)
}

// bearer sends a request with a token of key k for remoteIss.
func bearer(h filtertest.Host, k interface{ Token(string) string }) filtertest.Stream {
	return get(h, "/", "authorization", "Bearer "+k.Token(claims(remoteIss, "")))
}

// wantCallouts returns the pending callouts, failing unless there are n, all to remoteCluster.
func wantCallouts(t *testing.T, h filtertest.Host, n int) []filtertest.Callout {
	t.Helper()
	cs := h.Callouts()
	if len(cs) != n {
		t.Fatalf("%d pending callouts, want %d", len(cs), n)
	}
	for _, c := range cs {
		if c.Cluster != remoteCluster {
			t.Fatalf("callout to cluster %q, want %q", c.Cluster, remoteCluster)
		}
	}
	return cs
}

func jwksResponse(body string) filtertest.CalloutResponse {
	return filtertest.CalloutResponse{
		Headers: filtertest.Headers{{":status", "200"}, {"content-type", "application/json"}},
		Body:    []byte(body),
	}
}

func statusResponse(code string) filtertest.CalloutResponse {
	return filtertest.CalloutResponse{Headers: filtertest.Headers{{":status", code}}, Body: []byte("error")}
}

func wantPaused(t *testing.T, s filtertest.Stream) {
	t.Helper()
	if lr := s.LocalResponse(); lr != nil {
		t.Fatalf("request answered %d %q, want it paused while the JWKS is fetched", lr.Status, lr.Body)
	}
	if !s.Paused() {
		t.Fatal("request continued, want it paused while the JWKS is fetched")
	}
}

func wantCounter(t *testing.T, h filtertest.Host, name string, want uint64) {
	t.Helper()
	if got, _ := h.Counter("jwt_authn." + name); got != want {
		t.Errorf("%s = %d, want %d", name, got, want)
	}
}

func TestJwksFetchIsAGetThroughTheClusterAndResumesTheRequest(t *testing.T) {
	k := keys(t)
	runRemote(t, "", 0, func(t *testing.T, h filtertest.Host) {
		s := bearer(h, k.ES256)
		wantPaused(t, s)
		c := wantCallouts(t, h, 1)[0]
		for name, want := range map[string]string{":method": "GET", ":path": "/oauth/jwks?v=2",
			":authority": "idp.example:8443", ":scheme": "https", "accept": "application/json"} {
			if got, _ := c.Headers.Get(name); got != want {
				t.Errorf("callout %s = %q, want %q", name, got, want)
			}
		}
		if h.Runner() == "wasm" && c.TimeoutMS != 5000 { // the SDK emulator does not record the timeout
			t.Errorf("callout timeout %d ms, want http_uri.timeout (5000)", c.TimeoutMS)
		}
		h.Respond(c.ID, jwksResponse(jwks(k.RS256, k.ES256)))
		wantPass(t, s)
		if s.Paused() {
			t.Fatal("request still paused after the JWKS arrived")
		}
		wantCounter(t, h, "jwks_fetch_success", 1)
		wantCounter(t, h, "jwks_fetch_failed", 0)
		wantCounter(t, h, "allowed", 1)
	})
}

func TestJwksFetchFailuresAnswerEnvoysFetchFailed(t *testing.T) {
	k := keys(t)
	good := jwks(k.ES256)
	cases := []struct {
		name   string
		extra  string
		answer func(h filtertest.Host, id uint32)
	}{
		{"server error", "", func(h filtertest.Host, id uint32) { h.Respond(id, statusResponse("500")) }},
		{"not found", "", func(h filtertest.Host, id uint32) { h.Respond(id, statusResponse("404")) }},
		{"redirect", "", func(h filtertest.Host, id uint32) { h.Respond(id, statusResponse("302")) }},
		{"reset", "", func(h filtertest.Host, id uint32) { h.Fail(id) }},
		{"empty body", "", func(h filtertest.Host, id uint32) { h.Respond(id, jwksResponse("")) }},
		{"invalid JSON", "", func(h filtertest.Host, id uint32) { h.Respond(id, jwksResponse(`{"keys":[`)) }},
		{"no keys member", "", func(h filtertest.Host, id uint32) { h.Respond(id, jwksResponse(`{"kty":"x"}`)) }},
		{"no usable key", "", func(h filtertest.Host, id uint32) {
			h.Respond(id, jwksResponse(`{"keys":[{"kty":"EC","crv":"P-256","use":"enc","x":"AA","y":"AA"}]}`))
		}},
		{"larger than x_max_jwks_bytes", `,"x_max_jwks_bytes":64`, func(h filtertest.Host, id uint32) { h.Respond(id, jwksResponse(good)) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runRemote(t, tc.extra, 0, func(t *testing.T, h filtertest.Host) {
				s := bearer(h, k.ES256)
				wantPaused(t, s)
				tc.answer(h, wantCallouts(t, h, 1)[0].ID)
				wantDeny(t, s, 401, "Jwks remote fetch is failed")
				wantCounter(t, h, "jwks_fetch_failed", 1)
				wantCounter(t, h, "jwks_fetch_success", 0)
				if logs := strings.Join(h.Logs(filtertest.LogWarn), "\n"); !strings.Contains(logs, "fetching the JWKS "+remoteURI) {
					t.Errorf("no warning names the failed fetch; warnings:\n%s", logs)
				}
			})
		})
	}
}

// A failed fetch is not repeated by every request: for failed_refetch_duration (1 s) requests
// fail at once, on every VM; after it, the next request fetches again.
func TestJwksFetchFailureBacksOffForFailedRefetchDuration(t *testing.T) {
	k := keys(t)
	runRemote(t, "", 0, func(t *testing.T, h filtertest.Host) {
		s := bearer(h, k.ES256)
		h.Respond(wantCallouts(t, h, 1)[0].ID, statusResponse("503"))
		wantDeny(t, s, 401, "Jwks remote fetch is failed")
		wantDeny(t, bearer(h, k.ES256), 401, "Jwks remote fetch is failed")
		wantCallouts(t, h, 0)

		h.Advance(time.Second)
		s = bearer(h, k.ES256)
		wantPaused(t, s)
		h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256)))
		wantPass(t, s)
	})
}

// The wasm host answers a timed-out callout with Envoy's 504 at http_uri.timeout; the SDK
// emulator never times a callout out, and there the filter gives up on its own one second
// later (a safety net against a host that never answers). Both end in Envoy's 401.
func TestJwksFetchTimeoutFailsTheWaitingRequest(t *testing.T) {
	k := keys(t)
	runRemote(t, "", 0, func(t *testing.T, h filtertest.Host) {
		s := bearer(h, k.ES256)
		wantPaused(t, s)
		h.Advance(5 * time.Second)
		if h.Runner() == "wasm" {
			wantDeny(t, s, 401, "Jwks remote fetch is failed")
		} else {
			wantPaused(t, s)
		}
		h.Advance(2 * time.Second)
		wantDeny(t, s, 401, "Jwks remote fetch is failed")
		wantCounter(t, h, "jwks_fetch_failed", 1)
	})
}

func TestJwksFetchRetriesWithBackoff(t *testing.T) {
	k := keys(t)
	retry := `,"retry_policy":{"num_retries":2,"retry_back_off":{"base_interval":"0.1s","max_interval":"0.2s"}}`
	t.Run("succeeds on the last try", func(t *testing.T) {
		runRemote(t, retry, 0, func(t *testing.T, h filtertest.Host) {
			s := bearer(h, k.ES256)
			h.Respond(wantCallouts(t, h, 1)[0].ID, statusResponse("503"))
			wantPaused(t, s)
			wantCallouts(t, h, 0) // waiting out the back-off
			h.Advance(100 * time.Millisecond)
			h.Fail(wantCallouts(t, h, 1)[0].ID) // reset: retried too
			wantPaused(t, s)
			h.Advance(200 * time.Millisecond)
			h.Respond(wantCallouts(t, h, 1)[0].ID, jwksResponse(jwks(k.ES256)))
			wantPass(t, s)
			wantCounter(t, h, "jwks_fetch_success", 1)
			wantCounter(t, h, "jwks_fetch_failed", 0)
		})
	})
	t.Run("gives up after num_retries", func(t *testing.T) {
		runRemote(t, retry, 0, func(t *testing.T, h filtertest.Host) {
			s := bearer(h, k.ES256)
			for try := 0; try < 3; try++ {
				h.Respond(wantCallouts(t, h, 1)[0].ID, statusResponse("502"))
				h.Advance(200 * time.Millisecond)
			}
			wantDeny(t, s, 401, "Jwks remote fetch is failed")
			wantCallouts(t, h, 0)
			wantCounter(t, h, "jwks_fetch_failed", 1)
		})
	})
	t.Run("client errors are not retried", func(t *testing.T) {
		runRemote(t, retry, 0, func(t *testing.T, h filtertest.Host) {
			s := bearer(h, k.ES256)
			h.Respond(wantCallouts(t, h, 1)[0].ID, statusResponse("403"))
			wantDeny(t, s, 401, "Jwks remote fetch is failed")
		})
	})
}

// Envoy refuses proxy_http_call to a cluster it does not know (BadArgument; the wasm host does
// the same, the SDK emulator accepts any name): the fetch fails at once, with a warning that
// names the cluster.
func TestJwksFetchThroughAnUndefinedClusterFailsAtOnce(t *testing.T) {
	k := keys(t)
	h := startHost(t, host.Options{VMs: 1, Clusters: []string{"other"}, PluginConfig: []byte(remoteConfig(""))})
	s := h.NewStream(host.StreamOptions{})
	s.SendRequestHeaders([][2]string(filtertest.Request("GET", "/", "authorization", "Bearer "+k.ES256.Token(claims(remoteIss, "")))), true)
	if lr := s.LocalResponse(); lr == nil || lr.Status != 401 || string(lr.Body) != "Jwks remote fetch is failed" {
		t.Fatalf("reply %+v, want 401 \"Jwks remote fetch is failed\"", lr)
	}
	if logs := strings.Join(h.Logs(host.LogWarn), "\n"); !strings.Contains(logs, `cluster "idp" was refused`) {
		t.Errorf("no warning names the refused cluster; warnings:\n%s", logs)
	}
}
