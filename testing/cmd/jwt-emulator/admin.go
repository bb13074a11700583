package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// customStatNamespace is where Envoy puts the metrics a Wasm module defines (Envoy's
// Extensions::Common::Wasm "wasmcustom" custom stat namespace): the module's
// "jwt_authn.allowed" is Envoy's "wasmcustom.jwt_authn.allowed".
const customStatNamespace = "wasmcustom."

// adminHandler serves a small part of Envoy's admin interface:
//
//	GET /stats             every stat, "name: value" per line, as Envoy's /stats text format
//	GET /stats?filter=RE   only the stats whose name matches the regular expression RE
//	GET /stats/prometheus  Prometheus text format; as Envoy does, a custom-namespace stat loses
//	                       its namespace and gets no envoy_ prefix (jwt_authn_allowed)
func adminHandler(h *host.Host) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		var filter *regexp.Regexp
		if f := r.URL.Query().Get("filter"); f != "" {
			var err error
			if filter, err = regexp.Compile(f); err != nil {
				http.Error(w, "filter: "+err.Error(), http.StatusBadRequest)
				return
			}
		}
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		var b strings.Builder
		var hists []host.Metric
		for _, m := range h.Metrics() {
			name := customStatNamespace + m.Name
			if filter != nil && !filter.MatchString(name) {
				continue
			}
			if m.Type == host.MetricHistogram {
				hists = append(hists, m) // Envoy lists histograms after counters and gauges
				continue
			}
			fmt.Fprintf(&b, "%s: %d\n", name, m.Value)
		}
		for _, m := range hists {
			if len(m.Hist) == 0 {
				fmt.Fprintf(&b, "%s%s: No recorded values\n", customStatNamespace, m.Name)
				continue
			}
			var sum uint64
			for _, v := range m.Hist {
				sum += v
			}
			fmt.Fprintf(&b, "%s%s: count=%d sum=%d\n", customStatNamespace, m.Name, len(m.Hist), sum)
		}
		_, _ = w.Write([]byte(b.String()))
	})
	mux.HandleFunc("GET /stats/prometheus", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		var b strings.Builder
		for _, m := range h.Metrics() {
			name := prometheusName(m.Name)
			switch m.Type {
			case host.MetricCounter:
				fmt.Fprintf(&b, "# TYPE %s counter\n%s{} %d\n", name, name, m.Value)
			case host.MetricGauge:
				fmt.Fprintf(&b, "# TYPE %s gauge\n%s{} %d\n", name, name, m.Value)
			}
		}
		_, _ = w.Write([]byte(b.String()))
	})
	return mux
}

// prometheusName is Envoy's sanitizeName: every character outside [a-zA-Z0-9_] becomes '_'.
func prometheusName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}
