package plugin

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/internal/testjwt"
	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/plugin/request"
)

// FuzzRemoveQueryParam: removing a token's query parameter never panics, leaves the path
// before '?' alone, removes every occurrence of the name (compared decoded, as extracted) and
// nothing else: the other parameters stay, in order and as written. Removing again changes
// nothing.
func FuzzRemoveQueryParam(f *testing.F) {
	f.Add("/api?access_token=a.b.c&x=1&access_token=d", "access_token")
	f.Add("/api?%61ccess_token=x&access_token&&=&a=%zz", "access_token")
	f.Add("/?a", "a")
	f.Add("/?=", "")
	f.Add("/p?q#f&q=1", "q")
	f.Add("no-query", "x")
	f.Fuzz(func(t *testing.T, path, name string) {
		out, removed := removeQueryParam(path, name)
		q := strings.IndexByte(path, '?')
		if q < 0 {
			if removed || out != path {
				t.Fatalf("no query, yet %q -> %q (%v)", path, out, removed)
			}
			return
		}
		if !removed {
			if out != path {
				t.Fatalf("nothing removed, yet %q -> %q", path, out)
			}
		} else if !strings.HasPrefix(out, path[:q]) {
			t.Fatalf("path before the query changed: %q -> %q", path, out)
		}
		var want []string
		found := false
		for _, part := range strings.Split(path[q+1:], "&") {
			n, _, _ := strings.Cut(part, "=")
			if request.PercentDecode(n) == name {
				found = true
				continue
			}
			want = append(want, part)
		}
		if found != removed {
			t.Fatalf("%q in %q: removed %v", name, path, removed)
		}
		var got []string
		if oq := strings.IndexByte(out, '?'); oq >= 0 {
			got = strings.Split(out[oq+1:], "&")
		}
		if removed && !slices.Equal(got, want) && !(len(want) == 0 && got == nil) {
			t.Fatalf("%q without %q: %q, want parameters %q", path, name, out, want)
		}
		if removed {
			if _, ok := request.NewRequest([][2]string{{":path", out}}).DecodedParam(name); ok {
				t.Fatalf("%q still has %q", out, name)
			}
		}
		if again, ok := removeQueryParam(out, name); ok || again != out {
			t.Fatalf("second removal from %q: %q %v", out, again, ok)
		}
	})
}

// FuzzConfig: parsing and compiling any configuration never panics; it either starts (a
// filter configuration, no problem) or lists problems, each a non-empty line; the answer does
// not depend on anything but the input. Seeds: every configuration in examples/ and the
// conformance cases' providers.
func FuzzConfig(f *testing.F) {
	paths, _ := filepath.Glob("../examples/*/config.json")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	k := testjwt.Keys(f)
	f.Add([]byte(`{"providers":{"p":{"issuer":"i","local_jwks":{"inline_string":` + strconv.Quote(testjwt.JWKS(k.RS256, k.ES256)) + `},
	  "from_headers":[{"name":"x","value_prefix":"B "}],"from_params":["t"],"from_cookies":["c"],"claim_to_headers":[{"header_name":"x-sub","claim_name":"sub"}],
	  "x_claims_to_headers":[{"claim":"a.b","header":"x-a","append":true}],"remote_jwks":null}},
	  "rules":[{"match":{"safe_regex":{"regex":"/a.*"}},"requires":{"requires_any":{"requirements":[{"provider_name":"p"},{"allow_missing":{}}]}},
	  "x_authorize":{"scopes_any_of":["a"]}}],"x_token_limits":{"max_token_bytes":100},"x_require_valid_tokens":true}`))
	f.Add([]byte(`{"providers":{"r":{"remote_jwks":{"http_uri":{"uri":"https://a/b","cluster":"c","timeout":"1s"},"cache_duration":"5s","async_fetch":{}}}},"requirement_map":{"m":{"provider_name":"r"}},"rules":[{"match":{"prefix":"/"},"requirement_name":"m"}]}`))
	f.Add([]byte(`{"@type":"x","bogus":[[[[]]]],"rules":[{"match":{}}]}`))
	f.Add([]byte(``))
	env := compileEnv{lookupEnv: func(name string) (string, bool) { return `{"keys":[]}`, name == "JWKS" }}
	f.Fuzz(func(t *testing.T, data []byte) {
		rt, probs := load(data, env)
		if (rt == nil) == (len(probs) == 0) {
			t.Fatalf("filter configuration %v with %d problems", rt != nil, len(probs))
		}
		for _, p := range probs {
			if strings.TrimSpace(p) == "" {
				t.Fatalf("an empty problem in %q", probs)
			}
		}
		rt2, probs2 := load(data, env)
		if (rt2 == nil) != (rt == nil) || !slices.Equal(probs, probs2) {
			t.Fatalf("two loads disagree: %q, then %q", probs, probs2)
		}
	})
}
