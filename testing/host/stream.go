package host

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// StreamOptions describe the connection a stream arrives on; they answer the source.*,
// destination.* and connection.* properties.
type StreamOptions struct {
	SourceAddress       string // "ip:port"; default "127.0.0.1:40000"
	DestinationAddress  string // default "127.0.0.1:8080"
	Protocol            string // request.protocol; default "HTTP/1.1"
	MTLS                bool
	RequestedServerName string
}

// LocalResponse is what the module asked for with proxy_send_local_response.
type LocalResponse struct {
	Status     uint32
	Details    string
	Body       []byte
	Headers    [][2]string // the additional headers the module passed
	GrpcStatus int32
}

// Stream is one HTTP request/response through the filter, in one VM. Its methods play the
// part of Envoy's filter manager: they call the module's callbacks with Envoy's rules about
// which header maps and buffers are reachable when, and what pausing means.
type Stream struct {
	v    *vm
	c    *hctx
	opts StreamOptions
	t0   time.Time // request.time

	reqHeaders, reqTrailers, respHeaders [][2]string // no response trailers: see RATIONALE.md
	reqBody, respBody                    []byte      // buffer visible to the module in the body callback
	reqForwarded                         []byte      // body that went upstream
	respForwarded                        []byte

	// Which maps the module may touch now (Envoy nulls its map pointers when a callback
	// continues: Context::decodeHeaders, continueStream).
	reqLive, respLive, reqTrailersLive bool
	inLog                              bool

	reqPaused, respPaused bool
	pendingReqBody        []byte // body that arrived while headers were paused
	pendingReqEOS         bool
	havePendingBody       bool
	buffering             bool // last body callback returned StopIterationAndBuffer

	upstreamStarted bool           // response headers arrived from upstream
	local           *LocalResponse // proxy_send_local_response
	localDirect     bool           // local is set and bypassed the filter chain
	hung            bool           // a second local reply: Envoy leaves the stream stuck
	reset           bool           // proxy_close_stream reset the stream
	done            bool
	wake            chan struct{} // closed and replaced whenever the stream may have been released
}

// NewStream creates an HTTP context in the next VM (proxy_on_context_create(id, root)).
func (h *Host) NewStream(opts StreamOptions) *Stream {
	if opts.SourceAddress == "" {
		opts.SourceAddress = "127.0.0.1:40000"
	}
	if opts.DestinationAddress == "" {
		opts.DestinationAddress = "127.0.0.1:8080"
	}
	if opts.Protocol == "" {
		opts.Protocol = "HTTP/1.1"
	}
	v := h.pick()
	v.mu.Lock()
	s := &Stream{v: v, opts: opts, t0: h.clock.Now(), wake: make(chan struct{})}
	s.c = v.newContext()
	s.c.stream = s
	if v.root != nil {
		v.callback(s.c, "proxy_on_context_create", uint64(s.c.id), uint64(v.root.id))
		v.runAfter()
	}
	v.mu.Unlock()
	h.drain()
	return s
}

// ID is the stream's context id; VM is the index of the VM it runs in.
func (s *Stream) ID() uint32 { return s.c.id }
func (s *Stream) VM() int    { return s.v.index }

// lock and unlock bracket every public operation that may call the module; unlock also
// delivers work that must run outside the VM lock. Accessors, which call nothing, take the VM
// lock alone.
func (s *Stream) lock() { s.v.mu.Lock() }
func (s *Stream) unlock() {
	s.v.mu.Unlock()
	s.v.h.drain()
}

// notify wakes goroutines waiting in Wait.
func (s *Stream) notify() {
	close(s.wake)
	s.wake = make(chan struct{})
}

// closed reports whether no more callbacks should run for this stream.
func (s *Stream) closed() bool { return s.done || s.local != nil || s.hung || s.reset }

// headersCallback runs a headers or trailers callback with its map reachable (live) and turns
// the answer into Envoy's filter status: anything but Continue, or a local reply sent during
// the call, stops the chain and pauses the direction (paused), keeping the map reachable;
// Continue drops it (ContextBase::convertVmCallResultToFilterHeadersStatus,
// Context::decodeHeaders).
func (s *Stream) headersCallback(name string, live, paused *bool, args ...uint64) Action {
	*live = true
	res, ran := s.v.callback(s.c, name, args...)
	a := ActionContinue
	if stopped := s.v.takeStop(); s.v.failed != nil || stopped || (ran && res != 0) {
		a, *paused = ActionPause, true
	} else {
		*live = false
	}
	s.afterCallback()
	return a
}

// afterCallback finishes a callback: runs deferred actions, then applies Envoy's fail-closed
// rule when the VM failed (CHECK_FAIL_HTTP: fail_open is false, the stream is answered 503).
func (s *Stream) afterCallback() {
	s.v.runAfter()
	if s.v.failed != nil && s.local == nil {
		s.local = &LocalResponse{Status: 503, Details: "wasm_fail_stream"}
		s.localDirect = true
		s.reqPaused, s.respPaused = false, false
		s.notify()
	}
}

// SendRequestHeaders runs proxy_on_request_headers (Envoy Context::decodeHeaders).
func (s *Stream) SendRequestHeaders(headers [][2]string, endOfStream bool) Action {
	s.lock()
	defer s.unlock()
	if s.closed() {
		return ActionPause
	}
	s.reqHeaders = lowerNames(headers)
	a := s.headersCallback("proxy_on_request_headers", &s.reqLive, &s.reqPaused,
		uint64(s.c.id), uint64(len(s.reqHeaders)), b2u(endOfStream))
	if s.local != nil {
		return ActionPause
	}
	return a
}

// SendRequestBody runs proxy_on_request_body (Envoy Context::decodeData). While the headers
// are paused Envoy buffers the body and calls the module only once the request continues; so
// does this method, returning Pause meanwhile.
func (s *Stream) SendRequestBody(body []byte, endOfStream bool) Action {
	s.lock()
	defer s.unlock()
	if s.closed() {
		return ActionPause
	}
	if s.reqPaused && !s.buffering {
		s.pendingReqBody = append(s.pendingReqBody, body...)
		s.pendingReqEOS = endOfStream
		s.havePendingBody = true
		return ActionPause
	}
	return s.requestBodyLocked(body, endOfStream)
}

func (s *Stream) requestBodyLocked(body []byte, endOfStream bool) Action {
	if s.buffering {
		s.reqBody = append(s.reqBody, body...)
	} else {
		s.reqBody = append([]byte(nil), body...)
	}
	res, ran := s.v.callback(s.c, "proxy_on_request_body", uint64(s.c.id), uint64(len(s.reqBody)), b2u(endOfStream))
	stopped := s.v.takeStop()
	a := ActionContinue
	s.buffering = false
	switch {
	case s.v.failed != nil || stopped:
		a = ActionPause
	case ran && res == 1: // StopIterationAndBuffer
		a, s.buffering, s.reqPaused = ActionPause, true, true
	case ran && res != 0:
		a, s.reqPaused = ActionPause, true
	}
	if a == ActionContinue {
		s.reqForwarded = append(s.reqForwarded, s.reqBody...)
		s.reqBody = nil
	}
	s.afterCallback()
	if s.local != nil {
		return ActionPause
	}
	return a
}

// SendRequestTrailers runs proxy_on_request_trailers.
func (s *Stream) SendRequestTrailers(trailers [][2]string) Action {
	s.lock()
	defer s.unlock()
	if s.closed() {
		return ActionPause
	}
	s.reqTrailers = lowerNames(trailers)
	return s.headersCallback("proxy_on_request_trailers", &s.reqTrailersLive, &s.reqPaused,
		uint64(s.c.id), uint64(len(s.reqTrailers)))
}

// SendResponseHeaders runs proxy_on_response_headers with the upstream's response (Envoy
// Context::encodeHeaders). After a local reply there is no upstream response, so nothing runs.
func (s *Stream) SendResponseHeaders(headers [][2]string, endOfStream bool) Action {
	s.lock()
	defer s.unlock()
	if s.closed() {
		return ActionContinue
	}
	s.upstreamStarted = true
	return s.responseHeadersLocked(lowerNames(headers), endOfStream)
}

func (s *Stream) responseHeadersLocked(headers [][2]string, endOfStream bool) Action {
	s.respHeaders = headers
	return s.headersCallback("proxy_on_response_headers", &s.respLive, &s.respPaused,
		uint64(s.c.id), uint64(len(s.respHeaders)), b2u(endOfStream))
}

// SendResponseBody runs proxy_on_response_body.
func (s *Stream) SendResponseBody(body []byte, endOfStream bool) Action {
	s.lock()
	defer s.unlock()
	if s.closed() {
		return ActionContinue
	}
	return s.responseBodyLocked(body, endOfStream)
}

func (s *Stream) responseBodyLocked(body []byte, endOfStream bool) Action {
	s.respBody = append([]byte(nil), body...)
	res, ran := s.v.callback(s.c, "proxy_on_response_body", uint64(s.c.id), uint64(len(s.respBody)), b2u(endOfStream))
	stopped := s.v.takeStop()
	a := ActionContinue
	if s.v.failed != nil || stopped || (ran && res != 0) {
		a, s.respPaused = ActionPause, true
	}
	if a == ActionContinue {
		s.respForwarded = append(s.respForwarded, s.respBody...)
		s.respBody = nil
	}
	s.afterCallback()
	return a
}

// Paused reports whether the request is held by the filter: a callback paused it and neither
// proxy_continue_stream nor a local reply has released it.
func (s *Stream) Paused() bool {
	s.v.mu.Lock()
	defer s.v.mu.Unlock()
	return s.reqPaused && s.local == nil
}

// Property returns the value the module set on this stream with proxy_set_property (Envoy
// filter state "wasm.<name>"), false when it set none.
func (s *Stream) Property(name string) ([]byte, bool) {
	s.v.mu.Lock()
	defer s.v.mu.Unlock()
	v, ok := s.c.filterState[name]
	return v, ok
}

// ResponsePaused reports whether the response is held by the filter.
func (s *Stream) ResponsePaused() bool {
	s.v.mu.Lock()
	defer s.v.mu.Unlock()
	return s.respPaused
}

// Wait blocks until the request is no longer paused (continued, answered locally, or the VM
// failed) or ctx ends. The emulator uses it while a callout is in flight.
func (s *Stream) Wait(ctx context.Context) error {
	return s.waitWhile(ctx, "still paused", func() bool { return s.reqPaused && s.local == nil })
}

// WaitResponse is Wait for the response direction.
func (s *Stream) WaitResponse(ctx context.Context) error {
	return s.waitWhile(ctx, "response still paused", func() bool { return s.respPaused })
}

// waitWhile blocks while paused (read under the VM lock) holds and the VM has not failed,
// waking whenever the stream may have been released, until ctx ends.
func (s *Stream) waitWhile(ctx context.Context, what string, paused func() bool) error {
	for {
		s.v.mu.Lock()
		held := paused() && s.v.failed == nil
		wake := s.wake
		s.v.mu.Unlock()
		if !held {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return fmt.Errorf("host: stream %d %s: %w", s.c.id, what, ctx.Err())
		}
	}
}

// RequestHeaders are the request headers as the upstream would receive them.
func (s *Stream) RequestHeaders() [][2]string {
	s.v.mu.Lock()
	defer s.v.mu.Unlock()
	return clonePairs(s.reqHeaders)
}

// RequestBody is the request body forwarded upstream so far.
func (s *Stream) RequestBody() []byte {
	s.v.mu.Lock()
	defer s.v.mu.Unlock()
	return append([]byte(nil), s.reqForwarded...)
}

// ResponseHeaders are the response headers as the client would receive them: the upstream's
// as the filter left them, or the local reply's.
func (s *Stream) ResponseHeaders() [][2]string {
	s.v.mu.Lock()
	defer s.v.mu.Unlock()
	return clonePairs(s.clientResponseHeaders())
}

// clientResponseHeaders are the response headers the client receives: those Envoy builds for a
// local reply that bypassed the filter chain, else the upstream's as the filter left them (a
// local reply through the chain is among them).
func (s *Stream) clientResponseHeaders() [][2]string {
	if s.localDirect {
		return localReplyHeaders(s.local)
	}
	return s.respHeaders
}

// ResponseBody is the response body sent to the client so far.
func (s *Stream) ResponseBody() []byte {
	s.v.mu.Lock()
	defer s.v.mu.Unlock()
	if s.localDirect {
		return append([]byte(nil), s.local.Body...)
	}
	return append([]byte(nil), s.respForwarded...)
}

// LocalResponse is the reply the module sent, or nil. A VM failure shows here as Envoy's
// 503 with details "wasm_fail_stream".
func (s *Stream) LocalResponse() *LocalResponse {
	s.v.mu.Lock()
	defer s.v.mu.Unlock()
	if s.local == nil {
		return nil
	}
	lr := *s.local
	lr.Body = append([]byte(nil), lr.Body...)
	lr.Headers = clonePairs(lr.Headers)
	return &lr
}

// Reset reports whether the module reset the stream with proxy_close_stream; the client sees
// the connection reset.
func (s *Stream) Reset() bool {
	s.v.mu.Lock()
	defer s.v.mu.Unlock()
	return s.reset
}

// resetStream is the deferred half of proxy_close_stream.
func (s *Stream) resetStream() {
	if s.done || s.reset {
		return
	}
	s.reset = true
	s.reqPaused, s.respPaused = false, false
	s.reqLive, s.respLive = false, false
	s.notify()
}

// Hung reports a stream Envoy would leave stuck: the module sent a second local reply while
// the first went through its own response callbacks (envoyproxy/envoy#28826).
func (s *Stream) Hung() bool {
	s.v.mu.Lock()
	defer s.v.mu.Unlock()
	return s.hung
}

// Done ends the stream: proxy_on_done, proxy_on_log, proxy_on_delete, the spec's order.
func (s *Stream) Done() {
	s.lock()
	defer s.unlock()
	s.doneLocked()
}

func (s *Stream) doneLocked() {
	if s.done {
		return
	}
	s.done = true
	v := s.v
	v.callback(s.c, "proxy_on_done", uint64(s.c.id))
	v.runAfter()
	s.inLog = true
	v.callback(s.c, "proxy_on_log", uint64(s.c.id))
	v.runAfter()
	s.inLog = false
	v.callback(s.c, "proxy_on_delete", uint64(s.c.id))
	v.runAfter()
	delete(v.contexts, s.c.id)
	s.notify()
}

// continueStream is the deferred half of proxy_continue_stream (Envoy
// Context::continueStream: continueDecoding/continueEncoding after the VM call).
func (s *Stream) continueStream(t StreamType) {
	if s.closed() {
		return
	}
	// Envoy drops its request map pointers whichever direction continues.
	s.reqLive, s.reqTrailersLive = false, false
	switch t {
	case StreamRequest:
		if !s.reqPaused {
			return
		}
		s.reqPaused = false
		s.buffering = false
		if len(s.reqBody) > 0 {
			s.reqForwarded = append(s.reqForwarded, s.reqBody...)
			s.reqBody = nil
		}
		s.notify()
		if s.havePendingBody {
			body, eos := s.pendingReqBody, s.pendingReqEOS
			s.pendingReqBody, s.havePendingBody = nil, false
			s.requestBodyLocked(body, eos)
		}
	case StreamResponse:
		if !s.respPaused {
			return
		}
		s.respPaused, s.respLive = false, false
		if len(s.respBody) > 0 {
			s.respForwarded = append(s.respForwarded, s.respBody...)
			s.respBody = nil
		}
		s.notify()
	}
}

// sendLocal is the deferred half of proxy_send_local_response (Envoy
// Context::sendLocalResponse, then FilterManager::sendLocalReply). Before the upstream
// response started, the reply goes through the encoder filters, this one included: Envoy
// calls proxy_on_response_headers (and proxy_on_response_body) for the module's own reply.
// After that it goes straight to the client.
func (s *Stream) sendLocal(lr *LocalResponse) {
	if s.done {
		return
	}
	if s.local != nil {
		s.hung = true
		s.v.h.logs.add(s.v.index, s.c.id, LogError, "host: second proxy_send_local_response on one stream; Envoy leaves the stream stuck (envoyproxy/envoy#28826)")
		s.notify()
		return
	}
	s.local = lr
	s.reqPaused, s.reqLive, s.reqTrailersLive = false, false, false
	s.notify()
	if s.upstreamStarted {
		s.localDirect = true
		s.respPaused = false
		return
	}
	headers := localReplyHeaders(lr)
	eos := len(lr.Body) == 0
	if a := s.responseHeadersLocked(headers, eos); a == ActionContinue && !eos && s.local == lr {
		s.responseBodyLocked(lr.Body, true)
	}
}

// localReplyHeaders are the headers Envoy builds for a local reply (Http::Utility::
// sendLocalReply): :status, content-length and content-type for a body, then the module's.
func localReplyHeaders(lr *LocalResponse) [][2]string {
	h := [][2]string{{":status", strconv.FormatUint(uint64(lr.Status), 10)}}
	if len(lr.Body) > 0 {
		h = append(h, [2]string{"content-length", strconv.Itoa(len(lr.Body))}, [2]string{"content-type", "text/plain"})
	}
	return append(h, lowerNames(lr.Headers)...)
}

func lowerNames(in [][2]string) [][2]string {
	out := make([][2]string, len(in))
	for i, kv := range in {
		out[i] = [2]string{strings.ToLower(kv[0]), kv[1]}
	}
	return out
}

func clonePairs(in [][2]string) [][2]string {
	if in == nil {
		return nil
	}
	return append([][2]string(nil), in...)
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
