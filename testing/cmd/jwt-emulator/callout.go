package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// maxCalloutBody bounds a cluster's response body, as Envoy's async client buffer limit does.
const maxCalloutBody = 4 << 20

// clusterFetcher performs proxy_http_call callouts as plain HTTP requests to the cluster's
// address and hands the answer back to the host.
type clusterFetcher struct {
	clusters map[string]string
	client   *http.Client
	host     *host.Host
}

// fetch runs on its own goroutine. A transport failure is delivered as Envoy's reset (no
// headers); a timeout is left to the host, which answers Envoy's 504 at the deadline.
func (f *clusterFetcher) fetch(ctx context.Context, c host.Callout) {
	if c.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Timeout)
		defer cancel()
	}
	resp, err := f.do(ctx, c)
	if err != nil {
		if ctx.Err() == nil {
			_ = f.host.Fail(c.ID) // an error here means the host already answered it
		}
		return
	}
	_ = f.host.Respond(c.ID, resp)
}

func (f *clusterFetcher) do(ctx context.Context, c host.Callout) (host.CalloutResponse, error) {
	var method, path, authority string
	var headers http.Header = http.Header{}
	for _, kv := range c.Headers {
		switch kv[0] {
		case ":method":
			method = kv[1]
		case ":path":
			path = kv[1]
		case ":authority":
			authority = kv[1]
		default:
			if !strings.HasPrefix(kv[0], ":") {
				headers.Add(kv[0], kv[1])
			}
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+f.clusters[c.Cluster]+path, bytes.NewReader(c.Body))
	if err != nil {
		return host.CalloutResponse{}, err
	}
	req.Header = headers
	req.Host = authority
	resp, err := f.client.Do(req)
	if err != nil {
		return host.CalloutResponse{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxCalloutBody))
	if err != nil {
		return host.CalloutResponse{}, err
	}
	return host.CalloutResponse{Headers: responsePairs(resp.StatusCode, resp.Header), Body: body}, nil
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
