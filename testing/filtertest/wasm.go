package filtertest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/wasmbuild"
)

// Wasm is the runner on build/jwt-authn.wasm inside the Envoy-like wazero host (package
// testing/host), profile envoy-1.39 unless JWT_PROFILE names another. The module is taken
// from JWT_WASM, else from build/jwt-authn.wasm under the module root, built when missing or
// older than its source (wasmPath); it is compiled once per process. A module that cannot be
// had, or a stale JWT_WASM, fails the test: it never skips.
//
// Differences from Envoy that a test may notice: any cluster name is accepted by
// proxy_http_call (the Options carry no cluster list), and a VM failure fails the test at once.
func Wasm() Runner { return wasmRunner{} }

type wasmRunner struct{}

func (wasmRunner) Name() string { return "wasm" }

// compiled is the process-wide compiled module: immutable once built, shared by every test.
var compiled struct {
	once sync.Once
	mod  *host.Module
	path string
	err  error
}

func wasmModule() (*host.Module, string, error) {
	compiled.once.Do(func() {
		compiled.path, compiled.err = wasmPath()
		if compiled.err != nil {
			return
		}
		bin, err := os.ReadFile(compiled.path)
		if err != nil {
			compiled.err = fmt.Errorf("read %s: %w", compiled.path, err)
			return
		}
		compiled.mod, compiled.err = host.Compile(context.Background(), bin)
	})
	return compiled.mod, compiled.path, compiled.err
}

// wasmPath is a module built from the current source (package testing/wasmbuild): $JWT_WASM
// when it is not older than any input of the module, else build/jwt-authn.wasm under the
// module root, built first when missing or stale. A stale $JWT_WASM fails the test ("run make
// build-wasm"): the wasm half never tests code that is not the code under test.
func wasmPath() (string, error) { return wasmbuild.Path() }

func profile() (host.Profile, error) {
	if p := os.Getenv("JWT_PROFILE"); p != "" {
		return host.ParseProfile(p)
	}
	return host.ProfileEnvoy139, nil
}

func (wasmRunner) Start(t testing.TB, opt Options) (Host, error) {
	t.Helper()
	mod, path, err := wasmModule()
	if err != nil {
		t.Fatalf("filtertest: wasm module %s: %v", path, err)
	}
	prof, err := profile()
	if err != nil {
		t.Fatalf("filtertest: %v", err)
	}
	now := opt.Now
	if now.IsZero() {
		now = DefaultNow
	}
	h, err := host.Start(context.Background(), mod, host.Options{
		Profile:      prof,
		VMs:          opt.VMs,
		PluginConfig: opt.Config,
		Now:          now,
		AnyCluster:   true,

		AllowOnHeadersStopIteration: opt.AllowOnHeadersStopIteration,
		Env:                         opt.Env,
	})
	if err != nil {
		return nil, err
	}
	return &wasmHost{t: t, h: h}, nil
}

type wasmHost struct {
	t testing.TB
	h *host.Host
}

// check fails the test when a VM failed: Envoy would have failed the VM, so the filter would
// not work in production, whatever the test goes on to assert.
func (w *wasmHost) check() {
	w.t.Helper()
	if err := w.h.Err(); err != nil {
		w.t.Fatalf("filtertest: wasm VM failed (as Envoy would fail it): %v\nmodule log: %v", err, w.h.Logs(host.LogError))
	}
}

func (w *wasmHost) Runner() string { return wasmRunner{}.Name() }

func (w *wasmHost) Now() time.Time { return w.h.Now() }

func (w *wasmHost) Advance(d time.Duration) {
	w.t.Helper()
	if err := w.h.Advance(d); err != nil {
		w.t.Fatalf("filtertest: %v", err)
	}
	w.check()
}

func (w *wasmHost) NewStream() Stream {
	w.t.Helper()
	s := w.h.NewStream(host.StreamOptions{})
	w.check()
	return &wasmStream{w: w, s: s}
}

func (w *wasmHost) Callouts() []Callout {
	var out []Callout
	for _, c := range w.h.Callouts() {
		out = append(out, Callout{ID: c.ID, Cluster: c.Cluster, Headers: Headers(c.Headers), Body: c.Body,
			TimeoutMS: uint32(c.Timeout / time.Millisecond)})
	}
	return out
}

func (w *wasmHost) Respond(id uint32, r CalloutResponse) {
	w.t.Helper()
	if err := w.h.Respond(id, host.CalloutResponse{Headers: [][2]string(r.Headers), Body: r.Body}); err != nil {
		w.t.Fatalf("filtertest: %v", err)
	}
	w.check()
}

func (w *wasmHost) Fail(id uint32) {
	w.t.Helper()
	if err := w.h.Fail(id); err != nil {
		w.t.Fatalf("filtertest: %v", err)
	}
	w.check()
}

func (w *wasmHost) Counter(name string) (uint64, bool) { return w.h.Counter(name) }

func (w *wasmHost) Logs(level LogLevel) []string { return w.h.Logs(host.LogLevel(level)) }

func (w *wasmHost) Close() {
	w.t.Helper()
	w.h.Close()
	if err := w.h.Err(); err != nil {
		w.t.Errorf("filtertest: wasm VM failed (as Envoy would fail it): %v", err)
	}
}

type wasmStream struct {
	w *wasmHost
	s *host.Stream
}

func (s *wasmStream) SendRequestHeaders(h Headers, endOfStream bool) Action {
	s.w.t.Helper()
	a := s.s.SendRequestHeaders([][2]string(h), endOfStream)
	s.w.check()
	return Action(a)
}

func (s *wasmStream) SendRequestBody(body []byte, endOfStream bool) Action {
	s.w.t.Helper()
	a := s.s.SendRequestBody(body, endOfStream)
	s.w.check()
	return Action(a)
}

func (s *wasmStream) SendResponseHeaders(h Headers, endOfStream bool) Action {
	s.w.t.Helper()
	a := s.s.SendResponseHeaders([][2]string(h), endOfStream)
	s.w.check()
	return Action(a)
}

func (s *wasmStream) SendResponseBody(body []byte, endOfStream bool) Action {
	s.w.t.Helper()
	a := s.s.SendResponseBody(body, endOfStream)
	s.w.check()
	return Action(a)
}

func (s *wasmStream) SendResponseTrailers(h Headers) Action {
	s.w.t.Helper()
	a := s.s.SendResponseTrailers([][2]string(h))
	s.w.check()
	return Action(a)
}

func (s *wasmStream) ResponseHeadersSent() bool { return s.s.ResponseHeadersSent() }

func (s *wasmStream) ResponseBody() []byte { return s.s.ResponseBody() }

func (s *wasmStream) Reset() bool { return s.s.Reset() }

func (s *wasmStream) Paused() bool { return s.s.Paused() }

func (s *wasmStream) Property(name string) ([]byte, bool) { return s.s.Property(name) }

func (s *wasmStream) RequestHeaders() Headers { return Headers(s.s.RequestHeaders()) }

func (s *wasmStream) ResponseHeaders() Headers { return Headers(s.s.ResponseHeaders()) }

func (s *wasmStream) LocalResponse() *LocalResponse {
	lr := s.s.LocalResponse()
	if lr == nil {
		return nil
	}
	return &LocalResponse{Status: lr.Status, Details: lr.Details, Body: lr.Body, Headers: Headers(lr.Headers)}
}

func (s *wasmStream) Done() {
	s.w.t.Helper()
	s.s.Done()
	s.w.check()
}
