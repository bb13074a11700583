package host

// proxy_define_metric(type, name, name_size, return_id): Envoy Context::defineMetric.
func proxyDefineMetric(v *vm, s []uint64) {
	t := MetricType(u32(s[0]))
	if t > metricTypeMax {
		ret(s, StatusBadArgument)
		return
	}
	name, ok := v.readString(u32(s[1]), u32(s[2]))
	if !ok {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	id := v.metrics.add(t, v.h.metrics.define(t, name))
	if !v.writeU32(u32(s[3]), id) {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	ret(s, StatusOK)
}

func (v *vm) metric(id uint32) (*metric, bool) {
	m, ok := v.metrics.ids[id]
	return m, ok
}

// proxy_increment_metric(id, i64 offset): Envoy Context::incrementMetric. A counter only goes
// up (offset <= 0 is BadArgument); a gauge goes either way; a histogram is BadArgument.
func proxyIncrementMetric(v *vm, s []uint64) {
	id, off := u32(s[0]), int64(s[1])
	typ := MetricType(id & metricTypeMask)
	m, found := v.metric(id)
	switch typ {
	case MetricCounter:
		if !found {
			ret(s, StatusNotFound)
			return
		}
		if off <= 0 {
			ret(s, StatusBadArgument)
			return
		}
	case MetricGauge:
		if !found {
			ret(s, StatusNotFound)
			return
		}
	default:
		ret(s, StatusBadArgument)
		return
	}
	v.h.metrics.mu.Lock()
	m.value += off
	v.h.metrics.mu.Unlock()
	ret(s, StatusOK)
}

// proxy_record_metric(id, i64 value): Envoy Context::recordMetric: a counter adds, a gauge is
// set, a histogram records.
func proxyRecordMetric(v *vm, s []uint64) {
	id, val := u32(s[0]), s[1]
	m, found := v.metric(id)
	if !found {
		ret(s, StatusNotFound)
		return
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
	ret(s, StatusOK)
}

// proxy_get_metric(id, return_value): Envoy Context::getMetric; histograms are BadArgument.
func proxyGetMetric(v *vm, s []uint64) {
	id := u32(s[0])
	typ := MetricType(id & metricTypeMask)
	if typ != MetricCounter && typ != MetricGauge {
		ret(s, StatusBadArgument)
		return
	}
	m, found := v.metric(id)
	if !found {
		ret(s, StatusNotFound)
		return
	}
	v.h.metrics.mu.Lock()
	val := m.value
	v.h.metrics.mu.Unlock()
	if !v.writeU64(u32(s[1]), uint64(val)) {
		ret(s, StatusInvalidMemoryAccess)
		return
	}
	ret(s, StatusOK)
}
