package plugin

import (
	"crypto/rand"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/config"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/signer"
)

// The signing extensions, compiled (EXTENSIONS.md, Signing): the private keys of
// x_signing_keys, the document x_jwks_endpoint serves, and each rule's x_sign and
// x_backend_token with its key resolved. sign_response.go signs responses, backend_token.go
// mints backend tokens.

// signing is one VM's signing state: immutable keys and document, plus the backend-token
// cache and the failure kinds already logged, which only this VM's callbacks touch.
type signing struct {
	keys        *signer.KeySet
	holdHeaders bool   // x_allow_on_headers_stop_iteration: hold response headers while signing
	jwksPath    string // x_jwks_endpoint.path; "" when off
	jwksDoc     []byte // the public JWKS document
	random      io.Reader
	tokens      *backendTokenCache
	warned      [numSignFailures]bool
}

// signRule is a rule's x_sign.
type signRule struct {
	key     *signer.Key
	names   []string
	full    bool
	maxBody int
}

// backendTokenRule is a rule's x_backend_token.
type backendTokenRule struct {
	id     int // position among the configuration's backend-token rules: part of the cache key
	key    *signer.Key
	header string
	claims signer.BackendClaims
}

// compileSigning loads x_signing_keys and resolves every kid; rules[i] is raw.Rules[i]
// compiled. Problems carry the JSON path; no private key material ever enters one.
func compileSigning(raw *config.RawConfig, rt *filterConfig, env compileEnv, probs *config.Problems, sanitize func(string)) {
	s := &signing{random: rand.Reader, holdHeaders: raw.HoldHeaders}
	if raw.SigningKeys != nil && raw.SigningKeys.Local != nil {
		s.keys = loadSigningKeys(raw.SigningKeys.Local, env, probs)
	}
	if raw.JWKSEndpoint != nil {
		s.jwksPath = raw.JWKSEndpoint.Path
		switch {
		case raw.SigningKeys == nil:
			probs.Add("x_jwks_endpoint", "needs x_signing_keys: the document publishes their public halves")
		case s.keys != nil:
			s.jwksDoc = s.keys.PublicJWKS()
			if string(s.jwksDoc) == `{"keys":[]}` {
				probs.Add("x_jwks_endpoint", "x_signing_keys has only oct keys, which are never published")
			}
		}
	}
	backendRules := 0
	for i, rr := range raw.Rules {
		r := rt.rules[i]
		if rr.Sign != nil {
			if k := s.key(raw, rr.Sign.Path, rr.Sign.Kid, probs); k != nil {
				r.sign = &signRule{key: k, names: rr.Sign.KeysToSign, full: rr.Sign.Full, maxBody: int(rr.Sign.MaxBodyBytes)}
			}
		}
		if bt := rr.BackendToken; bt != nil {
			if r.req == nil {
				probs.Add(bt.Path, "needs a requirement on the rule (requires or requirement_name): a backend token carries claims of a verified token")
			}
			sanitize(strings.ToLower(bt.Header))
			if k := s.key(raw, bt.Path, bt.Kid, probs); k != nil {
				r.backend = &backendTokenRule{id: backendRules, key: k, header: strings.ToLower(bt.Header),
					claims: signer.BackendClaims{Issuer: bt.Issuer, Audience: bt.Audience, TTL: bt.TTL, Copy: bt.Claims}}
				backendRules++
			}
		}
	}
	if backendRules > 0 {
		s.tokens = newBackendTokenCache(defaultBackendTokenCacheSize)
	}
	if s.keys != nil || s.jwksPath != "" {
		rt.signing = s
	}
}

// key resolves a kid of x_sign or x_backend_token at path.
func (s *signing) key(raw *config.RawConfig, path, kid string, probs *config.Problems) *signer.Key {
	if raw.SigningKeys == nil {
		probs.Add(path, "needs x_signing_keys")
		return nil
	}
	if s.keys == nil || kid == "" {
		return nil // the keys' own problem, or the missing kid, is reported already
	}
	if k := s.keys.Key(kid); k != nil {
		return k
	}
	var known []string
	for _, k := range s.keys.Keys() {
		known = append(known, k.ID())
	}
	probs.Add(config.JoinPath(path, "kid"), strconv.Quote(kid)+" is not a kid of x_signing_keys (known: ["+strings.Join(known, ",")+"])")
	return nil
}

// loadSigningKeys reads and parses the private JWKS. Errors name the key by index and member
// (signer.KeyError), never a value.
func loadSigningKeys(l *config.RawLocalJwks, env compileEnv, probs *config.Problems) *signer.KeySet {
	at := config.JoinPath(l.Path, l.Source)
	data := l.Data
	switch l.Source {
	case "":
		return nil // reported by the parser
	case "environment_variable":
		v, ok := env.lookupEnv(l.EnvVar)
		if !ok {
			probs.Add(at, "environment variable "+strconv.Quote(l.EnvVar)+" is not set in the Wasm VM (Envoy passes host variables only when listed in vm_config.environment_variables.host_env_keys)")
			return nil
		}
		data = []byte(v)
	}
	ks, err := signer.ParseJWKS(data)
	if err != nil {
		probs.Add(at, err.Error())
		return nil
	}
	return ks
}

// Why signing failed, one warning per kind and VM (the counter sign_failed counts them all).
type signFailure uint8

const (
	failBodyTooLarge signFailure = iota
	failEncoded
	failNotJSON
	failMemberNotObject
	failNoMember
	failSign
	failBackendToken
	failTrailers
	failClaims
	numSignFailures
)

// reason is the short text of the 502 body and of the warning.
func (f signFailure) reason() string {
	switch f {
	case failBodyTooLarge:
		return "response body larger than x_sign.max_body_bytes"
	case failEncoded:
		return "response body is content-encoded"
	case failNotJSON:
		return "response body is not a JSON object without duplicate members"
	case failMemberNotObject:
		return "a member to sign is not a JSON object"
	case failNoMember:
		return "response body has none of the members to sign"
	case failSign:
		return "signing failed"
	case failBackendToken:
		return "minting the backend token failed"
	case failTrailers:
		return "response has trailers"
	case failClaims:
		return "a member to sign is not a valid token payload"
	}
	return "signing failed"
}

// warnOnce logs the first failure of each kind in this VM.
func (s *signing) warnOnce(f signFailure, log func(string)) {
	if s.warned[f] {
		return
	}
	s.warned[f] = true
	what := "x_sign"
	if f == failBackendToken {
		what = "x_backend_token"
	}
	log("jwt_authn: " + what + ": " + f.reason() + " (logged once per VM; see the sign_failed counter)")
}

// failureOf maps a signer error to its kind.
func failureOf(err error) signFailure {
	switch {
	case errors.Is(err, signer.ErrBodyNotObject):
		return failNotJSON
	case errors.Is(err, signer.ErrMemberNotObject):
		return failMemberNotObject
	case errors.Is(err, signer.ErrNoMemberToSign):
		return failNoMember
	case errors.Is(err, signer.ErrPayload):
		return failClaims
	}
	return failSign
}
