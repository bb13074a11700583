package difftest

import (
	"crypto/x509"
	"encoding/pem"
	"strings"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
)

// allAlgs are the 13 JWS algorithms the verifier supports.
var allAlgs = []string{
	"HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
	"PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
}

// AllAlgs returns the 13 supported JWS algorithms.
func AllAlgs() []string { return append([]string(nil), allAlgs...) }

func headerMutations() []mutation {
	return []mutation{
		{KindAlgSwapResigned, 40, algSwapResigned},
		{KindAlgSwapUnsigned, 30, algSwapUnsigned},
		{KindAlgConfusion, 30, algConfusion},
		{KindAlgNone, 30, algNone},
		{KindAlgUnsupported, 15, func(g *Generator, d *draft) (string, error) {
			d.header = d.header.Set("alg", Quote(g.pick("HS1", "RS1", "ES256K", "Ed25519", "Ed448", "PS256 ", "rs256", "A128KW", "dir", "")))
			return KindAlgUnsupported, nil
		}},
		{KindAlgMissing, 10, func(g *Generator, d *draft) (string, error) {
			d.header = d.header.Del("alg")
			return KindAlgMissing, nil
		}},
		{KindAlgNotString, 10, func(g *Generator, d *draft) (string, error) {
			d.header = d.header.Set("alg", g.pick(`256`, `null`, `["RS256"]`, `{"alg":"RS256"}`, `true`))
			return KindAlgNotString, nil
		}},
		{KindKidChanged, 30, func(g *Generator, d *draft) (string, error) {
			d.header = d.header.Set("kid", Quote(g.pick("unknown-kid", "../../etc/passwd", "", testjwt.RSA2048A, testjwt.P256B, testjwt.HMAC64)))
			return KindKidChanged, nil
		}},
		{KindKidRemoved, 20, func(g *Generator, d *draft) (string, error) {
			d.header = d.header.Del("kid")
			return KindKidRemoved, nil
		}},
		{KindKidNotString, 10, func(g *Generator, d *draft) (string, error) {
			d.header = d.header.Set("kid", g.pick(`7`, `{}`, `["a"]`, `true`))
			return KindKidNotString, nil
		}},
		{KindKidNull, 10, func(g *Generator, d *draft) (string, error) {
			d.header = d.header.Set("kid", `null`)
			return KindKidNull, nil
		}},
		{KindCritUnknown, 10, func(g *Generator, d *draft) (string, error) {
			if g.rng.Intn(2) == 0 {
				d.header = d.header.Set("crit", `["exp"]`).Set("exp", Int(Now.Unix()+3600))
			} else {
				d.header = d.header.Set("crit", `["x-custom"]`).Set("x-custom", `1`)
			}
			return KindCritUnknown, nil
		}},
		{KindCritB64, 10, func(g *Generator, d *draft) (string, error) {
			d.header = d.header.Set("crit", `["b64"]`)
			if g.rng.Intn(2) == 0 {
				d.header = d.header.Set("b64", `true`)
			}
			return KindCritB64, nil
		}},
		{KindCritEmpty, 10, func(g *Generator, d *draft) (string, error) {
			d.header = d.header.Set("crit", `[]`)
			return KindCritEmpty, nil
		}},
		{KindB64False, 10, func(g *Generator, d *draft) (string, error) {
			d.header = d.header.Set("b64", `false`)
			if g.rng.Intn(4) != 0 {
				d.header = d.header.Set("crit", `["b64"]`)
			}
			d.unencoded = true
			return KindB64False, nil
		}},
		{KindDupHeader, 15, func(g *Generator, d *draft) (string, error) {
			name := g.pick("alg", "alg", "kid", "typ")
			value := g.pick(`"none"`, `"HS256"`, `"x"`)
			if v, ok := d.header.Get(name); ok && g.rng.Intn(2) == 0 {
				value = v // the same value twice is still a duplicate
			}
			d.header = append(d.header, Member{Quote(name), value})
			return KindDupHeader, nil
		}},
		{KindDupHeaderEscaped, 15, func(g *Generator, d *draft) (string, error) {
			v, _ := d.header.Get("alg")
			escaped := Member{`"\u0061lg"`, g.pick(`"none"`, `"HS256"`, v)}
			if g.rng.Intn(2) == 0 {
				d.header = append(d.header, escaped) // the plain one first
			} else {
				d.header = append(Object{escaped}, d.header...)
			}
			return KindDupHeaderEscaped, nil
		}},
		{KindHeaderNotObject, 10, func(g *Generator, d *draft) (string, error) {
			raw := g.pick(`[]`, `null`, `"x"`, `1`, `{`, `{"alg":"RS256"`, ``, `{"alg":"RS256"}x`, `{"alg":"RS256"}{}`)
			d.rawHeader = &raw
			return KindHeaderNotObject, nil
		}},
		{KindJWKAttacker, 15, jwkAttacker},
		{KindJWKTrusted, 10, func(g *Generator, d *draft) (string, error) {
			attacker := g.ring.Attackers[g.rng.Intn(len(g.ring.Attackers)-1)] // never the HMAC one: jwk must be public
			d.header = d.header.Set("jwk", JWK(Entry{Key: attacker}))
			return KindJWKTrusted, nil
		}},
		{KindURLHeaders, 10, func(g *Generator, d *draft) (string, error) {
			d.header = d.header.Set(g.pick("jku", "x5u"), Quote("https://attacker.example/keys"))
			return KindURLHeaders, nil
		}},
		{KindIgnoredHeaderJunk, 15, func(g *Generator, d *draft) (string, error) {
			if g.rng.Intn(2) == 0 {
				d.header = d.header.Set("jwk", g.pick(`"junk"`, `{}`, `{"kty":"RSA"}`, `1`, `{"kty":"oct","k":"AAAA"}`))
			} else {
				d.header = d.header.Set("x5c", g.pick(`["junk"]`, `"MIIB"`, `[1]`, `["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]`))
			}
			return KindIgnoredHeaderJunk, nil
		}},
		{KindCtyJWT, 10, func(g *Generator, d *draft) (string, error) {
			d.header = d.header.Set("cty", `"JWT"`)
			return KindCtyJWT, nil
		}},
		{KindTypVariants, 10, func(g *Generator, d *draft) (string, error) {
			d.header = d.header.Set("typ", g.pick(`123`, `"JOSE"`, `"jwt"`, `null`, `"application/jwt"`))
			return KindTypVariants, nil
		}},
		{KindHeaderEscapes, 10, func(g *Generator, d *draft) (string, error) {
			d.header = d.header.Set("alg", `"\u00`+hexByte(d.alg[0])+d.alg[1:]+`"`)
			if v, ok := d.header.Get("kid"); ok && len(v) > 2 {
				d.header = d.header.Set("kid", `"\u00`+hexByte(v[1])+v[2:])
			}
			return KindHeaderEscapes, nil
		}},
		{KindHeaderWhitespace, 10, func(g *Generator, d *draft) (string, error) {
			raw := spaced(d.header)
			d.rawHeader = &raw
			return KindHeaderWhitespace, nil
		}},
	}
}

func algSwapResigned(g *Generator, d *draft) (string, error) {
	var alts []string
	for _, a := range d.signer.Algs() {
		if a != d.alg {
			alts = append(alts, a)
		}
	}
	if len(alts) == 0 {
		return algSwapUnsigned(g, d)
	}
	d.setAlg(alts[g.rng.Intn(len(alts))])
	return KindAlgSwapResigned, nil
}

func algSwapUnsigned(g *Generator, d *draft) (string, error) {
	for {
		a := allAlgs[g.rng.Intn(len(allAlgs))]
		if a != d.alg {
			d.header = d.header.Set("alg", Quote(a))
			return KindAlgSwapUnsigned, nil
		}
	}
}

// algConfusion signs HS* with an asymmetric key's public material as the
// secret, under the kid of that key: the classic RS256 -> HS256 attack.
func algConfusion(g *Generator, d *draft) (string, error) {
	if d.signer.Kty == testjwt.KtyOct && !g.retarget(d, g.pick(testjwt.KtyRSA, testjwt.KtyEC, testjwt.KtyOKP), "") {
		return algSwapUnsigned(g, d)
	}
	var secret []byte
	switch g.rng.Intn(3) {
	case 0:
		der, err := x509.MarshalPKIXPublicKey(d.signer.Public())
		if err != nil {
			return "", err
		}
		secret = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	case 1:
		der, err := x509.MarshalPKIXPublicKey(d.signer.Public())
		if err != nil {
			return "", err
		}
		secret = der
	default:
		secret = []byte(JWK(Entry{Key: d.signer}))
	}
	d.signer = testjwt.MustKey("confused-"+d.signer.Name, secret)
	d.setAlg(g.pick("HS256", "HS384", "HS512"))
	return KindAlgConfusion, nil
}

func algNone(g *Generator, d *draft) (string, error) {
	d.header = d.header.Set("alg", Quote(g.pick("none", "None", "NONE", "nOnE")))
	if g.rng.Intn(2) == 0 {
		d.compact = func(t string) string { return t[:strings.LastIndexByte(t, '.')+1] }
	}
	return KindAlgNone, nil
}

// jwkAttacker signs with an attacker key and embeds its public JWK, naming
// either the attacker key or the trusted one in kid.
func jwkAttacker(g *Generator, d *draft) (string, error) {
	attacker := g.ring.Attackers[g.rng.Intn(len(g.ring.Attackers))]
	algs := attacker.Algs()
	d.signer = attacker
	d.setAlg(algs[g.rng.Intn(len(algs))])
	d.header = d.header.Set("jwk", JWK(Entry{Key: attacker, Kid: attacker.Name}))
	if g.rng.Intn(2) == 0 {
		d.header = d.header.Set("kid", Quote(attacker.Name))
	}
	return KindJWKAttacker, nil
}

func hexByte(b byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&15]})
}

// spaced renders an object with JSON whitespace everywhere it is allowed.
func spaced(o Object) string {
	var b strings.Builder
	b.WriteString(" {\r\n")
	for i, m := range o {
		if i > 0 {
			b.WriteString(" ,\n\t")
		}
		b.WriteString(m.Name + " : " + m.Value)
	}
	b.WriteString("\n} \n")
	return b.String()
}
