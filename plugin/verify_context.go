package plugin

import (
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/authtrace"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/keys"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/metrics"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// This file is Envoy's verify_context: one request's verification — what it has parsed and
// counted, the key entries it waits for, and its outputs (headers to set or remove, metadata).

// verifyContext is one request's verification (Envoy's ContextImpl).
type verifyContext struct {
	rt     *filterConfig
	req    *request.Request
	now    time.Time
	nowSec int64
	out    *outputs // nil when only checking (x_require_valid_tokens): no side effects
	parsed []parsedToken
	// digests are the tokencache digests computed in this request (SHA-256 of the token:
	// about 50 µs in the wasm for a typical token, so once).
	digests []tokenDigest
	counts  [metrics.NumCounters]uint32
	// pending lists the remote key sets this run waits for (statusPending).
	pending []*keys.Entry
	// debug is what to log at debug level once the request is decided (the verification
	// itself makes no host calls). Never a token, a signature or a claim value.
	debug []string
	// warn is what to log at warning level once the request is decided.
	warn []string
	// trace records the decision (trace.go); nil when no one will read it.
	trace *authtrace.Trace
	// rerun: the request was paused for keys and is verified again.
	rerun bool
	// unverified: an extract_only_without_validation leaf saw a token that did not verify.
	unverified bool
	conn       *connInfo // the downstream connection, for x_mtls_bound (resource.go)
}

// logWarn queues a warning line.
func (c *verifyContext) logWarn(line string) { c.warn = append(c.warn, "jwt_authn: "+line) }

func (c *verifyContext) count(k metrics.Counter) { c.counts[k]++ }

// logDebug queues a debug line, once per request.
func (c *verifyContext) logDebug(line string) {
	line = "jwt_authn: " + line
	for _, l := range c.debug {
		if l == line {
			return
		}
	}
	c.debug = append(c.debug, line)
}

// wait records that the run needs keys e is fetching.
// Now is the time the request is verified at (keys.Request).
func (c *verifyContext) Now() time.Time { return c.now }

// Wait registers e as an entry this run waits for (keys.Request).
func (c *verifyContext) Wait(e *keys.Entry) {
	for _, p := range c.pending {
		if p == e {
			return
		}
	}
	c.pending = append(c.pending, e)
}

// sanitize is Envoy's Extractor::sanitizeHeaders, which every leaf runs before it extracts:
// the headers its providers set are removed, including values that an earlier leaf of this
// request added (so two providers writing one header do not both reach the upstream). Client
// copies are already gone (the filter strips them first), so until something was added this
// is a no-op and costs nothing.
func (c *verifyContext) sanitize(names []string) {
	if c.out == nil || c.out.adds == 0 {
		return
	}
	for _, n := range names {
		c.out.ops = append(c.out.ops, headerOp{kind: opRemove, name: n})
	}
}

type opKind uint8

const (
	opAdd         opKind = iota // append a header line (Envoy addCopy)
	opSet                       // replace every line of the header by this one
	opRemove                    // remove every line of the header
	opRemoveParam               // remove a query parameter (name) from :path
)

type headerOp struct {
	kind  opKind
	name  string
	value string
}

// outputs is what a request's verification adds to it, applied by the filter once the
// decision is made.
type outputs struct {
	ops  []headerOp
	adds int         // add/set ops so far: while 0, removing the filter's headers is a no-op
	meta []metaEntry // one entry per name, the latest write wins (Envoy's Struct fields)
	// verified is every token that verified (its JWT cache entry, or a fresh one), for
	// x_authorize (authorize.go); it starts in verifiedBuf so that the usual one or two tokens
	// cost no allocation.
	verified    []*cacheEntry
	verifiedBuf [2]*cacheEntry
	// proofs are the DPoP proofs verified, recorded in the replay cache once the request
	// passed (resource.go).
	proofs []seenProof
}

// emptied returns o without entries, keeping the capacity of its lists: a request's outputs
// live in its stream context, which later requests reuse (spareContexts), so their arrays
// are allocated once per context rather than once per request.
func (o *outputs) emptied() outputs {
	return outputs{ops: o.ops[:0], meta: o.meta[:0], proofs: o.proofs[:0]}
}

// addVerified records a verified token once, however many providers verified it.
func (o *outputs) addVerified(e *cacheEntry) {
	for _, v := range o.verified {
		if v == e || v.token == e.token {
			return
		}
	}
	if o.verified == nil {
		o.verified = o.verifiedBuf[:0]
	}
	o.verified = append(o.verified, e)
}

func (o *outputs) setMeta(key string, v []byte) {
	for i := range o.meta {
		if o.meta[i].key == key {
			o.meta[i].value = v
			return
		}
	}
	o.meta = append(o.meta, metaEntry{key: key, value: v})
}

type parsedToken struct {
	raw string
	tok *verifier.Token
	st  status.Status
}

func (c *verifyContext) setNow(now time.Time) { c.now, c.nowSec = now, now.Unix() }

// newVerifyContext starts the verification of one request.
func newVerifyContext(rt *filterConfig, req *request.Request, now time.Time, out *outputs) *verifyContext {
	return &verifyContext{rt: rt, req: req, now: now, nowSec: now.Unix(), out: out}
}
