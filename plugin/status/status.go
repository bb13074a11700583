// Package status is the outcome of verifying a request: jwt_verify_lib's Status enum (with
// the numbers failed_status_in_metadata reports), the reply each one gets (HTTP code, text,
// RFC 6750 error) and the mapping from verifier errors.
package status

import (
	"errors"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// Status is jwt_verify_lib's Status (Envoy source/common/jwt/status.h). The numeric values
// are that enum's, because failed_status_in_metadata reports them as "code".
type Status uint8

const (
	OK Status = iota
	JwtMissed
	JwtNotYetValid
	JwtExpired
	JwtBadFormat
	JwtHeaderBadBase64
	JwtHeaderBadJSON
	JwtHeaderBadAlg
	JwtHeaderNotImplementedAlg
	JwtHeaderBadKid
	JwtPayloadBadBase64
	JwtPayloadBadJSON
	JwtIssNotString
	statusJwtSubNotString
	statusJwtIatNotInteger
	statusJwtIatOutOfRange
	JwtNbfNotInteger
	statusJwtNbfOutOfRange
	JwtExpNotInteger
	JwtExpOutOfRange
	statusJwtJtiNotString
	JwtAudNotString
	JwtSignatureBadBase64
	JwtEd25519SignatureWrongLength
	JwtUnknownIssuer
	JwtAudienceNotAllowed
	JwtVerificationFail
	statusJwtMultipleTokens
	statusJwksParseError
	statusJwksNoKeys
	statusJwksBadKeys
	statusJwksNoValidKeys
	JwksKidAlgMismatch
	// 33..39 are per-key JWKS parse errors; the filter never reports them because a local key
	// set that Envoy would only warn about refuses plugin start here.
	JwksFetchFail Status = 40

	// JwtTooLarge is ours: the token, its header or its payload is over x_token_limits.
	// Envoy has no such status (its jwt_max_token_size only bounds what it caches).
	JwtTooLarge Status = 252
	// Ours, the resource-server extensions (EXTENSIONS.md; package oauth): a DPoP proof that
	// fails RFC 9449 §4.3 or was replayed; a token not bound to the proof's key (cnf.jkt); a
	// token that must be sent with the DPoP scheme and a proof (x_dpop required, or a
	// DPoP-bound token sent as Bearer, §7.2); a typ not in x_require_typ (RFC 9068 §4); a token
	// not bound to the client certificate (x_mtls_bound, RFC 8705 §3); a token whose acr or
	// auth_time does not meet x_authorize's acr_values or max_age (RFC 9470).
	DPoPProofInvalid   Status = 245
	DPoPBindingInvalid Status = 246
	DPoPRequired       Status = 247
	TokenTypeInvalid   Status = 248
	CertBindingInvalid Status = 249
	StepUpRequired     Status = 250

	// statusAuthzDenied is ours: the requirement passed but the verified tokens' claims do not
	// satisfy the rule's x_authorize policy (authorize.go).
	AuthzDenied Status = 253
	// statusPending is ours: verification waits for remote keys being fetched (the request
	// pauses and is verified again). It never becomes a Reply.
	Pending Status = 254
	// statusInternal is ours: a host call failed, so the request cannot be handled safely.
	Internal Status = 255
)

// Reply is how the filter answers one status: the local Reply Envoy's Filter::onComplete
// sends (source/extensions/filters/http/jwt_authn/filter.cc).
type Reply struct {
	Code uint32 // HTTP status
	Text string // jwt_verify_lib getStatusString: the body, and the details suffix
	// BearerError is the RFC 6750 error code added to WWW-Authenticate (`, error="..."`):
	// Envoy adds invalid_token for every status except JwtMissed; x_authorize's refusal is
	// insufficient_scope (RFC 6750 section 3.1). "" adds none.
	BearerError string
}

const (
	ErrInvalidToken      = "invalid_token"
	ErrInsufficientScope = "insufficient_scope"
	// ErrInvalidDPoPProof is RFC 9449 §7.1's error for a proof that fails its checks.
	ErrInvalidDPoPProof = "invalid_dpop_proof"
	// ErrInsufficientUserAuthentication is RFC 9470 §3's step-up error.
	ErrInsufficientUserAuthentication = "insufficient_user_authentication"
)

// replies is the single status table. 401 everywhere except Audiences not allowed (403), as
// in filter.cc onComplete; texts are jwt_verify_lib's (Envoy source/common/jwt/status.cc).
// The x_authorize refusal (ours) is a 403 as well.
var replies = [...]Reply{
	OK:                             {200, "OK", ""},
	JwtMissed:                      {401, "Jwt is missing", ""},
	JwtNotYetValid:                 {401, "Jwt not yet valid", ErrInvalidToken},
	JwtExpired:                     {401, "Jwt is expired", ErrInvalidToken},
	JwtBadFormat:                   {401, "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections", ErrInvalidToken},
	JwtHeaderBadBase64:             {401, "Jwt header is an invalid Base64url encoded", ErrInvalidToken},
	JwtHeaderBadJSON:               {401, "Jwt header is an invalid JSON", ErrInvalidToken},
	JwtHeaderBadAlg:                {401, "Jwt header [alg] field is required and must be a string", ErrInvalidToken},
	JwtHeaderNotImplementedAlg:     {401, "Jwt header [alg] is not supported", ErrInvalidToken},
	JwtHeaderBadKid:                {401, "Jwt header [kid] field is not a string", ErrInvalidToken},
	JwtPayloadBadBase64:            {401, "Jwt payload is an invalid Base64url encoded", ErrInvalidToken},
	JwtPayloadBadJSON:              {401, "Jwt payload is an invalid JSON", ErrInvalidToken},
	JwtIssNotString:                {401, "Jwt payload [iss] field is not a string", ErrInvalidToken},
	statusJwtSubNotString:          {401, "Jwt payload [sub] field is not a string", ErrInvalidToken},
	statusJwtIatNotInteger:         {401, "Jwt payload [iat] field is not an integer", ErrInvalidToken},
	statusJwtIatOutOfRange:         {401, "Jwt payload [iat] field is not a positive 64 bit integer", ErrInvalidToken},
	JwtNbfNotInteger:               {401, "Jwt payload [nbf] field is not an integer", ErrInvalidToken},
	statusJwtNbfOutOfRange:         {401, "Jwt payload [nbf] field is not a positive 64 bit integer", ErrInvalidToken},
	JwtExpNotInteger:               {401, "Jwt payload [exp] field is not an integer", ErrInvalidToken},
	JwtExpOutOfRange:               {401, "Jwt payload [exp] field is not a positive 64 bit integer", ErrInvalidToken},
	statusJwtJtiNotString:          {401, "Jwt payload [jti] field is not a string", ErrInvalidToken},
	JwtAudNotString:                {401, "Jwt payload [aud] field is not a string or string list", ErrInvalidToken},
	JwtSignatureBadBase64:          {401, "Jwt signature is an invalid Base64url encoded", ErrInvalidToken},
	JwtEd25519SignatureWrongLength: {401, "Jwt ED25519 signature is wrong length", ErrInvalidToken},
	JwtUnknownIssuer:               {401, "Jwt issuer is not configured", ErrInvalidToken},
	JwtAudienceNotAllowed:          {403, "Audiences in Jwt are not allowed", ErrInvalidToken},
	JwtVerificationFail:            {401, "Jwt verification fails", ErrInvalidToken},
	statusJwtMultipleTokens:        {401, "Found multiple Jwt tokens", ErrInvalidToken},
	statusJwksParseError:           {401, "Jwks is an invalid JSON", ErrInvalidToken},
	statusJwksNoKeys:               {401, "Jwks does not have [keys] field", ErrInvalidToken},
	statusJwksBadKeys:              {401, "[keys] in Jwks is not an array", ErrInvalidToken},
	statusJwksNoValidKeys:          {401, "Jwks doesn't have any valid public key", ErrInvalidToken},
	JwksKidAlgMismatch:             {401, "Jwks doesn't have key to match kid or alg from Jwt", ErrInvalidToken},
	JwksFetchFail:                  {401, "Jwks remote fetch is failed", ErrInvalidToken},
	JwtTooLarge:                    {401, "Jwt is too large", ErrInvalidToken},
	DPoPProofInvalid:               {401, "Jwt DPoP proof is invalid", ErrInvalidDPoPProof},
	DPoPBindingInvalid:             {401, "Jwt is not bound to the DPoP proof key", ErrInvalidToken},
	DPoPRequired:                   {401, "Jwt must be sent with the DPoP scheme and a proof", ErrInvalidToken},
	TokenTypeInvalid:               {401, "Jwt type is not accepted", ErrInvalidToken},
	CertBindingInvalid:             {401, "Jwt is not bound to the client certificate", ErrInvalidToken},
	StepUpRequired:                 {401, "Jwt authentication does not meet the requirements", ErrInsufficientUserAuthentication},
	AuthzDenied:                    {403, "Jwt claims do not satisfy the authorization policy", ErrInsufficientScope},
	Internal:                       {500, "Internal error in jwt_authn filter", ""},
}

// ReplyOf returns the table row of s; a status without a row is answered as a failed
// verification, never as success.
func ReplyOf(s Status) Reply {
	if int(s) < len(replies) && replies[s].Text != "" {
		return replies[s]
	}
	return replies[JwtVerificationFail]
}

func (s Status) String() string { return ReplyOf(s).Text }

// statusOf maps a verifier error to jwt_verify_lib's status. The order matters where
// sentinels nest: the specific one is tested before its family.
func Of(err error) Status {
	switch {
	case err == nil:
		return OK
	case errors.Is(err, verifier.ErrTooLarge):
		return JwtTooLarge
	case errors.Is(err, verifier.ErrBadFormat):
		return JwtBadFormat
	case errors.Is(err, verifier.ErrHeaderBase64):
		return JwtHeaderBadBase64
	case errors.Is(err, verifier.ErrHeaderJSON):
		return JwtHeaderBadJSON
	case errors.Is(err, verifier.ErrAlgMissing):
		return JwtHeaderBadAlg
	case errors.Is(err, verifier.ErrAlgorithm):
		return JwtHeaderNotImplementedAlg
	case errors.Is(err, verifier.ErrKidType):
		return JwtHeaderBadKid
	case errors.Is(err, verifier.ErrPayloadBase64):
		return JwtPayloadBadBase64
	case errors.Is(err, verifier.ErrPayloadJSON):
		return JwtPayloadBadJSON
	case errors.Is(err, verifier.ErrIssType):
		return JwtIssNotString
	case errors.Is(err, verifier.ErrSubType):
		return statusJwtSubNotString
	case errors.Is(err, verifier.ErrIatType):
		return rangeOr(err, statusJwtIatNotInteger, statusJwtIatOutOfRange)
	case errors.Is(err, verifier.ErrNbfType):
		return rangeOr(err, JwtNbfNotInteger, statusJwtNbfOutOfRange)
	case errors.Is(err, verifier.ErrExpType):
		return rangeOr(err, JwtExpNotInteger, JwtExpOutOfRange)
	case errors.Is(err, verifier.ErrJtiType):
		return statusJwtJtiNotString
	case errors.Is(err, verifier.ErrAudType):
		return JwtAudNotString
	case errors.Is(err, verifier.ErrSignatureBase64):
		return JwtSignatureBadBase64
	case errors.Is(err, verifier.ErrEd25519SignatureLength):
		return JwtEd25519SignatureWrongLength
	case errors.Is(err, verifier.ErrUnknownKey):
		return JwksKidAlgMismatch
	case errors.Is(err, verifier.ErrExpired):
		return JwtExpired
	case errors.Is(err, verifier.ErrNotYetValid):
		return JwtNotYetValid
	case errors.Is(err, verifier.ErrMalformed):
		return JwtBadFormat
	default:
		// ErrSignature, ErrWeakKey at verification time, ErrUnsupportedHeader (crit, b64,
		// nested JWT: jwt_verify_lib does not look at them; we refuse them as unverifiable).
		return JwtVerificationFail
	}
}

func rangeOr(err error, notInteger, outOfRange Status) Status {
	if errors.Is(err, verifier.ErrClaimRange) {
		return outOfRange
	}
	return notInteger
}
