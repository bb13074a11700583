package host_test

import (
	"slices"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// The probe module calls host functions with good and bad arguments and logs the status codes;
// each must be the one Envoy returns (cpp-host src/exports.cc, Envoy context.cc).
func TestHostCallStatusesMatchEnvoy(t *testing.T) {
	h := probe(t, "abi", host.Options{VMs: 1, Clusters: []string{"jwks"}, PluginName: "probe-plugin"})
	s := h.NewStream(host.StreamOptions{SourceAddress: "10.1.2.3:5555"})
	s.SendRequestHeaders(get("/x?y=1"), true)
	s.Done()
	if err := h.Err(); err != nil {
		t.Fatal(err)
	}
	logs := h.Logs(host.LogInfo)
	cases := []struct{ check, want string }{
		{"a bad pointer is InvalidMemoryAccess", "bad_pointer_log=6"},
		{"an unknown log level is BadArgument", "bad_level_log=2"},
		{"request headers are readable in on_request_headers", "path=/x?y=1 status=0"},
		{"a missing header is NotFound", "missing_header=1"},
		{"an unknown map type is BadArgument", "bad_map=2"},
		{"the callout response map outside its callback is BadArgument", "callout_map_outside_callback=2"},
		{"plugin_name is the configured name", "plugin_name=probe-plugin"},
		{"request.path is the :path header", "request.path=/x?y=1"},
		{"source.port is an 8-byte integer", "source.port=5555"},
		{"connection.mtls is a 1-byte bool", "connection.mtls_len=1"},
		{"an unknown property is NotFound", "unknown_property=1"},
		{"a stream can set a property", "set_property=0"},
		{"and read it back", "get_set_property=v1"},
		{"shared data cas 0 sets", "shared_set=0"},
		{"a stale cas is CasMismatch", "shared_set_stale_cas=8"},
		{"the current cas sets", "shared_set_cas=0"},
		{"a missing shared key is NotFound", "shared_get_missing=1"},
		{"a counter increments", "increment=0"},
		{"a counter does not take 0", "increment_zero=2"},
		{"the counter reads back", "counter_value=1"},
		{"plugin configuration outside on_configure is NotFound", "plugin_config_outside_configure=1"},
		{"an HTTP call to a known cluster is OK", "http_call_ok=0"},
		{"an HTTP call without :authority is BadArgument", "http_call_no_authority=2"},
		{"an HTTP call to an unknown cluster is BadArgument", "http_call_unknown_cluster=2"},
		{"a bad token pointer is InvalidMemoryAccess", "http_call_bad_token_pointer=6"},
		{"an unknown effective context is BadArgument", "effective_unknown=2"},
		{"continuing the upstream is Unimplemented", "continue_upstream=12"},
		{"an unknown stream type is BadArgument", "continue_bad_type=2"},
		{"request headers are readable in on_log", "log_path=/x?y=1 status=0"},
	}
	for _, c := range cases {
		if !slices.Contains(logs, c.want) {
			t.Errorf("%s: no log line %q", c.check, c.want)
		}
	}
	if t.Failed() {
		t.Logf("module log:\n%v", logs)
	}
	if got, _ := h.Counter("probe_requests"); got != 1 {
		t.Errorf("counter probe_requests = %d, want 1", got)
	}
	if v, _, ok := h.SharedData("shared-key"); !ok || string(v) != "c" {
		t.Errorf("shared-key = %q (%v), want %q", v, ok, "c")
	}
	if n := len(h.Callouts()); n != 1 {
		t.Errorf("%d callouts pending, want the one that was accepted", n)
	}
}

// Counters are per name across VMs, as Envoy's stats scope is shared by its workers; shared
// data is shared by the VMs of one plugin.
func TestMetricsAndSharedDataSpanVMs(t *testing.T) {
	h := probe(t, "abi", host.Options{VMs: 2, Clusters: []string{"jwks"}})
	var vms []int
	for i := 0; i < 2; i++ {
		s := h.NewStream(host.StreamOptions{})
		vms = append(vms, s.VM())
		s.SendRequestHeaders(get("/"), true)
		s.Done()
	}
	if vms[0] == vms[1] {
		t.Fatalf("both streams ran in VM %d; want round-robin", vms[0])
	}
	if got, _ := h.Counter("probe_requests"); got != 2 {
		t.Errorf("probe_requests = %d, want 2 (one per VM)", got)
	}
	// The second VM saw the first VM's entry: its stale-cas write failed the same way.
	if n := countLines(h.Logs(host.LogInfo), "shared_set_stale_cas=8"); n != 2 {
		t.Errorf("stale cas rejected %d times, want 2", n)
	}
}

func countLines(lines []string, want string) int {
	n := 0
	for _, l := range lines {
		if l == want {
			n++
		}
	}
	return n
}
