package host

import (
	"sort"
	"sync"
)

// Metrics live in the host, shared by all VMs, as Envoy's stats scope is shared by the
// workers: each VM defines its own ids (Envoy Wasm::nextCounterMetricId and friends) that map
// to one stat per name.
type metric struct {
	typ   MetricType
	value int64
	hist  []uint64
}

type metricStore struct {
	mu     sync.Mutex
	byName map[metricKey]*metric
}

// metricKey names a stat: a name reused with another type is another stat, as Envoy's scope
// keeps counters, gauges and histograms apart.
type metricKey struct {
	typ  MetricType
	name string
}

func newMetricStore() *metricStore { return &metricStore{byName: map[metricKey]*metric{}} }

// define returns the stat of type t named name, creating it.
func (s *metricStore) define(t MetricType, name string) *metric {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := metricKey{t, name}
	m, ok := s.byName[key]
	if !ok {
		m = &metric{typ: t}
		s.byName[key] = m
	}
	return m
}

func (s *metricStore) lookup(t MetricType, name string) (*metric, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.byName[metricKey{t, name}]
	return m, ok
}

// Counter returns the value of the counter name, false when the module never defined it.
func (h *Host) Counter(name string) (uint64, bool) {
	m, ok := h.metrics.lookup(MetricCounter, name)
	if !ok {
		return 0, false
	}
	h.metrics.mu.Lock()
	defer h.metrics.mu.Unlock()
	return uint64(m.value), true
}

// Gauge returns the value of the gauge name.
func (h *Host) Gauge(name string) (int64, bool) {
	m, ok := h.metrics.lookup(MetricGauge, name)
	if !ok {
		return 0, false
	}
	h.metrics.mu.Lock()
	defer h.metrics.mu.Unlock()
	return m.value, true
}

// Histogram returns the values recorded in the histogram name.
func (h *Host) Histogram(name string) ([]uint64, bool) {
	m, ok := h.metrics.lookup(MetricHistogram, name)
	if !ok {
		return nil, false
	}
	h.metrics.mu.Lock()
	defer h.metrics.mu.Unlock()
	return append([]uint64(nil), m.hist...), true
}

// vmMetrics is one VM's id space (Envoy Wasm::counters_, gauges_, histograms_): ids carry the
// metric type in their low two bits (kMetricTypeMask) and grow by 4 (kMetricIdIncrement).
type vmMetrics struct {
	next [3]uint32
	ids  map[uint32]*metric
}

const metricTypeMask = 0x3

func (m *vmMetrics) add(t MetricType, stat *metric) uint32 {
	if m.ids == nil {
		m.ids = map[uint32]*metric{}
		m.next = [3]uint32{uint32(MetricCounter), uint32(MetricGauge), uint32(MetricHistogram)}
	}
	id := m.next[t]
	m.next[t] += 4
	m.ids[id] = stat
	return id
}

// Metric is one stat as the host holds it.
type Metric struct {
	Name  string
	Type  MetricType
	Value int64    // a counter's or gauge's value
	Hist  []uint64 // a histogram's recorded values
}

// Metrics returns every stat the module defined, sorted by name then type, as Envoy's admin
// /stats lists them.
func (h *Host) Metrics() []Metric {
	h.metrics.mu.Lock()
	out := make([]Metric, 0, len(h.metrics.byName))
	for k, m := range h.metrics.byName {
		out = append(out, Metric{Name: k.name, Type: k.typ, Value: m.value, Hist: append([]uint64(nil), m.hist...)})
	}
	h.metrics.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Type < out[j].Type
	})
	return out
}
