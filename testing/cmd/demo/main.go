// Command demo runs the whole product on loopback, as `make run` does: the demo identity
// provider (testing/cmd/demo-idp) and the filter in build/jwt-emulator with the configuration
// of examples/demo, which fetches the IdP's keys through remote_jwks. When both are ready it
// prints ready-to-paste curl commands, each after a "# expect STATUS" line, with real tokens
// from the IdP, then keeps serving until Ctrl-C (SIGINT) or SIGTERM, which stops both.
//
//	demo [-listen 127.0.0.1:8080] [-idp 127.0.0.1:9090] [-admin 127.0.0.1:9901] [-bin DIR]
//
// The addresses default to $DEMO_LISTEN, $DEMO_IDP and $DEMO_ADMIN when set. The binaries
// (demo-idp, jwt-emulator, jwt-authn.wasm) are taken from -bin, by default the directory this
// command lives in (build/). The children run in this process's process group, so a Ctrl-C
// in the terminal reaches all three; a signal sent to this process alone is passed on, and
// on Linux the children also get SIGTERM should this process die.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/internal/command"
)

func main() { command.Main("demo", run) }

type options struct {
	listen, idp, admin, bin, wasm, config string
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", envOr("DEMO_LISTEN", "127.0.0.1:8080"), "where the filter serves ($DEMO_LISTEN)")
	fs.StringVar(&o.idp, "idp", envOr("DEMO_IDP", "127.0.0.1:9090"), "where the demo identity provider serves ($DEMO_IDP)")
	fs.StringVar(&o.admin, "admin", envOr("DEMO_ADMIN", "127.0.0.1:9901"), "where the emulator serves /stats ($DEMO_ADMIN)")
	fs.StringVar(&o.bin, "bin", "", "directory holding demo-idp, jwt-emulator and jwt-authn.wasm (default: this command's directory)")
	fs.StringVar(&o.wasm, "wasm", "", "the filter module (default: jwt-authn.wasm in -bin)")
	fs.StringVar(&o.config, "config", "examples/demo/config.json", "the filter's configuration")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.bin == "" {
		exe, err := os.Executable()
		if err != nil {
			return o, err
		}
		o.bin = filepath.Dir(exe)
	}
	if o.wasm == "" {
		o.wasm = filepath.Join(o.bin, "jwt-authn.wasm")
	}
	for _, p := range []string{filepath.Join(o.bin, "demo-idp"), filepath.Join(o.bin, "jwt-emulator"), o.wasm, o.config} {
		if _, err := os.Stat(p); err != nil {
			return o, fmt.Errorf("%w (run `make run` from the repository root: it builds what the demo needs)", err)
		}
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	// Signals first, so that a Ctrl-C during start-up still stops what already started.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)

	var children []*child
	defer func() {
		for _, c := range children {
			c.stop()
		}
	}()
	start := func(name string, ready int, args ...string) (*child, error) {
		c, err := startChild(name, filepath.Join(o.bin, name), args, ready, stdout, stderr)
		if err != nil {
			return nil, err
		}
		children = append(children, c)
		select {
		case <-c.ready:
			return c, nil
		case <-c.done:
			return nil, fmt.Errorf("%s exited before it was ready: %v (its error is above; a port in use? "+
				"choose others with DEMO_LISTEN, DEMO_IDP, DEMO_ADMIN)", name, c.err)
		case s := <-sigs:
			return nil, fmt.Errorf("stopped by %v during start-up", s)
		case <-time.After(2 * time.Minute):
			return nil, fmt.Errorf("%s not ready within 2 minutes", name)
		}
	}
	idp, err := start("demo-idp", 1, "-listen", o.idp)
	if err != nil {
		return err
	}
	idpAddr := idp.addrs[0]
	emuArgs := []string{"-wasm", o.wasm, "-config", o.config, "-listen", o.listen, "-cluster", "demo_idp=" + idpAddr}
	emuReady := 1
	if o.admin != "" {
		emuArgs = append(emuArgs, "-admin", o.admin)
		emuReady = 2
	}
	emu, err := start("jwt-emulator", emuReady, emuArgs...)
	if err != nil {
		return err
	}
	admin := ""
	if len(emu.addrs) > 1 {
		admin = emu.addrs[1]
	}
	calls, err := demoCalls(context.Background(), idpAddr, emu.addrs[0], admin, idp.cmd.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nThe filter listens on http://%s with examples/demo/config.json; the demo identity provider on http://%s.\n",
		emu.addrs[0], idpAddr)
	fmt.Fprintln(stdout, "Paste these (tokens are valid for an hour; the IdP and filter log below):")
	fmt.Fprintln(stdout)
	for _, c := range calls {
		fmt.Fprintf(stdout, "# expect %d: %s\n%s\n", c.status, c.about, c.curl)
	}
	fmt.Fprintln(stdout, "\nPress Ctrl-C to stop.")

	for {
		select {
		case s := <-sigs:
			if s == syscall.SIGHUP {
				_ = idp.cmd.Process.Signal(syscall.SIGHUP) // rotate the IdP's key
				continue
			}
			return nil // the deferred stop ends both children
		case <-idp.done:
			return exited(idp, sigs)
		case <-emu.done:
			return exited(emu, sigs)
		}
	}
}

// exited explains a child's exit. A Ctrl-C reaches the whole process group, so a child may
// stop on it a moment before this process sees it: that is a normal stop, not an error.
func exited(c *child, sigs <-chan os.Signal) error {
	select {
	case s := <-sigs:
		if s != syscall.SIGHUP {
			return nil
		}
	case <-time.After(time.Second):
	}
	return fmt.Errorf("%s exited: %v", c.name, c.err)
}

// child is a started binary that announces "listening on ADDR" lines on stdout.
type child struct {
	name  string
	cmd   *exec.Cmd
	addrs []string      // the addresses announced, in order
	ready chan struct{} // closed once the wanted number of addresses was announced
	done  chan struct{} // closed when the process exited; err is then set
	err   error
}

func startChild(name, path string, args []string, ready int, stdout, stderr io.Writer) (*child, error) {
	c := &child{name: name, cmd: exec.Command(path, args...), ready: make(chan struct{}), done: make(chan struct{})}
	c.cmd.Stderr = stderr
	setParentDeathSignal(c.cmd)
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			// "listening on ADDR", then for the emulator with -admin "admin listening on ADDR"
			if _, addr, ok := strings.Cut(line, "listening on "); ok && len(c.addrs) < ready {
				c.addrs = append(c.addrs, addr)
				if len(c.addrs) == ready {
					close(c.ready)
				}
				continue
			}
			fmt.Fprintf(stdout, "%s: %s\n", name, line)
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// stop sends SIGTERM and waits; SIGKILL after 10 s.
func (c *child) stop() {
	select {
	case <-c.done:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// call is one printed command and the status it gets.
type call struct {
	status int
	about  string
	curl   string
}

// demoCalls mints the demo's tokens at the IdP and returns the commands to print.
func demoCalls(ctx context.Context, idpAddr, listen, admin string, idpPid int) ([]call, error) {
	token := func(persona, key string) (string, error) {
		q := url.Values{"persona": {persona}}
		if key != "" {
			q.Set("key", key)
		}
		return fetchToken(ctx, "http://"+idpAddr+"/token?"+q.Encode())
	}
	var err error
	tok := map[string]string{}
	for _, p := range []string{"alice", "expired", "no-scope", "wrong-audience", "admin"} {
		if tok[p], err = token(p, ""); err != nil {
			return nil, err
		}
	}
	next, err := token("alice", "next")
	if err != nil {
		return nil, err
	}
	api := "http://" + listen + "/api/orders"
	bearer := func(url, t string) string {
		return fmt.Sprintf("curl -i %s -H \"Authorization: Bearer %s\"", url, t)
	}
	calls := []call{
		{200, "alice's token (scope orders:read); the echo upstream shows the claim headers x-user, x-email, x-scope", bearer(api, tok["alice"])},
		{401, "no token: Jwt is missing", "curl -i " + api},
		{401, "an expired token: Jwt is expired", bearer(api, tok["expired"])},
		{403, "a token without the scope orders:read: insufficient_scope", bearer(api, tok["no-scope"])},
		{403, "a token for another API: Audiences in Jwt are not allowed", bearer(api, tok["wrong-audience"])},
		{403, "alice on /admin, which needs the role admin", bearer("http://"+listen+"/admin", tok["alice"])},
		{200, "the admin persona on /admin", bearer("http://"+listen+"/admin", tok["admin"])},
		{401, "key rotation, 1/3: a token signed with the key the IdP publishes at its next rotation; the filter refetches the JWKS for the unknown kid and still does not find it",
			bearer(api, next)},
		{200, fmt.Sprintf("key rotation, 2/3: the IdP rotates its key (kill -HUP %d does the same)", idpPid),
			"curl -i -X POST http://" + idpAddr + "/rotate"},
		{200, "key rotation, 3/3: the same token again (a second later: refetches are at most one a second here); the filter refetches and finds the new key",
			bearer(api, next)},
	}
	if admin != "" {
		calls = append(calls, call{200, "the filter's metrics, in Envoy's /stats format", "curl -s http://" + admin + "/stats"})
	}
	return calls, nil
}

func fetchToken(ctx context.Context, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error_description"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&body); err != nil {
		return "", fmt.Errorf("token endpoint: %w", err)
	}
	if resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		return "", errors.New("token endpoint: " + resp.Status + " " + body.Error)
	}
	return body.AccessToken, nil
}
