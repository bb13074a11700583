//go:build !wasip1 || tinygo

package plugin

// debugLogEnabled: the SDK's native emulator keeps every line whatever its level, and TinyGo
// builds go through the SDK, which has no proxy_get_log_level; both behave as a host at
// debug level. In Envoy the line is then built for every decided request and dropped by
// Envoy at its level.
func debugLogEnabled() bool { return true }
