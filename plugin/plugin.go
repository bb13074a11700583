// Package plugin is Envoy's jwt_authn HTTP filter as a proxy-wasm plugin, configured with
// Envoy's own JwtAuthentication (proto3 JSON).
//
// Layout (dependencies point down; README.md "How it works" has the same table):
//
//	plugin            VM and plugin contexts (plugin.go), the HTTP context and request path
//	                  (filter.go), the compiled configuration (compile.go, provider.go),
//	                  requirement trees (requirement.go, any_index.go), one token's checks
//	                  (authenticator.go), one request's verification and outputs
//	                  (verify_context.go), jwt_cache.go, claim_headers.go, authorize.go,
//	                  metadata.go, deny replies (response.go, local_reply.go)
//	plugin/keys       local and remote JWKS: sources, fetcher, per-VM cache, shared data
//	plugin/request    the request as read from the host, token extraction, route matching
//	plugin/config     raw JSON to typed configuration, errors named by JSON path
//	plugin/status     the status enum and its replies
//	plugin/metrics    the counters
package plugin

import (
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/keys"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/metrics"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/tokencache"
)

// Option customises a VM context. Production uses none.
type Option func(*vmContext)

// WithClock replaces time.Now. Inside Envoy time.Now reads the host's clock through WASI
// clock_time_get, which the wazero host controls; the native emulator has no such hook, so
// native tests inject their clock here.
func WithClock(now func() time.Time) Option { return func(vm *vmContext) { vm.now = now } }

// NewVMContext returns the root of the filter, handed to proxywasm.SetVMContext.
func NewVMContext(opts ...Option) types.VMContext {
	vm := &vmContext{now: time.Now, env: defaultCompileEnv()}
	for _, o := range opts {
		o(vm)
	}
	return vm
}

type vmContext struct {
	types.DefaultVMContext
	now func() time.Time
	env compileEnv
}

func (vm *vmContext) NewPluginContext(id uint32) types.PluginContext {
	return &pluginContext{vm: vm, jwks: keys.NewStore(id, vm.now)}
}

// pluginContext holds the compiled configuration. A new configuration replaces it only once
// it has compiled completely: a bad one leaves nothing half applied. The remote key sets
// (jwks) outlive configurations: a new one with the same remote_jwks keeps their keys.
type pluginContext struct {
	types.DefaultPluginContext
	vm    *vmContext
	rt    *filterConfig
	m     *metrics.Metrics
	jwks  *keys.Store
	spare spareContexts
}

// OnPluginStart reads the configuration, parses it, compiles it and swaps it in. Every
// problem is logged at critical level with its JSON path, and the start fails.
func (pc *pluginContext) OnPluginStart(size int) types.OnPluginStartStatus {
	var data []byte
	if size > 0 {
		var err error
		if data, err = proxywasm.GetPluginConfiguration(); err != nil {
			proxywasm.LogCritical("jwt_authn: reading the plugin configuration failed: " + err.Error())
			return types.OnPluginStartStatusFailed
		}
	}
	rt, probs := load(data, pc.vm.env)
	if len(probs) > 0 {
		for _, p := range probs {
			proxywasm.LogCritical("jwt_authn: invalid configuration: " + p)
		}
		return types.OnPluginStartStatusFailed
	}
	m, err := metrics.Define(rt.statPrefix)
	if err != nil {
		proxywasm.LogCritical("jwt_authn: " + err.Error())
		return types.OnPluginStartStatusFailed
	}
	for _, w := range rt.warnings {
		proxywasm.LogWarn("jwt_authn: " + w)
	}
	if rt.tokens != nil {
		// Verified tokens are shared between the VMs of the vm_id (tokencache), as remote
		// keys are: the vm_id should be the filter's own.
		rt.shared = tokencache.New(data)
	}
	if (rt.tokens != nil || len(remoteBindings(rt)) > 0) && vmIDEmpty() {
		proxywasm.LogWarn("jwt_authn: vm_config.vm_id is empty: the JWT cache and remote keys are shared through " +
			"proxy-wasm shared data with every plugin whose vm_id is empty too; give this filter a vm_id of its own")
	}
	if len(data) == 0 {
		proxywasm.LogWarn("jwt_authn: empty configuration: no providers and no rules, every request passes")
	}
	pc.jwks.Enter(pc.jwks.Root)
	pc.jwks.Bind(m, remoteBindings(rt))
	pc.rt, pc.m = rt, m
	return types.OnPluginStartStatusOK
}

// OnTick runs the remote key sets' background work (retries, async refreshes, waiting for
// another VM's fetch); the tick period is set by them, and is 0 when they have nothing to do.
func (pc *pluginContext) OnTick() { pc.jwks.OnTick() }

func (pc *pluginContext) NewHttpContext(id uint32) types.HttpContext {
	f := pc.spare.take()
	*f = httpContext{id: id, rt: pc.rt, m: pc.m, jwks: pc.jwks, now: pc.vm.now, spare: &pc.spare,
		trace: f.trace, reqBuf: f.reqBuf, out: f.out.emptied()}
	f.reqBuf.Reset(nil) // keeps only the capacity of its lists
	return f
}

// spareContexts keeps the stream contexts of finished requests for the next ones: a stream
// context is the largest allocation of a request (about half a KiB with the verification
// state it holds by value), and allocating costs far more in wasm than clearing. A context
// is put back when its stream is done (proxy_on_log, the last callback that reaches the
// filter; proxy_on_done and proxy_on_delete only drop the SDK's reference), and cleared
// when taken, so nothing of one request reaches the next. At most maxSpareContexts wait.
type spareContexts struct{ free []*httpContext }

const maxSpareContexts = 64

func (s *spareContexts) take() *httpContext {
	if n := len(s.free); n > 0 {
		f := s.free[n-1]
		s.free[n-1] = nil
		s.free = s.free[:n-1]
		return f
	}
	return &httpContext{}
}

func (s *spareContexts) put(f *httpContext) {
	if len(s.free) < maxSpareContexts {
		s.free = append(s.free, f)
	}
}

// vmIDEmpty reports whether the host says the plugin's vm_id is empty; a host that does not
// answer the property (the SDK emulator) is not warned about.
func vmIDEmpty() bool {
	v, err := proxywasm.GetProperty([]string{"plugin_vm_id"})
	return err == nil && len(v) == 0
}

// remoteBindings lists the remote_jwks providers of rt for the key store, which gives each
// its entry.
func remoteBindings(rt *filterConfig) []keys.Binding {
	var remotes []keys.Binding
	for _, p := range rt.providers {
		spec, ok := p.keys.(*keys.Remote)
		if !ok {
			continue
		}
		b := keys.Binding{Spec: spec, Keys: &p.keys}
		if c := rt.caches[p.index]; c != nil {
			b.Cache = c
		}
		remotes = append(remotes, b)
	}
	return remotes
}
