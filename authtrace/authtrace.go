// Package authtrace formats the filter's decision trace: one line per decided request saying
// which rule matched, which tokens were found where (with their issuer, kid, alg and
// audiences), what each provider made of each token and why, and the verdict. It answers
// "why was my token refused" without the token, its signature or any other claim value.
//
// The line goes to the debug log and, for a request carrying the x_debug_header secret, to the
// local reply's x-jwt-authn-trace header, so it is plain printable ASCII, every value taken
// from a token is quoted (strconv.QuoteToASCII) and cut to MaxValueBytes, lists are bounded,
// and the whole line is at most MaxLineBytes.
package authtrace

import (
	"strconv"
)

// Bounds of a trace line.
const (
	MaxValueBytes = 128  // per value taken from a token (iss, kid, aud entries) or a name
	MaxAudiences  = 8    // audiences listed per token or per allowed list
	MaxTokens     = 8    // tokens listed
	MaxOutcomes   = 16   // outcomes listed
	MaxLineBytes  = 4096 // the whole line
)

// Reason is why a provider accepted or refused a token.
type Reason uint8

const (
	Verified            Reason = iota // signature and claims checked now
	CacheHit                          // accepted from the JWT cache (claims re-checked)
	Missing                           // no token in the provider's locations
	Malformed                         // not a well-formed JWT; Detail says how
	IssuerNotAllowed                  // the token's iss is not the one of the provider looking at it
	UnknownIssuer                     // no configured provider has the token's iss
	NotYetValid                       // nbf in the future by Seconds (beyond the clock skew)
	Expired                           // exp in the past by Seconds (beyond the clock skew)
	AudienceNotAllowed                // none of the token's audiences is in Allowed
	SubjectNotAllowed                 // sub does not match the provider's subjects
	LifetimeNotAllowed                // exp missing or too far from iat (max_lifetime, require_expiration)
	KidUnknown                        // no key with the token's kid; Detail says whether keys were refetched
	AlgMismatch                       // keys with the kid exist but none for the token's alg
	KeyTypeMismatch                   // a key matches kid and alg but its type cannot verify that alg
	SignatureInvalid                  // a key was found and the signature does not verify
	JwksFetchFailed                   // the provider's keys could not be fetched
	ExtractedUnverified               // extract_only_without_validation: passed, claims not trusted
	Failed                            // any other refusal; Detail is the status text
)

var reasonText = [...]string{
	Verified:            "verified",
	CacheHit:            "verified (cache hit)",
	Missing:             "missing",
	Malformed:           "malformed",
	IssuerNotAllowed:    "issuer not allowed for this provider",
	UnknownIssuer:       "issuer not configured",
	NotYetValid:         "not yet valid",
	Expired:             "expired",
	AudienceNotAllowed:  "audience not allowed",
	SubjectNotAllowed:   "subject not allowed",
	LifetimeNotAllowed:  "lifetime not allowed",
	KidUnknown:          "kid unknown",
	AlgMismatch:         "no key for alg",
	KeyTypeMismatch:     "key type mismatch",
	SignatureInvalid:    "signature invalid",
	JwksFetchFailed:     "jwks fetch failed",
	ExtractedUnverified: "extracted without validation",
	Failed:              "failed",
}

func (r Reason) String() string {
	if int(r) < len(reasonText) {
		return reasonText[r]
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Outcome is what one provider made of one token (Token -1: no token, for Missing).
type Outcome struct {
	Provider string
	Token    int
	Reason   Reason
	Seconds  int64    // Expired, NotYetValid: by how much, beyond the skew
	Allowed  []string // AudienceNotAllowed: the audiences the provider (or requirement) allows
	Detail   string   // a fixed text from the filter (never a token value)
}

type token struct {
	loc, iss, kid, alg string
	aud                []string
}

// Trace collects one request's decision. The zero value is ready; Reset reuses its memory.
type Trace struct {
	rule     int
	hasRule  bool
	tokens   []token
	outcomes []Outcome
	verdict  string
	code     int
	dropped  int // outcomes beyond MaxOutcomes
}

// Reset empties t for another request.
func (t *Trace) Reset() {
	t.rule, t.hasRule, t.verdict, t.code, t.dropped = 0, false, "", 0, 0
	t.tokens = t.tokens[:0]
	t.outcomes = t.outcomes[:0]
}

// Rule records the index of the rule that matched.
func (t *Trace) Rule(i int) { t.rule, t.hasRule = i, true }

// Token records a token found at loc (for example "header:authorization", "param:token",
// "cookie:jwt") with what its header and payload say, and returns its index for Outcome. The
// same loc and values are recorded once. Values are kept as given and sanitised on output.
func (t *Trace) Token(loc, iss, kid, alg string, aud []string) int {
	for i, k := range t.tokens {
		if k.loc == loc && k.iss == iss && k.kid == kid && k.alg == alg && equal(k.aud, aud) {
			return i
		}
	}
	t.tokens = append(t.tokens, token{loc: loc, iss: iss, kid: kid, alg: alg, aud: aud})
	return len(t.tokens) - 1
}

// Add records an outcome.
func (t *Trace) Add(o Outcome) {
	if len(t.outcomes) >= MaxOutcomes {
		t.dropped++
		return
	}
	t.outcomes = append(t.outcomes, o)
}

// Verdict records the answer: the HTTP status the filter gives (200 when the request goes on)
// and its text ("OK", "Jwt is expired", ...).
func (t *Trace) Verdict(code int, text string) { t.code, t.verdict = code, text }

// String is the trace line.
func (t *Trace) String() string { return string(t.AppendTo(make([]byte, 0, 512))) }

// AppendTo appends the trace line to b:
//
//	rule=1 tokens=[#0 header:authorization iss="https://idp" kid="k1" alg=RS256 aud=["api"]]
//	providers=[idp] outcomes=[idp#0: expired by 35s] verdict=401 "Jwt is expired"
//
// (on one line).
func (t *Trace) AppendTo(b []byte) []byte {
	start := len(b)
	if t.hasRule {
		b = append(b, "rule="...)
		b = strconv.AppendInt(b, int64(t.rule), 10)
	} else {
		b = append(b, "rule=none"...)
	}
	b = append(b, " tokens=["...)
	for i, k := range t.tokens {
		if i == MaxTokens {
			b = append(b, " +"...)
			b = strconv.AppendInt(b, int64(len(t.tokens)-i), 10)
			b = append(b, " more"...)
			break
		}
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, '#')
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, ' ')
		b = appendWord(b, k.loc)
		b = append(b, " iss="...)
		b = appendQuoted(b, k.iss)
		if k.kid != "" {
			b = append(b, " kid="...)
			b = appendQuoted(b, k.kid)
		}
		b = append(b, " alg="...)
		b = appendWord(b, k.alg)
		b = append(b, " aud="...)
		b = appendList(b, k.aud)
	}
	b = append(b, "] providers=["...)
	for i, o := range t.outcomes {
		seen := false
		for _, p := range t.outcomes[:i] {
			if p.Provider == o.Provider {
				seen = true
				break
			}
		}
		if !seen {
			if b[len(b)-1] != '[' {
				b = append(b, ',')
			}
			b = appendWord(b, o.Provider)
		}
	}
	b = append(b, "] outcomes=["...)
	for i, o := range t.outcomes {
		if i > 0 {
			b = append(b, "; "...)
		}
		b = appendWord(b, o.Provider)
		if o.Token >= 0 {
			b = append(b, '#')
			b = strconv.AppendInt(b, int64(o.Token), 10)
		}
		b = append(b, ": "...)
		b = append(b, o.Reason.String()...)
		switch o.Reason {
		case Expired, NotYetValid:
			b = append(b, " by "...)
			b = strconv.AppendInt(b, o.Seconds, 10)
			b = append(b, 's')
		case AudienceNotAllowed:
			b = append(b, ": allowed "...)
			b = appendList(b, o.Allowed)
			if o.Token >= 0 && o.Token < len(t.tokens) {
				b = append(b, " token "...)
				b = appendList(b, t.tokens[o.Token].aud)
			}
		}
		if o.Detail != "" {
			b = append(b, " ("...)
			b = appendText(b, o.Detail)
			b = append(b, ')')
		}
	}
	if t.dropped > 0 {
		b = append(b, "; +"...)
		b = strconv.AppendInt(b, int64(t.dropped), 10)
		b = append(b, " more"...)
	}
	b = append(b, "] verdict="...)
	b = strconv.AppendInt(b, int64(t.code), 10)
	b = append(b, ' ')
	b = appendQuoted(b, t.verdict)
	if len(b)-start > MaxLineBytes {
		b = append(b[:start+MaxLineBytes-len(" ...(cut)")], " ...(cut)"...)
	}
	return b
}

// appendQuoted appends s quoted in ASCII, cut to MaxValueBytes first.
func appendQuoted(b []byte, s string) []byte {
	cut := false
	if len(s) > MaxValueBytes {
		s, cut = s[:MaxValueBytes], true
	}
	b = strconv.AppendQuoteToASCII(b, s)
	if cut {
		b = append(b, "..."...)
	}
	return b
}

// appendWord appends a name bare when it is made of safe characters, else quoted.
func appendWord(b []byte, s string) []byte {
	if s == "" || len(s) > MaxValueBytes {
		return appendQuoted(b, s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '@' || c == '*') {
			return appendQuoted(b, s)
		}
	}
	return append(b, s...)
}

// appendText appends a fixed text from the filter, dropping anything but printable ASCII.
func appendText(b []byte, s string) []byte {
	if len(s) > MaxValueBytes {
		s = s[:MaxValueBytes]
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= ' ' && c < 0x7f {
			b = append(b, c)
		}
	}
	return b
}

func appendList(b []byte, l []string) []byte {
	b = append(b, '[')
	for i, s := range l {
		if i == MaxAudiences {
			b = append(b, ",+"...)
			b = strconv.AppendInt(b, int64(len(l)-i), 10)
			b = append(b, " more"...)
			break
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = appendQuoted(b, s)
	}
	return append(b, ']')
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
