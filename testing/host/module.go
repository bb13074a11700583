package host

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Module is a compiled proxy-wasm module together with the wazero runtime that holds the host
// functions. It is immutable after Compile and may back any number of Hosts at once, so tests
// compile the 2 MB Go module once per process.
type Module struct {
	rt      wazero.Runtime
	cache   wazero.CompilationCache // nil when caching is off
	cm      wazero.CompiledModule
	imports []string // "module.name", in import order
	exports map[string]bool
	size    int
}

// CacheDirEnv names the environment variable that sets the directory where compiled machine
// code is cached between processes ("off" disables the cache). Unset, the cache lives in
// $TMPDIR/proxy-wasm-jwt-wazero. Compiling the Go module takes about a second, twelve under
// the race detector; with the cache each test binary pays it once per module version.
const CacheDirEnv = "JWT_WAZERO_CACHE"

func compilationCache() wazero.CompilationCache {
	dir := os.Getenv(CacheDirEnv)
	switch dir {
	case "off":
		return nil
	case "":
		dir = filepath.Join(os.TempDir(), "proxy-wasm-jwt-wazero")
	}
	c, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return nil // an unusable cache directory only costs time
	}
	return c
}

// Compile validates and compiles a module. It does not check the imports against a profile:
// Start does, because the profile belongs to the host.
func Compile(ctx context.Context, wasm []byte) (*Module, error) {
	return compile(ctx, wasm, compilationCache())
}

// compile is Compile with the compilation cache given (nil: none).
func compile(ctx context.Context, wasm []byte, cache wazero.CompilationCache) (*Module, error) {
	cfg := wazero.NewRuntimeConfig().WithMemoryLimitPages(maxMemoryPages)
	if cache != nil {
		cfg = cfg.WithCompilationCache(cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	fail := func(err error) (*Module, error) {
		_ = rt.Close(ctx)
		if cache != nil {
			_ = cache.Close(ctx)
		}
		return nil, err
	}
	if err := registerImports(ctx, rt); err != nil {
		return fail(fmt.Errorf("host: register host functions: %w", err))
	}
	cm, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return fail(fmt.Errorf("host: compile module (%d bytes): %w", len(wasm), err))
	}
	m := &Module{rt: rt, cache: cache, cm: cm, exports: map[string]bool{}, size: len(wasm)}
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		m.imports = append(m.imports, mod+"."+name)
	}
	for name := range cm.ExportedFunctions() {
		m.exports[name] = true
	}
	if err := m.checkABI(); err != nil {
		return fail(err)
	}
	return m, nil
}

// checkABI mirrors cpp-host WasmBase::load (BytecodeUtil::getAbiVersion) and getFunctions:
// the module must advertise ABI 0.2.1 and export an allocator.
func (m *Module) checkABI() error {
	switch {
	case m.exports["proxy_abi_version_0_2_1"]:
	case m.exports["proxy_abi_version_0_2_0"], m.exports["proxy_abi_version_0_1_0"]:
		return fmt.Errorf("host: module uses an older Proxy-Wasm ABI; this host implements 0.2.1 only")
	default:
		return fmt.Errorf("host: Missing or unknown Proxy-Wasm ABI version")
	}
	if !m.exports["proxy_on_memory_allocate"] && !m.exports["malloc"] {
		return fmt.Errorf("host: Wasm module is missing malloc function.")
	}
	return nil
}

// Size is the module's size in bytes.
func (m *Module) Size() int { return m.size }

// Imports lists the module's function imports as "module.name", sorted.
func (m *Module) Imports() []string {
	out := append([]string(nil), m.imports...)
	sort.Strings(out)
	return out
}

// CheckImports returns the error Envoy logs when the module imports a function the profile
// does not provide: Envoy fails the VM at link time (cpp-host src/v8/v8.cc, V8::link).
func (m *Module) CheckImports(p Profile) error {
	spec := p.spec()
	for _, f := range m.cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		if !spec.provides(mod, name) {
			return fmt.Errorf("Failed to load Wasm module due to a missing import: %s.%s (profile %s)", mod, name, p)
		}
	}
	return nil
}

// Close releases the runtime and every instance still running in it.
func (m *Module) Close(ctx context.Context) error {
	err := m.rt.Close(ctx)
	if m.cache != nil {
		_ = m.cache.Close(ctx)
	}
	return err
}

// instantiate creates one VM's instance without running any start function: the lifecycle
// (_initialize, main) is driven by vm.start so that its restricted phase applies.
func (m *Module) instantiate(ctx context.Context) (api.Module, error) {
	return m.rt.InstantiateModule(ctx, m.cm, wazero.NewModuleConfig().WithName("").WithStartFunctions())
}
