package filtertest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin"
)

// Native is the runner on the SDK's emulator, in this process.
//
// Limits of the emulator, which the wasm runner does not share: one VM; one started plugin
// per process at a time (the emulator is global: a second Start waits for Close); callout IDs
// are reused once answered, so answer concurrent callouts newest first.
//
// The response side follows Envoy in this runner, around the emulator: without
// Options.AllowOnHeadersStopIteration, body chunks that arrive while the response headers are
// paused are held back and never reach the module (the plugin never resumes a response); the
// client's view (ResponseHeaders, ResponseBody) is captured when the headers and body are let
// go; a local reply sent after that is a reset. What the emulator cannot do: refuse a header
// change after the headers were let go (Envoy answers BadArgument), so such a change shows in
// no assertion here rather than failing; the wasm runner checks it.
func Native() Runner { return nativeRunner{} }

type nativeRunner struct{}

func (nativeRunner) Name() string { return "go" }

func (nativeRunner) Start(t testing.TB, opt Options) (Host, error) {
	h := &nativeHost{now: opt.Now, sent: map[uint32]time.Time{}, answered: map[calloutKey]bool{},
		allowStop: opt.AllowOnHeadersStopIteration}
	if h.now.IsZero() {
		h.now = DefaultNow
	}
	for name, value := range opt.Env {
		t.Setenv(name, value)
	}
	vm := plugin.NewVMContext(plugin.WithClock(func() time.Time { return h.now }))
	h.emu, h.reset = proxytest.NewHostEmulator(proxytest.NewEmulatorOption().
		WithVMContext(vm).WithPluginConfiguration(opt.Config))
	h.lastTick = h.now
	if !h.emu.StartVM() {
		defer h.Close()
		return nil, fmt.Errorf("vm start failed: %s", strings.Join(h.Logs(LogError), "; "))
	}
	if !h.emu.StartPlugin() {
		defer h.Close()
		return nil, fmt.Errorf("plugin start failed: %s", strings.Join(h.Logs(LogError), "; "))
	}
	return h, nil
}

type calloutKey struct {
	context uint32
	index   int
}

type nativeHost struct {
	emu      proxytest.HostEmulator
	reset    func()
	now      time.Time
	lastTick time.Time
	streams  []uint32
	// sent records when each callout (by context and position) was seen first, for timeouts.
	sent     map[uint32]time.Time
	answered map[calloutKey]bool
	closed   bool
	// allowStop is Options.AllowOnHeadersStopIteration.
	allowStop bool
}

func (h *nativeHost) Runner() string { return nativeRunner{}.Name() }

func (h *nativeHost) Now() time.Time { return h.now }

func (h *nativeHost) Advance(d time.Duration) {
	h.now = h.now.Add(d)
	for _, c := range h.Callouts() {
		if c.TimeoutMS > 0 && !h.now.Before(h.sent[c.ID].Add(time.Duration(c.TimeoutMS)*time.Millisecond)) {
			h.Fail(c.ID)
		}
	}
	period := time.Duration(h.emu.GetTickPeriod()) * time.Millisecond
	if period <= 0 {
		h.lastTick = h.now
		return
	}
	for !h.lastTick.Add(period).After(h.now) {
		h.lastTick = h.lastTick.Add(period)
		h.emu.Tick()
	}
}

func (h *nativeHost) NewStream() Stream {
	id := h.emu.InitializeHttpContext()
	h.streams = append(h.streams, id)
	return &nativeStream{h: h, id: id}
}

// contexts lists every context that may have dispatched a callout.
func (h *nativeHost) contexts() []uint32 {
	return append([]uint32{proxytest.PluginContextID}, h.streams...)
}

func (h *nativeHost) Callouts() []Callout {
	var out []Callout
	for _, ctx := range h.contexts() {
		for i, a := range h.emu.GetCalloutAttributesFromContext(ctx) {
			if h.answered[calloutKey{ctx, i}] {
				continue
			}
			if _, ok := h.sent[a.CalloutID]; !ok {
				h.sent[a.CalloutID] = h.now
			}
			// The emulator does not record the timeout argument: TimeoutMS stays 0 here,
			// so callout timeouts are observable only on the wasm runner.
			out = append(out, Callout{ID: a.CalloutID, Cluster: a.Upstream, Headers: Headers(a.Headers), Body: a.Body})
		}
	}
	return out
}

func (h *nativeHost) markAnswered(id uint32) bool {
	for _, ctx := range h.contexts() {
		for i, a := range h.emu.GetCalloutAttributesFromContext(ctx) {
			k := calloutKey{ctx, i}
			if a.CalloutID == id && !h.answered[k] {
				h.answered[k] = true
				delete(h.sent, id)
				return true
			}
		}
	}
	return false
}

func (h *nativeHost) Respond(id uint32, r CalloutResponse) {
	if !h.markAnswered(id) {
		panic(fmt.Sprintf("filtertest: no pending callout %d", id))
	}
	h.emu.CallOnHttpCallResponse(id, r.Headers, nil, r.Body)
}

func (h *nativeHost) Fail(id uint32) {
	if !h.markAnswered(id) {
		panic(fmt.Sprintf("filtertest: no pending callout %d", id))
	}
	h.emu.CallOnHttpCallResponse(id, nil, nil, nil)
}

func (h *nativeHost) Counter(name string) (uint64, bool) {
	v, err := h.emu.GetCounterMetric(name)
	return v, err == nil
}

func (h *nativeHost) Logs(level LogLevel) []string {
	var out []string
	for l := level; l <= LogCritical; l++ {
		switch l {
		case LogTrace:
			out = append(out, h.emu.GetTraceLogs()...)
		case LogDebug:
			out = append(out, h.emu.GetDebugLogs()...)
		case LogInfo:
			out = append(out, h.emu.GetInfoLogs()...)
		case LogWarn:
			out = append(out, h.emu.GetWarnLogs()...)
		case LogError:
			out = append(out, h.emu.GetErrorLogs()...)
		case LogCritical:
			out = append(out, h.emu.GetCriticalLogs()...)
		}
	}
	return out
}

func (h *nativeHost) Close() {
	if h.closed {
		return
	}
	h.closed = true
	h.emu.FinishVM()
	h.reset()
}

type nativeStream struct {
	h    *nativeHost
	id   uint32
	done bool

	// The response as Envoy's filter manager would handle it around the emulator.
	respHeadersPaused bool    // on_response_headers returned Pause
	respHeldAll       bool    // ... and without the setting: no body callback runs
	sentHeaders       Headers // the response headers the client got, nil until sent
	sentBody          []byte
	reset             bool
	upstream          bool // the upstream's response started
	bodyHeld          bool // the last body callback returned Pause: the body is buffered
}

func (s *nativeStream) SendRequestHeaders(hd Headers, eos bool) Action {
	return Action(s.h.emu.CallOnRequestHeaders(s.id, hd, eos))
}

func (s *nativeStream) SendRequestBody(body []byte, eos bool) Action {
	return Action(s.h.emu.CallOnRequestBody(s.id, body, eos))
}

func (s *nativeStream) SendResponseHeaders(hd Headers, eos bool) Action {
	if s.LocalResponse() != nil {
		return Continue // Envoy sends no upstream response through after a local reply
	}
	s.upstream = true
	a := Action(s.h.emu.CallOnResponseHeaders(s.id, hd, eos))
	if s.checkLocal() {
		return Pause
	}
	if a == Continue {
		s.sentHeaders = append(Headers(nil), s.h.emu.GetCurrentResponseHeaders(s.id)...)
		return a
	}
	s.respHeadersPaused = true
	s.respHeldAll = !s.h.allowStop
	return a
}

func (s *nativeStream) SendResponseBody(body []byte, eos bool) Action {
	if s.reset || s.LocalResponse() != nil || s.respHeldAll {
		return Pause
	}
	a := Action(s.h.emu.CallOnResponseBody(s.id, body, eos))
	if s.checkLocal() {
		return Pause
	}
	s.bodyHeld = a != Continue
	if a == Continue {
		s.release()
	}
	return a
}

// release sends what the filter let go: the held headers, then the current body.
func (s *nativeStream) release() {
	if s.sentHeaders == nil {
		s.sentHeaders = append(Headers(nil), s.h.emu.GetCurrentResponseHeaders(s.id)...)
	}
	s.respHeadersPaused = false
	s.sentBody = append(s.sentBody, s.h.emu.GetCurrentResponseBody(s.id)...)
}

func (s *nativeStream) SendResponseTrailers(hd Headers) Action {
	if s.reset || s.LocalResponse() != nil || s.respHeldAll {
		return Pause
	}
	a := Action(s.h.emu.CallOnResponseTrailers(s.id, hd))
	if s.checkLocal() {
		return Pause
	}
	if a == Continue {
		if s.bodyHeld {
			s.release()
		} else if s.sentHeaders == nil {
			s.sentHeaders = append(Headers(nil), s.h.emu.GetCurrentResponseHeaders(s.id)...)
		}
		s.bodyHeld = false
	}
	return a
}

// checkLocal applies Envoy's rule to a local reply sent from a response callback: a reset
// once the response headers went to the client. It reports whether a local reply was sent.
func (s *nativeStream) checkLocal() bool {
	if s.LocalResponse() == nil {
		return false
	}
	if s.sentHeaders != nil {
		s.reset = true
	}
	return true
}

func (s *nativeStream) ResponseHeadersSent() bool {
	return s.sentHeaders != nil || s.LocalResponse() != nil
}

func (s *nativeStream) ResponseBody() []byte {
	if lr := s.LocalResponse(); lr != nil && !s.reset {
		if m, _ := s.RequestHeaders().Get(":method"); m == "HEAD" {
			return nil // Envoy sends a local reply to HEAD without its body
		}
		return lr.Body
	}
	return append([]byte(nil), s.sentBody...)
}

func (s *nativeStream) Reset() bool { return s.reset }

func (s *nativeStream) Property(name string) ([]byte, bool) {
	v, err := s.h.emu.GetProperty([]string{name})
	return v, err == nil
}

func (s *nativeStream) Paused() bool {
	return s.LocalResponse() == nil && s.h.emu.GetCurrentHttpStreamAction(s.id) == types.ActionPause
}

func (s *nativeStream) RequestHeaders() Headers {
	return Headers(s.h.emu.GetCurrentRequestHeaders(s.id))
}

func (s *nativeStream) ResponseHeaders() Headers {
	if s.sentHeaders != nil && (s.reset || s.LocalResponse() == nil) {
		return append(Headers(nil), s.sentHeaders...)
	}
	if lr := s.LocalResponse(); lr != nil && s.upstream {
		// Once the upstream answered, a local reply goes straight to the client with the
		// headers Envoy builds for it (as testing/host's localReplyHeaders).
		h := Headers{{":status", strconv.FormatUint(uint64(lr.Status), 10)}}
		hasType := false
		for _, kv := range lr.Headers {
			name := strings.ToLower(kv[0])
			if name == "content-length" || (name == "content-type" && len(lr.Body) == 0) {
				continue
			}
			hasType = hasType || name == "content-type"
			h = append(h, [2]string{name, kv[1]})
		}
		if len(lr.Body) > 0 {
			h = append(h, [2]string{"content-length", strconv.Itoa(len(lr.Body))})
			if !hasType {
				h = append(h, [2]string{"content-type", "text/plain"})
			}
		}
		return h
	}
	return Headers(s.h.emu.GetCurrentResponseHeaders(s.id))
}

func (s *nativeStream) LocalResponse() *LocalResponse {
	lr := s.h.emu.GetSentLocalResponse(s.id)
	if lr == nil {
		return nil
	}
	return &LocalResponse{Status: lr.StatusCode, Details: lr.StatusCodeDetail,
		Body: append([]byte(nil), lr.Data...), Headers: Headers(lr.Headers)}
}

func (s *nativeStream) Done() {
	if s.done {
		return
	}
	s.done = true
	s.h.emu.CompleteHttpContext(s.id)
}
