package metrics

import "testing"

func TestMetricNamesFollowEnvoysPrefixJoin(t *testing.T) {
	for _, tt := range []struct{ prefix, want string }{
		{"", "jwt_authn.allowed"},
		{"edge", "jwt_authn.edge.allowed"},
		{"edge.", "jwt_authn.edge.allowed"},
	} {
		if got := metricName(tt.prefix, Allowed); got != tt.want {
			t.Errorf("metricName(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
	}
	for k := Counter(0); k < NumCounters; k++ {
		if counterNames[k] == "" {
			t.Errorf("counter %d has no name", k)
		}
	}
}
