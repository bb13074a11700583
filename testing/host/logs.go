package host

import (
	"fmt"
	"io"
	"sync"
)

// LogLine is one line the module logged, with proxy_log or by writing to stdout/stderr.
type LogLine struct {
	VM      int
	Context uint32
	Level   LogLevel
	Message string
}

// logStore keeps the most recent lines of every VM and optionally copies them to a writer.
type logStore struct {
	mu      sync.Mutex
	lines   []LogLine
	max     int
	dropped int
	w       io.Writer
	wmin    LogLevel // lines below it are kept but not written to w
	prefix  string
}

func newLogStore(max int, w io.Writer, wmin LogLevel, pluginName string) *logStore {
	return &logStore{max: max, w: w, wmin: wmin, prefix: "wasm log " + pluginName}
}

func (s *logStore) add(vm int, ctx uint32, level LogLevel, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lines) >= s.max {
		// Drop the oldest half at once so that a long soak stays O(1) amortised.
		n := copy(s.lines, s.lines[len(s.lines)/2:])
		s.dropped += len(s.lines) - n
		s.lines = s.lines[:n]
	}
	s.lines = append(s.lines, LogLine{VM: vm, Context: ctx, Level: level, Message: msg})
	if s.w != nil && level >= s.wmin {
		// The shape of Envoy's line: "[level] wasm log <plugin>: message" (Context::log).
		fmt.Fprintf(s.w, "[%s] %s vm=%d: %s\n", level, s.prefix, vm, msg)
	}
}

func (s *logStore) get(min LogLevel) []LogLine {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []LogLine
	for _, l := range s.lines {
		if l.Level >= min {
			out = append(out, l)
		}
	}
	return out
}

func (s *logStore) messages(min LogLevel) []string {
	var out []string
	for _, l := range s.get(min) {
		out = append(out, l.Message)
	}
	return out
}

// logFromModule keeps a line the module logged (proxy_log or stdout/stderr) under the context
// it acts for.
func (v *vm) logFromModule(level LogLevel, msg string) {
	var id uint32
	if c := v.active(); c != nil {
		id = c.id
	}
	v.h.logs.add(v.index, id, level, msg)
}

// Logs returns the messages logged at level or above, oldest first.
func (h *Host) Logs(level LogLevel) []string { return h.logs.messages(level) }

// LogLines returns the lines logged at level or above, with their VM and context.
func (h *Host) LogLines(level LogLevel) []LogLine { return h.logs.get(level) }
