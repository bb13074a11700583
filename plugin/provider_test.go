package plugin

import (
	"testing"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

func TestLifetimeAsEnvoyChecksIt(t *testing.T) {
	const nowSec = 1000
	tests := []struct {
		name string
		p    provider
		exp  int64
		want bool
	}{
		{"no limit, no exp", provider{}, 0, true},
		{"require_expiration without exp", provider{limitLifetime: true, anyLifetime: true}, 0, false},
		{"require_expiration with exp", provider{limitLifetime: true, anyLifetime: true}, 1 << 62, true},
		{"max_lifetime within", provider{limitLifetime: true, maxLifetime: time.Hour}, nowSec + 3599, true},
		{"max_lifetime is strict", provider{limitLifetime: true, maxLifetime: time.Hour}, nowSec + 3600, false},
		{"max_lifetime without exp", provider{limitLifetime: true, maxLifetime: time.Hour}, 0, false},
		{"max_lifetime huge exp", provider{limitLifetime: true, maxLifetime: time.Hour}, 1<<63 - 1, false},
	}
	for _, tt := range tests {
		if got := tt.p.lifetimeAllowed(&verifier.Token{ExpiresAt: tt.exp}, nowSec); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestMaxLifetimeTakesPrecedenceOverRequireExpiration(t *testing.T) {
	k := testjwt.Keys(t)
	rt := mustLoad(t, `{"providers":{"p":`+prov("i", testjwt.JWKS(k.ES256), `,"require_expiration":true,"max_lifetime":"60s"`)+`}}`)
	p := rt.byName["p"]
	if !p.limitLifetime || p.anyLifetime || p.maxLifetime != time.Minute {
		t.Errorf("provider lifetime = %+v", p)
	}
}
