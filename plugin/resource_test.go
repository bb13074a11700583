package plugin_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// The resource-server extensions end to end on both runners: RFC 9728 metadata, DPoP
// (RFC 9449), x_require_typ (RFC 9068), step-up (RFC 9470) and certificate-bound tokens
// (RFC 8705).

const (
	resIss      = "https://idp.example.com"
	resDocument = `{"resource":"https://api.example.com/mcp","authorization_servers":["https://idp.example.com"],"scopes_supported":["mcp:tools"]}`
)

func wwwAuthenticate(t *testing.T, s filtertest.Stream) []string {
	t.Helper()
	lr := s.LocalResponse()
	if lr == nil {
		t.Fatal("request passed, want a refusal")
	}
	return lr.Headers.Values("www-authenticate")
}

func wantChallenges(t *testing.T, s filtertest.Stream, want ...string) {
	t.Helper()
	if got := wwwAuthenticate(t, s); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("www-authenticate:\n got %q\nwant %q", got, want)
	}
}

// resourceConfig is one provider "idp" (tokens signed by RS256) with extra members, required
// on /mcp, an x_authorize rule on /admin, and x_protected_resource plus extra top-level members.
func resourceConfig(t *testing.T, providerExtra, top string) string {
	k := keys(t)
	return `{"providers":{"idp":` + localProvider(resIss, jwks(k.RS256), providerExtra) + `},
	  "rules":[{"match":{"prefix":"/admin"},"requires":{"provider_name":"idp"},"x_authorize":{"scopes_any_of":["admin"]}},
	           {"match":{"prefix":"/mcp"},"requires":{"provider_name":"idp"}}],
	  "x_protected_resource":` + resDocument[:len(resDocument)-1] + `,"path":"/.well-known/oauth-protected-resource"}` + top + `}`
}

func TestProtectedResourceMetadataIsServedBeforeAnyRule(t *testing.T) {
	k := keys(t)
	cfg := `{"providers":{"idp":` + localProvider(resIss, jwks(k.RS256), "") + `},
	  "rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"idp"}}],
	  "x_protected_resource":` + resDocument + `}`
	run(t, cfg, func(t *testing.T, h filtertest.Host) {
		for _, path := range []string{"/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp?x=1"} {
			s := get(h, path)
			lr := s.LocalResponse()
			if lr == nil || lr.Status != 200 {
				t.Fatalf("GET %s: %+v", path, lr)
			}
			if string(lr.Body) != resDocument {
				t.Errorf("GET %s: body %s", path, lr.Body)
			}
			if ct, _ := lr.Headers.Get("content-type"); ct != "application/json" {
				t.Errorf("content-type %q", ct)
			}
			if o, _ := lr.Headers.Get("access-control-allow-origin"); o != "*" {
				t.Errorf("access-control-allow-origin %q", o)
			}
		}
		s := send(h, "HEAD", "/.well-known/oauth-protected-resource/mcp")
		if lr := s.LocalResponse(); lr == nil || lr.Status != 200 || len(lr.Body) != 0 {
			t.Fatalf("HEAD: %+v", lr)
		}
		// Other methods, and other paths, go through the rules.
		wantDeny(t, send(h, "POST", "/.well-known/oauth-protected-resource/mcp"), 401, "Jwt is missing")
		wantDeny(t, get(h, "/.well-known/oauth-protected-resource/other"), 401, "Jwt is missing")
		// Every 401 names the document (RFC 9728 §5.1), from the request's scheme and authority.
		wantChallenges(t, get(h, "/mcp"), `Bearer realm="https://example.com/mcp", resource_metadata="https://example.com/.well-known/oauth-protected-resource/mcp"`)
		bad := k.RS256b.Token(claims(resIss, ""))
		wantChallenges(t, get(h, "/mcp", "authorization", "Bearer "+bad),
			`Bearer realm="https://example.com/mcp", error="invalid_token", resource_metadata="https://example.com/.well-known/oauth-protected-resource/mcp"`)
		wantPass(t, get(h, "/mcp", "authorization", "Bearer "+k.RS256.Token(claims(resIss, ""))))
	})
}

func TestResourceMetadataOnEveryRefusal(t *testing.T) {
	k := keys(t)
	tok := k.RS256.Token(claims(resIss, `,"scope":"read"`))
	cfg := resourceConfig(t, "", `,"x_deny_response":{"body":"{\"error\":\"{{message}}\"}","content_type":"application/json"}`)
	cfg = strings.Replace(cfg, `"path":"/.well-known/oauth-protected-resource"`, `"metadata_url":"https://api.example.com/.well-known/oauth-protected-resource/mcp"`, 1)
	run(t, cfg, func(t *testing.T, h filtertest.Host) {
		const md = `resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/mcp"`
		s := get(h, "/admin", "authorization", "Bearer "+tok)
		wantDeny(t, s, 403, `{"error":"Jwt claims do not satisfy the authorization policy"}`)
		wantChallenges(t, s, `Bearer realm="https://example.com/admin", error="insufficient_scope", scope="admin", `+md)
		s = get(h, "/mcp", "x-forwarded-host", "evil")
		wantChallenges(t, s, `Bearer realm="https://example.com/mcp", `+md)
	})
	// strip_failure_response: no challenge at all.
	run(t, resourceConfig(t, "", `,"strip_failure_response":true`), func(t *testing.T, h filtertest.Host) {
		if got := wwwAuthenticate(t, get(h, "/mcp")); len(got) != 0 {
			t.Fatalf("www-authenticate %q under strip_failure_response", got)
		}
	})
}

func TestResourceConfigErrorsNameTheField(t *testing.T) {
	k := keys(t)
	p := func(extra string) string {
		return `{"providers":{"idp":` + localProvider(resIss, jwks(k.RS256), extra) + `},"rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"idp"},"x_authorize":{"any":[{"acr_values":["x"]}],"max_age":"-1s"}}],
		  "x_protected_resource":{"resource":"http://api.example.com","scopes_supported":["a b"],"bogus":1}}`
	}
	cfg := p(`,"x_dpop":{"max_age":"7200s","allowed_algs":["HS256"],"htu_base":"https://api.example.com/?q","extra":1},"x_require_typ":["at+jwt; v=1"],"x_mtls_bound":"yes"`)
	wantStartErrors(t, cfg,
		"x_protected_resource.resource: must be an https URL",
		"x_protected_resource.scopes_supported[0]: must be a scope token",
		"x_protected_resource.bogus: is not an RFC 9728 §2 member",
		"providers.idp.x_dpop.required: missing",
		`providers.idp.x_dpop.max_age: must be between "1s" and "3600s"`,
		"providers.idp.x_dpop.allowed_algs: HS256 is symmetric",
		"providers.idp.x_dpop.htu_base: must be an absolute http(s) URL without query or fragment",
		"providers.idp.x_dpop.extra: unknown field",
		"providers.idp.x_require_typ[0]: must be a media type without parameters",
		"providers.idp.x_mtls_bound: must be true or false",
		"rules[0].x_authorize.any[0]: acr_values and max_age are allowed only at the top",
		"rules[0].x_authorize.max_age: must not be negative",
	)
}

// --- DPoP ---

// dpopClient is a client key (the process's ES256 test key) that signs proofs.
type dpopClient struct {
	key *testjwt.TestKey
	jkt string
}

func newDPoPClient(t *testing.T, k *testjwt.TestKey) dpopClient {
	var jwk map[string]string
	if err := json.Unmarshal([]byte(k.JWK), &jwk); err != nil {
		t.Fatal(err)
	}
	var canon string
	switch jwk["kty"] {
	case "EC":
		canon = fmt.Sprintf(`{"crv":%q,"kty":"EC","x":%q,"y":%q}`, jwk["crv"], jwk["x"], jwk["y"])
	case "OKP":
		canon = fmt.Sprintf(`{"crv":%q,"kty":"OKP","x":%q}`, jwk["crv"], jwk["x"])
	case "RSA":
		canon = fmt.Sprintf(`{"e":%q,"kty":"RSA","n":%q}`, jwk["e"], jwk["n"])
	}
	sum := sha256.Sum256([]byte(canon))
	return dpopClient{key: k, jkt: base64.RawURLEncoding.EncodeToString(sum[:])}
}

func ath(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// proof mints a proof; header and claims members may be overridden (a nil value removes one).
func (c dpopClient) proof(method, htu, token, jti string, iat int64, over map[string]any) string {
	var jwk any
	_ = json.Unmarshal([]byte(c.key.JWK), &jwk)
	h := map[string]any{"typ": "dpop+jwt", "alg": c.key.Alg, "jwk": jwk}
	cl := map[string]any{"jti": jti, "htm": method, "htu": htu, "iat": iat, "ath": ath(token)}
	for k, v := range over {
		m := cl
		if name, ok := strings.CutPrefix(k, "header."); ok {
			k, m = name, h
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	hb, _ := json.Marshal(h)
	cb, _ := json.Marshal(cl)
	return c.key.TokenWithHeader(string(hb), string(cb))
}

const mcpURI = "https://example.com/mcp"

func TestDPoPBoundTokens(t *testing.T) {
	k := keys(t)
	client := newDPoPClient(t, k.ES256)
	other := newDPoPClient(t, k.EdDSA)
	bound := k.RS256.Token(claims(resIss, `,"cnf":{"jkt":"`+client.jkt+`"}`))
	unbound := k.RS256.Token(claims(resIss, ""))
	iat := now.Unix()
	cfg := resourceConfig(t, `,"x_dpop":{"required":true,"max_age":"60s","allowed_algs":["ES256","EdDSA"]}`, "")
	const md = `, resource_metadata="https://example.com/.well-known/oauth-protected-resource/mcp"`
	const dpopChallenge = `DPoP realm="https://example.com/mcp", algs="ES256 EdDSA"` + md
	// The realm is Envoy's: the request's URL, query included.
	invalidProof := `DPoP realm="https://example.com/mcp?session=1", error="invalid_dpop_proof", algs="ES256 EdDSA"` + md
	invalidToken := `DPoP realm="https://example.com/mcp?session=1", error="invalid_token", algs="ES256 EdDSA"` + md
	run(t, cfg, func(t *testing.T, h filtertest.Host) {
		call := func(method, auth string, proofs ...string) filtertest.Stream {
			kv := []string{"authorization", auth}
			for _, p := range proofs {
				kv = append(kv, "dpop", p)
			}
			return send(h, method, "/mcp?session=1", kv...)
		}
		// A good proof: passes; the proof and the token are not forwarded.
		s := call("POST", "DPoP "+bound, client.proof("POST", mcpURI, bound, "jti-1", iat, nil))
		wantPass(t, s)
		wantHeader(t, s, "dpop")
		wantHeader(t, s, "authorization")
		// The same proof again: replayed.
		s = call("POST", "DPoP "+bound, client.proof("POST", mcpURI, bound, "jti-1", iat, nil))
		wantDeny(t, s, 401, "Jwt DPoP proof is invalid")
		wantChallenges(t, s, invalidProof)
		for _, tc := range []struct {
			name, method, auth string
			proofs             []string
			body               string
			challenge          string
		}{
			{"another method", "POST", "DPoP " + bound, []string{client.proof("GET", mcpURI, bound, "j-m", iat, nil)}, "Jwt DPoP proof is invalid", invalidProof},
			{"another URI", "POST", "DPoP " + bound, []string{client.proof("POST", "https://example.com/other", bound, "j-u", iat, nil)}, "Jwt DPoP proof is invalid", invalidProof},
			{"too old", "POST", "DPoP " + bound, []string{client.proof("POST", mcpURI, bound, "j-o", iat-121, nil)}, "Jwt DPoP proof is invalid", invalidProof},
			{"private key in jwk", "POST", "DPoP " + bound, []string{client.proof("POST", mcpURI, bound, "j-d", iat, map[string]any{"header.jwk": privateJWK(t, k.ES256.JWK)})}, "Jwt DPoP proof is invalid", invalidProof},
			{"alg none", "POST", "DPoP " + bound, []string{noneProof(t, client.proof("POST", mcpURI, bound, "j-n", iat, map[string]any{"header.alg": "none"}))}, "Jwt DPoP proof is invalid", invalidProof},
			{"alg not allowed", "POST", "DPoP " + bound, []string{client.proof("POST", mcpURI, bound, "j-a", iat, map[string]any{"header.alg": "HS256"})}, "Jwt DPoP proof is invalid", invalidProof},
			{"typ JWT", "POST", "DPoP " + bound, []string{client.proof("POST", mcpURI, bound, "j-t", iat, map[string]any{"header.typ": "JWT"})}, "Jwt DPoP proof is invalid", invalidProof},
			{"ath of another token", "POST", "DPoP " + bound, []string{client.proof("POST", mcpURI, unbound, "j-h", iat, nil)}, "Jwt DPoP proof is invalid", invalidProof},
			{"no proof", "POST", "DPoP " + bound, nil, "Jwt DPoP proof is invalid", invalidProof},
			{"two proofs", "POST", "DPoP " + bound, []string{client.proof("POST", mcpURI, bound, "j-2a", iat, nil), client.proof("POST", mcpURI, bound, "j-2b", iat, nil)}, "Jwt DPoP proof is invalid", invalidProof},
			{"another key than cnf.jkt", "POST", "DPoP " + bound, []string{other.proof("POST", mcpURI, bound, "j-k", iat, nil)}, "Jwt is not bound to the DPoP proof key", invalidToken},
			{"unbound token with a proof", "POST", "DPoP " + unbound, []string{client.proof("POST", mcpURI, unbound, "j-b", iat, nil)}, "Jwt is not bound to the DPoP proof key", invalidToken},
			{"bound token as Bearer", "POST", "Bearer " + bound, nil, "Jwt must be sent with the DPoP scheme and a proof", invalidToken},
			{"unbound Bearer when required", "POST", "Bearer " + unbound, nil, "Jwt must be sent with the DPoP scheme and a proof", invalidToken},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := call(tc.method, tc.auth, tc.proofs...)
				wantDeny(t, s, 401, tc.body)
				wantChallenges(t, s, tc.challenge)
			})
		}
		// No token: a challenge without error, listing the algorithms (RFC 9449 Figure 15).
		wantChallenges(t, get(h, "/mcp"), dpopChallenge)
		// A failed proof does not use up its jti: a good one with another jti passes, and the
		// EdDSA key passes for a token bound to it.
		wantPass(t, call("POST", "DPoP "+bound, client.proof("POST", mcpURI, bound, "j-m", iat, nil)))
		boundEd := k.RS256.Token(claims(resIss, `,"cnf":{"jkt":"`+other.jkt+`"}`))
		wantPass(t, call("GET", "DPoP "+boundEd, other.proof("GET", "HTTPS://EXAMPLE.COM:443/mcp", boundEd, "j-ed", iat-30, nil)))
	})
}

// privateJWK adds a private member to a public JWK.
func privateJWK(t *testing.T, jwk string) map[string]any {
	var m map[string]any
	if err := json.Unmarshal([]byte(jwk), &m); err != nil {
		t.Fatal(err)
	}
	m["d"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	return m
}

// noneProof replaces a proof's signature by an empty one, as an unsecured JWS has.
func noneProof(t *testing.T, proof string) string {
	return proof[:strings.LastIndexByte(proof, '.')+1]
}

func TestDPoPOptionalAcceptsBearerWithoutBinding(t *testing.T) {
	k := keys(t)
	client := newDPoPClient(t, k.ES256)
	bound := k.RS256.Token(claims(resIss, `,"cnf":{"jkt":"`+client.jkt+`"}`))
	unbound := k.RS256.Token(claims(resIss, ""))
	cfg := resourceConfig(t, `,"x_dpop":{"required":false,"forward_proof":true,"htu_base":"https://API.example.com:443"}`, "")
	const md = `, resource_metadata="https://example.com/.well-known/oauth-protected-resource/mcp"`
	run(t, cfg, func(t *testing.T, h filtertest.Host) {
		wantPass(t, get(h, "/mcp", "authorization", "Bearer "+unbound))
		// htu_base replaces the request's scheme and authority; forward_proof keeps the proof.
		p := client.proof("GET", "https://api.example.com/mcp", bound, "opt-1", now.Unix(), nil)
		s := get(h, "/mcp", "authorization", "DPoP "+bound, "dpop", p)
		wantPass(t, s)
		wantHeader(t, s, "dpop", p)
		// §7.2: a bound token presented as Bearer is refused; the error is on the Bearer
		// challenge, the scheme the client used (Figure 18).
		s = get(h, "/mcp", "authorization", "Bearer "+bound)
		wantDeny(t, s, 401, "Jwt must be sent with the DPoP scheme and a proof")
		wantChallenges(t, s,
			`Bearer realm="https://example.com/mcp", error="invalid_token"`+md,
			`DPoP realm="https://example.com/mcp", algs="ES256 EdDSA RS256 PS256"`+md)
		// No token: both challenges, no error (Figure 17).
		wantChallenges(t, get(h, "/mcp"),
			`Bearer realm="https://example.com/mcp"`+md,
			`DPoP realm="https://example.com/mcp", algs="ES256 EdDSA RS256 PS256"`+md)
		// A proof problem: the error on the DPoP challenge.
		s = get(h, "/mcp", "authorization", "DPoP "+bound, "dpop", client.proof("GET", mcpURI, bound, "opt-2", now.Unix(), nil))
		wantChallenges(t, s,
			`Bearer realm="https://example.com/mcp"`+md,
			`DPoP realm="https://example.com/mcp", error="invalid_dpop_proof", algs="ES256 EdDSA RS256 PS256"`+md)
	})
}

func TestDPoPUnderReportOnlyAndStrip(t *testing.T) {
	k := keys(t)
	client := newDPoPClient(t, k.ES256)
	bound := k.RS256.Token(claims(resIss, `,"cnf":{"jkt":"`+client.jkt+`"}`))
	run(t, resourceConfig(t, `,"x_dpop":{"required":true}`, `,"x_report_only":{}`), func(t *testing.T, h filtertest.Host) {
		s := get(h, "/mcp", "authorization", "Bearer "+bound)
		wantPass(t, s)
		wantHeader(t, s, "x-jwt-authn-status", "Jwt must be sent with the DPoP scheme and a proof")
		p := client.proof("GET", mcpURI, bound, "ro-1", now.Unix(), nil)
		s = get(h, "/mcp", "authorization", "DPoP "+bound, "dpop", p)
		wantHeader(t, s, "x-jwt-authn-status", "OK")
		s = get(h, "/mcp", "authorization", "DPoP "+bound, "dpop", p)
		wantHeader(t, s, "x-jwt-authn-status", "Jwt DPoP proof is invalid")
	})
	run(t, resourceConfig(t, `,"x_dpop":{"required":true}`, `,"strip_failure_response":true`), func(t *testing.T, h filtertest.Host) {
		s := get(h, "/mcp", "authorization", "Bearer "+bound)
		lr := s.LocalResponse()
		if lr == nil || lr.Status != 401 || len(lr.Body) != 0 || len(lr.Headers.Values("www-authenticate")) != 0 {
			t.Fatalf("got %+v, want a bare 401", lr)
		}
	})
}

// --- x_require_typ ---

func TestRequireTyp(t *testing.T) {
	k := keys(t)
	cfg := resourceConfig(t, `,"x_require_typ":["at+jwt","application/at+jwt"]`, "")
	run(t, cfg, func(t *testing.T, h filtertest.Host) {
		for _, typ := range []string{"at+jwt", "application/at+jwt", "AT+JWT"} {
			tok := k.RS256.TokenWithHeader(`{"alg":"RS256","kid":"rsa-1","typ":"`+typ+`"}`, claims(resIss, ""))
			wantPass(t, get(h, "/mcp", "authorization", "Bearer "+tok))
		}
		for _, hdr := range []string{`{"alg":"RS256","kid":"rsa-1","typ":"JWT"}`, `{"alg":"RS256","kid":"rsa-1"}`} {
			tok := k.RS256.TokenWithHeader(hdr, claims(resIss, ""))
			s := get(h, "/mcp", "authorization", "Bearer "+tok)
			wantDeny(t, s, 401, "Jwt type is not accepted")
			// Twice: the second is a JWT cache hit, checked all the same.
			s = get(h, "/mcp", "authorization", "Bearer "+tok)
			wantDeny(t, s, 401, "Jwt type is not accepted")
			wantChallenges(t, s, `Bearer realm="https://example.com/mcp", error="invalid_token", resource_metadata="https://example.com/.well-known/oauth-protected-resource/mcp"`)
		}
	})
}

// --- step-up ---

func TestStepUpChallenge(t *testing.T) {
	k := keys(t)
	kc := `{"providers":{"idp":` + localProvider(resIss, jwks(k.RS256), "") + `},
	  "rules":[{"match":{"prefix":"/pay"},"requires":{"provider_name":"idp"},
	            "x_authorize":{"acr_values":["urn:example:mfa","phr"],"max_age":"300s","scopes_any_of":["pay"]}}]}`
	at := func(ago int64) string { return fmt.Sprintf(`,"auth_time":%d`, now.Unix()-ago) }
	run(t, kc, func(t *testing.T, h filtertest.Host) {
		const challenge = `Bearer realm="https://example.com/pay", error="insufficient_user_authentication", acr_values="urn:example:mfa phr", max_age="300"`
		for _, tc := range []struct {
			name, claims string
			pass         bool
		}{
			{"mfa, recent", `,"acr":"phr","scope":"pay"` + at(10), true},
			{"mfa, at max_age", `,"acr":"urn:example:mfa","scope":"pay"` + at(300), true},
			{"password only", `,"acr":"pwd","scope":"pay"` + at(10), false},
			{"no acr", `,"scope":"pay"` + at(10), false},
			{"too old", `,"acr":"phr","scope":"pay"` + at(301), false},
			{"no auth_time", `,"acr":"phr","scope":"pay"`, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := get(h, "/pay", "authorization", "Bearer "+k.RS256.Token(claims(resIss, tc.claims)))
				if tc.pass {
					wantPass(t, s)
					return
				}
				wantDeny(t, s, 401, "Jwt authentication does not meet the requirements")
				wantChallenges(t, s, challenge)
			})
		}
		// Step-up met, scope missing: the usual 403.
		wantDeny(t, get(h, "/pay", "authorization", "Bearer "+k.RS256.Token(claims(resIss, `,"acr":"phr"`+at(1)))), 403, authzDenied)
	})
}

// --- certificate-bound tokens ---

func TestMTLSBoundTokens(t *testing.T) {
	k := keys(t)
	der := []byte("the client certificate's DER")
	sum := sha256.Sum256(der)
	digest := hex.EncodeToString(sum[:])
	otherSum := sha256.Sum256([]byte("another certificate"))
	x5t := base64.RawURLEncoding.EncodeToString(sum[:])
	bound := k.RS256.Token(claims(resIss, `,"cnf":{"x5t#S256":"`+x5t+`"}`))
	run(t, resourceConfig(t, `,"x_mtls_bound":true`, ""), func(t *testing.T, h filtertest.Host) {
		send := func(cert string, tok string) filtertest.Stream {
			s := filtertest.NewStreamOn(h, filtertest.Connection{PeerCertificateSHA256: cert})
			s.SendRequestHeaders(filtertest.Request("GET", "/mcp", "authorization", "Bearer "+tok), true)
			return s
		}
		wantPass(t, send(digest, bound))
		const refused = "Jwt is not bound to the client certificate"
		wantDeny(t, send(hex.EncodeToString(otherSum[:]), bound), 401, refused)
		wantDeny(t, send("", bound), 401, refused)
		wantDeny(t, send(digest, k.RS256.Token(claims(resIss, ""))), 401, refused)
		s := send(digest, k.RS256.Token(claims(resIss, `,"cnf":{"jkt":"`+x5t+`"}`)))
		wantDeny(t, s, 401, refused)
		wantChallenges(t, s, `Bearer realm="https://example.com/mcp", error="invalid_token", resource_metadata="https://example.com/.well-known/oauth-protected-resource/mcp"`)
		// The same token from the right connection again (a JWT cache hit) still passes.
		wantPass(t, send(digest, bound))
	})
}

// A provider that names its own token locations keeps them, and x_dpop adds Authorization:
// DPoP beside them; a rule over a DPoP provider and a plain one offers both challenges.
func TestDPoPBesideOwnLocationsAndPlainProviders(t *testing.T) {
	k := keys(t)
	client := newDPoPClient(t, k.ES256)
	bound := k.RS256.Token(claims(resIss, `,"cnf":{"jkt":"`+client.jkt+`"}`))
	plain := k.EdDSA.Token(claims("https://other.example", ""))
	cfg := `{"providers":{
	    "idp":` + localProvider(resIss, jwks(k.RS256), `,"from_headers":[{"name":"x-token"}],"x_dpop":{"required":true,"allowed_algs":["ES256"]}`) + `,
	    "other":` + localProvider("https://other.example", jwks(k.EdDSA), "") + `},
	  "rules":[{"match":{"prefix":"/either"},"requires":{"requires_any":{"requirements":[{"provider_name":"idp"},{"provider_name":"other"}]}}},
	           {"match":{"prefix":"/mcp"},"requires":{"provider_name":"idp"}}]}`
	run(t, cfg, func(t *testing.T, h filtertest.Host) {
		p := client.proof("GET", mcpURI, bound, "own-1", now.Unix(), nil)
		wantPass(t, get(h, "/mcp", "authorization", "DPoP "+bound, "dpop", p))
		// Its own location is a Bearer location: a bound token there is refused (§7.2).
		wantDeny(t, get(h, "/mcp", "x-token", bound), 401, "Jwt must be sent with the DPoP scheme and a proof")
		// Without x_protected_resource the challenges carry no resource_metadata.
		wantChallenges(t, get(h, "/either"),
			`Bearer realm="https://example.com/either"`,
			`DPoP realm="https://example.com/either", algs="ES256"`)
		wantPass(t, get(h, "/either", "authorization", "Bearer "+plain))
	})
}
