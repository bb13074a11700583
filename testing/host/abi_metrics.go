package host

// proxy_define_metric(type, name, name_size, return_id): Envoy Context::defineMetric.
func proxyDefineMetric(v *vm, s []uint64) Status {
	t := MetricType(u32(s[0]))
	if t > metricTypeMax {
		return StatusBadArgument
	}
	name, ok := v.readString(u32(s[1]), u32(s[2]))
	if !ok {
		return StatusInvalidMemoryAccess
	}
	id := v.metrics.add(t, v.h.metrics.define(t, name))
	if !v.writeU32(u32(s[3]), id) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

func (v *vm) metric(id uint32) (*metric, bool) {
	m, ok := v.metrics.ids[id]
	return m, ok
}

// proxy_increment_metric(id, i64 offset): Envoy Context::incrementMetric. A counter only goes
// up (offset <= 0 is BadArgument); a gauge goes either way; a histogram is BadArgument.
func proxyIncrementMetric(v *vm, s []uint64) Status {
	id, off := u32(s[0]), int64(s[1])
	typ := MetricType(id & metricTypeMask)
	m, found := v.metric(id)
	switch typ {
	case MetricCounter:
		if !found {
			return StatusNotFound
		}
		if off <= 0 {
			return StatusBadArgument
		}
	case MetricGauge:
		if !found {
			return StatusNotFound
		}
	default:
		return StatusBadArgument
	}
	v.h.metrics.mu.Lock()
	m.value += off
	v.h.metrics.mu.Unlock()
	return StatusOK
}

// proxy_record_metric(id, i64 value): Envoy Context::recordMetric: a counter adds, a gauge is
// set, a histogram records.
func proxyRecordMetric(v *vm, s []uint64) Status {
	id, val := u32(s[0]), s[1]
	m, found := v.metric(id)
	if !found {
		return StatusNotFound
	}
	v.h.metrics.mu.Lock()
	switch m.typ {
	case MetricCounter:
		m.value += int64(val)
	case MetricGauge:
		m.value = int64(val)
	case MetricHistogram:
		m.hist = append(m.hist, val)
	}
	v.h.metrics.mu.Unlock()
	return StatusOK
}

// proxy_get_metric(id, return_value): Envoy Context::getMetric; histograms are BadArgument.
func proxyGetMetric(v *vm, s []uint64) Status {
	id := u32(s[0])
	typ := MetricType(id & metricTypeMask)
	if typ != MetricCounter && typ != MetricGauge {
		return StatusBadArgument
	}
	m, found := v.metric(id)
	if !found {
		return StatusNotFound
	}
	v.h.metrics.mu.Lock()
	val := m.value
	v.h.metrics.mu.Unlock()
	if !v.writeU64(u32(s[1]), uint64(val)) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}
