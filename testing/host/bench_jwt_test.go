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

// benchJWTRequest starts the shipped filter in one VM with cfg at now, checks that req is
// answered want (which also warms the JWT cache where it is on), then times req.
func benchJWTRequest(b *testing.B, cfg []byte, now time.Time, req [][2]string, want int) {
	b.Helper()
	benchJWTRequestAt(b, host.LogInfo, cfg, now, req, want)
}

// benchJWTRequestAt is benchJWTRequest with Envoy's log level at level: Envoy's default is info;
// at debug the filter also builds and logs its decision trace for every request.
func benchJWTRequestAt(b *testing.B, level host.LogLevel, cfg []byte, now time.Time, req [][2]string, want int) {
	b.Helper()
	h := start(b, shippedModule(b), host.Options{VMs: 1, PluginConfig: cfg, Now: now, LogLevel: level})
	resp := [][2]string{{":status", "200"}, {"content-length", "0"}}
	if got := status(h, req, resp); got != want {
		b.Fatalf("status %d, want %d; filter logged: %v", got, want, h.Logs(host.LogDebug))
	}
	warmUp(h, func() { status(h, req, resp) })
	for b.Loop() {
		if got := status(h, req, resp); got != want {
			b.Fatalf("status %d, want %d", got, want)
		}
	}
	if err := h.Err(); err != nil {
		b.Fatal(err)
	}
}

// benchSharedHit times a token that another VM verified, met by a VM whose own JWT cache
// does not hold it: a local miss answered by the shared records (plugin/tokencache). The
// VM's cache holds one token (jwt_cache_size 1) and two good tokens alternate, so every
// request misses locally; both were verified once before the timer starts, so every request
// is a shared hit (checked with the counters at the end).
func benchSharedHit(b *testing.B, f *vectorFile, reqA, reqB [][2]string) {
	b.Helper()
	cfg := map[string]json.RawMessage{}
	if err := json.Unmarshal(f.config(b, false, ""), &cfg); err != nil {
		b.Fatal(err)
	}
	var providers map[string]map[string]json.RawMessage
	if err := json.Unmarshal(cfg["providers"], &providers); err != nil {
		b.Fatal(err)
	}
	for _, p := range providers {
		p["jwt_cache_config"] = json.RawMessage(`{"jwt_cache_size":1}`)
	}
	out, err := json.Marshal(providers)
	if err != nil {
		b.Fatal(err)
	}
	cfg["providers"] = out
	raw, err := json.Marshal(cfg)
	if err != nil {
		b.Fatal(err)
	}
	h := start(b, shippedModule(b), host.Options{VMs: 1, PluginConfig: raw, Now: f.clock(), VMID: "jwt-bench"})
	resp := [][2]string{{":status", "200"}, {"content-length", "0"}}
	for _, r := range [][][2]string{reqA, reqB} {
		if got := status(h, r, resp); got != 200 {
			b.Fatalf("status %d, want 200; filter logged: %v", got, h.Logs(host.LogDebug))
		}
	}
	n := 0 // requests sent: the tokens alternate across warm-up and timing
	next := func() {
		r := reqA
		if n%2 == 1 {
			r = reqB
		}
		n++
		if got := status(h, r, resp); got != 200 {
			b.Fatalf("status %d, want 200", got)
		}
	}
	warmUp(h, next)
	hits0, _ := h.Counter("jwt_authn.jwt_cache_shared_hit")
	n0 := n
	for b.Loop() {
		next()
	}
	if hits, _ := h.Counter("jwt_authn.jwt_cache_shared_hit"); hits-hits0 != uint64(n-n0) {
		b.Fatalf("%d shared hits for %d requests", hits-hits0, n-n0)
	}
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
	rsaToken := rsa.request(b, "correct-kid")
	b.Run("NoRuleMatched", func(b *testing.B) {
		cfg := rsa.config(b, false, `[{"match":{"prefix":"/api"},"requires":{"provider_name":"p"}}]`)
		benchJWTRequest(b, cfg, rsa.clock(), append(get("/health"), [2]string{"user-agent", "bench"}), 200)
	})
	b.Run("MissingToken", func(b *testing.B) {
		benchJWTRequest(b, rsa.config(b, false, ""), rsa.clock(), get("/"), 401)
	})
	b.Run("Cached/RS256", func(b *testing.B) {
		benchJWTRequest(b, rsa.config(b, false, ""), rsa.clock(), rsaToken, 200)
	})
	b.Run("SharedCached/RS256", func(b *testing.B) {
		benchSharedHit(b, rsa, rsaToken, rsa.request(b, "no-kid"))
	})
	b.Run("Cached/RS256/DebugTrace", func(b *testing.B) {
		benchJWTRequestAt(b, host.LogDebug, rsa.config(b, false, ""), rsa.clock(), rsaToken, 200)
	})
	files := map[string]*vectorFile{}
	for _, c := range jwtBenchCases {
		f := files[c.file]
		if f == nil {
			f = loadVectors(b, c.file)
			files[c.file] = f
		}
		b.Run(fmt.Sprintf("Uncached/%s", c.alg), func(b *testing.B) {
			benchJWTRequest(b, f.config(b, true, ""), f.clock(), f.request(b, c.request), 200)
		})
	}
}
