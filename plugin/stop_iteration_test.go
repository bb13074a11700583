package plugin_test

import (
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// Envoy's allow_on_headers_stop_iteration, which x_sign asks for, also changes the request
// path: a request paused in its headers callback (waiting for remote keys) now gets body
// callbacks. The filter must hold the body too, or Envoy would send the request on unverified.
func TestStopIterationSettingKeepsAWaitingRequestHeld(t *testing.T) {
	k := keys(t)
	opt := filtertest.Options{Config: []byte(remoteConfig("")), AllowOnHeadersStopIteration: true, VMs: 1}
	filtertest.Run(t, opt, func(t *testing.T, h filtertest.Host) {
		s := h.NewStream()
		defer s.Done()
		s.SendRequestHeaders(filtertest.Request("POST", "/", "authorization", "Bearer "+k.ES256.Token(claims(remoteIss, ""))), false)
		wantPaused(t, s)
		for i, chunk := range []string{"a=1&", "b=2"} {
			if a := s.SendRequestBody([]byte(chunk), i == 1); a != filtertest.Pause {
				t.Fatalf("body chunk %d: action %d while the keys are fetched, want Pause", i, a)
			}
		}
		wantPaused(t, s)
		c := wantCallouts(t, h, 1)[0]
		h.Respond(c.ID, jwksResponse(jwks(k.ES256)))
		wantPass(t, s)
		if s.Paused() {
			t.Fatal("still paused after the keys arrived")
		}
	})
}

// x_allow_on_headers_stop_iteration without Envoy's setting: the held response headers stop
// the body callbacks, so the response stays held (Envoy's timeouts end it); nothing of it
// reaches the client.
func TestSignHoldWithoutEnvoysSettingLeaksNothing(t *testing.T) {
	cfg := signConfig(t, []string{"ES256"}, true, nil, signRule("/login", "k-es256", nil))
	filtertest.Run(t, filtertest.Options{Config: cfg, AllowOnHeadersStopIteration: false}, func(t *testing.T, h filtertest.Host) {
		s := h.NewStream()
		defer s.Done()
		s.SendRequestHeaders(filtertest.Request("POST", "/login"), true)
		if a := s.SendResponseHeaders(filtertest.Headers{{":status", "200"}}, false); a != filtertest.Pause {
			t.Fatalf("response headers action %d, want Pause", a)
		}
		if a := s.SendResponseBody([]byte(`{"access_token":"unsigned"}`), true); a != filtertest.Pause {
			t.Fatalf("body action %d, want Pause", a)
		}
		if s.ResponseHeadersSent() || len(s.ResponseBody()) != 0 || s.Reset() {
			t.Fatalf("sent %v body %q reset %v: want the response held", s.ResponseHeadersSent(), s.ResponseBody(), s.Reset())
		}
	})
}
