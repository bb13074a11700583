//go:build wasip1

// Command probe is the host's test module: a proxy-wasm filter written against the raw ABI (no
// SDK) whose behaviour is chosen by the plugin configuration, one word per scenario. It reports
// what it observes as info log lines "key=value", which the tests read back.
//
// Scenarios:
//
//	abi          on_request_headers probes host calls and logs their status codes
//	gc           64 KiB of garbage per request, so the Go GC runs every few dozen requests
//	timer        (with gc) a runtime timer started at configure time initialises Go's
//	             network poller, as golang/go#78513's plugins did
//	pause        on_request_headers calls out to cluster "jwks" and pauses; the answer is
//	             logged, then the stream is continued (200) or answered 401 locally
//	noeffective  (with pause) continues from the root context without
//	             proxy_set_effective_context
//	tick         a 1 s tick period; every tick is logged
//	queue        a shared queue: each request enqueues its :path, on_queue_ready logs it
//	local        on_request_headers answers 403 locally; on_response_headers logs what it sees
//	panic        on_request_headers panics
//	sleep        on_request_headers calls time.Sleep
//	reject       on_configure logs an error and returns false
//	holdresp     on_response_headers returns StopIteration (1); on_response_body buffers
//	             (StopIterationAndBuffer) until the end of stream, then logs the body it sees;
//	             a body containing "bad" is answered 502 locally, any other is replaced by
//	             "signed:" + body, the header x-signed is set (its status logged) and a
//	             content-length fixed when the headers are still reachable
//	bufferresp   as holdresp, but on_response_headers lets the headers go (Continue)
//
// The test builds it with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared.
package main

import (
	"encoding/binary"
	"strings"
	"time"
	"unsafe"
)

var (
	config   string
	rootID   uint32
	queueID  uint32
	ticks    int
	requests int
	retained [64][]byte
	// waiting maps a callout token to the stream that waits for it.
	waiting = map[uint32]uint32{}
)

func has(word string) bool {
	for _, w := range strings.Fields(config) {
		if w == word {
			return true
		}
	}
	return false
}

func main() {}

//go:wasmexport proxy_abi_version_0_2_1
func abiVersion() {}

//go:wasmexport proxy_on_context_create
func onContextCreate(contextID, parentID uint32) {
	if parentID == 0 {
		rootID = contextID
	}
}

//go:wasmexport proxy_on_vm_start
func onVMStart(rootID, size uint32) uint32 { return 1 }

//go:wasmexport proxy_on_configure
func onConfigure(root, size uint32) uint32 {
	b, _ := getBuffer(7, size)
	config = string(b)
	if has("reject") {
		msg := "probe: configuration rejected"
		proxyLog(4, ptr(msg), uint32(len(msg)))
		return 0
	}
	if has("timer") {
		time.AfterFunc(time.Hour, func() {})
	}
	if has("tick") {
		proxySetTickPeriod(1000)
	}
	if has("queue") {
		name := "q"
		proxyRegisterSharedQueue(ptr(name), 1, unsafe.Pointer(&queueID))
	}
	return 1
}

//go:wasmexport proxy_on_tick
func onTick(root uint32) {
	ticks++
	logf("tick=" + itoa(int64(ticks)))
}

//go:wasmexport proxy_on_queue_ready
func onQueueReady(root, queue uint32) {
	var addr, size uint32
	st := proxyDequeueSharedQueue(queue, unsafe.Pointer(&addr), unsafe.Pointer(&size))
	logf("dequeued=" + string(out(addr, size)) + " status=" + itoa(int64(st)))
}

//go:wasmexport proxy_on_request_headers
func onRequestHeaders(contextID, headers, endOfStream uint32) uint32 {
	requests++
	switch {
	case has("gc"):
		var addr, size uint32
		proxyGetHeaderMapPairs(0, unsafe.Pointer(&addr), unsafe.Pointer(&size))
		p := out(addr, size)
		b := make([]byte, 64<<10)
		copy(b, p)
		retained[requests%len(retained)] = b[:len(p)+1]
	case has("abi"):
		probeABI(contextID)
	case has("pause"):
		return dispatch(contextID)
	case has("queue"):
		path, _ := getHeader(0, ":path")
		proxyEnqueueSharedQueue(queueID, ptr(path), uint32(len(path)))
	case has("local"):
		body := "denied"
		h := pairs("x-reason", "probe")
		details := "probe denied"
		st := proxySendLocalResponse(403, ptr(details), uint32(len(details)), ptr(body), uint32(len(body)), bptr(h), uint32(len(h)), -1)
		logf("local_response=" + itoa(int64(st)))
		return 0 // Envoy stops the chain anyway after a local reply
	case has("panic"):
		panic("probe: deliberate panic")
	case has("sleep"):
		time.Sleep(time.Second)
	}
	return 0
}

//go:wasmexport proxy_on_response_headers
func onResponseHeaders(contextID, headers, endOfStream uint32) uint32 {
	status, _ := getHeader(2, ":status")
	logf("response_status=" + status)
	name, value := "x-probe", "seen"
	proxyAddHeaderMapValue(2, ptr(name), uint32(len(name)), ptr(value), uint32(len(value)))
	if has("holdresp") {
		return 1
	}
	return 0
}

//go:wasmexport proxy_on_response_body
func onResponseBody(contextID, size, endOfStream uint32) uint32 {
	if !has("holdresp") && !has("bufferresp") {
		return 0
	}
	logf("response_body_size=" + itoa(int64(size)) + " eos=" + itoa(int64(endOfStream)))
	if endOfStream == 0 {
		return 1 // StopIterationAndBuffer
	}
	body, _ := getBuffer(1, size)
	logf("response_body=" + string(body))
	if strings.Contains(string(body), "bad") {
		msg := "bad gateway"
		proxySendLocalResponse(502, nil, 0, ptr(msg), uint32(len(msg)), nil, 0, -1)
		return 1
	}
	repl := "signed:" + string(body)
	logf("set_body=" + itoa(int64(proxySetBufferBytes(1, 0, size, ptr(repl), uint32(len(repl))))))
	name, value := "x-signed", "1"
	logf("set_header=" + itoa(int64(proxyReplaceHeaderMapValue(2, ptr(name), uint32(len(name)), ptr(value), uint32(len(value))))))
	if cl, st := getHeader(2, "content-length"); st == 0 && cl != "" {
		name, value = "content-length", itoa(int64(len(repl)))
		proxyReplaceHeaderMapValue(2, ptr(name), uint32(len(name)), ptr(value), uint32(len(value)))
	}
	return 0
}

func dispatch(contextID uint32) uint32 {
	cluster := "jwks"
	h := pairs(":method", "GET", ":path", "/keys", ":authority", "idp")
	var token uint32
	st := proxyHTTPCall(ptr(cluster), uint32(len(cluster)), bptr(h), uint32(len(h)), nil, 0, nil, 0, 5000, unsafe.Pointer(&token))
	logf("http_call=" + itoa(int64(st)))
	if st != 0 {
		return 0
	}
	waiting[token] = contextID
	return 1
}

//go:wasmexport proxy_on_http_call_response
func onHTTPCallResponse(root, token, headers, bodySize, trailers uint32) {
	status, _ := getHeader(6, ":status")
	body, _ := getBuffer(4, bodySize)
	var code, addr, size uint32
	proxyGetStatus(unsafe.Pointer(&code), unsafe.Pointer(&addr), unsafe.Pointer(&size))
	msg := string(out(addr, size))
	logf("callout headers=" + itoa(int64(headers)) + " body=" + string(body) + " status=" + status +
		" get_status=" + itoa(int64(code)) + "/" + msg)
	stream := waiting[token]
	delete(waiting, token)
	if !has("noeffective") {
		proxySetEffectiveContext(stream)
	}
	if status == "200" {
		logf("continue=" + itoa(int64(proxyContinueStream(0))))
		return
	}
	body401 := "no keys"
	proxySendLocalResponse(401, nil, 0, ptr(body401), uint32(len(body401)), nil, 0, -1)
}

//go:wasmexport proxy_on_done
func onDone(contextID uint32) uint32 { return 1 }

//go:wasmexport proxy_on_log
func onLog(contextID uint32) {
	if has("abi") {
		// In the access-log phase request headers are readable, not writable.
		v, st := getHeader(0, ":path")
		logf("log_path=" + v + " status=" + itoa(int64(st)))
	}
}

//go:wasmexport proxy_on_delete
func onDelete(contextID uint32) {}

// probeABI logs the status of host calls whose answers Envoy defines.
func probeABI(contextID uint32) {
	report := func(key string, st uint32) { logf(key + "=" + itoa(int64(st))) }

	report("bad_pointer_log", proxyLog(2, unsafe.Pointer(uintptr(0xFFFFFFF0)), 100))
	report("bad_level_log", proxyLog(9, ptr("x"), 1))
	path, st := getHeader(0, ":path")
	logf("path=" + path + " status=" + itoa(int64(st)))
	_, st = getHeader(0, "x-missing")
	report("missing_header", st)
	_, st = getHeader(99, ":path")
	report("bad_map", st)
	_, st = getHeader(6, ":status")
	report("callout_map_outside_callback", st)

	name, _ := getProperty("plugin_name")
	logf("plugin_name=" + string(name))
	rp, _ := getProperty("request\x00path")
	logf("request.path=" + string(rp))
	port, _ := getProperty("source\x00port")
	if len(port) == 8 {
		logf("source.port=" + itoa(int64(binary.LittleEndian.Uint64(port))))
	}
	mtls, _ := getProperty("connection\x00mtls")
	logf("connection.mtls_len=" + itoa(int64(len(mtls))))
	digest, st := getProperty("connection\x00sha256_peer_certificate_digest")
	logf("peer_certificate_digest=" + string(digest) + " status=" + itoa(int64(st)))
	_, st = getProperty("no_such_property")
	report("unknown_property", st)
	key, val := "probe_state", "v1"
	report("set_property", proxySetProperty(ptr(key), uint32(len(key)), ptr(val), uint32(len(val))))
	got, _ := getProperty(key)
	logf("get_set_property=" + string(got))

	k := "shared-key"
	report("shared_set", proxySetSharedData(ptr(k), uint32(len(k)), ptr("a"), 1, 0))
	var addr, size, cas uint32
	proxyGetSharedData(ptr(k), uint32(len(k)), unsafe.Pointer(&addr), unsafe.Pointer(&size), unsafe.Pointer(&cas))
	out(addr, size)
	report("shared_set_stale_cas", proxySetSharedData(ptr(k), uint32(len(k)), ptr("b"), 1, cas+1))
	report("shared_set_cas", proxySetSharedData(ptr(k), uint32(len(k)), ptr("c"), 1, cas))
	missing := "no-such-key"
	report("shared_get_missing", proxyGetSharedData(ptr(missing), uint32(len(missing)), unsafe.Pointer(&addr), unsafe.Pointer(&size), unsafe.Pointer(&cas)))

	var counter uint32
	cname := "probe_requests"
	proxyDefineMetric(0, ptr(cname), uint32(len(cname)), unsafe.Pointer(&counter))
	report("increment", proxyIncrementMetric(counter, 1))
	report("increment_zero", proxyIncrementMetric(counter, 0))
	var value uint64
	proxyGetMetric(counter, unsafe.Pointer(&value))
	logf("counter_value=" + itoa(int64(value)))

	_, st = getBuffer(7, 100)
	report("plugin_config_outside_configure", st)

	good := pairs(":method", "GET", ":path", "/", ":authority", "idp")
	noAuthority := pairs(":method", "GET", ":path", "/")
	var token uint32
	for _, c := range []struct {
		key, cluster string
		headers      []byte
	}{{"http_call_ok", "jwks", good}, {"http_call_no_authority", "jwks", noAuthority}, {"http_call_unknown_cluster", "nowhere", good}} {
		report(c.key, proxyHTTPCall(ptr(c.cluster), uint32(len(c.cluster)), bptr(c.headers), uint32(len(c.headers)), nil, 0, nil, 0, 1000, unsafe.Pointer(&token)))
	}
	report("http_call_bad_token_pointer", proxyHTTPCall(ptr("jwks"), 4, bptr(good), uint32(len(good)), nil, 0, nil, 0, 1000, unsafe.Pointer(uintptr(0xFFFFFFFC))))
	report("effective_unknown", proxySetEffectiveContext(99999))
	report("continue_upstream", proxyContinueStream(3))
	report("continue_bad_type", proxyContinueStream(9))
}
