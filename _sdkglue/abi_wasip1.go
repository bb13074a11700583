// Copyright 2026 The proxy-wasm-jwt Authors. SPDX-License-Identifier: Apache-2.0

//go:build wasip1 && !tinygo

// This file is not part of our module. The Makefile copies it into a build-time copy of
// github.com/tetratelabs/proxy-wasm-go-sdk@v0.24.0, into its proxywasm/internal package in
// place of the SDK's abi_hostcalls_mock.go, so that a module compiled by standard Go
// (GOOS=wasip1, -buildmode=c-shared) speaks the proxy-wasm ABI 0.2.1. The directory name starts with "_" so that the go tool ignores it
// everywhere else. See RATIONALE.md, "Why a build-time copy of the SDK".
//
// Under TinyGo the SDK reaches the host through //export declarations without bodies
// (abi_hostcalls.go). Standard Go has no such thing: it needs //go:wasmimport for calls
// into the host and //go:wasmexport for callbacks. Without TinyGo the SDK routes every host
// call through the ProxyWasmHost interface of abi_hostcalls_mock.go, which is how its
// proxytest emulator works. We replace that file with the same functions calling the real
// imports directly (see "The SDK's host-call functions" below for why not through the
// interface), and export every proxy_on_* callback as a thin wrapper of the SDK's own.
//
// Two differences from TinyGo matter here:
//   - Go's int and pointers are 64 bits wide, the wasm32 ABI's are 32: sizes and returned
//     addresses go through uint32 slots and are converted.
//   - Go's garbage collector is precise and moving-free but does not know that the host
//     holds an address returned by proxy_on_memory_allocate. Buffers allocated for the host
//     stay referenced in pinned until the host call that asked for them returns.

package internal

import (
	"unsafe"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// pinned keeps alive the buffers proxy_on_memory_allocate handed to the host during the
// host call now running. A wasm module is single-threaded, so no lock is needed.
var pinned [][]byte

//go:wasmexport proxy_abi_version_0_2_1
func exportABIVersion() {}

//go:wasmexport proxy_on_memory_allocate
func exportOnMemoryAllocate(size uint32) uint32 {
	if size == 0 {
		size = 1
	}
	buf := make([]byte, size)
	pinned = append(pinned, buf)
	return uint32(uintptr(unsafe.Pointer(&buf[0])))
}

// returned turns an address the host wrote into a Go pointer and releases the pins. From
// here on the SDK's own references keep the buffer alive.
func returned(addr uint32) *byte {
	var b *byte
	if addr != 0 {
		b = (*byte)(unsafe.Pointer(uintptr(addr)))
	}
	unpin()
	return b
}

func unpin() {
	for i := range pinned {
		pinned[i] = nil
	}
	pinned = pinned[:0]
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

// ---- Callbacks: host -> module ----------------------------------------------------------

//go:wasmexport proxy_on_context_create
func exportOnContextCreate(contextID, parentID uint32) { proxyOnContextCreate(contextID, parentID) }

//go:wasmexport proxy_on_vm_start
func exportOnVMStart(rootID, size uint32) int32 {
	return b2i(bool(proxyOnVMStart(rootID, int(size))))
}

//go:wasmexport proxy_on_configure
func exportOnConfigure(rootID, size uint32) int32 {
	return b2i(bool(proxyOnConfigure(rootID, int(size))))
}

//go:wasmexport proxy_on_tick
func exportOnTick(rootID uint32) { proxyOnTick(rootID) }

//go:wasmexport proxy_on_queue_ready
func exportOnQueueReady(rootID, queueID uint32) { proxyOnQueueReady(rootID, queueID) }

//go:wasmexport proxy_on_done
func exportOnDone(contextID uint32) int32 { return b2i(proxyOnDone(contextID)) }

//go:wasmexport proxy_on_log
func exportOnLog(contextID uint32) { proxyOnLog(contextID) }

//go:wasmexport proxy_on_delete
func exportOnDelete(contextID uint32) { proxyOnDelete(contextID) }

//go:wasmexport proxy_on_request_headers
func exportOnRequestHeaders(contextID, headers, endOfStream uint32) uint32 {
	return uint32(proxyOnRequestHeaders(contextID, int(headers), endOfStream != 0))
}

//go:wasmexport proxy_on_request_body
func exportOnRequestBody(contextID, size, endOfStream uint32) uint32 {
	return uint32(proxyOnRequestBody(contextID, int(size), endOfStream != 0))
}

//go:wasmexport proxy_on_request_trailers
func exportOnRequestTrailers(contextID, trailers uint32) uint32 {
	return uint32(proxyOnRequestTrailers(contextID, int(trailers)))
}

//go:wasmexport proxy_on_response_headers
func exportOnResponseHeaders(contextID, headers, endOfStream uint32) uint32 {
	return uint32(proxyOnResponseHeaders(contextID, int(headers), endOfStream != 0))
}

//go:wasmexport proxy_on_response_body
func exportOnResponseBody(contextID, size, endOfStream uint32) uint32 {
	return uint32(proxyOnResponseBody(contextID, int(size), endOfStream != 0))
}

//go:wasmexport proxy_on_response_trailers
func exportOnResponseTrailers(contextID, trailers uint32) uint32 {
	return uint32(proxyOnResponseTrailers(contextID, int(trailers)))
}

//go:wasmexport proxy_on_http_call_response
func exportOnHttpCallResponse(rootID, calloutID, headers, bodySize, trailers uint32) {
	proxyOnHttpCallResponse(rootID, calloutID, int(headers), int(bodySize), int(trailers))
}

//go:wasmexport proxy_on_new_connection
func exportOnNewConnection(contextID uint32) uint32 { return uint32(proxyOnNewConnection(contextID)) }

//go:wasmexport proxy_on_downstream_data
func exportOnDownstreamData(contextID, size, endOfStream uint32) uint32 {
	return uint32(proxyOnDownstreamData(contextID, int(size), endOfStream != 0))
}

//go:wasmexport proxy_on_downstream_connection_close
func exportOnDownstreamConnectionClose(contextID, peer uint32) {
	proxyOnDownstreamConnectionClose(contextID, types.PeerType(peer))
}

//go:wasmexport proxy_on_upstream_data
func exportOnUpstreamData(contextID, size, endOfStream uint32) uint32 {
	return uint32(proxyOnUpstreamData(contextID, int(size), endOfStream != 0))
}

//go:wasmexport proxy_on_upstream_connection_close
func exportOnUpstreamConnectionClose(contextID, peer uint32) {
	proxyOnUpstreamConnectionClose(contextID, types.PeerType(peer))
}

// ---- Host calls: module -> host ---------------------------------------------------------

//go:wasmimport env proxy_log
func hostLog(level uint32, msg unsafe.Pointer, msgSize uint32) uint32

//go:wasmimport env proxy_set_property
func hostSetProperty(path unsafe.Pointer, pathSize uint32, value unsafe.Pointer, valueSize uint32) uint32

//go:wasmimport env proxy_get_property
func hostGetProperty(path unsafe.Pointer, pathSize uint32, retData, retSize unsafe.Pointer) uint32

//go:wasmimport env proxy_send_local_response
func hostSendLocalResponse(status uint32, detail unsafe.Pointer, detailSize uint32, body unsafe.Pointer, bodySize uint32, headers unsafe.Pointer, headersSize uint32, grpcStatus int32) uint32

//go:wasmimport env proxy_get_shared_data
func hostGetSharedData(key unsafe.Pointer, keySize uint32, retData, retSize, retCas unsafe.Pointer) uint32

//go:wasmimport env proxy_set_shared_data
func hostSetSharedData(key unsafe.Pointer, keySize uint32, value unsafe.Pointer, valueSize uint32, cas uint32) uint32

//go:wasmimport env proxy_register_shared_queue
func hostRegisterSharedQueue(name unsafe.Pointer, nameSize uint32, retID unsafe.Pointer) uint32

//go:wasmimport env proxy_resolve_shared_queue
func hostResolveSharedQueue(vmID unsafe.Pointer, vmIDSize uint32, name unsafe.Pointer, nameSize uint32, retID unsafe.Pointer) uint32

//go:wasmimport env proxy_dequeue_shared_queue
func hostDequeueSharedQueue(queueID uint32, retData, retSize unsafe.Pointer) uint32

//go:wasmimport env proxy_enqueue_shared_queue
func hostEnqueueSharedQueue(queueID uint32, value unsafe.Pointer, valueSize uint32) uint32

//go:wasmimport env proxy_get_header_map_value
func hostGetHeaderMapValue(mapType uint32, key unsafe.Pointer, keySize uint32, retData, retSize unsafe.Pointer) uint32

//go:wasmimport env proxy_add_header_map_value
func hostAddHeaderMapValue(mapType uint32, key unsafe.Pointer, keySize uint32, value unsafe.Pointer, valueSize uint32) uint32

//go:wasmimport env proxy_replace_header_map_value
func hostReplaceHeaderMapValue(mapType uint32, key unsafe.Pointer, keySize uint32, value unsafe.Pointer, valueSize uint32) uint32

//go:wasmimport env proxy_remove_header_map_value
func hostRemoveHeaderMapValue(mapType uint32, key unsafe.Pointer, keySize uint32) uint32

//go:wasmimport env proxy_get_header_map_pairs
func hostGetHeaderMapPairs(mapType uint32, retData, retSize unsafe.Pointer) uint32

//go:wasmimport env proxy_set_header_map_pairs
func hostSetHeaderMapPairs(mapType uint32, data unsafe.Pointer, size uint32) uint32

//go:wasmimport env proxy_get_buffer_bytes
func hostGetBufferBytes(bufferType, start, maxSize uint32, retData, retSize unsafe.Pointer) uint32

//go:wasmimport env proxy_set_buffer_bytes
func hostSetBufferBytes(bufferType, start, maxSize uint32, data unsafe.Pointer, size uint32) uint32

//go:wasmimport env proxy_continue_stream
func hostContinueStream(streamType uint32) uint32

//go:wasmimport env proxy_close_stream
func hostCloseStream(streamType uint32) uint32

//go:wasmimport env proxy_http_call
func hostHttpCall(upstream unsafe.Pointer, upstreamSize uint32, headers unsafe.Pointer, headersSize uint32, body unsafe.Pointer, bodySize uint32, trailers unsafe.Pointer, trailersSize uint32, timeout uint32, retCalloutID unsafe.Pointer) uint32

//go:wasmimport env proxy_call_foreign_function
func hostCallForeignFunction(name unsafe.Pointer, nameSize uint32, param unsafe.Pointer, paramSize uint32, retData, retSize unsafe.Pointer) uint32

//go:wasmimport env proxy_set_tick_period_milliseconds
func hostSetTickPeriodMilliseconds(period uint32) uint32

//go:wasmimport env proxy_set_effective_context
func hostSetEffectiveContext(contextID uint32) uint32

//go:wasmimport env proxy_done
func hostDone() uint32

//go:wasmimport env proxy_define_metric
func hostDefineMetric(metricType uint32, name unsafe.Pointer, nameSize uint32, retID unsafe.Pointer) uint32

//go:wasmimport env proxy_increment_metric
func hostIncrementMetric(metricID uint32, offset int64) uint32

//go:wasmimport env proxy_record_metric
func hostRecordMetric(metricID uint32, value uint64) uint32

//go:wasmimport env proxy_get_metric
func hostGetMetric(metricID uint32, retValue unsafe.Pointer) uint32

// ---- The SDK's host-call functions ------------------------------------------------------
//
// These replace the SDK's abi_hostcalls_mock.go, which the Makefile leaves out of the copy:
// there every host call goes through the ProxyWasmHost interface, and a call through an
// interface makes each out-parameter of each caller escape to the heap (two allocations per
// header read in the SDK's getMap alone). Here the calls are direct, and the out-parameters
// are not handed to the imports either, because a pointer passed to a //go:wasmimport
// function escapes too: the host writes into the package's slots below, which are copied
// out after the call. A module runs one host call at a time (the only call the host makes
// back during one, proxy_on_memory_allocate, makes no host call that returns data), so one
// set of slots is enough.

var (
	slotAddr, slotSize uint32 // returned data: address and size
	slotU32            uint32 // returned id, callout id or CAS
	slotU64            uint64 // returned metric value
)

// p converts the SDK's *byte arguments; a nil pointer stays nil (address 0).
func p(b *byte) unsafe.Pointer { return unsafe.Pointer(b) }

// takeData stores the data the host returned in the slots into the SDK's out-parameters.
func takeData(retData **byte, retSize *int) {
	d := returned(slotAddr)
	*retData, *retSize = d, int(slotSize)
	if d == nil {
		*retSize = 0
	}
	slotAddr, slotSize = 0, 0
}

var (
	dataSlots = [2]unsafe.Pointer{unsafe.Pointer(&slotAddr), unsafe.Pointer(&slotSize)}
	u32Slot   = unsafe.Pointer(&slotU32)
	u64Slot   = unsafe.Pointer(&slotU64)
)

func ProxyLog(level LogLevel, msg *byte, size int) Status {
	return Status(hostLog(uint32(level), p(msg), uint32(size)))
}

func ProxySetProperty(path *byte, pathSize int, value *byte, valueSize int) Status {
	return Status(hostSetProperty(p(path), uint32(pathSize), p(value), uint32(valueSize)))
}

func ProxyGetProperty(path *byte, pathSize int, retData **byte, retSize *int) Status {
	st := Status(hostGetProperty(p(path), uint32(pathSize), dataSlots[0], dataSlots[1]))
	takeData(retData, retSize)
	return st
}

func ProxySendLocalResponse(status uint32, detail *byte, detailSize int, body *byte, bodySize int, headers *byte, headersSize int, grpcStatus int32) Status {
	return Status(hostSendLocalResponse(status, p(detail), uint32(detailSize), p(body), uint32(bodySize), p(headers), uint32(headersSize), grpcStatus))
}

func ProxyGetSharedData(key *byte, keySize int, retData **byte, retSize *int, retCas *uint32) Status {
	st := Status(hostGetSharedData(p(key), uint32(keySize), dataSlots[0], dataSlots[1], u32Slot))
	takeData(retData, retSize)
	*retCas, slotU32 = slotU32, 0
	return st
}

func ProxySetSharedData(key *byte, keySize int, value *byte, valueSize int, cas uint32) Status {
	return Status(hostSetSharedData(p(key), uint32(keySize), p(value), uint32(valueSize), cas))
}

func ProxyRegisterSharedQueue(name *byte, nameSize int, retID *uint32) Status {
	st := Status(hostRegisterSharedQueue(p(name), uint32(nameSize), u32Slot))
	*retID, slotU32 = slotU32, 0
	return st
}

func ProxyResolveSharedQueue(vmID *byte, vmIDSize int, name *byte, nameSize int, retID *uint32) Status {
	st := Status(hostResolveSharedQueue(p(vmID), uint32(vmIDSize), p(name), uint32(nameSize), u32Slot))
	*retID, slotU32 = slotU32, 0
	return st
}

func ProxyDequeueSharedQueue(queueID uint32, retData **byte, retSize *int) Status {
	st := Status(hostDequeueSharedQueue(queueID, dataSlots[0], dataSlots[1]))
	takeData(retData, retSize)
	return st
}

func ProxyEnqueueSharedQueue(queueID uint32, value *byte, valueSize int) Status {
	return Status(hostEnqueueSharedQueue(queueID, p(value), uint32(valueSize)))
}

func ProxyGetHeaderMapValue(mapType MapType, key *byte, keySize int, retData **byte, retSize *int) Status {
	st := Status(hostGetHeaderMapValue(uint32(mapType), p(key), uint32(keySize), dataSlots[0], dataSlots[1]))
	takeData(retData, retSize)
	return st
}

func ProxyAddHeaderMapValue(mapType MapType, key *byte, keySize int, value *byte, valueSize int) Status {
	return Status(hostAddHeaderMapValue(uint32(mapType), p(key), uint32(keySize), p(value), uint32(valueSize)))
}

func ProxyReplaceHeaderMapValue(mapType MapType, key *byte, keySize int, value *byte, valueSize int) Status {
	return Status(hostReplaceHeaderMapValue(uint32(mapType), p(key), uint32(keySize), p(value), uint32(valueSize)))
}

func ProxyRemoveHeaderMapValue(mapType MapType, key *byte, keySize int) Status {
	return Status(hostRemoveHeaderMapValue(uint32(mapType), p(key), uint32(keySize)))
}

func ProxyGetHeaderMapPairs(mapType MapType, retData **byte, retSize *int) Status {
	st := Status(hostGetHeaderMapPairs(uint32(mapType), dataSlots[0], dataSlots[1]))
	takeData(retData, retSize)
	return st
}

func ProxySetHeaderMapPairs(mapType MapType, data *byte, size int) Status {
	return Status(hostSetHeaderMapPairs(uint32(mapType), p(data), uint32(size)))
}

func ProxyGetBufferBytes(bufferType BufferType, start, maxSize int, retData **byte, retSize *int) Status {
	st := Status(hostGetBufferBytes(uint32(bufferType), uint32(start), uint32(maxSize), dataSlots[0], dataSlots[1]))
	takeData(retData, retSize)
	return st
}

func ProxySetBufferBytes(bufferType BufferType, start, maxSize int, data *byte, size int) Status {
	return Status(hostSetBufferBytes(uint32(bufferType), uint32(start), uint32(maxSize), p(data), uint32(size)))
}

func ProxyContinueStream(streamType StreamType) Status {
	return Status(hostContinueStream(uint32(streamType)))
}

func ProxyCloseStream(streamType StreamType) Status {
	return Status(hostCloseStream(uint32(streamType)))
}

func ProxyHttpCall(upstream *byte, upstreamSize int, headers *byte, headersSize int, body *byte, bodySize int, trailers *byte, trailersSize int, timeout uint32, retCalloutID *uint32) Status {
	st := Status(hostHttpCall(p(upstream), uint32(upstreamSize), p(headers), uint32(headersSize), p(body), uint32(bodySize), p(trailers), uint32(trailersSize), timeout, u32Slot))
	*retCalloutID, slotU32 = slotU32, 0
	return st
}

func ProxyCallForeignFunction(name *byte, nameSize int, param *byte, paramSize int, retData **byte, retSize *int) Status {
	st := Status(hostCallForeignFunction(p(name), uint32(nameSize), p(param), uint32(paramSize), dataSlots[0], dataSlots[1]))
	takeData(retData, retSize)
	return st
}

func ProxySetTickPeriodMilliseconds(period uint32) Status {
	return Status(hostSetTickPeriodMilliseconds(period))
}

func ProxySetEffectiveContext(contextID uint32) Status {
	return Status(hostSetEffectiveContext(contextID))
}

func ProxyDone() Status { return Status(hostDone()) }

func ProxyDefineMetric(metricType MetricType, name *byte, nameSize int, retID *uint32) Status {
	st := Status(hostDefineMetric(uint32(metricType), p(name), uint32(nameSize), u32Slot))
	*retID, slotU32 = slotU32, 0
	return st
}

func ProxyIncrementMetric(metricID uint32, offset int64) Status {
	return Status(hostIncrementMetric(metricID, offset))
}

func ProxyRecordMetric(metricID uint32, value uint64) Status {
	return Status(hostRecordMetric(metricID, value))
}

func ProxyGetMetric(metricID uint32, retValue *uint64) Status {
	st := Status(hostGetMetric(metricID, u64Slot))
	*retValue, slotU64 = slotU64, 0
	return st
}
