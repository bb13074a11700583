package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"
)

// The KrakenD use case over real HTTP through the emulator, with examples/krakend-signer's
// configuration: sign the login answer, publish the keys, accept the signed token, and hand
// the backend a token of its own; refuse what cannot be signed.

// loginBackend is the example's backend (examples/krakend-signer/backend) as a test server:
// /login answers token claims (401 with ?password=wrong, a non-JSON body with ?broken=1),
// every other path echoes the request headers.
func loginBackend(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/login" {
			h := map[string]string{}
			for k := range r.Header {
				h[strings.ToLower(k)] = r.Header.Get(k)
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.Path, "headers": h})
			return
		}
		switch {
		case r.URL.Query().Get("password") == "wrong":
			w.WriteHeader(401)
			_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
		case r.URL.Query().Get("broken") != "":
			_, _ = io.WriteString(w, `{"access_token":"backend-secret-unsigned"`)
		default:
			now := time.Now().Unix()
			_, _ = io.WriteString(w, `{"access_token":{"iss":"https://gateway.example","sub":"alice","aud":"api","exp":`+
				strconv.FormatInt(now+3600, 10)+`,"roles":["user"]},"refresh_token":{"iss":"https://gateway.example","sub":"alice","aud":"refresh"},"exp":`+
				strconv.FormatInt(now+3600, 10)+`}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func exampleConfig(t *testing.T, hold bool) string {
	t.Helper()
	raw, err := os.ReadFile("../../../examples/krakend-signer/config.json")
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["x_allow_on_headers_stop_iteration"] = hold
	b, _ := json.Marshal(cfg)
	return writeFile(t, "krakend-signer.json", string(b))
}

func TestEmulatorKrakendSigner(t *testing.T) {
	for _, hold := range []bool{true, false} {
		t.Run("hold="+strconv.FormatBool(hold), func(t *testing.T) {
			args := []string{"-wasm", shippedModule(t), "-config", exampleConfig(t, hold), "-upstream", loginBackend(t)}
			if hold {
				args = append(args, "-allow-on-headers-stop-iteration")
			}
			e := startEmulator(t, buildEmulator(t), args...)
			base := "http://" + e.addr

			resp, doc := get(t, base+"/.well-known/jwks.json")
			if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "max-age=300" || len(gjson.Get(doc, "keys").Array()) != 2 || strings.Contains(doc, `"d"`) ||
				strings.Join(resp.Header.Values("Content-Type"), ",") != "application/json" {
				t.Fatalf("JWKS endpoint: %d %s", resp.StatusCode, doc)
			}

			resp, body := get(t, base+"/login")
			access := gjson.Get(body, "access_token").Str
			if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" || strings.Count(access, ".") != 2 {
				t.Fatalf("login: %d %s", resp.StatusCode, body)
			}

			req, _ := http.NewRequest("GET", base+"/api/orders", nil)
			req.Header.Set("Authorization", "Bearer "+access)
			req.Header.Set("X-Backend-Token", "forged")
			r2, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b2, _ := io.ReadAll(r2.Body)
			r2.Body.Close()
			bt := gjson.GetBytes(b2, "headers.x-backend-token").Str
			if r2.StatusCode != 200 || strings.Count(bt, ".") != 2 || gjson.GetBytes(b2, "headers.x-user").Str != "alice" {
				t.Fatalf("api: %d %s", r2.StatusCode, b2)
			}

			resp, body = get(t, base+"/login?password=wrong")
			if resp.StatusCode != 401 || body != `{"error":"invalid_grant"}` {
				t.Errorf("login failure: %d %q, want the backend's 401 untouched", resp.StatusCode, body)
			}

			r3, err := http.Get(base + "/login?broken=1")
			if hold {
				if err != nil {
					t.Fatal(err)
				}
				b3, _ := io.ReadAll(r3.Body)
				r3.Body.Close()
				if r3.StatusCode != 502 || strings.Contains(string(b3), "backend-secret") {
					t.Errorf("broken login: %d %q, want 502 without the body", r3.StatusCode, b3)
				}
			} else if err == nil {
				b3, rerr := io.ReadAll(r3.Body)
				r3.Body.Close()
				if rerr == nil || strings.Contains(string(b3), "backend-secret") {
					t.Errorf("broken login: %d %q read error %v, want a reset", r3.StatusCode, b3, rerr)
				}
			}
			e.stop(t)
			for _, secret := range []string{"DJ1p-NAwxo2ZX9mKrSi_uNXiFQL0VTSxeI41cHyOsIU", "KBWT8L0VMQRUZtNZva3z7mhJnUnT8GXIpt8rdEC0UPQ", access} {
				if strings.Contains(e.stderr.String(), secret) {
					t.Errorf("the log holds secret material")
				}
			}
		})
	}
}
