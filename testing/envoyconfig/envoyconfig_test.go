package envoyconfig_test

import (
	"encoding/json"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/envoyconfig"
)

func TestWithoutExtensionsStripsAtEveryDepth(t *testing.T) {
	in := `{"x_top":1,"providers":{"p":{"issuer":"i","x_pem":"k","claim_to_headers":[{"header_name":"h","x_append":true}]}}}`
	var v any
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(envoyconfig.WithoutExtensions(v))
	want := `{"providers":{"p":{"claim_to_headers":[{"header_name":"h"}],"issuer":"i"}}}`
	if string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestAcceptsRefusesWhatEnvoyRefuses(t *testing.T) {
	if err := envoyconfig.Accepts([]byte(`{"providers":{"p":{"issuer":"i","local_jwks":{"inline_string":"{}"},"x_format":"pem"}}}`)); err != nil {
		t.Errorf("a valid configuration with an x_ key: %v", err)
	}
	for name, cfg := range map[string]string{
		"unknown field":     `{"providers":{"p":{"issuer":"i","no_such_field":1}}}`,
		"constraint":        `{"providers":{"p":{"remote_jwks":{"http_uri":{"uri":"https://a/","cluster":"c"}}}}}`,
		"not JSON":          `{`,
		"wrong type":        `{"providers":{"p":{"issuer":1}}}`,
		"empty requirement": `{"rules":[{"match":{"prefix":"/"},"requires":{"requires_any":{"requirements":[]}}}]}`,
	} {
		if err := envoyconfig.Accepts([]byte(cfg)); err == nil {
			t.Errorf("%s: accepted %s", name, cfg)
		}
	}
}
