package host

import (
	"encoding/binary"
	"math"
)

// Guest memory access. Every helper reports failure instead of panicking: a bad pointer from
// the module is the module's bug and becomes InvalidMemoryAccess (or EFAULT for WASI), as in
// cpp-host's WasmVm::getMemory/setMemory/setWord.

// read returns a copy of guest memory [ptr, ptr+size). A copy, because the view wazero gives
// is invalidated when memory grows, which a re-entrant proxy_on_memory_allocate may do.
func (v *vm) read(ptr, size uint32) ([]byte, bool) {
	if size == 0 {
		return []byte{}, true
	}
	b, ok := v.mem.Read(ptr, size)
	if !ok {
		return nil, false
	}
	return append([]byte(nil), b...), true
}

func (v *vm) readString(ptr, size uint32) (string, bool) {
	if size == 0 {
		return "", true
	}
	b, ok := v.mem.Read(ptr, size)
	if !ok {
		return "", false
	}
	return string(b), true
}

func (v *vm) write(ptr uint32, data []byte) bool {
	if len(data) == 0 {
		return true
	}
	return v.mem.Write(ptr, data)
}

func (v *vm) writeU32(ptr, val uint32) bool { return v.mem.WriteUint32Le(ptr, val) }

func (v *vm) writeU64(ptr uint32, val uint64) bool { return v.mem.WriteUint64Le(ptr, val) }

func (v *vm) readU32(ptr uint32) (uint32, bool) { return v.mem.ReadUint32Le(ptr) }

// copyOut places data in memory the module allocates and writes its address and size to the
// two out-parameters (cpp-host WasmBase::copyToPointerSize). Empty data writes address 0
// without allocating.
func (v *vm) copyOut(data []byte, ptrPtr, sizePtr uint32) bool {
	var addr uint32
	if len(data) > 0 {
		if uint64(len(data)) > math.MaxUint32 {
			return false
		}
		a, ok := v.alloc(uint32(len(data)))
		if !ok || !v.write(a, data) {
			return false
		}
		addr = a
	}
	return v.writeU32(ptrPtr, addr) && v.writeU32(sizePtr, uint32(len(data)))
}

func le64(v uint64) []byte {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	return b[:]
}
