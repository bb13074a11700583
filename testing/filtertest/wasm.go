package filtertest

import "testing"

// Wasm is the runner on build/jwt-authn.wasm inside the wazero host. Placeholder until the
// host lands: it fails, never skips.
func Wasm() Runner { return wasmRunner{} }

type wasmRunner struct{}

func (wasmRunner) Name() string { return "wasm" }

func (wasmRunner) Start(t testing.TB, opt Options) (Host, error) {
	t.Fatal("filtertest: wasm runner not implemented yet")
	return nil, nil
}
