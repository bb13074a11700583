package filtertest

import (
	"reflect"
	"unsafe"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// Connection describes the downstream connection a stream arrives on.
type Connection struct {
	// PeerCertificateSHA256 is Envoy's connection.sha256_peer_certificate_digest: the SHA-256
	// of the client certificate's DER, 64 lower-case hex digits. Empty: no client certificate
	// (the property is absent).
	PeerCertificateSHA256 string
}

// NewStreamOn creates a stream (as Host.NewStream) on a connection with the given properties,
// on either runner.
//
// On the native runner the emulator's properties are global, so the stream sets its
// properties before each of its own callbacks and removes them after: the filter sees them in
// the stream's callbacks (headers, body, log), not in a callout response, so it must read them
// while the request headers are processed (which is what Envoy guarantees anyway).
func NewStreamOn(h Host, c Connection) Stream {
	switch h := h.(type) {
	case *wasmHost:
		h.t.Helper()
		s := h.h.NewStream(host.StreamOptions{PeerCertificateSHA256: c.PeerCertificateSHA256})
		h.check()
		return &wasmStream{w: h, s: s}
	case *nativeHost:
		return &nativeConnStream{nativeStream: h.NewStream().(*nativeStream), conn: c}
	}
	panic("filtertest: NewStreamOn on an unknown Host")
}

// peerCertificatePath is the property path as the SDK serialises it (parts joined by NUL).
const peerCertificatePath = "connection\x00sha256_peer_certificate_digest"

type nativeConnStream struct {
	*nativeStream
	conn Connection
}

// around runs f with the connection's properties set in the emulator.
func (s *nativeConnStream) around(f func()) {
	props := emulatorProperties(s.h)
	if s.conn.PeerCertificateSHA256 != "" {
		props[peerCertificatePath] = []byte(s.conn.PeerCertificateSHA256)
	}
	defer delete(props, peerCertificatePath)
	f()
}

func (s *nativeConnStream) SendRequestHeaders(hd Headers, eos bool) (a Action) {
	s.around(func() { a = s.nativeStream.SendRequestHeaders(hd, eos) })
	return a
}

func (s *nativeConnStream) SendRequestBody(body []byte, eos bool) (a Action) {
	s.around(func() { a = s.nativeStream.SendRequestBody(body, eos) })
	return a
}

func (s *nativeConnStream) SendResponseHeaders(hd Headers, eos bool) (a Action) {
	s.around(func() { a = s.nativeStream.SendResponseHeaders(hd, eos) })
	return a
}

func (s *nativeConnStream) Done() { s.around(s.nativeStream.Done) }

// emulatorProperties is the property map of the SDK's emulator (proxytest hostEmulator's
// unexported field "properties", proxy-wasm-go-sdk v0.24.0). Its SetProperty cannot remove a
// property or set an empty one, and a per-stream property must be removable. A change of the
// SDK that renames the field fails here loudly, never silently.
func emulatorProperties(h *nativeHost) map[string][]byte {
	v := reflect.ValueOf(h.emu)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	f := v.FieldByName("properties")
	if !f.IsValid() || f.Type() != reflect.TypeFor[map[string][]byte]() {
		panic("filtertest: the SDK emulator has no properties map[string][]byte field; update emulatorProperties")
	}
	return *(*map[string][]byte)(unsafe.Pointer(f.UnsafeAddr()))
}
