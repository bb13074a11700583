package host_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/wasmbuild"
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

// BenchmarkRequestSDKFloor is the NoRuleMatched request through testdata/sdkfloor, a module
// built as the shipped one is but doing nothing of its own: "nothing" creates the stream
// context only, "read-headers" also reads the request headers once. Between the host floor
// and the filter's pass-through, it shows what standard Go and the SDK cost per request
// before the filter's own work (BENCHMARKS.md, "Where the time goes").
func BenchmarkRequestSDKFloor(b *testing.B) {
	mod := sdkFloorModule(b)
	for _, config := range []string{"nothing", "read-headers"} {
		b.Run(config, func(b *testing.B) {
			h := start(b, mod, host.Options{VMs: 1, PluginConfig: []byte(config), LogLevel: host.LogInfo})
			req, resp := append(get("/health"), [2]string{"user-agent", "bench"}), [][2]string{{":status", "200"}, {"content-length", "0"}}
			warmUp(h, func() { request(h, req, resp) })
			for b.Loop() {
				s := h.NewStream(host.StreamOptions{})
				if s.SendRequestHeaders(req, true) != host.ActionContinue {
					b.Fatal("the request did not continue")
				}
				s.SendResponseHeaders(resp, true)
				s.Done()
			}
			if err := h.Err(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

var sdkFloor struct {
	once sync.Once
	mod  *host.Module
	err  error
}

// sdkFloorModule builds testdata/sdkfloor once per test binary, with the workspace that
// make build-wasm writes (the SDK copy with our glue), after making sure it is there.
func sdkFloorModule(b *testing.B) *host.Module {
	sdkFloor.once.Do(func() {
		if _, err := wasmbuild.Path(); err != nil {
			sdkFloor.err = err
			return
		}
		root, err := wasmbuild.ModuleRoot()
		if err != nil {
			sdkFloor.err = err
			return
		}
		dir, err := os.MkdirTemp("", "sdkfloor-")
		if err != nil {
			sdkFloor.err = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "sdkfloor.wasm")
		cmd := exec.Command(goTool(), "build", "-buildmode=c-shared", "-trimpath", "-o", out, "./testdata/sdkfloor")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=",
			"GOWORK="+filepath.Join(root, "build", "go.work"))
		if msg, err := cmd.CombinedOutput(); err != nil {
			sdkFloor.err = fmt.Errorf("build testdata/sdkfloor (run make build-wasm first): %v\n%s", err, msg)
			return
		}
		sdkFloor.mod, sdkFloor.err = compileFile(context.Background(), out)
	})
	if sdkFloor.err != nil {
		b.Fatal(sdkFloor.err)
	}
	return sdkFloor.mod
}
