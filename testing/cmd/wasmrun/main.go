// Command wasmrun runs a wasip1 command module (a Go program or test binary
// built with GOOS=wasip1 GOARCH=wasm) on wazero's compiler and exits with the
// module's exit code. It exists to time Go code compiled to wasm on the same
// engine the test host uses, e.g. the verifier's benchmarks:
//
//	GOOS=wasip1 GOARCH=wasm go test -c -o build/verifier-bench.wasm ./verifier/internal/benchcases
//	go run ./testing/cmd/wasmrun build/verifier-bench.wasm -test.run '^$' -test.bench .
//
// Usage: wasmrun [-cache DIR] [-env K=V]... MODULE.wasm [ARG]...
//
// The module gets full WASI from wazero's wasi_snapshot_preview1 (this is not
// the Envoy-like host of testing/host), its arguments, stdout and stderr, real
// clocks (benchmarks need them) and crypto/rand; no files and no environment
// besides -env.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"
)

// envFlags collects repeated -env K=V flags.
type envFlags [][2]string

func (e *envFlags) String() string { return fmt.Sprint(*e) }

func (e *envFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want K=V, got %q", s)
	}
	*e = append(*e, [2]string{k, v})
	return nil
}

func main() {
	cache := flag.String("cache", "", "wazero compilation cache directory (none if empty)")
	var env envFlags
	flag.Var(&env, "env", "environment variable K=V for the module (repeatable)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: wasmrun [-cache DIR] [-env K=V]... MODULE.wasm [ARG]...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() < 1 {
		flag.Usage()
		os.Exit(2)
	}
	code, err := run(context.Background(), *cache, env, flag.Arg(0), flag.Args()[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasmrun:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

// run instantiates the module as a command (its _start runs during
// instantiation) and returns its exit code.
func run(ctx context.Context, cacheDir string, env envFlags, path string, args []string) (int, error) {
	bin, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	cfg := wazero.NewRuntimeConfigCompiler()
	if cacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(cacheDir)
		if err != nil {
			return 0, fmt.Errorf("compilation cache %s: %w", cacheDir, err)
		}
		defer cache.Close(ctx)
		cfg = cfg.WithCompilationCache(cache)
	}
	r := wazero.NewRuntimeWithConfig(ctx, cfg)
	defer r.Close(ctx)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
		return 0, fmt.Errorf("wasi_snapshot_preview1: %w", err)
	}
	compiled, err := r.CompileModule(ctx, bin)
	if err != nil {
		return 0, fmt.Errorf("compile %s: %w", path, err)
	}
	mc := wazero.NewModuleConfig().
		WithArgs(append([]string{filepath.Base(path)}, args...)...).
		WithStdout(os.Stdout).
		WithStderr(os.Stderr).
		WithSysWalltime().
		WithSysNanotime().
		WithSysNanosleep().
		WithRandSource(rand.Reader)
	for _, kv := range env {
		mc = mc.WithEnv(kv[0], kv[1])
	}
	mod, err := r.InstantiateModule(ctx, compiled, mc)
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return int(exit.ExitCode()), nil
	}
	if err != nil {
		return 0, fmt.Errorf("run %s: %w", path, err)
	}
	// A module whose _start returned without proc_exit succeeded.
	return 0, mod.Close(ctx)
}
