// Package plugin is the JWT authentication filter.
package plugin

import (
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// Option customises a VM context. Production uses none.
type Option func(*vmContext)

// WithClock replaces time.Now. Inside Envoy time.Now reads the host's clock through WASI
// clock_time_get, which the wazero host controls; the native emulator has no such hook, so
// native tests inject their clock here.
func WithClock(now func() time.Time) Option { return func(vm *vmContext) { vm.now = now } }

// NewVMContext returns the root of the filter, handed to proxywasm.SetVMContext.
func NewVMContext(opts ...Option) types.VMContext {
	vm := &vmContext{now: time.Now}
	for _, o := range opts {
		o(vm)
	}
	return vm
}

type vmContext struct {
	types.DefaultVMContext
	now func() time.Time
}

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct{ types.DefaultPluginContext }

func (*pluginContext) NewHttpContext(uint32) types.HttpContext { return &httpContext{} }

type httpContext struct{ types.DefaultHttpContext }

func (*httpContext) OnHttpResponseHeaders(int, bool) types.Action {
	_ = proxywasm.AddHttpResponseHeader("x-hello", "jwt-authn")
	return types.ActionContinue
}
