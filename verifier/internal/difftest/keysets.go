package difftest

import (
	"encoding/base64"
	"strings"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
)

// KeySet is a JWKS scenario: the entries a verifier must use, in publication
// order, and the JWKS text that publishes them, possibly among keys that a
// verifier must skip (Noise).
type KeySet struct {
	Name    string
	Entries []Entry
	Noise   []string // raw JWKs in JSON that no verifier may use
	JSON    string
}

// Names of the key-set scenarios.
const (
	SetKidAlg    = "kid+alg"    // every key with a kid and an alg
	SetKidOnly   = "kid-only"   // kids, no alg (Azure AD)
	SetAlgOnly   = "alg-only"   // algs, no kid
	SetBare      = "bare"       // neither
	SetSharedKid = "shared-kid" // rotations and one kid shared by different key types
	SetNoisy     = "noisy"      // kid-only keys among keys that must be skipped
)

// KeySets builds the scenarios over a ring's trusted keys.
func KeySets(r *testjwt.Ring) []*KeySet {
	k := r.Key
	kidAlg := []Entry{
		{k(testjwt.RSA2048A), "rsa-2048-a-rs256", "RS256"},
		{k(testjwt.RSA2048A), "rsa-2048-a-ps384", "PS384"},
		{k(testjwt.RSA2048B), "rsa-2048-b-ps256", "PS256"},
		{k(testjwt.RSA2048B), "rsa-2048-b-rs512", "RS512"},
		{k(testjwt.RSA3072), "rsa-3072-rs384", "RS384"},
		{k(testjwt.RSA3072), "rsa-3072-ps512", "PS512"},
		{k(testjwt.P256A), testjwt.P256A, "ES256"},
		{k(testjwt.P256B), testjwt.P256B, "ES256"},
		{k(testjwt.P384), testjwt.P384, "ES384"},
		{k(testjwt.P521), testjwt.P521, "ES512"},
		{k(testjwt.Ed25519A), testjwt.Ed25519A, "EdDSA"},
		{k(testjwt.Ed25519B), testjwt.Ed25519B, "EdDSA"},
		{k(testjwt.HMAC32), testjwt.HMAC32, "HS256"},
		{k(testjwt.HMAC48), testjwt.HMAC48, "HS384"},
		{k(testjwt.HMAC64), testjwt.HMAC64, "HS512"},
		{k(testjwt.HMAC80), testjwt.HMAC80, "HS256"},
	}
	var kidOnly, algOnly, bare []Entry
	for _, key := range r.Trusted {
		kidOnly = append(kidOnly, Entry{key, key.Name, ""})
		bare = append(bare, Entry{key, "", ""})
	}
	for _, e := range kidAlg {
		algOnly = append(algOnly, Entry{e.Key, "", e.Alg})
	}
	shared := []Entry{
		{k(testjwt.RSA2048A), "rsa", "RS256"}, // a rotation: two keys under one kid
		{k(testjwt.RSA2048B), "rsa", "RS256"},
		{k(testjwt.P256A), "rsa", "ES256"}, // the same kid on another key type
		{k(testjwt.HMAC32), "rsa", ""},
		{k(testjwt.RSA3072), "", "PS512"},
		{k(testjwt.P256B), "", ""},
		{k(testjwt.P384), "ec", ""},
		{k(testjwt.P521), "ec", "ES512"},
		{k(testjwt.Ed25519A), "ed", ""},
		{k(testjwt.Ed25519B), "ed", "EdDSA"},
		{k(testjwt.HMAC64), "hs", "HS512"},
		{k(testjwt.HMAC80), "hs", ""},
		{k(testjwt.HMAC48), "", "HS384"},
	}
	sets := []*KeySet{
		{Name: SetKidAlg, Entries: kidAlg},
		{Name: SetKidOnly, Entries: kidOnly},
		{Name: SetAlgOnly, Entries: algOnly},
		{Name: SetBare, Entries: bare},
		{Name: SetSharedKid, Entries: shared},
		{Name: SetNoisy, Entries: kidOnly, Noise: noiseJWKs(r)},
	}
	for _, s := range sets {
		s.JSON = interleave(s)
	}
	return sets
}

// interleave renders a set's JWKS with the noise keys spread between the
// usable ones, so that a verifier that stops at the first bad key is caught.
func interleave(s *KeySet) string {
	parts := make([]string, 0, len(s.Entries)+len(s.Noise))
	noise := s.Noise
	for i, e := range s.Entries {
		if len(noise) > 0 && i%2 == 0 {
			parts = append(parts, noise[0])
			noise = noise[1:]
		}
		parts = append(parts, JWK(e))
	}
	parts = append(parts, noise...)
	return `{"keys":[` + strings.Join(parts, ",") + `]}`
}

// Kids of noise keys whose material can sign: a token that names one must be
// refused, since the key was skipped.
const (
	NoiseEncKid   = "enc-only"    // testjwt.RSA2048A material with "use":"enc"
	NoiseOpsKid   = "ops-encrypt" // testjwt.P256A material with "key_ops":["encrypt"]
	NoiseShortKid = "short"       // a 16-byte HMAC secret with "alg":"HS256"
)

func shortSecret() []byte { return testjwt.SeedBytes("short", 16) }

// noiseJWKs are JWKs a verifier must skip without failing the set. Several
// reuse trusted key material, so that using one by mistake verifies tokens
// the oracle refuses and shows up as a disagreement.
func noiseJWKs(r *testjwt.Ring) []string {
	rsaA := keyMembers(r.Key(testjwt.RSA2048A))
	p256 := keyMembers(r.Key(testjwt.P256A))
	weakN := make([]byte, 128) // a 1024-bit odd modulus: weak whatever its factors
	copy(weakN, testjwt.SeedBytes("weak-rsa", 128))
	weakN[0] |= 0x80
	weakN[127] |= 1
	offCurve := p256[:strings.LastIndex(p256, `"y":`)] + `"y":"` + base64.RawURLEncoding.EncodeToString(testjwt.SeedBytes("off-curve", 32)) + `"`
	return []string{
		`{"kty":"RSA","kid":"` + NoiseEncKid + `","use":"enc",` + rsaA + `}`,
		`{"kty":"RSA","kid":"` + testjwt.RSA2048A + `","alg":"ES256",` + rsaA + `}`,
		`{"kty":"RSA","kid":"weak",` + `"n":"` + base64.RawURLEncoding.EncodeToString(weakN) + `","e":"AQAB"}`,
		`{"kty":"EC","kid":"` + NoiseOpsKid + `","key_ops":["encrypt"],` + p256 + `}`,
		`{"kty":"EC","kid":"off-curve",` + offCurve + `}`,
		`{"kty":"EC","kid":"k1","crv":"secp256k1","x":"` + base64.RawURLEncoding.EncodeToString(testjwt.SeedBytes("k1x", 32)) + `","y":"` + base64.RawURLEncoding.EncodeToString(testjwt.SeedBytes("k1y", 32)) + `"}`,
		`{"kty":"OKP","kid":"ed448","crv":"Ed448","x":"` + base64.RawURLEncoding.EncodeToString(testjwt.SeedBytes("ed448", 57)) + `"}`,
		`{"kty":"oct","kid":"` + NoiseShortKid + `","alg":"HS256","k":"` + base64.RawURLEncoding.EncodeToString(shortSecret()) + `"}`,
		`{"kty":"PQC","kid":"future","pub":"AAAA"}`,
	}
}
