package plugin

import (
	"errors"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/status"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

func TestStatusTableIsEnvoys(t *testing.T) {
	for s := status.OK; s <= status.JwksFetchFail; s++ {
		r := status.ReplyOf(s)
		if r.Text == "" {
			t.Fatalf("status %d has no text", s)
		}
		want := uint32(401)
		switch s {
		case status.OK:
			want = 200
		case status.JwtAudienceNotAllowed:
			want = 403
		}
		if r.Code != want {
			t.Errorf("%q answers %d, want %d", r.Text, r.Code, want)
		}
		if (r.BearerError == status.ErrInvalidToken) != (s != status.JwtMissed && s != status.OK) {
			t.Errorf("%q error = %q", r.Text, r.BearerError)
		}
	}
	if status.ReplyOf(status.Status(35)).Text != "Jwt verification fails" {
		t.Error("a status without a row must fail as a verification failure")
	}
}

func TestStatusOfVerifierErrors(t *testing.T) {
	parse := func(tok string) error { _, err := verifier.ParseUnverified(tok, verifier.Limits{}); return err }
	hdr := testjwt.Base64URL([]byte(`{"alg":"ES256"}`))
	tests := []struct {
		err  error
		want status.Status
	}{
		{parse("a.b"), status.JwtBadFormat},
		{parse("!!.e30.sig"), status.JwtHeaderBadBase64},
		{parse(testjwt.Base64URL([]byte(`{"alg":`)) + ".e30.c2ln"), status.JwtHeaderBadJSON},
		{parse(testjwt.Base64URL([]byte(`{"typ":"JWT"}`)) + ".e30.c2ln"), status.JwtHeaderBadAlg},
		{parse(testjwt.Base64URL([]byte(`{"alg":"none"}`)) + ".e30.c2ln"), status.JwtHeaderNotImplementedAlg},
		{parse(testjwt.Base64URL([]byte(`{"alg":"ES256","kid":1}`)) + ".e30.c2ln"), status.JwtHeaderBadKid},
		{parse(hdr + ".!!.c2ln"), status.JwtPayloadBadBase64},
		{parse(hdr + "." + testjwt.Base64URL([]byte(`[1]`)) + ".c2ln"), status.JwtPayloadBadJSON},
		{parse(hdr + "." + testjwt.Base64URL([]byte(`{"iss":1}`)) + ".c2ln"), status.JwtIssNotString},
		{parse(hdr + "." + testjwt.Base64URL([]byte(`{"exp":"x"}`)) + ".c2ln"), status.JwtExpNotInteger},
		{parse(hdr + "." + testjwt.Base64URL([]byte(`{"exp":-1}`)) + ".c2ln"), status.JwtExpOutOfRange},
		{parse(hdr + "." + testjwt.Base64URL([]byte(`{"nbf":1e400}`)) + ".c2ln"), status.JwtNbfNotInteger},
		{parse(hdr + "." + testjwt.Base64URL([]byte(`{"exp":1e19}`)) + ".c2ln"), status.JwtExpOutOfRange},
		{parse(hdr + "." + testjwt.Base64URL([]byte(`{"aud":1}`)) + ".c2ln"), status.JwtAudNotString},
		{parse(hdr + ".e30.!!"), status.JwtSignatureBadBase64},
		{verifier.ErrUnknownKey, status.JwksKidAlgMismatch},
		{verifier.ErrSignature, status.JwtVerificationFail},
		{verifier.ErrEd25519SignatureLength, status.JwtEd25519SignatureWrongLength},
		{verifier.ErrExpired, status.JwtExpired},
		{verifier.ErrNotYetValid, status.JwtNotYetValid},
		{errors.New("anything else"), status.JwtVerificationFail},
		{nil, status.OK},
	}
	for _, tt := range tests {
		if got := status.Of(tt.err); got != tt.want {
			t.Errorf("statusOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestRealmIsEnvoysOriginalURI(t *testing.T) {
	long := "/" + string(make([]byte, 300))
	tests := []struct {
		r    *request.Request
		want string
	}{
		{req("/a?b=1"), "https://example.com/a?b=1"},
		{req("/rewritten", "x-envoy-original-path", "/orig"), "https://example.com/orig"},
		{req(long), "https://example.com" + long[:256]},
		{request.NewRequest([][2]string{{":method", "CONNECT"}}), ""},
	}
	for _, tt := range tests {
		if got := realm(tt.r); got != tt.want {
			t.Errorf("realm = %q, want %q", got, tt.want)
		}
	}
}

func TestRcDetailsReplaceWhitespace(t *testing.T) {
	if got := rcDetails("Jwt is missing"); got != "jwt_authn_access_denied{Jwt_is_missing}" {
		t.Errorf("got %q", got)
	}
}

func TestBuildDeny(t *testing.T) {
	r := req("/x")
	d := buildDeny(&filterConfig{}, status.JwtMissed, r, "")
	if d.code != 401 || string(d.body) != "Jwt is missing" || len(d.headers) != 1 ||
		d.headers[0] != [2]string{"www-authenticate", `Bearer realm="https://example.com/x"`} {
		t.Errorf("missing: %+v", d)
	}
	d = buildDeny(&filterConfig{}, status.JwtAudienceNotAllowed, r, "")
	if d.code != 403 || d.headers[0][1] != `Bearer realm="https://example.com/x", error="invalid_token"` {
		t.Errorf("audience: %+v", d)
	}
	d = buildDeny(&filterConfig{stripFailureResponse: true}, status.JwtExpired, r, "")
	if d.code != 401 || len(d.body) != 0 || len(d.headers) != 0 || d.details != "jwt_authn_access_denied{Jwt_is_expired}" {
		t.Errorf("strip_failure_response: %+v", d)
	}
	d = buildDeny(&filterConfig{denyBody: &denyBody{template: `{"error":"{{message}}","status":{{status}}}`, contentType: "application/json"}}, status.JwtExpired, r, "")
	if string(d.body) != `{"error":"Jwt is expired","status":401}` || d.headers[1] != [2]string{"content-type", "application/json"} {
		t.Errorf("x_deny_response: %+v", d)
	}
}
