package host_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// Many goroutines drive streams at once, as the emulator's HTTP server does, while callouts
// are answered from other goroutines. Run with -race, this checks the host's locking.
func TestConcurrentStreamsWithCalloutsAnsweredElsewhere(t *testing.T) {
	var h *host.Host
	var answers sync.WaitGroup
	opts := host.Options{VMs: 2, Clusters: []string{"jwks"}, PluginConfig: []byte("pause"),
		OnCallout: func(c host.Callout) {
			answers.Add(1)
			go func() {
				defer answers.Done()
				if err := h.Respond(c.ID, host.CalloutResponse{Headers: [][2]string{{":status", "200"}}}); err != nil {
					t.Error(err)
				}
			}()
		}}
	h = start(t, probeModule(t), opts)
	const workers, perWorker = 8, 50
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				s := h.NewStream(host.StreamOptions{})
				s.SendRequestHeaders(get("/c"), true)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				err := s.Wait(ctx)
				cancel()
				if err != nil {
					t.Error(err)
					return
				}
				if lr := s.LocalResponse(); lr != nil {
					t.Errorf("local response %+v, want the request continued", lr)
				}
				s.Done()
			}
		}()
	}
	wg.Wait()
	answers.Wait()
	if err := h.Err(); err != nil {
		t.Fatal(err)
	}
	if n := countLines(h.Logs(host.LogInfo), "continue=0"); n != workers*perWorker {
		t.Errorf("%d requests continued, want %d", n, workers*perWorker)
	}
}
