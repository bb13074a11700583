package verifier

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"math/big"
	"strconv"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// A strict reader for the three DER structures that carry public keys in PEM
// and x5c: SubjectPublicKeyInfo (RFC 5280 §4.1.2.7), PKCS #1 RSAPublicKey
// (RFC 8017 §A.1.1) and the X.509 Certificate around an SPKI (RFC 5280
// §4.1).
//
// Why not crypto/x509: it imports package net, whose initialisation links
// the WASI file-system imports path_open and path_filestat_get into the wasm
// module, and hosts built on proxy-wasm-cpp-host before PR #533 (Envoy
// 1.33-1.38) refuse to load a module that imports path_filestat_get. Only a
// few hundred bytes of each structure matter here, and cryptobyte checks the
// DER framing (minimal lengths, no indefinite lengths, no high tag numbers).
//
// Stricter than crypto/x509 on purpose: no trailing data anywhere (x509
// ignores extra elements at the end of a SEQUENCE and after the RSA key in
// the BIT STRING), the ECDSA parameters are exactly one named-curve OID, OIDs
// are compared by their exact DER bytes. Looser on purpose for certificates:
// only the framing of the fields before the SPKI and of the optional fields
// after it is checked, not their contents (names, validity, extensions),
// because the certificate is only a container for the key; its chain and
// dates are not validated, as in Envoy.

// derError says what is wrong in a DER structure. It is the cause of the
// ErrKey that the callers return.
type derError string

func (e derError) Error() string { return string(e) }

// DER content octets of the OIDs this reader knows (X.690 §8.19).
const (
	oidRSAEncryption = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01" // 1.2.840.113549.1.1.1
	oidRSASSAPSS     = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a" // 1.2.840.113549.1.1.10
	oidECPublicKey   = "\x2a\x86\x48\xce\x3d\x02\x01"         // 1.2.840.10045.2.1
	oidEd25519       = "\x2b\x65\x70"                         // 1.3.101.112
	oidEd448         = "\x2b\x65\x71"                         // 1.3.101.113
	oidP256          = "\x2a\x86\x48\xce\x3d\x03\x01\x07"     // 1.2.840.10045.3.1.7
	oidP384          = "\x2b\x81\x04\x00\x22"                 // 1.3.132.0.34
	oidP521          = "\x2b\x81\x04\x00\x23"                 // 1.3.132.0.35
)

// derNULL is the whole DER NULL element, the parameters of rsaEncryption
// (RFC 3279 §2.3.1).
const derNULL = "\x05\x00"

// parseSPKI parses a DER SubjectPublicKeyInfo into *rsa.PublicKey,
// *ecdsa.PublicKey (P-256, P-384, P-521) or ed25519.PublicKey.
func parseSPKI(der []byte) (any, error) {
	in := cryptobyte.String(der)
	var spki, algID, oid cryptobyte.String
	var key []byte
	if !in.ReadASN1(&spki, asn1.SEQUENCE) || !in.Empty() {
		return nil, derError("SubjectPublicKeyInfo is not exactly one DER SEQUENCE")
	}
	if !spki.ReadASN1(&algID, asn1.SEQUENCE) || !algID.ReadASN1(&oid, asn1.OBJECT_IDENTIFIER) {
		return nil, derError("SubjectPublicKeyInfo algorithm is not a SEQUENCE starting with an OID")
	}
	// The key is a whole number of octets: no unused bits.
	if !spki.ReadASN1BitStringAsBytes(&key) {
		return nil, derError("SubjectPublicKeyInfo subjectPublicKey is not an octet-aligned BIT STRING")
	}
	if !spki.Empty() {
		return nil, derError("SubjectPublicKeyInfo has data after subjectPublicKey")
	}
	params := string(algID) // what follows the OID in the AlgorithmIdentifier
	switch string(oid) {
	case oidRSAEncryption:
		if params != derNULL {
			return nil, derError("rsaEncryption parameters are not NULL")
		}
		pub, err := parsePKCS1(key)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return pub, nil
	case oidECPublicKey:
		return parseECPoint(algID, key)
	case oidEd25519:
		// RFC 8410 §3: the parameters MUST be absent.
		if params != "" {
			return nil, derError("Ed25519 algorithm has parameters")
		}
		if len(key) != ed25519.PublicKeySize {
			return nil, derError("Ed25519 public key is not 32 bytes")
		}
		return ed25519.PublicKey(append([]byte(nil), key...)), nil
	case oidRSASSAPSS:
		return nil, derError("RSASSA-PSS (id-RSASSA-PSS) public keys are not supported; publish the key as rsaEncryption (PS256/384/512 work with it)")
	case oidEd448:
		return nil, derError("Ed448 is not supported (only Ed25519)")
	}
	return nil, derError("SubjectPublicKeyInfo algorithm is not rsaEncryption, id-ecPublicKey or Ed25519")
}

// parseECPoint reads the id-ecPublicKey parameters, which must be exactly one
// namedCurve OID (RFC 5480 §2.1.1: implicitCurve and specifiedCurve MUST NOT
// be used), and the uncompressed point, which must be on that curve.
func parseECPoint(params cryptobyte.String, point []byte) (any, error) {
	var oid cryptobyte.String
	if !params.ReadASN1(&oid, asn1.OBJECT_IDENTIFIER) || !params.Empty() {
		return nil, derError("id-ecPublicKey parameters are not exactly one named-curve OID")
	}
	var curve elliptic.Curve
	switch string(oid) {
	case oidP256:
		curve = elliptic.P256()
	case oidP384:
		curve = elliptic.P384()
	case oidP521:
		curve = elliptic.P521()
	default:
		return nil, derError("EC curve is not P-256, P-384 or P-521")
	}
	// ParseUncompressedPublicKey takes only 0x04||X||Y of the curve size and
	// refuses points off the curve and the point at infinity.
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
	if err != nil {
		return nil, derError("EC public key is not an uncompressed point on " + curve.Params().Name)
	}
	return pub, nil
}

// parsePKCS1 parses a DER RSAPublicKey: SEQUENCE { modulus INTEGER,
// publicExponent INTEGER }. Both must be positive; moduli above MaxRSABits
// are refused before any big-number work and exponents above 2^31-1 (the
// limit of crypto/rsa and of x509.ParsePKCS1PublicKey) as they are read;
// newRSAKey applies the remaining limits (MinRSABits, odd exponent >= 3).
func parsePKCS1(der []byte) (*rsa.PublicKey, error) {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !in.Empty() {
		return nil, derError("RSAPublicKey is not exactly one DER SEQUENCE")
	}
	n, err := readPositiveInteger(&seq, "RSA modulus")
	if err != nil {
		return nil, err
	}
	e, err := readPositiveInteger(&seq, "RSA exponent")
	if err != nil {
		return nil, err
	}
	if !seq.Empty() {
		return nil, derError("RSAPublicKey has data after the exponent")
	}
	if len(n) > MaxRSABits/8 {
		return nil, derError("RSA modulus is above " + strconv.Itoa(MaxRSABits) + " bits")
	}
	var ev int
	for _, b := range e {
		if ev = ev<<8 | int(b); ev > maxRSAExponent {
			return nil, derError("RSA exponent is above 2^31-1")
		}
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: ev}, nil
}

// readPositiveInteger reads a DER INTEGER that must be minimally encoded
// (X.690 §8.3.2) and above zero, and returns its magnitude without the sign
// octet.
func readPositiveInteger(s *cryptobyte.String, what string) ([]byte, error) {
	var v cryptobyte.String
	if !s.ReadASN1(&v, asn1.INTEGER) || len(v) == 0 {
		return nil, derError(what + " is not a DER INTEGER")
	}
	if len(v) > 1 && (v[0] == 0 && v[1]&0x80 == 0 || v[0] == 0xff && v[1]&0x80 != 0) {
		return nil, derError(what + " is not minimally encoded")
	}
	if v[0]&0x80 != 0 {
		return nil, derError(what + " is negative")
	}
	if v[0] == 0 {
		v = v[1:]
		if len(v) == 0 {
			return nil, derError(what + " is zero")
		}
	}
	return v, nil
}

// Context-specific tags of the TBSCertificate (RFC 5280 §4.1): class bits
// 0x80, constructed bit 0x20 (X.690 §8.1.2).
const (
	tagCertVersion    asn1.Tag = 0xa0 // [0] EXPLICIT Version
	tagIssuerUniqueID asn1.Tag = 0x81 // [1] IMPLICIT BIT STRING
	tagSubjectUnique  asn1.Tag = 0x82 // [2] IMPLICIT BIT STRING
	tagExtensions     asn1.Tag = 0xa3 // [3] EXPLICIT Extensions
)

// certificateSPKI returns the DER SubjectPublicKeyInfo element of a DER
// X.509 Certificate. The fields around it are read as whole elements of the
// right tags, in order, and not parsed further.
func certificateSPKI(der []byte) ([]byte, error) {
	in := cryptobyte.String(der)
	var cert, tbs, spki cryptobyte.String
	if !in.ReadASN1(&cert, asn1.SEQUENCE) || !in.Empty() {
		return nil, derError("certificate is not exactly one DER SEQUENCE")
	}
	if !cert.ReadASN1(&tbs, asn1.SEQUENCE) ||
		!cert.SkipASN1(asn1.SEQUENCE) || // signatureAlgorithm
		!cert.SkipASN1(asn1.BIT_STRING) || // signatureValue
		!cert.Empty() {
		return nil, derError("certificate is not SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }")
	}
	if tbs.PeekASN1Tag(tagCertVersion) {
		// INTEGER 0, 1, 2 for v1, v2, v3. v1 is the DEFAULT and so should be
		// omitted, but crypto/x509 accepts it written out, and so do we.
		var version cryptobyte.String
		if !tbs.ReadASN1(&version, tagCertVersion) || len(version) != 3 ||
			version[0] != byte(asn1.INTEGER) || version[1] != 1 || version[2] > 2 {
			return nil, derError("certificate version is not v1, v2 or v3")
		}
	}
	if !tbs.SkipASN1(asn1.INTEGER) || // serialNumber
		!tbs.SkipASN1(asn1.SEQUENCE) || // signature
		!tbs.SkipASN1(asn1.SEQUENCE) || // issuer
		!tbs.SkipASN1(asn1.SEQUENCE) || // validity
		!tbs.SkipASN1(asn1.SEQUENCE) || // subject
		!tbs.ReadASN1Element(&spki, asn1.SEQUENCE) {
		return nil, derError("tbsCertificate fields before subjectPublicKeyInfo are not serial, signature, issuer, validity, subject")
	}
	if !tbs.SkipOptionalASN1(tagIssuerUniqueID) ||
		!tbs.SkipOptionalASN1(tagSubjectUnique) ||
		!tbs.SkipOptionalASN1(tagExtensions) ||
		!tbs.Empty() {
		return nil, derError("tbsCertificate has unexpected data after subjectPublicKeyInfo")
	}
	return spki, nil
}

// parseCertificateKey returns the public key of a DER X.509 certificate, as
// parseSPKI does.
func parseCertificateKey(der []byte) (any, error) {
	spki, err := certificateSPKI(der)
	if err != nil {
		return nil, err
	}
	return parseSPKI(spki)
}
