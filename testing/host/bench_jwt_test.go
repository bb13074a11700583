package host_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// Benchmarks of the shipped filter (build/jwt-authn.wasm, or $JWT_WASM) in one VM: the cost of
// one request (request headers with end of stream, response headers, done), host and module
// together, on configurations and tokens of jwt_verify_lib's vectors
// (plugin/testdata/conformance), with the host clock at each file's `now`. Only ns/op means
// something here: allocations counted by the Go benchmark are the host's, not the module's.
//
//	go test -run '^$' -bench JWT ./testing/host/
//
// Each benchmark starts its host and checks the answer once before the timer starts.

// jwtBenchCase is one token of the vectors: the file whose config and clock it needs, and
// the request in it.
type jwtBenchCase struct {
	alg, file, request string
}

// jwtBenchCases are the tokens the uncached benchmarks verify, one per algorithm, each
// carrying a kid so that exactly one key is tried.
var jwtBenchCases = []jwtBenchCase{
	{"RS256", "jvl-rsa-rs256", "correct-kid"},
	{"PS256", "jvl-rsa-pss", "ps256"},
	{"ES256", "jvl-ecdsa", "es256-kid"},
	{"ES384", "jvl-ecdsa", "es384-kid"},
	{"ES512", "jvl-ecdsa", "es512-kid"},
	{"EdDSA", "jvl-eddsa", "ed25519-kid"},
	{"HS256", "jvl-hmac", "hs256-kid"},
}

// vectorFile is the part of a conformance case file the benchmarks read.
type vectorFile struct {
	Now      int64                      `json:"now,string"` // Unix seconds, quoted in the files
	Config   map[string]json.RawMessage `json:"config"`
	Requests []struct {
		Name    string            `json:"name"`
		Path    string            `json:"path"`
		Headers map[string]string `json:"headers"`
	} `json:"requests"`
}

func loadVectors(b testing.TB, name string) *vectorFile {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "plugin", "testdata", "conformance", name+".json"))
	if err != nil {
		b.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(raw, &f); err != nil {
		b.Fatalf("%s: %v", name, err)
	}
	return &f
}

// request returns the named request's headers (pseudo-headers first).
func (f *vectorFile) request(b testing.TB, name string) [][2]string {
	b.Helper()
	for _, r := range f.Requests {
		if r.Name != name {
			continue
		}
		hs := get(r.Path)
		for k, v := range r.Headers {
			hs = append(hs, [2]string{k, v})
		}
		return hs
	}
	b.Fatalf("no request %q", name)
	return nil
}

// config returns the file's configuration with x_disable_jwt_cache set on every provider when
// uncached, and with its rules replaced when rules is not empty.
func (f *vectorFile) config(b testing.TB, uncached bool, rules string) []byte {
	b.Helper()
	cfg := map[string]json.RawMessage{}
	for k, v := range f.Config {
		cfg[k] = v
	}
	if uncached {
		var providers map[string]map[string]json.RawMessage
		if err := json.Unmarshal(cfg["providers"], &providers); err != nil {
			b.Fatal(err)
		}
		for _, p := range providers {
			p["x_disable_jwt_cache"] = json.RawMessage("true")
		}
		out, err := json.Marshal(providers)
		if err != nil {
			b.Fatal(err)
		}
		cfg["providers"] = out
	}
	if rules != "" {
		cfg["rules"] = json.RawMessage(rules)
	}
	out, err := json.Marshal(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// clock is the file's `now`, or the host's default when the file's tokens never expire.
func (f *vectorFile) clock() time.Time {
	if f.Now == 0 {
		return host.DefaultNow
	}
	return time.Unix(f.Now, 0).UTC()
}

// status sends one request through a new stream and returns the status the client would
// see: the filter's local reply, or 200 from the upstream.
func status(h *host.Host, req, resp [][2]string) int {
	s := h.NewStream(host.StreamOptions{})
	s.SendRequestHeaders(req, true)
	s.SendResponseHeaders(resp, true)
	code := 200
	if lr := s.LocalResponse(); lr != nil {
		code = int(lr.Status)
	}
	s.Done()
	return code
}

// jwtScenario is one configuration and request sequence of BenchmarkJWTRequest; the profile
// (TestProfileScenario) runs the same ones.
type jwtScenario struct {
	cfg  []byte
	now  time.Time
	vmID string
	reqs [][][2]string // sent in turn
	want int           // the status every request gets
	// level is Envoy's log level: info is Envoy's default; at debug (and trace) the filter
	// also builds and logs its decision trace for every request.
	level host.LogLevel
	// sharedHits: every request is a shared hit of the JWT cache (checked by sharedHitsCheck)
	sharedHits bool
}

// options are the host options of the scenario in one VM.
func (s *jwtScenario) options() host.Options {
	return host.Options{VMs: 1, PluginConfig: s.cfg, Now: s.now, LogLevel: s.level, VMID: s.vmID}
}

// sender checks that each of the scenario's requests is answered want on h (which also fills
// the JWT cache where it is on), then returns a function that sends the next request and
// checks its answer.
func (s *jwtScenario) sender(t testing.TB, h *host.Host) func() {
	t.Helper()
	resp := [][2]string{{":status", "200"}, {"content-length", "0"}}
	for _, r := range s.reqs {
		if got := status(h, r, resp); got != s.want {
			t.Fatalf("status %d, want %d; filter logged: %v", got, s.want, h.Logs(host.LogDebug))
		}
	}
	n := 0 // requests sent: the requests alternate across warm-up and timing
	return func() {
		r := s.reqs[n%len(s.reqs)]
		n++
		if got := status(h, r, resp); got != s.want {
			t.Fatalf("status %d, want %d", got, s.want)
		}
	}
}

// sharedHitsCheck returns, for a sharedHits scenario, a function that fails t unless the
// shared hits since it was made are requests (for another scenario, one that does nothing).
func (s *jwtScenario) sharedHitsCheck(t testing.TB, h *host.Host) func(requests int) {
	if !s.sharedHits {
		return func(int) {}
	}
	hits0, _ := h.Counter("jwt_authn.jwt_cache_shared_hit")
	return func(requests int) {
		t.Helper()
		if hits, _ := h.Counter("jwt_authn.jwt_cache_shared_hit"); hits-hits0 != uint64(requests) {
			t.Fatalf("%d shared hits for %d requests", hits-hits0, requests)
		}
	}
}

// rsaPassScenario: the path matches no rule (the filter's pass-through).
func rsaPassScenario(t testing.TB, rsa *vectorFile) *jwtScenario {
	return &jwtScenario{
		cfg:   rsa.config(t, false, `[{"match":{"prefix":"/api"},"requires":{"provider_name":"p"}}]`),
		now:   rsa.clock(),
		reqs:  [][][2]string{append(get("/health"), [2]string{"user-agent", "bench"})},
		want:  200,
		level: host.LogInfo,
	}
}

// rsaMissingScenario: a rule requires a provider, no token: 401.
func rsaMissingScenario(t testing.TB, rsa *vectorFile) *jwtScenario {
	return &jwtScenario{cfg: rsa.config(t, false, ""), now: rsa.clock(), reqs: [][][2]string{get("/")}, want: 401, level: host.LogInfo}
}

// tokenScenario: a good token of f, verified on every request when uncached, else met in the
// JWT cache.
func tokenScenario(t testing.TB, f *vectorFile, request string, uncached bool) *jwtScenario {
	return &jwtScenario{
		cfg: f.config(t, uncached, ""), now: f.clock(), reqs: [][][2]string{f.request(t, request)},
		want: 200, level: host.LogInfo,
	}
}

// sharedHitScenario: a token that another VM verified, met by a VM whose own JWT cache does
// not hold it: a local miss answered by the shared records (plugin/tokencache). The VM's cache
// holds one token (jwt_cache_size 1) and two good tokens alternate, so every request misses
// locally; both are verified once before the timer starts, so every request is a shared hit.
func sharedHitScenario(t testing.TB, f *vectorFile, requestA, requestB string) *jwtScenario {
	t.Helper()
	cfg := map[string]json.RawMessage{}
	if err := json.Unmarshal(f.config(t, false, ""), &cfg); err != nil {
		t.Fatal(err)
	}
	var providers map[string]map[string]json.RawMessage
	if err := json.Unmarshal(cfg["providers"], &providers); err != nil {
		t.Fatal(err)
	}
	for _, p := range providers {
		p["jwt_cache_config"] = json.RawMessage(`{"jwt_cache_size":1}`)
	}
	out, err := json.Marshal(providers)
	if err != nil {
		t.Fatal(err)
	}
	cfg["providers"] = out
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &jwtScenario{
		cfg: raw, now: f.clock(), vmID: "jwt-bench",
		reqs:       [][][2]string{f.request(t, requestA), f.request(t, requestB)},
		want:       200,
		sharedHits: true,
		// Envoy's default level, as for the local hit it is compared with. (Until commit
		// 8efda16 this benchmark ran at the Options' zero value, trace, where the filter also
		// builds its decision trace: about 9 µs more per request.)
		level: host.LogInfo,
	}
}

// benchScenario starts the shipped filter in one VM, checks the scenario's answers, warms the
// VM up, then times the requests.
func benchScenario(b *testing.B, s *jwtScenario) {
	b.Helper()
	h := start(b, shippedModule(b), s.options())
	next := s.sender(b, h)
	warmUp(h, next)
	check := s.sharedHitsCheck(b, h)
	n := 0
	for b.Loop() {
		next()
		n++
	}
	check(n)
	if err := h.Err(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkJWTRequest: the per-request cost of the filter in the wasm, by path.
//   - NoRuleMatched: the path matches no rule (the filter's pass-through);
//   - MissingToken: a rule requires a provider, no token: 401;
//   - Cached/RS256: a good token already in the JWT cache;
//   - SharedCached/RS256: a good token another VM verified, not in this VM's cache;
//   - Uncached/<alg>: a good token verified on every request (x_disable_jwt_cache).
func BenchmarkJWTRequest(b *testing.B) {
	rsa := loadVectors(b, "jvl-rsa-rs256")
	b.Run("NoRuleMatched", func(b *testing.B) {
		benchScenario(b, rsaPassScenario(b, rsa))
	})
	b.Run("MissingToken", func(b *testing.B) {
		benchScenario(b, rsaMissingScenario(b, rsa))
	})
	b.Run("Cached/RS256", func(b *testing.B) {
		benchScenario(b, tokenScenario(b, rsa, "correct-kid", false))
	})
	b.Run("SharedCached/RS256", func(b *testing.B) {
		benchScenario(b, sharedHitScenario(b, rsa, "correct-kid", "no-kid"))
	})
	b.Run("Cached/RS256/DebugTrace", func(b *testing.B) {
		s := tokenScenario(b, rsa, "correct-kid", false)
		s.level = host.LogDebug
		benchScenario(b, s)
	})
	files := map[string]*vectorFile{}
	for _, c := range jwtBenchCases {
		f := files[c.file]
		if f == nil {
			f = loadVectors(b, c.file)
			files[c.file] = f
		}
		b.Run(fmt.Sprintf("Uncached/%s", c.alg), func(b *testing.B) {
			benchScenario(b, tokenScenario(b, f, c.request, true))
		})
	}
}
