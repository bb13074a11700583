package host_test

// A minimal WebAssembly binary writer, enough to hand-assemble the tiny modules some tests
// need (a given import, a call in a given phase) without a toolchain.

const (
	wI32 = 0x7f
	wI64 = 0x7e

	opUnreachable = 0x00
	opCall        = 0x10
	opDrop        = 0x1a
	opI32Const    = 0x41
	opEnd         = 0x0b
)

type wasmImport struct {
	module, name string
	typ          int
}

type wasmFunc struct {
	typ  int
	body []byte
}

type wasmExport struct {
	name string
	fn   int
}

type wasmBin struct {
	types   [][2][]byte
	imports []wasmImport
	funcs   []wasmFunc
	exports []wasmExport
}

func (m *wasmBin) typ(params, results []byte) int {
	for i, t := range m.types {
		if string(t[0]) == string(params) && string(t[1]) == string(results) {
			return i
		}
	}
	m.types = append(m.types, [2][]byte{params, results})
	return len(m.types) - 1
}

// importFunc adds a function import and returns its function index. All imports must be
// added before any function, as imported functions come first in the index space.
func (m *wasmBin) importFunc(module, name string, params, results []byte) int {
	if len(m.funcs) > 0 {
		panic("wasmBin: imports must come before functions")
	}
	m.imports = append(m.imports, wasmImport{module, name, m.typ(params, results)})
	return len(m.imports) - 1
}

// function adds a function with no locals; body is its code without the final end.
func (m *wasmBin) function(params, results []byte, body ...byte) int {
	m.funcs = append(m.funcs, wasmFunc{m.typ(params, results), append(body, opEnd)})
	return len(m.imports) + len(m.funcs) - 1
}

func (m *wasmBin) export(name string, fn int) { m.exports = append(m.exports, wasmExport{name, fn}) }

func uleb(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			c |= 0x80
		}
		b = append(b, c)
		if v == 0 {
			return b
		}
	}
}

func sleb(v int64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		done := (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0)
		if !done {
			c |= 0x80
		}
		b = append(b, c)
		if done {
			return b
		}
	}
}

func i32const(v int32) []byte { return append([]byte{opI32Const}, sleb(int64(v))...) }

func call(fn int) []byte { return append([]byte{opCall}, uleb(uint64(fn))...) }

func name(s string) []byte { return append(uleb(uint64(len(s))), s...) }

func vec(items [][]byte) []byte {
	out := uleb(uint64(len(items)))
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}

func section(id byte, content []byte) []byte {
	return append(append([]byte{id}, uleb(uint64(len(content)))...), content...)
}

// bytes encodes the module with one exported memory of one page.
func (m *wasmBin) bytes() []byte {
	out := []byte{0, 'a', 's', 'm', 1, 0, 0, 0}
	var items [][]byte
	for _, t := range m.types {
		items = append(items, append(append([]byte{0x60}, append(uleb(uint64(len(t[0]))), t[0]...)...), append(uleb(uint64(len(t[1]))), t[1]...)...))
	}
	out = append(out, section(1, vec(items))...)
	items = nil
	for _, im := range m.imports {
		items = append(items, append(append(name(im.module), name(im.name)...), append([]byte{0x00}, uleb(uint64(im.typ))...)...))
	}
	out = append(out, section(2, vec(items))...)
	items = nil
	for _, f := range m.funcs {
		items = append(items, uleb(uint64(f.typ)))
	}
	out = append(out, section(3, vec(items))...)
	out = append(out, section(5, vec([][]byte{{0x00, 0x01}}))...)
	items = [][]byte{append(name("memory"), 0x02, 0x00)}
	for _, e := range m.exports {
		items = append(items, append(append(name(e.name), 0x00), uleb(uint64(e.fn))...))
	}
	out = append(out, section(7, vec(items))...)
	items = nil
	for _, f := range m.funcs {
		code := append([]byte{0x00}, f.body...) // no local declarations
		items = append(items, append(uleb(uint64(len(code))), code...))
	}
	return append(out, section(10, vec(items))...)
}

// proxyModule starts a module with the imports given, then adds the ABI marker and an
// allocator that always answers address 1024. Callers add the rest.
func proxyModule(imports func(m *wasmBin)) *wasmBin {
	m := &wasmBin{}
	if imports != nil {
		imports(m)
	}
	m.export("proxy_abi_version_0_2_1", m.function(nil, nil))
	return m
}

func (m *wasmBin) withAllocator(body ...byte) *wasmBin {
	m.export("proxy_on_memory_allocate", m.function([]byte{wI32}, []byte{wI32}, append(body, i32const(1024)...)...))
	return m
}
