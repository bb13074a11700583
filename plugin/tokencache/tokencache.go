// Package tokencache is the verified-token cache shared by the VMs of a plugin (one per
// Envoy worker thread) through proxy-wasm shared data: a token one VM verified is not
// verified again by the others. Envoy keeps its JWT cache per worker, so with 16 workers a
// token costs up to 16 signature checks; here it costs one per host.
//
// What is shared is only the fact "this token verified, for this provider, under this
// configuration, with this generation of keys": a fixed-size record keyed by a SHA-256 of
// the configuration and the token. Never the token itself, nor its claims: the VM that
// hits has the token in its request, parses it (a few µs against hundreds for a signature)
// and runs every claim check of a miss again (issuer, time, audiences, subject, lifetime).
// A record is a hit only when
//
//   - its digest equals the request's: the same token bytes and the same configuration (a
//     VM with another configuration computes other digests, so it never hits);
//   - its provider is the one the request verifies with;
//   - its key generation is the generation the VM holds now for that provider (after the
//     key source made sure its keys are within cache_duration, refetching if needed); local
//     keys are part of the configuration and have generation 0;
//   - its exp has not passed (the claim checks look at it again with the provider's skew).
//
// Memory is bounded in the host, where shared data is freed only when the last VM of the
// vm_id goes: a fixed key space of Slots keys, one record each, a new record overwriting
// the slot its digest falls in (compare-and-swap, so two VMs racing keep one of two valid
// records). Values are 59 bytes, the keys ~25: about 350 KiB per vm_id when every slot is
// used. A record that does not decode (another version of this module on the same vm_id)
// is a miss, and is overwritten.
package tokencache

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"hash"
	"strconv"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
)

const (
	// Slots is the number of shared-data keys the cache uses.
	Slots = 4096
	// KeyPrefix starts every slot's key.
	KeyPrefix   = "jwt_authn/tokens/v1|"
	version     = 1
	recordSize  = 1 + sha256.Size + 2 + 8 + 8 + 8
	maxProvider = 1<<16 - 1
)

// Digest identifies a token under a configuration.
type Digest [sha256.Size]byte

// Record is what a hit tells.
type Record struct {
	Provider int    // the provider's index in the configuration
	Gen      uint64 // the generation of the provider's keys that verified it; 0: local keys
	Exp      int64  // the token's exp (Unix seconds); 0: none
	Verified int64  // when it verified (Unix seconds), for logs and tests
}

// Cache is one VM's handle on the shared records. A VM runs one callback at a time, so it
// needs no lock.
type Cache struct {
	config [sha256.Size]byte // digest of the configuration
	h      hash.Hash
	// get and set are proxy-wasm's shared data calls (replaced in unit tests).
	get func(key string) ([]byte, uint32, error)
	set func(key string, value []byte, cas uint32) error
}

// New returns the cache of a configuration; config is its exact bytes (any change to it,
// keys included, yields other digests).
func New(config []byte) *Cache {
	return &Cache{config: sha256.Sum256(config), h: sha256.New(),
		get: proxywasm.GetSharedData, set: proxywasm.SetSharedData}
}

// Sum is the digest of token under the cache's configuration: SHA-256 of the
// configuration's digest and the token.
func (c *Cache) Sum(token string) Digest {
	c.h.Reset()
	c.h.Write(c.config[:])
	c.h.Write([]byte(token))
	var d Digest
	c.h.Sum(d[:0])
	return d
}

func slotKey(d *Digest) string {
	slot := binary.LittleEndian.Uint32(d[:4]) % Slots
	return KeyPrefix + strconv.FormatUint(uint64(slot), 10)
}

// Lookup returns the record of d, if its slot holds it.
func (c *Cache) Lookup(d *Digest) (Record, bool) {
	b, _, err := c.get(slotKey(d))
	if err != nil {
		return Record{}, false
	}
	stored, r, ok := decode(b)
	if !ok || subtle.ConstantTimeCompare(stored[:], d[:]) != 1 {
		return Record{}, false
	}
	return r, true
}

// Store publishes r for d, overwriting whatever its slot held. It is best effort: when
// another VM writes the slot at the same time, one of the two records stays.
func (c *Cache) Store(d *Digest, r Record) {
	if r.Provider < 0 || r.Provider > maxProvider {
		return
	}
	key := slotKey(d)
	_, cas, err := c.get(key)
	if err != nil {
		cas = 0 // absent: created without compare-and-swap
	}
	_ = c.set(key, encode(d, r), cas)
}

func encode(d *Digest, r Record) []byte {
	b := make([]byte, recordSize)
	b[0] = version
	copy(b[1:], d[:])
	o := 1 + sha256.Size
	binary.LittleEndian.PutUint16(b[o:], uint16(r.Provider))
	binary.LittleEndian.PutUint64(b[o+2:], r.Gen)
	binary.LittleEndian.PutUint64(b[o+10:], uint64(r.Exp))
	binary.LittleEndian.PutUint64(b[o+18:], uint64(r.Verified))
	return b
}

func decode(b []byte) (d Digest, r Record, ok bool) {
	if len(b) != recordSize || b[0] != version {
		return d, r, false
	}
	copy(d[:], b[1:])
	o := 1 + sha256.Size
	r.Provider = int(binary.LittleEndian.Uint16(b[o:]))
	r.Gen = binary.LittleEndian.Uint64(b[o+2:])
	r.Exp = int64(binary.LittleEndian.Uint64(b[o+10:]))
	r.Verified = int64(binary.LittleEndian.Uint64(b[o+18:]))
	return d, r, true
}
