package plugin

import (
	"strconv"
	"strings"
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

// TestSameTokenAndTokenHash: sameToken is ==, at every length around its 8-byte steps and
// with the difference at every position; tokenHash tells apart what differs in one byte.
func TestSameTokenAndTokenHash(t *testing.T) {
	base := strings.Repeat("eyJhbGciOiJSUzI1NiJ9.", 40)
	for n := 0; n <= 40; n++ {
		a := base[:n]
		if !sameToken(a, strings.Clone(a)) {
			t.Fatalf("length %d: a token differs from its copy", n)
		}
		if n > 0 && sameToken(a, a[:n-1]) {
			t.Fatalf("length %d: equal to a shorter token", n)
		}
		for i := 0; i < n; i++ {
			b := []byte(a)
			b[i] ^= 1
			if sameToken(a, string(b)) {
				t.Fatalf("length %d: a difference at %d not seen", n, i)
			}
			if tokenHash(a) == tokenHash(string(b)) {
				t.Fatalf("length %d: one hash for tokens differing at %d", n, i)
			}
		}
	}
	long := base[:800]
	if !sameToken(long, strings.Clone(long)) || tokenHash(long) != tokenHash(strings.Clone(long)) {
		t.Fatal("an 800-byte token differs from its copy")
	}
}

// TestJwtCacheHashCollision: two tokens with one hash are never taken for each other; the one
// cached later replaces the earlier, in its cache and in the configuration's index.
func TestJwtCacheHashCollision(t *testing.T) {
	hashToken = func(string) uint64 { return 7 }
	t.Cleanup(func() { hashToken = tokenHash })
	c := newJwtCache(10, 0)
	c.index = tokenIndex{}
	a, b := entry("token-a", 0), entry("token-b", 0)
	c.insert(a)
	if c.lookup("token-b", 0) != nil || c.index.parsed("token-b") != nil {
		t.Fatal("token-b found as token-a")
	}
	if c.lookup("token-a", 0) != a || c.index.parsed("token-a") != a.tok {
		t.Fatal("token-a not found")
	}
	c.insert(b)
	if c.lookup("token-a", 0) != nil || c.index.parsed("token-a") != nil {
		t.Fatal("token-a still found after token-b took its hash")
	}
	if c.lookup("token-b", 0) != b || c.index.parsed("token-b") != b.tok || len(c.entries) != 1 {
		t.Fatalf("token-b not the one entry (%d entries)", len(c.entries))
	}
	c.Clear()
	if len(c.index) != 0 || c.lookup("token-b", 0) != nil {
		t.Fatal("Clear left the token")
	}
}
