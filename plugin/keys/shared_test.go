package keys

import (
	"bytes"
	"testing"
	"time"
)

func TestSharedMetaRoundTrips(t *testing.T) {
	at := time.Unix(1767225600, 123456789)
	for _, m := range []sharedMeta{
		{},
		{gen: 7, attemptAt: at, failedAt: at.Add(time.Second), leaseOwner: 0xdeadbeef, leaseUntil: at.Add(20 * time.Second)},
		{gen: 1, attemptAt: at},
	} {
		b := m.encode()
		if len(b) != sharedMetaSize || b[0] != sharedMetaVersion {
			t.Fatalf("encode(%+v) = %d bytes, version %d", m, len(b), b[0])
		}
		got, ok := decodeSharedMeta(b)
		if !ok || got.gen != m.gen || got.leaseOwner != m.leaseOwner || !got.attemptAt.Equal(m.attemptAt) ||
			!got.failedAt.Equal(m.failedAt) || !got.leaseUntil.Equal(m.leaseUntil) {
			t.Errorf("decode(encode(%+v)) = %+v, %v", m, got, ok)
		}
		if m.attemptAt.IsZero() && !got.attemptAt.IsZero() {
			t.Errorf("a zero time must stay zero (never), got %v", got.attemptAt)
		}
	}
}

func TestSharedMetaRefusesForeignValues(t *testing.T) {
	good := (&sharedMeta{gen: 3}).encode()
	wrongVersion := append([]byte(nil), good...)
	wrongVersion[0] = sharedMetaVersion + 1
	for name, b := range map[string][]byte{
		"empty":         nil,
		"truncated":     good[:len(good)-1],
		"too long":      append(append([]byte(nil), good...), 0),
		"wrong version": wrongVersion,
	} {
		if m, ok := decodeSharedMeta(b); ok {
			t.Errorf("%s: decoded as %+v, want absent", name, m)
		}
	}
}

func TestSharedKeysRoundTripAndRefuseForeignValues(t *testing.T) {
	at := time.Unix(1767225600, 5)
	jwks := []byte(`{"keys":[]}`)
	gotAt, gotJwks, ok := decodeSharedKeys(encodeSharedKeys(at, jwks))
	if !ok || !gotAt.Equal(at) || !bytes.Equal(gotJwks, jwks) {
		t.Errorf("round trip = %v, %q, %v", gotAt, gotJwks, ok)
	}
	bad := encodeSharedKeys(at, jwks)
	bad[0] = sharedKeysVersion + 1
	for name, b := range map[string][]byte{
		"empty":         nil,
		"header only":   encodeSharedKeys(at, nil),
		"wrong version": bad,
	} {
		if _, _, ok := decodeSharedKeys(b); ok {
			t.Errorf("%s: decoded, want absent", name)
		}
	}
}

func TestLeasedBy(t *testing.T) {
	now := time.Unix(1767225600, 0)
	m := sharedMeta{leaseOwner: 5, leaseUntil: now.Add(time.Second)}
	if !m.leasedBy(6, now) {
		t.Error("another owner's unexpired lease must count")
	}
	if m.leasedBy(5, now) {
		t.Error("one's own lease must not count")
	}
	if m.leasedBy(6, now.Add(time.Second)) {
		t.Error("a lease ends at leaseUntil")
	}
	if (&sharedMeta{leaseUntil: now.Add(time.Hour)}).leasedBy(6, now) {
		t.Error("owner 0 is nobody")
	}
}

func TestSharedKeysNameTheClusterAndURI(t *testing.T) {
	m1, k1 := sharedKeys("idp", "https://idp/jwks")
	m2, _ := sharedKeys("other", "https://idp/jwks")
	if m1 == m2 || m1 == k1 || m1 != sharedKeyPrefix+"idp|https://idp/jwks|meta" || k1 != sharedKeyPrefix+"idp|https://idp/jwks|keys" {
		t.Errorf("sharedKeys = %q, %q; other cluster %q", m1, k1, m2)
	}
}
