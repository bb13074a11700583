package host_test

import (
	"slices"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// connection.sha256_peer_certificate_digest is the stream's client-certificate digest (lower-case
// hex), and absent (NotFound) on a stream without a client certificate, as in Envoy.
func TestPeerCertificateDigestProperty(t *testing.T) {
	const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	h := probe(t, "abi", host.Options{VMs: 1, Clusters: []string{"jwks"}})
	for _, d := range []string{digest, ""} {
		s := h.NewStream(host.StreamOptions{PeerCertificateSHA256: d})
		s.SendRequestHeaders(get("/"), true)
		s.Done()
	}
	if err := h.Err(); err != nil {
		t.Fatal(err)
	}
	logs := h.Logs(host.LogInfo)
	for _, want := range []string{"peer_certificate_digest=" + digest + " status=0", "peer_certificate_digest= status=1"} {
		if !slices.Contains(logs, want) {
			t.Errorf("no log line %q in %q", want, logs)
		}
	}
}
