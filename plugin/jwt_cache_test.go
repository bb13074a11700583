package plugin

import (
	"strconv"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

func entry(token string, exp int64) *cacheEntry {
	return &cacheEntry{token: token, tok: &verifier.Token{ExpiresAt: exp}}
}

func TestJwtCacheEvictsTheLeastRecentlyUsed(t *testing.T) {
	c := newJwtCache(3, 0)
	for i := 0; i < 3; i++ {
		c.insert(entry("t"+strconv.Itoa(i), 0))
	}
	c.lookup("t0", 0) // t1 is now the least recently used
	c.insert(entry("t3", 0))
	if c.lookup("t1", 0) != nil {
		t.Error("t1 should have been evicted")
	}
	for _, k := range []string{"t0", "t2", "t3"} {
		if c.lookup(k, 0) == nil {
			t.Errorf("%s evicted", k)
		}
	}
	if len(c.entries) != 3 {
		t.Errorf("len = %d, want 3", len(c.entries))
	}
}

func TestJwtCacheDefaultsAreEnvoys(t *testing.T) {
	c := newJwtCache(0, 0)
	if c.max != 100 || c.maxTokenBytes != 4096 {
		t.Errorf("defaults %d entries, %d bytes; want 100, 4096", c.max, c.maxTokenBytes)
	}
}

func TestJwtCacheSkipsLongTokens(t *testing.T) {
	c := newJwtCache(10, 8)
	c.insert(entry("12345678", 0))
	c.insert(entry("123456789", 0))
	if c.lookup("12345678", 0) == nil || c.lookup("123456789", 0) != nil {
		t.Error("the size limit is inclusive: 8 bytes cached, 9 not")
	}
}

func TestJwtCacheDropsExpiredEntriesOnLookup(t *testing.T) {
	c := newJwtCache(10, 0)
	c.insert(entry("t", 1000))
	if c.lookup("t", 1060) == nil {
		t.Error("within the 60 s skew the entry must stay")
	}
	if c.lookup("t", 1061) != nil || len(c.entries) != 0 {
		t.Error("past exp + 60 s the entry must be dropped")
	}
	c.insert(entry("noexp", 0))
	if c.lookup("noexp", 1<<40) == nil {
		t.Error("a token without exp does not expire")
	}
}

func TestJwtCacheReplacesAnEntryOfTheSameToken(t *testing.T) {
	c := newJwtCache(2, 0)
	c.insert(entry("a", 0))
	second := entry("a", 5)
	c.insert(second)
	if c.lookup("a", 0) != second || len(c.entries) != 1 {
		t.Error("inserting the same token twice must keep one, the newer, entry")
	}
}
