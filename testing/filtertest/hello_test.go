package filtertest_test

import (
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// The hello filter adds x-hello: jwt-authn to every response. This smoke test proves the chain
// on both runners: the emulator natively and the compiled module in the Envoy-like host. The
// JWT filter replaces the hello filter; adapt or delete this file then.
func TestHelloHeaderOnBothRunners(t *testing.T) {
	filtertest.Run(t, filtertest.Options{}, func(t *testing.T, h filtertest.Host) {
		s := h.NewStream()
		defer s.Done()
		if a := s.SendRequestHeaders(filtertest.Request("GET", "/"), true); a != filtertest.Continue {
			t.Fatalf("request headers: got action %d, want Continue", a)
		}
		s.SendResponseHeaders(filtertest.Headers{{":status", "200"}}, true)
		if got, ok := s.ResponseHeaders().Get("x-hello"); !ok || got != "jwt-authn" {
			t.Errorf("x-hello = %q (present %v), want %q; response headers %v", got, ok, "jwt-authn", s.ResponseHeaders())
		}
		if lr := s.LocalResponse(); lr != nil {
			t.Errorf("unexpected local response %+v", lr)
		}
	})
}
