package verifier

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"net"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The DER reader is compared with crypto/x509, which tests may still use to
// create and parse keys and certificates (only non-test code must not import
// it). Identifiers start with "der" to stay clear of other internal tests.

// derTLV encodes one DER element with a minimal length.
func derTLV(tag byte, content ...[]byte) []byte {
	var body []byte
	for _, c := range content {
		body = append(body, c...)
	}
	n := len(body)
	out := []byte{tag}
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	default:
		out = append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(out, body...)
}

func derSeq(content ...[]byte) []byte { return derTLV(0x30, content...) }

func derOID(content string) []byte { return derTLV(0x06, []byte(content)) }

// derInt encodes a non-negative big-endian magnitude as a minimal INTEGER.
func derInt(mag []byte) []byte {
	for len(mag) > 1 && mag[0] == 0 {
		mag = mag[1:]
	}
	if len(mag) == 0 || mag[0]&0x80 != 0 {
		mag = append([]byte{0}, mag...)
	}
	return derTLV(0x02, mag)
}

func derBits(key []byte) []byte { return derTLV(0x03, []byte{0}, key) }

// derSPKI builds SubjectPublicKeyInfo { AlgorithmIdentifier { oid, params },
// BIT STRING key }.
func derSPKI(oid string, params, key []byte) []byte {
	return derSeq(derSeq(derOID(oid), params), derBits(key))
}

func derPKCS1(n, e []byte) []byte { return derSeq(derInt(n), derInt(e)) }

// derFakeRSA returns an RSA public key with a random odd modulus of exactly
// bits bits. Parsing does not need a real product of primes, and generating
// real 4096-bit keys would make the test slow.
func derFakeRSA(t testing.TB, bits, e int) *rsa.PublicKey {
	t.Helper()
	n := make([]byte, (bits+7)/8)
	if _, err := rand.Read(n); err != nil {
		t.Fatal(err)
	}
	n[0] |= 0x80 >> ((8 - bits%8) % 8)
	n[0] &= 0xff >> ((8 - bits%8) % 8)
	n[len(n)-1] |= 1
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: e}
}

func derEC(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func derEd(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func derMarshalPKIX(t testing.TB, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// derCertTemplate is a leaf with most extensions crypto/x509 can write, so
// that the reader is shown to skip real extension blocks.
func derCertTemplate(serial int64) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject: pkix.Name{
			CommonName: "leaf.example", Organization: []string{"Org", "Second Org"},
			Country: []string{"DE"}, Locality: []string{"Berlin"},
		},
		NotBefore:             time.Unix(1600000000, 0),
		NotAfter:              time.Date(2060, 1, 1, 0, 0, 0, 0, time.UTC), // GeneralizedTime after 2049
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"leaf.example", "*.leaf.example"},
		EmailAddresses:        []string{"ops@leaf.example"},
		IPAddresses:           []net.IP{net.ParseIP("192.0.2.1"), net.ParseIP("2001:db8::1")},
		URIs:                  []*url.URL{{Scheme: "spiffe", Host: "leaf.example", Path: "/svc"}},
		SubjectKeyId:          []byte{1, 2, 3, 4},
		OCSPServer:            []string{"http://ocsp.example"},
		IssuingCertificateURL: []string{"http://ca.example/ca.crt"},
		CRLDistributionPoints: []string{"http://ca.example/crl"},
		PolicyIdentifiers:     []asn1.ObjectIdentifier{{2, 23, 140, 1, 2, 1}},
		ExtraExtensions: []pkix.Extension{
			{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, Value: []byte{0x04, 0x03, 'x', 'y', 'z'}},
		},
	}
}

// derCert issues a certificate for pub, signed by a fresh P-256 CA that
// carries name constraints.
func derCert(t testing.TB, pub any, serial int64) []byte {
	t.Helper()
	caKey := derEC(t, elliptic.P256())
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "der test CA"},
		NotBefore: time.Unix(1600000000, 0), NotAfter: time.Unix(1900000000, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		PermittedDNSDomains: []string{"leaf.example"}, SubjectKeyId: []byte{9, 9, 9},
	}
	der, err := x509.CreateCertificate(rand.Reader, derCertTemplate(serial), ca, pub, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// derSameKey reports whether two Go public keys are equal.
func derSameKey(a, b any) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && b != nil && ea.Equal(b)
}

// derElements splits the content of a SEQUENCE into its DER elements.
func derElements(t testing.TB, der []byte) [][]byte {
	t.Helper()
	if len(der) < 2 || der[0] != 0x30 {
		t.Fatalf("not a SEQUENCE: % x", der[:min(len(der), 4)])
	}
	body := der[2:]
	if der[1]&0x80 != 0 {
		body = der[2+int(der[1]&0x7f):]
	}
	var out [][]byte
	for len(body) > 0 {
		l, hdr := int(body[1]), 2
		if body[1]&0x80 != 0 {
			hdr += int(body[1] & 0x7f)
			l = 0
			for _, b := range body[2:hdr] {
				l = l<<8 | int(b)
			}
		}
		out = append(out, body[:hdr+l])
		body = body[hdr+l:]
	}
	return out
}

// derCertParts splits a certificate into its tbsCertificate elements, the
// signature algorithm and the signature.
func derCertParts(t testing.TB, cert []byte) (tbs [][]byte, sigAlg, sig []byte) {
	t.Helper()
	top := derElements(t, cert)
	return derElements(t, top[0]), top[1], top[2]
}

// derRebuild assembles a certificate from tbsCertificate elements.
func derRebuild(tbs [][]byte, sigAlg, sig []byte) []byte {
	return derSeq(derSeq(tbs...), sigAlg, sig)
}

// TestDEROIDsMatchEncodingASN1 checks the OID byte constants against
// encoding/asn1 writing the dotted forms.
func TestDEROIDsMatchEncodingASN1(t *testing.T) {
	for _, tc := range []struct {
		got string
		oid asn1.ObjectIdentifier
	}{
		{oidRSAEncryption, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}},
		{oidRSASSAPSS, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}},
		{oidECPublicKey, asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}},
		{oidEd25519, asn1.ObjectIdentifier{1, 3, 101, 112}},
		{oidEd448, asn1.ObjectIdentifier{1, 3, 101, 113}},
		{oidP256, asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}},
		{oidP384, asn1.ObjectIdentifier{1, 3, 132, 0, 34}},
		{oidP521, asn1.ObjectIdentifier{1, 3, 132, 0, 35}},
	} {
		der, err := asn1.Marshal(tc.oid)
		if err != nil {
			t.Fatal(err)
		}
		if want := string(der[2:]); tc.got != want {
			t.Errorf("%v: constant % x, encoding/asn1 % x", tc.oid, tc.got, want)
		}
	}
	if der, _ := asn1.Marshal(asn1.NullRawValue); string(der) != derNULL {
		t.Errorf("NULL: % x", der)
	}
}

// derGenerated returns public keys of every supported kind: RSA moduli of
// 2048, 3072, 4096 and 8192 bits (odd sizes too) with the usual and the
// extreme exponents, several keys per curve (so that P-521 coordinates with
// leading zero octets occur), and Ed25519 keys.
func derGenerated(t testing.TB) []any {
	t.Helper()
	var keys []any
	for _, bits := range []int{2048, 2047, 3072, 4096, 8192} {
		for _, e := range []int{3, 65537, maxRSAExponent} {
			keys = append(keys, derFakeRSA(t, bits, e))
		}
	}
	for _, c := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		for range 6 {
			keys = append(keys, &derEC(t, c).PublicKey)
		}
	}
	for range 6 {
		keys = append(keys, derEd(t).Public())
	}
	return keys
}

// TestDERParsesWhatX509Writes parses SPKI, PKCS #1 and certificates written
// by crypto/x509 and requires the keys crypto/x509 reads back from them.
func TestDERParsesWhatX509Writes(t *testing.T) {
	for i, pub := range derGenerated(t) {
		name := strconv.Itoa(i)
		switch p := pub.(type) {
		case *rsa.PublicKey:
			name += " RSA-" + strconv.Itoa(p.N.BitLen()) + " e=" + strconv.Itoa(p.E)
		case *ecdsa.PublicKey:
			name += " " + p.Curve.Params().Name
		default:
			name += " Ed25519"
		}
		t.Run(name, func(t *testing.T) {
			spki := derMarshalPKIX(t, pub)
			got, err := parseSPKI(spki)
			if err != nil || !derSameKey(pub, got) {
				t.Fatalf("SPKI: %v", err)
			}
			if rp, ok := pub.(*rsa.PublicKey); ok {
				got, err := parsePKCS1(x509.MarshalPKCS1PublicKey(rp))
				if err != nil || !derSameKey(pub, got) {
					t.Fatalf("PKCS #1: %v", err)
				}
			}
			cert := derCert(t, pub, int64(i+2))
			parsed, err := x509.ParseCertificate(cert)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := certificateSPKI(cert)
			if err != nil || !bytes.Equal(raw, parsed.RawSubjectPublicKeyInfo) {
				t.Fatalf("certificate SPKI: %v", err)
			}
			got, err = parseCertificateKey(cert)
			if err != nil || !derSameKey(parsed.PublicKey, got) || !derSameKey(pub, got) {
				t.Fatalf("certificate key: %v", err)
			}
		})
	}
}

// TestDERAcceptsCertificateShapes covers certificate layouts crypto/x509
// does not write but accepts: v1 without a version, v1 written out, unique
// identifiers, and a self-signed Ed25519 certificate without extensions.
func TestDERAcceptsCertificateShapes(t *testing.T) {
	pub := &derEC(t, elliptic.P384()).PublicKey
	tbs, sigAlg, sig := derCertParts(t, derCert(t, pub, 7))
	// tbs: version, serial, signature, issuer, validity, subject, spki, extensions
	if len(tbs) != 8 {
		t.Fatalf("tbsCertificate has %d elements", len(tbs))
	}
	uid := derTLV(0x81, []byte{0, 0xaa}) // [1] IMPLICIT BIT STRING
	sid := derTLV(0x82, []byte{0, 0xbb}) // [2] IMPLICIT BIT STRING
	edKey := derEd(t)
	edTmpl := &x509.Certificate{SerialNumber: big.NewInt(5), NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<32, 0)}
	edCert, err := x509.CreateCertificate(rand.Reader, edTmpl, edTmpl, edKey.Public(), edKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cert []byte
		want any
	}{
		{"v1 without version", derRebuild(tbs[1:7], sigAlg, sig), pub},
		{"v1 written out", derRebuild(append([][]byte{derTLV(0xa0, derInt([]byte{0}))}, tbs[1:7]...), sigAlg, sig), pub},
		{"v2 with unique identifiers", derRebuild(append(append([][]byte{derTLV(0xa0, derInt([]byte{1}))}, tbs[1:7]...), uid, sid), sigAlg, sig), pub},
		{"v3 with unique identifiers and extensions", derRebuild(append(append([][]byte{}, tbs[:7]...), uid, sid, tbs[7]), sigAlg, sig), pub},
		{"v3 without extensions", derRebuild(tbs[:7], sigAlg, sig), pub},
		{"self-signed Ed25519", edCert, edKey.Public()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parsed, err := x509.ParseCertificate(tc.cert)
			if err != nil {
				t.Fatalf("crypto/x509 refuses the test input: %v", err)
			}
			got, err := parseCertificateKey(tc.cert)
			if err != nil || !derSameKey(tc.want, got) || !derSameKey(parsed.PublicKey, got) {
				t.Fatalf("got %v", err)
			}
		})
	}
}

type derKind int

const (
	derKindSPKI derKind = iota
	derKindPKCS1
	derKindCert
	derKinds
)

func (k derKind) String() string { return [...]string{"SPKI", "PKCS1", "certificate"}[k] }

// parse runs our reader for the kind.
func (k derKind) parse(der []byte) (any, error) {
	switch k {
	case derKindSPKI:
		return parseSPKI(der)
	case derKindPKCS1:
		pub, err := parsePKCS1(der)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return pub, nil
	}
	return parseCertificateKey(der)
}

// parseX509 runs crypto/x509 for the kind. A certificate whose key
// algorithm crypto/x509 does not know parses with a nil key.
func (k derKind) parseX509(der []byte) (any, error) {
	switch k {
	case derKindSPKI:
		return x509.ParsePKIXPublicKey(der)
	case derKindPKCS1:
		pub, err := x509.ParsePKCS1PublicKey(der)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return pub, nil
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return c.PublicKey, nil
}

// TestDERRefusesHostileInput lists inputs that must be refused, with the
// reason, and whether crypto/x509 accepts them (documenting where this
// reader is stricter).
func TestDERRefusesHostileInput(t *testing.T) {
	rsaPub := derFakeRSA(t, 2048, 65537)
	n, e := rsaPub.N.Bytes(), []byte{1, 0, 1}
	rsaKey := derPKCS1(n, e)
	rsaSPKI := derMarshalPKIX(t, rsaPub)
	null := []byte(derNULL)
	ecPriv := derEC(t, elliptic.P256())
	ecPoint, err := ecPriv.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	p384Point, _ := derEC(t, elliptic.P384()).PublicKey.Bytes()
	compressed := elliptic.MarshalCompressed(elliptic.P256(), ecPriv.X, ecPriv.Y)
	offCurve := append([]byte(nil), ecPoint...)
	offCurve[len(offCurve)-1] ^= 1
	p256 := derOID(oidP256)
	edKey := []byte(derEd(t).Public().(ed25519.PublicKey))
	p224Priv := derEC(t, elliptic.P224())
	p224Point, _ := p224Priv.PublicKey.Bytes()
	secp256k1 := "\x2b\x81\x04\x00\x0a"

	cert := derCert(t, rsaPub, 3)
	tbs, sigAlg, sig := derCertParts(t, cert)
	withTBS := func(f func([][]byte) [][]byte) []byte {
		return derRebuild(f(append([][]byte(nil), tbs...)), sigAlg, sig)
	}
	huge := derFakeRSA(t, 8200, 65537)

	tests := []struct {
		name        string
		kind        derKind
		der         []byte
		want        string // in the error
		x509Accepts bool
	}{
		// Framing.
		{"empty", derKindSPKI, nil, "exactly one DER SEQUENCE", false},
		{"lone tag", derKindSPKI, []byte{0x30}, "exactly one DER SEQUENCE", false},
		{"SET instead of SEQUENCE", derKindSPKI, append([]byte{0x31}, rsaSPKI[1:]...), "exactly one DER SEQUENCE", false},
		{"high tag number", derKindSPKI, []byte{0x3f, 0x10, 0x00}, "exactly one DER SEQUENCE", false},
		{"indefinite length", derKindSPKI, append([]byte{0x30, 0x80}, append(rsaSPKI[4:], 0, 0)...), "exactly one DER SEQUENCE", false},
		{"length 2^32-1", derKindSPKI, append([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff}, rsaSPKI[4:]...), "exactly one DER SEQUENCE", false},
		{"length 2^31-1", derKindPKCS1, append([]byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff}, rsaKey[4:]...), "exactly one DER SEQUENCE", false},
		{"five length octets", derKindSPKI, append([]byte{0x30, 0x85, 0, 0, 0, 0x01, 0x22}, rsaSPKI[4:]...), "exactly one DER SEQUENCE", false},
		{"long form for a short length", derKindSPKI, derSeq(derSeq([]byte{0x06, 0x81, 0x03, 0x2b, 0x65, 0x70}), derBits(edKey)), "starting with an OID", false},
		{"length octet with a leading zero", derKindPKCS1, append([]byte{0x30, 0x83, 0x00, rsaKey[2], rsaKey[3]}, rsaKey[4:]...), "exactly one DER SEQUENCE", false},
		{"trailing byte", derKindSPKI, append(append([]byte(nil), rsaSPKI...), 0), "exactly one DER SEQUENCE", false},
		{"trailing element", derKindPKCS1, append(append([]byte(nil), rsaKey...), 0x05, 0x00), "exactly one DER SEQUENCE", false},

		// SubjectPublicKeyInfo.
		{"data after subjectPublicKey", derKindSPKI, derSeq(derSeq(derOID(oidRSAEncryption), null), derBits(rsaKey), null), "after subjectPublicKey", true},
		{"bit string with unused bits", derKindSPKI, derSeq(derSeq(derOID(oidEd25519)), derTLV(0x03, []byte{1}, edKey[:31], []byte{edKey[31] &^ 1})), "octet-aligned", true},
		{"empty bit string", derKindSPKI, derSeq(derSeq(derOID(oidEd25519)), []byte{0x03, 0x00}), "octet-aligned", false},
		{"OCTET STRING key", derKindSPKI, derSeq(derSeq(derOID(oidEd25519)), derTLV(0x04, edKey)), "octet-aligned", false},
		{"algorithm without OID", derKindSPKI, derSeq(derSeq(null), derBits(edKey)), "starting with an OID", false},
		{"non-minimal OID arc", derKindSPKI, derSeq(derSeq(derTLV(0x06, []byte{0x2b, 0x80, 0x65, 0x70})), derBits(edKey)), "is not rsaEncryption", false},
		{"unknown algorithm", derKindSPKI, derSPKI("\x2a\x03", nil, edKey), "is not rsaEncryption", false},
		{"RSASSA-PSS", derKindSPKI, derSPKI(oidRSASSAPSS, nil, rsaKey), "RSASSA-PSS", false},
		{"Ed448", derKindSPKI, derSPKI(oidEd448, nil, make([]byte, 57)), "Ed448", false},

		// RSA.
		{"RSA without NULL", derKindSPKI, derSPKI(oidRSAEncryption, nil, rsaKey), "not NULL", false},
		{"RSA with OID parameters", derKindSPKI, derSPKI(oidRSAEncryption, p256, rsaKey), "not NULL", false},
		{"RSA with NULL and more", derKindSPKI, derSPKI(oidRSAEncryption, append(append([]byte(nil), null...), null...), rsaKey), "not NULL", true},
		{"RSA key with trailing data in the bit string", derKindSPKI, derSPKI(oidRSAEncryption, null, append(append([]byte(nil), rsaKey...), 0)), "exactly one DER SEQUENCE", true},
		{"RSA key with a third INTEGER", derKindSPKI, derSPKI(oidRSAEncryption, null, derSeq(derInt(n), derInt(e), derInt(e))), "after the exponent", true},
		{"RSA key with a third INTEGER (PKCS #1)", derKindPKCS1, derSeq(derInt(n), derInt(e), derInt(e)), "after the exponent", true},
		{"RSA key without exponent", derKindPKCS1, derSeq(derInt(n)), "exponent is not a DER INTEGER", false},
		{"negative modulus", derKindPKCS1, derSeq(derTLV(0x02, n), derInt(e)), "modulus is negative", false},
		{"non-minimal modulus", derKindPKCS1, derSeq(derTLV(0x02, []byte{0}, []byte{0}, n), derInt(e)), "modulus is not minimally encoded", false},
		{"non-minimal negative exponent", derKindPKCS1, derSeq(derInt(n), derTLV(0x02, []byte{0xff, 0xff})), "exponent is not minimally encoded", false},
		{"zero exponent", derKindPKCS1, derSeq(derInt(n), derTLV(0x02, []byte{0})), "exponent is zero", false},
		{"empty exponent", derKindPKCS1, derSeq(derInt(n), []byte{0x02, 0x00}), "exponent is not a DER INTEGER", false},
		{"negative exponent", derKindPKCS1, derSeq(derInt(n), derTLV(0x02, []byte{0xff})), "exponent is negative", false},
		{"exponent 2^31+1 (PKCS #1)", derKindPKCS1, derPKCS1(n, []byte{0x80, 0, 0, 1}), "above 2^31-1", false},
		{"exponent 2^31+1 (SPKI)", derKindSPKI, derSPKI(oidRSAEncryption, null, derPKCS1(n, []byte{0x80, 0, 0, 1})), "above 2^31-1", true},
		{"exponent of 40 bytes", derKindSPKI, derSPKI(oidRSAEncryption, null, derPKCS1(n, bytes.Repeat([]byte{0x7f}, 40))), "above 2^31-1", false},
		{"modulus of 8200 bits", derKindSPKI, derMarshalPKIX(t, huge), "above 8192 bits", true},
		{"modulus of 8200 bits (PKCS #1)", derKindPKCS1, x509.MarshalPKCS1PublicKey(huge), "above 8192 bits", true},
		{"modulus as OCTET STRING", derKindPKCS1, derSeq(derTLV(0x04, n), derInt(e)), "modulus is not a DER INTEGER", false},

		// EC.
		{"EC without parameters", derKindSPKI, derSPKI(oidECPublicKey, nil, ecPoint), "named-curve OID", false},
		{"EC with NULL parameters", derKindSPKI, derSPKI(oidECPublicKey, null, ecPoint), "named-curve OID", false},
		{"EC with specifiedCurve parameters", derKindSPKI, derSPKI(oidECPublicKey, derSeq(derInt([]byte{1})), ecPoint), "named-curve OID", false},
		{"EC with curve OID and more", derKindSPKI, derSPKI(oidECPublicKey, append(append([]byte(nil), p256...), null...), ecPoint), "named-curve OID", true},
		{"EC P-224", derKindSPKI, derMarshalPKIX(t, &p224Priv.PublicKey), "not P-256, P-384 or P-521", true},
		{"EC secp256k1", derKindSPKI, derSPKI(oidECPublicKey, derOID(secp256k1), ecPoint), "not P-256, P-384 or P-521", false},
		{"EC compressed point", derKindSPKI, derSPKI(oidECPublicKey, p256, compressed), "uncompressed point on P-256", false},
		{"EC point off the curve", derKindSPKI, derSPKI(oidECPublicKey, p256, offCurve), "uncompressed point on P-256", false},
		{"EC point at infinity", derKindSPKI, derSPKI(oidECPublicKey, p256, []byte{0}), "uncompressed point on P-256", false},
		{"EC P-384 point under the P-256 OID", derKindSPKI, derSPKI(oidECPublicKey, p256, p384Point), "uncompressed point on P-256", false},
		{"EC point with a trailing byte", derKindSPKI, derSPKI(oidECPublicKey, p256, append(append([]byte(nil), ecPoint...), 0)), "uncompressed point on P-256", false},
		{"EC P-224 point under the P-256 OID", derKindSPKI, derSPKI(oidECPublicKey, p256, p224Point), "uncompressed point on P-256", false},

		// Ed25519.
		{"Ed25519 with NULL parameters", derKindSPKI, derSPKI(oidEd25519, null, edKey), "has parameters", false},
		{"Ed25519 of 31 bytes", derKindSPKI, derSPKI(oidEd25519, nil, edKey[:31]), "not 32 bytes", false},
		{"Ed25519 of 33 bytes", derKindSPKI, derSPKI(oidEd25519, nil, append(append([]byte(nil), edKey...), 0)), "not 32 bytes", false},

		// Certificates.
		{"certificate with trailing byte", derKindCert, append(append([]byte(nil), cert...), 0), "exactly one DER SEQUENCE", false},
		{"certificate without signature", derKindCert, derSeq(derSeq(tbs...), sigAlg), "signatureValue", false},
		{"certificate with data after the signature", derKindCert, derSeq(derSeq(tbs...), sigAlg, sig, null), "signatureValue", true},
		{"bare tbsCertificate", derKindCert, derSeq(tbs...), "signatureValue", false},
		{"version 4", derKindCert, withTBS(func(e [][]byte) [][]byte { e[0] = derTLV(0xa0, derInt([]byte{3})); return e }), "version", false},
		{"version not an INTEGER", derKindCert, withTBS(func(e [][]byte) [][]byte { e[0] = derTLV(0xa0, derTLV(0x04, []byte{2})); return e }), "version", false},
		{"version with trailing data", derKindCert, withTBS(func(e [][]byte) [][]byte { e[0] = derTLV(0xa0, derInt([]byte{2}), null); return e }), "version", false},
		{"serial missing", derKindCert, withTBS(func(e [][]byte) [][]byte { return append(e[:1], e[2:]...) }), "before subjectPublicKeyInfo", false},
		{"subject missing", derKindCert, withTBS(func(e [][]byte) [][]byte { return append(e[:5], e[6:]...) }), "before subjectPublicKeyInfo", false},
		{"SPKI as SET", derKindCert, withTBS(func(e [][]byte) [][]byte {
			e[6] = append([]byte{0x31}, e[6][1:]...)
			return e
		}), "before subjectPublicKeyInfo", false},
		{"unknown field after extensions", derKindCert, withTBS(func(e [][]byte) [][]byte { return append(e, derTLV(0xa4, null)) }), "after subjectPublicKeyInfo", true},
		{"extensions before unique identifiers", derKindCert, withTBS(func(e [][]byte) [][]byte { return append(e, derTLV(0x81, []byte{0})) }), "after subjectPublicKeyInfo", true},
		{"certificate with an unsupported key", derKindCert, withTBS(func(e [][]byte) [][]byte { e[6] = derMarshalPKIX(t, &p224Priv.PublicKey); return e }), "not P-256, P-384 or P-521", true},
		{"certificate with an RSASSA-PSS key", derKindCert, withTBS(func(e [][]byte) [][]byte { e[6] = derSPKI(oidRSASSAPSS, nil, rsaKey); return e }), "RSASSA-PSS", true},
		{"certificate with a malformed key", derKindCert, withTBS(func(e [][]byte) [][]byte { e[6] = derSPKI(oidEd25519, nil, edKey[:31]); return e }), "not 32 bytes", false},
		{"certificate with a huge SPKI length", derKindCert, derSeq(derSeq(append(append([][]byte(nil), tbs[:6]...), []byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff})...), sigAlg, sig), "before subjectPublicKeyInfo", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.kind.parse(tc.der)
			var de derError
			if err == nil || got != nil || !errors.As(err, &de) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v: got %T, %v; want an error containing %q", tc.kind, got, err, tc.want)
			}
			if _, xerr := tc.kind.parseX509(tc.der); (xerr == nil) != tc.x509Accepts {
				t.Errorf("crypto/x509 error %v; test says x509 accepts: %v", xerr, tc.x509Accepts)
			}
		})
	}
}

// derSamples are valid encodings of every kind and key type.
func derSamples(t testing.TB) []struct {
	kind derKind
	der  []byte
} {
	t.Helper()
	rsaPub := derFakeRSA(t, 2048, 65537)
	ecPub := &derEC(t, elliptic.P521()).PublicKey
	edPub := derEd(t).Public()
	return []struct {
		kind derKind
		der  []byte
	}{
		{derKindSPKI, derMarshalPKIX(t, rsaPub)},
		{derKindSPKI, derMarshalPKIX(t, ecPub)},
		{derKindSPKI, derMarshalPKIX(t, edPub)},
		{derKindPKCS1, x509.MarshalPKCS1PublicKey(rsaPub)},
		{derKindCert, derCert(t, rsaPub, 11)},
		{derKindCert, derCert(t, ecPub, 12)},
		{derKindCert, derCert(t, edPub, 13)},
	}
}

// TestDERRefusesTruncationsAndExtensions cuts every valid sample at every
// length and appends every byte value to it: all must be refused.
func TestDERRefusesTruncationsAndExtensions(t *testing.T) {
	for _, s := range derSamples(t) {
		if _, err := s.kind.parse(s.der); err != nil {
			t.Fatalf("%v: the sample does not parse: %v", s.kind, err)
		}
		for i := range s.der {
			if got, err := s.kind.parse(s.der[:i]); err == nil || got != nil {
				t.Fatalf("%v cut to %d of %d bytes: accepted", s.kind, i, len(s.der))
			}
		}
		for b := range 256 {
			if got, err := s.kind.parse(append(s.der[:len(s.der):len(s.der)], byte(b))); err == nil || got != nil {
				t.Fatalf("%v with trailing byte %#x: accepted", s.kind, b)
			}
		}
	}
}

// derCheckAgreement is the differential property: whatever this reader
// accepts, crypto/x509 accepts too and reads the same key (for certificates:
// from the same SPKI bytes). On the canonical encoding of a supported key,
// which crypto/x509 writes back byte for byte, this reader must accept too.
func derCheckAgreement(t *testing.T, kind derKind, data []byte) {
	got, err := kind.parse(data)
	xkey, xerr := kind.parseX509(data)
	if err != nil {
		var de derError
		if got != nil || !errors.As(err, &de) || err.Error() == "" {
			t.Fatalf("%v: refusal %T %v is not a plain derError", kind, got, err)
		}
		if xerr == nil && kind != derKindCert && derSupported(xkey) && bytes.Equal(derCanonical(kind, xkey), data) {
			t.Fatalf("%v: canonical encoding of a supported key refused: %v", kind, err)
		}
		return
	}
	if got == nil {
		t.Fatalf("%v: accepted with a nil key", kind)
	}
	if !derSupported(got) {
		t.Fatalf("%v: accepted an unsupported key %T", kind, got)
	}
	if kind == derKindCert {
		spki, err := certificateSPKI(data)
		if err != nil {
			t.Fatalf("certificate: key without SPKI: %v", err)
		}
		pk, perr := x509.ParsePKIXPublicKey(spki)
		if perr != nil || !derSameKey(pk, got) {
			t.Fatalf("certificate: crypto/x509 reads its SPKI as %T, %v", pk, perr)
		}
		if xerr == nil {
			if c, _ := x509.ParseCertificate(data); !bytes.Equal(c.RawSubjectPublicKeyInfo, spki) || !derSameKey(xkey, got) {
				t.Fatalf("certificate: crypto/x509 finds another SPKI or key")
			}
		}
		return
	}
	if xerr != nil || !derSameKey(xkey, got) {
		t.Fatalf("%v: accepted %T; crypto/x509 reads %T, %v", kind, got, xkey, xerr)
	}
}

// derSupported reports whether pub is a key this reader may return: RSA
// within the size and exponent limits, ECDSA on P-256/384/521, Ed25519.
func derSupported(pub any) bool {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		return p.N.Sign() > 0 && p.N.BitLen() <= MaxRSABits && p.E > 0 && p.E <= maxRSAExponent
	case *ecdsa.PublicKey:
		return curveName(p.Curve) != ""
	case ed25519.PublicKey:
		return len(p) == ed25519.PublicKeySize
	}
	return false
}

// derCanonical writes pub back as crypto/x509 does for kind.
func derCanonical(kind derKind, pub any) []byte {
	if kind == derKindPKCS1 {
		if p, ok := pub.(*rsa.PublicKey); ok {
			return x509.MarshalPKCS1PublicKey(p)
		}
		return nil
	}
	der, _ := x509.MarshalPKIXPublicKey(pub)
	return der
}

// TestDERAgreesWithX509OnMutations applies the differential property to
// every single-byte change of the valid samples (each bit flipped, and
// each byte set to 0x00, 0x80 and 0xff), which hits every tag, length and
// content octet.
func TestDERAgreesWithX509OnMutations(t *testing.T) {
	for _, s := range derSamples(t) {
		if s.kind == derKindCert && testing.Short() {
			continue
		}
		buf := make([]byte, len(s.der))
		for i := range s.der {
			for _, m := range []func(byte) byte{
				func(b byte) byte { return b ^ 0x01 }, func(b byte) byte { return b ^ 0x80 },
				func(b byte) byte { return b ^ 0x20 }, func(b byte) byte { return b ^ 0x04 },
				func(byte) byte { return 0 }, func(byte) byte { return 0x80 }, func(byte) byte { return 0xff },
			} {
				copy(buf, s.der)
				buf[i] = m(buf[i])
				derCheckAgreement(t, s.kind, buf)
			}
		}
	}
}

// FuzzDER: the reader never panics, refuses with a derError, and agrees with
// crypto/x509 on what it accepts (derCheckAgreement). kind selects the
// structure: 0 SPKI, 1 PKCS #1, 2 certificate.
func FuzzDER(f *testing.F) {
	for _, s := range derSamples(f) {
		f.Add(uint8(s.kind), s.der)
	}
	f.Add(uint8(derKindSPKI), derSPKI(oidECPublicKey, derOID(oidP256), []byte{4}))
	f.Add(uint8(derKindPKCS1), derPKCS1([]byte{0xc5}, []byte{3}))
	f.Add(uint8(derKindCert), derSeq(derSeq(), derSeq(), []byte{3, 1, 0}))
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		derCheckAgreement(t, derKind(kind)%derKinds, data)
	})
}

// TestVerifierDoesNotLinkNet guards why der.go exists: for GOOS=wasip1 the
// package must not depend on crypto/x509 or net, whose init links the WASI
// imports path_open and path_filestat_get that Envoy before 1.39 lacks.
func TestVerifierDoesNotLinkNet(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool in PATH")
	}
	cmd := exec.Command(goTool, "list", "-deps", ".")
	cmd.Env = append(cmd.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "net" || pkg == "crypto/x509" || pkg == "os/exec" {
			t.Errorf("verifier depends on %s for GOOS=wasip1", pkg)
		}
	}
}
