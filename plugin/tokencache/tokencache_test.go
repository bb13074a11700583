package tokencache

import (
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
)

// fakeShared is shared data as cpp-host keeps it: values with a CAS counter; a set with a
// non-zero cas fails unless it matches.
type fakeShared struct {
	vals map[string][]byte
	cas  map[string]uint32
}

var errCas = errors.New("cas mismatch")
var errNotFound = errors.New("not found")

func newFake() *fakeShared {
	return &fakeShared{vals: map[string][]byte{}, cas: map[string]uint32{}}
}

func (f *fakeShared) attach(c *Cache) *Cache {
	c.get = func(k string) ([]byte, uint32, error) {
		v, ok := f.vals[k]
		if !ok {
			return nil, 0, errNotFound
		}
		return append([]byte(nil), v...), f.cas[k], nil
	}
	c.set = func(k string, v []byte, cas uint32) error {
		if cas != 0 && f.cas[k] != cas {
			return errCas
		}
		f.vals[k] = append([]byte(nil), v...)
		f.cas[k]++
		return nil
	}
	return c
}

func TestSharedBetweenCachesOfOneConfiguration(t *testing.T) {
	sh := newFake()
	a, b := sh.attach(New([]byte(`{"a":1}`))), sh.attach(New([]byte(`{"a":1}`)))
	other := sh.attach(New([]byte(`{"a":2}`)))
	d := a.Sum("tok")
	if _, ok := a.Lookup(&d); ok {
		t.Fatal("hit in an empty cache")
	}
	a.Store(&d, Record{Provider: 3, Gen: 7, Exp: 1000, Verified: 900})
	db := b.Sum("tok")
	r, ok := b.Lookup(&db)
	if !ok || r != (Record{Provider: 3, Gen: 7, Exp: 1000, Verified: 900}) {
		t.Fatalf("other VM: %+v %v", r, ok)
	}
	if d2 := b.Sum("tok2"); d2 == db {
		t.Fatal("two tokens, one digest")
	} else if _, ok := b.Lookup(&d2); ok {
		t.Fatal("another token hit")
	}
	do := other.Sum("tok")
	if do == d {
		t.Fatal("another configuration, same digest")
	}
	if _, ok := other.Lookup(&do); ok {
		t.Fatal("hit under another configuration")
	}
	for k, v := range sh.vals {
		if !strings.HasPrefix(k, KeyPrefix) || len(v) != recordSize || strings.Contains(string(v), "tok") {
			t.Fatalf("key %q value %q", k, v)
		}
	}
}

// The key space is fixed: any number of tokens uses at most Slots keys, a newer record
// overwriting an older one in its slot.
func TestFixedKeySpace(t *testing.T) {
	sh := newFake()
	c := sh.attach(New(nil))
	for i := 0; i < 3*Slots; i++ {
		d := c.Sum("token-" + string(rune('a'+i%26)) + strings.Repeat("x", i%50) + string(rune(i)))
		c.Store(&d, Record{Provider: 1})
		if _, ok := c.Lookup(&d); !ok {
			t.Fatalf("record %d not found right after it was stored", i)
		}
	}
	if len(sh.vals) > Slots {
		t.Fatalf("%d keys, bound %d", len(sh.vals), Slots)
	}
}

func TestUndecodableRecordIsAMiss(t *testing.T) {
	sh := newFake()
	c := sh.attach(New(nil))
	d := c.Sum("tok")
	sh.vals[slotKey(&d)] = []byte{2, 1, 2, 3}
	sh.cas[slotKey(&d)] = 5
	if _, ok := c.Lookup(&d); ok {
		t.Fatal("hit on a record of another version")
	}
	c.Store(&d, Record{Provider: 1})
	if _, ok := c.Lookup(&d); !ok {
		t.Fatal("the undecodable record was not overwritten")
	}
	if err := c.set(slotKey(&d), []byte("x"), 1); err == nil {
		t.Fatal("fake accepted a stale cas")
	}
}

// TestSumIsSHA256OfConfigAndToken: the digest is SHA-256 over the configuration's digest and
// the token, whatever the token's length against the chunk the token is copied through.
func TestSumIsSHA256OfConfigAndToken(t *testing.T) {
	config := []byte(`{"providers":{}}`)
	c := New(config)
	cd := sha256.Sum256(config)
	for _, n := range []int{0, 1, 255, 256, 257, 512, 1000, 4096} {
		tok := strings.Repeat("a.b-", n/4+1)[:n]
		want := sha256.Sum256(append(cd[:], tok...))
		if got := c.Sum(tok); got != Digest(want) {
			t.Errorf("length %d: digest %x, want %x", n, got, want)
		}
	}
}
