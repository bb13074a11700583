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
	// PeerCertificateSHA256 answers connection.sha256_peer_certificate_digest: the SHA-256 of
	// the client certificate's DER as lower-case hex, as Envoy gives it
	// (Ssl::ConnectionInfo::sha256PeerCertificateDigest). Empty: no client certificate, and
	// the property is absent, as in Envoy.
	PeerCertificateSHA256 string
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

	reqHeaders, reqTrailers, respHeaders [][2]string
	respTrailers                         [][2]string
	reqBody, respBody                    []byte // buffer visible to the module in the body callback
	reqForwarded                         []byte // body that went upstream
	respForwarded                        []byte

	// Which maps the module may touch now (Envoy nulls its map pointers when a callback
	// continues: Context::decodeHeaders, continueStream).
	reqLive, respLive, reqTrailersLive bool
	respTrailersLive                   bool
	inLog                              bool

	reqPaused, respPaused bool
	pendingReqBody        []byte // body that arrived while headers were paused
	pendingReqEOS         bool
	havePendingBody       bool
	buffering             bool // last body callback returned StopIterationAndBuffer

	// Headers held with StopIteration that Envoy kept as StopIteration (the plugin setting
	// allow_on_headers_stop_iteration): body callbacks still run. Without the setting a
	// paused headers callback stops everything (StopAllIterationAndWatermark).
	reqHeadersStop, respHeadersStop bool
	respBuffering                   bool   // last response body callback returned StopIterationAndBuffer
	pendingRespBody                 []byte // response body that arrived while the headers were paused
	pendingRespEOS                  bool
	havePendingResp                 bool
	respHeadersSent                 bool // the response headers went on to the client

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
//
// Which stop it is follows proxy-wasm-cpp-host's ContextBase::
// convertVmCallResultToFilterHeadersStatus with Envoy's Context (context.cc reads
// PluginConfig.allow_on_headers_stop_iteration, default false for ABI 0.2.x): StopIteration (1)
// stays StopIteration only with the setting; every other stop, a stop requested by a local
// reply, and StopIteration without the setting are StopAllIterationAndWatermark. stopIter
// (nil for trailers) records which.
func (s *Stream) headersCallback(name string, live, paused, stopIter *bool, args ...uint64) Action {
	*live = true
	res, ran := s.v.callback(s.c, name, args...)
	a := ActionContinue
	if stopped := s.v.takeStop(); s.v.failed != nil || stopped || (ran && res != 0) {
		a, *paused = ActionPause, true
		if stopIter != nil {
			*stopIter = !stopped && s.v.failed == nil && res == 1 && s.v.h.opts.AllowOnHeadersStopIteration
		}
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
	a := s.headersCallback("proxy_on_request_headers", &s.reqLive, &s.reqPaused, &s.reqHeadersStop,
		uint64(s.c.id), uint64(len(s.reqHeaders)), b2u(endOfStream))
	if s.local != nil {
		return ActionPause
	}
	return a
}

// SendRequestBody runs proxy_on_request_body (Envoy Context::decodeData). While the headers
// are paused (StopAllIterationAndWatermark) Envoy buffers the body and calls the module only
// once the request continues; so does this method, returning Pause meanwhile. Headers held
// with an allowed StopIteration do not stop the body callbacks.
func (s *Stream) SendRequestBody(body []byte, endOfStream bool) Action {
	s.lock()
	defer s.unlock()
	if s.closed() {
		return ActionPause
	}
	if s.reqPaused && !s.buffering && !s.reqHeadersStop {
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
		// Continue from a body callback continues the stream, held headers included
		// (FilterManager::commonHandleAfterDataCallback).
		s.reqForwarded = append(s.reqForwarded, s.reqBody...)
		s.reqBody = nil
		s.reqPaused, s.reqHeadersStop = false, false
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
	return s.headersCallback("proxy_on_request_trailers", &s.reqTrailersLive, &s.reqPaused, nil,
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
	a := s.headersCallback("proxy_on_response_headers", &s.respLive, &s.respPaused, &s.respHeadersStop,
		uint64(s.c.id), uint64(len(s.respHeaders)), b2u(endOfStream))
	if a == ActionContinue && s.local == nil {
		s.respHeadersSent = true
	}
	return a
}

// SendResponseBody runs proxy_on_response_body (Envoy Context::encodeData) with one chunk of
// the upstream's body; call it once per chunk. As for the request: while the response headers
// are stopped with StopAllIterationAndWatermark the chunks wait (the method returns Pause) and
// reach the module only after proxy_continue_stream; after StopIterationAndBuffer the module
// sees the whole body buffered so far (proxy_get_buffer_bytes of the response body) and may
// replace it; Continue sends the held headers, if any, and the buffered body to the client.
func (s *Stream) SendResponseBody(body []byte, endOfStream bool) Action {
	s.lock()
	defer s.unlock()
	if s.closed() {
		return ActionContinue
	}
	if s.respPaused && !s.respBuffering && !s.respHeadersStop {
		s.pendingRespBody = append(s.pendingRespBody, body...)
		s.pendingRespEOS = endOfStream
		s.havePendingResp = true
		return ActionPause
	}
	return s.responseBodyLocked(body, endOfStream)
}

func (s *Stream) responseBodyLocked(body []byte, endOfStream bool) Action {
	if s.respBuffering {
		s.respBody = append(s.respBody, body...)
	} else {
		s.respBody = append([]byte(nil), body...)
	}
	res, ran := s.v.callback(s.c, "proxy_on_response_body", uint64(s.c.id), uint64(len(s.respBody)), b2u(endOfStream))
	stopped := s.v.takeStop()
	a := ActionContinue
	s.respBuffering = false
	switch {
	case s.v.failed != nil || stopped:
		a = ActionPause
	case ran && res == 1: // StopIterationAndBuffer
		a, s.respBuffering, s.respPaused = ActionPause, true, true
	case ran && res != 0:
		a, s.respPaused = ActionPause, true
	}
	if a == ActionContinue {
		s.respHeadersSent = true
		s.respForwarded = append(s.respForwarded, s.respBody...)
		s.respBody = nil
		s.respPaused, s.respHeadersStop = false, false
	}
	s.afterCallback()
	return a
}

// SendResponseTrailers runs proxy_on_response_trailers (Envoy Context::encodeTrailers) after
// the body chunks. Continue sends the held headers, if any, and the buffered body on, then the
// trailers. While the response is stopped with StopAllIterationAndWatermark the trailers wait
// (Pause) and, unlike body chunks, are not delivered later: no filter here continues such a
// response.
func (s *Stream) SendResponseTrailers(trailers [][2]string) Action {
	s.lock()
	defer s.unlock()
	if s.closed() {
		return ActionContinue
	}
	if s.respPaused && !s.respBuffering && !s.respHeadersStop {
		return ActionPause
	}
	s.respTrailers = lowerNames(trailers)
	s.respBuffering = false
	a := s.headersCallback("proxy_on_response_trailers", &s.respTrailersLive, &s.respPaused, nil,
		uint64(s.c.id), uint64(len(s.respTrailers)))
	if a == ActionContinue && !s.closed() {
		s.respHeadersSent = true
		s.respForwarded = append(s.respForwarded, s.respBody...)
		s.respBody = nil
		s.respPaused, s.respHeadersStop, s.respLive = false, false, false
	}
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
		if s.headRequest() {
			return nil
		}
		return append([]byte(nil), s.local.Body...)
	}
	return append([]byte(nil), s.respForwarded...)
}

// headRequest reports a HEAD request: Envoy sends a local reply to it without the body
// (Utility::sendLocalReply, is_head_request), its content-length kept.
func (s *Stream) headRequest() bool {
	for _, kv := range s.reqHeaders {
		if kv[0] == ":method" {
			return kv[1] == "HEAD"
		}
	}
	return false
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

// Reset reports whether the stream was reset: by proxy_close_stream, or by a local reply the
// module sent after the response headers had gone to the client (Envoy's
// FilterManager::sendLocalReply can then only reset). The client sees the connection reset.
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

// ResponseHeadersSent reports whether response headers went on to the client: the upstream's
// (after the module let them continue) or a local reply's.
func (s *Stream) ResponseHeadersSent() bool {
	s.v.mu.Lock()
	defer s.v.mu.Unlock()
	return s.respHeadersSent || s.localDirect
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
		s.respPaused, s.respLive, s.respHeadersStop, s.respBuffering = false, false, false, false
		s.respHeadersSent = true
		if len(s.respBody) > 0 {
			s.respForwarded = append(s.respForwarded, s.respBody...)
			s.respBody = nil
		}
		s.notify()
		if s.havePendingResp {
			body, eos := s.pendingRespBody, s.pendingRespEOS
			s.pendingRespBody, s.havePendingResp = nil, false
			s.responseBodyLocked(body, eos)
		}
	}
}

// sendLocal is the deferred half of proxy_send_local_response (Envoy
// Context::sendLocalResponse, then FilterManager::sendLocalReply). Before the upstream
// response started, the reply goes through the encoder filters, this one included: Envoy
// calls proxy_on_response_headers (and proxy_on_response_body) for the module's own reply.
// After that, while no response headers have gone to the client, it goes straight to the
// client (sendDirectLocalReply); once they have, Envoy resets the stream ("Prior headers
// have already been sent").
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
		if s.respHeadersSent {
			s.v.h.logs.add(s.v.index, s.c.id, LogDebug, "host: local reply after the response headers were sent: stream reset")
			s.resetStream()
			return
		}
		s.localDirect = true
		s.respPaused = false
		s.respBody, s.pendingRespBody = nil, nil
		return
	}
	headers := localReplyHeaders(lr)
	eos := len(lr.Body) == 0 || s.headRequest() // a HEAD request gets the headers only
	if a := s.responseHeadersLocked(headers, eos); a == ActionContinue && !eos && s.local == lr {
		s.responseBodyLocked(lr.Body, true)
	}
}

// localReplyHeaders are the headers Envoy builds for a local reply (Http::Utility::
// prepareLocalReply): :status, the module's headers (modify_headers), then for a body its
// content-length and, unless the module set one, content-type text/plain; without a body
// neither.
func localReplyHeaders(lr *LocalResponse) [][2]string {
	h := [][2]string{{":status", strconv.FormatUint(uint64(lr.Status), 10)}}
	hasType := false
	for _, kv := range lowerNames(lr.Headers) {
		switch kv[0] {
		case "content-length":
			continue
		case "content-type":
			if len(lr.Body) == 0 {
				continue
			}
			hasType = true
		}
		h = append(h, kv)
	}
	if len(lr.Body) > 0 {
		h = append(h, [2]string{"content-length", strconv.Itoa(len(lr.Body))})
		if !hasType {
			h = append(h, [2]string{"content-type", "text/plain"})
		}
	}
	return h
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
