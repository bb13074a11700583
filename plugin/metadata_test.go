package plugin

import (
	"testing"

	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
)

func TestPayloadMetadataSplitsSpaceDelimitedClaims(t *testing.T) {
	claims := gjson.Parse(`{"iss": "i", "scope": "read  write", "roles": "a b", "n": 1, "nested": {"scope": "x y"}}`)
	got := string(payloadMetadata(claims, []string{"scope", "n", "nested"}))
	want := `{"iss":"i","scope":["read","write"],"roles":"a b","n":1,"nested":{"scope":"x y"}}`
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if got := string(payloadMetadata(claims, nil)); got != `{"iss":"i","scope":"read  write","roles":"a b","n":1,"nested":{"scope":"x y"}}` {
		t.Errorf("without normalisation: %s", got)
	}
}

func TestFailedStatusMetadataCarriesEnvoysCode(t *testing.T) {
	if got := string(failedStatusMetadata(status.JwtExpired)); got != `{"code":3,"message":"Jwt is expired"}` {
		t.Errorf("got %s", got)
	}
	if got := string(failedStatusMetadata(status.JwksFetchFail)); got != `{"code":40,"message":"Jwks remote fetch is failed"}` {
		t.Errorf("got %s", got)
	}
}

func TestMetadataEntriesOfARequest(t *testing.T) {
	k := testjwt.Keys(t)
	rt := mustLoad(t, `{"providers":{"p":`+prov("i", testjwt.JWKS(k.ES256), `,"payload_in_metadata":"pl","header_in_metadata":"hd",
	  "failed_status_in_metadata":"fs","normalize_payload_in_metadata":{"space_delimited_claims":["scope"]}`)+`},
	  "rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"p"}}]}`)
	token := k.ES256.Token(`{"iss":"i","scope":"a b"}`)
	st, out := evaluate(rt, req("/", "authorization", "Bearer "+token))
	if st != status.OK || len(out.meta) != 2 {
		t.Fatalf("status %q, meta %+v", st, out.meta)
	}
	if out.meta[0].key != "hd" || string(out.meta[0].value) != `{"alg":"ES256","kid":"ec-1","typ":"JWT"}` {
		t.Errorf("header metadata %s = %s", out.meta[0].key, out.meta[0].value)
	}
	if out.meta[1].key != "pl" || string(out.meta[1].value) != `{"iss":"i","scope":["a","b"]}` {
		t.Errorf("payload metadata %s = %s", out.meta[1].key, out.meta[1].value)
	}
	st, out = evaluate(rt, req("/"))
	if st != status.JwtMissed || len(out.meta) != 1 || out.meta[0].key != "fs" || string(out.meta[0].value) != `{"code":1,"message":"Jwt is missing"}` {
		t.Errorf("missing: status %q, meta %+v", st, out.meta)
	}
}
