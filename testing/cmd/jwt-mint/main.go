// Command jwt-mint signs a JWT with your own key, to try the filter without an identity
// provider:
//
//	jwt-mint -genkey ES256 -key my.jwk > jwks.json     # a new private key; prints its public JWKS
//	jwt-mint -key my.jwk -iss https://issuer.example -sub alice -aud my-api \
//	    -claim scope="orders:read" -claim 'roles=["admin"]' -exp 1h
//
// -key is a private key as a JWK (JSON) or PEM (PKCS #8, PKCS #1 "RSA PRIVATE KEY", SEC 1 "EC
// PRIVATE KEY"). The algorithm follows the key (RSA: RS256, P-256: ES256, P-384: ES384, P-521:
// ES512, Ed25519: EdDSA, a JWK of kty oct: HS256) unless -alg says otherwise. The kid is the
// JWK's own, else the key's RFC 7638 thumbprint, which is also the kid -genkey writes; the
// JWKS -genkey prints is what a provider's local_jwks.inline_string (or your JWKS endpoint)
// takes. Claims: -claims takes a JSON object (or @FILE), then -iss, -sub, -aud (repeatable),
// -claim NAME=VALUE (repeatable; VALUE is JSON when it parses as JSON, else a string), iat
// (now) and exp (now + -exp; a negative -exp mints an expired token, 0 leaves exp out) are set
// over it. The token goes to stdout, followed by a newline.
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr, time.Now); err != nil {
		fmt.Fprintln(os.Stderr, "jwt-mint:", err)
		os.Exit(2)
	}
}

// listFlag collects a repeated flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func run(args []string, stdout, stderr io.Writer, now func() time.Time) error {
	fs := flag.NewFlagSet("jwt-mint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyPath := fs.String("key", "", "private key file: JWK or PEM (with -genkey: where to write the new key)")
	genkey := fs.String("genkey", "", "write a new private key for this algorithm (RS256, PS256, ES256, ES384, ES512, EdDSA, HS256) to -key and print its public JWKS")
	alg := fs.String("alg", "", "signature algorithm (default: from the key)")
	kid := fs.String("kid", "", "kid header (default: the JWK's kid, else the key's RFC 7638 thumbprint)")
	iss := fs.String("iss", "", "issuer claim")
	sub := fs.String("sub", "", "subject claim")
	var aud, claimFlags listFlag
	fs.Var(&aud, "aud", "audience claim (repeatable: several make an array)")
	fs.Var(&claimFlags, "claim", "NAME=VALUE claim (repeatable); VALUE is JSON if it parses, else a string")
	claimsJSON := fs.String("claims", "", "claims as a JSON object, or @FILE")
	exp := fs.Duration("exp", time.Hour, "lifetime: exp = now + this (negative: already expired; 0: no exp)")
	noIat := fs.Bool("no-iat", false, "leave the iat claim out")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *keyPath == "" {
		return errors.New("-key is required")
	}
	if *genkey != "" {
		return generate(*genkey, *keyPath, stdout)
	}

	key, err := loadKey(*keyPath)
	if err != nil {
		return err
	}
	if *kid != "" {
		key.KeyID = *kid
	}
	if *alg != "" {
		key.Algorithm = *alg
	}
	if key.Algorithm == "" {
		if key.Algorithm, err = defaultAlg(key.Key); err != nil {
			return err
		}
	}

	claims := map[string]any{}
	if *claimsJSON != "" {
		raw := []byte(*claimsJSON)
		if name, ok := strings.CutPrefix(*claimsJSON, "@"); ok {
			if raw, err = os.ReadFile(name); err != nil {
				return err
			}
		}
		if err := json.Unmarshal(raw, &claims); err != nil {
			return fmt.Errorf("-claims: want a JSON object: %v", err)
		}
	}
	t := now()
	if *iss != "" {
		claims["iss"] = *iss
	}
	if *sub != "" {
		claims["sub"] = *sub
	}
	switch len(aud) {
	case 0:
	case 1:
		claims["aud"] = aud[0]
	default:
		claims["aud"] = []string(aud)
	}
	for _, c := range claimFlags {
		name, value, ok := strings.Cut(c, "=")
		if !ok || name == "" {
			return fmt.Errorf("-claim %q: want NAME=VALUE", c)
		}
		var v any
		if err := json.Unmarshal([]byte(value), &v); err != nil {
			v = value
		}
		claims[name] = v
	}
	if !*noIat {
		claims["iat"] = t.Unix()
	}
	if *exp != 0 {
		claims["exp"] = t.Add(*exp).Unix()
	}
	token, err := sign(key, claims)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, token)
	return err
}

// sign makes a compact JWS of the claims with typ JWT and the key's kid.
func sign(key jose.JSONWebKey, claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	opts := (&jose.SignerOptions{}).WithType("JWT")
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(key.Algorithm), Key: key}, opts)
	if err != nil {
		return "", fmt.Errorf("%s with this key: %w", key.Algorithm, err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// loadKey reads a private JWK or a PEM private key.
func loadKey(path string) (jose.JSONWebKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	var key jose.JSONWebKey
	if block, _ := pem.Decode(raw); block != nil {
		if key.Key, err = parsePEM(block); err != nil {
			return key, fmt.Errorf("%s: %w", path, err)
		}
	} else if err := key.UnmarshalJSON(raw); err != nil {
		return key, fmt.Errorf("%s: neither PEM nor a JWK: %v", path, err)
	}
	if key.IsPublic() {
		return key, fmt.Errorf("%s: a public key: signing needs the private key", path)
	}
	if key.KeyID == "" {
		if key.KeyID, err = thumbprint(key); err != nil {
			return key, err
		}
	}
	return key, nil
}

func parsePEM(b *pem.Block) (any, error) {
	switch b.Type {
	case "PRIVATE KEY":
		return x509.ParsePKCS8PrivateKey(b.Bytes)
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(b.Bytes)
	}
	return nil, fmt.Errorf("PEM block %q: want PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY", b.Type)
}

func defaultAlg(k any) (string, error) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return "RS256", nil
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P256():
			return "ES256", nil
		case elliptic.P384():
			return "ES384", nil
		case elliptic.P521():
			return "ES512", nil
		}
	case ed25519.PrivateKey:
		return "EdDSA", nil
	case []byte:
		return "HS256", nil
	}
	return "", fmt.Errorf("no default algorithm for a %T: give -alg", k)
}

// thumbprint is the RFC 7638 SHA-256 thumbprint, base64url: a kid both sides can derive.
func thumbprint(k jose.JSONWebKey) (string, error) {
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// generate writes a new private JWK to path (never overwriting a file) and prints the public
// JWKS; for HS256 it prints nothing secret: the key file is the shared secret.
func generate(alg, path string, stdout io.Writer) error {
	var priv any
	var err error
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case "ES256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ES384":
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ES512":
		priv, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case "EdDSA":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case "HS256", "HS384", "HS512":
		secret := make([]byte, 32)
		_, err = rand.Read(secret)
		priv = secret
	default:
		return fmt.Errorf("-genkey %q: want RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, HS256, HS384 or HS512", alg)
	}
	if err != nil {
		return err
	}
	key := jose.JSONWebKey{Key: priv, Algorithm: alg, Use: "sig"}
	if key.KeyID, err = thumbprint(key); err != nil {
		return err
	}
	b, err := json.MarshalIndent(key, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if _, ok := priv.([]byte); ok {
		fmt.Fprintf(os.Stderr, "jwt-mint: %s holds the shared secret (a JWK of kty oct); a provider's local_jwks takes it as {\"keys\":[...]}\n", path)
		return nil
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{key.Public()}}
	out, err := json.Marshal(set)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, string(out))
	return err
}
