package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Host. The zero value is a valid configuration.
type Options struct {
	// Profile selects the Envoy to imitate; empty means DefaultProfile.
	Profile Profile
	// VMs is the number of VMs (Envoy worker threads); zero means 2.
	VMs int
	// PluginConfig is returned by the PluginConfiguration buffer during proxy_on_configure.
	PluginConfig []byte
	// VMConfig is the VmConfiguration buffer (vm_config.configuration in Envoy).
	VMConfig []byte
	// PluginName, RootID and VMID answer the plugin_name, plugin_root_id and plugin_vm_id
	// properties. PluginName defaults to "jwt-authn".
	PluginName, RootID, VMID string
	// Node is the Envoy node the "node" property describes.
	Node Node
	// Env are the VM's environment variables (vm_config.environment_variables); Envoy gives
	// none unless configured.
	Env map[string]string
	// Clock is the host's time. Nil means a ManualClock starting at Now (or, if Now is zero,
	// at 2026-01-01T00:00:00Z), which Advance moves.
	Clock Clock
	Now   time.Time
	// Clusters are the upstream clusters proxy_http_call may name. Envoy refuses an unknown
	// cluster with BadArgument; AnyCluster lifts that check for harnesses that cannot know
	// the cluster names in advance.
	Clusters   []string
	AnyCluster bool
	// OnCallout is told about each dispatched HTTP call, after the dispatching callback has
	// returned and without any VM lock held, so it may answer at once or from another
	// goroutine with Respond or Fail.
	OnCallout func(Callout)
	// LogLevel is what proxy_get_log_level answers. Every line is captured regardless.
	LogLevel LogLevel
	// LogWriter, if set, receives every log line at LogLevel or above, as Envoy would print it
	// (Envoy's logger drops lines below its level).
	LogWriter io.Writer
	// MaxLogLines bounds the lines kept for Logs (oldest dropped); zero means 100000.
	MaxLogLines int
	// AllowOnHeadersStopIteration is the Wasm filter's PluginConfig.allow_on_headers_stop_iteration
	// (Envoy 1.35 and later; default false). Without it, a headers callback that returns
	// StopIteration stops the stream as StopAllIterationAndWatermark: no body callback runs
	// until proxy_continue_stream. With it, StopIteration holds only the headers and the body
	// callbacks go on (see stream.go and RATIONALE.md).
	AllowOnHeadersStopIteration bool
}

// Node is the subset of envoy.config.core.v3.Node the host reports.
type Node struct {
	ID, Cluster string
}

// DefaultNow is the clock's start when neither Clock nor Now is set.
var DefaultNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Host is one started plugin in N VMs.
type Host struct {
	opts    Options
	imports []hostFunc
	clock   Clock
	epoch   time.Time
	vms     []*vm
	next    atomic.Uint64 // round-robin cursor

	logs     *logStore
	metrics  *metricStore
	shared   *sharedStore
	callouts *calloutStore
	clusters map[string]bool

	mu       sync.Mutex
	failures []VMFailure
	closed   bool
}

// Start instantiates the module in opts.VMs VMs and starts the plugin in each, as Envoy does
// on every worker. A plugin that refuses its configuration, or a module the profile cannot
// link, makes Start fail with an error carrying the module's error and critical log lines.
func Start(ctx context.Context, m *Module, opts Options) (*Host, error) {
	if opts.Profile == "" {
		opts.Profile = DefaultProfile
	}
	if _, err := ParseProfile(string(opts.Profile)); err != nil {
		return nil, err
	}
	if opts.VMs <= 0 {
		opts.VMs = 2
	}
	if opts.PluginName == "" {
		opts.PluginName = "jwt-authn"
	}
	if opts.MaxLogLines <= 0 {
		opts.MaxLogLines = 100000
	}
	h := &Host{
		opts:     opts,
		imports:  importTable(),
		clock:    opts.Clock,
		logs:     newLogStore(opts.MaxLogLines, opts.LogWriter, opts.LogLevel, opts.PluginName),
		metrics:  newMetricStore(),
		shared:   newSharedStore(),
		callouts: newCalloutStore(),
		clusters: map[string]bool{},
	}
	if h.clock == nil {
		start := opts.Now
		if start.IsZero() {
			start = DefaultNow
		}
		h.clock = NewManualClock(start)
	}
	h.epoch = h.clock.Now()
	for _, c := range opts.Clusters {
		h.clusters[c] = true
	}
	if err := m.CheckImports(opts.Profile); err != nil {
		return nil, err
	}
	for i := 0; i < opts.VMs; i++ {
		mod, err := m.instantiate(ctx)
		if err != nil {
			h.Close()
			return nil, fmt.Errorf("host: instantiate vm %d: %w", i, err)
		}
		v := newVM(h, i, mod)
		h.vms = append(h.vms, v)
		v.mu.Lock()
		err = v.start(opts.VMConfig, opts.PluginConfig)
		v.mu.Unlock()
		if err != nil {
			lines := h.logs.messages(LogError)
			h.Close()
			if len(lines) > 0 {
				return nil, fmt.Errorf("host: vm %d: %w; plugin logged: %s", i, err, strings.Join(lines, "; "))
			}
			return nil, fmt.Errorf("host: vm %d: %w", i, err)
		}
	}
	h.drain() // callouts dispatched during plugin start
	return h, nil
}

// Profile is the profile the host imitates.
func (h *Host) Profile() Profile { return h.opts.Profile }

// Now is the host clock.
func (h *Host) Now() time.Time { return h.clock.Now() }

// VMs is the number of VMs.
func (h *Host) VMs() int { return len(h.vms) }

// pick chooses the VM for a new stream, round-robin like connections spread over workers.
func (h *Host) pick() *vm {
	n := h.next.Add(1) - 1
	return h.vms[n%uint64(len(h.vms))]
}

func (h *Host) recordFailure(f VMFailure) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.failures = append(h.failures, f)
}

// Failures lists every VM failure so far, in order.
func (h *Host) Failures() []VMFailure {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]VMFailure(nil), h.failures...)
}

// Err joins the VM failures, nil when every VM is healthy.
func (h *Host) Err() error {
	var errs []error
	for _, f := range h.Failures() {
		errs = append(errs, f)
	}
	return errors.Join(errs...)
}

// MemorySizes returns each VM's linear memory size in bytes.
func (h *Host) MemorySizes() []uint32 {
	out := make([]uint32, len(h.vms))
	for i, v := range h.vms {
		out[i] = v.memorySize()
	}
	return out
}

// Calls counts the host functions the module called, by "module.name", over all VMs.
func (h *Host) Calls() map[string]uint64 {
	return h.countCalls(phaseNormal, phaseStart, phaseAlloc)
}

// StartCalls counts the calls made while _initialize ran (the restricted start phase).
func (h *Host) StartCalls() map[string]uint64 { return h.countCalls(phaseStart) }

// AllocCalls counts the calls made from inside proxy_on_memory_allocate.
func (h *Host) AllocCalls() map[string]uint64 { return h.countCalls(phaseAlloc) }

func (h *Host) countCalls(phases ...phase) map[string]uint64 {
	out := map[string]uint64{}
	for _, v := range h.vms {
		v.mu.Lock()
		for _, p := range phases {
			for i, n := range v.calls[p] {
				if n > 0 {
					out[h.imports[i].qualified()] += n
				}
			}
		}
		v.mu.Unlock()
	}
	return out
}

// Close ends every open stream and the plugin in every VM (proxy_on_done, proxy_on_delete)
// and frees the instances. The Module stays usable.
func (h *Host) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	h.mu.Unlock()
	for _, v := range h.vms {
		v.mu.Lock()
		for _, c := range v.contexts {
			if c.stream != nil {
				c.stream.doneLocked()
			}
		}
		v.shutdown()
		v.closed = true
		_ = v.mod.Close(context.Background())
		v.mu.Unlock()
	}
}
