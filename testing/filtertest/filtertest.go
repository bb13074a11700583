// Package filtertest runs one behaviour test of the filter twice: natively, on the
// proxy-wasm-go-sdk emulator (proxytest), and as the compiled module build/jwt-authn.wasm
// inside our Envoy-like wazero host (package testing/host).
//
// A test body is written once against Host and Stream:
//
//	filtertest.Run(t, filtertest.Options{Config: cfg}, func(t *testing.T, h filtertest.Host) {
//		s := h.NewStream()
//		s.SendRequestHeaders(filtertest.Request("GET", "/", "authorization", "Bearer "+tok), true)
//		if lr := s.LocalResponse(); lr != nil { t.Fatalf("denied: %d %s", lr.Status, lr.Body) }
//	})
//
// The wasm half never skips: a missing module fails the test, so CI cannot pass by accident.
package filtertest

import (
	"strings"
	"testing"
	"time"
)

// Options configure one started plugin.
type Options struct {
	// Config is the plugin configuration (proxy_on_configure), JSON.
	Config []byte
	// Now is the host clock's start. Zero means DefaultNow.
	Now time.Time
	// VMs is how many VMs the wasm runner starts, like Envoy's worker threads; requests go to
	// them round-robin. Zero means 2. The native runner always has one.
	VMs int
	// AllowOnHeadersStopIteration is the Wasm filter's PluginConfig.allow_on_headers_stop_iteration
	// (Envoy 1.35+): a headers callback's StopIteration holds only the headers, and body
	// callbacks go on. Without it (the default, as in Envoy) a paused headers callback stops
	// the body callbacks too until the stream continues.
	AllowOnHeadersStopIteration bool
	// Env are the VM's environment variables (vm_config.environment_variables), which
	// environment_variable data sources read. The native runner sets them in the process
	// for the test (t.Setenv), so its test must not run in parallel.
	Env map[string]string
}

// DefaultNow is the clock's start when Options.Now is zero: a fixed instant, so tests are
// reproducible.
var DefaultNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Runner starts plugins on one kind of host.
type Runner interface {
	// Name is "go" or "wasm".
	Name() string
	// Start runs VM start and plugin start. A plugin that refuses its configuration returns
	// an error that carries the plugin's error and critical log lines.
	Start(t testing.TB, opt Options) (Host, error)
}

// Host is a started plugin.
type Host interface {
	// Runner is the name of the runner that started it: "go" or "wasm" (Runner.Name). Tests
	// use it only where the SDK emulator is known to differ from Envoy.
	Runner() string
	// Now is the host clock.
	Now() time.Time
	// Advance moves the clock by d, fires proxy_on_tick on every VM whose tick period elapsed
	// (as often as it elapsed, in order) and fails callouts whose timeout passed.
	Advance(d time.Duration)
	// NewStream creates an HTTP context (proxy_on_context_create).
	NewStream() Stream
	// Callouts are the HTTP calls the plugin dispatched that have not been answered, in
	// dispatch order.
	Callouts() []Callout
	// Respond delivers the answer to a pending callout (proxy_on_http_call_response).
	Respond(id uint32, r CalloutResponse)
	// Fail delivers a failed callout the way Envoy does (no headers, no body).
	Fail(id uint32)
	// Counter returns the value of the counter metric name, false when undefined.
	Counter(name string) (uint64, bool)
	// Logs returns every line logged so far at level or above.
	Logs(level LogLevel) []string
	// Close ends the plugin (proxy_on_done, proxy_on_delete) and frees the host.
	Close()
}

// Stream is one HTTP request through the filter.
type Stream interface {
	SendRequestHeaders(h Headers, endOfStream bool) Action
	SendRequestBody(body []byte, endOfStream bool) Action
	SendResponseHeaders(h Headers, endOfStream bool) Action
	// SendResponseBody delivers one chunk of the upstream's response body; call it once per
	// chunk. While the response headers are stopped without the stop-iteration setting the
	// chunk waits and Pause is returned.
	SendResponseBody(body []byte, endOfStream bool) Action
	// SendResponseTrailers delivers the upstream's response trailers, which end the response.
	SendResponseTrailers(h Headers) Action
	// Paused reports whether the request is held by the filter: the last callback returned
	// Pause and neither proxy_continue_stream nor a local response has released it.
	Paused() bool
	// RequestHeaders are the request headers as the upstream would receive them.
	RequestHeaders() Headers
	// ResponseHeaders are the response headers as the client would receive them.
	ResponseHeaders() Headers
	// ResponseHeadersSent reports whether response headers went to the client (the
	// upstream's once the filter let them go, or a local reply's).
	ResponseHeadersSent() bool
	// ResponseBody is the response body the client received so far.
	ResponseBody() []byte
	// Reset reports whether the client saw the stream reset: a local reply the filter sent
	// after the response headers had gone to the client, as Envoy does then.
	Reset() bool
	// LocalResponse is the reply the filter sent (proxy_send_local_response), or nil.
	LocalResponse() *LocalResponse
	// Property is the value the filter set with proxy_set_property under name (Envoy dynamic
	// metadata / filter state), false when it set none. The SDK emulator keeps one property
	// table for the whole host, so on the native runner a value set by an earlier stream shows
	// too: check properties on the first stream that sets them.
	Property(name string) ([]byte, bool)
	// Done ends the stream (proxy_on_log, proxy_on_done, proxy_on_delete).
	Done()
}

// Action is a callback's answer.
type Action uint32

const (
	Continue Action = 0
	Pause    Action = 1
)

// LogLevel follows proxy-wasm: trace 0 ... critical 5.
type LogLevel uint32

const (
	LogTrace LogLevel = iota
	LogDebug
	LogInfo
	LogWarn
	LogError
	LogCritical
)

// LocalResponse is what proxy_send_local_response asked for.
type LocalResponse struct {
	Status  uint32
	Details string
	Body    []byte
	Headers Headers
}

// Callout is a dispatched proxy_http_call.
type Callout struct {
	ID        uint32
	Cluster   string
	Headers   Headers
	Body      []byte
	TimeoutMS uint32
}

// CalloutResponse answers a callout.
type CalloutResponse struct {
	Headers Headers // include ":status"
	Body    []byte
}

// Headers is an ordered header list, names in lower case as Envoy presents them.
type Headers [][2]string

// Request builds request headers with the pseudo-headers Envoy always sets, then name,
// value pairs.
func Request(method, path string, kv ...string) Headers {
	h := Headers{{":method", method}, {":path", path}, {":authority", "example.com"}, {":scheme", "https"}}
	for i := 0; i+1 < len(kv); i += 2 {
		h = append(h, [2]string{strings.ToLower(kv[i]), kv[i+1]})
	}
	return h
}

// Get returns the first value of name and whether it is present.
func (h Headers) Get(name string) (string, bool) {
	for _, kv := range h {
		if strings.EqualFold(kv[0], name) {
			return kv[1], true
		}
	}
	return "", false
}

// Values returns every value of name, in order.
func (h Headers) Values(name string) []string {
	var out []string
	for _, kv := range h {
		if strings.EqualFold(kv[0], name) {
			out = append(out, kv[1])
		}
	}
	return out
}

// Runners returns both runners: native first, then wasm.
func Runners() []Runner { return []Runner{Native(), Wasm()} }

// Each runs body once per runner, as subtests named after the runner.
func Each(t *testing.T, body func(t *testing.T, r Runner)) {
	t.Helper()
	for _, r := range Runners() {
		t.Run(r.Name(), func(t *testing.T) { body(t, r) })
	}
}

// Run starts the plugin with opt on each runner and runs body against it; a plugin that
// refuses to start fails the test.
func Run(t *testing.T, opt Options, body func(t *testing.T, h Host)) {
	t.Helper()
	Each(t, func(t *testing.T, r Runner) {
		h, err := r.Start(t, opt)
		if err != nil {
			t.Fatalf("plugin start: %v", err)
		}
		defer h.Close()
		body(t, h)
	})
}
