package plugin

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/oauth"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
)

// BenchmarkResourceRequest: what the resource-server extensions add to a cached Bearer request
// (native, no host): x_require_typ and x_mtls_bound are claim reads; a DPoP request verifies
// its proof (parse, jwk, signature) on every request, since each proof is new.
//
//	go test ./plugin/ -run '^$' -bench ResourceRequest -benchmem
func BenchmarkResourceRequest(b *testing.B) {
	k := testjwt.Keys(b)
	ks := testjwt.JWKS(k.RS256)
	rule := `"rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"p"}}]`
	b.Run("Bearer", func(b *testing.B) {
		rt := mustLoad(b, `{"providers":{"p":`+prov("i", ks, "")+`},`+rule+`}`)
		benchRequest(b, rt, headers("/", "authorization", "Bearer "+tok(k.RS256, "i", valid, "")), status.OK)
	})
	b.Run("RequireTyp", func(b *testing.B) {
		rt := mustLoad(b, `{"providers":{"p":`+prov("i", ks, `,"x_require_typ":["at+jwt"]`)+`},`+rule+`}`)
		t := k.RS256.TokenWithHeader(`{"alg":"RS256","kid":"rsa-1","typ":"at+jwt"}`, `{"iss":"i","exp":`+strconv.FormatInt(valid, 10)+`}`)
		benchRequest(b, rt, headers("/", "authorization", "Bearer "+t), status.OK)
	})
	for _, client := range []*testjwt.TestKey{k.ES256, k.EdDSA} {
		b.Run("DPoP/"+client.Alg, func(b *testing.B) {
			var jwk map[string]string
			_ = json.Unmarshal([]byte(client.JWK), &jwk)
			canon := `{"crv":"` + jwk["crv"] + `","kty":"` + jwk["kty"] + `","x":"` + jwk["x"] + `"`
			if jwk["kty"] == "EC" {
				canon += `,"y":"` + jwk["y"] + `"`
			}
			sum := sha256.Sum256([]byte(canon + "}"))
			jkt := base64.RawURLEncoding.EncodeToString(sum[:])
			rt := mustLoad(b, `{"providers":{"p":`+prov("i", ks, `,"x_dpop":{"required":true}`)+`},`+rule+`}`)
			t := tok(k.RS256, "i", valid, `,"cnf":{"jkt":"`+jkt+`"}`)
			hdr, _ := json.Marshal(map[string]any{"typ": "dpop+jwt", "alg": client.Alg, "jwk": jwk})
			cl, _ := json.Marshal(map[string]any{"jti": "bench", "htm": "GET", "htu": "https://example.com/", "iat": now0().Unix(), "ath": oauth.AccessTokenHash(t)})
			proof := client.TokenWithHeader(string(hdr), string(cl))
			benchRequest(b, rt, headers("/", "authorization", "DPoP "+t, "dpop", proof), status.OK)
		})
	}
}
