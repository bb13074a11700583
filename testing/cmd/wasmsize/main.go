// Command wasmsize prints where the bytes of a wasm module go: the size of
// each section, and the code section split by Go package, from the function
// names of the module's "name" section. Build the module without -s -w for
// names (the shipped module is stripped; its code is the same):
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o build/named.wasm .
//	go run ./testing/cmd/wasmsize [-top N] [-depth D] build/named.wasm
//
// -depth groups packages by their first D "_"-separated name elements (0: whole
// name; package paths are spelt with "_" for "/" in wasm names).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

func main() {
	top := flag.Int("top", 30, "packages to list (0: all)")
	depth := flag.Int("depth", 0, "group packages by their first D path elements (0: whole path)")
	list := flag.Bool("names", false, "list every function with its package and size instead")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: wasmsize [-top N] [-depth D] MODULE.wasm")
		os.Exit(2)
	}
	bin, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	m, err := parse(bin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *list {
		for i, size := range m.bodies {
			name := m.names[m.imported+i]
			fmt.Printf("%d\t%s\t%s\n", size, pkgOf(name), name)
		}
		return
	}
	fmt.Printf("module: %d bytes\n\n| section | bytes |\n| --- | ---: |\n", len(bin))
	for _, s := range m.sections {
		fmt.Printf("| %s | %d |\n", s.name, s.size)
	}
	byPkg := map[string]int{}
	total := 0
	for i, size := range m.bodies {
		name := m.names[m.imported+i]
		byPkg[group(pkgOf(name), *depth)] += size
		total += size
	}
	type row struct {
		pkg  string
		size int
	}
	var rows []row
	for p, s := range byPkg {
		rows = append(rows, row{p, s})
	}
	sort.Slice(rows, func(i, j int) bool {
		return rows[i].size > rows[j].size || rows[i].size == rows[j].size && rows[i].pkg < rows[j].pkg
	})
	fmt.Printf("\ncode by package (%d function bodies, %d bytes)\n\n| package | code bytes | %% of code |\n| --- | ---: | ---: |\n", len(m.bodies), total)
	rest := 0
	for i, r := range rows {
		if *top > 0 && i >= *top {
			rest += r.size
			continue
		}
		fmt.Printf("| %s | %d | %.1f |\n", r.pkg, r.size, 100*float64(r.size)/float64(total))
	}
	if rest > 0 {
		fmt.Printf("| (%d more) | %d | %.1f |\n", len(rows)-*top, rest, 100*float64(rest)/float64(total))
	}
}

// pkgOf is the Go package of a symbol as the wasm name section spells it:
// Go writes "/" in package paths as "_" there, so
// "crypto_internal_fips140_nistec_fiat.p256Mul" is crypto/internal/fips140/nistec/fiat
// and "github.com_tidwall_gjson.Parse" is github.com/tidwall/gjson (the first
// dot of a host name is kept). Names without a package, the exports, are
// "(exports)"; "type_.eq.*" (generated equality) is "(type equality)".
func pkgOf(sym string) string {
	if sym == "" {
		return "(unnamed)"
	}
	if strings.HasPrefix(sym, "type_.") {
		return "(type equality)"
	}
	from := 0
	for _, host := range []string{"github.com_", "golang.org_", "gopkg.in_"} {
		if strings.HasPrefix(sym, host) {
			from = len(host)
		}
	}
	dot := strings.IndexByte(sym[from:], '.')
	if dot < 0 {
		return "(exports)"
	}
	return sym[:from+dot]
}

func group(pkg string, depth int) string {
	if depth <= 0 {
		return pkg
	}
	parts := strings.Split(pkg, "_")
	if len(parts) > depth {
		parts = parts[:depth]
	}
	return strings.Join(parts, "_")
}

type section struct {
	name string
	size int
}

type module struct {
	sections []section
	imported int            // imported functions: they come first in the index space
	bodies   []int          // code size of each defined function
	names    map[int]string // function index to name
}

var errTruncated = errors.New("wasmsize: truncated module")

type reader struct {
	b   []byte
	off int
}

func (r *reader) u32() (uint32, error) {
	var v uint32
	for shift := uint(0); shift < 35; shift += 7 {
		if r.off >= len(r.b) {
			return 0, errTruncated
		}
		c := r.b[r.off]
		r.off++
		v |= uint32(c&0x7f) << shift
		if c < 0x80 {
			return v, nil
		}
	}
	return 0, errors.New("wasmsize: bad LEB128")
}

func (r *reader) bytes(n uint32) ([]byte, error) {
	if uint64(r.off)+uint64(n) > uint64(len(r.b)) {
		return nil, errTruncated
	}
	b := r.b[r.off : r.off+int(n)]
	r.off += int(n)
	return b, nil
}

func (r *reader) name() (string, error) {
	n, err := r.u32()
	if err != nil {
		return "", err
	}
	b, err := r.bytes(n)
	return string(b), err
}

var sectionNames = []string{"custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "data count"}

func parse(bin []byte) (*module, error) {
	if len(bin) < 8 || string(bin[:4]) != "\x00asm" {
		return nil, errors.New("wasmsize: not a wasm module")
	}
	m := &module{names: map[int]string{}}
	r := &reader{b: bin, off: 8}
	for r.off < len(bin) {
		id := bin[r.off]
		r.off++
		size, err := r.u32()
		if err != nil {
			return nil, err
		}
		body, err := r.bytes(size)
		if err != nil {
			return nil, err
		}
		sr := &reader{b: body}
		name := "unknown"
		if int(id) < len(sectionNames) {
			name = sectionNames[id]
		}
		switch id {
		case 0:
			cname, err := sr.name()
			if err != nil {
				return nil, err
			}
			name = "custom " + cname
			if cname == "name" {
				if err := m.readNames(sr); err != nil {
					return nil, err
				}
			}
		case 2:
			if err := m.readImports(sr); err != nil {
				return nil, err
			}
		case 10:
			n, err := sr.u32()
			if err != nil {
				return nil, err
			}
			for i := uint32(0); i < n; i++ {
				l, err := sr.u32()
				if err != nil {
					return nil, err
				}
				if _, err := sr.bytes(l); err != nil {
					return nil, err
				}
				m.bodies = append(m.bodies, int(l))
			}
		}
		m.sections = append(m.sections, section{name, int(size)})
	}
	return m, nil
}

func (m *module) readImports(r *reader) error {
	n, err := r.u32()
	if err != nil {
		return err
	}
	for i := uint32(0); i < n; i++ {
		if _, err := r.name(); err != nil {
			return err
		}
		if _, err := r.name(); err != nil {
			return err
		}
		kind, err := r.bytes(1)
		if err != nil {
			return err
		}
		switch kind[0] {
		case 0: // function: type index
			m.imported++
			_, err = r.u32()
		case 1: // table: reftype, limits
			if _, err = r.bytes(1); err == nil {
				err = skipLimits(r)
			}
		case 2: // memory: limits
			err = skipLimits(r)
		case 3: // global: valtype, mut
			_, err = r.bytes(2)
		default:
			err = errors.New("wasmsize: unknown import kind")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func skipLimits(r *reader) error {
	flag, err := r.bytes(1)
	if err != nil {
		return err
	}
	if _, err := r.u32(); err != nil {
		return err
	}
	if flag[0]&1 != 0 {
		_, err = r.u32()
	}
	return err
}

func (m *module) readNames(r *reader) error {
	for r.off < len(r.b) {
		id, err := r.bytes(1)
		if err != nil {
			return err
		}
		size, err := r.u32()
		if err != nil {
			return err
		}
		sub, err := r.bytes(size)
		if err != nil {
			return err
		}
		if id[0] != 1 {
			continue
		}
		sr := &reader{b: sub}
		n, err := sr.u32()
		if err != nil {
			return err
		}
		for i := uint32(0); i < n; i++ {
			idx, err := sr.u32()
			if err != nil {
				return err
			}
			name, err := sr.name()
			if err != nil {
				return err
			}
			m.names[int(idx)] = name
		}
	}
	return nil
}
