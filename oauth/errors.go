package oauth

import "errors"

// Sentinels. The filter maps ErrInvalidDPoPProof (and every error that wraps it) to
// error="invalid_dpop_proof" (RFC 9449 §7.1), ErrInvalidToken to error="invalid_token"
// (RFC 6750 §3.1) and ErrInsufficientUserAuthentication to
// error="insufficient_user_authentication" (RFC 9470 §3).
var (
	ErrInvalidDPoPProof               = errors.New("oauth: invalid DPoP proof")
	ErrInvalidToken                   = errors.New("oauth: access token is not valid for this request")
	ErrInsufficientUserAuthentication = errors.New("oauth: the user authentication does not meet the requirements")
)

// Detail errors: each is one of the sentinels above and says which check failed.
var (
	ErrDPoPMalformed    = detail(ErrInvalidDPoPProof, "not a well-formed proof JWT")
	ErrDPoPMultiple     = detail(ErrInvalidDPoPProof, "more than one DPoP header")
	ErrDPoPType         = detail(ErrInvalidDPoPProof, `typ is not "dpop+jwt"`)
	ErrDPoPAlgorithm    = detail(ErrInvalidDPoPProof, "alg is not an allowed asymmetric algorithm")
	ErrDPoPKey          = detail(ErrInvalidDPoPProof, "jwk is missing, not a public key, or does not fit alg")
	ErrDPoPSignature    = detail(ErrInvalidDPoPProof, "signature does not verify with jwk")
	ErrDPoPClaims       = detail(ErrInvalidDPoPProof, "jti, htm, htu or iat is missing or of the wrong type")
	ErrDPoPMethod       = detail(ErrInvalidDPoPProof, "htm is not the request method")
	ErrDPoPURI          = detail(ErrInvalidDPoPProof, "htu is not the request URI")
	ErrDPoPTime         = detail(ErrInvalidDPoPProof, "iat is outside the acceptable window")
	ErrDPoPAccessHash   = detail(ErrInvalidDPoPProof, "ath is missing or is not the hash of the access token")
	ErrDPoPReplayed     = detail(ErrInvalidDPoPProof, "jti was seen before")
	ErrDPoPKeyBinding   = detail(ErrInvalidToken, "cnf.jkt is missing or is not the proof key's thumbprint")
	ErrBoundAsBearer    = detail(ErrInvalidToken, "a DPoP-bound token (cnf.jkt) presented as a Bearer token")
	ErrTokenType        = detail(ErrInvalidToken, "typ is not an accepted access-token type")
	ErrCertBinding      = detail(ErrInvalidToken, "cnf x5t#S256 is missing or is not the client certificate's")
	ErrNoCertificate    = detail(ErrInvalidToken, "no client certificate on the connection")
	ErrAuthContext      = detail(ErrInsufficientUserAuthentication, "acr is not one of the required values")
	ErrAuthTooOld       = detail(ErrInsufficientUserAuthentication, "auth_time is missing or older than max_age")
	errDigestMalformed  = errors.New("oauth: certificate digest is not 64 hex digits")
	errURIMalformed     = errors.New("oauth: not an absolute http(s) URI")
	errPercentMalformed = errors.New("oauth: bad percent-encoding in URI")
)

// detailError is a sentinel with the name of the failed check.
type detailError struct {
	kind error
	msg  string
}

func (e *detailError) Error() string { return e.kind.Error() + ": " + e.msg }
func (e *detailError) Unwrap() error { return e.kind }

func detail(kind error, msg string) error { return &detailError{kind: kind, msg: msg} }
