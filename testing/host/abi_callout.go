package host

import (
	"strconv"
	"time"
)

// proxy_http_call(upstream, upstream_size, headers, headers_size, body, body_size, trailers,
// trailers_size, timeout_ms, return_token): exports.cc http_call (always on the root context)
// and Envoy Context::httpCall:
//   - the token pointer is checked before anything is dispatched;
//   - an unknown cluster is BadArgument (envoyproxy/envoy#15311; proxy-wasm-go-sdk#345);
//   - :path, :method and :authority must be present, else BadArgument;
//   - timeout 0 means no timeout (absl::nullopt);
//   - a body sets content-length.
//
// The answer arrives later through proxy_on_http_call_response on the root context.
func proxyHTTPCall(v *vm, s []uint64) Status {
	cluster, ok1 := v.readString(u32(s[0]), u32(s[1]))
	hdrs, ok2 := v.read(u32(s[2]), u32(s[3]))
	body, ok3 := v.read(u32(s[4]), u32(s[5]))
	trls, ok4 := v.read(u32(s[6]), u32(s[7]))
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return StatusInvalidMemoryAccess
	}
	tokenPtr := u32(s[9])
	if !v.writeU32(tokenPtr, 0) {
		return StatusInvalidMemoryAccess
	}
	if v.root == nil {
		return StatusBadArgument
	}
	if !v.h.opts.AnyCluster && !v.h.clusters[cluster] {
		return StatusBadArgument
	}
	headers := lowerNames(decodePairs(hdrs))
	for _, required := range []string{":path", ":method", ":authority"} {
		if _, ok := headerValue(headers, required); !ok {
			return StatusBadArgument
		}
	}
	if len(body) > 0 {
		headers = append(removeHeader(headers, "content-length"), [2]string{"content-length", strconv.Itoa(len(body))})
	}
	now := v.h.clock.Now()
	p := &pendingCallout{
		Callout: Callout{
			VM: v.index, Cluster: cluster, Headers: headers, Body: body,
			Trailers: lowerNames(decodePairs(trls)),
			Timeout:  time.Duration(u32(s[8])) * time.Millisecond,
			Sent:     now,
		},
		root: v.root.id,
	}
	if p.Timeout > 0 {
		p.deadline = now.Add(p.Timeout)
	}
	id := v.h.callouts.add(p)
	v.writeU32(tokenPtr, id)
	return StatusOK
}

// gRPC: the JWT filter does not use it and the host does not emulate it. Envoy answers an
// unparseable service with ParseFailure (Context::grpcCall); the host answers every call so,
// and logs why, rather than pretend the call went out.
func proxyGrpcUnsupported(v *vm, s []uint64) Status {
	v.h.logs.add(v.index, 0, LogError, "host: gRPC callouts are not emulated")
	return StatusParseFailure
}

// proxy_grpc_close/cancel/send on a token the host never issued: NotFound (Context::grpcSend).
func proxyGrpcTokenUnknown(v *vm, s []uint64) Status { return StatusNotFound }
