//go:build wasip1 && !tinygo

package plugin

// proxyGetLogLevel is proxy_get_log_level (ABI 0.2.1; Envoy Context::getLogLevel, which
// answers the level of Envoy's wasm logger). proxy-wasm-go-sdk v0.24.0 does not expose it.
//
//go:wasmimport env proxy_get_log_level
func proxyGetLogLevel(level *uint32) uint32

// logLevel is written by proxy_get_log_level; a package variable so that the call does not
// allocate.
var logLevel uint32

// debugLogEnabled reports whether Envoy prints debug lines of this filter now. The level can
// change at run time (Envoy's /logging admin endpoint), so it is asked for each decided
// request; a host that refuses the call is treated as not at debug.
func debugLogEnabled() bool {
	if proxyGetLogLevel(&logLevel) != 0 {
		return false
	}
	return logLevel <= 1 // trace 0, debug 1
}
