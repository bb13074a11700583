package host

import (
	"sync"
	"time"
)

// Clock is the host's time source. WASI clock_time_get reads it: realtime (id 0) is Now, and
// the monotonic clock (id 1) is derived from Now as well, so a test that advances a
// ManualClock moves both together, the way time moves for a filter inside Envoy. Go's
// time.Since inside the module uses the monotonic reading, so deriving it from Now is what
// makes a cache expiry observable in tests.
type Clock interface {
	Now() time.Time
}

// ManualClock is a Clock that moves only when told. It is safe for concurrent use.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock stopped at start.
func NewManualClock(start time.Time) *ManualClock { return &ManualClock{now: start} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// set moves the clock to t, never backwards: a monotonic clock must not decrease.
func (c *ManualClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
}

// SystemClock is the real clock shifted by Offset: the emulator's -now flag sets Offset so that
// a recorded token is replayed inside its validity window while time still flows.
type SystemClock struct {
	Offset time.Duration
}

// Now returns the system time plus Offset.
func (c SystemClock) Now() time.Time { return time.Now().Add(c.Offset) }

// monotonicBase keeps the monotonic clock positive and visibly distinct from realtime, as
// Envoy's steady clock (time since boot) is.
const monotonicBase = time.Hour
