package host_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// BenchmarkCompile is compiling the shipped module without the compilation cache.
func BenchmarkCompile(b *testing.B) {
	bin, err := os.ReadFile(shippedPath())
	if err != nil {
		b.Fatal(err)
	}
	b.Setenv(host.CacheDirEnv, "off")
	b.SetBytes(int64(len(bin)))
	for b.Loop() {
		m, err := host.Compile(context.Background(), bin)
		if err != nil {
			b.Fatal(err)
		}
		_ = m.Close(context.Background())
	}
}

// BenchmarkVMStart is Envoy's per-worker start for the shipped module: instantiate,
// _initialize, proxy_on_context_create, proxy_on_vm_start, proxy_on_configure; then close.
func BenchmarkVMStart(b *testing.B) {
	mod := shippedModule(b)
	for b.Loop() {
		h, err := host.Start(context.Background(), mod, host.Options{VMs: 1})
		if err != nil {
			b.Fatal(err)
		}
		h.Close()
	}
}

// request is one request through a stream: request headers, response headers, done.
func request(h *host.Host, req, resp [][2]string) {
	s := h.NewStream(host.StreamOptions{})
	s.SendRequestHeaders(req, true)
	s.SendResponseHeaders(resp, true)
	s.Done()
}

// BenchmarkRequest is one request through the shipped module (request headers, response
// headers, done), host and module together.
func BenchmarkRequest(b *testing.B) {
	h := start(b, shippedModule(b), host.Options{VMs: 1})
	req, resp := get("/bench"), [][2]string{{":status", "200"}, {"content-length", "0"}}
	warmUp(h, func() { request(h, req, resp) })
	for b.Loop() {
		request(h, req, resp)
	}
	if err := h.Err(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRequestHostOnly is the same request through a module whose callbacks return at once:
// what the host itself costs per request.
func BenchmarkRequestHostOnly(b *testing.B) {
	m := proxyModule(nil).withAllocator()
	for _, cb := range []string{"proxy_on_request_headers", "proxy_on_response_headers"} {
		m.export(cb, m.function([]byte{wI32, wI32, wI32}, []byte{wI32}, i32const(0)...))
	}
	m.export("proxy_on_context_create", m.function([]byte{wI32, wI32}, nil))
	m.export("proxy_on_done", m.function([]byte{wI32}, []byte{wI32}, i32const(1)...))
	for _, cb := range []string{"proxy_on_log", "proxy_on_delete"} {
		m.export(cb, m.function([]byte{wI32}, nil))
	}
	mod, err := host.Compile(context.Background(), m.bytes())
	if err != nil {
		b.Fatal(err)
	}
	defer mod.Close(context.Background())
	h := start(b, mod, host.Options{VMs: 1})
	req, resp := get("/bench"), [][2]string{{":status", "200"}, {"content-length", "0"}}
	warmUp(h, func() { request(h, req, resp) })
	for b.Loop() {
		request(h, req, resp)
	}
}

// Warm-up before timing. A new VM's first requests grow its linear memory until the Go heap
// reaches its working size (about 6 to 10 MB for the filter, within the first tens of
// thousands of requests); each growth costs the host a copy of the whole memory (wazero grows
// its backing slice; Envoy's runtimes reserve address space and grow in place). That is a
// cost of the VM's youth, paid once per worker, not of a request: the per-request benchmarks
// time the VM after its memory stopped growing.
const (
	warmStableRequests = 2000            // requests without growth that end the warm-up
	warmMaxTime        = 3 * time.Second // and its bound, for slow requests (ES512)
)

// warmUp sends requests (one per call of send) until no VM's memory grew over
// warmStableRequests of them, or warmMaxTime passed. It returns how many it sent.
func warmUp(h *host.Host, send func()) int {
	deadline := time.Now().Add(warmMaxTime)
	last, stable, n := fmt.Sprint(h.MemorySizes()), 0, 0
	for stable < warmStableRequests && time.Now().Before(deadline) {
		send()
		n++
		if now := fmt.Sprint(h.MemorySizes()); now != last {
			last, stable = now, 0
			continue
		}
		stable++
	}
	return n
}
