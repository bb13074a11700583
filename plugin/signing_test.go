package plugin_test

import (
	"crypto/rand"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/tidwall/gjson"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/signer"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// x_signing_keys, x_jwks_endpoint, x_sign and x_backend_token end to end, on both runners.

// signConfig builds a configuration: the keys of algs as x_signing_keys, the JWKS endpoint,
// x_allow_on_headers_stop_iteration = hold, and the given providers and rules.
func signConfig(t testing.TB, algs []string, hold bool, providers map[string]any, rules ...map[string]any) []byte {
	t.Helper()
	cfg := map[string]any{
		"x_signing_keys":  map[string]any{"local_jwks": map[string]any{"inline_string": privateJWKS(t, algs...)}},
		"x_jwks_endpoint": map[string]any{"path": "/.well-known/jwks.json"},
		"rules":           rules,
	}
	if hold {
		cfg["x_allow_on_headers_stop_iteration"] = true
	}
	if providers != nil {
		cfg["providers"] = providers
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func signRule(path, kid string, extra map[string]any) map[string]any {
	s := map[string]any{"keys_to_sign": []string{"access_token", "refresh_token"}, "kid": kid}
	for k, v := range extra {
		s[k] = v
	}
	return map[string]any{"match": map[string]any{"path": path}, "x_sign": s}
}

// respond sends the upstream's response: status, headers, then body in n chunks.
func respond(s filtertest.Stream, status int, headers filtertest.Headers, body string, n int) {
	h := append(filtertest.Headers{{":status", strconv.Itoa(status)}}, headers...)
	if body == "" {
		s.SendResponseHeaders(h, true)
		return
	}
	s.SendResponseHeaders(h, false)
	size := (len(body) + n - 1) / n
	for i := 0; i < len(body); i += size {
		end := min(i+size, len(body))
		s.SendResponseBody([]byte(body[i:end]), end == len(body))
	}
}

func loginBody(now time.Time) string {
	return `{"access_token":{"iss":"https://gateway.example","sub":"alice","aud":"api","exp":` + strconv.FormatInt(now.Unix()+3600, 10) +
		`,"roles":["user"]},"refresh_token":{"iss":"https://gateway.example","sub":"alice","aud":"refresh"},"exp":` +
		strconv.FormatInt(now.Unix()+3600, 10) + `,"token_type":"Bearer"}`
}

var jsonHeaders = filtertest.Headers{{"content-type", "application/json"}, {"etag", `"v1"`}, {"digest", "sha-256=x"}}

// startWith starts a plugin on r or fails the test.
func startWith(t *testing.T, r filtertest.Runner, opt filtertest.Options) filtertest.Host {
	t.Helper()
	h, err := r.Start(t, opt)
	if err != nil {
		t.Fatalf("plugin start: %v", err)
	}
	return h
}

// jwksDocument gets the x_jwks_endpoint document from a started plugin.
func jwksDocument(t *testing.T, h filtertest.Host) []byte {
	t.Helper()
	s := h.NewStream()
	defer s.Done()
	s.SendRequestHeaders(filtertest.Request("GET", "/.well-known/jwks.json?cache=bust"), true)
	lr := s.LocalResponse()
	if lr == nil || lr.Status != 200 {
		t.Fatalf("JWKS endpoint: %+v", lr)
	}
	if ct, _ := lr.Headers.Get("content-type"); ct != "application/json" {
		t.Errorf("content-type %q", ct)
	}
	if cc, _ := lr.Headers.Get("cache-control"); cc != "max-age=300" {
		t.Errorf("cache-control %q", cc)
	}
	return lr.Body
}

func noSecrets(t *testing.T, what string, texts []string, secrets []string) {
	t.Helper()
	for _, text := range texts {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Fatalf("%s contains secret material %.12s…", what, s)
			}
		}
	}
}

// verifyWithDocument checks a compact token against the endpoint's document with package
// verifier and with go-jose, and returns its payload.
func verifyWithDocument(t *testing.T, compact string, doc []byte, k *signingKey) string {
	t.Helper()
	tok, err := verifier.ParseUnverified(compact, verifier.Limits{})
	if err != nil {
		t.Fatalf("parse %q: %v", compact, err)
	}
	set := doc
	if strings.HasPrefix(k.alg, "HS") {
		set = []byte(`{"keys":[` + k.jwk + `]}`) // oct keys are never published
	}
	ks, err := verifier.ParseJWKS(set, verifier.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := tok.Verify(ks); err != nil {
		t.Fatalf("verifier: %v", err)
	}
	if string(tok.Alg) != k.alg || tok.KeyID != k.kid || tok.Header.Get("typ").Str != "JWT" {
		t.Fatalf("header %s", tok.Header.Raw)
	}
	jws, err := jose.ParseSignedCompact(compact, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(k.alg)})
	if err != nil {
		t.Fatalf("go-jose: %v", err)
	}
	p, err := jws.Verify(k.public)
	if err != nil {
		t.Fatalf("go-jose verify: %v", err)
	}
	return string(p)
}

// The KrakenD use case: /login's answer is signed; the access token then opens /api, whose
// provider's keys are the JWKS endpoint's document.
func TestSignLoginRoundTrip(t *testing.T) {
	for _, hold := range []bool{false, true} {
		t.Run("hold="+strconv.FormatBool(hold), func(t *testing.T) {
			filtertest.Each(t, func(t *testing.T, r filtertest.Runner) {
				algs := []string{"EdDSA", "ES256", "HS256"}
				h := startWith(t, r, filtertest.Options{Config: signConfig(t, algs, hold, nil, signRule("/login", "k-eddsa", nil)), AllowOnHeadersStopIteration: hold})
				doc := jwksDocument(t, h)
				if n := len(gjson.GetBytes(doc, "keys").Array()); n != 2 {
					t.Fatalf("document has %d keys, want 2 (oct not published): %s", n, doc)
				}
				noSecrets(t, "JWKS document", []string{string(doc)}, allPrivateValues(t))
				head := h.NewStream()
				head.SendRequestHeaders(filtertest.Request("HEAD", "/.well-known/jwks.json"), true)
				if lr := head.LocalResponse(); lr == nil || lr.Status != 200 || len(head.ResponseBody()) != 0 {
					t.Fatalf("HEAD of the JWKS endpoint: %+v, client body %q", lr, head.ResponseBody())
				}
				head.Done()
				post := h.NewStream()
				post.SendRequestHeaders(filtertest.Request("POST", "/.well-known/jwks.json"), true)
				if post.LocalResponse() != nil {
					t.Fatalf("POST answered by the JWKS endpoint: %+v", post.LocalResponse())
				}
				post.Done()
				h.Close()

				providers := map[string]any{"gateway": map[string]any{
					"issuer": "https://gateway.example", "audiences": []string{"api"},
					"local_jwks":       map[string]any{"inline_string": string(doc)},
					"claim_to_headers": []map[string]any{{"header_name": "x-user", "claim_name": "sub"}},
				}}
				api := map[string]any{"match": map[string]any{"prefix": "/api"}, "requires": map[string]any{"provider_name": "gateway"}}
				h = startWith(t, r, filtertest.Options{Config: signConfig(t, algs, hold, providers, signRule("/login", "k-eddsa", nil), api), AllowOnHeadersStopIteration: hold})
				defer h.Close()

				s := h.NewStream()
				s.SendRequestHeaders(filtertest.Request("POST", "/login", "accept-encoding", "gzip"), true)
				if _, ok := s.RequestHeaders().Get("accept-encoding"); ok {
					t.Error("accept-encoding reached the login backend")
				}
				respond(s, 200, append(jsonHeaders, [2]string{"content-length", "999"}), loginBody(h.Now()), 3)
				if s.Reset() || s.LocalResponse() != nil {
					t.Fatalf("reset %v local %+v", s.Reset(), s.LocalResponse())
				}
				body := string(s.ResponseBody())
				rh := s.ResponseHeaders()
				s.Done()
				if cc, _ := rh.Get("cache-control"); cc != "no-store" {
					t.Errorf("cache-control %q", cc)
				}
				for _, gone := range []string{"content-length", "etag", "digest"} {
					if v, ok := rh.Get(gone); ok {
						t.Errorf("%s %q kept on a signed body", gone, v)
					}
				}
				access := gjson.Get(body, "access_token").Str
				refresh := gjson.Get(body, "refresh_token").Str
				if access == "" || refresh == "" || gjson.Get(body, "token_type").Str != "Bearer" {
					t.Fatalf("signed body %s", body)
				}
				k := signingKeys(t)["EdDSA"]
				if p := verifyWithDocument(t, access, doc, k); gjson.Get(p, "sub").Str != "alice" {
					t.Fatalf("access token payload %s", p)
				}
				verifyWithDocument(t, refresh, doc, k)

				use := h.NewStream()
				defer use.Done()
				if a := use.SendRequestHeaders(filtertest.Request("GET", "/api/orders", "authorization", "Bearer "+access), true); a != filtertest.Continue {
					t.Fatalf("signed token refused: %+v", use.LocalResponse())
				}
				if u, _ := use.RequestHeaders().Get("x-user"); u != "alice" {
					t.Errorf("x-user %q", u)
				}
				if n, _ := h.Counter("jwt_authn.signed"); n != 1 {
					t.Errorf("signed = %d", n)
				}
				noSecrets(t, "logs", h.Logs(filtertest.LogTrace), append(allPrivateValues(t), access, refresh))
			})
		})
	}
}

// Every algorithm signs tokens that our verifier and go-jose accept; full: true returns the
// flattened JWS JSON serialization.
func TestSignEveryAlgorithm(t *testing.T) {
	var rules []map[string]any
	for _, alg := range signingAlgs {
		kid := signingKeys(t)[alg].kid
		rules = append(rules, signRule("/login/"+alg, kid, nil), signRule("/full/"+alg, kid, map[string]any{"full": true}))
	}
	cfg := signConfig(t, signingAlgs, true, nil, rules...)
	filtertest.Run(t, filtertest.Options{Config: cfg, AllowOnHeadersStopIteration: true}, func(t *testing.T, h filtertest.Host) {
		doc := jwksDocument(t, h)
		for _, alg := range signingAlgs {
			k := signingKeys(t)[alg]
			for _, full := range []bool{false, true} {
				path := "/login/" + alg
				if full {
					path = "/full/" + alg
				}
				s := h.NewStream()
				s.SendRequestHeaders(filtertest.Request("GET", path), true)
				respond(s, 200, jsonHeaders, loginBody(h.Now()), 2)
				body := string(s.ResponseBody())
				s.Done()
				v := gjson.Get(body, "access_token")
				compact := v.Str
				if full {
					if !v.IsObject() || len(v.Map()) != 3 {
						t.Fatalf("%s full: %s", alg, body)
					}
					compact = v.Get("protected").Str + "." + v.Get("payload").Str + "." + v.Get("signature").Str
					jws, err := jose.ParseSignedJSON(v.Raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
					if err != nil {
						t.Fatalf("%s: go-jose flattened: %v", alg, err)
					}
					if _, err := jws.Verify(k.public); err != nil {
						t.Fatalf("%s: go-jose flattened verify: %v", alg, err)
					}
				}
				if p := verifyWithDocument(t, compact, doc, k); gjson.Get(p, "sub").Str != "alice" {
					t.Fatalf("%s: payload %s", alg, p)
				}
			}
		}
		if n, _ := h.Counter("jwt_authn.signed"); n != uint64(2*len(signingAlgs)) {
			t.Errorf("signed = %d", n)
		}
	})
}

// failCase is an upstream answer x_sign must refuse.
type failCase struct {
	name    string
	headers filtertest.Headers
	body    string
	reason  string
	// early: known from the headers, so answered 502 even without holding them.
	early bool
}

var failCases = []failCase{
	{"not JSON", nil, `<html>secret-upstream-body</html>`, "response body is not a JSON object without duplicate members", false},
	{"duplicate members", nil, `{"access_token":{"a":"secret-upstream-body"},"access_token":{"a":2}}`, "response body is not a JSON object without duplicate members", false},
	{"member not an object", nil, `{"access_token":"secret-upstream-body"}`, "a member to sign is not a JSON object", false},
	{"no member to sign", nil, `{"other":{"a":"secret-upstream-body"}}`, "response body has none of the members to sign", false},
	{"claims of the wrong type", nil, `{"access_token":{"exp":"soon","a":"secret-upstream-body"}}`, "a member to sign is not a valid token payload", false},
	{"body too large", nil, `{"access_token":{"a":"secret-upstream-body` + strings.Repeat("x", 200) + `"}}`, "response body larger than x_sign.max_body_bytes", false},
	{"declared length too large", filtertest.Headers{{"content-length", "500"}}, `{"access_token":{"a":"secret-upstream-body"}}`, "response body larger than x_sign.max_body_bytes", true},
	{"content-encoded", filtertest.Headers{{"content-encoding", "gzip"}}, `{"access_token":{"a":"secret-upstream-body"}}`, "response body is content-encoded", true},
	{"second content-encoding line", filtertest.Headers{{"content-encoding", "identity"}, {"content-encoding", "br"}}, `{"access_token":{"a":"secret-upstream-body"}}`, "response body is content-encoded", true},
}

// Nothing of a body x_sign refuses reaches the client: 502 with the reason when the headers
// are held (or the failure shows in them), else a reset after the headers.
func TestSignFailsClosed(t *testing.T) {
	for _, hold := range []bool{false, true} {
		t.Run("hold="+strconv.FormatBool(hold), func(t *testing.T) {
			cfg := signConfig(t, []string{"ES256"}, hold, nil, signRule("/login", "k-es256", map[string]any{"max_body_bytes": 128}))
			// One VM: each VM warns once per kind.
			filtertest.Run(t, filtertest.Options{Config: cfg, AllowOnHeadersStopIteration: hold, VMs: 1}, func(t *testing.T, h filtertest.Host) {
				for _, c := range failCases {
					for round := 0; round < 2; round++ {
						s := h.NewStream()
						s.SendRequestHeaders(filtertest.Request("GET", "/login"), true)
						respond(s, 200, c.headers, c.body, 3)
						got := string(s.ResponseBody())
						if strings.Contains(got, "secret-upstream-body") {
							t.Fatalf("%s: the client got upstream bytes: %q", c.name, got)
						}
						if hold || c.early {
							if s.Reset() || got != c.reason {
								t.Fatalf("%s: reset %v body %q, want 502 %q", c.name, s.Reset(), got, c.reason)
							}
							if st, _ := s.ResponseHeaders().Get(":status"); st != "502" {
								t.Fatalf("%s: status %q", c.name, st)
							}
						} else if !s.Reset() || got != "" {
							t.Fatalf("%s: reset %v body %q, want a reset with nothing sent", c.name, s.Reset(), got)
						}
						s.Done()
					}
				}
				if n, _ := h.Counter("jwt_authn.sign_failed"); n != uint64(2*len(failCases)) {
					t.Errorf("sign_failed = %d, want %d", n, 2*len(failCases))
				}
				warns := 0
				for _, l := range h.Logs(filtertest.LogWarn) {
					if strings.Contains(l, "x_sign:") {
						warns++
					}
				}
				if warns != 6 { // one per failure kind (two cases share "too large", two "not JSON")
					t.Errorf("%d warnings, want one per failure kind: %v", warns, h.Logs(filtertest.LogWarn))
				}
			})
		})
	}
}

// A response with trailers never ends its body: signing would wait forever and Envoy would
// pass the buffered body on with the trailers. It is refused instead.
func TestSignRefusesTrailers(t *testing.T) {
	for _, hold := range []bool{false, true} {
		cfg := signConfig(t, []string{"ES256"}, hold, nil, signRule("/login", "k-es256", nil))
		filtertest.Run(t, filtertest.Options{Config: cfg, AllowOnHeadersStopIteration: hold}, func(t *testing.T, h filtertest.Host) {
			s := h.NewStream()
			defer s.Done()
			s.SendRequestHeaders(filtertest.Request("POST", "/login"), true)
			s.SendResponseHeaders(filtertest.Headers{{":status", "200"}}, false)
			s.SendResponseBody([]byte(`{"access_token":{"secret":"upstream-secret"}}`), false)
			s.SendResponseTrailers(filtertest.Headers{{"grpc-status", "0"}})
			if got := string(s.ResponseBody()); strings.Contains(got, "upstream-secret") {
				t.Fatalf("the buffered body reached the client: %q", got)
			}
			if hold {
				if st, _ := s.ResponseHeaders().Get(":status"); st != "502" || string(s.ResponseBody()) != "response has trailers" {
					t.Fatalf("client got %v %q", s.ResponseHeaders(), s.ResponseBody())
				}
			} else if !s.Reset() {
				t.Fatal("no reset")
			}
			// A route without x_sign: trailers and body pass.
			p := h.NewStream()
			defer p.Done()
			p.SendRequestHeaders(filtertest.Request("GET", "/other"), true)
			p.SendResponseHeaders(filtertest.Headers{{":status", "200"}}, false)
			p.SendResponseBody([]byte("plain"), false)
			if a := p.SendResponseTrailers(filtertest.Headers{{"x-t", "1"}}); a != filtertest.Continue || string(p.ResponseBody()) != "plain" {
				t.Fatalf("other route: action %d body %q", a, p.ResponseBody())
			}
		})
	}
}

// Answers that are not ours to sign pass untouched: a login failure (401 with its error
// body), 204, HEAD, and the filter's own local replies.
func TestSignLeavesOtherResponsesAlone(t *testing.T) {
	for _, hold := range []bool{false, true} {
		providers := map[string]any{"p": map[string]any{"issuer": "https://idp.example", "local_jwks": map[string]any{"inline_string": privateJWKS(t, "ES256")}}}
		guarded := map[string]any{"match": map[string]any{"prefix": "/guarded"}, "requires": map[string]any{"provider_name": "p"},
			"x_sign": map[string]any{"keys_to_sign": []string{"access_token"}, "kid": "k-es256"}}
		cfg := signConfig(t, []string{"ES256"}, hold, providers, signRule("/login", "k-es256", nil), guarded)
		filtertest.Run(t, filtertest.Options{Config: cfg, AllowOnHeadersStopIteration: hold}, func(t *testing.T, h filtertest.Host) {
			for _, c := range []struct {
				method string
				status int
				body   string
			}{{"POST", 401, `{"error":"invalid_grant","access_token":{"a":1}}`}, {"GET", 500, `not json`}, {"GET", 204, ``}, {"HEAD", 200, ``}} {
				s := h.NewStream()
				s.SendRequestHeaders(filtertest.Request(c.method, "/login"), true)
				respond(s, c.status, filtertest.Headers{{"content-length", strconv.Itoa(len(c.body))}}, c.body, 2)
				if string(s.ResponseBody()) != c.body || s.Reset() || s.LocalResponse() != nil {
					t.Errorf("%s %d: body %q reset %v local %+v", c.method, c.status, s.ResponseBody(), s.Reset(), s.LocalResponse())
				}
				if cl, _ := s.ResponseHeaders().Get("content-length"); cl != strconv.Itoa(len(c.body)) {
					t.Errorf("%s %d: content-length %q changed", c.method, c.status, cl)
				}
				if _, ok := s.ResponseHeaders().Get("cache-control"); ok {
					t.Errorf("%s %d: cache-control added", c.method, c.status)
				}
				s.Done()
			}
			// The filter's own local reply on an x_sign route is not signed.
			s := h.NewStream()
			s.SendRequestHeaders(filtertest.Request("GET", "/guarded/login"), true)
			if lr := s.LocalResponse(); lr == nil || lr.Status != 401 || string(s.ResponseBody()) != "Jwt is missing" || s.Reset() {
				t.Errorf("own 401: %+v body %q reset %v", lr, s.ResponseBody(), s.Reset())
			}
			s.Done()
			if n, _ := h.Counter("jwt_authn.sign_failed"); n != 0 {
				t.Errorf("sign_failed = %d", n)
			}
		})
	}
}

// backendSetup is a gateway whose clients present tokens signed by its ES256 key (verified by
// provider "gateway" from the endpoint's document) and whose /api gets a backend token signed
// with its EdDSA key.
func backendSetup(t *testing.T) (cfg []byte, clientKey *signer.Key, doc string) {
	t.Helper()
	ks, err := signer.ParseJWKS([]byte(privateJWKS(t, "EdDSA", "ES256")))
	if err != nil {
		t.Fatal(err)
	}
	doc = string(ks.PublicJWKS())
	providers := map[string]any{"gateway": map[string]any{
		"issuer": "https://gateway.example", "local_jwks": map[string]any{"inline_string": doc},
	}}
	bt := map[string]any{"kid": "k-eddsa", "header": "x-backend-token", "issuer": "https://gateway.example",
		"audience": "orders", "ttl": "300s", "claims": []string{"sub", "email", "scope"}}
	rules := []map[string]any{
		{"match": map[string]any{"prefix": "/api"}, "requires": map[string]any{"provider_name": "gateway"}, "x_backend_token": bt},
		{"match": map[string]any{"prefix": "/maybe"}, "requires": map[string]any{"requires_any": map[string]any{
			"requirements": []map[string]any{{"provider_name": "gateway"}, {"allow_missing": map[string]any{}}}}}, "x_backend_token": bt},
	}
	return signConfig(t, []string{"EdDSA", "ES256"}, false, providers, rules...), ks.Key("k-es256"), doc
}

func TestBackendToken(t *testing.T) {
	cfg, client, doc := backendSetup(t)
	// One VM: minted tokens are reused per VM.
	filtertest.Run(t, filtertest.Options{Config: cfg, VMs: 1}, func(t *testing.T, h filtertest.Host) {
		now := h.Now()
		userToken, err := client.SignCompact(`{"iss":"https://gateway.example","sub":"alice","email":"a@example.com","scope":"read","exp":`+
			strconv.FormatInt(now.Unix()+7200, 10)+`,"secret_claim":"not copied"}`, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		send := func(path string, kv ...string) (filtertest.Headers, *filtertest.LocalResponse) {
			s := h.NewStream()
			defer s.Done()
			s.SendRequestHeaders(filtertest.Request("GET", path, kv...), true)
			return s.RequestHeaders(), s.LocalResponse()
		}
		up, lr := send("/api/x", "authorization", "Bearer "+userToken, "x-backend-token", "forged")
		if lr != nil {
			t.Fatalf("refused: %+v", lr)
		}
		vals := up.Values("x-backend-token")
		if len(vals) != 1 || vals[0] == "forged" {
			t.Fatalf("x-backend-token %q", vals)
		}
		p := verifyWithDocument(t, vals[0], []byte(doc), signingKeys(t)["EdDSA"])
		iat := now.Unix()
		if gjson.Get(p, "iss").Str != "https://gateway.example" || gjson.Get(p, "aud").Str != "orders" ||
			gjson.Get(p, "iat").Int() != iat || gjson.Get(p, "nbf").Int() != iat-10 || gjson.Get(p, "exp").Int() != iat+300 ||
			len(gjson.Get(p, "jti").Str) < 16 || gjson.Get(p, "sub").Str != "alice" || gjson.Get(p, "email").Str != "a@example.com" ||
			gjson.Get(p, "scope").Str != "read" || gjson.Get(p, "secret_claim").Exists() {
			t.Fatalf("backend token claims %s", p)
		}
		// Reused for the same token until ttl/2, then minted again.
		h.Advance(100 * time.Second)
		up2, _ := send("/api/y", "authorization", "Bearer "+userToken)
		if got := up2.Values("x-backend-token"); len(got) != 1 || got[0] != vals[0] {
			t.Errorf("not reused within ttl/2")
		}
		h.Advance(60 * time.Second)
		up3, _ := send("/api/z", "authorization", "Bearer "+userToken)
		if got := up3.Values("x-backend-token"); len(got) != 1 || got[0] == vals[0] {
			t.Errorf("reused after ttl/2")
		}
		// No verified token (allowed missing): no backend token, and the client's copy is gone.
		up4, lr4 := send("/maybe", "x-backend-token", "forged")
		if lr4 != nil || len(up4.Values("x-backend-token")) != 0 {
			t.Errorf("allow_missing without a token: %+v %q", lr4, up4.Values("x-backend-token"))
		}
		// Routes without x_backend_token: the client's copy is removed too.
		up5, _ := send("/public", "x-backend-token", "forged")
		if len(up5.Values("x-backend-token")) != 0 {
			t.Errorf("forged header kept on /public")
		}
		// A failed requirement mints nothing.
		if _, lr := send("/api/x", "authorization", "Bearer "+userToken+"x"); lr == nil || lr.Status != 401 {
			t.Errorf("bad token: %+v", lr)
		}
		if n, _ := h.Counter("jwt_authn.backend_token_issued"); n != 3 {
			t.Errorf("backend_token_issued = %d, want 3 (one per request that carried one)", n)
		}
		noSecrets(t, "logs", h.Logs(filtertest.LogTrace), append(allPrivateValues(t), userToken, vals[0]))
	})
}

// Bad signing configuration refuses plugin start with the JSON path, and never echoes key
// material.
func TestSigningConfigurationErrors(t *testing.T) {
	k := signingKeys(t)["ES256"]
	noKid := strings.Replace(k.jwk, `"kid":"k-es256",`, "", 1)
	noAlg := strings.Replace(k.jwk, `"alg":"ES256",`, "", 1)
	public := k.jwk[:strings.Index(k.jwk, `,"d":`)] + "}"
	keys := func(jwks string, rest string) []byte {
		return []byte(`{"x_signing_keys":{"local_jwks":{"inline_string":` + strconv.Quote(jwks) + `}}` + rest + `}`)
	}
	good := `{"keys":[` + k.jwk + `]}`
	cases := []struct {
		name string
		cfg  []byte
		want string
	}{
		{"key without kid", keys(`{"keys":[`+noKid+`]}`, ""), "x_signing_keys.local_jwks.inline_string: keys[0].kid: missing"},
		{"key without alg", keys(`{"keys":[`+noAlg+`]}`, ""), "x_signing_keys.local_jwks.inline_string: keys[0].alg: missing"},
		{"public key", keys(`{"keys":[`+public+`]}`, ""), "keys[0].d: missing: a public key cannot sign"},
		{"duplicate kid", keys(`{"keys":[`+k.jwk+`,`+k.jwk+`]}`, ""), "keys[1].kid"},
		{"unknown kid", keys(good, `,"rules":[{"match":{"prefix":"/"},"x_sign":{"keys_to_sign":["a"],"kid":"nope"}}]`), `rules[0].x_sign.kid: "nope" is not a kid of x_signing_keys`},
		{"no keys_to_sign", keys(good, `,"rules":[{"match":{"prefix":"/"},"x_sign":{"kid":"k-es256"}}]`), "rules[0].x_sign.keys_to_sign: missing"},
		{"x_sign without keys", []byte(`{"rules":[{"match":{"prefix":"/"},"x_sign":{"keys_to_sign":["a"],"kid":"k"}}]}`), "rules[0].x_sign: needs x_signing_keys"},
		{"backend token without requirement", keys(good, `,"rules":[{"match":{"prefix":"/"},"x_backend_token":{"kid":"k-es256","header":"x-b","issuer":"i","audience":"a","ttl":"60s"}}]`), "rules[0].x_backend_token: needs a requirement"},
		{"backend token registered claim", keys(good, `,"providers":{"p":{"local_jwks":{"inline_string":"{\"keys\":[]}"}}},"rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"p"},"x_backend_token":{"kid":"k-es256","header":"x-b","issuer":"i","audience":"a","ttl":"60s","claims":["exp"]}}]`), "rules[0].x_backend_token.claims[0]"},
		{"missing env var", []byte(`{"x_signing_keys":{"local_jwks":{"environment_variable":"NO_SUCH_SIGNING_KEYS"}}}`), `x_signing_keys.local_jwks.environment_variable: environment variable "NO_SUCH_SIGNING_KEYS" is not set`},
		{"endpoint without keys", []byte(`{"x_jwks_endpoint":{"path":"/jwks"}}`), "x_jwks_endpoint: needs x_signing_keys"},
	}
	filtertest.Each(t, func(t *testing.T, r filtertest.Runner) {
		for _, c := range cases {
			h, err := r.Start(t, filtertest.Options{Config: c.cfg})
			if err == nil {
				h.Close()
				t.Errorf("%s: plugin started", c.name)
				continue
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %q, want %q", c.name, err, c.want)
			}
			noSecrets(t, c.name+" error", []string{err.Error()}, allPrivateValues(t))
		}
	})
}

// x_signing_keys from an environment variable (vm_config.environment_variables), the way to
// keep private keys out of the configuration; a variable holding a public key is refused
// without its value in the error.
func TestSigningKeysFromEnvironmentVariable(t *testing.T) {
	cfg := []byte(`{"x_signing_keys":{"local_jwks":{"environment_variable":"GATEWAY_SIGNING_KEYS"}},
		"rules":[{"match":{"path":"/login"},"x_sign":{"keys_to_sign":["access_token"],"kid":"k-eddsa"}}]}`)
	env := map[string]string{"GATEWAY_SIGNING_KEYS": privateJWKS(t, "EdDSA")}
	filtertest.Run(t, filtertest.Options{Config: cfg, Env: env}, func(t *testing.T, h filtertest.Host) {
		s := h.NewStream()
		defer s.Done()
		s.SendRequestHeaders(filtertest.Request("POST", "/login"), true)
		respond(s, 200, nil, loginBody(h.Now()), 2)
		if tok := gjson.GetBytes(s.ResponseBody(), "access_token").Str; strings.Count(tok, ".") != 2 {
			t.Fatalf("not signed: %s", s.ResponseBody())
		}
		noSecrets(t, "logs", h.Logs(filtertest.LogTrace), allPrivateValues(t))
	})
	k := signingKeys(t)["EdDSA"]
	public := k.jwk[:strings.Index(k.jwk, `,"d":`)] + "}"
	filtertest.Each(t, func(t *testing.T, r filtertest.Runner) {
		_, err := r.Start(t, filtertest.Options{Config: cfg, Env: map[string]string{"GATEWAY_SIGNING_KEYS": `{"keys":[` + public + `]}`}})
		if err == nil || !strings.Contains(err.Error(), "x_signing_keys.local_jwks.environment_variable: keys[0].d: missing") {
			t.Fatalf("public key from the environment: %v", err)
		}
		noSecrets(t, "error", []string{err.Error()}, append(allPrivateValues(t), public))
	})
}
