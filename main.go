// Command jwt-authn is the proxy-wasm module: JWT authentication for Envoy and Istio.
//
// It is a shim. Everything testable lives in package plugin; this file only hands the
// VM context to the SDK. A module built with -buildmode=c-shared never runs main, so the
// registration happens in init, which the host triggers through _initialize.
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin"
)

func init() {
	proxywasm.SetVMContext(plugin.NewVMContext())
}

func main() {}
