// Package difftest builds deterministic JWT test material for the verifier's
// differential, fuzz and benchmark tests: JWKS scenarios (keysets.go) over the
// fixed keys of internal/testjwt, and a seeded generator of valid and mutated
// tokens (generate.go, mutate*.go) signed with testjwt.Sign, which shares no
// code with the verifier.
//
// It is a test helper: nothing in the filter imports it. It uses only the
// standard library and internal/testjwt so that the benchmarks built on it
// also run inside the wasm (GOOS=wasip1).
package difftest
