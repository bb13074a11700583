package difftest

import (
	"crypto/ecdsa"
	"encoding/asn1"
	"math/big"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
)

func signatureMutations() []mutation {
	return []mutation{
		{KindWrongKey, 30, wrongKey},
		{KindPSSSalt, 15, func(g *Generator, d *draft) (string, error) {
			if d.signer.Kty != testjwt.KtyRSA || d.alg[:2] != "PS" {
				if !g.retarget(d, testjwt.KtyRSA, "PS") {
					return wrongKey(g, d)
				}
			}
			d.signOpt.PSSSaltLength = []int{testjwt.NoSalt, 20, 64, 100}[g.rng.Intn(4)]
			if h, _ := testjwt.HashFor(d.alg); h.Size() == d.signOpt.PSSSaltLength {
				d.signOpt.PSSSaltLength = testjwt.NoSalt
			}
			return KindPSSSalt, nil
		}},
		{KindECDSAHighS, 15, ecdsaEdit(KindECDSAHighS, func(g *Generator, n, r, s *big.Int) (*big.Int, *big.Int) {
			return r, new(big.Int).Sub(n, s)
		})},
		{KindECDSAZero, 15, ecdsaEdit(KindECDSAZero, func(g *Generator, n, r, s *big.Int) (*big.Int, *big.Int) {
			zero := new(big.Int)
			switch g.rng.Intn(3) {
			case 0:
				return zero, s
			case 1:
				return r, zero
			}
			return zero, zero
		})},
		{KindECDSARange, 10, ecdsaEdit(KindECDSARange, func(g *Generator, n, r, s *big.Int) (*big.Int, *big.Int) {
			if g.rng.Intn(2) == 0 {
				return n, s
			}
			return r, n
		})},
		{KindECDSADER, 10, func(g *Generator, d *draft) (string, error) {
			if !g.toECDSA(d) {
				return wrongKey(g, d)
			}
			size := (d.signer.Signer().(*ecdsa.PrivateKey).Curve.Params().BitSize + 7) / 8
			d.sig = func(sig []byte) []byte {
				der, err := asn1.Marshal(struct{ R, S *big.Int }{
					new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:]),
				})
				if err != nil {
					return nil
				}
				return der
			}
			return KindECDSADER, nil
		}},
		{KindSigEmpty, 10, func(g *Generator, d *draft) (string, error) {
			d.sig = func([]byte) []byte { return nil }
			return KindSigEmpty, nil
		}},
		{KindSigLength, 20, func(g *Generator, d *draft) (string, error) {
			switch g.rng.Intn(3) {
			case 0:
				d.sig = func(s []byte) []byte { return s[:len(s)-1] }
			case 1:
				d.sig = func(s []byte) []byte { return append(s, 0) }
			default:
				d.sig = func(s []byte) []byte { return append([]byte{0}, s...) }
			}
			return KindSigLength, nil
		}},
		{KindEdDSALength, 10, func(g *Generator, d *draft) (string, error) {
			if d.signer.Kty != testjwt.KtyOKP && !g.retarget(d, testjwt.KtyOKP, "") {
				return wrongKey(g, d)
			}
			if g.rng.Intn(2) == 0 {
				d.sig = func(s []byte) []byte { return s[:63] }
			} else {
				d.sig = func(s []byte) []byte { return append(s, s[0]) }
			}
			return KindEdDSALength, nil
		}},
		{KindWeakHMAC, 15, func(g *Generator, d *draft) (string, error) {
			e, ok := g.entryWhere(d, func(e Entry) bool { return e.Key.Kty == testjwt.KtyOct && len(e.Key.Secret()) < 64 })
			if !ok {
				return wrongKey(g, d)
			}
			alg := "HS512"
			if len(e.Key.Secret()) < 48 && g.rng.Intn(2) == 0 {
				alg = "HS384"
			}
			d.useEntry(e, alg)
			return KindWeakHMAC, nil
		}},
		{KindSkippedKeyKid, 15, func(g *Generator, d *draft) (string, error) {
			for _, s := range g.sets {
				if s.Name == SetNoisy {
					d.set = s
				}
			}
			switch g.rng.Intn(3) {
			case 0:
				d.signer, d.alg = g.ring.Key(testjwt.RSA2048A), "RS256"
				d.header = d.header.Set("kid", Quote(NoiseEncKid))
			case 1:
				d.signer, d.alg = g.ring.Key(testjwt.P256A), "ES256"
				d.header = d.header.Set("kid", Quote(NoiseOpsKid))
			default:
				d.signer, d.alg = testjwt.MustKey(NoiseShortKid, shortSecret()), "HS256"
				d.header = d.header.Set("kid", Quote(NoiseShortKid))
			}
			d.header = d.header.Set("alg", Quote(d.alg))
			return KindSkippedKeyKid, nil
		}},
	}
}

// wrongKey signs with an unpublished key of the signer's type where one
// exists (else the RSA one), keeping the header as it is.
func wrongKey(g *Generator, d *draft) (string, error) {
	name := map[string]string{testjwt.KtyRSA: testjwt.RSAAttacker, testjwt.KtyEC: testjwt.P256Attack, testjwt.KtyOKP: testjwt.EdAttacker, testjwt.KtyOct: testjwt.HMACAttack}[d.signer.Kty]
	attacker := g.ring.Key(name)
	if !keyCanSign(attacker, d.alg) {
		attacker = g.ring.Key(testjwt.P256Attack) // a P-384/P-521 token: nothing of that curve is unpublished
		d.setAlg("ES256")
	}
	d.signer = attacker
	return KindWrongKey, nil
}

// toECDSA moves the draft to an EC key of its set when it is not on one.
func (g *Generator) toECDSA(d *draft) bool {
	return d.signer.Kty == testjwt.KtyEC || g.retarget(d, testjwt.KtyEC, "")
}

// ecdsaEdit returns a mutation that rewrites (r, s) of an ECDSA signature.
func ecdsaEdit(kind string, edit func(g *Generator, n, r, s *big.Int) (*big.Int, *big.Int)) func(*Generator, *draft) (string, error) {
	return func(g *Generator, d *draft) (string, error) {
		if !g.toECDSA(d) {
			return wrongKey(g, d)
		}
		params := d.signer.Signer().(*ecdsa.PrivateKey).Curve.Params()
		size := (params.BitSize + 7) / 8
		d.sig = func(sig []byte) []byte {
			r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
			r, s = edit(g, params.N, r, s)
			return testjwt.RawECDSA(params.BitSize, r, s)
		}
		return kind, nil
	}
}
