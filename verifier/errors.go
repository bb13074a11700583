package verifier

// kind is a sentinel error. parent links it to its family so that
// errors.Is(ErrBadFormat, ErrMalformed) holds without a wrapping chain.
type kind struct {
	msg    string
	parent error // a *kind, or nil
}

func (k *kind) Error() string { return k.msg }

// Is reports whether target is one of k's ancestors (errors.Is has already
// compared k itself).
func (k *kind) Is(target error) bool {
	for p := k.parent; p != nil; p = p.(*kind).parent {
		if target == p {
			return true
		}
	}
	return false
}

// sentinel declares an error; its static type is error so that the exported
// variables read as plain errors.
func sentinel(msg string, parent error) error { return &kind{msg: msg, parent: parent} }

// Token structure. Every one of these is ErrMalformed.
var (
	ErrMalformed       = sentinel("verifier: malformed token", nil)
	ErrBadFormat       = sentinel("verifier: token is not Header.Payload.Signature with two dots and 3 non-empty sections", ErrMalformed)
	ErrTooLarge        = sentinel("verifier: token exceeds a size limit", ErrMalformed)
	ErrHeaderBase64    = sentinel("verifier: header is not canonical unpadded base64url", ErrMalformed)
	ErrHeaderJSON      = sentinel("verifier: header is not a valid JSON object", ErrMalformed)
	ErrPayloadBase64   = sentinel("verifier: payload is not canonical unpadded base64url", ErrMalformed)
	ErrPayloadJSON     = sentinel("verifier: payload is not a valid JSON object", ErrMalformed)
	ErrSignatureBase64 = sentinel("verifier: signature is not canonical unpadded base64url", ErrMalformed)
)

// Registered claims of the wrong type. Every one is ErrClaimType (and so
// ErrMalformed). A numeric date that is a JSON integer but negative or beyond
// int64 is additionally ErrClaimRange, so that the filter can tell
// jwt_verify_lib's "is not an integer" from "is not a positive 64 bit integer".
var (
	ErrClaimType  = sentinel("verifier: registered claim has the wrong type", ErrMalformed)
	ErrIssType    = sentinel("verifier: payload [iss] is not a string", ErrClaimType)
	ErrSubType    = sentinel("verifier: payload [sub] is not a string", ErrClaimType)
	ErrAudType    = sentinel("verifier: payload [aud] is not a string or a list of strings", ErrClaimType)
	ErrJtiType    = sentinel("verifier: payload [jti] is not a string", ErrClaimType)
	ErrExpType    = sentinel("verifier: payload [exp] is not an integer", ErrClaimType)
	ErrNbfType    = sentinel("verifier: payload [nbf] is not an integer", ErrClaimType)
	ErrIatType    = sentinel("verifier: payload [iat] is not an integer", ErrClaimType)
	ErrClaimRange = sentinel("verifier: numeric date is not a non-negative 64 bit integer", ErrClaimType)
)

// Header semantics.
var (
	ErrAlgMissing        = sentinel("verifier: header [alg] is required and must be a string", nil)
	ErrAlgorithm         = sentinel("verifier: header [alg] is not supported", nil)
	ErrKidType           = sentinel("verifier: header [kid] is not a string", nil)
	ErrUnsupportedHeader = sentinel("verifier: header uses an unsupported feature", nil)
)

// Signature.
var (
	ErrUnknownKey             = sentinel("verifier: no key matches the token's kid and alg", nil)
	ErrSignature              = sentinel("verifier: signature verification failed", nil)
	ErrEd25519SignatureLength = sentinel("verifier: Ed25519 signature is not 64 bytes", ErrSignature)
	// ErrKeyTypeMismatch: keys matched the token's kid and alg, but none is of a type that
	// can verify the alg (jwt_verify_lib: "Jwt verification fails").
	ErrKeyTypeMismatch = sentinel("verifier: no key that matches kid and alg is of a type that verifies the alg", ErrSignature)
)

// Time.
var (
	ErrExpired           = sentinel("verifier: token is expired", nil)
	ErrNotYetValid       = sentinel("verifier: token is not yet valid", nil)
	ErrMissingExpiration = sentinel("verifier: token has no exp", nil)
	ErrLifetime          = sentinel("verifier: token lifetime exceeds the maximum", nil)
)

// Keys. ErrKeySet is fatal to a whole JWKS/PEM input; ErrKey is the reason a
// single key was skipped.
var (
	ErrKeySet           = sentinel("verifier: key set is unusable", nil)
	ErrJWKSInvalidJSON  = sentinel("verifier: JWKS is not valid JSON", ErrKeySet)
	ErrJWKSMissingKeys  = sentinel("verifier: JWKS has no [keys] member", ErrKeySet)
	ErrJWKSKeysNotArray = sentinel("verifier: JWKS [keys] is not an array", ErrKeySet)
	ErrNoValidKeys      = sentinel("verifier: key set has no usable key", ErrKeySet)
	ErrKey              = sentinel("verifier: key is invalid", nil)
	ErrWeakKey          = sentinel("verifier: key is too weak", ErrKey)
)

// detailError is a sentinel with detail about what and where, and optionally
// a cause (another sentinel, or a DER parse error).
type detailError struct {
	kind   error
	detail string
	cause  error
}

func (e *detailError) Error() string {
	s := e.kind.Error()
	if e.detail != "" {
		s += ": " + e.detail
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

func (e *detailError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// wrap is the one helper that builds every error this package returns. The
// message is only assembled when Error is called, so failing fast on hostile
// input costs one small allocation.
func wrap(k error, detail string, cause error) error {
	return &detailError{kind: k, detail: detail, cause: cause}
}
