package authtrace

import (
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

func TestTraceLine(t *testing.T) {
	var tr Trace
	tr.Rule(1)
	a := tr.Token("header:authorization", "https://idp.example.com", "k1", "RS256", []string{"api"})
	b := tr.Token("param:access_token", "https://other.example.com", "", "ES256", nil)
	if again := tr.Token("header:authorization", "https://idp.example.com", "k1", "RS256", []string{"api"}); again != a {
		t.Errorf("same token recorded twice: %d, %d", a, again)
	}
	tr.Add(Outcome{Provider: "idp", Token: a, Reason: Expired, Seconds: 35})
	tr.Add(Outcome{Provider: "other", Token: b, Reason: AudienceNotAllowed, Allowed: []string{"web", "mobile"}})
	tr.Add(Outcome{Provider: "idp", Token: b, Reason: IssuerNotAllowed})
	tr.Add(Outcome{Provider: "other", Token: b, Reason: KidUnknown, Detail: "after refetch"})
	tr.Verdict(401, "Jwt is expired")
	want := `rule=1 tokens=[#0 header:authorization iss="https://idp.example.com" kid="k1" alg=RS256 aud=["api"] ` +
		`#1 param:access_token iss="https://other.example.com" alg=ES256 aud=[]] providers=[idp,other] ` +
		`outcomes=[idp#0: expired by 35s; other#1: audience not allowed: allowed ["web","mobile"] token []; ` +
		`idp#1: issuer not allowed for this provider; other#1: kid unknown (after refetch)] verdict=401 "Jwt is expired"`
	if got := tr.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	tr.Reset()
	tr.Add(Outcome{Provider: "idp", Token: -1, Reason: Missing})
	tr.Verdict(401, "Jwt is missing")
	if got, want := tr.String(), `rule=none tokens=[] providers=[idp] outcomes=[idp: missing] verdict=401 "Jwt is missing"`; got != want {
		t.Errorf("after Reset got\n%s\nwant\n%s", got, want)
	}
}

// Values from a token are hostile: they are quoted in ASCII, cut, and can never end the
// header line or inject another header.
func TestTraceSanitises(t *testing.T) {
	var tr Trace
	evil := "x\r\nset-cookie: a=b\x00\u00e9" + strings.Repeat("A", 500)
	i := tr.Token("header:authorization", evil, evil, evil, []string{evil, evil, evil, evil, evil, evil, evil, evil, evil, evil})
	for j := 0; j < 40; j++ {
		tr.Add(Outcome{Provider: "p\n" + evil, Token: i, Reason: AudienceNotAllowed, Allowed: []string{evil}, Detail: "d\r\n" + evil})
	}
	tr.Verdict(401, "Jwt audience is not allowed")
	line := tr.String()
	if len(line) > MaxLineBytes {
		t.Errorf("line is %d bytes, more than %d", len(line), MaxLineBytes)
	}
	for i := 0; i < len(line); i++ {
		if c := line[i]; c < ' ' || c >= 0x7f {
			t.Fatalf("byte %#x at %d in %q", c, i, line)
		}
	}
	if !strings.Contains(line, `"x\r\nset-cookie: a=b\x00\u00e9AAA`) || !strings.Contains(line, `,+2 more]`) {
		t.Errorf("values not quoted or lists not bounded: %s", line[:400])
	}
	if strings.Contains(line, strings.Repeat("A", MaxValueBytes+1)) {
		t.Errorf("a value is longer than %d bytes", MaxValueBytes)
	}
	if !strings.HasSuffix(line, " ...(cut)") {
		t.Errorf("long line not marked as cut: ...%s", line[len(line)-40:])
	}
}

func TestEveryReasonHasText(t *testing.T) {
	for r := Verified; r <= Failed; r++ {
		if s := r.String(); s == "" || strings.HasPrefix(s, "reason(") {
			t.Errorf("reason %d has no text", r)
		}
	}
}

func BenchmarkTraceLine(b *testing.B) {
	var tr Trace
	buf := make([]byte, 0, 1024)
	aud := []string{"api"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tr.Reset()
		tr.Rule(0)
		k := tr.Token("header:authorization", "https://idp.example.com", "k1", "RS256", aud)
		tr.Add(Outcome{Provider: "idp", Token: k, Reason: Expired, Seconds: 35})
		tr.Verdict(401, "Jwt is expired")
		buf = tr.AppendTo(buf[:0])
	}
}

func TestUnknownKeyReason(t *testing.T) {
	ks, err := verifier.ParseJWKS([]byte(`{"keys":[
	  {"kty":"oct","kid":"h1","alg":"HS256","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0"},
	  {"kty":"oct","kid":"h2","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0"}]}`), verifier.KeyOptions{})
	if err != nil || len(ks.Keys) != 2 {
		t.Fatalf("test JWKS: %v, %d keys", err, len(ks.Keys))
	}
	for _, c := range []struct {
		kid  string
		alg  verifier.Algorithm
		want Reason
	}{
		{"nope", "HS256", KidUnknown},
		{"h1", "HS384", AlgMismatch},     // h1 is for HS256 only
		{"h2", "RS256", KeyTypeMismatch}, // h2 takes any alg, but an oct key cannot verify RS256
		{"", "RS256", KeyTypeMismatch},   // no kid: every key is a candidate
		{"h1", "HS256", KeyTypeMismatch}, // would have verified: never asked in practice
	} {
		if got := UnknownKeyReason(ks, c.kid, c.alg); got != c.want {
			t.Errorf("kid %q alg %s: %v, want %v", c.kid, c.alg, got, c.want)
		}
	}
	if got := UnknownKeyReason(nil, "k", "RS256"); got != KidUnknown {
		t.Errorf("nil key set: %v", got)
	}
}
