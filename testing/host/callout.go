package host

import (
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Callout is an HTTP call the module dispatched with proxy_http_call.
type Callout struct {
	ID       uint32
	VM       int
	Cluster  string
	Headers  [][2]string
	Body     []byte
	Trailers [][2]string
	// Timeout is zero when the module passed 0: Envoy then sets no timeout.
	Timeout time.Duration
	Sent    time.Time
}

// CalloutResponse answers a callout. Headers include ":status".
type CalloutResponse struct {
	Headers  [][2]string
	Body     []byte
	Trailers [][2]string
}

type pendingCallout struct {
	Callout
	root     uint32
	deadline time.Time // zero: no timeout
}

type calloutStore struct {
	mu      sync.Mutex
	next    uint32
	pending map[uint32]*pendingCallout
	notify  []Callout // dispatched, not yet handed to Options.OnCallout
}

func newCalloutStore() *calloutStore {
	return &calloutStore{pending: map[uint32]*pendingCallout{}}
}

// add registers a callout. Tokens are unique across the host's VMs so that a test can name a
// callout by its ID alone; Envoy numbers them per root context, which no module can observe.
func (s *calloutStore) add(p *pendingCallout) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		s.next++
		if s.next != 0 && s.pending[s.next] == nil {
			break
		}
	}
	p.ID = s.next
	s.pending[p.ID] = p
	s.notify = append(s.notify, p.Callout)
	return p.ID
}

func (s *calloutStore) take(id uint32) (*pendingCallout, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pending[id]
	if ok {
		delete(s.pending, id)
	}
	return p, ok
}

func (s *calloutStore) takeNotify() []Callout {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.notify
	s.notify = nil
	return n
}

// Callouts lists the pending callouts in dispatch order.
func (h *Host) Callouts() []Callout {
	h.callouts.mu.Lock()
	defer h.callouts.mu.Unlock()
	out := make([]Callout, 0, len(h.callouts.pending))
	for _, p := range h.callouts.pending {
		out = append(out, p.Callout)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Respond delivers an answer to a pending callout through proxy_on_http_call_response on the
// root context that dispatched it (Envoy Context::onHttpCallSuccess).
func (h *Host) Respond(id uint32, r CalloutResponse) error {
	return h.answer(id, &r)
}

// Fail delivers a failed callout the way Envoy reports a reset: no headers, no body, no
// trailers, and proxy_get_status answers BrokenConnection "reset"
// (Envoy Context::onHttpCallFailure).
func (h *Host) Fail(id uint32) error { return h.answer(id, nil) }

func (h *Host) answer(id uint32, r *CalloutResponse) error {
	p, ok := h.callouts.take(id)
	if !ok {
		return fmt.Errorf("host: no pending callout %d", id)
	}
	v := h.vms[p.VM]
	v.mu.Lock()
	v.deliverCallout(p, r)
	v.mu.Unlock()
	h.drain()
	return nil
}

// timeoutResponse is what Envoy's async client delivers when a callout's timeout expires: the
// router's local reply 504 "upstream request timeout", as a successful response
// (router Filter::onUpstreamTimeout via Http::Utility::sendLocalReply).
func timeoutResponse() *CalloutResponse {
	body := []byte("upstream request timeout")
	return &CalloutResponse{
		Headers: [][2]string{{":status", "504"}, {"content-length", strconv.Itoa(len(body))}, {"content-type", "text/plain"}},
		Body:    body,
	}
}

func (v *vm) deliverCallout(p *pendingCallout, r *CalloutResponse) {
	if v.failed != nil {
		return
	}
	root, ok := v.contexts[p.root]
	if !ok {
		return
	}
	var nh, nb, nt int
	if r != nil {
		nh, nb, nt = len(r.Headers), len(r.Body), len(r.Trailers)
		v.callout = r
	} else {
		v.callout = nil
		root.statusCode, root.statusMsg = uint32(StatusBrokenConnection), "reset"
	}
	v.callback(root, "proxy_on_http_call_response", uint64(root.id), uint64(p.ID), uint64(nh), uint64(nb), uint64(nt))
	v.callout = nil
	root.statusCode, root.statusMsg = 0, ""
	v.takeStop()
	v.runAfter()
}
