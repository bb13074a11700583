// Package oauth holds the OAuth 2.x resource-server checks the filter adds on top of Envoy's
// jwt_authn, as pure Go (no proxy-wasm import, no package-level mutable state):
//
//   - DPoP proofs, RFC 9449 §4.3 ([DPoPPolicy.Verify]) and the token binding cnf.jkt (§6.1,
//     [CheckJKT]), with the request URI normalised per RFC 3986 §6.2.2-6.2.3 ([NormalizeHTU]);
//   - Protected Resource Metadata, RFC 9728 ([ParseProtectedResource], its document and its
//     well-known paths, §3.1);
//   - the JWT access-token profile's typ check, RFC 9068 §4 / RFC 7515 §4.1.9 ([TypMatches]);
//   - step-up authentication, RFC 9470 ([StepUp]: acr and auth_time, and the §3 challenge);
//   - certificate-bound tokens, RFC 8705 §3 ([CheckCertificateBinding]: cnf x5t#S256 against
//     Envoy's hex SHA-256 of the client certificate).
//
// Every input is bounded before it is worked on, errors wrap the sentinels in errors.go, and no
// error text contains a token, a proof, a claim value or key material.
package oauth
