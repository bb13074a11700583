package filtertest_test

import (
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// A response the filter does not touch reaches the client as the upstream sent it, chunk by
// chunk, on both runners and with or without the stop-iteration setting.
func TestResponseChunksPassThrough(t *testing.T) {
	ex := loadExample(t)
	for _, allow := range []bool{false, true} {
		filtertest.Run(t, filtertest.Options{Config: ex.config, AllowOnHeadersStopIteration: allow}, func(t *testing.T, h filtertest.Host) {
			s := h.NewStream()
			defer s.Done()
			if a := s.SendRequestHeaders(filtertest.Request("GET", ex.Path, "authorization", "Bearer "+ex.Token), true); a != filtertest.Continue {
				t.Fatalf("request action %d", a)
			}
			if a := s.SendResponseHeaders(filtertest.Headers{{":status", "200"}, {"content-length", "6"}}, false); a != filtertest.Continue {
				t.Fatalf("response headers action %d", a)
			}
			if !s.ResponseHeadersSent() {
				t.Fatal("headers not sent")
			}
			for i, c := range []string{"ab", "cd", "ef"} {
				if a := s.SendResponseBody([]byte(c), i == 2); a != filtertest.Continue {
					t.Fatalf("chunk %d action %d", i, a)
				}
			}
			if got := string(s.ResponseBody()); got != "abcdef" || s.Reset() {
				t.Fatalf("client body %q reset %v", got, s.Reset())
			}
			if cl, _ := s.ResponseHeaders().Get("content-length"); cl != "6" {
				t.Fatalf("content-length %q", cl)
			}
		})
	}
}
