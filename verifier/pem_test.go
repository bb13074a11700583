package verifier_test

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/verifier"
)

func fxPKIX(t testing.TB, key crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func TestPEMParsesEveryBlockType(t *testing.T) {
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&fxRSAOther().PublicKey)}))
	cert := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: fxCert(t, fxP384())}))
	data := "leading text is ignored\n" + fxPKIX(t, fxRSA()) + pkcs1 + cert + fxPKIX(t, fxP256()) + fxPKIX(t, fxEd())
	ks, err := verifier.ParsePEM([]byte(data), verifier.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ks.Keys) != 5 || len(ks.Skipped) != 0 {
		t.Fatalf("keys %d skipped %+v", len(ks.Keys), ks.Skipped)
	}
	for _, k := range ks.Keys {
		if k.ID != "" || k.Alg != "" || k.Thumbprint == "" {
			t.Errorf("key %+v", k)
		}
	}
	for _, tc := range []struct {
		alg verifier.Algorithm
		key any
	}{
		{verifier.RS256, fxRSA()}, {verifier.PS512, fxRSAOther()}, {verifier.ES384, fxP384()},
		{verifier.ES256, fxP256()}, {verifier.EdDSA, fxEd()},
	} {
		fxWantErr(t, fxParse(t, fxSimple(t, tc.alg, tc.key, "any-kid")).Verify(ks), nil)
	}
}

func TestPEMSkipsUnusableBlocks(t *testing.T) {
	priv, err := x509.MarshalPKCS8PrivateKey(fxP256())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		block string
		weak  bool
	}{
		{"private key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})), false},
		{"garbage public key", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}})), false},
		{"garbage certificate", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}})), false},
		{"encrypted headers", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: []byte{1}})), false},
		{"RSA 1024", fxPKIX(t, fxRSA1024()), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ks, err := verifier.ParsePEM([]byte(fxPKIX(t, fxP521())+tc.block), verifier.KeyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(ks.Keys) != 1 || len(ks.Skipped) != 1 || ks.Skipped[0].Index != 1 {
				t.Fatalf("keys %d skipped %+v", len(ks.Keys), ks.Skipped)
			}
			if r := ks.Skipped[0].Reason; !errors.Is(r, verifier.ErrKey) || errors.Is(r, verifier.ErrWeakKey) != tc.weak {
				t.Fatalf("reason %v", r)
			}
			// Alone, the block leaves no usable key.
			_, err = verifier.ParsePEM([]byte(tc.block), verifier.KeyOptions{})
			fxWantErr(t, err, verifier.ErrNoValidKeys)
		})
	}
}

func TestPEMWithoutBlockIsKeySetError(t *testing.T) {
	for _, data := range []string{"", "no pem here", "-----BEGIN PUBLIC KEY-----\nnot closed"} {
		ks, err := verifier.ParsePEM([]byte(data), verifier.KeyOptions{})
		fxWantErr(t, err, verifier.ErrKeySet)
		if ks != nil || errors.Is(err, verifier.ErrNoValidKeys) {
			t.Errorf("%q: %v %v", data, ks, err)
		}
	}
}

func TestParseKeysDispatchesOnFirstCharacter(t *testing.T) {
	jwks := " \n\t" + fxJWKS(fxJWK(t, fxP256(), `"kid":"j"`))
	ks, err := verifier.ParseKeys([]byte(jwks), verifier.KeyOptions{})
	if err != nil || ks.Keys[0].ID != "j" {
		t.Fatalf("JWKS: %v", err)
	}
	ks, err = verifier.ParseKeys([]byte("\n"+fxPKIX(t, fxP256())), verifier.KeyOptions{})
	if err != nil || len(ks.Keys) != 1 || ks.Keys[0].ID != "" {
		t.Fatalf("PEM: %v", err)
	}
	_, err = verifier.ParseKeys([]byte(`{"keys":`), verifier.KeyOptions{})
	fxWantErr(t, err, verifier.ErrJWKSInvalidJSON)
	_, err = verifier.ParseKeys([]byte(`   `), verifier.KeyOptions{})
	fxWantErr(t, err, verifier.ErrKeySet)
}
