package host

// proxy_get_property(path_data, path_size, return_value_data, return_value_size): exports.cc
// get_property, Envoy Context::getProperty. Unknown paths are NotFound.
func proxyGetProperty(v *vm, s []uint64) {
	path, ok := v.readString(u32(s[0]), u32(s[1]))
	if !ok {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	val, st := v.property(v.active(), path)
	if st != StatusOK {
		ret(s, st)
		return
	}
	if !v.copyOut(val, u32(s[2]), u32(s[3])) {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	ret(s, StatusOK)
}

// proxy_set_property(path_data, path_size, value_data, value_size): exports.cc set_property,
// Envoy Context::setProperty: the value goes to the stream's filter state under "wasm.<path>"
// and is readable back as the top-level property <path>. Without a stream (the root context)
// there is no stream info: NotFound.
func proxySetProperty(v *vm, s []uint64) {
	path, ok1 := v.readString(u32(s[0]), u32(s[1]))
	val, ok2 := v.read(u32(s[2]), u32(s[3]))
	if !ok1 || !ok2 {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	c := v.active()
	if c == nil || c.stream == nil {
		ret(s, StatusNotFound)
		return
	}
	if c.filterState == nil {
		c.filterState = map[string][]byte{}
	}
	c.filterState[path] = val
	ret(s, StatusOK)
}
