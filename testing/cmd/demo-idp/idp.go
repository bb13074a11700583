package main

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// persona is a kind of token the IdP mints.
type persona struct {
	about    string         // what the token is for, shown by /personas
	sub      string         // subject
	audience string         // overrides the IdP's audience when set
	expired  bool           // expired an hour ago
	claims   map[string]any // further claims
}

// personas are the tokens the demo shows: each fails (or passes) the demo configuration for
// one reason.
var personas = map[string]persona{
	"alice": {about: "a user with the scope orders:read: 200 on /api", sub: "alice",
		claims: map[string]any{"email": "alice@example.com", "name": "Alice", "roles": []string{"user"}, "scope": "openid profile orders:read"}},
	"admin": {about: "an administrator (role admin): 200 on /admin too", sub: "admin",
		claims: map[string]any{"email": "admin@example.com", "name": "Admin", "roles": []string{"user", "admin"}, "scope": "openid profile orders:read orders:write"}},
	"expired": {about: "alice's token, expired an hour ago: 401 Jwt is expired", sub: "alice", expired: true,
		claims: map[string]any{"email": "alice@example.com", "roles": []string{"user"}, "scope": "openid profile orders:read"}},
	"wrong-audience": {about: "a token for another API (aud other-api): 403 Audiences in Jwt are not allowed", sub: "alice", audience: "other-api",
		claims: map[string]any{"email": "alice@example.com", "roles": []string{"user"}, "scope": "openid profile orders:read"}},
	"no-scope": {about: "a user without the scope orders:read: 403 insufficient_scope", sub: "carol",
		claims: map[string]any{"email": "carol@example.com", "roles": []string{"user"}, "scope": "openid profile"}},
}

// signingKey is one RSA key with its kid.
type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
}

func newKey() (signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return signingKey{}, err
	}
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return signingKey{}, err
	}
	return signingKey{kid: "demo-" + hex.EncodeToString(id[:]), priv: priv}, nil
}

func (k signingKey) public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: &k.priv.PublicKey, KeyID: k.kid, Algorithm: string(jose.RS256), Use: "sig"}
}

// idp holds the keys: the one that signs, the one it replaced (still published, so tokens
// already issued stay valid, as real IdPs do) and the one the next rotation publishes.
type idp struct {
	issuer, audience string
	lifetime         time.Duration
	now              func() time.Time

	// fixedJWKS, when set (-jwks), is served instead of the keys; minting is then refused.
	fixedJWKS []byte
	fixedName string

	mu                      sync.Mutex
	current, previous, next signingKey
	hasPrevious             bool
}

func newIdP(issuer, audience string, lifetime time.Duration, now func() time.Time) (*idp, error) {
	cur, err := newKey()
	if err != nil {
		return nil, err
	}
	next, err := newKey()
	if err != nil {
		return nil, err
	}
	return &idp{issuer: issuer, audience: audience, lifetime: lifetime, now: now, current: cur, next: next}, nil
}

// rotate publishes the next key and signs with it from now on; it returns the new kid.
func (p *idp) rotate() (string, error) {
	fresh, err := newKey() // outside the lock: key generation takes a while
	if err != nil {
		return "", err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.previous, p.hasPrevious = p.current, true
	p.current, p.next = p.next, fresh
	return p.current.kid, nil
}

// jwks is the public key set: the signing key and the previous one.
func (p *idp) jwks() jose.JSONWebKeySet {
	p.mu.Lock()
	defer p.mu.Unlock()
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{p.current.public()}}
	if p.hasPrevious {
		set.Keys = append(set.Keys, p.previous.public())
	}
	return set
}

// mint signs a token for the persona with the current key, or the next one.
func (p *idp) mint(name string, useNext bool) (string, time.Time, error) {
	who, ok := personas[name]
	if !ok {
		return "", time.Time{}, fmt.Errorf("unknown persona %q (known: %s)", name, strings.Join(personaNames(), ", "))
	}
	p.mu.Lock()
	key := p.current
	if useNext {
		key = p.next
	}
	p.mu.Unlock()

	now := p.now().Truncate(time.Second)
	issued := now
	if who.expired {
		issued = now.Add(-2 * time.Hour)
	}
	exp := issued.Add(p.lifetime)
	if who.expired {
		exp = now.Add(-time.Hour)
	}
	aud := p.audience
	if who.audience != "" {
		aud = who.audience
	}
	var id [12]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", time.Time{}, err
	}
	claims := map[string]any{
		"iss": p.issuer, "sub": who.sub, "aud": aud, "iat": issued.Unix(), "nbf": issued.Unix(), "exp": exp.Unix(),
		"jti": hex.EncodeToString(id[:]),
	}
	for k, v := range who.claims {
		claims[k] = v
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key.priv, KeyID: key.kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", time.Time{}, err
	}
	token, err := jwt.Signed(signer).Claims(claims).Serialize()
	return token, exp, err
}

func personaNames() []string {
	names := make([]string, 0, len(personas))
	for n := range personas {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// handler serves the endpoints, logging one line per request without tokens.
func (p *idp) handler(logger *log.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		base := "http://" + r.Host
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                p.issuer,
			"jwks_uri":                              base + "/jwks.json",
			"token_endpoint":                        base + "/token",
			"response_types_supported":              []string{"token"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"grant_types_supported":                 []string{"client_credentials"},
		})
	})
	mux.HandleFunc("GET /jwks.json", func(w http.ResponseWriter, r *http.Request) {
		if p.fixedJWKS != nil {
			logger.Printf("GET /jwks.json: serving %s", p.fixedName)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(p.fixedJWKS)
			return
		}
		set := p.jwks()
		kids := make([]string, len(set.Keys))
		for i, k := range set.Keys {
			kids[i] = k.KeyID
		}
		logger.Printf("GET /jwks.json: serving kids %s", strings.Join(kids, ", "))
		writeJSON(w, http.StatusOK, set)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			writeJSON(w, http.StatusMethodNotAllowed, oauthError("invalid_request", "use GET or POST"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		if err := r.ParseForm(); err != nil {
			writeJSON(w, http.StatusBadRequest, oauthError("invalid_request", "bad form"))
			return
		}
		if p.fixedJWKS != nil {
			writeJSON(w, http.StatusNotFound, oauthError("unsupported_grant_type", "this IdP serves a fixed JWKS (-jwks) and mints no tokens"))
			return
		}
		name := r.Form.Get("persona")
		if name == "" {
			name = "alice"
		}
		useNext := r.Form.Get("key") == "next"
		token, exp, err := p.mint(name, useNext)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, oauthError("invalid_request", err.Error()))
			return
		}
		which := "current"
		if useNext {
			which = "next"
		}
		logger.Printf("%s /token: minted a token for %s with the %s key", r.Method, name, which)
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token": token, "token_type": "Bearer", "expires_in": max(int64(time.Until(exp).Seconds()), 0),
		})
	})
	mux.HandleFunc("POST /rotate", func(w http.ResponseWriter, r *http.Request) {
		if p.fixedJWKS != nil {
			writeJSON(w, http.StatusNotFound, oauthError("invalid_request", "this IdP serves a fixed JWKS (-jwks)"))
			return
		}
		kid, err := p.rotate()
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, oauthError("server_error", err.Error()))
			return
		}
		logger.Printf("POST /rotate: now signing with kid %s; the JWKS serves it and the previous key", kid)
		writeJSON(w, http.StatusOK, map[string]any{"kid": kid})
	})
	mux.HandleFunc("GET /personas", func(w http.ResponseWriter, r *http.Request) {
		out := map[string]string{}
		for n, who := range personas {
			out[n] = who.about
		}
		writeJSON(w, http.StatusOK, out)
	})
	return mux
}

func oauthError(code, description string) map[string]string {
	return map[string]string{"error": code, "error_description": description}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
