package main_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// goTool finds the go command that runs the tests.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// binaries are built once for the test binary by TestMain: the emulator itself and the host's
// probe module (testing/host/testdata/probe), whose plugin configuration picks its behaviour.
var binaries struct {
	emulator, probe string
	err             error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "jwt-emulator-test-")
	if err == nil {
		binaries.emulator, err = goBuild(filepath.Join(dir, "jwt-emulator"), ".")
		if err == nil {
			binaries.probe, err = goBuild(filepath.Join(dir, "probe.wasm"), "../../host/testdata/probe",
				"-buildmode=c-shared", "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
		}
	}
	binaries.err = err
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// goBuild builds pkg into out; extra holds flags (starting with "-") and environment settings.
func goBuild(out, pkg string, extra ...string) (string, error) {
	args := []string{"build", "-o", out}
	env := append(os.Environ(), "GOFLAGS=")
	for _, e := range extra {
		if strings.HasPrefix(e, "-") {
			args = append(args, e)
		} else {
			env = append(env, e)
		}
	}
	cmd := exec.Command(goTool(), append(args, pkg)...)
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return out, nil
}

func buildEmulator(t *testing.T) string {
	t.Helper()
	if binaries.err != nil {
		t.Fatal(binaries.err)
	}
	return binaries.emulator
}

func buildProbe(t *testing.T) string {
	t.Helper()
	if binaries.err != nil {
		t.Fatal(binaries.err)
	}
	return binaries.probe
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type emulator struct {
	cmd    *exec.Cmd
	addr   string
	stderr *strings.Builder
	done   chan error
}

// startEmulator runs the binary on a free port and waits for its "listening on" line.
func startEmulator(t *testing.T, bin string, args ...string) *emulator {
	t.Helper()
	e, lines := launch(t, bin, append([]string{"-listen", "127.0.0.1:0"}, args...), 1)
	addr, ok := strings.CutPrefix(lines[0], "listening on ")
	if !ok {
		t.Fatalf("first stdout line %q, want \"listening on ADDR\"", lines[0])
	}
	e.addr = addr
	return e
}

// launch starts bin with args, killing it at the end of the test unless it has exited, and
// returns it with its first n lines of standard output.
func launch(t *testing.T, bin string, args []string, n int) (*emulator, []string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	e := &emulator{cmd: cmd, stderr: &strings.Builder{}, done: make(chan error, 1)}
	cmd.Stderr = e.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, n)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { e.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-e.done
		}
	})
	var got []string
	for len(got) < n {
		select {
		case l := <-lines:
			got = append(got, l)
		case err := <-e.done:
			t.Fatalf("emulator exited before listening: %v\n%s", err, e.stderr)
		case <-time.After(60 * time.Second):
			t.Fatalf("no listening line within a minute\n%s", e.stderr)
		}
	}
	return e, got
}

// stop sends SIGTERM and checks the emulator exits cleanly.
func (e *emulator) stop(t *testing.T) {
	t.Helper()
	if err := e.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-e.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, e.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no exit within 30s of SIGTERM")
	}
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	return do(t, "GET", url)
}

// A local reply from the filter reaches the client with its status, headers and body.
func TestEmulatorDeliversLocalReply(t *testing.T) {
	e := startEmulator(t, buildEmulator(t), "-wasm", buildProbe(t), "-config", writeFile(t, "c", "local"))
	resp, body := get(t, "http://"+e.addr+"/anything")
	if resp.StatusCode != 403 || body != "denied" || resp.Header.Get("x-reason") != "probe" {
		t.Errorf("got %d %q x-reason=%q, want 403 \"denied\" x-reason=probe", resp.StatusCode, body, resp.Header.Get("x-reason"))
	}
	e.stop(t)
}

// A proxy_http_call to a -cluster goes out over HTTP; its answer resumes the paused request.
func TestEmulatorCalloutGoesToCluster(t *testing.T) {
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/keys" || r.Host != "idp" {
			http.Error(w, "unexpected "+r.Host+r.URL.Path, http.StatusNotFound)
			return
		}
		_, _ = io.WriteString(w, "keys")
	}))
	defer idp.Close()
	cluster := "jwks=" + strings.TrimPrefix(idp.URL, "http://")
	e := startEmulator(t, buildEmulator(t), "-wasm", buildProbe(t), "-config", writeFile(t, "c", "pause"), "-cluster", cluster)
	resp, body := get(t, "http://"+e.addr+"/api")
	if resp.StatusCode != 200 || !strings.Contains(body, `"path":"/api"`) {
		t.Errorf("got %d %s, want the echo of /api after the callout", resp.StatusCode, body)
	}
	e.stop(t)
	if !strings.Contains(e.stderr.String(), "callout headers=") || !strings.Contains(e.stderr.String(), "body=keys status=200") {
		t.Errorf("module log on stderr lacks the callout answer:\n%s", e.stderr)
	}
}

func TestEmulatorRejectsBadFlags(t *testing.T) {
	bin := buildEmulator(t)
	cases := [][]string{
		{"-cluster", "no-address"},
		{"-workers", "0"},
		{"-now", "yesterday"},
		{"-profile", "envoy-0.1"},
		{"-log-level", "verbose"},
		{"-client-cert-digest", "abc"},
		{"-client-cert-digest", strings.Repeat("g", 64)},
		{"-wasm", filepath.Join(t.TempDir(), "missing.wasm")},
	}
	for _, args := range cases {
		cmd := exec.Command(bin, args...)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Errorf("%v: err %v, want a non-zero exit\n%s", args, err, out)
		}
	}
}

// -log-level is Envoy's: lines below it are not printed (the probe logs at info).
func TestEmulatorLogLevel(t *testing.T) {
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "keys")
	}))
	defer idp.Close()
	cluster := "jwks=" + strings.TrimPrefix(idp.URL, "http://")
	for _, c := range []struct {
		level string
		shown bool
	}{{"info", true}, {"warn", false}, {"critical", false}} {
		e := startEmulator(t, buildEmulator(t), "-wasm", buildProbe(t), "-config", writeFile(t, "c", "pause"),
			"-cluster", cluster, "-log-level", c.level)
		if resp, _ := get(t, "http://"+e.addr+"/api"); resp.StatusCode != 200 {
			t.Errorf("-log-level %s: status %d, want 200", c.level, resp.StatusCode)
		}
		e.stop(t)
		if got := strings.Contains(e.stderr.String(), "callout headers="); got != c.shown {
			t.Errorf("-log-level %s: info line printed %v, want %v:\n%s", c.level, got, c.shown, e.stderr)
		}
	}
}
