package envoy_test

import (
	"encoding/json"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/golang/protobuf/jsonpb" //nolint:staticcheck // istiod marshals pluginConfig with it
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	extensionsv1alpha1 "istio.io/api/extensions/v1alpha1"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

const wasmPluginPath = "istio/wasmplugin.yaml"

// loadWasmPlugin parses the WasmPlugin resource: the Kubernetes envelope, then spec as
// istio.io/api's WasmPlugin in strict proto3 JSON (istiod itself ignores unknown fields, which
// would hide a misspelt one). It also returns spec's raw JSON.
func loadWasmPlugin(t *testing.T) (*extensionsv1alpha1.WasmPlugin, map[string]json.RawMessage) {
	t.Helper()
	var res struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Spec json.RawMessage `json:"spec"`
	}
	if err := json.Unmarshal(readYAMLAsJSON(t, wasmPluginPath), &res); err != nil {
		t.Fatalf("%s: %v", wasmPluginPath, err)
	}
	if res.APIVersion != "extensions.istio.io/v1alpha1" || res.Kind != "WasmPlugin" || res.Metadata.Name == "" {
		t.Fatalf("%s: apiVersion %q, kind %q, name %q; want extensions.istio.io/v1alpha1, WasmPlugin and a name",
			wasmPluginPath, res.APIVersion, res.Kind, res.Metadata.Name)
	}
	var wp extensionsv1alpha1.WasmPlugin
	if err := protojson.Unmarshal(res.Spec, &wp); err != nil {
		t.Fatalf("%s: spec is not a WasmPlugin: %v", wasmPluginPath, err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(res.Spec, &raw); err != nil {
		t.Fatal(err)
	}
	return &wp, raw
}

// TestWasmPluginResource: the fields envoy/README.md asks for, as Istio reads them.
func TestWasmPluginResource(t *testing.T) {
	wp, raw := loadWasmPlugin(t)
	if wp.GetPhase() != extensionsv1alpha1.PluginPhase_AUTHN {
		t.Errorf("phase %v, want AUTHN (before Istio's authentication filters)", wp.GetPhase())
	}
	// FAIL_CLOSE is the enum's zero value: check that the file says it, not only the default.
	if string(raw["failStrategy"]) != `"FAIL_CLOSE"` || wp.GetFailStrategy() != extensionsv1alpha1.FailStrategy_FAIL_CLOSE {
		t.Errorf("failStrategy %s, want FAIL_CLOSE written out", raw["failStrategy"])
	}
	u, err := url.Parse(wp.GetUrl())
	if err != nil {
		t.Fatalf("url %q: %v", wp.GetUrl(), err)
	}
	switch u.Scheme {
	case "oci", "http", "https", "file":
	default:
		t.Errorf("url scheme %q, want oci, http, https or file", u.Scheme)
	}
	if (wp.GetSelector() != nil) == (len(wp.GetTargetRefs()) > 0) {
		t.Error("set exactly one of selector and targetRefs")
	}
	if len(wp.GetPluginConfig().GetFields()) == 0 {
		t.Fatal("no pluginConfig")
	}
	got, err := protojson.Marshal(wp.GetPluginConfig())
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../examples/local-jwks/config.json")
	if err != nil {
		t.Fatal(err)
	}
	if eq, err := jsonEqual(got, want); err != nil || !eq {
		t.Errorf("pluginConfig differs from examples/local-jwks/config.json (%v)", err)
	}
}

// structToJSON are the ways a pluginConfig Struct becomes the JSON the VM receives. istiod uses
// its protomarshal.ToJSON, the legacy jsonpb Marshaler with default options, and wraps the text
// in a StringValue (pilot/pkg/model/extensions.go); protojson is the current library's encoder.
var structToJSON = []struct {
	name    string
	marshal func(*structpb.Struct) ([]byte, error)
}{
	{"istio-jsonpb", func(s *structpb.Struct) ([]byte, error) {
		text, err := (&jsonpb.Marshaler{}).MarshalToString(s)
		return []byte(text), err
	}},
	{"protojson", func(s *structpb.Struct) ([]byte, error) { return protojson.Marshal(s) }},
}

// TestWasmPluginConfigRunsInFilter sends the local-jwks example request through the filter
// configured from the WasmPlugin's pluginConfig. A Struct holds every number as a double; the
// second case adds integer fields to show they still reach the filter as integers.
func TestWasmPluginConfigRunsInFilter(t *testing.T) {
	wp, _ := loadWasmPlugin(t)
	ex := loadExample(t, "../examples/local-jwks")
	withNumbers := func(s *structpb.Struct) {
		p := s.GetFields()["providers"].GetStructValue().GetFields()["example_provider"].GetStructValue()
		if p == nil {
			t.Fatal("pluginConfig has no providers.example_provider")
		}
		p.Fields["clock_skew_seconds"] = structpb.NewNumberValue(60)
		p.Fields["jwt_cache_config"] = structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
			"jwt_cache_size":     structpb.NewNumberValue(100),
			"jwt_max_token_size": structpb.NewNumberValue(4096),
		}})
	}
	variants := []struct {
		name   string
		change func(*structpb.Struct)
		want   []string // must appear in the JSON
	}{
		{"as-written", func(*structpb.Struct) {}, nil},
		{"with-numbers", withNumbers, []string{`"clock_skew_seconds":60`, `"jwt_cache_size":100`, `"jwt_max_token_size":4096`}},
	}
	for _, v := range variants {
		for _, m := range structToJSON {
			t.Run(v.name+"/"+m.name, func(t *testing.T) {
				s := proto.Clone(wp.GetPluginConfig()).(*structpb.Struct)
				v.change(s)
				config, err := m.marshal(s)
				if err != nil {
					t.Fatal(err)
				}
				compact := strings.Join(strings.Fields(string(config)), "")
				for _, w := range v.want {
					if !strings.Contains(compact, w) {
						t.Errorf("converted configuration lacks %s", w)
					}
				}
				filtertest.Run(t, filtertest.Options{Config: config, Now: ex.Now}, func(t *testing.T, h filtertest.Host) {
					checkExampleRequest(t, h, ex)
				})
			})
		}
	}
}

// TestIstioDockerfile: the image holds the module as plugin.wasm on an empty base, the layout
// Istio's image fetcher reads.
func TestIstioDockerfile(t *testing.T) {
	data, err := os.ReadFile("istio/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var instr []string
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			instr = append(instr, strings.Join(strings.Fields(line), " "))
		}
	}
	want := []string{"FROM scratch", "COPY jwt-authn.wasm ./plugin.wasm"}
	if strings.Join(instr, "\n") != strings.Join(want, "\n") {
		t.Errorf("Dockerfile instructions %q, want %q", instr, want)
	}
}
