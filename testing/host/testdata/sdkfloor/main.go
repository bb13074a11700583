// Command sdkfloor is the least a filter written on the proxy-wasm Go SDK does per request,
// built exactly as the shipped module is (standard Go, the SDK copy with our glue): it
// creates its stream context, and with the plugin configuration "read-headers" reads the
// request headers once, as every filter that routes or authenticates must. The benchmarks
// time it between the host floor (a module whose callbacks return at once) and the filter,
// to show what standard Go and the SDK cost before the filter does any work of its own.
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {}

func init() { proxywasm.SetVMContext(&vm{}) }

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct {
	types.DefaultPluginContext
	readHeaders bool
}

func (p *plugin) OnPluginStart(size int) types.OnPluginStartStatus {
	if size > 0 {
		cfg, err := proxywasm.GetPluginConfiguration()
		p.readHeaders = err == nil && string(cfg) == "read-headers"
	}
	return types.OnPluginStartStatusOK
}

func (p *plugin) NewHttpContext(uint32) types.HttpContext {
	return &stream{readHeaders: p.readHeaders}
}

type stream struct {
	types.DefaultHttpContext
	readHeaders bool
}

func (s *stream) OnHttpRequestHeaders(int, bool) types.Action {
	if s.readHeaders {
		if _, err := proxywasm.GetHttpRequestHeaders(); err != nil {
			return types.ActionPause // a failed read shows as a stalled request
		}
	}
	return types.ActionContinue
}
