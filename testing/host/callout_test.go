package host_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// pausedStream starts the probe in "pause" mode and sends one request, which the module holds
// while its callout to cluster jwks is pending.
func pausedStream(t *testing.T, config string, opts host.Options) (*host.Host, *host.Stream, host.Callout) {
	t.Helper()
	opts.VMs = 1
	opts.Clusters = []string{"jwks"}
	h := probe(t, config, opts)
	s := h.NewStream(host.StreamOptions{})
	if a := s.SendRequestHeaders(get("/api"), true); a != host.ActionPause {
		t.Fatalf("request headers: action %d, want Pause while the callout is pending", a)
	}
	cs := h.Callouts()
	if len(cs) != 1 {
		t.Fatalf("%d callouts, want 1", len(cs))
	}
	return h, s, cs[0]
}

// Envoy answers a callout on the root context that dispatched it; the module reads the
// response through map 6 and buffer 4, and continues the stream after setting the effective
// context.
func TestCalloutAnswerDeliveredToRootContext(t *testing.T) {
	cases := []struct {
		name     string
		answer   func(h *host.Host, id uint32) error
		wantLog  string
		wantDeny bool
	}{
		{
			name: "200 continues the request",
			answer: func(h *host.Host, id uint32) error {
				return h.Respond(id, host.CalloutResponse{Headers: [][2]string{{":status", "200"}}, Body: []byte("keys")})
			},
			wantLog: "callout headers=1 body=keys status=200 get_status=0/",
		},
		{
			name:     "a reset arrives with no headers and BrokenConnection",
			answer:   func(h *host.Host, id uint32) error { return h.Fail(id) },
			wantLog:  "callout headers=0 body= status= get_status=11/reset",
			wantDeny: true,
		},
		{
			name: "a timeout arrives as Envoy's 504 response",
			answer: func(h *host.Host, _ uint32) error {
				return h.Advance(5 * time.Second)
			},
			wantLog:  "callout headers=3 body=upstream request timeout status=504 get_status=0/",
			wantDeny: true,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, s, co := pausedStream(t, "pause", host.Options{})
			if co.Cluster != "jwks" || co.Timeout != 5*time.Second {
				t.Fatalf("callout %+v, want cluster jwks with a 5s timeout", co)
			}
			if err := c.answer(h, co.ID); err != nil {
				t.Fatal(err)
			}
			logs := h.Logs(host.LogInfo)
			if !slices.Contains(logs, c.wantLog) {
				t.Fatalf("no log line %q in %v", c.wantLog, logs)
			}
			lr := s.LocalResponse()
			switch {
			case c.wantDeny && (lr == nil || lr.Status != 401):
				t.Fatalf("local response %+v, want 401", lr)
			case !c.wantDeny && (lr != nil || s.Paused()):
				t.Fatalf("stream paused=%v local=%+v, want continued", s.Paused(), lr)
			}
		})
	}
}

// A callout timeout does not fire before its time.
func TestCalloutTimeoutWaitsForItsDeadline(t *testing.T) {
	h, s, _ := pausedStream(t, "pause", host.Options{})
	if err := h.Advance(4999 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if !s.Paused() || len(h.Callouts()) != 1 {
		t.Fatalf("paused=%v callouts=%d one millisecond early, want still pending", s.Paused(), len(h.Callouts()))
	}
	if err := h.Advance(time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if s.Paused() || len(h.Callouts()) != 0 {
		t.Fatalf("paused=%v callouts=%d at the deadline, want answered", s.Paused(), len(h.Callouts()))
	}
}

// Continuing from the root context without proxy_set_effective_context returns OK in Envoy but
// resumes nothing: the stream stays paused. Tests must see that bug, not hide it.
func TestContinueWithoutEffectiveContextLeavesStreamPaused(t *testing.T) {
	h, s, co := pausedStream(t, "pause noeffective", host.Options{})
	if err := h.Respond(co.ID, host.CalloutResponse{Headers: [][2]string{{":status", "200"}}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(h.Logs(host.LogInfo), "continue=0") {
		t.Fatalf("continue status not OK: %v", h.Logs(host.LogInfo))
	}
	if !s.Paused() {
		t.Fatal("stream resumed although the module continued the root context")
	}
}

// The OnCallout hook runs outside every VM lock, so it may answer at once.
func TestCalloutHookMayAnswerSynchronously(t *testing.T) {
	var h *host.Host
	opts := host.Options{OnCallout: func(c host.Callout) {
		if err := h.Respond(c.ID, host.CalloutResponse{Headers: [][2]string{{":status", "200"}}}); err != nil {
			t.Error(err)
		}
	}}
	opts.VMs, opts.Clusters, opts.PluginConfig = 1, []string{"jwks"}, []byte("pause")
	h = start(t, probeModule(t), opts)
	s := h.NewStream(host.StreamOptions{})
	s.SendRequestHeaders(get("/api"), true)
	if s.Paused() || s.LocalResponse() != nil {
		t.Fatalf("paused=%v local=%+v, want the request continued by the hook's answer", s.Paused(), s.LocalResponse())
	}
}

// Wait returns once another goroutine releases the stream, and reports a deadline otherwise.
func TestStreamWaitReturnsWhenReleased(t *testing.T) {
	h, s, co := pausedStream(t, "pause", host.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	err := s.Wait(ctx)
	cancel()
	if err == nil || !strings.Contains(err.Error(), "still paused") {
		t.Fatalf("wait on a paused stream = %v, want a deadline error", err)
	}
	done := make(chan error, 1)
	go func() {
		done <- h.Respond(co.ID, host.CalloutResponse{Headers: [][2]string{{":status", "200"}}})
	}()
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
