package main_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The binaries `make run` starts, built once for the test binary by TestMain.
var built struct {
	dir string
	err error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "demo-test-")
	if err == nil {
		for _, name := range []string{"demo", "demo-idp", "jwt-emulator"} {
			if err = goBuild(filepath.Join(dir, name), "../"+name); err != nil {
				break
			}
		}
	}
	built.dir, built.err = dir, err
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func goBuild(out, pkg string) error {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		gocmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(gocmd, "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
	}
	return nil
}

// shippedModule is $JWT_WASM or build/jwt-authn.wasm at the module root.
func shippedModule(t *testing.T) string {
	t.Helper()
	p := os.Getenv("JWT_WASM")
	if p == "" {
		p = filepath.Join("..", "..", "..", "build", "jwt-authn.wasm")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(abs); err != nil {
		t.Fatalf("%v (run `make build-wasm`, or set JWT_WASM)", err)
	}
	return abs
}

// printed is one "# expect STATUS: what" line and the curl command after it.
type printed struct {
	status int
	about  string
	curl   string
}

var expectLine = regexp.MustCompile(`^# expect (\d{3}): (.+)$`)

// TestMakeRunDemo runs what `make run` runs (the launcher, which starts the demo IdP and the
// emulator with examples/demo/config.json) on free loopback ports, reads the commands it
// prints, sends each one's request over HTTP and checks the status printed above it; then
// stops it with Ctrl-C (SIGINT to the process group, as a terminal does) and checks that no
// process is left.
func TestMakeRunDemo(t *testing.T) {
	if built.err != nil {
		t.Fatal(built.err)
	}
	cmd := exec.Command(filepath.Join(built.dir, "demo"), "-listen", "127.0.0.1:0", "-idp", "127.0.0.1:0",
		"-admin", "127.0.0.1:0", "-wasm", shippedModule(t), "-config", "../../../examples/demo/config.json")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group, standing for the terminal's
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})

	calls, err := readPrinted(stdout, 90*time.Second)
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, stderr.String())
	}
	children := childPids(t, cmd.Process.Pid)
	if len(children) != 2 {
		t.Errorf("the launcher has %d child processes %v, want 2 (demo-idp, jwt-emulator)", len(children), children)
	}

	// The list, in order: valid 200, no token 401, expired 401, missing scope 403.
	want := []int{200, 401, 401, 403}
	if len(calls) < len(want) {
		t.Fatalf("%d commands printed, want at least %d", len(calls), len(want))
	}
	for i, w := range want {
		if calls[i].status != w {
			t.Errorf("command %d is announced as %d (%s), want %d", i+1, calls[i].status, calls[i].about, w)
		}
	}
	rotated := false
	for i, c := range calls {
		req, err := parseCurl(c.curl)
		if err != nil {
			t.Fatalf("command %d %q: %v", i+1, abbrev(c.curl), err)
		}
		if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/rotate") {
			rotated = true
		}
		status, body := send(t, req)
		// After a rotation the unknown-kid refetch is rate limited (1 s in the demo
		// configuration): a person pasting is slower than that, the test polls.
		for deadline := time.Now().Add(10 * time.Second); rotated && status != c.status && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
			status, body = send(t, req)
		}
		if status != c.status {
			t.Errorf("command %d (%s): got %d %q, want %d", i+1, c.about, status, abbrev(body), c.status)
			continue
		}
		if i == 0 {
			for _, h := range []string{`"x-user":["alice"]`, `"x-email":["alice@example.com"]`, `"x-scope":["openid profile orders:read"]`} {
				if !strings.Contains(body, h) {
					t.Errorf("valid token: the echo lacks %s: %s", h, body)
				}
			}
			if strings.Contains(body, "authorization") {
				t.Errorf("valid token: the token reached the upstream: %s", body)
			}
		}
		if strings.HasSuffix(req.URL.Path, "/stats") && !strings.Contains(body, "wasmcustom.jwt_authn.allowed: ") {
			t.Errorf("/stats lacks wasmcustom.jwt_authn.allowed:\n%s", body)
		}
	}
	if !rotated {
		t.Error("no rotation command (POST .../rotate) printed")
	}
	if strings.Contains(stderr.String(), "eyJ") {
		t.Error("a token appears in the demo's log")
	}

	// Ctrl-C: SIGINT to the whole process group.
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after Ctrl-C: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("still running 30 s after Ctrl-C\n%s", stderr.String())
	}
	for _, pid := range children {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			t.Errorf("child %d is still running after Ctrl-C", pid)
		}
	}
}

// readPrinted reads the launcher's stdout up to "Press Ctrl-C to stop." and returns the
// announced commands; the rest of stdout is drained in the background.
func readPrinted(r io.Reader, limit time.Duration) ([]printed, error) {
	type result struct {
		calls []printed
		err   error
	}
	res := make(chan result, 1)
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		var calls []printed
		var pending *printed
		var out strings.Builder
		for sc.Scan() {
			line := sc.Text()
			out.WriteString(line + "\n")
			switch {
			case expectLine.MatchString(line):
				m := expectLine.FindStringSubmatch(line)
				status, _ := strconv.Atoi(m[1])
				pending = &printed{status: status, about: m[2]}
			case strings.HasPrefix(line, "curl "):
				if pending == nil {
					res <- result{err: fmt.Errorf("curl line without an expect line before it: %q", abbrev(line))}
					return
				}
				pending.curl = line
				calls = append(calls, *pending)
				pending = nil
			case line == "Press Ctrl-C to stop.":
				res <- result{calls: calls}
				_, _ = io.Copy(io.Discard, r)
				return
			}
		}
		res <- result{err: fmt.Errorf("stdout ended before the commands were printed:\n%s", out.String())}
	}()
	select {
	case r := <-res:
		return r.calls, r.err
	case <-time.After(limit):
		return nil, fmt.Errorf("no commands printed within %v", limit)
	}
}

// parseCurl turns a printed command into a request. It knows the options the launcher prints
// (-i, -s, -X METHOD, -H "Name: value") and refuses any other, so the printed commands stay
// plain curl.
func parseCurl(line string) (*http.Request, error) {
	words, err := shellWords(line)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 || words[0] != "curl" {
		return nil, errors.New("does not start with curl")
	}
	method, target := http.MethodGet, ""
	header := http.Header{}
	for i := 1; i < len(words); i++ {
		switch w := words[i]; {
		case w == "-i" || w == "-s":
		case (w == "-X" || w == "-H") && i+1 < len(words):
			i++
			if w == "-X" {
				method = words[i]
				continue
			}
			name, value, ok := strings.Cut(words[i], ":")
			if !ok {
				return nil, fmt.Errorf("header %q", words[i])
			}
			header.Add(name, strings.TrimSpace(value))
		case strings.HasPrefix(w, "http://") && target == "":
			target = w
		default:
			return nil, fmt.Errorf("unexpected word %q", abbrev(w))
		}
	}
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header = header
	return req, nil
}

// shellWords splits like a POSIX shell for the quoting the launcher uses: double quotes
// without escapes inside.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case r == '\\' || r == '\'' || r == '$' || r == '`':
			return nil, fmt.Errorf("shell metacharacter %q", r)
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		return nil, errors.New("unterminated quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

func send(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req.Clone(req.Context()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// childPids lists the processes whose parent is pid (Linux /proc).
func childPids(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	var out []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, n)
		}
	}
	return out
}

func abbrev(s string) string {
	if len(s) > 100 {
		return s[:80] + "…"
	}
	return s
}

// TestReadmeAndMakefile: the README's first code block is exactly `make run` then `make test`,
// and `make run` execs the launcher TestMakeRunDemo drives.
func TestReadmeAndMakefile(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```")
	if !ok {
		t.Fatal("README.md has no code block")
	}
	block, _, _ := strings.Cut(rest, "```")
	_, body, _ := strings.Cut(block, "\n") // after the info string
	if body != "make run\nmake test\n" {
		t.Errorf("README.md's first code block is %q, want exactly make run then make test", body)
	}
	mk, err := os.ReadFile(filepath.Join("..", "..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^run: .*\n\texec \$\(BUILD\)/demo\n`).Match(mk) {
		t.Error("the Makefile's run target does not exec $(BUILD)/demo")
	}
}
