package keys

import (
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/metrics"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// This file is Envoy's jwks_cache.cc and jwks_async_fetcher.cc for remote_jwks, in one VM:
// per distinct remote JWKS, the parsed keys and their expiry, the fetch in progress, the
// requests paused for it, and the background work proxy_on_tick does. Shared data
// (shared.go) makes the VMs of a plugin act as one cache; the HTTP part is in
// fetcher.go.
//
// Rules, each with its reason:
//
//   - The request path reads only this VM's parsed keys while they are fresh, and looks at
//     the tiny shared meta value at most once per sharedCheckInterval, when they are missing
//     or expired, and on an unknown kid; it copies a JWKS out of shared data only when the
//     generation there changed. Go in Wasm is slow: no per-request copies or parses.
//   - One fetch per JWKS at a time: in a VM, every request that needs the keys waits for the
//     same fetch (single flight); across VMs, a lease in shared data lets one VM fetch while
//     the others poll for its result on short ticks, and fetch themselves only if the lease
//     runs out without one (the lease holder died or its answer was lost).
//   - Keys are fresh for cache_duration after their fetch. Without async_fetch, the first
//     request after that waits for a refetch (Envoy's behaviour, so a key the IdP removed is
//     not honoured for longer than cache_duration while the IdP is up). With async_fetch the
//     refetch runs on a tick 5 s before expiry (Envoy's RefetchBeforeExpiredSec) and requests
//     never wait for it.
//   - A failed refetch keeps the last good keys (a warning is logged): an IdP outage must not
//     turn into an outage of every API behind the filter. While keys exist, requests are
//     served with them and the refetch is retried in the background. Without keys, requests
//     fail with "Jwks remote fetch is failed" and no new fetch starts for
//     failed_refetch_duration (default 1 s) after a failure, so a down IdP is not hit by
//     every request.
//   - An unknown kid triggers one refetch (the IdP may have rotated its keys), rate limited
//     by x_unknown_kid_refetch_interval (default 30 s) counted from the latest fetch of any
//     VM: a flood of random kids costs the IdP at most one fetch per interval. The request
//     waits; if the kid is still unknown it fails with Envoy's "Jwks doesn't have key to
//     match kid or alg from Jwt".
//   - No goroutines and no Go timers (a runtime timer makes Go's scheduler call poll_oneoff,
//     which crashes Envoy 1.33, testing/host/RATIONALE.md): everything runs in the host's
//     callbacks, timed by proxy_on_tick and the VM clock.

// Tick periods. fastTick polls for another VM's fetch and times retries; slowTick watches
// async refreshes and fetches in flight. The period is 0 whenever there is nothing to do.
const (
	fastTick = 20 * time.Millisecond
	slowTick = time.Second
	// sharedCheckInterval is how often, at most, a VM with fresh keys reads the shared meta
	// to pick up keys another VM fetched.
	sharedCheckInterval = time.Second
	// refetchBeforeExpiry is Envoy's RefetchBeforeExpiredSec for async_fetch.
	refetchBeforeExpiry = 5 * time.Second
	// MaxReruns bounds how often one request is verified again after waiting for keys.
	MaxReruns = 8
)

// Store is the remote key sets of one plugin context (Envoy root context) in one VM.
type Store struct {
	Root uint32           // the plugin context id: ticks run as it
	now  func() time.Time // the VM clock
	m    *metrics.Metrics
	byID map[string]*Entry
	list []*Entry // creation order, so that ticks are deterministic

	// running is the context whose callback is running: the SDK binds a callout dispatched now to
	// it. effective is the context host calls act on (proxy_set_effective_context), which differs
	// from running while paused requests are resumed from a callout answer or a tick.
	running, effective uint32
	tick               time.Duration // the tick period last set on the host
}

func NewStore(root uint32, now func() time.Time) *Store {
	return &Store{Root: root, now: now, byID: map[string]*Entry{}}
}

// Entry is one remote JWKS (one Remote id) in this VM; it is the Source of the
// providers configured with it.
type Entry struct {
	s    *Store
	spec *Remote
	id   string
	// owner is the entry's identity in shared-data leases. It is per entry, not per VM, so
	// that two entries of one VM for the same URI (providers with different cache settings)
	// also fetch one at a time, the second taking the first one's result.
	owner uint64

	set       *verifier.KeySet // the keys; nil until the first fetch (or shared copy)
	fetchedAt time.Time
	expiry    time.Time
	gen       uint64    // shared generation of keys; 0: none
	checkedAt time.Time // last read of the shared meta

	attemptAt time.Time  // latest fetch start by any VM
	failedAt  time.Time  // latest failed fetch by any VM
	lease     sharedMeta // the shared meta as last read (for its lease)

	fetch        *fetchAttempt // this VM's fetch; nil: none
	foreign      bool          // waiting for another VM's fetch
	foreignSince time.Time
	foreignGen   uint64

	waiters []Waiter // requests paused for this entry
	caches  []Cache  // JWT caches of its providers: flushed when a key disappears
	used    bool     // bound to the current configuration
}

// fetchAttempt is one fetch, retries included.
type fetchAttempt struct {
	started  time.Time
	tries    int    // tries that count against retry_policy
	seq      int    // dispatches, to recognise the answer of the current one
	inFlight bool   // a callout is out; else the next try is due at retryAt
	bound    uint32 // context the callout's answer is bound to
	answerBy time.Time
	retryAt  time.Time

	// With x_discovery a fetch has two steps, each with its own tries and timeout: 0 GETs
	// the discovery document (spec.uri), 1 the JWKS it names. Without, step 0 GETs the JWKS.
	step    int
	jwksURI string
	jwksReq [][2]string
}

// target is what the fetch's current step GETs: the cluster, the request and its URI.
func (e *Entry) target(a *fetchAttempt) (cluster string, req [][2]string, uri string) {
	if a.step == 1 {
		return e.spec.jwksCluster, a.jwksReq, a.jwksURI
	}
	return e.spec.Cluster, e.spec.Request, e.spec.uri
}

// describe names what a fetch reads, for its log lines.
func (e *Entry) describe(a *fetchAttempt) string {
	if !e.spec.discovery {
		return "the JWKS " + e.spec.uri + " through cluster " + strconv.Quote(e.spec.Cluster)
	}
	d := "the keys of issuer " + e.spec.issuer + " (discovery document " + e.spec.uri + " through cluster " + strconv.Quote(e.spec.Cluster)
	if a != nil && a.step == 1 {
		d += ", then its jwks_uri " + a.jwksURI + " through cluster " + strconv.Quote(e.spec.jwksCluster)
	}
	return d + ")"
}

// Binding is a remote provider of a newly compiled configuration, for Bind.
type Binding struct {
	Spec  *Remote
	Cache Cache   // the provider's JWT cache; nil without one
	Keys  *Source // the provider's key source: Bind sets it to the provider's Entry
}

// Cache is a provider's JWT cache, as an Entry sees it: flushed when a key disappears.
type Cache interface{ Clear() }

// Waiter is a request paused for keys (the HTTP context): the context its host calls act on,
// how to resume it, and the entries it waits for.
type Waiter interface {
	ContextID() uint32
	Resume()
	Waiting() *Waiting
}

// Waiting is the entries a Waiter waits for; the Waiter holds it, the Store fills it.
type Waiting struct{ on []*Entry }

// Bind gives the remote providers of a newly compiled configuration their entries, reusing
// the entries (and keys) of the previous configuration where the settings are equal, and
// creates the shared meta values before traffic arrives (see shared.go: creating a
// missing key cannot be compare-and-swapped).
func (s *Store) Bind(m *metrics.Metrics, remotes []Binding) {
	s.m = m
	for _, e := range s.list {
		e.used, e.caches = false, nil
	}
	for _, r := range remotes {
		spec := r.Spec
		id := spec.id()
		e := s.byID[id]
		if e == nil {
			e = &Entry{s: s, spec: spec, id: id, owner: rand.Uint64() | 1}
			s.byID[id] = e
			s.list = append(s.list, e)
			ensureMeta(spec.metaKey)
		}
		e.used = true
		if r.Cache != nil {
			e.caches = append(e.caches, r.Cache)
		}
		*r.Keys = e
	}
	s.prune()
	s.schedule()
}

// Enter records the context of the callback that starts.
func (s *Store) Enter(ctx uint32) { s.running, s.effective = ctx, ctx }

// actOn makes host calls act on ctx.
func (s *Store) actOn(ctx uint32) {
	if s.effective != ctx {
		_ = proxywasm.SetEffectiveContext(ctx)
		s.effective = ctx
	}
}

func (s *Store) count(k metrics.Counter) {
	if s.m != nil {
		s.m.Ids[k].Increment(1)
	}
}

// Keys is the request path (Source).
func (e *Entry) Keys(c Request) (*verifier.KeySet, status.Status) {
	now := c.Now()
	if e.set != nil && now.Before(e.expiry) && now.Sub(e.checkedAt) < sharedCheckInterval {
		return e.set, status.OK
	}
	e.sync(now)
	if e.set != nil && now.Before(e.expiry) {
		return e.set, status.OK
	}
	// No keys, or expired ones.
	stale := e.set != nil && (e.spec.asyncFetch || !e.failedAt.Before(e.expiry))
	if !e.busy() && !e.backingOff(now) {
		// A refresh nobody waits for is dispatched from the next tick, as the plugin
		// context: bound to this request, its answer would be lost when the request ends.
		e.start(now, stale)
	}
	switch {
	case e.set != nil && (stale || !e.busy()):
		return e.set, status.OK
	case e.busy():
		c.Wait(e)
		return nil, status.Pending
	}
	return nil, status.JwksFetchFail
}

// UnknownKey is the request path when no key matches the token's kid and alg (Source).
func (e *Entry) UnknownKey(c Request) (*verifier.KeySet, status.Status) {
	now := c.Now()
	gen := e.gen
	e.sync(now)
	switch {
	case e.gen != gen && e.set != nil:
		return e.set, status.OK // another VM fetched newer keys
	case !e.busy() && e.lease.leasedBy(e.owner, now):
		e.waitForeign(now)
	case !e.busy() && e.spec.KidRefetch > 0 && !now.Before(e.attemptAt.Add(e.spec.KidRefetch)):
		e.start(now, false)
	}
	if e.busy() {
		c.Wait(e) // the fetch running may bring the kid
		return nil, status.Pending
	}
	return nil, status.JwksKidAlgMismatch
}

func (e *Entry) busy() bool { return e.fetch != nil || e.foreign }

// Generation identifies the keys the entry serves now, the same in every VM that took them
// from shared data; 0 when it has none (or took them without shared data).
func (e *Entry) Generation() uint64 {
	if e.set == nil {
		return 0
	}
	return e.gen
}

// backingOff reports whether the latest fetch failed less than failed_refetch_duration ago.
func (e *Entry) backingOff(now time.Time) bool {
	return e.failedAt.After(e.fetchedAt) && now.Before(e.failedAt.Add(e.spec.FailedRefetch))
}

// refreshAt is when async_fetch refetches.
func (e *Entry) refreshAt() time.Time {
	d := e.spec.CacheDuration
	if d > refetchBeforeExpiry {
		d -= refetchBeforeExpiry
	}
	return e.fetchedAt.Add(d)
}

// sync reads the shared meta and takes newer keys another VM published.
func (e *Entry) sync(now time.Time) {
	e.checkedAt = now
	m, _, ok := readMeta(e.spec.metaKey)
	if !ok {
		return
	}
	e.mergeShared(m)
	if m.gen == 0 || m.gen == e.gen {
		return
	}
	fetchedAt, body, ok := readSharedKeys(e.spec.keysKey)
	if !ok {
		return
	}
	if !fetchedAt.After(e.fetchedAt) {
		e.gen = m.gen // ours are as fresh; stop reading the shared copy
		return
	}
	ks, err := parseFetchedJwks(body)
	if err != nil {
		return
	}
	e.install(ks, fetchedAt, m.gen)
}

// mergeShared merges the shared meta value m (as read from shared data) into the entry: it
// takes the lease as the VMs agreed it and the latest fetch attempt and failure of any VM.
func (e *Entry) mergeShared(m sharedMeta) {
	e.lease = m
	if m.attemptAt.After(e.attemptAt) {
		e.attemptAt = m.attemptAt
	}
	if m.failedAt.After(e.failedAt) {
		e.failedAt = m.failedAt
	}
}

// install makes ks the current keys. When a key of the previous set is gone, the JWT caches
// of the providers are flushed: tokens it verified must not stay valid through the cache.
func (e *Entry) install(ks *verifier.KeySet, fetchedAt time.Time, gen uint64) {
	if e.set != nil && dropsKey(e.set, ks) {
		for _, c := range e.caches {
			c.Clear()
		}
	}
	e.set, e.fetchedAt, e.expiry, e.gen = ks, fetchedAt, fetchedAt.Add(e.spec.CacheDuration), gen
}

// dropsKey reports whether a key of old (same kid, alg and key material) is not in new.
func dropsKey(old, new *verifier.KeySet) bool {
	for _, o := range old.Keys {
		found := false
		for _, n := range new.Keys {
			if n.ID == o.ID && n.Alg == o.Alg && n.Thumbprint == o.Thumbprint {
				found = true
				break
			}
		}
		if !found {
			return true
		}
	}
	return false
}

// start begins a fetch: this VM's own when it gets the lease, else a wait for the VM that
// holds it. When the shared data cannot be used (or is contended beyond reason), the VM
// fetches for itself. deferDispatch leaves the first dispatch to the next tick.
func (e *Entry) start(now time.Time, deferDispatch bool) {
	m, got := updateMeta(e.spec.metaKey, func(m *sharedMeta) bool {
		if m.leasedBy(e.owner, now) {
			return false
		}
		m.leaseOwner, m.leaseUntil, m.attemptAt = e.owner, now.Add(e.spec.TryTimeout(now, now)+fetchGrace), now
		return true
	})
	e.mergeShared(m)
	if !got && m.leasedBy(e.owner, now) {
		e.waitForeign(now)
		return
	}
	e.attemptAt = now
	e.fetch = &fetchAttempt{started: now}
	if deferDispatch {
		e.fetch.retryAt = now
		e.s.schedule()
		return
	}
	e.dispatch(now)
}

func (e *Entry) waitForeign(now time.Time) {
	e.foreign, e.foreignSince, e.foreignGen = true, now, e.gen
	e.s.schedule()
}

// dispatch sends the next try of the fetch. A dispatch the host refuses (an unknown
// cluster) fails the fetch at once.
func (e *Entry) dispatch(now time.Time) {
	a, s := e.fetch, e.s
	a.tries++
	a.seq++
	seq := a.seq
	timeout := e.spec.TryTimeout(a.started, now)
	if a.seq > 1 { // the first try is covered by the lease start took
		e.holdLease(now.Add(timeout + fetchGrace))
	}
	prev := s.effective
	s.actOn(s.running)
	cluster, req, _ := e.target(a)
	_, err := dispatchGet(cluster, req, timeout, func(numHeaders, bodySize int) { s.answered(e, a, seq, numHeaders, bodySize) })
	s.actOn(prev)
	if err != nil {
		e.finish(now, nil, nil, &fetchError{msg: "proxy_http_call to cluster " + strconv.Quote(cluster) +
			" was refused (" + err.Error() + "); is the cluster defined in Envoy?"})
		return
	}
	a.inFlight, a.bound, a.answerBy = true, s.running, now.Add(timeout+fetchGrace)
	s.schedule()
}

// answered is proxy_on_http_call_response for a JWKS callout.
func (s *Store) answered(e *Entry, a *fetchAttempt, seq, numHeaders, bodySize int) {
	s.Enter(a.bound)
	defer func() {
		if r := recover(); r != nil {
			proxywasm.LogCritical("jwt_authn: internal error while handling a JWKS answer")
		}
	}()
	if e.fetch != a || a.seq != seq || !a.inFlight {
		return // the answer to a try given up on
	}
	a.inFlight = false
	now := s.now()
	if e.spec.discovery && a.step == 0 {
		doc, ferr := readDiscoveryAnswer(numHeaders, bodySize, e.spec.MaxBytes, e.spec.issuer)
		if ferr != nil {
			e.failedTry(now, ferr)
			return
		}
		// The document names the JWKS: fetch it now, with retry_policy and http_uri.timeout
		// applying to this GET afresh.
		a.step, a.jwksURI, a.jwksReq = 1, doc.JWKSURI, jwksRequest(doc.JWKSURI)
		a.tries, a.started = 0, now
		e.dispatch(now)
		return
	}
	ks, body, ferr := readJwksAnswer(numHeaders, bodySize, e.spec.MaxBytes)
	if ferr != nil {
		e.failedTry(now, ferr)
		return
	}
	e.finish(now, ks, body, nil)
}

// failedTry retries a retryable failure when retry_policy allows, else ends the fetch.
func (e *Entry) failedTry(now time.Time, ferr *fetchError) {
	a := e.fetch
	if ferr.retryable {
		if d, ok := e.spec.mayRetry(a.tries, a.started, now); ok {
			a.retryAt = now.Add(d)
			e.holdLease(a.retryAt.Add(e.spec.TryTimeout(a.started, a.retryAt) + fetchGrace))
			_, _, uri := e.target(a)
			proxywasm.LogDebug("jwt_authn: fetching " + uri + " failed (" + ferr.msg + "); retrying")
			e.s.schedule()
			return
		}
	}
	e.finish(now, nil, nil, ferr)
}

// finish ends the fetch: publishes its result to the other VMs, counts it, and resumes the
// requests that waited for it.
func (e *Entry) finish(now time.Time, ks *verifier.KeySet, body []byte, ferr *fetchError) {
	a := e.fetch
	e.fetch = nil
	owner := e.owner
	if ferr == nil {
		gen := rand.Uint64() | 1
		writeSharedKeys(e.spec.keysKey, now, body)
		m, _ := updateMeta(e.spec.metaKey, func(m *sharedMeta) bool {
			m.gen, m.failedAt = gen, time.Time{}
			if m.leaseOwner == owner {
				m.leaseOwner, m.leaseUntil = 0, time.Time{}
			}
			return true
		})
		e.mergeShared(m)
		e.install(ks, now, gen)
		e.s.count(metrics.JwksFetchSuccess)
	} else {
		e.failedAt = now
		m, _ := updateMeta(e.spec.metaKey, func(m *sharedMeta) bool {
			if m.failedAt.Before(now) {
				m.failedAt = now
			}
			if m.leaseOwner == owner {
				m.leaseOwner, m.leaseUntil = 0, time.Time{}
			}
			return true
		})
		e.mergeShared(m)
		e.s.count(metrics.JwksFetchFailed)
		msg := "jwt_authn: fetching " + e.describe(a) + " failed: " + ferr.msg
		if e.set != nil {
			msg += "; keeping the keys fetched " + now.Sub(e.fetchedAt).Round(time.Second).String() + " ago"
		} else {
			msg += "; tokens of its providers fail with \"Jwks remote fetch is failed\" until a fetch succeeds"
		}
		proxywasm.LogWarn(msg)
	}
	e.s.release(e)
	e.s.schedule()
}

// holdLease extends this VM's lease (while it retries).
func (e *Entry) holdLease(until time.Time) {
	owner := e.owner
	m, _ := updateMeta(e.spec.metaKey, func(m *sharedMeta) bool {
		if m.leaseOwner != owner && m.leaseOwner != 0 {
			return false
		}
		m.leaseOwner, m.leaseUntil = owner, until
		return true
	})
	e.mergeShared(m)
}

// AddWaiter registers f as paused until this entry has an answer (release resumes it).
func (e *Entry) AddWaiter(f Waiter) {
	for _, w := range e.waiters {
		if w == f {
			return
		}
	}
	e.waiters = append(e.waiters, f)
	f.Waiting().on = append(f.Waiting().on, e)
}

// release resumes the requests that wait for nothing but this entry.
func (s *Store) release(e *Entry) {
	ws := e.waiters
	e.waiters = nil
	var ready []Waiter
	for _, w := range ws {
		w.Waiting().on = removeEntry(w.Waiting().on, e)
		if len(w.Waiting().on) == 0 {
			ready = append(ready, w)
		}
	}
	prev := s.effective
	for _, w := range ready {
		s.actOn(w.ContextID())
		w.Resume()
	}
	s.actOn(prev)
}

func removeEntry(list []*Entry, e *Entry) []*Entry {
	for i, x := range list {
		if x == e {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}

// Forget is OnHttpStreamDone: the request no longer waits, and a callout bound to it will
// never be answered (the SDK drops answers for deleted contexts), so the fetch is
// dispatched again on the next tick, as the plugin context.
func (s *Store) Forget(f Waiter) {
	s.Enter(f.ContextID())
	for _, e := range f.Waiting().on {
		for i, w := range e.waiters {
			if w == f {
				e.waiters = append(e.waiters[:i], e.waiters[i+1:]...)
				break
			}
		}
	}
	f.Waiting().on = nil
	changed := false
	for _, e := range s.list {
		if a := e.fetch; a != nil && a.inFlight && a.bound == f.ContextID() {
			a.inFlight, a.retryAt = false, s.now()
			a.tries-- // a lost try does not count against retry_policy
			changed = true
		}
	}
	if changed {
		s.schedule()
	}
}

// OnTick is proxy_on_tick: retries and re-dispatches fall due, lost answers time out, waits
// for other VMs end, async refreshes start.
func (s *Store) OnTick() {
	s.Enter(s.Root)
	defer func() {
		if r := recover(); r != nil {
			proxywasm.LogCritical("jwt_authn: internal error in a JWKS tick")
		}
	}()
	now := s.now()
	for _, e := range append([]*Entry(nil), s.list...) {
		e.onTick(now)
	}
	s.prune()
	s.schedule()
}

func (e *Entry) onTick(now time.Time) {
	if a := e.fetch; a != nil {
		switch {
		case !a.inFlight && !now.Before(a.retryAt):
			e.dispatch(now)
		case a.inFlight && now.After(a.answerBy):
			a.inFlight = false
			e.failedTry(now, &fetchError{msg: "no answer within the timeout", retryable: true})
		}
		return
	}
	if e.foreign {
		e.sync(now)
		switch {
		case e.gen != e.foreignGen:
			e.foreign = false
			e.s.release(e)
		case e.lease.leasedBy(e.owner, now):
			// still fetching
		case !e.failedAt.Before(e.foreignSince):
			e.foreign = false // that fetch failed
			e.s.release(e)
		default:
			// The lease ran out without a result: fetch here.
			e.foreign = false
			e.start(now, false)
		}
		return
	}
	if e.spec.asyncFetch && e.used {
		if now.Sub(e.checkedAt) >= sharedCheckInterval {
			e.sync(now)
		}
		if (e.set == nil || !now.Before(e.refreshAt())) && !e.backingOff(now) {
			e.start(now, false)
		}
	}
}

// prune drops the entries of replaced configurations once nothing depends on them.
func (s *Store) prune() {
	kept := s.list[:0]
	for _, e := range s.list {
		if !e.used && !e.busy() && len(e.waiters) == 0 {
			delete(s.byID, e.id)
			continue
		}
		kept = append(kept, e)
	}
	clear(s.list[len(kept):])
	s.list = kept
}

// schedule sets the tick period the entries need, the shortest of them; 0 when none needs one.
func (s *Store) schedule() {
	now := s.now()
	want := time.Duration(0)
	for _, e := range s.list {
		if d := e.tickNeed(now); d > 0 && (want == 0 || d < want) {
			want = d
		}
	}
	if want != s.tick {
		_ = proxywasm.SetTickPeriodMilliSeconds(uint32(want / time.Millisecond))
		s.tick = want
	}
}

// tickNeed is the tick period the entry needs: fast while it waits for another VM, for a
// retry due soon, or for the first async fetch; slow while a fetch is out (to give up on a
// lost answer) or async_fetch has to refresh; none otherwise.
func (e *Entry) tickNeed(now time.Time) time.Duration {
	a := e.fetch
	switch {
	case e.foreign:
		return fastTick
	case a != nil && !a.inFlight:
		if a.retryAt.Sub(now) <= slowTick {
			return fastTick
		}
		return slowTick
	case a != nil:
		return slowTick
	case e.spec.asyncFetch && e.used:
		if e.set == nil && !e.backingOff(now) {
			return fastTick // Envoy fetches at once when the configuration loads
		}
		return slowTick
	}
	return 0
}
