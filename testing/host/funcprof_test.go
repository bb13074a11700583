package host_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/wasmbuild"
)

// The profile of one scenario (make profile SCENARIO=cached):
//
//	go test ./testing/host -run '^TestProfileScenario$' -v -args -profile=cached
var (
	profileScenario = flag.String("profile", "", "TestProfileScenario: the scenario to profile ("+strings.Join(profileScenarioNames, ", ")+")")
	profileRequests = flag.Int("profile.requests", 10000, "TestProfileScenario: requests profiled after the warm-up")
	profileTop      = flag.Int("profile.top", 30, "TestProfileScenario: rows printed (0: all)")
	profileMatch    = flag.String("profile.match", defaultProfileMatch,
		"TestProfileScenario: regexp selecting, by wazero debug name, the module's functions listened to besides the proxy_on_* exports and the host functions")
	profileAllocs = flag.Bool("profile.allocs", true, "TestProfileScenario: record runtime.mallocgc by its nearest caller outside the Go runtime")
	profileLevel  = flag.String("profile.loglevel", "", "TestProfileScenario: Envoy's log level (default: the benchmark's)")
)

// defaultProfileMatch listens to this project's functions, the SDK's and gjson's: the time of
// the runtime and standard library functions they call is then in their self time.
const defaultProfileMatch = `^\.github\.com_(proxy_wasm_jwt_proxy_wasm_jwt|tetratelabs_proxy_wasm_go_sdk|tidwall)_`

// profileScenarios are BenchmarkJWTRequest's scenarios by the names make profile takes.
var profileScenarios = map[string]func(testing.TB) *jwtScenario{
	"pass": func(t testing.TB) *jwtScenario { return rsaPassScenario(t, loadVectors(t, "jvl-rsa-rs256")) },
	"missing": func(t testing.TB) *jwtScenario {
		return rsaMissingScenario(t, loadVectors(t, "jvl-rsa-rs256"))
	},
	"cached": func(t testing.TB) *jwtScenario {
		return tokenScenario(t, loadVectors(t, "jvl-rsa-rs256"), "correct-kid", false)
	},
	"shared": func(t testing.TB) *jwtScenario {
		return sharedHitScenario(t, loadVectors(t, "jvl-rsa-rs256"), "correct-kid", "no-kid")
	},
	"uncached-rs256": func(t testing.TB) *jwtScenario {
		c := jwtBenchCases[0] // RS256
		return tokenScenario(t, loadVectors(t, c.file), c.request, true)
	},
}

var profileScenarioNames = []string{"pass", "missing", "cached", "shared", "uncached-rs256"}

// compileProfiled compiles the module with its symbols (make build-wasm-symbols; built when
// missing or stale) with p listening.
func compileProfiled(t testing.TB, p *host.FuncProfiler) *host.Module {
	t.Helper()
	path, err := wasmbuild.SymbolsPath()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := host.CompileProfiled(context.Background(), bin, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background()) })
	return m
}

// TestProfileScenario prints where the time of one scenario's request goes in the wasm, by
// function. It runs only when -profile names a scenario.
func TestProfileScenario(t *testing.T) {
	if *profileScenario == "" {
		t.Skip("no -profile scenario (make profile SCENARIO=" + strings.Join(profileScenarioNames, "|") + ")")
	}
	newScenario, ok := profileScenarios[*profileScenario]
	if !ok {
		t.Fatalf("-profile=%s: want one of %s", *profileScenario, strings.Join(profileScenarioNames, ", "))
	}
	match, err := regexp.Compile(*profileMatch)
	if err != nil {
		t.Fatalf("-profile.match: %v", err)
	}
	s := newScenario(t)
	if *profileLevel != "" {
		if s.level, err = host.ParseLogLevel(*profileLevel); err != nil {
			t.Fatalf("-profile.loglevel: %v", err)
		}
	}
	p := host.NewFuncProfiler(host.FuncProfileOptions{Match: match.MatchString, AllocSites: *profileAllocs})
	h := start(t, compileProfiled(t, p), s.options())
	next := s.sender(t, h)
	warm := warmUp(h, next)
	before := h.MemorySizes()
	check := s.sharedHitsCheck(t, h)
	p.SetRecording(true)
	for range *profileRequests {
		next()
	}
	p.SetRecording(false)
	check(*profileRequests)
	if err := h.Err(); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("scenario %s (log level %s), functions matching %s listened; warm-up %d requests\n",
		*profileScenario, s.level, *profileMatch, warm)
	fmt.Printf("linear memory: %d bytes before the profiled requests, %d after\n", before[0], h.MemorySizes()[0])
	if err := p.WriteReport(os.Stdout, *profileRequests, *profileTop); err != nil {
		t.Fatal(err)
	}

	// The same requests through the shipped module, unlistened: what the listeners cost.
	plain := start(t, shippedModule(t), s.options())
	next = s.sender(t, plain)
	warmUp(plain, next)
	t0 := time.Now()
	for range *profileRequests {
		next()
	}
	unlistened := time.Since(t0) / time.Duration(*profileRequests)
	profiled := p.Wall() / time.Duration(*profileRequests)
	fmt.Printf("unlistened (build/jwt-authn.wasm): %d ns/request; the listeners cost %d ns/request", unlistened.Nanoseconds(), (profiled - unlistened).Nanoseconds())
	if calls := p.Calls(); calls > 0 {
		fmt.Printf(", %.0f ns per listened call", float64(profiled-unlistened)*float64(*profileRequests)/float64(calls))
	}
	fmt.Println()
}

// TestFuncProfiler profiles the pass-through scenario through the shipped module's sources
// (built with symbols): the counts are the requests' and the host's, the times add up, and
// only the functions asked for are listened to.
func TestFuncProfiler(t *testing.T) {
	t.Setenv(host.CacheDirEnv, "off") // CompileProfiled ignores the cache; make sure nothing else uses it
	if raceEnabled {
		t.Skip("compiling the module uncached under -race takes over 10 s; make test runs this test without -race")
	}
	const plugin = "github.com_proxy_wasm_jwt_proxy_wasm_jwt_plugin."
	match := func(name string) bool { return strings.HasPrefix(name, "."+plugin) }
	p := host.NewFuncProfiler(host.FuncProfileOptions{Match: match, AllocSites: true})
	s := rsaPassScenario(t, loadVectors(t, "jvl-rsa-rs256"))
	m := compileProfiled(t, p)
	if got, want := fmt.Sprint(m.Imports()), fmt.Sprint(shippedModule(t).Imports()); got != want {
		t.Fatalf("the module with symbols imports %s, the shipped module %s", got, want)
	}
	h := start(t, m, s.options())
	next := s.sender(t, h)
	for range 100 {
		next()
	}
	if rows := p.Rows(); len(rows) != 0 {
		t.Fatalf("recorded %d rows while not recording, first %+v", len(rows), rows[0])
	}

	const requests = 500
	calls0 := h.Calls()
	p.SetRecording(true)
	for range requests {
		next()
	}
	p.SetRecording(false)
	calls1 := h.Calls()
	for range 50 { // not recorded
		next()
	}
	if err := h.Err(); err != nil {
		t.Fatal(err)
	}

	rows := p.Rows()
	byName := map[string]host.FuncProfileRow{}
	var selfSum int64
	pluginRows := 0
	for _, r := range rows {
		byName[r.Name] = r
		selfSum += int64(r.Self)
		if r.Self < 0 || r.Self > r.Inclusive {
			t.Errorf("%s: self %v, inclusive %v", r.Name, r.Self, r.Inclusive)
		}
		switch {
		case r.AllocSite:
			if r.Name == "runtime.mallocgc < ?" || strings.HasPrefix(r.Name, "runtime.mallocgc < runtime.") {
				t.Errorf("allocation site %q is not outside the runtime", r.Name)
			}
		case r.Always:
			if !strings.HasPrefix(r.Name, "proxy_on_") && !strings.HasPrefix(r.Name, "env.") && !strings.HasPrefix(r.Name, "wasi_") {
				t.Errorf("row %q listened as an export or host function", r.Name)
			}
		case match(r.DebugName):
			pluginRows++
			if want := host.ShortFuncName(r.DebugName); r.Name != want || !strings.HasPrefix(r.Name, "plugin.") {
				t.Errorf("row %q of %q: want the name %q starting plugin.", r.Name, r.DebugName, want)
			}
		default:
			t.Errorf("row %q (%s) was not asked for", r.Name, r.DebugName)
		}
	}
	if pluginRows == 0 {
		t.Errorf("no function of the plugin package recorded: %v", rows)
	}
	var callees, exportCalls uint64
	for _, r := range rows {
		callees += r.Callees
		if strings.HasPrefix(r.Name, "proxy_on_") {
			exportCalls += r.Calls
		}
	}
	if calls := p.Calls(); callees >= calls || callees < calls-exportCalls {
		t.Errorf("%d listened calls made by listened functions, of %d calls (%d of exports)", callees, calls, exportCalls)
	}
	if selfSum != int64(p.RootTime()) {
		t.Errorf("self times add up to %v, listened roots took %v", selfSum, p.RootTime())
	}
	for _, export := range []string{"proxy_on_request_headers", "proxy_on_response_headers", "proxy_on_done"} {
		if got := byName[export].Calls; got != requests {
			t.Errorf("%s: %d calls for %d requests", export, got, requests)
		}
	}
	hostCalls := 0
	for name, n := range calls1 {
		if d := n - calls0[name]; d > 0 {
			hostCalls++
			if got := byName[name].Calls; got != d {
				t.Errorf("%s: profiled %d calls, the host counted %d", name, got, d)
			}
		}
	}
	if hostCalls == 0 {
		t.Error("the host counted no calls")
	}
	for _, r := range rows {
		if r.Always && !strings.HasPrefix(r.Name, "proxy_on_") && calls1[r.Name]-calls0[r.Name] != r.Calls {
			t.Errorf("%s: profiled %d calls, the host counted %d", r.Name, r.Calls, calls1[r.Name]-calls0[r.Name])
		}
	}

	var report strings.Builder
	if err := p.WriteReport(&report, requests, 5); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(report.String(), "\n"), "\n")
	if len(lines) != 2+5+1 || !strings.HasSuffix(lines[2], " "+rows[0].Name) || !strings.HasPrefix(lines[7], "... ") {
		t.Errorf("report of the top 5 rows:\n%s", report.String())
	}
	t.Logf("report:\n%s", report.String())
	p.Reset()
	if rows := p.Rows(); len(rows) != 0 || p.RootTime() != 0 || p.Wall() != 0 {
		t.Errorf("after Reset: %d rows, roots %v, wall %v", len(rows), p.RootTime(), p.Wall())
	}
}

func TestShortFuncName(t *testing.T) {
	for in, want := range map[string]string{
		".github.com_proxy_wasm_jwt_proxy_wasm_jwt_plugin.__httpContext_.decide":                     "plugin.(*httpContext).decide",
		".github.com_tetratelabs_proxy_wasm_go_sdk_proxywasm.GetHttpRequestHeader":                   "proxywasm.GetHttpRequestHeader",
		".github.com_tidwall_gjson.Get":                                                              "tidwall_gjson.Get",
		".runtime.mallocgc":                                                                          "runtime.mallocgc",
		".github.com_proxy_wasm_jwt_proxy_wasm_jwt_plugin_keys.__Store_.Forget":                      "plugin_keys.(*Store).Forget",
		".github.com_proxy_wasm_jwt_proxy_wasm_jwt_plugin.__httpContext_.OnHttpRequestHeaders.func1": "plugin.(*httpContext).OnHttpRequestHeaders.func1",
	} {
		if got := host.ShortFuncName(in); got != want {
			t.Errorf("ShortFuncName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFuncProfilerAfterTrap: a call that ends in a trap (a Go panic in the probe module) leaves
// the profiler's stack as it found it, so the next host's calls are timed as before.
func TestFuncProfilerAfterTrap(t *testing.T) {
	if raceEnabled {
		t.Skip("compiling a module uncached under -race is slow; make test runs this test without -race")
	}
	bin, err := buildProbe(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	wasm, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	p := host.NewFuncProfiler(host.FuncProfileOptions{Match: func(name string) bool { return strings.HasPrefix(name, ".main.") }})
	m, err := host.CompileProfiled(context.Background(), wasm, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close(context.Background()) })

	p.SetRecording(true)
	failed := start(t, m, host.Options{VMs: 1, PluginConfig: []byte("panic")})
	s := failed.NewStream(host.StreamOptions{})
	s.SendRequestHeaders(get("/"), true)
	s.Done()
	if len(failed.Failures()) != 1 {
		t.Fatalf("the probe did not trap: %v", failed.Err())
	}
	if p.Calls() == 0 || p.Rows()[0].Calls == 0 {
		t.Fatal("nothing recorded before the trap")
	}

	p.Reset()
	h := start(t, m, host.Options{VMs: 1})
	const requests = 20
	for range requests {
		status(h, get("/"), [][2]string{{":status", "200"}})
	}
	var selfSum time.Duration
	byName := map[string]host.FuncProfileRow{}
	for _, r := range p.Rows() {
		selfSum += r.Self
		byName[r.Name] = r
	}
	if got := byName["proxy_on_request_headers"].Calls; got != requests {
		t.Errorf("proxy_on_request_headers: %d calls for %d requests", got, requests)
	}
	if selfSum != p.RootTime() || selfSum <= 0 {
		t.Errorf("self times add up to %v, listened roots took %v", selfSum, p.RootTime())
	}
}
