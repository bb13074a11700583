package signer

import (
	"errors"
	"strconv"
)

// Sentinels. Every error this package returns wraps one of them.
var (
	// ErrKeySet: the JWKS as a whole is unusable (not JSON, no keys array, too large).
	ErrKeySet = errors.New("signer: signing key set is unusable")
	// ErrKey: one key is unusable; the error is a *KeyError naming it.
	ErrKey = errors.New("signer: signing key is unusable")
	// ErrPayload: the payload is not a JSON object the verifier would accept.
	ErrPayload = errors.New("signer: payload is not a strict JSON object")
	// ErrSign: the signature could not be computed.
	ErrSign = errors.New("signer: signing failed")
)

// KeyError says which key of a JWKS is unusable and why. Index is the position in "keys";
// Member, when set, is the JWK member at fault. Reason never contains a member's value.
type KeyError struct {
	Index  int
	Member string
	Reason string
}

// Path is the error's location relative to the JWKS document: keys[2] or keys[2].d.
func (e *KeyError) Path() string {
	p := "keys[" + strconv.Itoa(e.Index) + "]"
	if e.Member != "" {
		p += "." + e.Member
	}
	return p
}

func (e *KeyError) Error() string { return e.Path() + ": " + e.Reason }

func (e *KeyError) Unwrap() error { return ErrKey }

// setError is an ErrKeySet with detail.
type setError struct{ detail string }

func (e *setError) Error() string { return ErrKeySet.Error() + ": " + e.detail }
func (e *setError) Unwrap() error { return ErrKeySet }
