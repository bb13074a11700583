package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

const (
	// maxRequestBody bounds what the emulator buffers from a client.
	maxRequestBody = 8 << 20
	// pauseLimit is how long a request may stay paused by the filter, like Envoy's stream idle
	// timeout but shorter, for an interactive tool.
	pauseLimit = 60 * time.Second
)

// proxy is the HTTP front: a stream per request through the host, then the upstream.
type proxy struct {
	host     *host.Host
	upstream upstream
	listen   string
	// accessLog gets one line per request (method, path without its query, status, and the
	// filter's text for a local reply); nil: none. Never a header or a query: they may hold a token.
	accessLog io.Writer
	// clientCertDigest is every stream's connection.sha256_peer_certificate_digest ("": none).
	clientCertDigest string
}

// upstream answers requests the filter let through.
type upstream func(ctx context.Context, headers [][2]string, body []byte) (int, http.Header, []byte, error)

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		http.Error(w, "emulator: read request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	s := p.host.NewStream(host.StreamOptions{SourceAddress: r.RemoteAddr, DestinationAddress: p.listen, Protocol: r.Proto,
		PeerCertificateSHA256: p.clientCertDigest, MTLS: p.clientCertDigest != ""})
	defer s.Done()
	if p.accessLog != nil {
		defer func() { p.logRequest(r, s) }()
	}

	ctx, cancel := context.WithTimeout(r.Context(), pauseLimit)
	defer cancel()
	s.SendRequestHeaders(requestPairs(r), len(body) == 0)
	if !p.settle(ctx, w, s, s.Wait) {
		return
	}
	if len(body) > 0 {
		s.SendRequestBody(body, true)
		if !p.settle(ctx, w, s, s.Wait) {
			return
		}
	}

	status, header, respBody, err := p.upstream(ctx, s.RequestHeaders(), s.RequestBody())
	if err != nil {
		// Envoy's answer when the upstream cannot be reached.
		status, header, respBody = http.StatusServiceUnavailable, http.Header{"Content-Type": {"text/plain"}},
			[]byte("upstream connect error or disconnect/reset before headers. reset reason: "+err.Error())
	}
	out := &clientWriter{w: w, s: s}
	s.SendResponseHeaders(responsePairs(status, header), len(respBody) == 0)
	if !p.settleResponse(out) {
		return
	}
	// The body goes through the filter in chunks, as an upstream connection delivers it, so
	// that a filter which buffers sees more than one body callback.
	parts := chunks(respBody)
	for i, chunk := range parts {
		s.SendResponseBody(chunk, i == len(parts)-1)
		if !p.settleResponse(out) {
			return
		}
	}
	if !out.headers {
		// Envoy would wait for the filter until a timeout; the filter never resumes a held
		// response, so say so at once.
		http.Error(w, "emulator: the filter kept the response paused", http.StatusGatewayTimeout)
	}
}

// responseChunk bounds one body chunk; small bodies are cut in three.
const responseChunk = 16 << 10

// chunks cuts body into the pieces the upstream connection delivers.
func chunks(body []byte) [][]byte {
	size := min(responseChunk, max(1, (len(body)+2)/3))
	var out [][]byte
	for len(body) > size {
		out = append(out, body[:size])
		body = body[size:]
	}
	if len(body) > 0 {
		out = append(out, body)
	}
	return out
}

// clientWriter sends the client what the filter let go, as it goes: the response headers once
// they are released, then the body forwarded so far. A reset after that cuts the response,
// as Envoy's does.
type clientWriter struct {
	w       http.ResponseWriter
	s       *host.Stream
	headers bool
	written int
}

func (c *clientWriter) flush() {
	if !c.headers {
		if !c.s.ResponseHeadersSent() || c.s.LocalResponse() != nil {
			return
		}
		writeHeaders(c.w, c.s.ResponseHeaders())
		c.headers = true
	}
	if body := c.s.ResponseBody(); len(body) > c.written {
		_, _ = c.w.Write(body[c.written:])
		c.written = len(body)
	}
	if f, ok := c.w.(http.Flusher); ok {
		f.Flush()
	}
}

// settleResponse runs after each response callback: what the filter released goes to the
// client; a reset cuts the response there; a local reply (which, once the upstream answered,
// bypasses the filter chain) is the whole answer. The response is not waited for: the filter
// may hold it while it buffers the body, and the next chunk must come. It reports whether
// processing goes on.
func (p *proxy) settleResponse(c *clientWriter) bool {
	if c.s.Reset() {
		if !c.headers && c.s.ResponseHeadersSent() {
			writeHeaders(c.w, c.s.ResponseHeaders())
			if f, ok := c.w.(http.Flusher); ok {
				f.Flush()
			}
		}
		panic(http.ErrAbortHandler) // the client sees the connection reset, as with Envoy
	}
	if c.s.LocalResponse() != nil && !c.headers {
		writeResponse(c.w, c.s.ResponseHeaders(), c.s.ResponseBody())
		return false
	}
	c.flush()
	return true
}

// settle waits until the filter releases the stream, then answers the client itself when the
// filter replied locally or reset the stream. It reports whether processing goes on.
func (p *proxy) settle(ctx context.Context, w http.ResponseWriter, s *host.Stream, wait func(context.Context) error) bool {
	if err := wait(ctx); err != nil {
		http.Error(w, "emulator: the filter kept the request paused: "+err.Error(), http.StatusGatewayTimeout)
		return false
	}
	if s.Reset() {
		panic(http.ErrAbortHandler) // the client sees the connection reset, as with Envoy
	}
	if s.LocalResponse() != nil {
		writeResponse(w, s.ResponseHeaders(), s.ResponseBody())
		return false
	}
	return true
}

// logRequest writes the access log line of a finished request.
func (p *proxy) logRequest(r *http.Request, s *host.Stream) {
	status, what := "-", "upstream"
	for _, kv := range s.ResponseHeaders() {
		if kv[0] == ":status" {
			status = kv[1]
		}
	}
	if s.LocalResponse() != nil {
		what = "local reply"
		if body := s.ResponseBody(); len(body) > 0 && len(body) <= 120 && utf8.Valid(body) && !bytes.ContainsAny(body, "\r\n") {
			what += ": " + string(body)
		}
	}
	fmt.Fprintf(p.accessLog, "jwt-emulator: %s %s -> %s (%s)\n", r.Method, r.URL.EscapedPath(), status, what)
}

func newUpstream(raw string) (upstream, error) {
	if raw == "" {
		return echo, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-upstream %q: want an http(s) URL", raw)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return func(ctx context.Context, headers [][2]string, body []byte) (int, http.Header, []byte, error) {
		return forward(ctx, client, u, headers, body)
	}, nil
}

// forward sends the request, with the headers the filter left, to the upstream URL.
func forward(ctx context.Context, client *http.Client, base *url.URL, headers [][2]string, body []byte) (int, http.Header, []byte, error) {
	def := requestLine{method: "GET", path: "/", authority: base.Host}
	req, err := newRequest(ctx, strings.TrimSuffix(base.String(), "/"), def, headers, body)
	if err != nil {
		return 0, nil, nil, err
	}
	return roundTrip(client, req, maxRequestBody)
}

// echo is the default upstream: 200 with the request it received, as JSON.
func echo(_ context.Context, headers [][2]string, _ []byte) (int, http.Header, []byte, error) {
	type echoed struct {
		Method  string              `json:"method"`
		Path    string              `json:"path"`
		Headers map[string][]string `json:"headers"`
	}
	e := echoed{Headers: map[string][]string{}}
	for _, kv := range headers {
		switch kv[0] {
		case ":method":
			e.Method = kv[1]
		case ":path":
			e.Path = kv[1]
		}
		if !strings.HasPrefix(kv[0], ":") {
			e.Headers[kv[0]] = append(e.Headers[kv[0]], kv[1])
		}
	}
	b, err := json.Marshal(e)
	if err != nil {
		return 0, nil, nil, err
	}
	return http.StatusOK, http.Header{"Content-Type": {"application/json"}}, b, nil
}
