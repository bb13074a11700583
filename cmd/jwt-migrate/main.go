// Command jwt-migrate converts the JWT configuration of another gateway into this filter's
// configuration.
//
//	jwt-migrate -from istio|gloo-edge|gloo-mesh|krakend|agentgateway [-o out.json] [FILE|-]
//
// It reads YAML or JSON (several YAML documents allowed) from FILE or standard input, writes the
// configuration to -o or standard output, and reports on standard error one line per source
// field it could not carry over (lines that widen access start with "WARNING:") and every Envoy
// cluster the configuration needs. Exit status: 0 everything converted, 3 something dropped,
// 1 bad input or usage.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/migrate"
)

const (
	exitOK      = 0
	exitBad     = 1
	exitDropped = 3
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("jwt-migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "source kind: "+strings.Join(migrate.Kinds, ", "))
	out := fs.String("o", "", "write the configuration to this file (default: standard output)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: jwt-migrate -from KIND [-o out.json] [FILE|-]\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitBad
	}
	if *from == "" || fs.NArg() > 1 {
		fs.Usage()
		return exitBad
	}
	name := "-"
	if fs.NArg() == 1 {
		name = fs.Arg(0)
	}
	var input []byte
	var err error
	dir := "."
	if name == "-" {
		input, err = io.ReadAll(io.LimitReader(stdin, migrate.MaxInputBytes+1))
	} else {
		input, err = readLimited(name, migrate.MaxInputBytes+1)
		dir = filepath.Dir(name)
	}
	if err != nil {
		fmt.Fprintf(stderr, "jwt-migrate: %v\n", err)
		return exitBad
	}
	res, err := migrate.Convert(*from, input, migrate.Options{ReadFile: func(file string) ([]byte, error) {
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		return readLimited(file, 1<<20)
	}})
	if err != nil {
		var ie *migrate.InputError
		if errors.As(err, &ie) {
			fmt.Fprintf(stderr, "jwt-migrate: %s: %v\n", name, ie)
		} else {
			fmt.Fprintf(stderr, "jwt-migrate: %s: %v\n", name, err)
		}
		return exitBad
	}
	if *out != "" {
		err = os.WriteFile(*out, res.Config, 0o644)
	} else {
		_, err = stdout.Write(res.Config)
	}
	if err != nil {
		fmt.Fprintf(stderr, "jwt-migrate: %v\n", err)
		return exitBad
	}
	for _, d := range res.Drops {
		fmt.Fprintln(stderr, d.String())
	}
	for _, n := range res.Notes {
		fmt.Fprintln(stderr, "note: "+n)
	}
	if len(res.Clusters) > 0 {
		fmt.Fprintln(stderr, "define these clusters in Envoy:")
		for _, c := range res.Clusters {
			fmt.Fprintln(stderr, "  "+c.String())
		}
	}
	if len(res.Drops) > 0 {
		return exitDropped
	}
	return exitOK
}

// readLimited reads a file of at most limit-1 bytes.
func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) >= limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, limit-1)
	}
	return data, nil
}
