package host

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// hostFunc is one function the host exports to modules. fn reads its parameters from stack
// and writes its results back to stack[0], wazero's calling convention for Go functions.
type hostFunc struct {
	module, name    string
	params, results []api.ValueType
	fn              func(v *vm, stack []uint64)
}

func (f hostFunc) qualified() string { return f.module + "." + f.name }

// importTable is every function any profile provides, in a fixed order: the index of a
// function is the index of its call counter in vm.calls.
func importTable() []hostFunc {
	t := envImports()
	t = append(t, wasiImports("wasi_snapshot_preview1")...)
	t = append(t, wasiImports("wasi_unstable")...)
	return t
}

type vmKey struct{}

// vmOf finds the VM a host function runs for: every call into a module passes a context that
// carries its VM, so one wazero runtime can serve many hosts.
func vmOf(ctx context.Context) *vm {
	v, ok := ctx.Value(vmKey{}).(*vm)
	if !ok {
		panic("host: host function called without a VM in its context")
	}
	return v
}

func registerImports(ctx context.Context, rt wazero.Runtime) error {
	builders := map[string]wazero.HostModuleBuilder{}
	var order []string
	for i, f := range importTable() {
		b, ok := builders[f.module]
		if !ok {
			b = rt.NewHostModuleBuilder(f.module)
			builders[f.module] = b
			order = append(order, f.module)
		}
		idx, f := i, f
		qualified := f.qualified()
		b.NewFunctionBuilder().
			WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, _ api.Module, stack []uint64) {
				v := vmOf(ctx)
				v.enter(idx, qualified)
				f.fn(v, stack)
			}), f.params, f.results).
			WithName(f.name).
			Export(f.name)
	}
	for _, name := range order {
		if _, err := builders[name].Instantiate(ctx); err != nil {
			return fmt.Errorf("instantiate host module %s: %w", name, err)
		}
	}
	return nil
}

// params is a signature of n i32 parameters, the common case.
func params(n int) []api.ValueType {
	p := make([]api.ValueType, n)
	for i := range p {
		p[i] = i32
	}
	return p
}

// sig is a signature written out, for functions that take an i64.
func sig(ps ...api.ValueType) []api.ValueType { return ps }

var (
	retI32 = []api.ValueType{i32}
	retNil = []api.ValueType{}
)
