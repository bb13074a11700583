package host_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"strconv"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/host"
)

// BenchmarkForgedES512Flood: one VM serves valid RS256 traffic while a client floods it with
// forged ES512 tokens (a P-521 signature check costs about 40 ms in the Wasm VM, so each one
// is expensive to refuse). One op is one valid RS256 request (verified each time: its provider
// has the JWT cache off) and floodPerOp forged ES512 requests; the host clock advances 10 ms
// per op, so the flood runs at 400 tokens a second of host time.
//
//		go test -run '^$' -bench ForgedES512Flood -benchtime 200x ./testing/host/
//
//	  - Budget: x_failed_verification_budget as shipped (100 ms of failed ES384/ES512
//	    verification per VM and second): a few forged tokens per second are verified, the
//	    others are refused at once, so an op costs about what the valid request costs;
//	  - NoBudget: the defence off ("max_cost": "0s"): every forged token costs a full P-521
//	    check, and the valid request shares the worker with them.
//
// refused/op is how many forged tokens per op were refused without a signature check (the
// counter failed_verification_budget_refused); every forged token gets 401 either way.
func BenchmarkForgedES512Flood(b *testing.B) {
	const floodPerOp = 4
	f := newFloodFixture(b)
	for _, c := range []struct {
		name   string
		budget string
	}{
		{"Budget", ``},
		{"NoBudget", `"x_failed_verification_budget": {"max_cost": "0s"},`},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := start(b, shippedModule(b), host.Options{VMs: 1, PluginConfig: f.config(c.budget), Now: host.DefaultNow})
			resp := [][2]string{{":status", "200"}, {"content-length", "0"}}
			valid := append(get("/rs"), [2]string{"authorization", "Bearer " + f.valid})
			if got := status(h, valid, resp); got != 200 {
				b.Fatalf("valid RS256: %d; filter logged: %v", got, h.Logs(host.LogDebug))
			}
			forged := make([][][2]string, 16)
			for i := range forged {
				forged[i] = append(get("/es"), [2]string{"authorization", "Bearer " + f.forge(b, i)})
			}
			n := 0
			for b.Loop() {
				if got := status(h, valid, resp); got != 200 {
					b.Fatalf("valid RS256 under the flood: %d", got)
				}
				for range floodPerOp {
					if got := status(h, forged[n%len(forged)], resp); got != 401 {
						b.Fatalf("forged ES512: %d", got)
					}
					n++
				}
				if err := h.Advance(10 * time.Millisecond); err != nil {
					b.Fatal(err)
				}
			}
			refused, _ := h.Counter("jwt_authn.failed_verification_budget_refused")
			b.ReportMetric(float64(refused)/float64(b.N), "refused/op")
			if err := h.Err(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// floodFixture is an ES512 provider (one P-521 key) and an RS256 provider (one RSA key) on
// separate routes, and a valid RS256 token.
type floodFixture struct {
	p521  *ecdsa.PrivateKey
	rsa   *rsa.PrivateKey
	jwks  struct{ es, rs string }
	valid string
}

func newFloodFixture(b *testing.B) *floodFixture {
	b.Helper()
	f := &floodFixture{}
	var err error
	if f.p521, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader); err != nil {
		b.Fatal(err)
	}
	if f.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		b.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	x, y := make([]byte, 66), make([]byte, 66)
	f.p521.X.FillBytes(x)
	f.p521.Y.FillBytes(y)
	f.jwks.es = `{"keys":[{"kty":"EC","crv":"P-521","alg":"ES512","kid":"p521","x":"` + enc(x) + `","y":"` + enc(y) + `"}]}`
	f.jwks.rs = `{"keys":[{"kty":"RSA","alg":"RS256","kid":"rsa","n":"` + enc(f.rsa.N.Bytes()) + `","e":"AQAB"}]}`
	input := enc([]byte(`{"alg":"RS256","kid":"rsa"}`)) + "." +
		enc([]byte(`{"iss":"https://rs.example","sub":"alice","exp":`+strconv.FormatInt(host.DefaultNow.Unix()+3600, 10)+`}`))
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, f.rsa, crypto.SHA256, sum[:])
	if err != nil {
		b.Fatal(err)
	}
	f.valid = input + "." + enc(sig)
	return f
}

// forge returns an ES512 token for the P-521 key's kid with a signature (r, s) in range that
// the key did not make: refused only after a full P-521 verification.
func (f *floodFixture) forge(b *testing.B, i int) string {
	b.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	input := enc([]byte(`{"alg":"ES512","kid":"p521"}`)) + "." +
		enc([]byte(`{"iss":"https://es.example","sub":"mallory","jti":"`+strconv.Itoa(i)+`","exp":`+strconv.FormatInt(host.DefaultNow.Unix()+3600, 10)+`}`))
	n := elliptic.P521().Params().N
	sig := make([]byte, 132)
	for half := 0; half < 2; half++ {
		v, err := rand.Int(rand.Reader, new(big.Int).Sub(n, big.NewInt(1)))
		if err != nil {
			b.Fatal(err)
		}
		v.Add(v, big.NewInt(1)).FillBytes(sig[half*66 : (half+1)*66])
	}
	return input + "." + enc(sig)
}

// config is the two providers and their routes, with extra (top-level members ending in a
// comma) first.
func (f *floodFixture) config(extra string) []byte {
	return []byte(`{` + extra + `
		"providers": {
			"es": {"issuer": "https://es.example", "local_jwks": {"inline_string": ` + strconv.Quote(f.jwks.es) + `}},
			"rs": {"issuer": "https://rs.example", "local_jwks": {"inline_string": ` + strconv.Quote(f.jwks.rs) + `}, "x_disable_jwt_cache": true}
		},
		"rules": [
			{"match": {"prefix": "/es"}, "requires": {"provider_name": "es"}},
			{"match": {"prefix": "/rs"}, "requires": {"provider_name": "rs"}}
		]
	}`)
}
