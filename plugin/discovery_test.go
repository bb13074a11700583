package plugin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// remote_jwks.x_discovery (plugin/EXTENSIONS.md): the issuer's discovery document, then the
// JWKS at its jwks_uri, through the same cluster or x_jwks_cluster, with all of remote_jwks.

const (
	discoveryURI  = remoteIss + "/.well-known/openid-configuration"
	discoveryPath = "/.well-known/openid-configuration"
)

// discoveryConfig is provider "r" (issuer remoteIss) with discovery through remoteCluster;
// extra adds members to remote_jwks.
func discoveryConfig(extra string) string {
	return `{"providers":{"r":{"issuer":` + q(remoteIss) + `,"remote_jwks":{"http_uri":{"uri":` + q(discoveryURI) +
		`,"cluster":` + q(remoteCluster) + `,"timeout":"5s"},"x_discovery":true` + extra + `}}},
	  "rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"r"}}]}`
}

func discoveryDoc(issuer, jwksURI string) filtertest.CalloutResponse {
	return jwksResponse(`{"issuer":` + q(issuer) + `,"jwks_uri":` + q(jwksURI) +
		`,"response_types_supported":["id_token"],"id_token_signing_alg_values_supported":["RS256","ES256"]}`)
}

// oneCallout returns the only pending callout after checking its cluster, :authority and :path.
func oneCallout(t *testing.T, h filtertest.Host, cluster, authority, path string) filtertest.Callout {
	t.Helper()
	cs := h.Callouts()
	if len(cs) != 1 {
		t.Fatalf("%d pending callouts, want 1 (%s%s)", len(cs), authority, path)
	}
	c := cs[0]
	gotAuth, _ := c.Headers.Get(":authority")
	gotPath, _ := c.Headers.Get(":path")
	if c.Cluster != cluster || gotAuth != authority || gotPath != path {
		t.Fatalf("callout to %s %s%s, want %s %s%s", c.Cluster, gotAuth, gotPath, cluster, authority, path)
	}
	return c
}

func TestDiscoveryThenJwks(t *testing.T) {
	k := keys(t)
	for _, c := range []struct{ name, extra, jwksCluster string }{
		{"same cluster", "", remoteCluster},
		{"x_jwks_cluster", `,"x_jwks_cluster":"apiserver"`, "apiserver"},
	} {
		t.Run(c.name, func(t *testing.T) {
			filtertest.Run(t, filtertest.Options{Config: []byte(discoveryConfig(c.extra))}, func(t *testing.T, h filtertest.Host) {
				s := bearer(h, k.ES256)
				wantPaused(t, s)
				d := oneCallout(t, h, remoteCluster, "idp.example", discoveryPath)
				h.Respond(d.ID, discoveryDoc(remoteIss, "https://10.96.0.1:6443/openid/v1/jwks"))
				wantPaused(t, s)
				j := oneCallout(t, h, c.jwksCluster, "10.96.0.1:6443", "/openid/v1/jwks")
				h.Respond(j.ID, jwksResponse(jwks(k.ES256)))
				wantPass(t, s)
				wantCounter(t, h, "jwks_fetch_success", 1)
				wantPass(t, bearer(h, k.ES256)) // cached, shared with the other VM
				if n := len(h.Callouts()); n != 0 {
					t.Errorf("%d callouts after the keys were fetched, want 0", n)
				}
			})
		})
	}
}

func TestDiscoveryDocumentRefused(t *testing.T) {
	k := keys(t)
	for _, c := range []struct{ name, issuer, jwksURI, log string }{
		{"issuer mismatch", remoteIss + "/", "https://idp.example/jwks", "does not match the provider's issuer"},
		{"other issuer", "https://evil.example", "https://idp.example/jwks", "does not match the provider's issuer"},
		{"http jwks_uri", remoteIss, "http://idp.example/jwks", "https is required"},
		{"relative jwks_uri", remoteIss, "/jwks", "not an absolute URL"},
	} {
		t.Run(c.name, func(t *testing.T) {
			filtertest.Run(t, filtertest.Options{Config: []byte(discoveryConfig(""))}, func(t *testing.T, h filtertest.Host) {
				s := bearer(h, k.ES256)
				d := oneCallout(t, h, remoteCluster, "idp.example", discoveryPath)
				h.Respond(d.ID, discoveryDoc(c.issuer, c.jwksURI))
				wantDeny(t, s, 401, "Jwks remote fetch is failed")
				if n := len(h.Callouts()); n != 0 {
					t.Errorf("%d callouts after a refused document, want 0 (no JWKS fetch)", n)
				}
				wantCounter(t, h, "jwks_fetch_failed", 1)
				if !logged(h, filtertest.LogWarn, c.log) {
					t.Errorf("no warning with %q in %q", c.log, h.Logs(filtertest.LogWarn))
				}
			})
		})
	}
}

func logged(h filtertest.Host, level filtertest.LogLevel, text string) bool {
	for _, l := range h.Logs(level) {
		if strings.Contains(l, text) {
			return true
		}
	}
	return false
}

// A discovery document answered 500 fails the fetch; after failed_refetch_duration the next
// request fetches both documents again and passes.
func TestDiscovery500ThenRecovery(t *testing.T) {
	k := keys(t)
	filtertest.Run(t, filtertest.Options{Config: []byte(discoveryConfig("")), VMs: 1}, func(t *testing.T, h filtertest.Host) {
		s := bearer(h, k.ES256)
		h.Respond(oneCallout(t, h, remoteCluster, "idp.example", discoveryPath).ID, statusResponse("500"))
		wantDeny(t, s, 401, "Jwks remote fetch is failed")
		wantDeny(t, bearer(h, k.ES256), 401, "Jwks remote fetch is failed") // backing off: no callout
		if n := len(h.Callouts()); n != 0 {
			t.Fatalf("%d callouts while backing off, want 0", n)
		}
		h.Advance(1100 * time.Millisecond)
		s = bearer(h, k.ES256)
		h.Respond(oneCallout(t, h, remoteCluster, "idp.example", discoveryPath).ID, discoveryDoc(remoteIss, "https://idp.example/jwks"))
		h.Respond(oneCallout(t, h, remoteCluster, "idp.example", "/jwks").ID, jwksResponse(jwks(k.ES256)))
		wantPass(t, s)
		wantCounter(t, h, "jwks_fetch_failed", 1)
		wantCounter(t, h, "jwks_fetch_success", 1)
	})
}

// retry_policy applies to each document: a 503 of the discovery document is retried.
func TestDiscoveryRetriesEachDocument(t *testing.T) {
	k := keys(t)
	cfg := discoveryConfig(`,"retry_policy":{"num_retries":1,"retry_back_off":{"base_interval":"0.1s","max_interval":"0.2s"}}`)
	filtertest.Run(t, filtertest.Options{Config: []byte(cfg), VMs: 1}, func(t *testing.T, h filtertest.Host) {
		s := bearer(h, k.ES256)
		h.Respond(oneCallout(t, h, remoteCluster, "idp.example", discoveryPath).ID, statusResponse("503"))
		h.Advance(100 * time.Millisecond) // the back-off is under base_interval; each try's timeout is max_interval
		h.Respond(oneCallout(t, h, remoteCluster, "idp.example", discoveryPath).ID, discoveryDoc(remoteIss, "https://idp.example/jwks"))
		h.Respond(oneCallout(t, h, remoteCluster, "idp.example", "/jwks").ID, statusResponse("503"))
		h.Advance(100 * time.Millisecond)
		h.Respond(oneCallout(t, h, remoteCluster, "idp.example", "/jwks").ID, jwksResponse(jwks(k.ES256)))
		wantPass(t, s)
		wantCounter(t, h, "jwks_fetch_success", 1)
		wantCounter(t, h, "jwks_fetch_failed", 0)
	})
}

// Key rotation through discovery: the IdP moves its keys to a new jwks_uri. A token with the
// new kid triggers the unknown-kid refetch, which reads the document again and follows it;
// the old keys stay while a refetch fails.
func TestDiscoveryRotation(t *testing.T) {
	k := keys(t)
	filtertest.Run(t, filtertest.Options{Config: []byte(discoveryConfig(`,"cache_duration":"600s"`)), VMs: 1}, func(t *testing.T, h filtertest.Host) {
		s := bearer(h, k.ES256)
		h.Respond(oneCallout(t, h, remoteCluster, "idp.example", discoveryPath).ID, discoveryDoc(remoteIss, "https://idp.example/keys/1"))
		h.Respond(oneCallout(t, h, remoteCluster, "idp.example", "/keys/1").ID, jwksResponse(jwks(k.ES256)))
		wantPass(t, s)

		h.Advance(31 * time.Second) // past the unknown-kid refetch interval
		s = bearer(h, k.RS256)      // signed with the new key
		wantPaused(t, s)
		h.Respond(oneCallout(t, h, remoteCluster, "idp.example", discoveryPath).ID, discoveryDoc(remoteIss, "https://idp.example/keys/2"))
		h.Respond(oneCallout(t, h, remoteCluster, "idp.example", "/keys/2").ID, jwksResponse(jwks(k.RS256)))
		wantPass(t, s)
		wantDeny(t, bearer(h, k.ES256), 401, "Jwks doesn't have key to match kid or alg from Jwt") // the old key is gone

		h.Advance(601 * time.Second)                                                                 // keys expired: the refetch fails, the last good keys stay
		s = get(h, "/", "authorization", "Bearer "+k.RS256.Token(claims(remoteIss, `,"jti":"new"`))) // not in the JWT cache
		h.Respond(oneCallout(t, h, remoteCluster, "idp.example", discoveryPath).ID, statusResponse("404"))
		wantPass(t, s)
	})
}

func TestDiscoveryConfigErrors(t *testing.T) {
	cases := []struct{ name, remote, issuer, want string }{
		{"wrong uri", `"http_uri":{"uri":"https://idp.example/keys","cluster":"idp","timeout":"1s"},"x_discovery":true`, remoteIss,
			`providers.r.remote_jwks.http_uri.uri: with x_discovery it must be the issuer's discovery document "https://idp.example/.well-known/openid-configuration"`},
		{"no issuer", `"http_uri":{"uri":"https://idp.example/.well-known/openid-configuration","cluster":"idp","timeout":"1s"},"x_discovery":true`, "",
			"providers.r.issuer: x_discovery needs the issuer"},
		{"jwks cluster without discovery", `"http_uri":{"uri":"https://idp.example/keys","cluster":"idp","timeout":"1s"},"x_jwks_cluster":"api"`, remoteIss,
			"providers.r.remote_jwks.x_jwks_cluster: applies only with x_discovery: true"},
		{"empty jwks cluster", `"http_uri":{"uri":"https://idp.example/.well-known/openid-configuration","cluster":"idp","timeout":"1s"},"x_discovery":true,"x_jwks_cluster":""`, remoteIss,
			"providers.r.remote_jwks.x_jwks_cluster: must not be empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			issuer := ""
			if c.issuer != "" {
				issuer = `"issuer":` + q(c.issuer) + `,`
			}
			cfg := `{"providers":{"r":{` + issuer + `"remote_jwks":{` + c.remote + `}}},"rules":[{"match":{"prefix":"/"},"requires":{"provider_name":"r"}}]}`
			filtertest.Each(t, func(t *testing.T, r filtertest.Runner) {
				h, err := r.Start(t, filtertest.Options{Config: []byte(cfg)})
				if err == nil {
					h.Close()
					t.Fatal("plugin started")
				}
				if !strings.Contains(err.Error(), c.want) {
					t.Errorf("error %q lacks %q", err, c.want)
				}
			})
		})
	}
}
