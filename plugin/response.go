package plugin

import (
	"errors"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
	"strconv"
	"strings"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// status is jwt_verify_lib's Status (Envoy source/common/jwt/status.h). The numeric values
// are that enum's, because failed_status_in_metadata reports them as "code".
type status uint8

const (
	statusOK status = iota
	statusJwtMissed
	statusJwtNotYetValid
	statusJwtExpired
	statusJwtBadFormat
	statusJwtHeaderBadBase64
	statusJwtHeaderBadJSON
	statusJwtHeaderBadAlg
	statusJwtHeaderNotImplementedAlg
	statusJwtHeaderBadKid
	statusJwtPayloadBadBase64
	statusJwtPayloadBadJSON
	statusJwtIssNotString
	statusJwtSubNotString
	statusJwtIatNotInteger
	statusJwtIatOutOfRange
	statusJwtNbfNotInteger
	statusJwtNbfOutOfRange
	statusJwtExpNotInteger
	statusJwtExpOutOfRange
	statusJwtJtiNotString
	statusJwtAudNotString
	statusJwtSignatureBadBase64
	statusJwtEd25519SignatureWrongLength
	statusJwtUnknownIssuer
	statusJwtAudienceNotAllowed
	statusJwtVerificationFail
	statusJwtMultipleTokens
	statusJwksParseError
	statusJwksNoKeys
	statusJwksBadKeys
	statusJwksNoValidKeys
	statusJwksKidAlgMismatch
	// 33..39 are per-key JWKS parse errors; the filter never reports them because a local key
	// set that Envoy would only warn about refuses plugin start here.
	statusJwksFetchFail status = 40

	// statusAuthzDenied is ours: the requirement passed but the verified tokens' claims do not
	// satisfy the rule's x_authorize policy (authorize.go).
	statusAuthzDenied status = 253
	// statusPending is ours: verification waits for remote keys being fetched (the request
	// pauses and is verified again). It never becomes a reply.
	statusPending status = 254
	// statusInternal is ours: a host call failed, so the request cannot be handled safely.
	statusInternal status = 255
)

// reply is how the filter answers one status: the local reply Envoy's Filter::onComplete
// sends (source/extensions/filters/http/jwt_authn/filter.cc).
type reply struct {
	code uint32 // HTTP status
	text string // jwt_verify_lib getStatusString: the body, and the details suffix
	// bearerError is the RFC 6750 error code added to WWW-Authenticate (`, error="..."`):
	// Envoy adds invalid_token for every status except JwtMissed; x_authorize's refusal is
	// insufficient_scope (RFC 6750 section 3.1). "" adds none.
	bearerError string
}

const (
	errInvalidToken      = "invalid_token"
	errInsufficientScope = "insufficient_scope"
)

// replies is the single status table. 401 everywhere except Audiences not allowed (403), as
// in filter.cc onComplete; texts are jwt_verify_lib's (Envoy source/common/jwt/status.cc).
// The x_authorize refusal (ours) is a 403 as well.
var replies = [...]reply{
	statusOK:                             {200, "OK", ""},
	statusJwtMissed:                      {401, "Jwt is missing", ""},
	statusJwtNotYetValid:                 {401, "Jwt not yet valid", errInvalidToken},
	statusJwtExpired:                     {401, "Jwt is expired", errInvalidToken},
	statusJwtBadFormat:                   {401, "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections", errInvalidToken},
	statusJwtHeaderBadBase64:             {401, "Jwt header is an invalid Base64url encoded", errInvalidToken},
	statusJwtHeaderBadJSON:               {401, "Jwt header is an invalid JSON", errInvalidToken},
	statusJwtHeaderBadAlg:                {401, "Jwt header [alg] field is required and must be a string", errInvalidToken},
	statusJwtHeaderNotImplementedAlg:     {401, "Jwt header [alg] is not supported", errInvalidToken},
	statusJwtHeaderBadKid:                {401, "Jwt header [kid] field is not a string", errInvalidToken},
	statusJwtPayloadBadBase64:            {401, "Jwt payload is an invalid Base64url encoded", errInvalidToken},
	statusJwtPayloadBadJSON:              {401, "Jwt payload is an invalid JSON", errInvalidToken},
	statusJwtIssNotString:                {401, "Jwt payload [iss] field is not a string", errInvalidToken},
	statusJwtSubNotString:                {401, "Jwt payload [sub] field is not a string", errInvalidToken},
	statusJwtIatNotInteger:               {401, "Jwt payload [iat] field is not an integer", errInvalidToken},
	statusJwtIatOutOfRange:               {401, "Jwt payload [iat] field is not a positive 64 bit integer", errInvalidToken},
	statusJwtNbfNotInteger:               {401, "Jwt payload [nbf] field is not an integer", errInvalidToken},
	statusJwtNbfOutOfRange:               {401, "Jwt payload [nbf] field is not a positive 64 bit integer", errInvalidToken},
	statusJwtExpNotInteger:               {401, "Jwt payload [exp] field is not an integer", errInvalidToken},
	statusJwtExpOutOfRange:               {401, "Jwt payload [exp] field is not a positive 64 bit integer", errInvalidToken},
	statusJwtJtiNotString:                {401, "Jwt payload [jti] field is not a string", errInvalidToken},
	statusJwtAudNotString:                {401, "Jwt payload [aud] field is not a string or string list", errInvalidToken},
	statusJwtSignatureBadBase64:          {401, "Jwt signature is an invalid Base64url encoded", errInvalidToken},
	statusJwtEd25519SignatureWrongLength: {401, "Jwt ED25519 signature is wrong length", errInvalidToken},
	statusJwtUnknownIssuer:               {401, "Jwt issuer is not configured", errInvalidToken},
	statusJwtAudienceNotAllowed:          {403, "Audiences in Jwt are not allowed", errInvalidToken},
	statusJwtVerificationFail:            {401, "Jwt verification fails", errInvalidToken},
	statusJwtMultipleTokens:              {401, "Found multiple Jwt tokens", errInvalidToken},
	statusJwksParseError:                 {401, "Jwks is an invalid JSON", errInvalidToken},
	statusJwksNoKeys:                     {401, "Jwks does not have [keys] field", errInvalidToken},
	statusJwksBadKeys:                    {401, "[keys] in Jwks is not an array", errInvalidToken},
	statusJwksNoValidKeys:                {401, "Jwks doesn't have any valid public key", errInvalidToken},
	statusJwksKidAlgMismatch:             {401, "Jwks doesn't have key to match kid or alg from Jwt", errInvalidToken},
	statusJwksFetchFail:                  {401, "Jwks remote fetch is failed", errInvalidToken},
	statusAuthzDenied:                    {403, "Jwt claims do not satisfy the authorization policy", errInsufficientScope},
	statusInternal:                       {500, "Internal error in jwt_authn filter", ""},
}

// replyOf returns the table row of s; a status without a row is answered as a failed
// verification, never as success.
func replyOf(s status) reply {
	if int(s) < len(replies) && replies[s].text != "" {
		return replies[s]
	}
	return replies[statusJwtVerificationFail]
}

func (s status) String() string { return replyOf(s).text }

// statusOf maps a verifier error to jwt_verify_lib's status. The order matters where
// sentinels nest: the specific one is tested before its family.
func statusOf(err error) status {
	switch {
	case err == nil:
		return statusOK
	case errors.Is(err, verifier.ErrBadFormat), errors.Is(err, verifier.ErrTooLarge):
		return statusJwtBadFormat
	case errors.Is(err, verifier.ErrHeaderBase64):
		return statusJwtHeaderBadBase64
	case errors.Is(err, verifier.ErrHeaderJSON):
		return statusJwtHeaderBadJSON
	case errors.Is(err, verifier.ErrAlgMissing):
		return statusJwtHeaderBadAlg
	case errors.Is(err, verifier.ErrAlgorithm):
		return statusJwtHeaderNotImplementedAlg
	case errors.Is(err, verifier.ErrKidType):
		return statusJwtHeaderBadKid
	case errors.Is(err, verifier.ErrPayloadBase64):
		return statusJwtPayloadBadBase64
	case errors.Is(err, verifier.ErrPayloadJSON):
		return statusJwtPayloadBadJSON
	case errors.Is(err, verifier.ErrIssType):
		return statusJwtIssNotString
	case errors.Is(err, verifier.ErrSubType):
		return statusJwtSubNotString
	case errors.Is(err, verifier.ErrIatType):
		return rangeOr(err, statusJwtIatNotInteger, statusJwtIatOutOfRange)
	case errors.Is(err, verifier.ErrNbfType):
		return rangeOr(err, statusJwtNbfNotInteger, statusJwtNbfOutOfRange)
	case errors.Is(err, verifier.ErrExpType):
		return rangeOr(err, statusJwtExpNotInteger, statusJwtExpOutOfRange)
	case errors.Is(err, verifier.ErrJtiType):
		return statusJwtJtiNotString
	case errors.Is(err, verifier.ErrAudType):
		return statusJwtAudNotString
	case errors.Is(err, verifier.ErrSignatureBase64):
		return statusJwtSignatureBadBase64
	case errors.Is(err, verifier.ErrEd25519SignatureLength):
		return statusJwtEd25519SignatureWrongLength
	case errors.Is(err, verifier.ErrUnknownKey):
		return statusJwksKidAlgMismatch
	case errors.Is(err, verifier.ErrExpired):
		return statusJwtExpired
	case errors.Is(err, verifier.ErrNotYetValid):
		return statusJwtNotYetValid
	case errors.Is(err, verifier.ErrMalformed):
		return statusJwtBadFormat
	default:
		// ErrSignature, ErrWeakKey at verification time, ErrUnsupportedHeader (crit, b64,
		// nested JWT: jwt_verify_lib does not look at them; we refuse them as unverifiable).
		return statusJwtVerificationFail
	}
}

func rangeOr(err error, notInteger, outOfRange status) status {
	if errors.Is(err, verifier.ErrClaimRange) {
		return outOfRange
	}
	return notInteger
}

// maxRealmPathBytes is Envoy's MaximumUriLength for the realm (filter.cc).
const maxRealmPathBytes = 256

// realm is Envoy's Http::Utility::buildOriginalUri: scheme://host + the original path
// (x-envoy-original-path when a route rewrote it), the path cut to 256 bytes; "" without a
// path.
func realm(req *request.Request) string {
	path, ok := req.Header("x-envoy-original-path")
	if !ok {
		path, ok = req.Header(":path")
		if !ok {
			return ""
		}
	}
	if len(path) > maxRealmPathBytes {
		path = path[:maxRealmPathBytes]
	}
	scheme, _ := req.Header(":scheme")
	host, _ := req.Header(":authority")
	return scheme + "://" + host + path
}

// denyResponse is a local reply ready to send.
type denyResponse struct {
	code    uint32
	headers [][2]string
	body    []byte
	details string
}

// buildDeny assembles the local reply for a failed request, as Envoy's onComplete does, with
// strip_failure_response and the x_deny_response body applied. scope is the scopes an
// x_authorize refusal names (RFC 6750 scope attribute); "" for none. It runs only on the
// deny path, so string building here is not on the hot path.
func buildDeny(rt *filterConfig, s status, req *request.Request, scope string) denyResponse {
	r := replyOf(s)
	d := denyResponse{code: r.code, details: rcDetails(r.text)}
	if rt.stripFailureResponse {
		// Envoy #34618: no body and no WWW-Authenticate, only the status code.
		return d
	}
	if s != statusInternal {
		v := `Bearer realm="` + realm(req) + `"`
		if r.bearerError != "" {
			v += `, error="` + r.bearerError + `"`
		}
		if r.bearerError == errInsufficientScope && scope != "" {
			v += `, scope="` + scope + `"`
		}
		d.headers = append(d.headers, [2]string{"www-authenticate", v})
	}
	if rt.denyBody != nil {
		d.body = []byte(rt.denyBody.render(r.code, r.text))
		if rt.denyBody.contentType != "" {
			d.headers = append(d.headers, [2]string{"content-type", rt.denyBody.contentType})
		}
		return d
	}
	d.body = []byte(r.text)
	return d
}

// rcDetails is Envoy's generateRcDetails: jwt_authn_access_denied{<text, whitespace as _>}.
func rcDetails(text string) string {
	var b strings.Builder
	b.Grow(len("jwt_authn_access_denied{}") + len(text))
	b.WriteString("jwt_authn_access_denied{")
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch c {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			c = '_'
		}
		b.WriteByte(c)
	}
	b.WriteByte('}')
	return b.String()
}

// denyBody is the x_deny_response extension: a body template with {{message}} (the status
// text) and {{status}} (the HTTP status code).
type denyBody struct {
	template    string
	contentType string
}

func (d *denyBody) render(code uint32, text string) string {
	out := strings.ReplaceAll(d.template, "{{message}}", text)
	return strings.ReplaceAll(out, "{{status}}", strconv.FormatUint(uint64(code), 10))
}
