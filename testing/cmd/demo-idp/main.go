// Command demo-idp is a small OpenID Connect identity provider for trying the filter: it
// serves a JWKS, a discovery document and a token endpoint that mints tokens for a few
// personas, and rotates its signing key on demand. It is a demo: it has no users, no
// passwords and no client authentication; never put it in front of anything real.
//
//	demo-idp -listen 127.0.0.1:9090 -issuer https://idp.demo.localhost -audience demo-api
//
// Endpoints:
//
//	GET  /.well-known/openid-configuration  discovery document (issuer, jwks_uri, token_endpoint)
//	GET  /jwks.json                         the public keys: the signing key and the previous one
//	GET  /token?persona=NAME[&key=next]     {"access_token": ..., "token_type": "Bearer", ...}
//	POST /token                             the same with form fields persona and key
//	POST /rotate                            the next key becomes the signing key
//	GET  /personas                          the personas and what their tokens carry
//
// With -jwks FILE it serves that file as its JWKS instead (a static JWKS server, e.g. for
// examples/remote-jwks) and mints nothing; with -static DIR it serves only DIR's files at their
// paths (examples/kubernetes: a discovery document and a JWKS), as JSON.
//
// Tokens are RS256, signed with a 2048-bit RSA key made at start, with "kid" set. key=next
// signs with the key that the next rotation will publish: a token the filter cannot verify
// until the IdP rotated and the filter refetched the JWKS (its unknown-kid refetch). SIGHUP
// rotates too. The IdP logs one line per request (never a token) on stderr, prints
// "listening on ADDR" on stdout when ready and exits cleanly on SIGTERM or SIGINT.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/internal/command"
)

func main() { command.Main("demo-idp", run) }

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo-idp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:9090", "address to serve on")
	issuer := fs.String("issuer", "https://idp.demo.localhost", "the tokens' iss and the discovery document's issuer")
	audience := fs.String("audience", "demo-api", "the tokens' aud (except the wrong-audience persona's)")
	lifetime := fs.Duration("lifetime", time.Hour, "how long a minted token is valid")
	jwksFile := fs.String("jwks", "", "serve this JWKS file at /jwks.json instead of the IdP's own keys (minting is then off)")
	static := fs.String("static", "", "serve the files of this directory at their paths instead (e.g. a discovery document and a JWKS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	logger := log.New(stderr, "demo-idp: ", log.Ltime)
	idp, err := newIdP(*issuer, *audience, *lifetime, time.Now)
	if err != nil {
		return err
	}
	if *jwksFile != "" {
		if idp.fixedJWKS, err = os.ReadFile(*jwksFile); err != nil {
			return err
		}
		if !json.Valid(idp.fixedJWKS) {
			return fmt.Errorf("-jwks %s: not JSON", *jwksFile)
		}
		idp.fixedName = *jwksFile
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				kid, err := idp.rotate()
				if err != nil {
					logger.Printf("SIGHUP: rotation failed: %v", err)
					continue
				}
				logger.Printf("SIGHUP: rotated, now signing with kid %s", kid)
			}
		}
	}()

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	handler := idp.handler(logger)
	if *static != "" {
		if *jwksFile != "" {
			return fmt.Errorf("-static and -jwks exclude each other")
		}
		if handler, err = staticHandler(*static, logger); err != nil {
			return err
		}
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening on %s\n", ln.Addr())

	return command.Serve(ctx, srv, errc)
}

// staticHandler serves the files under dir at their paths, as JSON, logging each request.
func staticHandler(dir string, logger *log.Logger) (http.Handler, error) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("-static %s: not a directory", dir)
	}
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "GET only", http.StatusMethodNotAllowed)
			return
		}
		logger.Printf("GET %s: serving %s", r.URL.Path, dir)
		w.Header().Set("Content-Type", "application/json")
		files.ServeHTTP(w, r)
	}), nil
}
