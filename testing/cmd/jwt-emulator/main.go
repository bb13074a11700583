// Command jwt-emulator serves HTTP through the proxy-wasm module, run in the Envoy-like host of
// package testing/host, so that anyone can try the filter with curl:
//
//	jwt-emulator -config plugin.json -cluster idp=127.0.0.1:9000
//
// Each request goes through the module's request callbacks; an allowed request is forwarded,
// with the headers the module left, to -upstream (default: a built-in echo that answers 200
// with JSON {"method", "path", "headers"}); the response goes back through the module's
// response callbacks: the upstream's body in chunks (several body callbacks, as from a real
// connection), the module's content-length sent as the module left it (a wrong one shows as a
// cut or hanging response), and what the filter releases sent as it releases it, so that a
// reset after the headers (a local reply Envoy can no longer send) cuts the response. A local
// reply (401, 403, ...) reaches the client with its status, headers and body.
// -allow-on-headers-stop-iteration is the Wasm filter's PluginConfig setting of that name;
// -env NAME=VALUE (repeatable) sets vm_config.environment_variables. proxy_http_call to cluster NAME is a plain HTTP request to the address
// given by -cluster NAME=HOST:PORT. Ticks fire on real time; -now shifts the clock so that a
// recorded token can be replayed inside its validity window.
//
// It prints one line "listening on ADDR" on stdout when ready (then "admin listening on ADDR"
// with -admin, which serves Envoy's GET /stats with the module's metrics), the module's log
// lines on stderr, and exits cleanly on SIGTERM or SIGINT.
//
// -config takes the jwt_authn filter's typed_config as JSON, or as YAML, which the emulator
// converts to JSON before the module sees it (as istiod does with a WasmPlugin's pluginConfig).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/internal/command"
)

func main() { command.Main("jwt-emulator", run) }

type config struct {
	wasm, configPath, listen, upstream, now, profile string
	logLevel                                         string
	workers                                          int
	clusters                                         clusterFlag
	admin                                            string // -admin: Envoy-like admin (/stats); empty: none
	clientCertDigest                                 string
	env                                              envFlag
	allowStopIteration                               bool
}

// envFlag collects repeated -env NAME=VALUE flags: the VM's environment variables
// (vm_config.environment_variables), which environment_variable DataSources read.
type envFlag map[string]string

func (e envFlag) String() string {
	names := make([]string, 0, len(e))
	for name := range e {
		names = append(names, name) // values may be secrets: never printed
	}
	return strings.Join(names, ",")
}

func (e envFlag) Set(v string) error {
	name, value, ok := strings.Cut(v, "=")
	if !ok || name == "" {
		return fmt.Errorf("want NAME=VALUE, got a value without '=' or without a name")
	}
	e[name] = value
	return nil
}

// clusterFlag collects repeated -cluster NAME=HOST:PORT flags.
type clusterFlag map[string]string

func (c clusterFlag) String() string { return fmt.Sprint(map[string]string(c)) }

func (c clusterFlag) Set(v string) error {
	name, addr, ok := strings.Cut(v, "=")
	if !ok || name == "" || addr == "" {
		return fmt.Errorf("want NAME=HOST:PORT, got %q", v)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("cluster %s: %w", name, err)
	}
	c[name] = addr
	return nil
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	c := config{clusters: clusterFlag{}, env: envFlag{}}
	fs := flag.NewFlagSet("jwt-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.wasm, "wasm", "build/jwt-authn.wasm", "proxy-wasm module to run")
	fs.StringVar(&c.configPath, "config", "", "plugin configuration file (JSON), given to proxy_on_configure")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8080", "address to serve HTTP on")
	fs.IntVar(&c.workers, "workers", 2, "number of VMs, like Envoy worker threads")
	fs.StringVar(&c.upstream, "upstream", "", "where allowed requests go (default: built-in echo)")
	fs.Var(c.clusters, "cluster", "NAME=HOST:PORT: where proxy_http_call to cluster NAME goes (repeatable)")
	fs.StringVar(&c.now, "now", "", "start the host clock at this time (RFC 3339 or Unix seconds); it then advances in real time")
	fs.StringVar(&c.logLevel, "log-level", "trace", "Envoy's log level: what proxy_get_log_level answers; lines below it are not printed (trace, debug, info, warn, error, critical)")
	fs.StringVar(&c.profile, "profile", string(host.DefaultProfile), "Envoy to imitate: "+profileList())
	fs.StringVar(&c.admin, "admin", "", "serve Envoy-like admin stats (GET /stats, /stats/prometheus) on this address")
	fs.Var(c.env, "env", "NAME=VALUE: a VM environment variable (vm_config.environment_variables), for environment_variable key sources (repeatable)")
	fs.BoolVar(&c.allowStopIteration, "allow-on-headers-stop-iteration", false,
		"the Wasm filter's PluginConfig.allow_on_headers_stop_iteration (Envoy 1.35+): a headers callback may hold the headers while body callbacks go on")
	fs.StringVar(&c.clientCertDigest, "client-cert-digest", "", "HEX: every request arrives with a client certificate whose SHA-256 is these 64 hex digits (connection.sha256_peer_certificate_digest)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.clientCertDigest != "" {
		d, err := parseCertDigest(c.clientCertDigest)
		if err != nil {
			return c, err
		}
		c.clientCertDigest = d
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.workers < 1 {
		return c, fmt.Errorf("-workers must be at least 1, got %d", c.workers)
	}
	return c, nil
}

// parseCertDigest checks a -client-cert-digest value and returns it in lower case, as Envoy
// gives the property.
func parseCertDigest(s string) (string, error) {
	if len(s) != 64 {
		return "", fmt.Errorf("-client-cert-digest: want 64 hex digits (a SHA-256), got %d characters", len(s))
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return "", fmt.Errorf("-client-cert-digest: %q is not a hex digit", c)
		}
	}
	return strings.ToLower(s), nil
}

func profileList() string {
	var names []string
	for _, p := range host.Profiles() {
		names = append(names, string(p))
	}
	return strings.Join(names, ", ")
}

// parseNow accepts RFC 3339 or Unix seconds.
func parseNow(s string) (time.Time, error) {
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(secs, 0), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("-now %q: want RFC 3339 or Unix seconds", s)
	}
	return t, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	profile, err := host.ParseProfile(c.profile)
	if err != nil {
		return err
	}
	logLevel, err := host.ParseLogLevel(c.logLevel)
	if err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	bin, err := readModule(c.wasm)
	if err != nil {
		return err
	}
	var pluginConfig []byte
	if c.configPath != "" {
		if pluginConfig, err = loadPluginConfig(c.configPath); err != nil {
			return err
		}
	}
	clock := host.SystemClock{}
	if c.now != "" {
		t, err := parseNow(c.now)
		if err != nil {
			return err
		}
		clock.Offset = time.Until(t)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	mod, err := host.Compile(ctx, bin)
	if err != nil {
		return err
	}
	defer mod.Close(context.Background())

	fetcher := &clusterFetcher{clusters: c.clusters, client: calloutClient()}
	var names []string
	for name := range c.clusters {
		names = append(names, name)
	}
	h, err := host.Start(ctx, mod, host.Options{
		Profile:      profile,
		VMs:          c.workers,
		PluginConfig: pluginConfig,
		Clock:        clock,
		Clusters:     names,
		OnCallout:    func(co host.Callout) { go fetcher.fetch(ctx, co) },
		LogWriter:    stderr,
		LogLevel:     logLevel,
		Env:          c.env,

		AllowOnHeadersStopIteration: c.allowStopIteration,
	})
	if err != nil {
		return err
	}
	defer h.Close()
	fetcher.host = h

	up, err := newUpstream(c.upstream)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: &proxy{host: h, upstream: up, listen: ln.Addr().String(), accessLog: stderr,
		clientCertDigest: c.clientCertDigest}, ReadHeaderTimeout: 10 * time.Second}
	go runTimers(ctx, h)

	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	var adminSrv *http.Server
	if c.admin != "" {
		aln, err := net.Listen("tcp", c.admin)
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("-admin: %w", err)
		}
		adminSrv = &http.Server{Addr: aln.Addr().String(), Handler: adminHandler(h), ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- adminSrv.Serve(aln) }()
		defer adminSrv.Close()
	}
	fmt.Fprintf(stdout, "listening on %s\n", ln.Addr())
	if adminSrv != nil {
		fmt.Fprintf(stdout, "admin listening on %s\n", adminSrv.Addr)
	}

	return command.Serve(ctx, srv, errc)
}

// runTimers fires ticks and callout timeouts on real time.
func runTimers(ctx context.Context, h *host.Host) {
	const maxWait = 50 * time.Millisecond // the module may set a tick period at any time
	t := time.NewTimer(maxWait)
	defer t.Stop()
	for {
		wait := maxWait
		if next, ok := h.NextDeadline(); ok {
			wait = min(max(next.Sub(h.Now()), 0), maxWait)
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.Poll()
		}
	}
}
