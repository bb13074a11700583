package host

// proxy_get_property(path_data, path_size, return_value_data, return_value_size): exports.cc
// get_property, Envoy Context::getProperty. Unknown paths are NotFound.
func proxyGetProperty(v *vm, s []uint64) Status {
	path, ok := v.readString(u32(s[0]), u32(s[1]))
	if !ok {
		return StatusInvalidMemoryAccess
	}
	val, st := v.property(v.active(), path)
	if st != StatusOK {
		return st
	}
	if !v.copyOut(val, u32(s[2]), u32(s[3])) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// proxy_set_property(path_data, path_size, value_data, value_size): exports.cc set_property,
// Envoy Context::setProperty: the value goes to the stream's filter state under "wasm.<path>"
// and is readable back as the top-level property <path>. Without a stream (the root context)
// there is no stream info: NotFound.
func proxySetProperty(v *vm, s []uint64) Status {
	path, ok1 := v.readString(u32(s[0]), u32(s[1]))
	val, ok2 := v.read(u32(s[2]), u32(s[3]))
	if !ok1 || !ok2 {
		return StatusInvalidMemoryAccess
	}
	c := v.active()
	if c == nil || c.stream == nil {
		return StatusNotFound
	}
	if c.filterState == nil {
		c.filterState = map[string][]byte{}
	}
	c.filterState[path] = val
	return StatusOK
}
