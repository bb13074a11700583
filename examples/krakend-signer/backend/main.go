// Command backend is the example's upstream: a login service that answers with the claims of
// the tokens it wants the gateway to sign (KrakenD's "classic monolithic application with a
// /login endpoint"), and echoes every other request as JSON, so that the headers the gateway
// sets (x-user, x-backend-token) can be seen.
//
//	go run ./examples/krakend-signer/backend -listen 127.0.0.1:9000
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"sort"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9000", "address to serve on")
	flag.Parse()
	http.HandleFunc("/login", login)
	http.HandleFunc("/", echo)
	fmt.Fprintln(os.Stdout, "backend listening on", *listen)
	log.Fatal(http.ListenAndServe(*listen, nil))
}

// login answers 200 with the claims of an access token and a refresh token (the gateway signs
// them) beside members the gateway leaves alone; ?password=wrong gets 401, which the gateway
// passes on untouched; ?broken=1 gets a body the gateway must refuse to pass on.
func login(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Query().Get("broken") != "" {
		// What a misbehaving backend might send: the gateway must not pass it on unsigned.
		_, _ = w.Write([]byte(`{"access_token":"an unsigned string, not claims"}`))
		return
	}
	if r.URL.Query().Get("password") == "wrong" {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
		return
	}
	user := r.URL.Query().Get("user")
	if user == "" {
		user = "alice"
	}
	now := time.Now().Unix()
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": map[string]any{
			"iss": "https://gateway.example", "sub": user, "aud": "api",
			"iat": now, "exp": now + 3600, "roles": []string{"user"},
		},
		"refresh_token": map[string]any{
			"iss": "https://gateway.example", "sub": user, "aud": "refresh",
			"iat": now, "exp": now + 86400,
		},
		"exp":        now + 3600,
		"token_type": "Bearer",
	})
}

// echo answers 200 with the request's method, path and headers.
func echo(w http.ResponseWriter, r *http.Request) {
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	headers := map[string]string{}
	for _, name := range names {
		headers[name] = r.Header.Get(name)
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "path": r.URL.Path, "headers": headers})
}
