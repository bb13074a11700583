package plugin

import (
	"strconv"
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/metrics"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/signer"
)

// x_sign on the response path (KrakenD's auth/signer, failing closed) and x_jwks_endpoint on
// the request path.
//
// A 2xx response to a GET/POST/... on an x_sign route has its listed members replaced by
// tokens. Nothing of the upstream's body may reach the client unless it was signed, so the
// body is buffered (StopIterationAndBuffer) until its end. What the client sees on failure
// depends on Envoy (envoy/README.md, Signing responses):
//
//   - with x_allow_on_headers_stop_iteration (and Envoy's PluginConfig setting of that name),
//     the response headers are held (StopIteration) until the body is signed, and a failure
//     is answered 502 with the reason;
//   - without it, the headers go on at once (cache-control: no-store set, content-length,
//     etag and digest removed) and a failure found in the body is a local reply that Envoy,
//     the headers being sent, turns into a stream reset.
//
// Failures known from the headers alone (content-encoding, a declared length above the limit,
// an empty body) are answered 502 in both modes. The filter's own local replies are never
// signed: the callbacks return at once when the filter answered the request itself, and on
// every route without x_sign.

// signResponse is one response's x_sign state.
type signResponse struct {
	rule   *signRule
	hold   bool // the response headers are held until the body is signed
	active bool // the response is being buffered for signing
}

// headersSignDrops are the response headers a signed body no longer fits.
var headersSignDrops = [...]string{"content-length", "etag", "digest", "content-digest", "repr-digest", "content-md5"}

// startSign prepares an x_sign route on the request path: the backend is asked for an
// unencoded body. HEAD requests get no body to sign.
func (f *httpContext) startSign(ru *rule, req *request.Request) error {
	if ru == nil || ru.sign == nil || req.Method() == "HEAD" {
		return nil
	}
	f.sign = &signResponse{rule: ru.sign, hold: f.rt.signing.holdHeaders}
	return removeAll(req, "accept-encoding")
}

// OnHttpResponseHeaders decides whether the response is signed. It returns at once on routes
// without x_sign and after the filter's own local replies.
func (f *httpContext) OnHttpResponseHeaders(_ int, endOfStream bool) (action types.Action) {
	if f.sign == nil || f.state == stateResponded {
		return types.ActionContinue
	}
	defer func() {
		if r := recover(); r != nil {
			action = f.signFail(failSign)
		}
	}()
	// Every line is read: proxy_get_header_map_value answers only the first of a repeated
	// header, and a second content-encoding line must not slip through.
	headers, err := proxywasm.GetHttpResponseHeaders()
	if err != nil {
		return f.signFail(failSign)
	}
	code := -1
	encoded, tooLarge := false, false
	for _, h := range headers {
		switch h[0] {
		case ":status":
			code, _ = strconv.Atoi(h[1])
		case "content-encoding":
			v := strings.TrimSpace(h[1])
			encoded = encoded || (v != "" && !strings.EqualFold(v, "identity"))
		case "content-length":
			n, perr := strconv.ParseUint(strings.TrimSpace(h[1]), 10, 63)
			tooLarge = tooLarge || (perr == nil && n > uint64(f.sign.rule.maxBody))
		}
	}
	if code < 200 || code > 299 || code == 204 {
		f.sign = nil // not ours to sign (a login failure's error body, for one)
		return types.ActionContinue
	}
	switch {
	case endOfStream:
		return f.signFail(failNotJSON)
	case encoded:
		return f.signFail(failEncoded)
	case tooLarge:
		return f.signFail(failBodyTooLarge)
	}
	f.sign.active = true
	if f.sign.hold {
		return types.ActionPause // StopIteration: headers held, body callbacks go on
	}
	if err := signedHeaders(); err != nil {
		return f.signFail(failSign)
	}
	return types.ActionContinue
}

// OnHttpResponseBody buffers the body, then signs it.
func (f *httpContext) OnHttpResponseBody(bodySize int, endOfStream bool) (action types.Action) {
	if f.sign == nil || !f.sign.active || f.state == stateResponded {
		return types.ActionContinue
	}
	defer func() {
		if r := recover(); r != nil {
			action = f.signFail(failSign)
		}
	}()
	if bodySize > f.sign.rule.maxBody {
		return f.signFail(failBodyTooLarge)
	}
	if !endOfStream {
		return types.ActionPause // StopIterationAndBuffer
	}
	body, err := proxywasm.GetHttpResponseBody(0, bodySize)
	if err != nil || len(body) != bodySize {
		return f.signFail(failSign)
	}
	r := f.sign.rule
	out, err := signer.SignMembers(body, r.names, r.key, r.full, f.rt.signing.random)
	if err != nil {
		return f.signFail(failureOf(err))
	}
	if err := proxywasm.ReplaceHttpResponseBody(out); err != nil {
		return f.signFail(failSign)
	}
	if f.sign.hold {
		if err := signedHeaders(); err != nil {
			return f.signFail(failSign)
		}
	}
	f.sign.active = false
	f.count(metrics.Signed)
	return types.ActionContinue
}

// OnHttpResponseTrailers ends a response that is being signed without its body's end of
// stream: trailers are refused (a signed body has none to go with), so that the buffered body
// is never passed on unsigned when Envoy continues after the trailers.
func (f *httpContext) OnHttpResponseTrailers(int) types.Action {
	if f.sign == nil || !f.sign.active || f.state == stateResponded {
		return types.ActionContinue
	}
	return f.signFail(failTrailers)
}

// signedHeaders sets cache-control: no-store (RFC 6749 §5.1) and removes the headers the new
// body does not fit.
func signedHeaders() error {
	for _, h := range headersSignDrops {
		if err := proxywasm.RemoveHttpResponseHeader(h); err != nil {
			return err
		}
	}
	return proxywasm.ReplaceHttpResponseHeader("cache-control", "no-store")
}

// signFail answers 502 with the reason (a reset, when the headers already went), counts it
// and warns once per kind. Nothing of the upstream body is sent.
func (f *httpContext) signFail(kind signFailure) types.Action {
	f.sign = nil
	f.state = stateResponded
	f.count(metrics.SignFailed)
	f.rt.signing.warnOnce(kind, proxywasm.LogWarn)
	headers := [][2]string{{"cache-control", "no-store"}} // Envoy's local reply is text/plain
	if err := sendLocalReply(502, headers, []byte(kind.reason()), "jwt_authn_sign_failed"); err != nil {
		proxywasm.LogCritical("jwt_authn: x_sign: sending the 502 failed; the response stays held")
	}
	return types.ActionPause
}

// count adds one to a counter outside the request path's batched counts.
func (f *httpContext) count(c metrics.Counter) {
	if f.m != nil {
		var counts [metrics.NumCounters]uint32
		counts[c] = 1
		f.m.Add(&counts)
	}
}

// serveJWKS answers a GET or HEAD of x_jwks_endpoint.path with the public JWKS document. It
// reports whether it answered.
func (f *httpContext) serveJWKS(req *request.Request) bool {
	s := f.rt.signing
	if s == nil || s.jwksPath == "" {
		return false
	}
	if m := req.Method(); (m != "GET" && m != "HEAD") || request.PathOnly(req.Path()) != s.jwksPath {
		return false
	}
	f.state = stateResponded
	headers := [][2]string{{"content-type", "application/json"}, {"cache-control", "max-age=300"}}
	if err := sendLocalReply(200, headers, s.jwksDoc, "jwt_authn_jwks_endpoint"); err != nil {
		proxywasm.LogCritical("jwt_authn: x_jwks_endpoint: sending the document failed: " + err.Error())
	}
	return true
}
