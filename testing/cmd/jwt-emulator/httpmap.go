package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Envoy header maps ([][2]string, pseudo-headers first, lower-case names) to and from net/http.

// requestPairs is the request as Envoy's HTTP connection manager hands it to filters:
// pseudo-headers first, names in lower case, x-request-id and x-forwarded-proto added.
func requestPairs(r *http.Request) [][2]string {
	h := [][2]string{{":authority", r.Host}, {":path", r.URL.RequestURI()}, {":method", r.Method}, {":scheme", "http"}}
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range r.Header[name] {
			h = append(h, [2]string{strings.ToLower(name), v})
		}
	}
	if r.Header.Get("x-request-id") == "" {
		var id [16]byte
		_, _ = rand.Read(id[:])
		h = append(h, [2]string{"x-request-id", hex.EncodeToString(id[:])})
	}
	return append(h, [2]string{"x-forwarded-proto", "http"})
}

// requestLine is what the :method, :path and :authority pseudo-headers carry.
type requestLine struct{ method, path, authority string }

// newRequest is the HTTP request Envoy sends upstream for a header map: the pseudo-headers make
// the request line and Host (def stands in for any that is absent), the other pseudo-headers
// are dropped, and every other header goes as it is; the URL is base followed by :path.
func newRequest(ctx context.Context, base string, def requestLine, headers [][2]string, body []byte) (*http.Request, error) {
	line, out := def, http.Header{}
	for _, kv := range headers {
		switch kv[0] {
		case ":method":
			line.method = kv[1]
		case ":path":
			line.path = kv[1]
		case ":authority":
			line.authority = kv[1]
		default:
			if !strings.HasPrefix(kv[0], ":") {
				out.Add(kv[0], kv[1])
			}
		}
	}
	req, err := http.NewRequestWithContext(ctx, line.method, base+line.path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = out
	req.Host = line.authority
	return req, nil
}

// roundTrip sends req and reads at most limit bytes of the response body. On a read error it
// still returns the status and headers it got, with the error.
func roundTrip(client *http.Client, req *http.Request, limit int64) (int, http.Header, []byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	return resp.StatusCode, resp.Header, b, err
}

// responsePairs is an HTTP response's header map as Envoy presents it: :status first, names in
// lower case.
func responsePairs(status int, h http.Header) [][2]string {
	out := [][2]string{{":status", strconv.Itoa(status)}}
	for name, values := range h {
		for _, v := range values {
			out = append(out, [2]string{strings.ToLower(name), v})
		}
	}
	return out
}

// writeResponse writes headers as the filter left them, then body.
func writeResponse(w http.ResponseWriter, headers [][2]string, body []byte) {
	writeHeaders(w, headers)
	_, _ = w.Write(body)
}

// writeHeaders writes the status line and headers as the filter left them; :status sets the
// code. A content-length is sent as the filter left it, so that one that does not fit the
// body shows (the client sees a short or cut response), as it would through Envoy.
func writeHeaders(w http.ResponseWriter, headers [][2]string) {
	status := http.StatusOK
	for _, kv := range headers {
		if kv[0] == ":status" {
			if n, err := strconv.Atoi(kv[1]); err == nil && n >= 100 && n <= 999 {
				status = n
			}
			continue
		}
		if strings.HasPrefix(kv[0], ":") {
			continue
		}
		w.Header().Add(kv[0], kv[1])
	}
	w.WriteHeader(status)
}
