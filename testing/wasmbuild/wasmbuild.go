// Package wasmbuild gives the tests that run the compiled filter a module built from the
// source they test. `go test ./...` after an edit would otherwise run the native half of every
// behaviour test on the new code and the wasm half on an old build/jwt-authn.wasm, and a
// test could pass on code that no longer exists.
//
// A module is stale when it is older than any of its inputs: every file compiled into the
// module's packages (`go list -deps` of the module for GOOS=wasip1, packages of this Go module
// only: other modules are fixed by go.sum), go.mod, go.sum and the SDK glue in _sdkglue/. This
// is the same time-stamp rule make applies, so `make build-wasm` makes a stale module fresh.
//
// [Path] is what a test loads:
//
//   - $JWT_WASM when set, refused while stale ("... run make build-wasm");
//   - else build/jwt-authn.wasm under the module root, first built as `make build-wasm` builds
//     it (a copy of the SDK with the glue added, GOWORK naming it) when it is missing or
//     stale. The Go build cache makes a rebuild after a small edit quick. Test processes
//     running at once (`go test ./...` starts one per package) take turns through a lock
//     file, so one builds and the others find the module fresh.
//
// [SymbolsPath] is the same for build/jwt-authn-symbols.wasm ($JWT_WASM_SYMBOLS, make
// build-wasm-symbols): the module built from the same inputs with its function names kept, for
// the function profiler of testing/host.
package wasmbuild

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// Names shared with the Makefile (WASM, SDK_COPY, WASM_WORK, SDK).
const (
	moduleFile = "jwt-authn.wasm"
	sdkCopy    = "sdk"
	workFile   = "go.work"
	sdkModule  = "github.com/tetratelabs/proxy-wasm-go-sdk"
	glueDir    = "_sdkglue"
	glueFile   = "abi_wasip1.go"
	// glueDest is where the glue goes in the SDK copy.
	glueDest = "proxywasm/internal/abi_wasip1.go"
	lockFile = ".wasm-build.lock"
)

// The make targets that build the module and the module with its symbols (WASM_SYMBOLS).
const (
	moduleTarget  = "build-wasm"
	symbolsFile   = "jwt-authn-symbols.wasm"
	symbolsTarget = "build-wasm-symbols"
)

var resolved, resolvedSymbols struct {
	once sync.Once
	path string
	err  error
}

// Path returns the absolute path of a module built from the current source: $JWT_WASM if it
// is fresh, else build/jwt-authn.wasm under the module root, built first if needed. It works
// once per process; every later call returns the first answer.
func Path() (string, error) {
	resolved.once.Do(func() { resolved.path, resolved.err = resolve() })
	return resolved.path, resolved.err
}

// SymbolsPath is Path for the module with its function names (make build-wasm-symbols):
// $JWT_WASM_SYMBOLS if it is fresh, else build/jwt-authn-symbols.wasm under the module root,
// built first if needed.
func SymbolsPath() (string, error) {
	resolvedSymbols.once.Do(func() {
		resolvedSymbols.path, resolvedSymbols.err = resolveFile("JWT_WASM_SYMBOLS", symbolsFile, symbolsTarget)
	})
	return resolvedSymbols.path, resolvedSymbols.err
}

func resolve() (string, error) { return resolveFile("JWT_WASM", moduleFile, moduleTarget) }

func resolveFile(env, file, target string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	if p := os.Getenv(env); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", err
		}
		return abs, checkFresh(root, abs, target)
	}
	return ensureBuilt(root, filepath.Join(root, "build"), file, target)
}

// ModuleRoot is the first directory above the working directory that holds go.mod.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("wasmbuild: no go.mod above the working directory; set JWT_WASM")
		}
		dir = parent
	}
}

// StaleError says which input is newer than the module.
type StaleError struct {
	Module, Input string
	target        string // the make target that rebuilds it; build-wasm when empty
}

func (e *StaleError) Error() string {
	target := e.target
	if target == "" {
		target = moduleTarget
	}
	return fmt.Sprintf("wasm module %s is older than %s: run make %s", e.Module, e.Input, target)
}

// CheckFresh returns nil when module exists and no input under root is newer than it; a
// *StaleError when one is; another error when the module is missing or the inputs cannot be
// listed.
func CheckFresh(root, module string) error { return checkFresh(root, module, moduleTarget) }

func checkFresh(root, module, target string) error {
	st, err := os.Stat(module)
	if err != nil {
		return fmt.Errorf("%w (run make %s)", err, target)
	}
	in, err := Inputs(root)
	if err != nil {
		return err
	}
	for _, f := range in {
		fi, err := os.Stat(f)
		if err != nil {
			return fmt.Errorf("wasmbuild: input %s: %w", f, err)
		}
		if fi.ModTime().After(st.ModTime()) {
			return &StaleError{Module: module, Input: f, target: target}
		}
	}
	return nil
}

// Inputs lists, as absolute paths, every file the module is built from (package comment).
func Inputs(root string) ([]string, error) {
	cmd := exec.Command(goTool(), "list", "-deps", "-json=Dir,Module,GoFiles,CgoFiles,EmbedFiles", ".")
	cmd.Dir = root
	// The listing is of the module as released (no workspace): the SDK then resolves to the
	// module cache, which is not an input; the glue is listed on its own.
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOWORK=off", "GOFLAGS=-mod=readonly")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("wasmbuild: go list -deps: %v\n%s", err, stderr.Bytes())
	}
	files := []string{filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum")}
	glue, err := os.ReadDir(filepath.Join(root, glueDir))
	if err != nil {
		return nil, fmt.Errorf("wasmbuild: %w", err)
	}
	for _, e := range glue {
		if e.Type().IsRegular() {
			files = append(files, filepath.Join(root, glueDir, e.Name()))
		}
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			Dir                           string
			Module                        *struct{ Main bool }
			GoFiles, CgoFiles, EmbedFiles []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("wasmbuild: go list output: %w", err)
		}
		if p.Module == nil || !p.Module.Main {
			continue
		}
		for _, list := range [][]string{p.GoFiles, p.CgoFiles, p.EmbedFiles} {
			for _, f := range list {
				files = append(files, filepath.Join(p.Dir, f))
			}
		}
	}
	return files, nil
}

// EnsureBuilt returns outDir/jwt-authn.wasm, built from root first when missing or stale.
// Concurrent callers, in this process or others, build it once.
func EnsureBuilt(root, outDir string) (string, error) {
	return ensureBuilt(root, outDir, moduleFile, moduleTarget)
}

// ensureBuilt is EnsureBuilt for outDir/file, which make target builds.
func ensureBuilt(root, outDir, file, target string) (string, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", err
	}
	module := filepath.Join(outDir, file)
	unlock, err := lock(filepath.Join(outDir, lockFile))
	if err != nil {
		return "", fmt.Errorf("wasmbuild: lock: %w", err)
	}
	defer unlock()
	err = checkFresh(root, module, target)
	var stale *StaleError
	switch {
	case err == nil:
		return module, nil
	case errors.As(err, &stale), errors.Is(err, fs.ErrNotExist):
	default:
		return "", err
	}
	if err := build(root, outDir, target); err != nil {
		return "", err
	}
	return module, checkFresh(root, module, target)
}

// Build builds outDir/jwt-authn.wasm from root with `make build-wasm`, outDir standing for
// the Makefile's build directory. The Makefile is the one description of how the module is
// built (the SDK copy with the glue, the patched gjson, the flags): a second description here
// would drift from it, and tests would load a module built unlike the shipped one.
func Build(root, outDir string) error { return build(root, outDir, moduleTarget) }

func build(root, outDir, target string) error {
	abs, err := filepath.Abs(outDir)
	if err != nil {
		return err
	}
	cmd := exec.Command("make", "--no-print-directory", "BUILD="+abs, "GO="+goTool(), target)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("wasmbuild: make %s: %v\n%s", target, err, out)
	}
	return nil
}

// goTool is the go command of PATH, else of GOROOT.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if r := os.Getenv("GOROOT"); r != "" {
		return filepath.Join(r, "bin", "go")
	}
	return "go"
}
