package host_test

import (
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// The verified-token records shared between VMs (plugin/tokencache) with four VMs of the
// shipped module: requests in turn verify each distinct token once for the host; requests
// that reach the VMs at the same moment with a token none has verified yet may each verify
// it (the record is written after the signature check), which this test measures and
// bounds. Verifications are the local caches' misses less the shared hits.
func TestSharedCacheAcrossFourVMs(t *testing.T) {
	key := newECKey(t, "k1")
	cfg := fmt.Sprintf(`{"providers":{"p":{"issuer":"https://iss.example","audiences":["api"],
	  "local_jwks":{"inline_string":%q},"claim_to_headers":[{"header_name":"x-sub","claim_name":"sub"}]}},
	  "rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"p"}}]}`, jwks(key))
	h := start(t, shippedModule(t), host.Options{VMs: 4, PluginConfig: []byte(cfg), VMID: "jwt-test"})
	exp := host.DefaultNow.Unix() + 3600
	token := func(sub string) string {
		return key.sign(t, map[string]any{"iss": "https://iss.example", "aud": "api", "sub": sub, "exp": exp})
	}
	verifications := func() int {
		miss, _ := h.Counter("jwt_authn.jwt_cache_miss")
		shared, _ := h.Counter("jwt_authn.jwt_cache_shared_hit")
		return int(miss) - int(shared)
	}
	send := func(tok, sub string) {
		s := h.NewStream(host.StreamOptions{})
		s.SendRequestHeaders(append(get("/"), [2]string{"authorization", "Bearer " + tok}), true)
		if lr := s.LocalResponse(); lr != nil {
			t.Errorf("token %s: %d %s", sub, lr.Status, lr.Body)
		} else if v := headerValue(s.RequestHeaders(), "x-sub"); v != sub {
			t.Errorf("token %s: x-sub %q upstream", sub, v)
		}
		s.Done()
	}

	const tokens = 20
	for i := 0; i < tokens; i++ {
		sub := "seq-" + strconv.Itoa(i)
		tok := token(sub)
		for r := 0; r < 8; r++ { // twice round the four VMs
			send(tok, sub)
		}
	}
	if got := verifications(); got != tokens {
		t.Fatalf("sequential: %d signature checks for %d distinct tokens over 4 VMs, want %d", got, tokens, tokens)
	}

	base := verifications()
	perToken := map[int]int{}
	for i := 0; i < tokens; i++ {
		sub := "conc-" + strconv.Itoa(i)
		tok := token(sub)
		before := verifications()
		var wg sync.WaitGroup
		for g := 0; g < 4; g++ { // four streams, four VMs, at once
			wg.Add(1)
			go func() { defer wg.Done(); send(tok, sub) }()
		}
		wg.Wait()
		perToken[verifications()-before]++
	}
	got := verifications() - base
	t.Logf("concurrent first requests on 4 VMs: %d signature checks for %d tokens; tokens by checks: %v", got, tokens, perToken)
	if got < tokens || got > 4*tokens {
		t.Fatalf("concurrent: %d signature checks for %d tokens, want between %d and %d", got, tokens, tokens, 4*tokens)
	}
	if err := h.Err(); err != nil {
		t.Fatal(err)
	}
}
