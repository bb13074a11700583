package host_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// Benchmarks of the signing extensions through the shipped filter in one VM, with
// examples/krakend-signer's configuration (EdDSA login tokens, ES256 backend tokens) and
// Envoy's stop-iteration setting:
//
//	go test -run '^$' -bench Sign ./testing/host/
//
// SignLogin is one /login: request, response headers, the body in two chunks, done.
// BackendToken is one /api request with a token already verified (JWT cache hit): "reused"
// takes the minted backend token from the cache, "minted" signs a fresh one each time (the
// clock moves past ttl/2 between requests).

var signBenchNow = time.Unix(1767225600, 0)

func startSigner(b *testing.B) *host.Host {
	b.Helper()
	cfg, err := os.ReadFile(filepath.Join("..", "..", "examples", "krakend-signer", "config.json"))
	if err != nil {
		b.Fatal(err)
	}
	return start(b, shippedModule(b), host.Options{VMs: 1, PluginConfig: cfg, Now: signBenchNow, AllowOnHeadersStopIteration: true})
}

func benchLoginBody() [2][]byte {
	exp := strconv.FormatInt(signBenchNow.Unix()+10*365*86400, 10)
	return [2][]byte{
		[]byte(`{"access_token":{"iss":"https://gateway.example","sub":"alice","aud":"api","exp":` + exp + `,"roles":["user"]},`),
		[]byte(`"refresh_token":{"iss":"https://gateway.example","sub":"alice","aud":"refresh","exp":` + exp + `},"token_type":"Bearer"}`),
	}
}

// login runs one /login and returns the body the client got.
func login(h *host.Host, body [2][]byte) []byte {
	s := h.NewStream(host.StreamOptions{})
	s.SendRequestHeaders([][2]string{{":method", "POST"}, {":path", "/login"}, {":authority", "example.com"}, {":scheme", "https"}}, true)
	s.SendResponseHeaders([][2]string{{":status", "200"}, {"content-type", "application/json"}}, false)
	s.SendResponseBody(body[0], false)
	s.SendResponseBody(body[1], true)
	out := s.ResponseBody()
	s.Done()
	return out
}

func BenchmarkSignLogin(b *testing.B) {
	h := startSigner(b)
	body := benchLoginBody()
	if tok := gjson.GetBytes(login(h, body), "refresh_token").Str; strings.Count(tok, ".") != 2 {
		b.Fatalf("login not signed: %v", h.Logs(host.LogWarn))
	}
	for b.Loop() {
		login(h, body)
	}
}

func BenchmarkBackendToken(b *testing.B) {
	for _, mode := range []string{"reused", "minted"} {
		b.Run(mode, func(b *testing.B) {
			h := startSigner(b)
			token := gjson.GetBytes(login(h, benchLoginBody()), "access_token").Str
			req := append(get("/api/orders"), [2]string{"authorization", "Bearer " + token})
			call := func() string {
				s := h.NewStream(host.StreamOptions{})
				s.SendRequestHeaders(req, true)
				s.SendResponseHeaders([][2]string{{":status", "200"}}, true)
				v := ""
				for _, kv := range s.RequestHeaders() {
					if kv[0] == "x-backend-token" {
						v = kv[1]
					}
				}
				s.Done()
				return v
			}
			if first := call(); strings.Count(first, ".") != 2 || (mode == "reused" && call() != first) {
				b.Fatalf("backend token %q: %v", first, h.Logs(host.LogWarn))
			}
			for b.Loop() {
				if mode == "minted" {
					b.StopTimer()
					if err := h.Advance(151 * time.Second); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				call()
			}
		})
	}
}
