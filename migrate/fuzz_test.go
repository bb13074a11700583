package migrate_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/migrate"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/envoyconfig"
)

// FuzzConvert: for every source kind, any input either converts into a configuration Envoy
// accepts or is refused with an *InputError; it never panics and never reads a file.
func FuzzConvert(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*/*")
	for i, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil || filepath.Dir(p) == "testdata/keys" {
			continue
		}
		f.Add(uint8(i), data)
	}
	f.Add(uint8(0), []byte("a: &a [*a, *a]\nb: *a\n"))
	f.Add(uint8(1), []byte("---\n---\nkind: VirtualService\n"))
	f.Add(uint8(2), []byte(`{"endpoints":[{"endpoint":"/{a}/{b}","extra_config":{"auth/validator":{"jwk_url":"https://[::1]:99/","roles":["x"],"roles_key":"a.b"}}}]}`))
	f.Fuzz(func(t *testing.T, kind uint8, input []byte) {
		k := migrate.Kinds[int(kind)%len(migrate.Kinds)]
		res, err := migrate.Convert(k, input, migrate.Options{ReadFile: func(string) ([]byte, error) {
			return []byte(`{"keys":[]}`), nil
		}})
		if err != nil {
			var ie *migrate.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("%s: an error that is not an InputError: %v", k, err)
			}
			return
		}
		if !json.Valid(res.Config) {
			t.Fatalf("%s: output is not JSON: %s", k, res.Config)
		}
		if err := envoyconfig.Accepts(res.Config); err != nil {
			t.Fatalf("%s: Envoy would refuse the output: %v\n%s", k, err, res.Config)
		}
	})
}
