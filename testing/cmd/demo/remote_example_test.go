package main_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// started is a process that announced "listening on ADDR".
type started struct {
	cmd    *exec.Cmd
	addr   string
	stderr *lockedBuffer
	done   chan error
}

func startListening(t *testing.T, bin string, args ...string) *started {
	t.Helper()
	s := &started{cmd: exec.Command(bin, args...), stderr: &lockedBuffer{}, done: make(chan error, 1)}
	s.cmd.Stderr = s.stderr
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			first <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
	select {
	case line := <-first:
		addr, ok := strings.CutPrefix(line, "listening on ")
		if !ok {
			t.Fatalf("%s: first line %q", bin, line)
		}
		s.addr = addr
	case err := <-s.done:
		t.Fatalf("%s exited: %v\n%s", bin, err, s.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("%s: not listening within a minute", bin)
	}
	return s
}

// documentedExample is an example directory's example.json: the clock, request and token its
// README documents and the headers the echo must show.
type documentedExample struct {
	Now    string            `json:"now"`
	Path   string            `json:"path"`
	Token  string            `json:"token"`
	Expect map[string]string `json:"expect_headers"`
}

// loadExample reads root's example.json and checks that root's README contains command, the
// line that starts the IdP the way the test does; complaint says what is wrong otherwise.
func loadExample(t *testing.T, root, command, complaint string) documentedExample {
	t.Helper()
	if built.err != nil {
		t.Fatal(built.err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "example.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ex documentedExample
	if err := json.Unmarshal(raw, &ex); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), command) {
		t.Error(complaint)
	}
	return ex
}

// checkDocumentedToken sends the documented request with its token through emu and checks
// that it passes with the documented headers.
func checkDocumentedToken(t *testing.T, emu *started, ex documentedExample) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+emu.addr+ex.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+ex.Token)
	status, body := send(t, req)
	if status != 200 {
		t.Fatalf("documented token: %d %q, want 200\n%s", status, body, emu.stderr.String())
	}
	for name, want := range ex.Expect {
		if !strings.Contains(body, `"`+name+`":["`+want+`"]`) {
			t.Errorf("the echo lacks %s: %s", name, body)
		}
	}
}

// TestRemoteExampleWithDemoIdP runs examples/remote-jwks as its README says, without python:
// build/demo-idp -jwks serves the example's JWKS, the emulator fetches it through -cluster.
func TestRemoteExampleWithDemoIdP(t *testing.T) {
	root := filepath.Join("..", "..", "..", "examples", "remote-jwks")
	ex := loadExample(t, root, "build/demo-idp -listen 127.0.0.1:8081 -jwks examples/remote-jwks/jwks.json",
		"the README does not start the JWKS server with build/demo-idp -jwks")
	idp := startListening(t, filepath.Join(built.dir, "demo-idp"), "-listen", "127.0.0.1:0", "-jwks", filepath.Join(root, "jwks.json"))
	emu := startListening(t, filepath.Join(built.dir, "jwt-emulator"), "-listen", "127.0.0.1:0", "-wasm", shippedModule(t),
		"-config", filepath.Join(root, "config.json"), "-now", ex.Now, "-cluster", "jwks="+idp.addr)
	checkDocumentedToken(t, emu, ex)
	if !strings.Contains(idp.stderr.String(), "GET /jwks.json: serving") {
		t.Errorf("the IdP did not log the JWKS fetch:\n%s", idp.stderr.String())
	}
}

// TestKubernetesExampleWithDemoIdP runs examples/kubernetes as its README says: build/demo-idp
// -static serves the discovery document and the JWKS for both clusters.
func TestKubernetesExampleWithDemoIdP(t *testing.T) {
	root := filepath.Join("..", "..", "..", "examples", "kubernetes")
	ex := loadExample(t, root, "build/demo-idp -listen 127.0.0.1:8081 -static examples/kubernetes/idp",
		"the README does not serve idp/ with build/demo-idp -static")
	idp := startListening(t, filepath.Join(built.dir, "demo-idp"), "-listen", "127.0.0.1:0", "-static", filepath.Join(root, "idp"))
	emu := startListening(t, filepath.Join(built.dir, "jwt-emulator"), "-listen", "127.0.0.1:0", "-wasm", shippedModule(t),
		"-config", filepath.Join(root, "config.json"), "-now", ex.Now, "-cluster", "k8s_issuer="+idp.addr, "-cluster", "k8s_api="+idp.addr)
	checkDocumentedToken(t, emu, ex)
}
