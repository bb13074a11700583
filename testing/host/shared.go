package host

import "sync"

// sharedStore is proxy-wasm shared data and shared queues, one per Host: every VM of the
// plugin has the same vm_id and so sees the same data (cpp-host src/shared_data.cc and
// src/shared_queue.cc, keyed by vm_id).
type sharedStore struct {
	mu      sync.Mutex
	data    map[string]sharedEntry
	cas     uint32
	queues  map[uint32]*sharedQueue
	byName  map[string]uint32 // "vm_id\x00name" -> token
	nextTok uint32
	ready   []queueReady // notifications waiting for delivery
}

type sharedEntry struct {
	value []byte
	cas   uint32
}

type sharedQueue struct {
	items   [][]byte
	vm      int    // VM that registered last: it receives proxy_on_queue_ready
	context uint32 // its root context
}

type queueReady struct {
	vm      int
	context uint32
	token   uint32
}

func newSharedStore() *sharedStore {
	return &sharedStore{data: map[string]sharedEntry{}, queues: map[uint32]*sharedQueue{}, byName: map[string]uint32{}}
}

// nextCas never returns 0, which means "no CAS" to set (SharedData::nextCas).
func (s *sharedStore) nextCas() uint32 {
	s.cas++
	if s.cas == 0 {
		s.cas++
	}
	return s.cas
}

func (s *sharedStore) get(key string) ([]byte, uint32, Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data[key]
	if !ok {
		return nil, 0, StatusNotFound
	}
	return e.value, e.cas, StatusOK
}

// set follows SharedData::set: cas 0 writes unconditionally; a non-zero cas that differs from
// the entry's fails with CasMismatch; a missing key is created whatever the cas.
func (s *sharedStore) set(key string, value []byte, cas uint32) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.data[key]; ok && cas != 0 && cas != e.cas {
		return StatusCasMismatch
	}
	s.data[key] = sharedEntry{value: append([]byte(nil), value...), cas: s.nextCas()}
	return StatusOK
}

func (s *sharedStore) register(vmID, name string, vm int, context uint32) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := vmID + "\x00" + name
	tok, ok := s.byName[key]
	if !ok {
		s.nextTok++
		if s.nextTok == 0 {
			s.nextTok++
		}
		tok = s.nextTok
		s.byName[key] = tok
		s.queues[tok] = &sharedQueue{}
	}
	q := s.queues[tok]
	q.vm, q.context = vm, context // existing items are kept
	return tok
}

func (s *sharedStore) resolve(vmID, name string) (uint32, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, ok := s.byName[vmID+"\x00"+name]
	return tok, ok
}

func (s *sharedStore) enqueue(token uint32, value []byte) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.queues[token]
	if !ok {
		return StatusNotFound
	}
	q.items = append(q.items, append([]byte(nil), value...))
	// Envoy posts proxy_on_queue_ready to the registering VM's thread; it runs after the
	// current call, never inside it.
	s.ready = append(s.ready, queueReady{vm: q.vm, context: q.context, token: token})
	return StatusOK
}

func (s *sharedStore) dequeue(token uint32) ([]byte, Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, ok := s.queues[token]
	if !ok {
		return nil, StatusNotFound
	}
	if len(q.items) == 0 {
		return nil, StatusEmpty
	}
	v := q.items[0]
	q.items = q.items[1:]
	return v, StatusOK
}

func (s *sharedStore) takeReady() []queueReady {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.ready
	s.ready = nil
	return r
}

// SharedData returns the shared data value of key and its CAS, for tests.
func (h *Host) SharedData(key string) ([]byte, uint32, bool) {
	v, cas, st := h.shared.get(key)
	return v, cas, st == StatusOK
}

// SetSharedData writes key as a module would (cas 0 writes unconditionally).
func (h *Host) SetSharedData(key string, value []byte, cas uint32) Status {
	return h.shared.set(key, value, cas)
}
