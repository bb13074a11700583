package host

import (
	"strings"
	"unicode"
)

// headerMap returns the map the module may use now, or nil when Envoy has none to give
// (Context::getMap for writes, getConstMap for reads). Request maps are reachable from the
// request callback until the request continues, response maps likewise, HTTP-call maps only
// during proxy_on_http_call_response, and during proxy_on_log the request and response
// headers are readable (access-log phase).
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
			if s.local != nil && s.localDirect {
				h := localReplyHeaders(s.local)
				return &h
			}
			return &s.respHeaders
		case MapResponseTrailers:
			return &s.respTrailers
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
func proxyGetHeaderMapValue(v *vm, s []uint64) {
	t := MapType(u32(s[0]))
	if t > mapTypeMax {
		ret(s, StatusBadArgument)
		return
	}
	key, ok := v.readString(u32(s[1]), u32(s[2]))
	if !ok {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	m := v.headerMap(t, false)
	if m == nil {
		if v.inLogPhase() {
			ret(s, StatusNotFound)
			return
		}
		ret(s, StatusBadArgument)
		return
	}
	val, found := headerValue(*m, strings.ToLower(key))
	if !found {
		ret(s, StatusNotFound)
		return
	}
	if !v.copyOut([]byte(val), u32(s[3]), u32(s[4])) {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	ret(s, StatusOK)
}

// readKeyValue reads the (type, key, value) arguments shared by add and replace.
func (v *vm) readKeyValue(s []uint64) (MapType, string, string, Status) {
	t := MapType(u32(s[0]))
	if t > mapTypeMax {
		return 0, "", "", StatusBadArgument
	}
	key, ok1 := v.readString(u32(s[1]), u32(s[2]))
	val, ok2 := v.readString(u32(s[3]), u32(s[4]))
	if !ok1 || !ok2 {
		return 0, "", "", StatusInvalidMemoryAccess
	}
	return t, strings.ToLower(key), val, StatusOK
}

// proxy_add_header_map_value: exports.cc add_header_map_value, Envoy addHeaderMapValue
// (addCopy: appended, existing values kept).
func proxyAddHeaderMapValue(v *vm, s []uint64) {
	t, key, val, st := v.readKeyValue(s)
	if st != StatusOK {
		ret(s, st)
		return
	}
	m := v.headerMap(t, true)
	if m == nil {
		ret(s, StatusBadArgument)
		return
	}
	*m = append(*m, [2]string{key, val})
	ret(s, StatusOK)
}

// proxy_replace_header_map_value: Envoy replaceHeaderMapValue (setCopy: every value of the key
// is replaced by one).
func proxyReplaceHeaderMapValue(v *vm, s []uint64) {
	t, key, val, st := v.readKeyValue(s)
	if st != StatusOK {
		ret(s, st)
		return
	}
	m := v.headerMap(t, true)
	if m == nil {
		ret(s, StatusBadArgument)
		return
	}
	*m = append(removeHeader(*m, key), [2]string{key, val})
	ret(s, StatusOK)
}

// proxy_remove_header_map_value: Envoy removeHeaderMapValue; removing a missing key is OK.
func proxyRemoveHeaderMapValue(v *vm, s []uint64) {
	t := MapType(u32(s[0]))
	if t > mapTypeMax {
		ret(s, StatusBadArgument)
		return
	}
	key, ok := v.readString(u32(s[1]), u32(s[2]))
	if !ok {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	m := v.headerMap(t, true)
	if m == nil {
		ret(s, StatusBadArgument)
		return
	}
	*m = removeHeader(*m, strings.ToLower(key))
	ret(s, StatusOK)
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
func proxyGetHeaderMapPairs(v *vm, s []uint64) {
	t := MapType(u32(s[0]))
	if t > mapTypeMax {
		ret(s, StatusBadArgument)
		return
	}
	var data []byte
	if m := v.headerMap(t, false); m != nil && len(*m) > 0 {
		data = encodePairs(*m)
	}
	if !v.copyOut(data, u32(s[1]), u32(s[2])) {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	ret(s, StatusOK)
}

// proxy_set_header_map_pairs(map, data, size): Envoy setHeaderMapPairs replaces the whole map;
// malformed pairs decode to none, which empties it (PairsUtil::toPairs).
func proxySetHeaderMapPairs(v *vm, s []uint64) {
	t := MapType(u32(s[0]))
	if t > mapTypeMax {
		ret(s, StatusBadArgument)
		return
	}
	data, ok := v.read(u32(s[1]), u32(s[2]))
	if !ok {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	m := v.headerMap(t, true)
	if m == nil {
		ret(s, StatusBadArgument)
		return
	}
	*m = lowerNames(decodePairs(data))
	ret(s, StatusOK)
}

// proxy_get_header_map_size(map, return_size): Envoy getHeaderMapSize (HeaderMap::byteSize).
func proxyGetHeaderMapSize(v *vm, s []uint64) {
	t := MapType(u32(s[0]))
	if t > mapTypeMax {
		ret(s, StatusBadArgument)
		return
	}
	m := v.headerMap(t, true)
	if m == nil {
		ret(s, StatusBadArgument)
		return
	}
	if !v.writeU32(u32(s[1]), headerBytes(*m)) {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	ret(s, StatusOK)
}

// buffer returns the buffer of type t (Envoy Context::getBuffer): nil means NotFound; body
// buffers outside their callbacks exist but are empty, as Envoy's are.
func (v *vm) buffer(t BufferType) (data *[]byte, body bool) {
	var empty []byte
	switch t {
	case BufferVMConfiguration:
		cfg := v.h.opts.VMConfig
		return &cfg, false
	case BufferPluginConfiguration:
		if !v.pluginConfigVisible {
			return nil, false
		}
		cfg := v.h.opts.PluginConfig
		return &cfg, false
	case BufferHTTPCallBody:
		if v.callout == nil {
			return nil, false
		}
		return &v.callout.Body, false
	case BufferRequestBody, BufferResponseBody:
		c := v.active()
		if c == nil || c.stream == nil {
			return &empty, false
		}
		if t == BufferRequestBody {
			return &c.stream.reqBody, true
		}
		return &c.stream.respBody, true
	}
	return &empty, false
}

// proxy_get_buffer_bytes(buffer, start, max_size, return_data, return_size): exports.cc
// get_buffer_bytes: reads are clipped to the buffer; nothing is written when no byte is left.
func proxyGetBufferBytes(v *vm, s []uint64) {
	t := BufferType(u32(s[0]))
	if t > bufferTypeMax {
		ret(s, StatusBadArgument)
		return
	}
	b, _ := v.buffer(t)
	if b == nil {
		ret(s, StatusNotFound)
		return
	}
	start, length := uint64(u32(s[1])), uint64(u32(s[2]))
	size := uint64(len(*b))
	if start > size {
		ret(s, StatusBadArgument)
		return
	}
	if start+length > size {
		length = size - start
	}
	if length > 0 && !v.copyOut((*b)[start:start+length], u32(s[3]), u32(s[4])) {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	ret(s, StatusOK)
}

// proxy_get_buffer_status(buffer, return_size, return_flags): exports.cc get_buffer_status.
func proxyGetBufferStatus(v *vm, s []uint64) {
	t := BufferType(u32(s[0]))
	if t > bufferTypeMax {
		ret(s, StatusBadArgument)
		return
	}
	b, _ := v.buffer(t)
	if b == nil {
		ret(s, StatusNotFound)
		return
	}
	if !v.writeU32(u32(s[1]), uint32(len(*b))) || !v.writeU32(u32(s[2]), 0) {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	ret(s, StatusOK)
}

// proxy_set_buffer_bytes(buffer, start, size, data, data_size): Envoy Buffer::copyFrom on a
// body: start 0 and size 0 prepends, start 0 and size >= length replaces, start >= length
// appends; anything else is BadArgument. Other buffers are read-only here.
func proxySetBufferBytes(v *vm, s []uint64) {
	t := BufferType(u32(s[0]))
	if t > bufferTypeMax {
		ret(s, StatusBadArgument)
		return
	}
	b, body := v.buffer(t)
	if b == nil {
		ret(s, StatusNotFound)
		return
	}
	data, ok := v.read(u32(s[3]), u32(s[4]))
	if !ok {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	if !body {
		ret(s, StatusBadArgument)
		return
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
		ret(s, StatusBadArgument)
		return
	}
	ret(s, StatusOK)
}

// proxy_continue_stream(stream_type): Envoy Context::continueStream. The stream resumes after
// the current callback returns (addAfterVmCallAction). From a context without a stream (the
// root context, if the module forgot proxy_set_effective_context) it does nothing and still
// answers OK, as Envoy does.
func proxyContinueStream(v *vm, s []uint64) {
	t := StreamType(u32(s[0]))
	switch {
	case t > streamTypeMax:
		ret(s, StatusBadArgument)
		return
	case t == StreamUpstream:
		ret(s, StatusUnimplemented)
		return
	}
	if c := v.active(); c != nil && c.stream != nil && t <= StreamResponse {
		st := c.stream
		v.after = append(v.after, func() { st.continueStream(t) })
	}
	ret(s, StatusOK)
}

// proxy_close_stream(stream_type): Envoy Context::closeStream resets the stream after the
// callback (response details "wasm_close_stream").
func proxyCloseStream(v *vm, s []uint64) {
	t := StreamType(u32(s[0]))
	if t > streamTypeMax {
		ret(s, StatusBadArgument)
		return
	}
	if c := v.active(); c != nil && c.stream != nil && t <= StreamResponse {
		st := c.stream
		v.after = append(v.after, func() { st.resetStream() })
	}
	ret(s, StatusOK)
}

// proxy_send_local_response(status, details, details_size, body, body_size, headers,
// headers_size, grpc_status): exports.cc send_local_response and Envoy
// Context::sendLocalResponse. The reply is sent after the callback returns, the callback's own
// answer is overridden to stop iteration (stopNextIteration), and spaces in the details
// become underscores (StringUtil::replaceAllEmptySpace).
func proxySendLocalResponse(v *vm, s []uint64) {
	details, ok1 := v.readString(u32(s[1]), u32(s[2]))
	body, ok2 := v.read(u32(s[3]), u32(s[4]))
	hdrs, ok3 := v.read(u32(s[5]), u32(s[6]))
	if !ok1 || !ok2 || !ok3 {
		ret(s, StatusInvalidMemoryAccess)
		return
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
	ret(s, StatusOK)
}

func spaceToUnderscore(r rune) rune {
	if unicode.IsSpace(r) {
		return '_'
	}
	return r
}
