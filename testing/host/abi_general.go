package host

import (
	"time"

	"github.com/tetratelabs/wazero/api"
)

// envImports is the env module: the proxy-wasm ABI 0.2.1 host functions cpp-host registers
// for Envoy (FOR_ALL_HOST_FUNCTIONS with the proxy_ prefix, the 0.2.1-specific ones and two
// unprefixed helpers; src/wasm.cc, WasmBase::registerCallbacks). Each function's comment names
// the cpp-host (src/exports.cc) and Envoy (source/extensions/common/wasm/context.cc) functions
// it follows; RATIONALE.md has the full table.
func envImports() []hostFunc {
	var t []hostFunc
	add := func(name string, ps []api.ValueType, fn func(v *vm, stack []uint64) Status) {
		t = append(t, hostFunc{module: "env", name: name, params: ps, results: retI32, fn: statusFunc(fn)})
	}
	// General.
	add("proxy_log", params(3), proxyLog)
	add("proxy_get_log_level", params(1), proxyGetLogLevel)
	add("proxy_get_status", params(3), proxyGetStatus)
	add("proxy_get_property", params(4), proxyGetProperty)
	add("proxy_set_property", params(4), proxySetProperty)
	add("proxy_set_effective_context", params(1), proxySetEffectiveContext)
	add("proxy_done", params(0), proxyDone)
	add("proxy_call_foreign_function", params(6), proxyCallForeignFunction)
	add("proxy_set_tick_period_milliseconds", params(1), proxySetTickPeriod)
	add("proxy_get_current_time_nanoseconds", params(1), proxyGetCurrentTime)
	// HTTP fields, buffers, streams.
	add("proxy_get_header_map_value", params(5), proxyGetHeaderMapValue)
	add("proxy_add_header_map_value", params(5), proxyAddHeaderMapValue)
	add("proxy_replace_header_map_value", params(5), proxyReplaceHeaderMapValue)
	add("proxy_remove_header_map_value", params(3), proxyRemoveHeaderMapValue)
	add("proxy_get_header_map_pairs", params(3), proxyGetHeaderMapPairs)
	add("proxy_set_header_map_pairs", params(3), proxySetHeaderMapPairs)
	add("proxy_get_header_map_size", params(2), proxyGetHeaderMapSize)
	add("proxy_get_buffer_status", params(3), proxyGetBufferStatus)
	add("proxy_get_buffer_bytes", params(5), proxyGetBufferBytes)
	add("proxy_set_buffer_bytes", params(5), proxySetBufferBytes)
	add("proxy_continue_stream", params(1), proxyContinueStream)
	add("proxy_close_stream", params(1), proxyCloseStream)
	add("proxy_send_local_response", params(8), proxySendLocalResponse)
	// Calls out.
	add("proxy_http_call", params(10), proxyHTTPCall)
	add("proxy_grpc_call", params(12), proxyGrpcUnsupported)
	add("proxy_grpc_stream", params(9), proxyGrpcUnsupported)
	add("proxy_grpc_close", params(1), proxyGrpcTokenUnknown)
	add("proxy_grpc_cancel", params(1), proxyGrpcTokenUnknown)
	add("proxy_grpc_send", params(4), proxyGrpcTokenUnknown)
	// Shared state.
	add("proxy_get_shared_data", params(5), proxyGetSharedData)
	add("proxy_set_shared_data", params(5), proxySetSharedData)
	add("proxy_register_shared_queue", params(3), proxyRegisterSharedQueue)
	add("proxy_resolve_shared_queue", params(5), proxyResolveSharedQueue)
	add("proxy_dequeue_shared_queue", params(3), proxyDequeueSharedQueue)
	add("proxy_enqueue_shared_queue", params(3), proxyEnqueueSharedQueue)
	// Metrics: increment takes an i64 offset, record an i64 value.
	add("proxy_define_metric", params(4), proxyDefineMetric)
	add("proxy_increment_metric", sig(i32, i64), proxyIncrementMetric)
	add("proxy_record_metric", sig(i32, i64), proxyRecordMetric)
	add("proxy_get_metric", params(2), proxyGetMetric)
	// Emscripten helpers cpp-host registers unprefixed (exports.cc pthread_equal,
	// emscripten_notify_memory_growth): they answer no status.
	return append(t,
		hostFunc{module: "env", name: "pthread_equal", params: params(2), results: retI32,
			fn: func(v *vm, s []uint64) { s[0] = b2u(uint32(s[0]) == uint32(s[1])) }},
		hostFunc{module: "env", name: "emscripten_notify_memory_growth", params: params(1), results: retNil,
			fn: func(*vm, []uint64) {}},
	)
}

// statusFunc adapts an env function to wazero's calling convention: the proxy_status_t it
// answers is its single result, in stack[0].
func statusFunc(fn func(v *vm, stack []uint64) Status) func(*vm, []uint64) {
	return func(v *vm, s []uint64) { s[0] = uint64(fn(v, s)) }
}

func u32(x uint64) uint32 { return uint32(x) }

// proxy_log(level, message_data, message_size): exports.cc log. Unknown level is BadArgument,
// a bad pointer InvalidMemoryAccess. Every line is kept; Envoy prints it only at or above its
// log level (Context::log).
func proxyLog(v *vm, s []uint64) Status {
	level := LogLevel(u32(s[0]))
	if level > logLevelMax {
		return StatusBadArgument
	}
	msg, ok := v.readString(u32(s[1]), u32(s[2]))
	if !ok {
		return StatusInvalidMemoryAccess
	}
	v.logFromModule(level, msg)
	return StatusOK
}

// proxy_get_log_level(return_level): exports.cc get_log_level, Envoy Context::getLogLevel.
func proxyGetLogLevel(v *vm, s []uint64) Status {
	if !v.writeU32(u32(s[0]), uint32(v.h.opts.LogLevel)) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// proxy_get_status(return_code, return_message_data, return_message_size): exports.cc
// get_status, Envoy Context::getStatus of the active context. Envoy sets the status only on the
// root context, for a failed callout (BrokenConnection, "reset").
func proxyGetStatus(v *vm, s []uint64) Status {
	var code uint32
	var msg string
	if c := v.active(); c != nil {
		code, msg = c.statusCode, c.statusMsg
	}
	if !v.writeU32(u32(s[0]), code) || !v.copyOut([]byte(msg), u32(s[1]), u32(s[2])) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// proxy_set_effective_context(context_id): exports.cc set_effective_context; an unknown id is
// BadArgument. The effective context lasts until the current callback returns.
func proxySetEffectiveContext(v *vm, s []uint64) Status {
	id := u32(s[0])
	if _, ok := v.contexts[id]; !ok {
		return StatusBadArgument
	}
	v.effective = id
	return StatusOK
}

// proxy_done(): exports.cc done, WasmBase::done. OK only for a root context that returned
// false from proxy_on_done; proxy_on_delete follows after the current call.
func proxyDone(v *vm, s []uint64) Status {
	c := v.active()
	if c == nil || c != v.root || !v.rootDone {
		return StatusNotFound
	}
	v.rootDone = false
	v.after = append(v.after, func() { v.callback(c, "proxy_on_delete", uint64(c.id)) })
	return StatusOK
}

// proxy_call_foreign_function(name, name_size, args, args_size, results, results_size):
// exports.cc call_foreign_function. This host registers no foreign functions, so any name is
// NotFound, as in an Envoy built without them.
func proxyCallForeignFunction(v *vm, s []uint64) Status {
	if _, ok := v.readString(u32(s[0]), u32(s[1])); !ok {
		return StatusInvalidMemoryAccess
	}
	if _, ok := v.readString(u32(s[2]), u32(s[3])); !ok {
		return StatusInvalidMemoryAccess
	}
	return StatusNotFound
}

// proxy_set_tick_period_milliseconds(period): exports.cc set_tick_period_milliseconds, Envoy
// Wasm::setTickPeriod: the first tick comes one period after the call; 0 stops the timer.
func proxySetTickPeriod(v *vm, s []uint64) Status {
	p := time.Duration(u32(s[0])) * time.Millisecond
	v.tickPeriod = p
	if p > 0 {
		v.nextTick = v.h.clock.Now().Add(p)
	}
	return StatusOK
}

// proxy_get_current_time_nanoseconds(return_time): exports.cc get_current_time_nanoseconds,
// Envoy Context::getCurrentTimeNanoseconds (the realtime clock).
func proxyGetCurrentTime(v *vm, s []uint64) Status {
	if !v.writeU64(u32(s[0]), uint64(v.h.clock.Now().UnixNano())) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}
