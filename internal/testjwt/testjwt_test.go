package testjwt

import (
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
)

// TestRingSignsAndVerifiesEveryAlg: every ring key signs every alg it lists,
// the standard library verifies the signature with that key, and not with
// the attacker key of the same type nor after a bit flip.
func TestRingSignsAndVerifiesEveryAlg(t *testing.T) {
	r, err := SharedRing()
	if err != nil {
		t.Fatal(err)
	}
	other := map[string]*Key{KtyRSA: r.Key(RSAAttacker), KtyEC: r.Key(P256Attack), KtyOKP: r.Key(EdAttacker), KtyOct: r.Key(HMACAttack)}
	for _, k := range append(append([]*Key(nil), r.Trusted...), r.Attackers...) {
		for _, alg := range k.Algs() {
			if h, _ := HashFor(alg); alg[:2] == "HS" && len(k.Secret()) < h.Size() {
				continue // Verify refuses secrets shorter than the hash
			}
			input, sig := signSplit(t, alg, k)
			if !Verify(alg, k, input, sig) {
				t.Errorf("%s %s: signature does not verify", k.Name, alg)
			}
			if o := other[k.Kty]; o != k && Verify(alg, o, input, sig) {
				t.Errorf("%s %s: verifies under %s", k.Name, alg, o.Name)
			}
			sig[len(sig)/2] ^= 1
			if Verify(alg, k, input, sig) {
				t.Errorf("%s %s: a flipped signature verifies", k.Name, alg)
			}
		}
	}
}

func signSplit(t *testing.T, alg string, k *Key) (string, []byte) {
	t.Helper()
	tok, err := SignToken(alg, k, `{"alg":"`+alg+`"}`, `{"sub":"a"}`)
	if err != nil {
		t.Fatalf("%s %s: %v", k.Name, alg, err)
	}
	i := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	return tok[:i], sig
}

// TestRingIsDeterministic: two rings hold the same keys, so every case the
// differential generator derives from a seed is the same in every run.
func TestRingIsDeterministic(t *testing.T) {
	a, err := NewRing()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewRing()
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Trusted) != 13 || len(a.Attackers) != 4 {
		t.Fatalf("ring has %d trusted and %d attacker keys, want 13 and 4", len(a.Trusted), len(a.Attackers))
	}
	for i, k := range append(append([]*Key(nil), a.Trusted...), a.Attackers...) {
		if got, want := JWK(k, "", ""), JWK(b.Key(k.Name), "", ""); got != want {
			t.Errorf("key %d %s differs between rings", i, k.Name)
		}
	}
}

// TestNewKeyAndPublicMembers: private keys of every type wrap into a Key
// with the right kty and crv, and their JWK is JSON with the members a JWK of
// that type needs.
func TestNewKeyAndPublicMembers(t *testing.T) {
	r, err := SharedRing()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key      any
		kty, crv string
		members  []string
	}{
		{GenerateRSA(1024), KtyRSA, "", []string{"n", "e"}},
		{r.Key(P384).Signer(), KtyEC, "P-384", []string{"crv", "x", "y"}},
		{r.Key(Ed25519B).Signer(), KtyOKP, "Ed25519", []string{"crv", "x"}},
		{[]byte("secret"), KtyOct, "", []string{"k"}},
	} {
		k, err := NewKey("k", c.key)
		if err != nil {
			t.Fatal(err)
		}
		if k.Kty != c.kty || k.Crv != c.crv {
			t.Errorf("%T: kty %q crv %q, want %q %q", c.key, k.Kty, k.Crv, c.kty, c.crv)
		}
		var jwk map[string]any
		if err := json.Unmarshal([]byte(JWK(k, "kid-1", "X")), &jwk); err != nil {
			t.Fatalf("%T: %v", c.key, err)
		}
		if jwk["kty"] != c.kty || jwk["kid"] != "kid-1" || jwk["alg"] != "X" || jwk["use"] != "sig" {
			t.Errorf("%T: JWK %v", c.key, jwk)
		}
		for _, m := range c.members {
			if _, ok := jwk[m].(string); !ok {
				t.Errorf("%T: JWK lacks %q: %v", c.key, m, jwk)
			}
		}
	}
	if _, err := NewKey("k", "not a key"); err == nil {
		t.Error("NewKey accepted a string")
	}
	if _, _, err := PublicMembers(42); err == nil {
		t.Error("PublicMembers accepted an int")
	}
}

// TestRawECDSA: r and s are right-aligned at the curve's size; too-large
// values keep their low bytes.
func TestRawECDSA(t *testing.T) {
	got := RawECDSA(256, big.NewInt(0x0102), new(big.Int).Lsh(big.NewInt(0xAB), 256))
	if len(got) != 64 || got[30] != 1 || got[31] != 2 || got[63] != 0 || got[32] != 0 {
		t.Fatalf("RawECDSA = %x", got)
	}
}

// TestKeyringTokens: the plugin tests' keys sign tokens their JWKS verifies.
func TestKeyringTokens(t *testing.T) {
	k := Keys(t)
	for _, tk := range []*TestKey{k.RS256, k.RS256b, k.ES256, k.HS256, k.EdDSA} {
		tok := tk.Token(`{"sub":"a"}`)
		i := strings.LastIndexByte(tok, '.')
		sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
		if err != nil || !Verify(tk.Alg, tk.key, tok[:i], sig) {
			t.Errorf("%s: token does not verify (%v)", tk.Kid, err)
		}
		if !strings.Contains(JWKS(tk), `"kid":"`+tk.Kid+`"`) {
			t.Errorf("%s: JWKS lacks the kid: %s", tk.Kid, JWKS(tk))
		}
	}
	if !strings.HasPrefix(k.ES256.PEM(), "-----BEGIN PUBLIC KEY-----\n") {
		t.Errorf("PEM = %q", k.ES256.PEM())
	}
}

// TestPrivateMembersExtendPublicMembers: for every alg, the generated key's private JWK holds
// its public members unchanged, then only private ones.
func TestPrivateMembersExtendPublicMembers(t *testing.T) {
	rk := GenerateRSA(2048)
	for _, alg := range []string{"RS256", "PS512", "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512"} {
		key, err := GenerateFor(alg, rk)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		kty, members, err := PrivateMembers(key)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		pubKty, pub, err := PublicMembers(key)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		var public, private []string
		for _, m := range members {
			if IsPrivateMember(m.Name) {
				private = append(private, m.Name)
			} else {
				public = append(public, `"`+m.Name+`":"`+m.Value+`"`)
			}
		}
		if kty == KtyOct { // the secret is both
			public = []string{`"k":"` + members[0].Value + `"`}
		}
		if kty != pubKty || strings.Join(public, ",") != pub || len(private) == 0 {
			t.Errorf("%s: kty %s, public %s, private %q; want kty %s, public %s and private members", alg, kty, public, private, pubKty, pub)
		}
	}
	if _, err := GenerateFor("none", rk); err == nil {
		t.Error(`GenerateFor("none") succeeded`)
	}
}
