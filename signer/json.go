package signer

import (
	"encoding/base64"
)

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func appendB64(dst, src []byte) []byte { return base64.RawURLEncoding.AppendEncode(dst, src) }

// MaxNesting bounds how deep objects and arrays may nest in a body to sign: JSON parsing
// recurses once per level, and a body of a million '[' must cost nothing but its refusal.
const MaxNesting = 64
