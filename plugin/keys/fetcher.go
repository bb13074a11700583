package keys

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/oidc"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// This file is Envoy's common/jwks_fetcher.cc for a Wasm filter: one GET of a remote JWKS
// through the proxy (proxy_http_call to http_uri.cluster, the only way out of a Wasm VM), the
// checks on its answer, and the retries of retry_policy, which Envoy's async client does for
// it and proxy_http_call does not.
//
// A fetch fails when the call is reset or times out (Envoy answers a timeout with its own
// 504), when the status is not 200, when the body is empty or larger than the cap, and when
// the body is not a JWKS with at least one usable key (jwks_fetcher.cc: Failure::Network and
// Failure::InvalidJwks; Envoy's reply is "Jwks remote fetch is failed" either way).

// defaultMaxJwksBytes caps a JWKS response (x_max_jwks_bytes changes it). Real JWKS are a few
// KiB; the cap bounds what one misbehaving IdP costs every VM (the body is copied into the VM,
// parsed, and stored in shared data).
const defaultMaxJwksBytes = 256 << 10

// Envoy's retry defaults for remote_jwks.retry_policy (jwks_fetcher.cc adaptRetryPolicy):
// num_retries 1, back-off base 1 s, maximum 10 × base; each try is bounded by the maximum
// interval (per_try_timeout) and all of them by http_uri.timeout.
const (
	defaultRetries      = 1
	defaultRetryBase    = time.Second
	retryMaxPerBase     = 10
	unboundedTryTimeout = 60 * time.Second
)

// fetchGrace is how long after a callout's timeout the filter stops waiting for its answer
// on its own (a host always answers by then; this only guards against one that does not).
const fetchGrace = time.Second

// RetryPolicy is remote_jwks.retry_policy with Envoy's defaults applied; nil: no retries.
type RetryPolicy struct {
	Retries  int
	Base     time.Duration
	MaxDelay time.Duration
}

func newRetryPolicy(r *config.RawRetryPolicy) *RetryPolicy {
	if r == nil {
		return nil
	}
	p := &RetryPolicy{Retries: defaultRetries, Base: defaultRetryBase}
	if r.HasRetries {
		p.Retries = int(r.NumRetries)
	}
	if r.BaseInterval > 0 {
		p.Base = r.BaseInterval
	}
	p.MaxDelay = r.MaxInterval
	if p.MaxDelay == 0 {
		p.MaxDelay = retryMaxPerBase * p.Base
	}
	return p
}

// Backoff is the delay before retry n (1 for the first): Envoy's fully jittered exponential
// back-off, uniform in [0, min(base·2^(n-1), max)).
func (p *RetryPolicy) Backoff(n int) time.Duration {
	limit := p.Base
	for i := 1; i < n && limit < p.MaxDelay; i++ {
		limit *= 2
	}
	limit = min(limit, p.MaxDelay)
	if limit <= 0 {
		return 0
	}
	return rand.N(limit)
}

// jwksRequest is the request for one URI, built once at configuration: Envoy's
// Http::Utility::prepareHeaders (the path is everything from the first "/" after the host,
// query included; the authority is the host and port) plus :scheme and an Accept header. The
// fragment, which a client never sends, is dropped.
func jwksRequest(uri string) [][2]string {
	scheme, rest, _ := strings.Cut(uri, "://")
	authority, path := rest, "/"
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if i := strings.IndexByte(path, '#'); i >= 0 {
		path = path[:i]
	}
	return [][2]string{
		{":method", "GET"},
		{":path", path},
		{":authority", authority},
		{":scheme", scheme},
		{"accept", "application/json"},
	}
}

// TryTimeout is the timeout of the next try of a fetch started at started: http_uri.timeout
// bounds the whole fetch, retries included, and with a retry policy each try is bounded by
// its maximum interval, as in Envoy. A timeout of 0 (Envoy: none) is capped at a minute so
// that a request paused for keys cannot wait forever. The result is never 0, which
// proxy_http_call reads as "no timeout".
func (r *Remote) TryTimeout(started, now time.Time) time.Duration {
	t := r.Timeout
	if t == 0 {
		t = unboundedTryTimeout
	}
	t -= now.Sub(started)
	if r.Retry != nil {
		t = min(t, r.Retry.MaxDelay)
	}
	return max(t, time.Millisecond)
}

// mayRetry reports whether a failed try may be followed by another, and after which delay.
func (r *Remote) mayRetry(tries int, started, now time.Time) (time.Duration, bool) {
	if r.Retry == nil || tries > r.Retry.Retries {
		return 0, false
	}
	d := r.Retry.Backoff(tries)
	if r.Timeout > 0 && !now.Add(d).Before(started.Add(r.Timeout)) {
		return 0, false // no time left for another try
	}
	return d, true
}

func Millis(d time.Duration) uint32 {
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > 1<<32-1 {
		return 1<<32 - 1
	}
	return uint32(ms)
}

// dispatchGet sends one try of a GET. The callout is dispatched as the context whose
// callback runs now (the SDK binds the answer to it and drops it if that context is gone by
// then; the cache notices that in OnHttpStreamDone and dispatches again from the plugin
// context).
func dispatchGet(cluster string, request [][2]string, timeout time.Duration, onAnswer func(numHeaders, bodySize int)) (uint32, error) {
	return proxywasm.DispatchHttpCall(cluster, request, nil, nil, Millis(timeout),
		func(numHeaders, bodySize, _ int) { onAnswer(numHeaders, bodySize) })
}

// fetchError is why a fetch failed, for the log, and whether another try may help
// (Envoy retries on "5xx,gateway-error,connect-failure,reset").
type fetchError struct {
	msg       string
	retryable bool
}

func (e *fetchError) Error() string { return e.msg }

// readJwksAnswer reads the answer to a JWKS callout, inside proxy_on_http_call_response. It
// returns the parsed keys and the body, which is published to the other VMs as it is.
func readJwksAnswer(numHeaders, bodySize, maxBytes int) (*verifier.KeySet, []byte, *fetchError) {
	body, ferr := readAnswer(numHeaders, bodySize, maxBytes)
	if ferr != nil {
		return nil, nil, ferr
	}
	ks, perr := parseFetchedJwks(body)
	if perr != nil {
		return nil, nil, &fetchError{"not a usable JWKS: " + perr.Error(), false}
	}
	return ks, body, nil
}

// readAnswer reads the body of a 200 answer to a callout of at most maxBytes bytes; anything
// else is a failed try (retryable on a reset or a 5xx, as Envoy's retry_on).
func readAnswer(numHeaders, bodySize, maxBytes int) ([]byte, *fetchError) {
	if numHeaders == 0 {
		return nil, &fetchError{"the call failed (reset or no connection to the cluster)", true}
	}
	hs, err := proxywasm.GetHttpCallResponseHeaders()
	if err != nil {
		return nil, &fetchError{"reading the response headers failed: " + err.Error(), true}
	}
	st := ""
	for _, h := range hs {
		if h[0] == ":status" {
			st = h[1]
			break
		}
	}
	if st != "200" {
		code, _ := strconv.Atoi(st)
		return nil, &fetchError{"status " + strconv.Quote(st) + ", want 200", code >= 500}
	}
	switch {
	case bodySize == 0:
		return nil, &fetchError{"empty body", false}
	case bodySize > maxBytes:
		return nil, &fetchError{"body of " + strconv.Itoa(bodySize) + " bytes exceeds the limit of " +
			strconv.Itoa(maxBytes) + " (x_max_jwks_bytes)", false}
	}
	body, err := proxywasm.GetHttpCallResponseBody(0, bodySize)
	if err != nil {
		return nil, &fetchError{"reading the body failed: " + err.Error(), true}
	}
	return body, nil
}

// readDiscoveryAnswer reads the answer to a discovery document callout (x_discovery): the
// document must name issuer and a usable jwks_uri (package oidc).
func readDiscoveryAnswer(numHeaders, bodySize, maxBytes int, issuer string) (oidc.Document, *fetchError) {
	body, ferr := readAnswer(numHeaders, bodySize, maxBytes)
	if ferr != nil {
		return oidc.Document{}, ferr
	}
	doc, err := oidc.ParseDocument(body, issuer)
	if err != nil {
		return oidc.Document{}, &fetchError{err.Error(), false}
	}
	return doc, nil
}

// parseFetchedJwks parses a fetched (or shared) JWKS. A set without a usable key is an error
// (verifier.ErrNoValidKeys): Envoy's fetcher reports Failure::InvalidJwks for it.
func parseFetchedJwks(body []byte) (*verifier.KeySet, error) {
	ks, err := verifier.ParseJWKS(body, verifier.KeyOptions{})
	if err != nil {
		return nil, err
	}
	if len(ks.Keys) == 0 {
		return nil, verifier.ErrNoValidKeys
	}
	return ks, nil
}
