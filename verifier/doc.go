// Package verifier parses and verifies compact JWS / JWT tokens and the keys
// that sign them (JWKS, single JWK, PEM). It is the core of the proxy-wasm
// jwt_authn filter but knows nothing of Envoy or proxy-wasm: it is pure Go,
// has no package-level mutable state and compiles for GOOS=wasip1.
//
// # Flow
//
// The filter runs the cheap checks first, as Envoy's jwt_authn does:
//
//	tok, err := verifier.ParseUnverified(compact, verifier.Limits{}) // structure only
//	err = tok.ValidateTime(now, 60*time.Second, requireExp, 0)
//	ok := tok.HasAudience(allowed)
//	err = tok.Verify(keySet) // signature, last
//
// A [Token] returned by [ParseUnverified] has NOT had its signature checked; nothing in
// it may be trusted before [Token.Verify] returns nil.
//
// # Algorithms
//
// HS256/384/512, RS256/384/512, PS256/384/512, ES256/384/512 and EdDSA
// (Ed25519 only). "none" in any spelling is refused, as is every other alg.
// ECDSA signatures are the raw r||s of exactly twice the curve size with r and
// s in [1, N-1]; PSS salts are the hash length (RFC 7518 §3.5). HMAC is
// compared in constant time.
//
// # Strictness
//
// Tokens are exactly three non-empty segments of unpadded, canonical base64url
// (RFC 7515 §2). Header and payload are JSON objects without duplicate
// top-level members, nested at most [MaxJSONDepth] deep (so is a JWKS): the
// depth is checked by a linear scan before any recursive parsing. The header
// must not carry crit (no extension is understood), b64 other than true, or
// cty JWT (nested tokens). The jwk, jku, x5u and x5c header members are never
// read: keys come only from the configured [KeySet]. The registered claims
// are typed as jwt_verify_lib types them: exp, nbf and iat are numbers in
// [0, 2^63), a fraction truncated (1767225600.5 is 1767225600), except that
// "-0" is refused and an integer literal is read exactly.
//
// # Keys
//
// JWKS parsing keeps every usable key and skips the others with a reason
// ([KeySet.Skipped]): unsupported kty or curve (Ed448, X25519, secp256k1),
// use other than "sig", key_ops without "verify", alg that does not fit the
// kty, RSA moduli outside [MinRSABits, 8192] bits or with an exponent that is
// not odd in [3, 2^31-1] (exactly what crypto/rsa accepts), EC points off the
// curve or coordinates longer than the curve size (shorter ones, written
// without leading zero octets, are padded back as jwt_verify_lib does), HMAC
// secrets shorter than the hash of their alg, and an x5c leaf whose key
// differs from the JWK's.
//
// PEM keys and x5c certificates are read by a strict DER reader of this
// package (der.go), not crypto/x509: that imports package net, which links
// WASI imports Envoy before 1.39 does not provide. Of a certificate only the
// framing and the public key are checked; names, dates, extensions and the
// chain are not (the key source is the trust anchor, as in Envoy).
//
// # Errors
//
// Every error wraps one of the sentinels in errors.go; errors.Is matches the
// sentinel and its family (for example [ErrBadFormat] is also [ErrMalformed]).
// The filter maps them to jwt_verify_lib's status texts. Error details never
// contain the token or key material.
package verifier
