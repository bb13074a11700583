package verifier

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/pem"
)

// ParsePEM parses PEM blocks: "PUBLIC KEY" (PKIX), "RSA PUBLIC KEY"
// (PKCS #1) and "CERTIFICATE" (X.509; only its public key is used, its
// validity and chain are not checked). Several blocks are allowed; blocks of
// other types (private keys, for instance) and unusable keys are skipped with
// a reason. Keys from PEM have no kid and no alg, so they are candidates for
// every token whose alg fits their type.
//
// Errors: ErrKeySet when there is no PEM block at all; ErrNoValidKeys (an
// ErrKeySet, returned with the KeySet) when every block was skipped.
func ParsePEM(data []byte, opt KeyOptions) (*KeySet, error) {
	opt = opt.withDefaults()
	ks := &KeySet{}
	i := 0
	for rest := data; ; i++ {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		k, err := keyFromPEMBlock(b, opt)
		if err != nil {
			ks.skip(i, "", err)
			continue
		}
		ks.Keys = append(ks.Keys, k)
	}
	if i == 0 {
		return nil, wrap(ErrKeySet, "no PEM block", nil)
	}
	return ks.finish()
}

// addCertificateEntry adds one kid -> PEM entry of a Google-style
// certificate map (see ParseJWKS).
func (ks *KeySet) addCertificateEntry(i int, kid, text string, opt KeyOptions) {
	b, _ := pem.Decode([]byte(text))
	if b == nil {
		ks.skip(i, kid, wrap(ErrKey, "value is not PEM", nil))
		return
	}
	k, err := keyFromPEMBlock(b, opt)
	if err != nil {
		ks.skip(i, kid, err)
		return
	}
	k.ID = kid
	ks.Keys = append(ks.Keys, k)
}

func keyFromPEMBlock(b *pem.Block, opt KeyOptions) (*Key, error) {
	if len(b.Headers) != 0 {
		return nil, wrap(ErrKey, "PEM block has headers (encrypted?)", nil)
	}
	var (
		pub any
		err error
	)
	switch b.Type {
	case "PUBLIC KEY":
		pub, err = parseSPKI(b.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = parsePKCS1(b.Bytes)
	case "CERTIFICATE":
		pub, err = parseCertificateKey(b.Bytes)
	default:
		return nil, wrap(ErrKey, "PEM block "+b.Type+" is not a public key or certificate", nil)
	}
	if err != nil {
		return nil, wrap(ErrKey, "PEM block "+b.Type+" does not parse", err)
	}
	return keyFromPublic(pub, opt)
}

// keyFromPublic builds a Key from a parsed Go public key.
func keyFromPublic(pub any, opt KeyOptions) (*Key, error) {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		return newRSAKey(p, opt)
	case *ecdsa.PublicKey:
		return newECKeyFromPublic(p)
	case ed25519.PublicKey:
		return newEd25519Key(p)
	}
	return nil, wrap(ErrKey, "public key type is not RSA, ECDSA or Ed25519", nil)
}
