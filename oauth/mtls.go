package oauth

import (
	"encoding/base64"

	"github.com/tidwall/gjson"
)

// CertificateThumbprint turns Envoy's connection.sha256_peer_certificate_digest (the SHA-256 of
// the client certificate's DER as 64 hex digits, lower case) into the form of a cnf x5t#S256
// member (RFC 8705 §3.1): base64url without padding of the 32 bytes. Upper-case digits are
// accepted too.
func CertificateThumbprint(hexDigest string) (string, error) {
	if len(hexDigest) != 64 {
		return "", errDigestMalformed
	}
	var sum [32]byte
	for i := range sum {
		hi, ok1 := unhex(hexDigest[2*i])
		lo, ok2 := unhex(hexDigest[2*i+1])
		if !ok1 || !ok2 {
			return "", errDigestMalformed
		}
		sum[i] = hi<<4 | lo
	}
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// CheckCertificateBinding is RFC 8705 §3 for x_mtls_bound: the token must be bound to a
// certificate (cnf["x5t#S256"], a string) and that must be the certificate of this connection,
// whose hex digest is given (present false: no client certificate). Errors wrap
// [ErrInvalidToken].
func CheckCertificateBinding(claims gjson.Result, hexDigest string, present bool) error {
	cnf := claims.Get("cnf")
	var bound gjson.Result
	if cnf.IsObject() {
		cnf.ForEach(func(k, v gjson.Result) bool {
			if k.Str == "x5t#S256" {
				bound = v
				return false
			}
			return true
		})
	}
	if bound.Type != gjson.String {
		return ErrCertBinding
	}
	if !present {
		return ErrNoCertificate
	}
	tp, err := CertificateThumbprint(hexDigest)
	if err != nil || !equalString(bound.Str, tp) {
		return ErrCertBinding
	}
	return nil
}
