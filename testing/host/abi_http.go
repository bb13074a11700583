package host

import (
	"strings"
	"unicode"
)

// headerMap returns the map the module may use now, or nil when Envoy has none to give
// (Context::getMap for writes, getConstMap for reads). Request maps are reachable from the
// request callback until the request continues, response maps likewise, HTTP-call maps only
// during proxy_on_http_call_response, and during proxy_on_log the request and response
// headers are readable (access-log phase). Response trailers are reachable during
// proxy_on_response_trailers only (Envoy would also create them from the last body callback).
func (v *vm) headerMap(t MapType, write bool) *[][2]string {
	switch t {
	case MapHTTPCallHeaders:
		if write || v.callout == nil {
			return nil
		}
		return &v.callout.Headers
	case MapHTTPCallTrailers:
		if write || v.callout == nil || v.callout.Trailers == nil {
			return nil
		}
		return &v.callout.Trailers
	}
	c := v.active()
	if c == nil || c.stream == nil {
		return nil
	}
	s := c.stream
	if s.inLog {
		if write {
			return nil
		}
		switch t {
		case MapRequestHeaders:
			return &s.reqHeaders
		case MapResponseHeaders:
			h := s.clientResponseHeaders() // read-only here, so a copy of the slice will do
			return &h
		}
		return nil
	}
	switch t {
	case MapRequestHeaders:
		if s.reqLive {
			return &s.reqHeaders
		}
	case MapRequestTrailers:
		if s.reqTrailersLive {
			return &s.reqTrailers
		}
	case MapResponseHeaders:
		if s.respLive {
			return &s.respHeaders
		}
	case MapResponseTrailers:
		if s.respTrailersLive {
			return &s.respTrailers
		}
	}
	return nil
}

func (v *vm) inLogPhase() bool {
	c := v.active()
	return c != nil && c.stream != nil && c.stream.inLog
}

// proxy_get_header_map_value(map, key_data, key_size, return_value_data, return_value_size):
// exports.cc get_header_map_value, Envoy Context::getHeaderMapValue. Only the first value of a
// repeated header is returned, as in Envoy.
func proxyGetHeaderMapValue(v *vm, s []uint64) Status {
	t := MapType(u32(s[0]))
	if t > mapTypeMax {
		return StatusBadArgument
	}
	key, ok := v.readString(u32(s[1]), u32(s[2]))
	if !ok {
		return StatusInvalidMemoryAccess
	}
	m := v.headerMap(t, false)
	if m == nil {
		if v.inLogPhase() {
			return StatusNotFound
		}
		return StatusBadArgument
	}
	val, found := headerValue(*m, strings.ToLower(key))
	if !found {
		return StatusNotFound
	}
	if !v.copyOut([]byte(val), u32(s[3]), u32(s[4])) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// proxy_add_header_map_value(map, key_data, key_size, value_data, value_size): exports.cc
// add_header_map_value, Envoy Context::addHeaderMapValue (addCopy: appended, existing values
// kept).
func proxyAddHeaderMapValue(v *vm, s []uint64) Status { return putHeaderMapValue(v, s, false) }

// proxy_replace_header_map_value(map, key_data, key_size, value_data, value_size): exports.cc
// replace_header_map_value, Envoy Context::replaceHeaderMapValue (setCopy: every value of the
// key is replaced by one).
func proxyReplaceHeaderMapValue(v *vm, s []uint64) Status { return putHeaderMapValue(v, s, true) }

// putHeaderMapValue is add and replace: the same arguments and checks, and replace first drops
// the key's existing values.
func putHeaderMapValue(v *vm, s []uint64, replace bool) Status {
	t := MapType(u32(s[0]))
	if t > mapTypeMax {
		return StatusBadArgument
	}
	key, ok1 := v.readString(u32(s[1]), u32(s[2]))
	val, ok2 := v.readString(u32(s[3]), u32(s[4]))
	if !ok1 || !ok2 {
		return StatusInvalidMemoryAccess
	}
	m := v.headerMap(t, true)
	if m == nil {
		return StatusBadArgument
	}
	key = strings.ToLower(key)
	if replace {
		*m = removeHeader(*m, key)
	}
	*m = append(*m, [2]string{key, val})
	return StatusOK
}

// proxy_remove_header_map_value(map, key_data, key_size): exports.cc remove_header_map_value,
// Envoy Context::removeHeaderMapValue; removing a missing key is OK.
func proxyRemoveHeaderMapValue(v *vm, s []uint64) Status {
	m, key, st := v.writableMap(s)
	if st != StatusOK {
		return st
	}
	*m = removeHeader(*m, strings.ToLower(string(key)))
	return StatusOK
}

// writableMap reads the (map, data, size) arguments of remove and set_pairs, in their order of
// checks: an unknown map type is BadArgument, a bad data pointer InvalidMemoryAccess, a map the
// module may not change now BadArgument.
func (v *vm) writableMap(s []uint64) (*[][2]string, []byte, Status) {
	t := MapType(u32(s[0]))
	if t > mapTypeMax {
		return nil, nil, StatusBadArgument
	}
	data, ok := v.read(u32(s[1]), u32(s[2]))
	if !ok {
		return nil, nil, StatusInvalidMemoryAccess
	}
	m := v.headerMap(t, true)
	if m == nil {
		return nil, nil, StatusBadArgument
	}
	return m, data, StatusOK
}

func removeHeader(h [][2]string, key string) [][2]string {
	out := h[:0:0]
	for _, kv := range h {
		if kv[0] != key {
			out = append(out, kv)
		}
	}
	return out
}

// proxy_get_header_map_pairs(map, return_data, return_size): exports.cc get_header_map_pairs.
// An unreachable map reads as empty (Envoy headerMapToPairs(nullptr)); empty pairs are
// returned as address 0, size 0 (getPairs -> copyToPointerSize("")).
func proxyGetHeaderMapPairs(v *vm, s []uint64) Status {
	t := MapType(u32(s[0]))
	if t > mapTypeMax {
		return StatusBadArgument
	}
	var data []byte
	if m := v.headerMap(t, false); m != nil && len(*m) > 0 {
		data = encodePairs(*m)
	}
	if !v.copyOut(data, u32(s[1]), u32(s[2])) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// proxy_set_header_map_pairs(map, data, size): exports.cc set_header_map_pairs, Envoy
// Context::setHeaderMapPairs replaces the whole map; malformed pairs decode to none, which
// empties it (PairsUtil::toPairs).
func proxySetHeaderMapPairs(v *vm, s []uint64) Status {
	m, data, st := v.writableMap(s)
	if st != StatusOK {
		return st
	}
	*m = lowerNames(decodePairs(data))
	return StatusOK
}

// proxy_get_header_map_size(map, return_size): exports.cc get_header_map_size, Envoy
// Context::getHeaderMapSize (HeaderMap::byteSize).
func proxyGetHeaderMapSize(v *vm, s []uint64) Status {
	t := MapType(u32(s[0]))
	if t > mapTypeMax {
		return StatusBadArgument
	}
	m := v.headerMap(t, true)
	if m == nil {
		return StatusBadArgument
	}
	if !v.writeU32(u32(s[1]), headerBytes(*m)) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// buffer resolves a buffer-type argument the way every buffer function does (exports.cc,
// Envoy Context::getBuffer): an unknown type is BadArgument, a buffer Envoy has none of now is
// NotFound, and body buffers outside their callbacks exist but are empty, as Envoy's are. body
// reports a stream body, the only kind proxy_set_buffer_bytes may change.
func (v *vm) buffer(t BufferType) (data *[]byte, body bool, st Status) {
	if t > bufferTypeMax {
		return nil, false, StatusBadArgument
	}
	var empty []byte
	switch t {
	case BufferVMConfiguration:
		cfg := v.h.opts.VMConfig
		return &cfg, false, StatusOK
	case BufferPluginConfiguration:
		if !v.pluginConfigVisible {
			return nil, false, StatusNotFound
		}
		cfg := v.h.opts.PluginConfig
		return &cfg, false, StatusOK
	case BufferHTTPCallBody:
		if v.callout == nil {
			return nil, false, StatusNotFound
		}
		return &v.callout.Body, false, StatusOK
	case BufferRequestBody, BufferResponseBody:
		c := v.active()
		if c == nil || c.stream == nil {
			return &empty, false, StatusOK
		}
		if t == BufferRequestBody {
			return &c.stream.reqBody, true, StatusOK
		}
		return &c.stream.respBody, true, StatusOK
	}
	return &empty, false, StatusOK
}

// proxy_get_buffer_bytes(buffer, start, max_size, return_data, return_size): exports.cc
// get_buffer_bytes: reads are clipped to the buffer; nothing is written when no byte is left.
func proxyGetBufferBytes(v *vm, s []uint64) Status {
	b, _, st := v.buffer(BufferType(u32(s[0])))
	if st != StatusOK {
		return st
	}
	start, length := uint64(u32(s[1])), uint64(u32(s[2]))
	size := uint64(len(*b))
	if start > size {
		return StatusBadArgument
	}
	if start+length > size {
		length = size - start
	}
	if length > 0 && !v.copyOut((*b)[start:start+length], u32(s[3]), u32(s[4])) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// proxy_get_buffer_status(buffer, return_size, return_flags): exports.cc get_buffer_status.
func proxyGetBufferStatus(v *vm, s []uint64) Status {
	b, _, st := v.buffer(BufferType(u32(s[0])))
	if st != StatusOK {
		return st
	}
	if !v.writeU32(u32(s[1]), uint32(len(*b))) || !v.writeU32(u32(s[2]), 0) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// proxy_set_buffer_bytes(buffer, start, size, data, data_size): Envoy Buffer::copyFrom on a
// body: start 0 and size 0 prepends, start 0 and size >= length replaces, start >= length
// appends; anything else is BadArgument. Other buffers are read-only here.
func proxySetBufferBytes(v *vm, s []uint64) Status {
	b, body, st := v.buffer(BufferType(u32(s[0])))
	if st != StatusOK {
		return st
	}
	data, ok := v.read(u32(s[3]), u32(s[4]))
	if !ok {
		return StatusInvalidMemoryAccess
	}
	if !body {
		return StatusBadArgument
	}
	start, size := uint64(u32(s[1])), uint64(u32(s[2]))
	cur := uint64(len(*b))
	switch {
	case start == 0 && size == 0:
		*b = append(data, *b...)
	case start == 0 && size >= cur:
		*b = data
	case start >= cur:
		*b = append(*b, data...)
	default:
		return StatusBadArgument
	}
	return StatusOK
}

// proxy_continue_stream(stream_type): Envoy Context::continueStream. The stream resumes after
// the current callback returns (addAfterVmCallAction). From a context without a stream (the
// root context, if the module forgot proxy_set_effective_context) it does nothing and still
// answers OK, as Envoy does.
func proxyContinueStream(v *vm, s []uint64) Status {
	t := StreamType(u32(s[0]))
	switch {
	case t > streamTypeMax:
		return StatusBadArgument
	case t == StreamUpstream:
		return StatusUnimplemented
	}
	if c := v.active(); c != nil && c.stream != nil && t <= StreamResponse {
		st := c.stream
		v.after = append(v.after, func() { st.continueStream(t) })
	}
	return StatusOK
}

// proxy_close_stream(stream_type): Envoy Context::closeStream resets the stream after the
// callback (response details "wasm_close_stream").
func proxyCloseStream(v *vm, s []uint64) Status {
	t := StreamType(u32(s[0]))
	if t > streamTypeMax {
		return StatusBadArgument
	}
	if c := v.active(); c != nil && c.stream != nil && t <= StreamResponse {
		st := c.stream
		v.after = append(v.after, func() { st.resetStream() })
	}
	return StatusOK
}

// proxy_send_local_response(status, details, details_size, body, body_size, headers,
// headers_size, grpc_status): exports.cc send_local_response and Envoy
// Context::sendLocalResponse. The reply is sent after the callback returns, the callback's own
// answer is overridden to stop iteration (stopNextIteration), and spaces in the details
// become underscores (StringUtil::replaceAllEmptySpace).
func proxySendLocalResponse(v *vm, s []uint64) Status {
	details, ok1 := v.readString(u32(s[1]), u32(s[2]))
	body, ok2 := v.read(u32(s[3]), u32(s[4]))
	hdrs, ok3 := v.read(u32(s[5]), u32(s[6]))
	if !ok1 || !ok2 || !ok3 {
		return StatusInvalidMemoryAccess
	}
	lr := &LocalResponse{
		Status:     u32(s[0]),
		Details:    strings.Map(spaceToUnderscore, details),
		Body:       body,
		Headers:    lowerNames(decodePairs(hdrs)),
		GrpcStatus: int32(u32(s[7])),
	}
	if c := v.active(); c != nil && c.stream != nil {
		st := c.stream
		v.after = append(v.after, func() { st.sendLocal(lr) })
	}
	v.stopNext = true
	return StatusOK
}

func spaceToUnderscore(r rune) rune {
	if unicode.IsSpace(r) {
		return '_'
	}
	return r
}
