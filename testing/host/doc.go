// Package host runs a proxy-wasm module (ABI 0.2.1) in wazero the way Envoy runs it.
//
// It stands in for Envoy's host, proxy-wasm-cpp-host plus Envoy's context.cc, including their
// limits: only the WASI functions Envoy provides (chosen by Profile), the same restricted
// phases (_initialize and proxy_on_memory_allocate may call only a few host functions), the
// same status codes, property encodings, HTTP call rules and stream lifecycle. A host more
// generous than Envoy would let a filter pass every test and still crash in production, so
// where Envoy fails a VM this host fails it too and says why (see VMFailure).
//
// A Host is one plugin (one configuration) running in N VMs, like Envoy's worker threads;
// streams are spread across them round-robin. A Host is safe for concurrent use: each VM is
// single-threaded behind its own mutex, shared data and metrics are host-wide.
//
// RATIONALE.md lists every imported function with the Envoy source it follows.
package host
