package host

import "encoding/binary"

// Limits from proxy-wasm-cpp-host include/proxy-wasm/limits.h.
const (
	pairsMaxBytes     = 1024 * 1024 // PROXY_WASM_HOST_PAIRS_MAX_BYTES
	pairsMaxCount     = 1024        // PROXY_WASM_HOST_PAIRS_MAX_COUNT
	randomGetMaxBytes = 64 * 1024   // PROXY_WASM_HOST_WASI_RANDOM_GET_MAX_SIZE_BYTES
	maxMemoryPages    = 16384       // PROXY_WASM_HOST_MAX_WASM_MEMORY_SIZE_BYTES = 1 GiB in 64 KiB pages
)

// encodePairs serialises header pairs the proxy-wasm way: count, (name len, value len)*,
// then NUL-terminated names and values (cpp-host src/pairs_util.cc, PairsUtil::marshalPairs).
func encodePairs(pairs [][2]string) []byte {
	size := 4
	for _, p := range pairs {
		size += 8 + len(p[0]) + 1 + len(p[1]) + 1
	}
	out := make([]byte, size)
	binary.LittleEndian.PutUint32(out, uint32(len(pairs)))
	pos := 4
	for _, p := range pairs {
		binary.LittleEndian.PutUint32(out[pos:], uint32(len(p[0])))
		binary.LittleEndian.PutUint32(out[pos+4:], uint32(len(p[1])))
		pos += 8
	}
	for _, p := range pairs {
		pos += copy(out[pos:], p[0]) + 1
		pos += copy(out[pos:], p[1]) + 1
	}
	return out
}

// decodePairs parses serialised pairs with cpp-host's checks (PairsUtil::toPairs): any
// malformed input yields no pairs at all, never an error the caller could see.
func decodePairs(b []byte) [][2]string {
	if len(b) > pairsMaxBytes || len(b) < 4 {
		return nil
	}
	n := binary.LittleEndian.Uint32(b)
	if n > pairsMaxCount || uint64(4+8*uint64(n)) > uint64(len(b)) {
		return nil
	}
	sizes := b[4 : 4+8*n]
	pos := int(4 + 8*n)
	out := make([][2]string, n)
	for i := range out {
		for j := 0; j < 2; j++ {
			l := int(binary.LittleEndian.Uint32(sizes[8*i+4*j:]))
			if l < 0 || pos+l+1 > len(b) || b[pos+l] != 0 {
				return nil
			}
			out[i][j] = string(b[pos : pos+l])
			pos += l + 1
		}
	}
	if pos != len(b) {
		return nil
	}
	return out
}

// headerBytes is what proxy_get_header_map_size reports for an Envoy header map:
// HeaderMap::byteSize, the bytes of names and values only.
func headerBytes(pairs [][2]string) uint32 {
	var n int
	for _, p := range pairs {
		n += len(p[0]) + len(p[1])
	}
	return uint32(n)
}
