// Command benchreport turns the output of `make bench` (go test -bench through
// the wasm in testing/host, and the verifier natively) into the summary of
// BENCHMARKS.md: it replaces the text between the markers
//
//	<!-- benchreport:begin --> ... <!-- benchreport:end -->
//
// (appending them when absent) and leaves the rest of the file alone.
//
//	go run ./testing/cmd/benchreport -md BENCHMARKS.md -module build/jwt-authn.wasm \
//	    -host build/bench/host.txt -native build/bench/native.txt \
//	    -load-before build/bench/load-before -load-after build/bench/load-after -commit "$(git describe --always --dirty)"
//
// Every figure is the median of the runs in the input (go test -count); the
// range is min-max. A row whose benchmark is not in the input says so: no
// figure is ever made up.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	beginMarker = "<!-- benchreport:begin -->"
	endMarker   = "<!-- benchreport:end -->"
)

// row is one line of the summary table: its name (a contract: the issue spells
// these names) and the benchmark it comes from.
type row struct{ name, bench string }

var rows = []row{
	{"host floor", "BenchmarkRequestHostOnly"},
	{"pass-through", "BenchmarkJWTRequest/NoRuleMatched"},
	{"missing token", "BenchmarkJWTRequest/MissingToken"},
	{"cache hit", "BenchmarkJWTRequest/Cached/RS256"},
	{"shared cache hit", "BenchmarkJWTRequest/SharedCached/RS256"},
	{"uncached RS256", "BenchmarkJWTRequest/Uncached/RS256"},
	{"uncached PS256", "BenchmarkJWTRequest/Uncached/PS256"},
	{"uncached ES256", "BenchmarkJWTRequest/Uncached/ES256"},
	{"uncached EdDSA", "BenchmarkJWTRequest/Uncached/EdDSA"},
	{"uncached HS256", "BenchmarkJWTRequest/Uncached/HS256"},
	{"uncached ES512", "BenchmarkJWTRequest/Uncached/ES512"},
	{"module size", ""},
	{"VM start", "BenchmarkVMStart"},
}

// results maps a benchmark name (without the -GOMAXPROCS suffix) to its ns/op
// of each run.
type results map[string][]float64

var lineRE = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([0-9.]+) ns/op`)

func parse(r io.Reader, into results) (meta map[string]string, err error) {
	meta = map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if m := lineRE.FindStringSubmatch(line); m != nil {
			v, err := strconv.ParseFloat(m[2], 64)
			if err != nil {
				return nil, err
			}
			into[m[1]] = append(into[m[1]], v)
			continue
		}
		for _, k := range []string{"cpu", "goos", "goarch"} {
			if v, ok := strings.CutPrefix(line, k+": "); ok {
				meta[k] = strings.TrimSpace(v)
			}
		}
	}
	return meta, sc.Err()
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// human prints a duration in ns with the unit that suits it.
func human(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func readTrim(path string) string {
	if path == "" {
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// loadAvg extracts "load average: a, b, c" from uptime's output (or returns it whole).
func loadAvg(s string) string {
	if _, after, ok := strings.Cut(s, "load average: "); ok {
		return after
	}
	return s
}

func main() {
	md := flag.String("md", "BENCHMARKS.md", "file to update")
	module := flag.String("module", "build/jwt-authn.wasm", "the shipped module")
	hostOut := flag.String("host", "", "go test -bench output of ./testing/host")
	nativeOut := flag.String("native", "", "go test -bench output of ./verifier (native)")
	loadBefore := flag.String("load-before", "", "file holding uptime's output before the runs")
	loadAfter := flag.String("load-after", "", "file holding uptime's output after the runs")
	commit := flag.String("commit", "", "commit of the tree measured")
	flag.Parse()
	if err := run(*md, *module, *hostOut, *nativeOut, *loadBefore, *loadAfter, *commit); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(mdPath, module, hostOut, nativeOut, loadBefore, loadAfter, commit string) error {
	host, native := results{}, results{}
	meta := map[string]string{}
	for _, in := range []struct {
		path string
		into results
	}{{hostOut, host}, {nativeOut, native}} {
		if in.path == "" {
			continue
		}
		f, err := os.Open(in.path)
		if err != nil {
			return err
		}
		m, err := parse(f, in.into)
		f.Close()
		if err != nil {
			return err
		}
		for k, v := range m {
			meta[k] = v
		}
	}
	if len(host) == 0 {
		return fmt.Errorf("no benchmark results in %q", hostOut)
	}
	st, err := os.Stat(module)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	writeReport(&b, host, native, st.Size(), meta, readTrim(loadBefore), readTrim(loadAfter), commit)
	old, err := os.ReadFile(mdPath)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	return os.WriteFile(mdPath, splice(old, b.Bytes()), 0o644)
}

// splice replaces the marked block of doc with block (markers included), or
// appends it.
func splice(doc, block []byte) []byte {
	i := bytes.Index(doc, []byte(beginMarker))
	j := bytes.Index(doc, []byte(endMarker))
	if i < 0 || j < i {
		out := append([]byte(nil), doc...)
		if len(out) > 0 && !bytes.HasSuffix(out, []byte("\n\n")) {
			out = append(out, '\n')
		}
		return append(out, block...)
	}
	out := append([]byte(nil), doc[:i]...)
	out = append(out, block...)
	return append(out, bytes.TrimPrefix(doc[j+len(endMarker):], []byte("\n"))...)
}

func writeReport(w *bytes.Buffer, host, native results, moduleSize int64, meta map[string]string, loadBefore, loadAfter, commit string) {
	fmt.Fprintln(w, beginMarker)
	fmt.Fprintln(w, "## Summary (written by `make bench`)")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "- Date: %s. Commit: %s. Machine: %s, %s/%s.\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		orDash(commit), orDash(meta["cpu"]), orDash(meta["goos"]), orDash(meta["goarch"]))
	fmt.Fprintf(w, "- Load average (1, 5, 15 min): %s before, %s after the runs.\n", orDash(loadAvg(loadBefore)), orDash(loadAvg(loadAfter)))
	n := 0
	for _, v := range host {
		n = max(n, len(v))
	}
	fmt.Fprintf(w, "- Per request through the shipped module in `testing/host` (wazero), one VM; median of %d runs, range min-max.\n", n)
	fmt.Fprintln(w, "  `host floor` is the same request through a module whose callbacks return at once.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| row | median | × host floor | range | benchmark |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | --- |")
	floor := 0.0
	if v := host["BenchmarkRequestHostOnly"]; len(v) > 0 {
		floor = median(v)
	}
	for _, r := range rows {
		if r.name == "module size" {
			fmt.Fprintf(w, "| %s | %d bytes (%.2f MiB) | – | – | `ls -l build/jwt-authn.wasm` |\n", r.name, moduleSize, float64(moduleSize)/(1<<20))
			continue
		}
		v := host[r.bench]
		if len(v) == 0 {
			fmt.Fprintf(w, "| %s | not measured | – | – | `%s` is not in this run |\n", r.name, r.bench)
			continue
		}
		m := median(v)
		ratio := "–"
		if floor > 0 {
			ratio = fmt.Sprintf("%.1f", m/floor)
		}
		lo, hi := minmax(v)
		fmt.Fprintf(w, "| %s | %s | %s | %s–%s | `%s` |\n", r.name, human(m), ratio, human(lo), human(hi), r.bench)
	}
	used := map[string]bool{}
	for _, r := range rows {
		used[r.bench] = true
	}
	var extra []string
	for k := range host {
		if !used[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	if len(extra) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Other benchmarks of the same run:")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| benchmark | median | range |")
		fmt.Fprintln(w, "| --- | ---: | ---: |")
		for _, k := range extra {
			lo, hi := minmax(host[k])
			fmt.Fprintf(w, "| `%s` | %s | %s–%s |\n", k, human(median(host[k])), human(lo), human(hi))
		}
	}
	if len(native) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Native (no wasm, no host): the verifier's whole token check (`BenchmarkVerifier`, see table (a)).")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| benchmark | median | range |")
		fmt.Fprintln(w, "| --- | ---: | ---: |")
		var keys []string
		for k := range native {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			lo, hi := minmax(native[k])
			fmt.Fprintf(w, "| `%s` | %s | %s–%s |\n", k, human(median(native[k])), human(lo), human(hi))
		}
	}
	fmt.Fprintln(w, endMarker)
}

func minmax(v []float64) (float64, float64) {
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
