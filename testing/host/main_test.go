package host_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/wasmbuild"
)

// The modules the tests run, compiled once for the whole test binary in TestMain. They are
// never modified after that.
var modules struct {
	shipped, probe       *host.Module
	shippedErr, probeErr error
}

func TestMain(m *testing.M) {
	ctx := context.Background()
	if path, err := wasmbuild.Path(); err != nil {
		modules.shippedErr = err
	} else {
		modules.shipped, modules.shippedErr = compileFile(ctx, path)
	}
	dir, err := os.MkdirTemp("", "host-probe-")
	if err == nil {
		var bin string
		bin, err = buildProbe(dir)
		if err == nil {
			modules.probe, err = compileFile(ctx, bin)
		}
	}
	modules.probeErr = err
	code := m.Run()
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	os.Exit(code)
}

// shippedPath is the module built from the current source (package testing/wasmbuild):
// $JWT_WASM unless it is stale, else build/jwt-authn.wasm at the module root, built when
// missing or stale.
func shippedPath() string {
	p, err := wasmbuild.Path()
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return p
}

func compileFile(ctx context.Context, path string) (*host.Module, error) {
	bin, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return host.Compile(ctx, bin)
}

// buildProbe compiles testdata/probe with the standard Go toolchain, as the real module is.
func buildProbe(dir string) (string, error) {
	out := filepath.Join(dir, "probe.wasm")
	cmd := exec.Command(goTool(), "build", "-buildmode=c-shared", "-o", out, "./testdata/probe")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0", "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", errors.New("build testdata/probe: " + err.Error() + "\n" + string(b))
	}
	return out, nil
}

// goTool is the go command: the one on PATH, else the one of the toolchain running the test.
func goTool() string {
	if gobin, err := exec.LookPath("go"); err == nil {
		return gobin
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

func shippedModule(t testing.TB) *host.Module {
	t.Helper()
	if modules.shippedErr != nil {
		t.Fatalf("shipped module %s: %v", shippedPath(), modules.shippedErr)
	}
	return modules.shipped
}

func probeModule(t testing.TB) *host.Module {
	t.Helper()
	if modules.probeErr != nil {
		t.Fatalf("probe module: %v", modules.probeErr)
	}
	return modules.probe
}

// start starts a host and closes it when the test ends.
func start(t testing.TB, m *host.Module, opts host.Options) *host.Host {
	t.Helper()
	h, err := host.Start(context.Background(), m, opts)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(h.Close)
	return h
}

// probe starts the probe module with the given scenario words.
func probe(t testing.TB, config string, opts host.Options) *host.Host {
	t.Helper()
	opts.PluginConfig = []byte(config)
	return start(t, probeModule(t), opts)
}

func get(path string) [][2]string {
	return [][2]string{{":method", "GET"}, {":path", path}, {":authority", "example.com"}, {":scheme", "https"}}
}
