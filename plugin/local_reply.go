//go:build !tinygo

package plugin

import (
	"encoding/binary"
	_ "unsafe" // go:linkname

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// sendLocalReply sends a local reply with Envoy's response code details
// (jwt_authn_access_denied{...}), which access logs show as %RESPONSE_CODE_DETAILS%.
//
// proxy-wasm-go-sdk v0.24.0's SendHttpResponse always passes empty details, and the ABI call
// that takes them lives in the SDK's internal package. proxySendLocalResponse is bound to it
// by go:linkname: the same function the SDK itself calls, in both the native emulator and
// the Wasm build (where our ABI glue routes it to the host's proxy_send_local_response). The
// SDK version is pinned in go.mod, and local_reply_test.go checks the binding on both runners.
func sendLocalReply(code uint32, headers [][2]string, body []byte, details string) error {
	h := serializeHeaders(headers)
	var bp, dp *byte
	if len(body) > 0 {
		bp = &body[0]
	}
	d := []byte(details)
	if len(d) > 0 {
		dp = &d[0]
	}
	if st := proxySendLocalResponse(code, dp, len(d), bp, len(body), &h[0], len(h), -1); st != 0 {
		return types.ErrorStatusBadArgument
	}
	return nil
}

//go:linkname proxySendLocalResponse github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/internal.ProxySendLocalResponse
func proxySendLocalResponse(statusCode uint32, detail *byte, detailSize int, body *byte, bodySize int,
	headers *byte, headersSize int, grpcStatus int32) uint32

// serializeHeaders encodes a header map in the proxy-wasm wire format: the pair count, the
// key and value sizes, then each key and value followed by a NUL (little-endian u32s).
func serializeHeaders(hs [][2]string) []byte {
	size := 4
	for _, h := range hs {
		size += 8 + len(h[0]) + len(h[1]) + 2
	}
	b := make([]byte, size)
	binary.LittleEndian.PutUint32(b, uint32(len(hs)))
	off := 4
	for _, h := range hs {
		binary.LittleEndian.PutUint32(b[off:], uint32(len(h[0])))
		binary.LittleEndian.PutUint32(b[off+4:], uint32(len(h[1])))
		off += 8
	}
	for _, h := range hs {
		off += copy(b[off:], h[0]) + 1
		off += copy(b[off:], h[1]) + 1
	}
	return b
}
