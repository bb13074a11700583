package difftest

import (
	"fmt"
	"math/rand"
	"strings"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
)

// Case is one generated token with everything needed to judge it: the key
// set it is verified against and the claim expectations.
type Case struct {
	Index int
	// Kind names how the token was made: KindValid, or the mutation applied.
	// Where a verifier may deliberately differ from another, the kind is
	// specific enough to name that difference.
	Kind      string
	Token     string
	Set       *KeySet
	Now       time.Time
	Issuer    string   // the issuer the token must have; "" for no check
	Audiences []string // audiences of which the token must have one; empty for no check
}

// Skew is the clock skew every case is judged with (Envoy's default).
const Skew = 60 * time.Second

// Now is the fixed verification time of every case (2026-01-01T00:00:00Z).
var Now = time.Unix(1767225600, 0)

// Issuer and audience values the generator draws from.
const (
	GoodIssuer  = "https://issuer.example"
	OtherIssuer = "https://other.example"
)

// draft is a token before it is encoded and signed, plus the edits a
// mutation wants applied on the way.
type draft struct {
	set       *KeySet
	signer    *testjwt.Key
	alg       string // the alg the signature is made with
	header    Object
	payload   Object
	rawHeader *string // replaces header.String() when set
	rawBody   *string // replaces payload.String() when set
	signOpt   testjwt.SignOptions
	unencoded bool                // sign over the raw payload (RFC 7797 b64:false)
	sig       func([]byte) []byte // edits the signature bytes
	compact   func(string) string // edits the finished token
	kindAfter func() string       // the case's kind once compact has run, when only then known
	issuer    string
	audiences []string
}

// Generator produces cases from a seed: the same seed gives the same kinds,
// headers, claims and mutations in every run (signature bytes may differ
// where the algorithm is randomized, which never changes a verdict).
type Generator struct {
	rng   *rand.Rand
	ring  *testjwt.Ring
	sets  []*KeySet
	index int
}

// NewGenerator returns a generator over ring's keys.
func NewGenerator(seed int64, ring *testjwt.Ring) *Generator {
	return &Generator{rng: rand.New(rand.NewSource(seed)), ring: ring, sets: KeySets(ring)}
}

// Sets returns the key-set scenarios cases are verified against.
func (g *Generator) Sets() []*KeySet { return g.sets }

// Next returns the next case: a valid token (about one in five) or a
// mutation drawn by weight from every mutation the package knows.
func (g *Generator) Next() (Case, error) {
	g.index++
	d := g.base()
	kind := KindValid
	if g.rng.Intn(5) != 0 {
		m := g.pickMutation()
		var err error
		if kind, err = m.apply(g, d); err != nil {
			return Case{}, fmt.Errorf("difftest: case %d (%s): %w", g.index, m.kind, err)
		}
	}
	return g.finish(d, kind)
}

// Example returns a case of the given kind, drawing drafts until the
// mutation produces exactly that kind (some mutations name their result
// after what they hit). It fails after a bounded number of draws.
func (g *Generator) Example(kind string) (Case, error) {
	m, ok := mutationFor(kind)
	if !ok && kind != KindValid {
		return Case{}, fmt.Errorf("difftest: no mutation makes kind %q", kind)
	}
	for range 2000 {
		g.index++
		d := g.base()
		got := KindValid
		if kind != KindValid {
			var err error
			if got, err = m.apply(g, d); err != nil {
				return Case{}, err
			}
		}
		c, err := g.finish(d, got)
		if err != nil {
			return Case{}, err
		}
		if c.Kind == kind {
			return c, nil
		}
	}
	return Case{}, fmt.Errorf("difftest: no case of kind %q in 2000 draws", kind)
}

// finish encodes and signs a draft.
func (g *Generator) finish(d *draft, kind string) (Case, error) {
	header := d.header.String()
	if d.rawHeader != nil {
		header = *d.rawHeader
	}
	body := d.payload.String()
	if d.rawBody != nil {
		body = *d.rawBody
	}
	h, p := b64.EncodeToString([]byte(header)), b64.EncodeToString([]byte(body))
	input := h + "." + p
	if d.unencoded {
		input = h + "." + body
	}
	sig, err := testjwt.Sign(d.alg, d.signer, input, d.signOpt)
	if err != nil {
		return Case{}, fmt.Errorf("difftest: case %d (%s): %w", g.index, kind, err)
	}
	if d.sig != nil {
		sig = d.sig(sig)
	}
	token := h + "." + p + "." + b64.EncodeToString(sig)
	if d.compact != nil {
		token = d.compact(token)
	}
	if d.kindAfter != nil {
		kind = d.kindAfter()
	}
	return Case{
		Index: g.index, Kind: kind, Token: token, Set: d.set, Now: Now,
		Issuer: d.issuer, Audiences: d.audiences,
	}, nil
}

// base draws a valid draft: a key set, a key published in it, an alg that
// key may sign under, a header and claims that the expectations accept.
func (g *Generator) base() *draft {
	set := g.sets[g.rng.Intn(len(g.sets))]
	e := set.Entries[g.rng.Intn(len(set.Entries))]
	alg := e.Alg
	if alg == "" {
		alg = g.algFor(e.Key)
	}
	d := &draft{set: set, signer: e.Key, alg: alg}

	d.header = Object{}.Set("alg", Quote(alg))
	switch {
	case e.Kid != "" && g.rng.Intn(12) != 0:
		d.header = d.header.Set("kid", Quote(e.Kid))
	case e.Kid == "" && g.rng.Intn(2) == 0:
		// A kid the set does not publish: keys without kid still match it.
		d.header = d.header.Set("kid", Quote(fmt.Sprintf("kid-%d", g.rng.Intn(1000))))
	}
	switch g.rng.Intn(10) {
	case 0, 1, 2, 3, 4:
		d.header = d.header.Set("typ", `"JWT"`)
	case 5:
		d.header = d.header.Set("typ", `"at+jwt"`)
	case 6:
		d.header = d.header.Set("x5t", Quote(b64.EncodeToString(testjwt.SeedBytes(fmt.Sprint(g.index), 20))))
	}
	g.shuffle(d.header)

	d.issuer, d.audiences = g.expectations()
	d.payload = g.claims(d)
	return d
}

// algFor picks an alg a key can sign under without being weak: HMAC secrets
// only with hashes no longer than themselves (RFC 7518 §3.2).
func (g *Generator) algFor(k *testjwt.Key) string {
	algs := k.Algs()
	if k.Kty == testjwt.KtyOct {
		var ok []string
		for _, a := range algs {
			if h, _ := testjwt.HashFor(a); h.Size() <= len(k.Secret()) {
				ok = append(ok, a)
			}
		}
		algs = ok
	}
	return algs[g.rng.Intn(len(algs))]
}

func (g *Generator) expectations() (string, []string) {
	issuer := GoodIssuer
	if g.rng.Intn(5) == 0 {
		issuer = ""
	}
	var aud []string
	switch g.rng.Intn(10) {
	case 0, 1, 2, 3, 4:
		aud = []string{"api"}
	case 5, 6:
		aud = []string{"mobile", "api"}
	}
	return issuer, aud
}

// claims draws a payload that passes the expectations at Now, with the
// registered claims sometimes absent and sometimes at the skew boundaries,
// plus private claims of every JSON type.
func (g *Generator) claims(d *draft) Object {
	now := Now.Unix()
	skew := int64(Skew / time.Second)
	var o Object
	if d.issuer != "" || g.rng.Intn(4) != 0 {
		o = o.Set("iss", Quote(GoodIssuer))
	}
	if g.rng.Intn(3) != 0 {
		o = o.Set("sub", Quote(fmt.Sprintf("user-%d", g.rng.Intn(100000))))
	}
	switch {
	case len(d.audiences) > 0 && g.rng.Intn(2) == 0:
		o = o.Set("aud", Quote("api"))
	case len(d.audiences) > 0:
		o = o.Set("aud", StringArray("web", "api"))
	case g.rng.Intn(2) == 0:
		o = o.Set("aud", Quote(g.pick("api", "web", "")))
	}
	switch g.rng.Intn(10) {
	case 0:
		// no exp
	case 1:
		o = o.Set("exp", Int(now-skew+int64(g.rng.Intn(3)))) // expired by up to the skew: still valid
	default:
		o = o.Set("exp", Int(now+1+int64(g.rng.Intn(86400))))
	}
	switch g.rng.Intn(4) {
	case 0:
		o = o.Set("nbf", Int(now-int64(g.rng.Intn(3600))))
	case 1:
		o = o.Set("nbf", Int(now+skew-int64(g.rng.Intn(3)))) // early by up to the skew: still valid
	}
	if g.rng.Intn(3) != 0 {
		o = o.Set("iat", Int(now-int64(g.rng.Intn(3600))))
	}
	if g.rng.Intn(3) == 0 {
		o = o.Set("jti", Quote(fmt.Sprintf("%x", testjwt.SeedBytes(fmt.Sprint("jti", g.index), 8))))
	}
	for range g.rng.Intn(4) {
		switch g.rng.Intn(7) {
		case 0:
			o = o.Set("scope", Quote("read write"))
		case 1:
			o = o.Set("roles", StringArray("admin", "user"))
		case 2:
			o = o.Set("nested", `{"a":{"b":[1,2,{"c":true}],"d":null}}`)
		case 3:
			o = o.Set("email", Quote("josé@example.com"))
		case 4:
			o = o.Set("ratio", "1.5e3")
		case 5:
			o = o.Set("email_verified", "false")
		case 6:
			o = o.Set("http://example.com/is_root", "true")
		}
	}
	g.shuffle(o)
	return o
}

// Random helpers.

func (g *Generator) pick(s ...string) string { return s[g.rng.Intn(len(s))] }

func (g *Generator) shuffle(o Object) {
	g.rng.Shuffle(len(o), func(i, j int) { o[i], o[j] = o[j], o[i] })
}

// setAlg makes the draft sign under alg, keeping the header's alg in step.
func (d *draft) setAlg(alg string) {
	d.alg = alg
	d.header = d.header.Set("alg", Quote(alg))
}

// keyCanSign reports whether k signs under alg.
func keyCanSign(k *testjwt.Key, alg string) bool {
	for _, a := range k.Algs() {
		if a == alg {
			return true
		}
	}
	return false
}

// segments splits a token into its dot-separated parts.
func segments(token string) []string { return strings.Split(token, ".") }
