package verifier_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

// TestErrorFamilies pins which sentinels belong to which family: the filter
// maps errors to Envoy's texts with errors.Is, most specific first.
func TestErrorFamilies(t *testing.T) {
	tests := []struct {
		err   error
		is    []error
		isNot []error
	}{
		{verifier.ErrBadFormat, []error{verifier.ErrMalformed}, []error{verifier.ErrSignature, verifier.ErrTooLarge}},
		{verifier.ErrTooLarge, []error{verifier.ErrMalformed}, nil},
		{verifier.ErrHeaderBase64, []error{verifier.ErrMalformed}, []error{verifier.ErrPayloadBase64}},
		{verifier.ErrHeaderJSON, []error{verifier.ErrMalformed}, nil},
		{verifier.ErrPayloadBase64, []error{verifier.ErrMalformed}, nil},
		{verifier.ErrPayloadJSON, []error{verifier.ErrMalformed}, nil},
		{verifier.ErrSignatureBase64, []error{verifier.ErrMalformed}, []error{verifier.ErrSignature}},
		{verifier.ErrClaimType, []error{verifier.ErrMalformed}, nil},
		{verifier.ErrIssType, []error{verifier.ErrClaimType, verifier.ErrMalformed}, []error{verifier.ErrSubType}},
		{verifier.ErrSubType, []error{verifier.ErrClaimType}, nil},
		{verifier.ErrAudType, []error{verifier.ErrClaimType}, nil},
		{verifier.ErrJtiType, []error{verifier.ErrClaimType}, nil},
		{verifier.ErrExpType, []error{verifier.ErrClaimType}, []error{verifier.ErrClaimRange, verifier.ErrExpired}},
		{verifier.ErrNbfType, []error{verifier.ErrClaimType}, nil},
		{verifier.ErrIatType, []error{verifier.ErrClaimType}, nil},
		{verifier.ErrClaimRange, []error{verifier.ErrClaimType}, nil},
		{verifier.ErrAlgMissing, nil, []error{verifier.ErrMalformed, verifier.ErrAlgorithm}},
		{verifier.ErrAlgorithm, nil, []error{verifier.ErrMalformed}},
		{verifier.ErrKidType, nil, []error{verifier.ErrMalformed}},
		{verifier.ErrUnsupportedHeader, nil, []error{verifier.ErrMalformed}},
		{verifier.ErrEd25519SignatureLength, []error{verifier.ErrSignature}, []error{verifier.ErrMalformed}},
		{verifier.ErrUnknownKey, nil, []error{verifier.ErrSignature}},
		{verifier.ErrNoValidKeys, []error{verifier.ErrKeySet}, []error{verifier.ErrKey}},
		{verifier.ErrJWKSInvalidJSON, []error{verifier.ErrKeySet}, nil},
		{verifier.ErrJWKSMissingKeys, []error{verifier.ErrKeySet}, nil},
		{verifier.ErrJWKSKeysNotArray, []error{verifier.ErrKeySet}, nil},
		{verifier.ErrWeakKey, []error{verifier.ErrKey}, []error{verifier.ErrKeySet}},
		{verifier.ErrExpired, nil, []error{verifier.ErrNotYetValid, verifier.ErrLifetime}},
	}
	for _, tc := range tests {
		t.Run(tc.err.Error(), func(t *testing.T) {
			if !errors.Is(tc.err, tc.err) {
				t.Error("not itself")
			}
			for _, p := range tc.is {
				if !errors.Is(tc.err, p) {
					t.Errorf("is not %v", p)
				}
			}
			for _, p := range tc.isNot {
				if errors.Is(tc.err, p) {
					t.Errorf("unexpectedly is %v", p)
				}
			}
		})
	}
}

// TestWrappedErrorsKeepFamilyAndDetail checks a returned error: it matches
// its sentinel and family, and its text has the sentinel's text and detail
// but not the token.
func TestWrappedErrorsKeepFamilyAndDetail(t *testing.T) {
	secret := "s3cr3t-claim-value"
	token := fxB64s(`{"alg":"HS256"}`) + "." + fxB64s(`{"sub":"`+secret+`","exp":-5}`) + ".c2ln"
	_, err := verifier.ParseUnverified(token, verifier.Limits{})
	for _, want := range []error{verifier.ErrExpType, verifier.ErrClaimRange, verifier.ErrClaimType, verifier.ErrMalformed} {
		if !errors.Is(err, want) {
			t.Errorf("%v is not %v", err, want)
		}
	}
	msg := err.Error()
	if !strings.Contains(msg, verifier.ErrExpType.Error()) || !strings.Contains(msg, "negative") {
		t.Errorf("message %q lacks sentinel text or detail", msg)
	}
	if strings.Contains(msg, secret) || strings.Contains(msg, token) {
		t.Errorf("message %q leaks token content", msg)
	}
}
