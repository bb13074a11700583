package oauth_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/oauth"
)

// mapStore is shared data in a map, with proxy-wasm's CAS rules.
type mapStore struct {
	vals map[string][]byte
	cas  map[string]uint32
	// race makes the next n Sets fail as if another VM had written first.
	race int
}

func newMapStore() *mapStore { return &mapStore{vals: map[string][]byte{}, cas: map[string]uint32{}} }

func (m *mapStore) Get(k string) ([]byte, uint32, bool, error) {
	v, ok := m.vals[k]
	return v, m.cas[k], ok, nil
}

func (m *mapStore) Set(k string, v []byte, cas uint32) (bool, error) {
	if m.race > 0 {
		m.race--
		m.cas[k]++
		return true, nil
	}
	if cas != 0 && cas != m.cas[k] {
		return true, nil
	}
	m.vals[k] = append([]byte(nil), v...)
	m.cas[k]++
	return false, nil
}

func TestReplayCache(t *testing.T) {
	s := newMapStore()
	c := oauth.ReplayCache{Prefix: "p|"}
	now := time.Unix(testNowUnix, 0)
	exp := now.Add(70 * time.Second)
	if seen, err := c.Seen(s, "jkt", "jti-1", now, exp); seen || err != nil {
		t.Fatalf("first use: seen=%v err=%v", seen, err)
	}
	if seen, _ := c.Seen(s, "jkt", "jti-1", now.Add(69*time.Second), exp); !seen {
		t.Fatal("replay within the window not detected")
	}
	if seen, _ := c.Seen(s, "other-jkt", "jti-1", now, exp); seen {
		t.Fatal("the same jti of another key counted as a replay")
	}
	// After the window the entry is dead (the proof would fail its iat check anyway).
	if seen, _ := c.Seen(s, "jkt", "jti-1", now.Add(70*time.Second), now.Add(140*time.Second)); seen {
		t.Fatal("an expired entry counted as a replay")
	}
	// Contention: retried, then fail closed.
	s.race = 3
	if seen, err := c.Seen(s, "jkt", "jti-2", now, exp); seen || err != nil {
		t.Fatalf("after 3 lost races: seen=%v err=%v", seen, err)
	}
	s.race = 100
	if _, err := c.Seen(s, "jkt", "jti-3", now, exp); err == nil {
		t.Fatal("endless contention did not fail")
	}
}

// A flood keeps the cache at its fixed size and evicts the entry that expires first.
func TestReplayCacheFloodIsBounded(t *testing.T) {
	s := newMapStore()
	c := oauth.ReplayCache{Prefix: "p|"}
	now := time.Unix(testNowUnix, 0)
	if seen, _ := c.Seen(s, "victim", "v", now, now.Add(time.Minute)); seen {
		t.Fatal("fresh proof seen")
	}
	const n = 4 * oauth.ReplaySlots * oauth.ReplayEntriesPerSlot
	for i := 0; i < n; i++ {
		c.Seen(s, "attacker", strconv.Itoa(i), now, now.Add(2*time.Minute))
	}
	if len(s.vals) > oauth.ReplaySlots {
		t.Fatalf("%d keys, want at most %d", len(s.vals), oauth.ReplaySlots)
	}
	for k, v := range s.vals {
		if len(v) != oauth.ReplayEntriesPerSlot*24 {
			t.Fatalf("slot %s holds %d bytes", k, len(v))
		}
	}
	// The victim's entry expired first, so the flood evicted it: the documented limit.
	if seen, _ := c.Seen(s, "victim", "v", now, now.Add(time.Minute)); seen {
		t.Fatal("expected the flood to have evicted the earliest-expiring entry")
	}
}
