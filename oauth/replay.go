package oauth

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strconv"
	"time"
)

// The DPoP jti replay cache (RFC 9449 §11.1) lives in proxy-wasm shared data, so that every VM
// (worker) of the plugin sees every proof, in a fixed number of fixed-size slots, so that no
// flood can make it grow.
const (
	// ReplaySlots is the number of shared-data keys the cache uses at most.
	ReplaySlots = 8192
	// ReplayEntriesPerSlot is how many proofs one slot remembers.
	ReplayEntriesPerSlot = 4
	// replayEntryBytes: 8 bytes of expiry (Unix seconds, big-endian), 16 bytes of hash.
	replayEntryBytes = 24
	// replayMaxTries bounds the compare-and-swap retries when VMs write one slot at once.
	replayMaxTries = 8
)

// ReplayStore is the shared data the cache lives in: proxy-wasm's get/set with a CAS value.
type ReplayStore interface {
	// Get returns the value and CAS of key; ok false when the key does not exist (CAS 0 then
	// creates it).
	Get(key string) (value []byte, cas uint32, ok bool, err error)
	// Set writes value if the key's CAS is still cas; mismatch true when another writer was
	// first.
	Set(key string, value []byte, cas uint32) (mismatch bool, err error)
}

// ErrReplayStore is a failure of the shared data; the caller fails closed.
var ErrReplayStore = errors.New("oauth: replay cache unavailable")

// ReplayCache remembers the proofs seen, by the hash of the proof key's thumbprint and jti,
// until the proof could no longer verify. Prefix namespaces its keys
// ("jwt_authn/dpop/v1|<provider>|").
//
// Eviction: each proof hashes to one of ReplaySlots slots, each holding ReplayEntriesPerSlot
// proofs. A new proof takes an expired entry of its slot, else the entry that expires first,
// so the cache never refuses a fresh proof (an attacker cannot lock clients out by filling
// it). The cost: a proof is forgotten early when ReplayEntriesPerSlot other proofs hash to
// its slot within its window, that is, under more than about ReplaySlots*ReplayEntriesPerSlot
// (32768) proofs per window (the max_age plus the skew, twice): beyond roughly 540 DPoP
// requests per second for a 60 s window, a captured proof may be replayed within its window,
// still only with the same method, URI and access token.
type ReplayCache struct {
	Prefix string
}

// Seen records the proof (jkt, jti), valid until expires, and reports whether it was already
// recorded and not expired at now. Errors wrap [ErrReplayStore].
func (c ReplayCache) Seen(s ReplayStore, jkt, jti string, now, expires time.Time) (bool, error) {
	h := sha256.New()
	h.Write([]byte(jkt))
	h.Write([]byte{0})
	h.Write([]byte(jti))
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	slot := binary.BigEndian.Uint32(sum[16:20]) % ReplaySlots
	key := c.Prefix + strconv.FormatUint(uint64(slot), 10)
	id := sum[:16]
	nowS, expS := now.Unix(), expires.Unix()
	for range replayMaxTries {
		val, cas, _, err := s.Get(key)
		if err != nil {
			return false, errors.Join(ErrReplayStore, err)
		}
		entries := make([]byte, ReplayEntriesPerSlot*replayEntryBytes)
		if len(val) == len(entries) {
			copy(entries, val)
		}
		victim, victimExp := 0, int64(1<<63-1)
		for i := 0; i < ReplayEntriesPerSlot; i++ {
			e := entries[i*replayEntryBytes : (i+1)*replayEntryBytes]
			exp := int64(binary.BigEndian.Uint64(e[:8]))
			if exp > nowS && string(e[8:]) == string(id) {
				return true, nil
			}
			if exp <= nowS {
				exp = 0 // expired: always the first choice
			}
			if exp < victimExp {
				victim, victimExp = i, exp
			}
		}
		e := entries[victim*replayEntryBytes : (victim+1)*replayEntryBytes]
		binary.BigEndian.PutUint64(e[:8], uint64(expS))
		copy(e[8:], id)
		mismatch, err := s.Set(key, entries, cas)
		if err != nil {
			return false, errors.Join(ErrReplayStore, err)
		}
		if !mismatch {
			return false, nil
		}
	}
	return false, errors.Join(ErrReplayStore, errors.New("slot contended"))
}
