package host_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// A plugin that refuses its configuration does not start, and the error carries what it
// logged: that is what a user sees in Envoy's log.
func TestRejectedConfigurationFailsStartWithModuleLog(t *testing.T) {
	h, err := host.Start(context.Background(), probeModule(t), host.Options{PluginConfig: []byte("reject")})
	if h != nil {
		h.Close()
	}
	if err == nil {
		t.Fatal("start succeeded, want the configuration rejected")
	}
	for _, want := range []string{"proxy_on_configure returned false", "probe: configuration rejected"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("start error %q does not contain %q", err, want)
		}
	}
}

// A panic traps the VM. Envoy then answers this stream and every later one in that VM with
// 503 "wasm_fail_stream" without calling the module again.
func TestPanicFailsVMAndLaterStreamsGet503(t *testing.T) {
	h := probe(t, "panic", host.Options{VMs: 1})
	for i := 0; i < 2; i++ {
		s := h.NewStream(host.StreamOptions{})
		s.SendRequestHeaders(get("/"), true)
		if lr := s.LocalResponse(); lr == nil || lr.Status != 503 || lr.Details != "wasm_fail_stream" {
			t.Fatalf("stream %d: local response %+v, want 503 wasm_fail_stream", i, lr)
		}
		s.Done()
	}
	if n := len(h.Failures()); n != 1 {
		t.Fatalf("%d VM failures, want 1: %v", n, h.Err())
	}
	// The Go runtime writes "panic: " and the value in separate writes to stderr; Envoy logs
	// each write as an error line.
	stderr := strings.Join(h.Logs(host.LogError), "")
	if !strings.Contains(stderr, "panic: probe: deliberate panic") {
		t.Errorf("the Go panic message was not logged from stderr: %v", h.Logs(host.LogError))
	}
}

// proxy_on_tick follows the host clock: the first tick one period after
// proxy_set_tick_period_milliseconds, then one per period, in every VM.
func TestTicksFollowTheClock(t *testing.T) {
	h := probe(t, "tick", host.Options{VMs: 2})
	if err := h.Advance(3500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if n := countLines(h.Logs(host.LogInfo), "tick=3"); n != 2 {
		t.Fatalf("after 3.5s: %d VMs at tick 3, want 2; log %v", n, h.Logs(host.LogInfo))
	}
	if countLines(h.Logs(host.LogInfo), "tick=4") != 0 {
		t.Fatal("a fourth tick fired before 4s")
	}
	if err := h.Advance(500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if n := countLines(h.Logs(host.LogInfo), "tick=4"); n != 2 {
		t.Fatalf("after 4s: %d VMs at tick 4, want 2", n)
	}
}

// A shared queue notifies the VM that registered it last, after the enqueuing call returns
// (cpp-host SharedQueue::enqueue posts proxy_on_queue_ready to that VM's thread).
func TestSharedQueueNotifiesTheLastRegistrant(t *testing.T) {
	h := probe(t, "queue", host.Options{VMs: 2})
	s := h.NewStream(host.StreamOptions{}) // VM 0
	s.SendRequestHeaders(get("/item"), true)
	s.Done()
	var got []host.LogLine
	for _, l := range h.LogLines(host.LogInfo) {
		if strings.HasPrefix(l.Message, "dequeued=") {
			got = append(got, l)
		}
	}
	if len(got) != 1 || got[0].Message != "dequeued=/item status=0" || got[0].VM != 1 {
		t.Fatalf("queue notifications %+v, want one in VM 1 dequeuing /item", got)
	}
}

// Envoy sends a local reply through the encoder filters, this one included: the module's
// proxy_on_response_headers sees its own 403 and may add headers. No upstream response follows.
func TestLocalReplyPassesThroughResponseCallbacks(t *testing.T) {
	h := probe(t, "local", host.Options{VMs: 1})
	s := h.NewStream(host.StreamOptions{})
	if a := s.SendRequestHeaders(get("/"), true); a != host.ActionPause {
		t.Fatalf("action %d after a local reply, want Pause (Envoy stops iteration)", a)
	}
	lr := s.LocalResponse()
	if lr == nil || lr.Status != 403 || string(lr.Body) != "denied" || lr.Details != "probe_denied" {
		t.Fatalf("local response %+v, want 403 denied with details probe_denied", lr)
	}
	want := [][2]string{{":status", "403"}, {"x-reason", "probe"}, {"content-length", "6"}, {"content-type", "text/plain"}, {"x-probe", "seen"}}
	if got := s.ResponseHeaders(); !slices.Equal(got, want) {
		t.Errorf("client response headers %v, want %v", got, want)
	}
	s.SendResponseHeaders([][2]string{{":status", "200"}}, true)
	if n := countLines(h.Logs(host.LogInfo), "response_status=403") + countLines(h.Logs(host.LogInfo), "response_status=200"); n != 1 {
		t.Errorf("on_response_headers ran %d times, want once, for the local reply only", n)
	}
}

// time.Sleep inside a callback: Envoy 1.33 crashes the Go runtime (poll_oneoff ENOSYS), Envoy
// 1.39 spins until real time passes. Under the manual clock time never passes, so the host
// fails the VM instead of hanging the test.
func TestSleepInsideCallbackFailsTheVM(t *testing.T) {
	cases := []struct {
		profile host.Profile
		want    string
	}{
		{host.ProfileEnvoy133, "wasm error: unreachable"},
		{host.ProfileEnvoy139, "waits on a timer inside a callback"},
	}
	for _, c := range cases {
		t.Run(string(c.profile), func(t *testing.T) {
			h := probe(t, "sleep", host.Options{Profile: c.profile, VMs: 1})
			s := h.NewStream(host.StreamOptions{})
			s.SendRequestHeaders(get("/"), true)
			if err := h.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("host error %v, want it to mention %q", err, c.want)
			}
		})
	}
}
