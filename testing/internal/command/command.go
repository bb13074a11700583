// Package command holds what the long-running test commands (demo, demo-idp, jwt-emulator)
// share: how main reports a failure, and how a server stops on a signal.
package command

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// Main runs run with the command line's arguments and the standard streams; when run fails
// it prints "name: error" to standard error and exits with status 1.
func Main(name string, run func(args []string, stdout, stderr io.Writer) error) {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// ShutdownGrace is how long Serve waits for requests in flight once asked to stop.
const ShutdownGrace = 5 * time.Second

// Serve waits until errc delivers a serving error, which it returns, or until ctx ends; it
// then shuts srv down gracefully, waiting at most ShutdownGrace for requests in flight (not
// finishing in time is no error).
func Serve(ctx context.Context, srv *http.Server, errc <-chan error) error {
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}
