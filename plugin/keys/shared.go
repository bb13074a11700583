package keys

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// This file is the part of the remote JWKS cache that lives in proxy-wasm shared data, where
// every VM of the plugin (Envoy runs one per worker thread, all with the same vm_id) sees it.
// Envoy's jwt_authn fetches on every worker and keeps one copy per worker, so each worker
// hammers the IdP on its own and sees a rotated key at its own time (istio#51581); here one
// VM fetches and the others take its result.
//
// Two keys per remote JWKS (cluster and URI; see sharedKeys):
//
//	"...|meta"  41 bytes, read often: the generation of the published keys, the start of
//	            the latest fetch, the latest failure and the in-flight lease (which VM is
//	            fetching, until when). Written with compare-and-swap.
//	"...|keys"  the fetched JWKS as the IdP sent it, with its fetch time. Read only when the
//	            generation in meta differs from the one a VM holds, so the request path never
//	            copies a JWKS out of shared data except when it changed.
//
// Both encodings start with a version byte; a value that does not decode (another version of
// this module sharing the vm_id, or a truncated write) is treated as absent, and meta is then
// overwritten with compare-and-swap like any other value.

const (
	sharedMetaVersion = 1
	sharedKeysVersion = 1
	sharedMetaSize    = 1 + 8*5
	sharedKeysHeader  = 1 + 8
	sharedKeyPrefix   = "jwt_authn/jwks/v1|"
)

// sharedKeys returns the shared-data keys of a remote JWKS. The cluster is part of them
// because the same URI through another cluster is another server as far as the filter knows.
func sharedKeys(cluster, uri string) (meta, keys string) {
	base := sharedKeyPrefix + cluster + "|" + uri
	return base + "|meta", base + "|keys"
}

// sharedMeta is the "...|meta" value. Times are Unix nanoseconds of the VMs' clock (every VM
// reads the same host clock); zero means "never".
type sharedMeta struct {
	gen        uint64    // generation of the keys under "...|keys"; 0: none published
	attemptAt  time.Time // start of the latest fetch by any VM (the unknown-kid rate limit)
	failedAt   time.Time // latest failed fetch by any VM (the failed-refetch back-off)
	leaseOwner uint64    // who fetches now (a Entry.owner: one per VM and settings); 0: nobody
	leaseUntil time.Time // the lease's end: after it, another VM may fetch
}

func (m *sharedMeta) encode() []byte {
	b := make([]byte, sharedMetaSize)
	b[0] = sharedMetaVersion
	binary.LittleEndian.PutUint64(b[1:], m.gen)
	binary.LittleEndian.PutUint64(b[9:], uint64(unixNano(m.attemptAt)))
	binary.LittleEndian.PutUint64(b[17:], uint64(unixNano(m.failedAt)))
	binary.LittleEndian.PutUint64(b[25:], m.leaseOwner)
	binary.LittleEndian.PutUint64(b[33:], uint64(unixNano(m.leaseUntil)))
	return b
}

func decodeSharedMeta(b []byte) (sharedMeta, bool) {
	if len(b) != sharedMetaSize || b[0] != sharedMetaVersion {
		return sharedMeta{}, false
	}
	return sharedMeta{
		gen:        binary.LittleEndian.Uint64(b[1:]),
		attemptAt:  fromUnixNano(int64(binary.LittleEndian.Uint64(b[9:]))),
		failedAt:   fromUnixNano(int64(binary.LittleEndian.Uint64(b[17:]))),
		leaseOwner: binary.LittleEndian.Uint64(b[25:]),
		leaseUntil: fromUnixNano(int64(binary.LittleEndian.Uint64(b[33:]))),
	}, true
}

// leasedBy reports whether an owner other than owner holds an unexpired lease at now.
func (m *sharedMeta) leasedBy(owner uint64, now time.Time) bool {
	return m.leaseOwner != 0 && m.leaseOwner != owner && now.Before(m.leaseUntil)
}

func encodeSharedKeys(fetchedAt time.Time, jwks []byte) []byte {
	b := make([]byte, sharedKeysHeader+len(jwks))
	b[0] = sharedKeysVersion
	binary.LittleEndian.PutUint64(b[1:], uint64(unixNano(fetchedAt)))
	copy(b[sharedKeysHeader:], jwks)
	return b
}

func decodeSharedKeys(b []byte) (fetchedAt time.Time, jwks []byte, ok bool) {
	if len(b) <= sharedKeysHeader || b[0] != sharedKeysVersion {
		return time.Time{}, nil, false
	}
	return fromUnixNano(int64(binary.LittleEndian.Uint64(b[1:]))), b[sharedKeysHeader:], true
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// Shared-data access. Errors other than a missing key or a CAS mismatch (a host without
// shared data) degrade the cache to one copy per VM: every function reports "nothing there"
// or "written" so that the VM fetches for itself instead of waiting for others.

// readMeta returns the meta value, its CAS, and whether a valid value exists.
func readMeta(key string) (sharedMeta, uint32, bool) {
	b, cas, err := proxywasm.GetSharedData(key)
	if err != nil {
		return sharedMeta{}, 0, false
	}
	m, ok := decodeSharedMeta(b)
	return m, cas, ok
}

// writeMeta stores m if the value is still at cas (0: whatever is there). It reports false
// only on a CAS mismatch, which means another VM wrote in between.
func writeMeta(key string, m *sharedMeta, cas uint32) bool {
	err := proxywasm.SetSharedData(key, m.encode(), cas)
	return !errors.Is(err, types.ErrorStatusCasMismatch)
}

// updateMeta applies change to the current meta value with compare-and-swap, retrying when
// another VM wrote in between; change returns false to leave the value as it is. It returns
// the value as last seen (after the change when it was written) and whether it was written.
func updateMeta(key string, change func(m *sharedMeta) bool) (sharedMeta, bool) {
	const attempts = 8 // only other VMs' writes interfere; a handful of retries always suffices in practice
	var m sharedMeta
	for i := 0; i < attempts; i++ {
		var cas uint32
		m, cas, _ = readMeta(key)
		if !change(&m) {
			return m, false
		}
		if writeMeta(key, &m, cas) {
			return m, true
		}
	}
	return m, false
}

// ensureMeta creates an empty meta value if there is none. Creating a missing key ignores the
// CAS (cpp-host SharedData::set), so two VMs creating it at once would both "win"; every VM
// therefore creates it at plugin start, before any lease is taken, and later writes are
// compare-and-swaps on an existing value.
func ensureMeta(key string) {
	if _, _, err := proxywasm.GetSharedData(key); errors.Is(err, types.ErrorStatusNotFound) {
		writeMeta(key, &sharedMeta{}, 0)
	}
}

func readSharedKeys(key string) (time.Time, []byte, bool) {
	b, _, err := proxywasm.GetSharedData(key)
	if err != nil {
		return time.Time{}, nil, false
	}
	return decodeSharedKeys(b)
}

// writeSharedKeys publishes a fetched JWKS. It is written unconditionally: only the lease
// holder writes it, and when two VMs race anyway (lease expired under a slow fetch) both
// values are fresh fetches of the same URI, so either may win.
func writeSharedKeys(key string, fetchedAt time.Time, jwks []byte) {
	_ = proxywasm.SetSharedData(key, encodeSharedKeys(fetchedAt, jwks), 0)
}
