package main_test

import (
	"strings"
	"testing"
)

// -client-cert-digest gives every request connection.sha256_peer_certificate_digest, in lower
// case as Envoy does; a malformed digest is refused at start.
func TestEmulatorClientCertDigest(t *testing.T) {
	const digest = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
	e := startEmulator(t, buildEmulator(t), "-wasm", buildProbe(t), "-config", writeFile(t, "c", "abi"), "-client-cert-digest", digest)
	resp, _ := get(t, "http://"+e.addr+"/x")
	resp.Body.Close()
	e.stop(t)
	if want := "peer_certificate_digest=" + strings.ToLower(digest) + " status=0"; !strings.Contains(e.stderr.String(), want) {
		t.Errorf("module log lacks %q:\n%s", want, e.stderr)
	}

	plain := startEmulator(t, buildEmulator(t), "-wasm", buildProbe(t), "-config", writeFile(t, "c", "abi"))
	resp, _ = get(t, "http://"+plain.addr+"/x")
	resp.Body.Close()
	plain.stop(t)
	if want := "peer_certificate_digest= status=1"; !strings.Contains(plain.stderr.String(), want) {
		t.Errorf("without the flag, module log lacks %q:\n%s", want, plain.stderr)
	}
}
