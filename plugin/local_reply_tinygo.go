//go:build tinygo

package plugin

import "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

// sendLocalReply under TinyGo: the SDK's public call, which cannot carry response code
// details (see local_reply.go).
func sendLocalReply(code uint32, headers [][2]string, body []byte, _ string) error {
	return proxywasm.SendHttpResponse(code, headers, body, -1)
}
