package migrate_test

import (
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// Fixtures whose configurations use an extension another branch adds: remote_jwks.x_discovery
// (OIDC discovery). They convert and validate like the others (TestFixturesConvert);
// TestPendingFeatureFixturesBehave runs them through the filter and passes only once that
// extension is merged.
var pendingFixtures = []fixture{
	{file: "istio/discovery.yaml", notes: []string{"x_discovery"}, served: true, calls: []call{
		{name: "no token passes", want: 200},
		{name: "valid token, keys discovered", tokens: []tok{bearer(claims("iss", "https://example.com/", "aud", "bookstore_android.apps.example.com"))}, want: 200},
		{name: "invalid token: 401", tokens: []tok{{claims: claims("iss", "https://example.com/", "aud", "bookstore_android.apps.example.com"), tamper: true}}, want: 401},
		{name: "wrong audience: 403", tokens: []tok{bearer(claims("iss", "https://example.com/", "aud", "other"))}, want: 403},
	}},
}

// TestPendingFeatureFixturesBehave needs x_discovery in the filter.
func TestPendingFeatureFixturesBehave(t *testing.T) {
	for _, f := range pendingFixtures {
		t.Run(f.file, func(t *testing.T) { runFixture(t, f, serveDiscovery) })
	}
}

// serveDiscovery answers an OpenID configuration request with a document naming
// https://example.com/jwks, and every other callout with the test JWKS.
func serveDiscovery(c filtertest.Callout) filtertest.CalloutResponse {
	path, _ := c.Headers.Get(":path")
	if strings.HasSuffix(path, "/.well-known/openid-configuration") {
		return filtertest.CalloutResponse{Headers: filtertest.Headers{{":status", "200"}, {"content-type", "application/json"}},
			Body: []byte(`{"issuer":"https://example.com/","jwks_uri":"https://example.com/jwks"}`)}
	}
	return serveJWKS(c)
}
