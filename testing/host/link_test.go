package host_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

func compileBin(t *testing.T, m *wasmBin) *host.Module {
	t.Helper()
	mod, err := host.Compile(context.Background(), m.bytes())
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	t.Cleanup(func() { _ = mod.Close(context.Background()) })
	return mod
}

// A module importing a function the profile lacks does not start, with the message Envoy logs
// when it fails the VM at link time.
func TestStartRefusesImportsTheProfileLacks(t *testing.T) {
	cases := []struct {
		name         string
		module, fn   string
		params       []byte
		profile      host.Profile
		wantStartErr bool
	}{
		{"sock_recv is in no profile", "wasi_snapshot_preview1", "sock_recv", []byte{wI32, wI32, wI32, wI32, wI32, wI32}, host.ProfileEnvoy139, true},
		{"fd_pread came with 1.39", "wasi_snapshot_preview1", "fd_pread", []byte{wI32, wI32, wI32, wI64, wI32}, host.ProfileEnvoy133, true},
		{"fd_pread links in 1.39", "wasi_snapshot_preview1", "fd_pread", []byte{wI32, wI32, wI32, wI64, wI32}, host.ProfileEnvoy139, false},
		{"poll_oneoff links in 1.33", "wasi_snapshot_preview1", "poll_oneoff", []byte{wI32, wI32, wI32, wI32}, host.ProfileEnvoy133, false},
		{"unknown env function", "env", "proxy_get_everything", []byte{wI32}, host.ProfileEnvoy139, true},
		{"proxy_log links", "env", "proxy_log", []byte{wI32, wI32, wI32}, host.ProfileEnvoy133, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := proxyModule(func(m *wasmBin) { m.importFunc(c.module, c.fn, c.params, []byte{wI32}) }).withAllocator()
			mod := compileBin(t, m)
			h, err := host.Start(context.Background(), mod, host.Options{Profile: c.profile, VMs: 1})
			if h != nil {
				defer h.Close()
			}
			want := "Failed to load Wasm module due to a missing import: " + c.module + "." + c.fn
			switch {
			case c.wantStartErr && (err == nil || !strings.Contains(err.Error(), want)):
				t.Fatalf("start error = %v, want it to contain %q", err, want)
			case !c.wantStartErr && err != nil:
				t.Fatalf("start: %v", err)
			}
		})
	}
}

// The module we ship links under both profiles: it imports only proxy-wasm functions and WASI
// functions Envoy provides.
func TestShippedModuleLinksUnderEveryProfile(t *testing.T) {
	mod := shippedModule(t)
	for _, p := range host.Profiles() {
		if err := mod.CheckImports(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	for _, imp := range mod.Imports() {
		if !strings.HasPrefix(imp, "env.proxy_") && !strings.HasPrefix(imp, "wasi_snapshot_preview1.") {
			t.Errorf("unexpected import %s", imp)
		}
	}
}

func TestCompileRefusesModuleWithoutABIMarker(t *testing.T) {
	m := &wasmBin{}
	m.export("proxy_on_memory_allocate", m.function([]byte{wI32}, []byte{wI32}, i32const(1024)...))
	_, err := host.Compile(context.Background(), m.bytes())
	if err == nil || !strings.Contains(err.Error(), "Missing or unknown Proxy-Wasm ABI version") {
		t.Fatalf("compile error = %v, want the missing ABI version", err)
	}
}

// During _initialize Envoy lets the module call only logging, args, environment, preopens,
// clock and random (cpp-host WasmBase::startVm); anything else traps the VM.
func TestRestrictedCallDuringInitializeFailsStart(t *testing.T) {
	cases := []struct {
		name    string
		fn      string
		params  []byte
		args    []byte
		wantErr bool
	}{
		{"proxy_log is allowed", "proxy_log", []byte{wI32, wI32, wI32}, slices.Concat(i32const(2), i32const(0), i32const(0)), false},
		{"proxy_set_tick_period_milliseconds is not", "proxy_set_tick_period_milliseconds", []byte{wI32}, i32const(1000), true},
		{"proxy_http_call is not", "proxy_http_call", []byte{wI32, wI32, wI32, wI32, wI32, wI32, wI32, wI32, wI32, wI32},
			slices.Concat(i32const(0), i32const(0), i32const(0), i32const(0), i32const(0), i32const(0), i32const(0), i32const(0), i32const(0), i32const(0)), true},
	}
	for _, c := range cases {
		for _, p := range host.Profiles() {
			t.Run(c.name+"/"+string(p), func(t *testing.T) {
				var fn int
				m := proxyModule(func(m *wasmBin) { fn = m.importFunc("env", c.fn, c.params, []byte{wI32}) }).withAllocator()
				m.export("_initialize", m.function(nil, nil, slices.Concat(c.args, call(fn), []byte{opDrop})...))
				h, err := host.Start(context.Background(), compileBin(t, m), host.Options{Profile: p, VMs: 1})
				if h != nil {
					defer h.Close()
				}
				if c.wantErr != (err != nil) || (err != nil && !strings.Contains(err.Error(), "restricted_callback: env."+c.fn)) {
					t.Fatalf("start error = %v, want restricted_callback: %v", err, c.wantErr)
				}
			})
		}
	}
}

// Inside proxy_on_memory_allocate Envoy allows only logging and the clock (cpp-host
// WasmBase::allocMemory). A module whose allocator calls random_get fails the first time the
// host needs memory, and the stream gets Envoy's fail-closed 503.
func TestRestrictedCallInsideMemoryAllocateFailsTheVM(t *testing.T) {
	var random, pairs int
	m := proxyModule(func(m *wasmBin) {
		random = m.importFunc("wasi_snapshot_preview1", "random_get", []byte{wI32, wI32}, []byte{wI32})
		pairs = m.importFunc("env", "proxy_get_header_map_pairs", []byte{wI32, wI32, wI32}, []byte{wI32})
	}).withAllocator(slices.Concat(i32const(512), i32const(8), call(random), []byte{opDrop})...)
	m.export("proxy_on_request_headers", m.function([]byte{wI32, wI32, wI32}, []byte{wI32},
		slices.Concat(i32const(0), i32const(2048), i32const(2052), call(pairs), []byte{opDrop}, i32const(0))...))
	h := start(t, compileBin(t, m), host.Options{VMs: 1})
	s := h.NewStream(host.StreamOptions{})
	s.SendRequestHeaders(get("/"), true)
	if err := h.Err(); err == nil || !strings.Contains(err.Error(), "restricted_callback: wasi_snapshot_preview1.random_get called during proxy_on_memory_allocate") {
		t.Fatalf("host error = %v, want a restricted random_get inside the allocator", err)
	}
	if lr := s.LocalResponse(); lr == nil || lr.Status != 503 || lr.Details != "wasm_fail_stream" {
		t.Fatalf("local response = %+v, want 503 wasm_fail_stream", lr)
	}
}
