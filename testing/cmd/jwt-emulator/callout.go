package main

import (
	"context"
	"net/http"

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

// calloutClient is the HTTP client of callouts. It never follows a redirect: Envoy's async
// client (which proxy_http_call uses) delivers a 3xx to the filter as the answer.
func calloutClient() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
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
	req, err := newRequest(ctx, "http://"+f.clusters[c.Cluster], requestLine{}, c.Headers, c.Body)
	if err != nil {
		return host.CalloutResponse{}, err
	}
	status, header, body, err := roundTrip(f.client, req, maxCalloutBody)
	if err != nil {
		return host.CalloutResponse{}, err
	}
	return host.CalloutResponse{Headers: responsePairs(status, header), Body: body}, nil
}
