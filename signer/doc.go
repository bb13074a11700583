// Package signer signs JSON Web Signatures with private keys from a JWKS: the gateway side of
// the filter (KrakenD's auth/signer, per-request backend tokens). Like package verifier it is
// pure Go, imports nothing of proxy-wasm, holds no package-level mutable state and compiles
// for GOOS=wasip1 without package net or encoding/json.
//
// # Keys
//
// [ParseJWKS] reads a JWKS whose keys carry their private members: RSA (2048 to 8192 bits,
// two primes), EC P-256/P-384/P-521, OKP Ed25519 and oct. Every key needs a kid, unique in the
// set, and an alg that fits its type; a key without its private member, a key whose public
// and private halves disagree, or any other defect refuses the whole set. Errors name the
// key by its index in "keys" ([KeyError]) and never contain a member's value.
//
// # Signing
//
// [Key.SignCompact] produces a compact JWS (RFC 7515 §7.1) with the protected header
// {"alg","kid","typ":"JWT"}; [Key.SignFlattened] the flattened JWS JSON serialization
// (RFC 7515 §7.2.2). Payloads must be JSON objects the verifier would accept: strict JSON
// ([verifier.StrictJSONObject]) whose registered claims have the verifier's types (exp, nbf
// and iat integers, iss, sub and jti strings, aud a string or strings), so every token signed
// here verifies with package verifier.
//
// [KeySet.PublicJWKS] is the document a JWKS endpoint serves: the public half of every
// asymmetric key, with kid, alg and use "sig", built member by member from the public values
// (private members are never copied); oct keys are not published.
package signer
