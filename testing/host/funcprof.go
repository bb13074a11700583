package host

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// FuncProfiler times the calls of a module's functions: where a request's time goes inside
// the wasm, which wazero has no sampling profiler for. It is a wazero FunctionListenerFactory:
// a module compiled with CompileProfiled calls it before and after every listened function,
// and it keeps the call stack of listened functions to record, per function, the calls, the
// inclusive time (from entry to return) and the self time (inclusive minus the listened
// functions it called).
//
// Listened are the functions whose debug name the caller's predicate accepts (names need a
// module with its name section: make build-wasm-symbols), and always the module's proxy_on_*
// exports and every host function (env.*, wasi_*). Each listened call leaves wazero's machine
// code for the listener on entry and on return, 0.2 to 0.4 µs on a small machine, which lands
// in the self time of the function and of its caller: listen to the functions that answer a
// question, not to every function.
//
// Go's wasm port passes Go arguments on its own stack, so a Go function's wasm parameters mean
// nothing; and it unwinds the wasm stack when a goroutine switches or its stack grows, so a
// function resumed after that counts as one more call.
//
// A FuncProfiler records only while switched on (SetRecording), so that a VM's warm-up is not
// in the figures. It keeps one call stack: profile one VM (Options.VMs 1), from one goroutine.
type FuncProfiler struct {
	match      func(debugName string) bool
	allocSites bool
	recording  bool
	base       time.Time
	funcs      []funcStat
	ids        map[string]int // function name -> index in funcs
	stack      []profFrame
	// roots is the time spent in listened calls entered from outside any other listened call
	// while recording, and wall the time spent recording: the report's totals.
	roots, wall time.Duration
	walks       time.Duration // of the allocation sites' stacks, inside the roots' time
	since       time.Duration // when recording last started
}

type funcStat struct {
	name, debugName   string
	calls, callees    uint64 // callees: the listened calls it made
	inclusive, self   time.Duration
	active            int // calls of it on the stack, so a recursive call's time counts once
	allocSite, always bool
}

type profFrame struct {
	id          int
	start       time.Duration
	children    time.Duration
	callees     uint64
	recordingAt bool // recording when the call started: only such calls are recorded
}

// FuncProfileOptions configures a FuncProfiler.
type FuncProfileOptions struct {
	// Match selects, by debug name (for example
	// ".github.com_proxy_wasm_jwt_proxy_wasm_jwt_plugin.__httpContext_.decide"), the module's
	// functions to listen to besides the proxy_on_* exports and the host functions. Nil
	// selects none.
	Match func(debugName string) bool
	// AllocSites listens to runtime.mallocgc and records its calls under the nearest caller
	// outside the Go runtime ("runtime.mallocgc < plugin.parseHeader"): which code allocates,
	// and what the allocations cost (GC work done inside mallocgc included).
	AllocSites bool
}

// NewFuncProfiler returns a profiler that is not recording.
func NewFuncProfiler(opts FuncProfileOptions) *FuncProfiler {
	return &FuncProfiler{match: opts.Match, allocSites: opts.AllocSites, base: time.Now(), ids: map[string]int{}}
}

// CompileProfiled is Compile with every call of the functions p selects reported to p. The
// compilation cache is off: cached machine code would lack the listener calls.
func CompileProfiled(ctx context.Context, wasm []byte, p *FuncProfiler) (*Module, error) {
	return compile(experimental.WithFunctionListenerFactory(ctx, p), wasm, nil)
}

// isHostModule reports whether name is an import module this host provides (importTable).
func isHostModule(name string) bool {
	return name == "env" || strings.HasPrefix(name, "wasi_")
}

// NewFunctionListener implements experimental.FunctionListenerFactory. wazero calls it at
// compile time for each function the module or a host module defines.
func (p *FuncProfiler) NewFunctionListener(def api.FunctionDefinition) experimental.FunctionListener {
	debug := def.DebugName()
	switch {
	case isHostModule(def.ModuleName()):
		return &funcListener{p: p, id: p.funcID(debug, debug, true)}
	case proxyExport(def) != "":
		return &funcListener{p: p, id: p.funcID(proxyExport(def), debug, true)}
	case p.allocSites && debug == mallocName:
		// id is the row of calls made while not recording, which are never recorded
		id := p.funcID("runtime.mallocgc", debug, false)
		p.funcs[id].allocSite = true
		return &funcListener{p: p, id: id, alloc: true}
	case p.match != nil && p.match(debug):
		return &funcListener{p: p, id: p.funcID(ShortFuncName(debug), debug, false)}
	}
	return nil
}

const mallocName = ".runtime.mallocgc"

// proxyExport is the function's proxy_on_* export name, or "".
func proxyExport(def api.FunctionDefinition) string {
	for _, n := range def.ExportNames() {
		if strings.HasPrefix(n, "proxy_on_") {
			return n
		}
	}
	return ""
}

func (p *FuncProfiler) funcID(name, debugName string, always bool) int {
	if id, ok := p.ids[name]; ok {
		return id
	}
	p.funcs = append(p.funcs, funcStat{name: name, debugName: debugName, always: always})
	p.ids[name] = len(p.funcs) - 1
	return len(p.funcs) - 1
}

// funcPrefixes are the module path prefixes ShortFuncName strips: Go writes a function's
// package path into its wasm name with '/', '-' and '.' turned into '_'.
var funcPrefixes = []string{
	"github.com_proxy_wasm_jwt_proxy_wasm_jwt_",
	"github.com_tetratelabs_proxy_wasm_go_sdk_",
	"github.com_",
}

// pointerMethod is a method on a pointer receiver as Go's linker names it in wasm, where
// "(*T)" became "__T_".
var pointerMethod = regexp.MustCompile(`\.__([A-Za-z0-9]+)_\.`)

// ShortFuncName is a guest function's debug name without its module name (""), without the
// module path of this project, the SDK or another github.com module, and with a pointer
// receiver written as in Go: "plugin.(*httpContext).decide".
func ShortFuncName(debugName string) string {
	name := strings.TrimPrefix(debugName, ".") // the guest's module name is ""
	for _, prefix := range funcPrefixes {
		if strings.HasPrefix(name, prefix) {
			name = name[len(prefix):]
			break
		}
	}
	return pointerMethod.ReplaceAllString(name, ".(*$1).")
}

// SetRecording switches recording on or off. Calls already running when it is switched on are
// not recorded; calls running when it is switched off are.
func (p *FuncProfiler) SetRecording(on bool) {
	if on == p.recording {
		return
	}
	now := p.now()
	if on {
		p.since = now
	} else {
		p.wall += now - p.since
	}
	p.recording = on
}

// Reset forgets what was recorded.
func (p *FuncProfiler) Reset() {
	for i := range p.funcs {
		f := &p.funcs[i]
		f.calls, f.callees, f.inclusive, f.self = 0, 0, 0, 0
	}
	p.roots, p.wall, p.walks = 0, 0, 0
	if p.recording {
		p.since = p.now()
	}
}

func (p *FuncProfiler) now() time.Duration { return time.Since(p.base) }

type funcListener struct {
	p     *FuncProfiler
	id    int  // index in p.funcs
	alloc bool // runtime.mallocgc, recorded by allocation site
}

// Before implements experimental.FunctionListener.
func (l *funcListener) Before(_ context.Context, _ api.Module, _ api.FunctionDefinition, _ []uint64, stack experimental.StackIterator) {
	p := l.p
	id := l.id
	if l.alloc && p.recording {
		// The walk up the stack takes about a microsecond: time of the profiler, not of the
		// caller, whose self time it would otherwise inflate.
		t0 := p.now()
		id = p.allocSite(stack)
		if n := len(p.stack); n > 0 {
			w := p.now() - t0
			p.stack[n-1].children += w
			p.walks += w
		}
	}
	p.funcs[id].active++
	p.stack = append(p.stack, profFrame{id: id, recordingAt: p.recording, start: p.now()})
}

// allocSite returns the row of mallocgc called from the nearest function on stack outside the
// Go runtime.
func (p *FuncProfiler) allocSite(stack experimental.StackIterator) int {
	site := "?"
	stack.Next() // mallocgc itself
	for stack.Next() {
		name := stack.Function().Definition().DebugName()
		if !strings.HasPrefix(name, ".runtime.") && !strings.HasPrefix(name, ".internal_") {
			site = ShortFuncName(name)
			break
		}
	}
	id := p.funcID("runtime.mallocgc < "+site, mallocName, false)
	p.funcs[id].allocSite = true
	return id
}

// After implements experimental.FunctionListener.
func (l *funcListener) After(context.Context, api.Module, api.FunctionDefinition, []uint64) {
	l.p.pop()
}

// Abort implements experimental.FunctionListener: the call ended in a trap or a panic.
func (l *funcListener) Abort(context.Context, api.Module, api.FunctionDefinition, error) {
	l.p.pop()
}

func (p *FuncProfiler) pop() {
	n := len(p.stack) - 1
	if n < 0 {
		return // an After without its Before: wazero pairs them, but never panic the VM over it
	}
	fr := p.stack[n]
	p.stack = p.stack[:n]
	d := p.now() - fr.start
	if n > 0 {
		p.stack[n-1].children += d
		p.stack[n-1].callees++
	}
	f := &p.funcs[fr.id]
	f.active--
	if !fr.recordingAt {
		return
	}
	f.calls++
	f.callees += fr.callees
	f.self += d - fr.children
	if f.active == 0 {
		f.inclusive += d
	}
	if n == 0 {
		p.roots += d
	}
}

// FuncProfileRow is what a FuncProfiler recorded for one function.
type FuncProfileRow struct {
	// Name is the short name (ShortFuncName), the export name of a proxy_on_* export, or
	// "runtime.mallocgc < caller" for an allocation site; DebugName is wazero's name.
	Name, DebugName string
	Calls           uint64
	Callees         uint64 // listened calls made by it, each with its listener overhead in Self
	Inclusive, Self time.Duration
	// Always is set for the functions listened whatever the predicate (proxy_on_* exports,
	// host functions); AllocSite for the mallocgc rows.
	Always, AllocSite bool
}

// Rows returns every function called while recording, by self time, largest first.
func (p *FuncProfiler) Rows() []FuncProfileRow {
	var rows []FuncProfileRow
	for _, f := range p.funcs {
		if f.calls == 0 {
			continue
		}
		rows = append(rows, FuncProfileRow{Name: f.name, DebugName: f.debugName, Calls: f.calls, Callees: f.callees,
			Inclusive: f.inclusive, Self: f.self, Always: f.always, AllocSite: f.allocSite})
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Self != rows[j].Self {
			return rows[i].Self > rows[j].Self
		}
		return rows[i].Name < rows[j].Name
	})
	return rows
}

// RootTime is the time spent recording in listened calls that no other listened call made:
// the sum of every row's self time.
func (p *FuncProfiler) RootTime() time.Duration { return p.roots - p.walks }

// Calls is the number of listened calls recorded.
func (p *FuncProfiler) Calls() uint64 {
	var n uint64
	for _, f := range p.funcs {
		n += f.calls
	}
	return n
}

// Wall is the time spent recording (SetRecording on until off).
func (p *FuncProfiler) Wall() time.Duration {
	if p.recording {
		return p.wall + p.now() - p.since
	}
	return p.wall
}

// WriteReport writes the top rows by self time as a table of per-request figures, requests
// being how many requests were sent while recording.
func (p *FuncProfiler) WriteReport(w io.Writer, requests, top int) error {
	if requests <= 0 {
		return fmt.Errorf("host: profile report over %d requests", requests)
	}
	rows := p.Rows()
	n := float64(requests)
	calls := p.Calls()
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / n }
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests: %.0f ns/request wall, %.0f ns/request in listened calls, %.1f listened calls/request\n",
		requests, per(p.Wall()), per(p.RootTime()), float64(calls)/n)
	fmt.Fprintf(&b, "%12s %6s %12s %10s %12s  %s\n", "self ns/req", "self%", "incl ns/req", "calls/req", "callees/req", "function")
	for i, r := range rows {
		if top > 0 && i == top {
			fmt.Fprintf(&b, "... %d more rows\n", len(rows)-top)
			break
		}
		share := 0.0
		if root := p.RootTime(); root > 0 {
			share = 100 * float64(r.Self) / float64(root)
		}
		fmt.Fprintf(&b, "%12.0f %5.1f%% %12.0f %10.2f %12.2f  %s\n", per(r.Self), share, per(r.Inclusive),
			float64(r.Calls)/n, float64(r.Callees)/n, r.Name)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
