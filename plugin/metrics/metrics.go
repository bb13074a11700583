// Package metrics defines the filter's counters with the host and adds a request's counts to them.
package metrics

import (
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
)

// The filter's counters: Envoy's jwt_authn stats (stats.h) plus ours, declared in one table.
// Names are "jwt_authn." + stat_prefix + "." + counter, with Envoy's statPrefixJoin rule (no
// doubled dot when stat_prefix already ends with one; "jwt_authn.allowed" without a
// stat_prefix). Envoy shows a Wasm filter's metrics under "wasmcustom.", e.g.
// wasmcustom.jwt_authn.allowed.

type Counter uint8

const (
	Allowed Counter = iota
	CorsPreflightBypassed
	Denied
	JwksFetchSuccess
	JwksFetchFailed
	JwtCacheHit
	JwtCacheMiss
	ReportOnlyDenied
	AuthzDenied
	ClaimHeaderDropped
	FailedVerificationBudgetRefused
	Signed
	SignFailed
	BackendTokenIssued
	JwtCacheSharedHit
	NumCounters
)

var counterNames = [NumCounters]string{
	Allowed:               "allowed",                 // requests let through (no rule, CORS bypass, verified)
	CorsPreflightBypassed: "cors_preflight_bypassed", // bypass_cors_preflight applied
	Denied:                "denied",                  // local replies sent
	JwksFetchSuccess:      "jwks_fetch_success",      // remote JWKS fetches that succeeded (by this VM; others reuse them)
	JwksFetchFailed:       "jwks_fetch_failed",       // remote JWKS fetches that failed, retries included
	JwtCacheHit:           "jwt_cache_hit",
	JwtCacheMiss:          "jwt_cache_miss",
	ReportOnlyDenied:      "report_only_denied",   // x_report_only: requests that would have been denied
	AuthzDenied:           "authz_denied",         // x_authorize: policy not satisfied (refused, or reported under x_report_only)
	ClaimHeaderDropped:    "claim_header_dropped", // claim values not set in a header because they hold CR, LF or NUL
	// tokens refused without a signature check: failed ES384/ES512 checks spent the VM's budget
	FailedVerificationBudgetRefused: "failed_verification_budget_refused",
	Signed:                          "signed",               // x_sign: responses signed
	SignFailed:                      "sign_failed",          // x_sign refusals (502 or reset) and failed backend-token mints
	BackendTokenIssued:              "backend_token_issued", // x_backend_token: upstream requests that carried one
	JwtCacheSharedHit:               "jwt_cache_shared_hit", // JWT cache misses whose token another VM had verified (no signature check)
}

func metricName(statPrefix string, k Counter) string {
	prefix := "jwt_authn."
	if statPrefix != "" {
		prefix += strings.TrimSuffix(statPrefix, ".") + "."
	}
	return prefix + counterNames[k]
}

// Metrics holds the host's ids of the counters.
type Metrics struct {
	Ids [NumCounters]proxywasm.MetricCounter
}

// defineMetrics defines every counter. The SDK panics when the host refuses a metric; that
// is turned into an error so that plugin start fails cleanly.
func Define(statPrefix string) (m *Metrics, err error) {
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, errString("defining metrics failed")
		}
	}()
	m = &Metrics{}
	for k := Counter(0); k < NumCounters; k++ {
		m.Ids[k] = proxywasm.DefineCounterMetric(metricName(statPrefix, k))
	}
	return m, nil
}

// Add flushes a request's counts: one host call per counter that moved.
func (m *Metrics) Add(counts *[NumCounters]uint32) {
	for k, n := range counts {
		if n > 0 {
			m.Ids[k].Increment(uint64(n))
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }
