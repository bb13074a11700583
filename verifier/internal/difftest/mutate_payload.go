package difftest

import (
	"strings"
	"time"
)

func payloadMutations() []mutation {
	now := Now.Unix()
	skew := int64(Skew / time.Second)
	return []mutation{
		{KindExpired, 30, func(g *Generator, d *draft) (string, error) {
			d.payload = d.payload.Set("exp", Int(now-skew-1-int64(g.rng.Intn(100000))))
			return KindExpired, nil
		}},
		{KindNotYetValid, 30, func(g *Generator, d *draft) (string, error) {
			d.payload = d.payload.Set("nbf", Int(now+skew+1+int64(g.rng.Intn(100000))))
			return KindNotYetValid, nil
		}},
		{KindIatFuture, 15, func(g *Generator, d *draft) (string, error) {
			iat := now + skew + 1 + int64(g.rng.Intn(1000))
			d.payload = d.payload.Set("iat", Int(iat))
			if _, ok := d.payload.Get("exp"); ok {
				d.payload = d.payload.Set("exp", Int(iat+3600)) // keep exp after iat
			}
			return KindIatFuture, nil
		}},
		{KindDateNotInteger, 20, func(g *Generator, d *draft) (string, error) {
			switch g.pick("exp", "nbf", "iat") {
			case "exp":
				d.payload = d.payload.Set("exp", g.pick(Int(now+3600)+".5", Int(now+3600)+".0", "1.8e9", "18000000e2"))
			case "nbf":
				d.payload = d.payload.Set("nbf", g.pick(Int(now-3600)+".5", Int(now-3600)+".0", "1.7e9", "1.7E+9"))
			default:
				d.payload = d.payload.Set("iat", g.pick(Int(now-3600)+".25", "1.7e9"))
			}
			return KindDateNotInteger, nil
		}},
		{KindDateNegative, 15, func(g *Generator, d *draft) (string, error) {
			d.payload = d.payload.Set(g.pick("exp", "nbf", "nbf", "iat", "iat"), g.pick("-1", "-1767225600", "-0"))
			return KindDateNegative, nil
		}},
		{KindExpZero, 10, func(g *Generator, d *draft) (string, error) {
			d.payload = d.payload.Set("exp", "0")
			return KindExpZero, nil
		}},
		{KindDateBeyondGoJose, 10, func(g *Generator, d *draft) (string, error) {
			d.payload = d.payload.Set("exp", g.pick("4611686018427387904", "9223372036854775807", "9000000000000000000"))
			return KindDateBeyondGoJose, nil
		}},
		{KindDateOverflow, 10, func(g *Generator, d *draft) (string, error) {
			d.payload = d.payload.Set(g.pick("exp", "nbf", "iat"), g.pick("9223372036854775808", "18446744073709551616", "1e20", "99999999999999999999999"))
			return KindDateOverflow, nil
		}},
		{KindClaimNull, 20, func(g *Generator, d *draft) (string, error) {
			name := g.pick("exp", "nbf", "iat", "iss", "sub", "jti")
			if name == "iss" {
				d.issuer = "" // otherwise both refuse for the missing issuer
			}
			d.payload = d.payload.Set(name, `null`)
			return KindClaimNull, nil
		}},
		{KindClaimWrongType, 20, func(g *Generator, d *draft) (string, error) {
			switch g.pick("iss", "sub", "jti", "aud", "exp", "nbf", "iat") {
			case "iss":
				d.payload = d.payload.Set("iss", g.pick(`1`, `["`+GoodIssuer+`"]`, `{}`, `true`))
			case "sub":
				d.payload = d.payload.Set("sub", g.pick(`1`, `["a"]`, `{}`, `false`))
			case "jti":
				d.payload = d.payload.Set("jti", g.pick(`1`, `["a"]`, `{}`))
			case "aud":
				d.payload = d.payload.Set("aud", g.pick(`1`, `["api",1]`, `{"api":true}`, `[["api"]]`, `true`, `null`))
			default:
				d.payload = d.payload.Set(g.pick("exp", "nbf", "iat"), g.pick(`"1767225600"`, `true`, `{}`, `[1767225600]`))
			}
			return KindClaimWrongType, nil
		}},
		{KindIssMismatch, 20, func(g *Generator, d *draft) (string, error) {
			d.issuer = GoodIssuer
			d.payload = d.payload.Set("iss", Quote(g.pick(OtherIssuer, GoodIssuer+"/", "", "HTTPS://ISSUER.EXAMPLE")))
			return KindIssMismatch, nil
		}},
		{KindAudMismatch, 20, func(g *Generator, d *draft) (string, error) {
			d.audiences = []string{"api"}
			d.payload = d.payload.Set("aud", g.pick(`"web"`, `["web","mobile"]`, `"API"`, `"api "`))
			return KindAudMismatch, nil
		}},
		{KindAudEmpty, 10, func(g *Generator, d *draft) (string, error) {
			d.payload = d.payload.Set("aud", `[]`)
			return KindAudEmpty, nil
		}},
		{KindAudNormalised, 10, func(g *Generator, d *draft) (string, error) {
			allowed, aud := "api.example", g.pick("https://api.example/", "http://api.example", "api.example/")
			if g.rng.Intn(2) == 0 {
				allowed, aud = g.pick("https://api.example/", "http://api.example/", "https://api.example"), "api.example"
			}
			d.audiences = []string{allowed}
			d.payload = d.payload.Set("aud", Quote(aud))
			return KindAudNormalised, nil
		}},
		{KindDupClaim, 15, func(g *Generator, d *draft) (string, error) {
			name, first, second := dupClaimValues(g)
			d.payload = append(d.payload.Del(name), Member{Quote(name), first}, Member{Quote(name), second})
			return KindDupClaim, nil
		}},
		{KindDupClaimEscaped, 10, func(g *Generator, d *draft) (string, error) {
			name, first, second := dupClaimValues(g)
			escaped := `"\u00` + hexByte(name[0]) + name[1:] + `"`
			d.payload = append(d.payload.Del(name), Member{Quote(name), first}, Member{escaped, second})
			return KindDupClaimEscaped, nil
		}},
		{KindPayloadNull, 10, func(g *Generator, d *draft) (string, error) {
			raw := g.pick(`null`, ` null `)
			d.rawBody = &raw
			d.issuer, d.audiences = "", nil // else both refuse for the missing claims
			return KindPayloadNull, nil
		}},
		{KindPayloadNotObject, 10, func(g *Generator, d *draft) (string, error) {
			raw := g.pick(`[]`, `[{"iss":"`+GoodIssuer+`"}]`, `"x"`, `1`, `true`)
			d.rawBody = &raw
			return KindPayloadNotObject, nil
		}},
		{KindPayloadInvalidJSON, 20, func(g *Generator, d *draft) (string, error) {
			body := d.payload.String()
			raw := g.pick(`{"a":}`, body+`x`, body+`{}`, body[:len(body)-1], `{'a':1}`, `{"a":01}`,
				strings.TrimSuffix(body, "}")+`,}`, `{"a":NaN}`, `{"a":Infinity}`, "{\"a\":\"\x01\"}", `{"a":"\x"}`,
				`{"a":1e}`, `{"a":-}`, `{"a":tru}`, `{"a" 1}`, `{a:1}`, "\ufeff"+body)
			d.rawBody = &raw
			return KindPayloadInvalidJSON, nil
		}},
		{KindPayloadWhitespace, 10, func(g *Generator, d *draft) (string, error) {
			raw := spaced(d.payload)
			d.rawBody = &raw
			return KindPayloadWhitespace, nil
		}},
		{KindPayloadInvalidUTF8, 10, func(g *Generator, d *draft) (string, error) {
			name := g.pick("name", "sub")
			d.payload = d.payload.Set(name, "\"caf\xe9 \xff\xfe\"")
			return KindPayloadInvalidUTF8, nil
		}},
		{KindSizeLimit, 15, func(g *Generator, d *draft) (string, error) {
			switch g.rng.Intn(3) {
			case 0: // header beyond 1024 bytes
				d.header = d.header.Set("x-pad", Quote(strings.Repeat("h", 1100)))
			case 1: // payload beyond 8192 bytes
				d.payload = d.payload.Set("pad", Quote(strings.Repeat("p", 8300)))
			default: // payload within 8192 bytes but the token beyond 8192 characters
				d.payload = d.payload.Set("pad", Quote(strings.Repeat("t", 6300)))
			}
			return KindSizeLimit, nil
		}},
		{KindDeepNesting, 5, func(g *Generator, d *draft) (string, error) {
			depth := 400
			if g.rng.Intn(2) == 0 {
				d.payload = d.payload.Set("deep", strings.Repeat("[", depth)+strings.Repeat("]", depth))
			} else {
				d.payload = d.payload.Set("deep", strings.Repeat(`{"a":`, depth)+"1"+strings.Repeat("}", depth))
			}
			return KindDeepNesting, nil
		}},
		{KindPayloadEmpty, 5, func(g *Generator, d *draft) (string, error) {
			raw := g.pick(``, ` `)
			d.rawBody = &raw
			return KindPayloadEmpty, nil
		}},
		{KindPrivateClaimNumbers, 10, func(g *Generator, d *draft) (string, error) {
			d.payload = d.payload.Set("n", g.pick("1e400", "-0", "0.0000001", "123456789012345678901234567890", "-1.5E-10"))
			return KindPrivateClaimNumbers, nil
		}},
	}
}

// dupClaimValues picks a registered claim and two values of it, one that
// passes the expectations and one that does not, in random order.
func dupClaimValues(g *Generator) (name, first, second string) {
	now := Now.Unix()
	var good, bad string
	switch g.rng.Intn(3) {
	case 0:
		name, good, bad = "exp", Int(now+3600), Int(now-3600)
	case 1:
		name, good, bad = "nbf", Int(now-3600), Int(now+3600)
	default:
		name, good, bad = "iss", Quote(GoodIssuer), Quote(OtherIssuer)
	}
	if g.rng.Intn(2) == 0 {
		return name, good, bad
	}
	return name, bad, good
}
