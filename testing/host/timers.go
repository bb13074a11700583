package host

import (
	"errors"
	"time"
)

// NextDeadline is the earliest time at which a tick or a callout timeout is due.
func (h *Host) NextDeadline() (time.Time, bool) {
	var best time.Time
	found := false
	consider := func(t time.Time) {
		if !found || t.Before(best) {
			best, found = t, true
		}
	}
	for _, v := range h.vms {
		v.mu.Lock()
		if v.tickPeriod > 0 && v.failed == nil {
			consider(v.nextTick)
		}
		v.mu.Unlock()
	}
	h.callouts.mu.Lock()
	for _, p := range h.callouts.pending {
		if !p.deadline.IsZero() {
			consider(p.deadline)
		}
	}
	h.callouts.mu.Unlock()
	return best, found
}

// Advance moves a ManualClock by d. Every tick and callout timeout due on the way fires at
// its own time, in order, so the module sees the clock it would see in Envoy.
func (h *Host) Advance(d time.Duration) error {
	mc, ok := h.clock.(*ManualClock)
	if !ok {
		return errors.New("host: Advance needs a ManualClock; this host runs on another clock")
	}
	target := mc.Now().Add(d)
	for {
		t, ok := h.NextDeadline()
		if !ok || t.After(target) {
			break
		}
		mc.set(t)
		h.fireDue(t)
	}
	mc.set(target)
	return nil
}

// Poll fires whatever is due at the clock's current time. A host on a real clock calls it
// when NextDeadline passes.
func (h *Host) Poll() { h.fireDue(h.clock.Now()) }

// fireDue times out due callouts and runs due ticks (Envoy Wasm::tickHandler: proxy_on_tick,
// then the timer is re-armed for one period).
func (h *Host) fireDue(now time.Time) {
	var due []*pendingCallout
	h.callouts.mu.Lock()
	for id, p := range h.callouts.pending {
		if !p.deadline.IsZero() && !p.deadline.After(now) {
			due = append(due, p)
			delete(h.callouts.pending, id)
		}
	}
	h.callouts.mu.Unlock()
	for _, p := range due {
		v := h.vms[p.VM]
		v.mu.Lock()
		v.deliverCallout(p, timeoutResponse())
		v.mu.Unlock()
	}
	for _, v := range h.vms {
		v.mu.Lock()
		if v.tickPeriod > 0 && v.failed == nil && !v.nextTick.After(now) {
			v.nextTick = now.Add(v.tickPeriod)
			v.callback(v.root, "proxy_on_tick", uint64(v.root.id))
			v.takeStop()
			v.runAfter()
		}
		v.mu.Unlock()
	}
	h.drain()
}

// drain delivers what must happen outside any VM call: proxy_on_queue_ready notifications
// (posted to the registering VM's thread in Envoy) and the OnCallout hook. It runs with no VM
// lock held.
func (h *Host) drain() {
	for {
		ready := h.shared.takeReady()
		notes := h.callouts.takeNotify()
		if len(ready) == 0 && len(notes) == 0 {
			return
		}
		for _, r := range ready {
			v := h.vms[r.vm]
			v.mu.Lock()
			if c, ok := v.contexts[r.context]; ok {
				v.callback(c, "proxy_on_queue_ready", uint64(c.id), uint64(r.token))
				v.takeStop()
				v.runAfter()
			}
			v.mu.Unlock()
		}
		if h.opts.OnCallout != nil {
			for _, c := range notes {
				h.opts.OnCallout(c)
			}
		}
	}
}
