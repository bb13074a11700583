package signer

import (
	"io"
	"strconv"
	"time"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/jsonstr"
	"github.com/tidwall/gjson"
)

// Registered claims a backend token always sets itself: a copied claim may not replace them.
var registered = [...]string{"iss", "aud", "iat", "nbf", "exp", "jti"}

// IsRegisteredClaim reports whether name is one of the claims BackendClaims sets itself.
func IsRegisteredClaim(name string) bool {
	for _, r := range registered {
		if r == name {
			return true
		}
	}
	return false
}

// NotBeforeSkew is how far nbf lies before iat, for clocks behind the gateway's.
const NotBeforeSkew = 10 * time.Second

// BackendClaims describes the payload of a backend token.
type BackendClaims struct {
	Issuer   string
	Audience string
	TTL      time.Duration
	// Copy are top-level claims copied from the verified token, when present, in this order.
	// Registered claims (IsRegisteredClaim) are skipped.
	Copy []string
}

// Payload builds the backend token's claims at now: iss, aud, iat, nbf (iat - 10 s), exp
// (iat + TTL), jti, then the Copy claims found in verified, the verified token's payload
// (a JSON object the verifier accepted), with their JSON values unchanged.
func (c *BackendClaims) Payload(now time.Time, jti string, verified string) string {
	iat := now.Unix()
	b := make([]byte, 0, 256)
	b = append(b, `{"iss":`...)
	b = jsonstr.Append(b, c.Issuer)
	b = append(b, `,"aud":`...)
	b = jsonstr.Append(b, c.Audience)
	b = append(b, `,"iat":`...)
	b = strconv.AppendInt(b, iat, 10)
	b = append(b, `,"nbf":`...)
	b = strconv.AppendInt(b, iat-int64(NotBeforeSkew/time.Second), 10)
	b = append(b, `,"exp":`...)
	b = strconv.AppendInt(b, iat+int64(c.TTL/time.Second), 10)
	b = append(b, `,"jti":`...)
	b = jsonstr.Append(b, jti)
	if len(c.Copy) > 0 && verified != "" {
		found := make([]string, len(c.Copy))
		gjson.Parse(verified).ForEach(func(k, v gjson.Result) bool {
			for i, name := range c.Copy {
				if k.Str == name && found[i] == "" {
					found[i] = v.Raw
				}
			}
			return true
		})
		for i, name := range c.Copy {
			if found[i] == "" || IsRegisteredClaim(name) {
				continue
			}
			b = append(b, ',')
			b = jsonstr.Append(b, name)
			b = append(b, ':')
			b = append(b, found[i]...)
		}
	}
	return string(append(b, '}'))
}

// NewJTI returns 16 random bytes as base64url.
func NewJTI(random io.Reader) (string, error) {
	var r [16]byte
	if _, err := io.ReadFull(random, r[:]); err != nil {
		return "", ErrSign
	}
	return b64(r[:]), nil
}
