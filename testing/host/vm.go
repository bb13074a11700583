package host

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// phase says which restricted section, if any, the VM is executing (cpp-host
// WasmVm::setRestrictedCallback).
type phase int

const (
	phaseNormal phase = iota
	phaseStart        // _initialize and main, WasmBase::startVm
	phaseAlloc        // proxy_on_memory_allocate, WasmBase::allocMemory
)

func (p phase) String() string {
	switch p {
	case phaseStart:
		return "_initialize (WasmBase::startVm)"
	case phaseAlloc:
		return "proxy_on_memory_allocate (WasmBase::allocMemory)"
	}
	return "a callback"
}

// hctx is one proxy-wasm context inside a VM: the root (plugin) context (vm.root) or an HTTP
// stream.
type hctx struct {
	id          uint32
	stream      *Stream           // nil for the root context
	filterState map[string][]byte // proxy_set_property values ("wasm." filter state in Envoy)
	statusCode  uint32            // proxy_get_status, set around on_http_call_response
	statusMsg   string
}

// vm is one instance of the module, like the VM of one Envoy worker thread. Everything in it
// is guarded by mu: a VM runs one call at a time.
type vm struct {
	h     *Host
	index int
	spec  profileSpec
	ctx   context.Context

	mu       sync.Mutex
	mod      api.Module
	mem      api.Memory
	fns      map[string]api.Function
	malloc   api.Function
	root     *hctx
	nextID   uint32
	contexts map[uint32]*hctx

	current   *hctx  // context whose callback is running
	effective uint32 // proxy_set_effective_context, reset after each callback
	phase     phase
	stopNext  bool     // proxy_send_local_response asked to stop the filter chain
	after     []func() // actions deferred until the callback returns (addAfterVmCallAction)
	failed    error
	closed    bool        // Host.Close ran: no more calls into the module
	calls     [3][]uint64 // per phase, per importTable index

	// Transient state visible only during a given callback, as in Envoy's Context.
	pluginConfigVisible bool
	callout             *CalloutResponse // during proxy_on_http_call_response
	pollsInCall         int              // poll_oneoff calls since the current callback began

	metrics vmMetrics

	tickPeriod time.Duration
	nextTick   time.Time
	rootDone   bool // root context returned false from proxy_on_done; proxy_done releases it
}

// VMFailure is how a VM fails: a trap, a restricted call, a missing import. Envoy marks the
// VM failed and answers every later stream with 503; the host does the same and keeps the
// reason for the test to report.
type VMFailure struct {
	VM  int
	Err error
}

func (f VMFailure) Error() string { return fmt.Sprintf("vm %d failed: %v", f.VM, f.Err) }

var errTrapped = errors.New("vm trapped")

func newVM(h *Host, index int, mod api.Module) *vm {
	v := &vm{
		h:        h,
		index:    index,
		spec:     h.opts.Profile.spec(),
		mod:      mod,
		mem:      mod.Memory(),
		fns:      map[string]api.Function{},
		nextID:   1,
		contexts: map[uint32]*hctx{},
	}
	for i := range v.calls {
		v.calls[i] = make([]uint64, len(h.imports))
	}
	v.ctx = context.WithValue(context.Background(), vmKey{}, v)
	for _, name := range callbackNames {
		if f := mod.ExportedFunction(name); f != nil {
			v.fns[name] = f
		}
	}
	v.malloc = mod.ExportedFunction("proxy_on_memory_allocate")
	if v.malloc == nil {
		v.malloc = mod.ExportedFunction("malloc")
	}
	return v
}

// callbackNames are the module exports the host calls. proxy_on_foreign_function is not among
// them: the host registers no foreign function.
var callbackNames = []string{
	"_initialize", "main", "_start",
	"proxy_on_context_create", "proxy_on_vm_start", "proxy_on_configure", "proxy_on_tick",
	"proxy_on_queue_ready", "proxy_on_done", "proxy_on_log", "proxy_on_delete",
	"proxy_on_request_headers", "proxy_on_request_body", "proxy_on_request_trailers",
	"proxy_on_response_headers", "proxy_on_response_body", "proxy_on_response_trailers",
	"proxy_on_http_call_response",
}

// enter runs at the top of every host function: it counts the call and enforces the
// restricted phases. A call cpp-host would refuse traps the VM, loudly.
func (v *vm) enter(idx int, qualified string) {
	v.calls[v.phase][idx]++
	if v.phase != phaseNormal && !v.spec.allowedIn(v.phase, qualified) {
		err := fmt.Errorf("restricted_callback: %s called during %s, where %s does not allow it", qualified, v.phase, v.h.opts.Profile)
		v.fail(err)
		panic(err)
	}
}

// fail marks the VM failed (cpp-host WasmVm::fail). Only the first reason is kept.
func (v *vm) fail(err error) {
	if v.failed != nil {
		return
	}
	v.failed = err
	v.h.recordFailure(VMFailure{VM: v.index, Err: err})
	v.h.logs.add(v.index, 0, LogCritical, "wasm vm failed: "+err.Error())
	for _, c := range v.contexts {
		if c.stream != nil {
			c.stream.notify()
		}
	}
}

// callback calls an exported function with c as the current context. ran is false when the
// module does not export it (Envoy then applies the default) or the VM has failed.
func (v *vm) callback(c *hctx, name string, args ...uint64) (res uint64, ran bool) {
	fn := v.fns[name]
	if fn == nil || v.failed != nil || v.closed {
		return 0, false
	}
	stack := make([]uint64, max(len(args), 1))
	copy(stack, args)
	prev, prevEff := v.current, v.effective
	v.current, v.effective, v.pollsInCall = c, 0, 0
	err := fn.CallWithStack(v.ctx, stack)
	v.current, v.effective = prev, prevEff
	if err != nil {
		v.fail(fmt.Errorf("Function: %s failed: %w", name, err))
		return 0, false
	}
	return stack[0], true
}

// takeStop reports and clears proxy_send_local_response's request to stop iteration
// (WasmBase::isNextIterationStopped, reset by DeferAfterCallActions).
func (v *vm) takeStop() bool {
	s := v.stopNext
	v.stopNext = false
	return s
}

// runAfter runs the actions deferred during a callback, in order: continuing a stream,
// sending a local reply (cpp-host WasmBase::doAfterVmCallActions).
func (v *vm) runAfter() {
	for len(v.after) > 0 {
		a := v.after[0]
		v.after = v.after[1:]
		a()
	}
	v.after = nil
}

// alloc calls the module's allocator with the allocation allow-list in force. A trap in the
// allocator fails the VM and aborts the host call that needed the memory.
func (v *vm) alloc(size uint32) (uint32, bool) {
	prev := v.phase
	v.phase = phaseAlloc
	stack := []uint64{uint64(size)}
	err := v.malloc.CallWithStack(v.ctx, stack)
	v.phase = prev
	if err != nil {
		v.fail(fmt.Errorf("Function: proxy_on_memory_allocate failed: %w", err))
		panic(errTrapped)
	}
	return uint32(stack[0]), uint32(stack[0]) != 0
}

// active is the context host calls act on: the effective context if the module set one that
// still exists, else the context whose callback is running (cpp-host
// ContextOrEffectiveContext).
func (v *vm) active() *hctx {
	if v.effective != 0 {
		if c, ok := v.contexts[v.effective]; ok {
			return c
		}
	}
	return v.current
}

func (v *vm) newContext() *hctx {
	c := &hctx{id: v.nextID}
	v.nextID++
	v.contexts[c.id] = c
	return c
}

// start runs Envoy's VM start and plugin start: _initialize (and main) in the restricted
// start phase, then proxy_on_context_create(root, 0), proxy_on_vm_start and
// proxy_on_configure (cpp-host WasmBase::startVm, ContextBase::onStart, onConfigure).
func (v *vm) start(vmConfig, pluginConfig []byte) error {
	v.phase = phaseStart
	if v.fns["_initialize"] != nil {
		v.callback(nil, "_initialize")
		if v.fns["main"] != nil {
			v.callback(nil, "main", 0, 0)
		}
	} else if v.fns["_start"] != nil {
		v.callback(nil, "_start")
	}
	v.phase = phaseNormal
	v.runAfter()
	if v.failed != nil {
		return fmt.Errorf("Failed to initialize Wasm code: %w", v.failed)
	}
	v.root = v.newContext()
	v.callback(v.root, "proxy_on_context_create", uint64(v.root.id), 0)
	v.runAfter()
	res, ran := v.callback(v.root, "proxy_on_vm_start", uint64(v.root.id), uint64(len(vmConfig)))
	v.takeStop()
	v.runAfter()
	if v.failed != nil {
		return fmt.Errorf("Failed to start base Wasm: %w", v.failed)
	}
	if ran && res == 0 {
		return errors.New("Failed to start base Wasm: proxy_on_vm_start returned false")
	}
	v.pluginConfigVisible = true
	res, ran = v.callback(v.root, "proxy_on_configure", uint64(v.root.id), uint64(len(pluginConfig)))
	v.pluginConfigVisible = false
	v.takeStop()
	v.runAfter()
	if v.failed != nil {
		return fmt.Errorf("Failed to configure base Wasm plugin: %w", v.failed)
	}
	if ran && res == 0 {
		return errors.New("Failed to configure base Wasm plugin: proxy_on_configure returned false")
	}
	return nil
}

// shutdown ends the root context the way WasmBase::startShutdown does: proxy_on_done, then
// proxy_on_delete unless the module asked to finish later with proxy_done.
func (v *vm) shutdown() {
	if v.root == nil || v.failed != nil {
		return
	}
	res, ran := v.callback(v.root, "proxy_on_done", uint64(v.root.id))
	v.runAfter()
	if ran && res == 0 {
		v.rootDone = true
		return
	}
	v.callback(v.root, "proxy_on_delete", uint64(v.root.id))
	v.runAfter()
}

// memorySize is the linear memory size in bytes.
func (v *vm) memorySize() uint32 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.mem.Size()
}
