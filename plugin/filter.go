package plugin

import (
	"strings"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/authtrace"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/keys"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/metrics"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
)

// httpContext is one request through the filter (Envoy's filter.cc), top-down:
//
//  1. read the request headers once;
//  2. remove client copies of every header the filter may set (always, whatever the route:
//     no forged claim reaches the upstream, even when the token is missing and allowed);
//  3. bypass_cors_preflight: an OPTIONS request with Origin and Access-Control-Request-Method
//     passes;
//  4. the first matching rule decides; no rule, or a rule without requirement, passes;
//  5. verify the requirement (and, with x_require_valid_tokens, every token present);
//     when it passed and the rule has x_authorize, check the verified tokens' claims;
//  6. pass: apply the verified tokens' headers and metadata; fail: reply 401/403 as Envoy
//     (403 insufficient_scope for x_authorize), or under x_report_only pass with the
//     verdict in a header.
//
// With local keys every step is synchronous. When step 5 needs remote keys that are being
// fetched, the request pauses in stateCalling (Envoy's Calling) and waits in the JWKS cache;
// once every fetch it waits for is over, step 5 runs again from the start with the keys now
// known (or the fetch failure), from the callout's answer or a tick, and the request is
// resumed or answered. The outputs and counters of a run that had to wait are dropped.
type httpContext struct {
	types.DefaultHttpContext
	id    uint32
	rt    *filterConfig
	m     *metrics.Metrics
	jwks  *keys.Store
	now   func() time.Time
	state filterState
	spare *spareContexts // where the context goes when its stream is done

	// Kept while the request waits for keys. req points to reqBuf, reused with the context.
	req     *request.Request
	reqBuf  request.Request
	rule    *rule
	waiting keys.Waiting // the key entries this request is paused for
	runs    int

	sign *signResponse // x_sign: the response to sign (sign_response.go); nil on other routes
	conn connInfo      // read when a provider has x_mtls_bound (resource.go)

	// The latest run's verification and outputs, held by value: no allocation per request.
	vc  verifyContext
	out outputs
	// The decision trace (trace.go): debug is x_debug_header's secret on this request;
	// traceLine is the trace of its refusal, for the local reply.
	debug     bool
	trace     *authtrace.Trace
	traceLine string
}

type filterState uint8

const (
	stateInit      filterState = iota
	stateCalling               // verification in progress (possibly waiting for keys)
	stateResponded             // a local reply was sent
	stateComplete              // the request continues upstream
)

func (f *httpContext) OnHttpRequestHeaders(int, bool) (action types.Action) {
	var counts [metrics.NumCounters]uint32
	defer func() {
		// A panic (a refused host call inside the SDK) must not let the request through
		// unverified nor kill the VM: answer 500.
		if r := recover(); r != nil {
			proxywasm.LogCritical("jwt_authn: internal error while handling a request")
			action = f.fail(status.Internal, f.req, &counts)
		}
		if f.m != nil {
			f.m.Add(&counts)
		}
	}()
	if f.rt == nil {
		// The plugin has no valid configuration: refuse rather than pass unverified.
		return f.fail(status.Internal, nil, &counts)
	}
	if f.jwks != nil {
		f.jwks.Enter(f.id)
	}
	f.state = stateCalling
	hs, err := proxywasm.GetHttpRequestHeaders()
	if err != nil {
		return f.fail(status.Internal, nil, &counts)
	}
	f.reqBuf.Reset(hs)
	req := &f.reqBuf
	f.req = req
	// Read before sanitize removes the header: it never reaches the upstream.
	f.debug = f.rt.debug != nil && f.rt.debug.requested(req)
	if err := f.sanitize(req); err != nil {
		return f.fail(status.Internal, req, &counts)
	}
	if f.serveJWKS(req) { // x_jwks_endpoint: public, answered before any rule
		return types.ActionPause
	}

	if f.rt.res.protected != nil && f.serveMetadata(req) {
		return types.ActionPause
	}
	if f.rt.res.needPeerCert {
		f.conn = readConnInfo()
	}

	if f.rt.bypassCorsPreflight && isCorsPreflight(req) {
		counts[metrics.CorsPreflightBypassed]++
		return f.pass(&counts)
	}
	ru := f.rt.findRule(req)
	if err := f.startSign(ru, req); err != nil {
		return f.fail(status.Internal, req, &counts)
	}
	if ru == nil || ru.req == nil {
		return f.pass(&counts)
	}
	f.rule = ru
	return f.decide(&counts)
}

// decide verifies the request against its rule and acts on the result: pass, reply, or
// pause until the keys it waits for are fetched.
func (f *httpContext) decide(counts *[metrics.NumCounters]uint32) types.Action {
	req := f.req
	f.runs++
	f.out = f.out.emptied()
	out := &f.out
	f.vc = verifyContext{rt: f.rt, req: req, out: out}
	vc := &f.vc
	vc.setNow(f.now())
	vc.conn = &f.conn
	vc.rerun = f.runs > 1
	traceLog := debugLogEnabled()
	if f.debug || traceLog {
		if f.trace == nil {
			f.trace = &authtrace.Trace{}
		}
		f.trace.Reset()
		f.trace.Rule(f.rule.index)
		vc.trace = f.trace
	}
	st := f.rule.req.verify(vc)
	if st == status.OK && f.rt.validTokens != nil {
		check := newVerifyContext(f.rt, req, vc.now, nil)
		check.conn = &f.conn
		check.parsed, check.trace, check.rerun = vc.parsed, vc.trace, vc.rerun
		st = f.rt.validTokens.verify(check)
		addCounts(&vc.counts, &check.counts)
		vc.pending = append(vc.pending, check.pending...)
		vc.debug = append(vc.debug, check.debug...)
		vc.warn = append(vc.warn, check.warn...)
	}
	if st == status.Pending {
		if f.runs > keys.MaxReruns || len(vc.pending) == 0 {
			proxywasm.LogWarn("jwt_authn: a request kept waiting for remote keys; answering it as a failed fetch")
			return f.fail(status.JwksFetchFail, req, counts)
		}
		for _, e := range vc.pending {
			e.AddWaiter(f)
		}
		return types.ActionPause
	}
	for _, line := range vc.debug {
		proxywasm.LogDebug(line)
	}
	for _, line := range vc.warn {
		proxywasm.LogWarn(line)
	}
	addCounts(counts, &vc.counts)
	if st == status.OK && f.rule.res.stepUp != nil && !stepUpMet(f.rule.res.stepUp, out.verified, vc.now) {
		st = status.StepUpRequired
		counts[metrics.AuthzDenied]++
	}
	if st == status.OK && f.rule.authz != nil && !f.rule.authz.allows(out.verified) {
		st = status.AuthzDenied
		counts[metrics.AuthzDenied]++
	}
	if st == status.OK && len(out.proofs) > 0 {
		st = recordProofs(out.proofs, vc.now)
	}
	if vc.trace != nil {
		r := status.ReplyOf(st)
		vc.trace.Verdict(int(r.Code), r.Text)
		line := vc.trace.String()
		if traceLog {
			proxywasm.LogDebug("jwt_authn trace: " + line)
		}
		if f.debug {
			f.traceLine = line
		}
	}

	if err := setMetadata(out.meta); err != nil {
		return f.fail(status.Internal, req, counts)
	}
	if st != status.OK && f.rt.reportOnlyHeader == "" {
		return f.fail(st, req, counts)
	}
	if f.rt.reportOnlyHeader != "" {
		out.ops = append(out.ops, headerOp{kind: opSet, name: f.rt.reportOnlyHeader, value: st.String()})
		if st != status.OK {
			counts[metrics.ReportOnlyDenied]++
		}
	}
	if st == status.OK && f.rule.backend != nil && len(out.verified) > 0 {
		op, ok := f.backendToken(out.verified[0], vc.now)
		if !ok {
			counts[metrics.SignFailed]++
			return f.fail(status.Internal, req, counts)
		}
		out.ops = append(out.ops, op)
		counts[metrics.BackendTokenIssued]++
	}
	if err := applyHeaderOps(req, out.ops); err != nil {
		return f.fail(status.Internal, req, counts)
	}
	return f.pass(counts)
}

// ContextID and Waiting (with Resume) make the request a Waiter for remote keys.
func (f *httpContext) ContextID() uint32      { return f.id }
func (f *httpContext) Waiting() *keys.Waiting { return &f.waiting }

// Resume verifies a paused request again once the keys it waited for are fetched (the JWKS
// cache calls it with host calls acting on this request) and lets it continue, or answers it.
func (f *httpContext) Resume() {
	var counts [metrics.NumCounters]uint32
	defer func() {
		if r := recover(); r != nil {
			proxywasm.LogCritical("jwt_authn: internal error while resuming a request")
			f.fail(status.Internal, f.req, &counts)
		}
		if f.m != nil {
			f.m.Add(&counts)
		}
	}()
	if f.state != stateCalling {
		return
	}
	if f.decide(&counts) == types.ActionContinue {
		if err := proxywasm.ResumeHttpRequest(); err != nil {
			proxywasm.LogCritical("jwt_authn: resuming a request failed: " + err.Error())
		}
	}
}

// OnHttpStreamDone ends the request's wait for keys, if any, and gives the context back for
// a later request (spareContexts). A request that never ran a verification (no rule, CORS
// bypass) can neither wait nor have a fetch bound to it.
func (f *httpContext) OnHttpStreamDone() {
	if f.jwks != nil && f.runs > 0 {
		f.jwks.Forget(f)
	}
	if f.spare != nil {
		f.spare.put(f)
	}
}

// OnHttpRequestBody and OnHttpRequestTrailers hold the request while verification is in
// progress (while keys are fetched), as Envoy's decodeData/decodeTrailers do.
func (f *httpContext) OnHttpRequestBody(int, bool) types.Action {
	if f.state == stateCalling {
		return types.ActionPause
	}
	return types.ActionContinue
}

func (f *httpContext) OnHttpRequestTrailers(int) types.Action {
	if f.state == stateCalling {
		return types.ActionPause
	}
	return types.ActionContinue
}

func (f *httpContext) pass(counts *[metrics.NumCounters]uint32) types.Action {
	counts[metrics.Allowed]++
	f.state = stateComplete
	return types.ActionContinue
}

func (f *httpContext) fail(st status.Status, req *request.Request, counts *[metrics.NumCounters]uint32) types.Action {
	if f.state == stateResponded {
		return types.ActionPause
	}
	counts[metrics.Denied]++
	f.state = stateResponded
	if req == nil {
		req = request.NewRequest(nil)
	}
	rt := f.rt
	if rt == nil {
		rt = &filterConfig{}
	}
	scope := ""
	if st == status.AuthzDenied && f.rule != nil && f.rule.authz != nil {
		scope = f.rule.authz.scope
	}
	d := buildDeny(rt, st, req, scope)
	d.headers = f.resourceChallenges(d.headers, st, req, scope)
	if f.traceLine != "" {
		d.headers = append(d.headers, [2]string{traceHeader, f.traceLine})
	}
	if err := sendLocalReply(d.code, d.headers, d.body, d.details); err != nil {
		proxywasm.LogCritical("jwt_authn: sending the local reply failed: " + err.Error())
	}
	return types.ActionPause
}

// sanitize removes every client-sent line of the headers the filter may set: one pass over
// the request's headers, and a host call only for those actually present.
func (f *httpContext) sanitize(req *request.Request) error {
	if len(f.rt.sanitizeSet) == 0 {
		return nil
	}
	var found []string
	for _, h := range req.Headers {
		if f.rt.sanitizeSet[h[0]] && !contains(found, h[0]) {
			found = append(found, h[0])
		}
	}
	for _, name := range found {
		if err := removeAll(req, name); err != nil {
			return err
		}
	}
	return nil
}

// removeAll removes every line of name. Envoy's proxy_remove_header_map_value removes all
// lines at once; the SDK's emulator removes one per call, so one call per line is made
// (later calls are no-ops on Envoy).
func removeAll(req *request.Request, name string) error {
	n := req.Count(name)
	for i := 0; i < n; i++ {
		if err := proxywasm.RemoveHttpRequestHeader(name); err != nil {
			return err
		}
	}
	if n > 0 {
		req.Drop(name)
	}
	return nil
}

func isCorsPreflight(req *request.Request) bool {
	if req.Method() != "OPTIONS" {
		return false
	}
	origin, _ := req.Header("origin")
	acrm, _ := req.Header("access-control-request-method")
	return origin != "" && acrm != ""
}

// applyHeaderOps applies the header changes of a request's verification. The ops of each
// header are folded first (an add appends, a set replaces, a remove clears), so that each
// header costs at most one removal per existing line plus one call per final value.
func applyHeaderOps(req *request.Request, ops []headerOp) error {
	if len(ops) == 0 {
		return nil
	}
	type headerState struct {
		name  string
		keep  bool // the request's current lines stay
		added []string
	}
	var buf [8]headerState // the usual handful of headers, without a heap allocation
	states := buf[:0]
	path, pathChanged := req.Path(), false
	find := func(name string) *headerState {
		for i := range states {
			if states[i].name == name {
				return &states[i]
			}
		}
		states = append(states, headerState{name: name, keep: true})
		return &states[len(states)-1]
	}
	for _, op := range ops {
		if op.kind == opRemoveParam {
			if p, ok := removeQueryParam(path, op.name); ok {
				path, pathChanged = p, true
			}
			continue
		}
		s := find(op.name)
		switch op.kind {
		case opAdd:
			s.added = append(s.added, op.value)
		case opSet:
			s.keep, s.added = false, append(s.added[:0], op.value)
		case opRemove:
			s.keep, s.added = false, s.added[:0]
		}
	}
	if pathChanged {
		if err := proxywasm.ReplaceHttpRequestHeader(":path", path); err != nil {
			return err
		}
	}
	for i := range states {
		s := &states[i]
		if !s.keep {
			if err := removeAll(req, s.name); err != nil {
				return err
			}
		}
		for _, v := range s.added {
			if err := proxywasm.AddHttpRequestHeader(s.name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// setMetadata writes payload/header/failed-status metadata as properties (metadata.go).
func setMetadata(meta []metaEntry) error {
	for _, m := range meta {
		if err := proxywasm.SetProperty([]string{metadataPropertyPrefix + m.key}, m.value); err != nil {
			return err
		}
	}
	return nil
}

func addCounts(dst, src *[metrics.NumCounters]uint32) {
	for i := range src {
		dst[i] += src[i]
	}
}

// removeQueryParam removes every occurrence of the query parameter name (compared
// percent-decoded, as it was extracted) from path. The other parameters keep their order and
// encoding; Envoy rebuilds the query string sorted and decoded, which can change what the
// upstream sees, so this filter does not copy that.
func removeQueryParam(path, name string) (string, bool) {
	q := strings.IndexByte(path, '?')
	if q < 0 {
		return path, false
	}
	var kept []string
	removed := false
	for _, part := range strings.Split(path[q+1:], "&") {
		n, _, _ := strings.Cut(part, "=")
		if request.PercentDecode(n) == name {
			removed = true
			continue
		}
		kept = append(kept, part)
	}
	if !removed {
		return path, false
	}
	if len(kept) == 0 {
		return path[:q], true
	}
	return path[:q+1] + strings.Join(kept, "&"), true
}
