package difftest

import (
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
)

// TestGeneratorIsDeterministic: the same seed gives the same kinds, key
// sets, expectations and token shapes. Tokens are byte-identical except
// where the signature is randomized (ECDSA, RSA-PSS), which keeps its length
// (raw r||s and PSS are fixed-size).
func TestGeneratorIsDeterministic(t *testing.T) {
	ring, err := testjwt.NewRing()
	if err != nil {
		t.Fatal(err)
	}
	a, b := NewGenerator(42, ring), NewGenerator(42, ring)
	const n = 300
	identical := 0
	for i := range n {
		x, err := a.Next()
		if err != nil {
			t.Fatal(err)
		}
		y, err := b.Next()
		if err != nil {
			t.Fatal(err)
		}
		// A character flip in a randomized signature may or may not touch
		// only unused bits, and DER signatures vary in length: for those the
		// kind and the length may differ.
		loose := func(k string) bool { return k == KindFlipChar || k == KindNonCanonical || k == KindECDSADER }
		if loose(x.Kind) && loose(y.Kind) {
			continue
		}
		if x.Kind != y.Kind || x.Set.Name != y.Set.Name || x.Issuer != y.Issuer ||
			strings.Join(x.Audiences, ",") != strings.Join(y.Audiences, ",") || len(x.Token) != len(y.Token) {
			t.Fatalf("case %d differs between two generators of the same seed: %s/%s vs %s/%s", i, x.Kind, x.Set.Name, y.Kind, y.Set.Name)
		}
		if x.Token == y.Token {
			identical++
		}
	}
	// HMAC, RSA PKCS#1 v1.5 and Ed25519 are deterministic: most tokens match.
	if identical < n/3 {
		t.Errorf("only %d of %d tokens byte-identical", identical, n)
	}
}

// TestExampleMakesEveryKind: every kind can be drawn on demand, which the
// named difference tests rely on.
func TestExampleMakesEveryKind(t *testing.T) {
	ring, err := testjwt.NewRing()
	if err != nil {
		t.Fatal(err)
	}
	g := NewGenerator(1, ring)
	for _, kind := range Kinds() {
		c, err := g.Example(kind)
		if err != nil {
			t.Errorf("%s: %v", kind, err)
			continue
		}
		if c.Kind != kind || c.Token == "" || c.Set == nil {
			t.Errorf("Example(%s) returned kind %s", kind, c.Kind)
		}
	}
}

// TestKeySetsPublishTheirEntries: each scenario's JWKS holds its entries
// (with their kid and alg) and its noise keys.
func TestKeySetsPublishTheirEntries(t *testing.T) {
	ring, err := testjwt.NewRing()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range KeySets(ring) {
		if got, want := strings.Count(s.JSON, `"kty":`), len(s.Entries)+len(s.Noise); got != want {
			t.Errorf("%s: %d JWKs in the JSON, want %d", s.Name, got, want)
		}
		for _, e := range s.Entries {
			if !strings.Contains(s.JSON, JWK(e)) {
				t.Errorf("%s: entry %s (kid %q alg %q) missing", s.Name, e.Key.Name, e.Kid, e.Alg)
			}
		}
	}
}
