//go:build wasip1

package main

import (
	"encoding/binary"
	"unsafe"
)

// The proxy-wasm imports the probe uses, declared by hand: no SDK, so that every call the
// tests check is exactly the one written here.

//go:wasmimport env proxy_log
func proxyLog(level uint32, msg unsafe.Pointer, size uint32) uint32

//go:wasmimport env proxy_get_buffer_bytes
func proxyGetBufferBytes(bufferType, start, maxSize uint32, retData, retSize unsafe.Pointer) uint32

//go:wasmimport env proxy_get_header_map_pairs
func proxyGetHeaderMapPairs(mapType uint32, retData, retSize unsafe.Pointer) uint32

//go:wasmimport env proxy_get_header_map_value
func proxyGetHeaderMapValue(mapType uint32, key unsafe.Pointer, keySize uint32, retData, retSize unsafe.Pointer) uint32

//go:wasmimport env proxy_add_header_map_value
func proxyAddHeaderMapValue(mapType uint32, key unsafe.Pointer, keySize uint32, value unsafe.Pointer, valueSize uint32) uint32

//go:wasmimport env proxy_get_property
func proxyGetProperty(path unsafe.Pointer, pathSize uint32, retData, retSize unsafe.Pointer) uint32

//go:wasmimport env proxy_set_property
func proxySetProperty(path unsafe.Pointer, pathSize uint32, value unsafe.Pointer, valueSize uint32) uint32

//go:wasmimport env proxy_get_shared_data
func proxyGetSharedData(key unsafe.Pointer, keySize uint32, retData, retSize, retCas unsafe.Pointer) uint32

//go:wasmimport env proxy_set_shared_data
func proxySetSharedData(key unsafe.Pointer, keySize uint32, value unsafe.Pointer, valueSize uint32, cas uint32) uint32

//go:wasmimport env proxy_register_shared_queue
func proxyRegisterSharedQueue(name unsafe.Pointer, nameSize uint32, retID unsafe.Pointer) uint32

//go:wasmimport env proxy_enqueue_shared_queue
func proxyEnqueueSharedQueue(queueID uint32, value unsafe.Pointer, valueSize uint32) uint32

//go:wasmimport env proxy_dequeue_shared_queue
func proxyDequeueSharedQueue(queueID uint32, retData, retSize unsafe.Pointer) uint32

//go:wasmimport env proxy_http_call
func proxyHTTPCall(upstream unsafe.Pointer, upstreamSize uint32, headers unsafe.Pointer, headersSize uint32, body unsafe.Pointer, bodySize uint32, trailers unsafe.Pointer, trailersSize uint32, timeout uint32, retID unsafe.Pointer) uint32

//go:wasmimport env proxy_get_status
func proxyGetStatus(retCode, retData, retSize unsafe.Pointer) uint32

//go:wasmimport env proxy_set_effective_context
func proxySetEffectiveContext(contextID uint32) uint32

//go:wasmimport env proxy_continue_stream
func proxyContinueStream(streamType uint32) uint32

//go:wasmimport env proxy_send_local_response
func proxySendLocalResponse(status uint32, detail unsafe.Pointer, detailSize uint32, body unsafe.Pointer, bodySize uint32, headers unsafe.Pointer, headersSize uint32, grpcStatus int32) uint32

//go:wasmimport env proxy_set_buffer_bytes
func proxySetBufferBytes(bufferType, start, size uint32, data unsafe.Pointer, dataSize uint32) uint32

//go:wasmimport env proxy_replace_header_map_value
func proxyReplaceHeaderMapValue(mapType uint32, key unsafe.Pointer, keySize uint32, value unsafe.Pointer, valueSize uint32) uint32

//go:wasmimport env proxy_set_tick_period_milliseconds
func proxySetTickPeriod(period uint32) uint32

//go:wasmimport env proxy_define_metric
func proxyDefineMetric(metricType uint32, name unsafe.Pointer, nameSize uint32, retID unsafe.Pointer) uint32

//go:wasmimport env proxy_increment_metric
func proxyIncrementMetric(metricID uint32, offset int64) uint32

//go:wasmimport env proxy_get_metric
func proxyGetMetric(metricID uint32, retValue unsafe.Pointer) uint32

// pinned keeps buffers handed to the host alive until the host call that asked returns.
var pinned [][]byte

//go:wasmexport proxy_on_memory_allocate
func onMemoryAllocate(size uint32) uint32 {
	if size == 0 {
		size = 1
	}
	b := make([]byte, size)
	pinned = append(pinned, b)
	return uint32(uintptr(unsafe.Pointer(&b[0])))
}

func ptr(s string) unsafe.Pointer {
	if s == "" {
		return nil
	}
	return unsafe.Pointer(unsafe.StringData(s))
}

func bptr(b []byte) unsafe.Pointer {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Pointer(&b[0])
}

// out copies what the host returned through (addr, size) and releases the pins.
func out(addr, size uint32) []byte {
	defer func() { pinned = pinned[:0] }()
	if addr == 0 || size == 0 {
		return nil
	}
	return append([]byte(nil), unsafe.Slice((*byte)(unsafe.Pointer(uintptr(addr))), size)...)
}

func logf(msg string) { proxyLog(2, ptr(msg), uint32(len(msg))) }

func itoa(v int64) string {
	if v == 0 {
		return "0"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

func getHeader(mapType uint32, key string) (string, uint32) {
	var addr, size uint32
	st := proxyGetHeaderMapValue(mapType, ptr(key), uint32(len(key)), unsafe.Pointer(&addr), unsafe.Pointer(&size))
	return string(out(addr, size)), st
}

func getProperty(path string) ([]byte, uint32) {
	var addr, size uint32
	st := proxyGetProperty(ptr(path), uint32(len(path)), unsafe.Pointer(&addr), unsafe.Pointer(&size))
	return out(addr, size), st
}

func getBuffer(bufferType, max uint32) ([]byte, uint32) {
	var addr, size uint32
	st := proxyGetBufferBytes(bufferType, 0, max, unsafe.Pointer(&addr), unsafe.Pointer(&size))
	return out(addr, size), st
}

// pairs serialises header pairs the proxy-wasm way.
func pairs(kv ...string) []byte {
	n := len(kv) / 2
	size := 4 + 8*n
	for _, s := range kv {
		size += len(s) + 1
	}
	b := make([]byte, size)
	binary.LittleEndian.PutUint32(b, uint32(n))
	pos := 4
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint32(b[pos:], uint32(len(kv[2*i])))
		binary.LittleEndian.PutUint32(b[pos+4:], uint32(len(kv[2*i+1])))
		pos += 8
	}
	for _, s := range kv {
		pos += copy(b[pos:], s) + 1
	}
	return b
}
