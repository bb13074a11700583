package plugin

import (
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
)

// The filter's counters: Envoy's jwt_authn stats (stats.h) plus ours, declared in one table.
// Names are "jwt_authn." + stat_prefix + "." + counter, with Envoy's statPrefixJoin rule (no
// doubled dot when stat_prefix already ends with one; "jwt_authn.allowed" without a
// stat_prefix). Envoy shows a Wasm filter's metrics under "wasmcustom.", e.g.
// wasmcustom.jwt_authn.allowed.

type counterKind uint8

const (
	counterAllowed counterKind = iota
	counterCorsPreflightBypassed
	counterDenied
	counterJwksFetchSuccess
	counterJwksFetchFailed
	counterJwtCacheHit
	counterJwtCacheMiss
	counterReportOnlyDenied
	counterAuthzDenied
	numCounters
)

var counterNames = [numCounters]string{
	counterAllowed:               "allowed",                 // requests let through (no rule, CORS bypass, verified)
	counterCorsPreflightBypassed: "cors_preflight_bypassed", // bypass_cors_preflight applied
	counterDenied:                "denied",                  // local replies sent
	counterJwksFetchSuccess:      "jwks_fetch_success",      // remote JWKS fetches that succeeded (by this VM; others reuse them)
	counterJwksFetchFailed:       "jwks_fetch_failed",       // remote JWKS fetches that failed, retries included
	counterJwtCacheHit:           "jwt_cache_hit",
	counterJwtCacheMiss:          "jwt_cache_miss",
	counterReportOnlyDenied:      "report_only_denied", // x_report_only: requests that would have been denied
	counterAuthzDenied:           "authz_denied",       // x_authorize: policy not satisfied (refused, or reported under x_report_only)
}

func metricName(statPrefix string, k counterKind) string {
	prefix := "jwt_authn."
	if statPrefix != "" {
		prefix += strings.TrimSuffix(statPrefix, ".") + "."
	}
	return prefix + counterNames[k]
}

// metrics holds the host's ids of the counters.
type metrics struct {
	ids [numCounters]proxywasm.MetricCounter
}

// defineMetrics defines every counter. The SDK panics when the host refuses a metric; that
// is turned into an error so that plugin start fails cleanly.
func defineMetrics(statPrefix string) (m *metrics, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, errString("defining metrics failed")
		}
	}()
	m = &metrics{}
	for k := counterKind(0); k < numCounters; k++ {
		m.ids[k] = proxywasm.DefineCounterMetric(metricName(statPrefix, k))
	}
	return m, nil
}

// add flushes a request's counts: one host call per counter that moved.
func (m *metrics) add(counts *[numCounters]uint32) {
	for k, n := range counts {
		if n > 0 {
			m.ids[k].Increment(uint64(n))
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }
