package host_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

func hasLine(lines []string, sub string) bool {
	return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, sub) })
}

func okResponse() [][2]string {
	return [][2]string{{":status", "200"}, {"content-type", "application/json"}}
}

// Without allow_on_headers_stop_iteration, StopIteration from on_response_headers is
// StopAllIterationAndWatermark: the headers and every body chunk wait, and no body callback
// runs, until the module continues the stream (which the probe never does).
func TestResponseHeadersStopIterationWithoutTheSettingStopsTheBody(t *testing.T) {
	h := probe(t, "holdresp", host.Options{VMs: 1})
	s := h.NewStream(host.StreamOptions{})
	s.SendRequestHeaders(get("/"), true)
	if a := s.SendResponseHeaders(okResponse(), false); a != host.ActionPause {
		t.Fatalf("response headers action %d, want Pause", a)
	}
	for _, chunk := range []string{"ab", "cd"} {
		if a := s.SendResponseBody([]byte(chunk), chunk == "cd"); a != host.ActionPause {
			t.Fatalf("body action %d, want Pause", a)
		}
	}
	if hasLine(h.Logs(host.LogInfo), "response_body_size") {
		t.Fatalf("a body callback ran while the headers were stopped: %v", h.Logs(host.LogInfo))
	}
	if s.ResponseHeadersSent() || len(s.ResponseBody()) != 0 || !s.ResponsePaused() {
		t.Fatalf("sent %v body %q paused %v: the response must be held", s.ResponseHeadersSent(), s.ResponseBody(), s.ResponsePaused())
	}
}

// With the setting, the headers wait while the body callbacks run; StopIterationAndBuffer
// accumulates the chunks; at the end the module sees the whole body, may replace it and still
// edit the held headers; Continue sends both.
func TestResponseHeadersStopIterationWithTheSettingBuffersTheBody(t *testing.T) {
	h := probe(t, "holdresp", host.Options{VMs: 1, AllowOnHeadersStopIteration: true})
	s := h.NewStream(host.StreamOptions{})
	s.SendRequestHeaders(get("/"), true)
	if a := s.SendResponseHeaders(okResponse(), false); a != host.ActionPause {
		t.Fatalf("response headers action %d, want Pause", a)
	}
	for i, chunk := range []string{"ab", "cd", "ef"} {
		a := s.SendResponseBody([]byte(chunk), i == 2)
		if want := map[bool]host.Action{true: host.ActionContinue, false: host.ActionPause}[i == 2]; a != want {
			t.Fatalf("chunk %d action %d, want %d", i, a, want)
		}
		if i < 2 && s.ResponseHeadersSent() {
			t.Fatal("headers sent before the body was complete")
		}
	}
	logs := h.Logs(host.LogInfo)
	for _, want := range []string{"response_body_size=2 eos=0", "response_body_size=4 eos=0", "response_body_size=6 eos=1", "response_body=abcdef", "set_body=0", "set_header=0"} {
		if !hasLine(logs, want) {
			t.Errorf("no log line %q in %v", want, logs)
		}
	}
	if got := string(s.ResponseBody()); got != "signed:abcdef" {
		t.Errorf("client body %q", got)
	}
	if v := headerValue(s.ResponseHeaders(), "x-signed"); v != "1" || !s.ResponseHeadersSent() || s.ResponsePaused() {
		t.Errorf("client headers %v sent %v paused %v", s.ResponseHeaders(), s.ResponseHeadersSent(), s.ResponsePaused())
	}
}

// With the setting, a local reply sent while the headers are held replaces the response: the
// client gets it and nothing of the upstream's (FilterManager::sendLocalReply, direct).
func TestLocalReplyWhileResponseHeadersAreHeldReplacesTheResponse(t *testing.T) {
	h := probe(t, "holdresp", host.Options{VMs: 1, AllowOnHeadersStopIteration: true})
	s := h.NewStream(host.StreamOptions{})
	s.SendRequestHeaders(get("/"), true)
	s.SendResponseHeaders(okResponse(), false)
	s.SendResponseBody([]byte(`{"secret":"upstream`), false)
	s.SendResponseBody([]byte(` bad"}`), true)
	lr := s.LocalResponse()
	if lr == nil || lr.Status != 502 || s.Reset() {
		t.Fatalf("local response %+v reset %v, want 502 and no reset", lr, s.Reset())
	}
	if st := headerValue(s.ResponseHeaders(), ":status"); st != "502" || string(s.ResponseBody()) != "bad gateway" {
		t.Fatalf("client got %v %q", s.ResponseHeaders(), s.ResponseBody())
	}
}

// Without the setting the module must let the headers go to see the body; a local reply after
// that can only reset the stream, and the client gets none of the buffered body.
func TestLocalReplyAfterResponseHeadersWereSentResetsTheStream(t *testing.T) {
	for _, body := range []string{"good", "bad"} {
		t.Run(body, func(t *testing.T) {
			h := probe(t, "bufferresp", host.Options{VMs: 1})
			s := h.NewStream(host.StreamOptions{})
			s.SendRequestHeaders(get("/"), true)
			if a := s.SendResponseHeaders(okResponse(), false); a != host.ActionContinue || !s.ResponseHeadersSent() {
				t.Fatalf("headers action %d sent %v", a, s.ResponseHeadersSent())
			}
			s.SendResponseBody([]byte("x-"), false)
			s.SendResponseBody([]byte(body), true)
			logs := h.Logs(host.LogInfo)
			if body == "good" {
				if string(s.ResponseBody()) != "signed:x-good" || s.Reset() {
					t.Fatalf("client body %q reset %v", s.ResponseBody(), s.Reset())
				}
				// The response headers are gone: Envoy has no map to change any more.
				if !hasLine(logs, "set_header=2") || headerValue(s.ResponseHeaders(), "x-signed") != "" {
					t.Fatalf("header change after the headers were sent: %v", logs)
				}
				return
			}
			// The module asked for a 502; the client got the upstream's headers, then a reset.
			if lr := s.LocalResponse(); lr == nil || lr.Status != 502 {
				t.Fatalf("local response %+v", lr)
			}
			if !s.Reset() || len(s.ResponseBody()) != 0 || headerValue(s.ResponseHeaders(), ":status") != "200" {
				t.Fatalf("reset %v headers %v body %q: want the headers sent, then a reset and no body", s.Reset(), s.ResponseHeaders(), s.ResponseBody())
			}
		})
	}
}

func headerValue(h [][2]string, name string) string {
	for _, kv := range h {
		if kv[0] == name {
			return kv[1]
		}
	}
	return ""
}

// A local reply to a HEAD request carries the headers (with the body's length) and no body,
// as Envoy's sendLocalReply sends it.
func TestLocalReplyToHeadHasNoBody(t *testing.T) {
	h := probe(t, "local", host.Options{VMs: 1})
	s := h.NewStream(host.StreamOptions{})
	req := get("/")
	req[0] = [2]string{":method", "HEAD"}
	s.SendRequestHeaders(req, true)
	if lr := s.LocalResponse(); lr == nil || string(lr.Body) != "denied" {
		t.Fatalf("local response %+v", lr)
	}
	if b := s.ResponseBody(); len(b) != 0 || headerValue(s.ResponseHeaders(), "content-length") != "6" {
		t.Fatalf("client got body %q headers %v", b, s.ResponseHeaders())
	}
}
