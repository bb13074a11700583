// Package envoy_test checks the deployment material without Envoy or Istio, which cannot run
// where this project is built: every Envoy bootstrap in the repository is one Envoy's own protos
// (go-control-plane) accept, the Istio WasmPlugin is one Istio's API (istio.io/api) accepts, and
// the plugin configuration each carries is one the filter runs as documented.
package envoy_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	jwtv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/jwt_authn/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	wasmfilterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	wasmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/wasm/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/proxy-wasm-jwt/proxy-wasm-jwt/testing/filtertest"
)

// bootstrapFile is one parsed Envoy bootstrap with the parts the checks look at.
type bootstrapFile struct {
	path     string
	boot     *bootstrapv3.Bootstrap
	hcms     []*hcmv3.HttpConnectionManager
	filters  []*wasmv3.PluginConfig // every envoy.filters.http.wasm's config
	clusters map[string]*clusterv3.Cluster
}

// loadBootstrap parses path as Envoy does: YAML to JSON, strict proto3 JSON into Bootstrap (an
// unknown field or an unregistered "@type" is an error), then the proto's constraints on the
// bootstrap and on every message packed in an Any inside it, which Validate does not reach.
func loadBootstrap(t *testing.T, path string) *bootstrapFile {
	t.Helper()
	b := &bootstrapFile{path: path, boot: &bootstrapv3.Bootstrap{}, clusters: map[string]*clusterv3.Cluster{}}
	if err := protojson.Unmarshal(readYAMLAsJSON(t, path), b.boot); err != nil {
		t.Fatalf("%s: not an Envoy bootstrap: %v", path, err)
	}
	if err := b.boot.ValidateAll(); err != nil {
		t.Fatalf("%s: bootstrap fails validation: %v", path, err)
	}
	err := walkAnys(b.boot.ProtoReflect(), "bootstrap", func(m proto.Message) {
		switch m := m.(type) {
		case *hcmv3.HttpConnectionManager:
			b.hcms = append(b.hcms, m)
		case *wasmfilterv3.Wasm:
			b.filters = append(b.filters, m.GetConfig())
		}
	})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, c := range b.boot.GetStaticResources().GetClusters() {
		b.clusters[c.GetName()] = c
	}
	return b
}

// walkAnys unpacks every google.protobuf.Any under m (typed_config, configuration, ...),
// validates what it holds, calls found on it and walks into it.
func walkAnys(m protoreflect.Message, at string, found func(proto.Message)) error {
	if a, ok := m.Interface().(*anypb.Any); ok {
		inner, err := a.UnmarshalNew()
		if err != nil {
			return fmt.Errorf("%s: %s: %w", at, a.GetTypeUrl(), err)
		}
		if v, ok := inner.(interface{ ValidateAll() error }); ok {
			if err := v.ValidateAll(); err != nil {
				return fmt.Errorf("%s: %s fails validation: %w", at, a.GetTypeUrl(), err)
			}
		}
		found(inner)
		return walkAnys(inner.ProtoReflect(), at+"("+string(inner.ProtoReflect().Descriptor().Name())+")", found)
	}
	var err error
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		name := at + "." + string(fd.Name())
		switch {
		case fd.IsMap():
			if fd.MapValue().Message() != nil {
				v.Map().Range(func(k protoreflect.MapKey, e protoreflect.Value) bool {
					err = walkAnys(e.Message(), name+"["+k.String()+"]", found)
					return err == nil
				})
			}
		case fd.IsList():
			if fd.Message() != nil {
				for i := 0; i < v.List().Len() && err == nil; i++ {
					err = walkAnys(v.List().Get(i).Message(), fmt.Sprintf("%s[%d]", name, i), found)
				}
			}
		case fd.Message() != nil:
			err = walkAnys(v.Message(), name, found)
		}
		return err == nil
	})
	return err
}

// bootstrapPaths are envoy/envoy.yaml and every examples/*/envoy.yaml.
func bootstrapPaths(t *testing.T) []string {
	t.Helper()
	examples, err := filepath.Glob("../examples/*/envoy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) < 4 {
		t.Fatalf("found %d examples/*/envoy.yaml, want at least 4", len(examples))
	}
	return append([]string{"envoy.yaml"}, examples...)
}

// pluginConfigJSON returns the wasm filter's configuration, which must be a StringValue holding
// JSON: what the filter receives in proxy_on_configure.
func pluginConfigJSON(pc *wasmv3.PluginConfig) ([]byte, error) {
	a := pc.GetConfiguration()
	if a == nil {
		return nil, errors.New("no configuration")
	}
	var s wrapperspb.StringValue
	if err := a.UnmarshalTo(&s); err != nil {
		return nil, fmt.Errorf("configuration is %s, want a google.protobuf.StringValue: %w", a.GetTypeUrl(), err)
	}
	if !json.Valid([]byte(s.GetValue())) {
		return nil, errors.New("configuration is not JSON")
	}
	return []byte(s.GetValue()), nil
}

// TestBootstrapsAreEnvoyConfigs: each bootstrap parses and validates as Envoy's, runs the wasm
// filter before the router, carries a JwtAuthentication Envoy's own jwt_authn would accept (the
// example's config.json, where there is one), and defines every cluster a remote_jwks names,
// with TLS that verifies the IdP when the JWKS URI is https.
func TestBootstrapsAreEnvoyConfigs(t *testing.T) {
	for _, path := range bootstrapPaths(t) {
		t.Run(strings.TrimPrefix(path, "../"), func(t *testing.T) {
			b := loadBootstrap(t, path)
			if len(b.filters) != 1 {
				t.Fatalf("%d envoy.filters.http.wasm filters, want 1", len(b.filters))
			}
			checkFilterOrder(t, b)
			pc := b.filters[0]
			checkVM(t, b, pc.GetVmConfig())
			// An authentication filter whose VM failed must refuse requests, not skip itself.
			if pc.GetFailurePolicy() != wasmv3.FailurePolicy_FAIL_CLOSED {
				t.Errorf("failure_policy %v, want FAIL_CLOSED", pc.GetFailurePolicy())
			}
			config, err := pluginConfigJSON(pc)
			if err != nil {
				t.Fatal(err)
			}
			if want, err := os.ReadFile(filepath.Join(filepath.Dir(path), "config.json")); err == nil {
				if eq, err := jsonEqual(config, want); err != nil || !eq {
					t.Errorf("the filter's configuration differs from config.json beside it (%v)", err)
				}
			}
			jwt := envoyJwtAuthn(t, config)
			for name, p := range jwt.GetProviders() {
				if r := p.GetRemoteJwks(); r != nil {
					checkJwksCluster(t, b, name, r.GetHttpUri().GetUri(), r.GetHttpUri().GetCluster())
				}
			}
		})
	}
}

// checkFilterOrder: Envoy requires the router (the terminal filter) last, so the wasm filter runs
// before the request is forwarded.
func checkFilterOrder(t *testing.T, b *bootstrapFile) {
	t.Helper()
	for _, hcm := range b.hcms {
		fs := hcm.GetHttpFilters()
		if len(fs) == 0 || fs[len(fs)-1].GetName() != "envoy.filters.http.router" {
			t.Errorf("HTTP connection manager %s: the last HTTP filter must be envoy.filters.http.router", hcm.GetStatPrefix())
		}
	}
}

// checkVM: a runtime Envoy ships, and code from a file or a checked download through a defined
// cluster (Validate already requires sha256 for remote code).
func checkVM(t *testing.T, b *bootstrapFile, vm *wasmv3.VmConfig) {
	t.Helper()
	if vm == nil {
		t.Fatal("no vm_config")
	}
	switch vm.GetRuntime() {
	case "envoy.wasm.runtime.v8", "envoy.wasm.runtime.wasmtime":
	default:
		t.Errorf("runtime %q, want envoy.wasm.runtime.v8 or envoy.wasm.runtime.wasmtime", vm.GetRuntime())
	}
	if r := vm.GetCode().GetRemote(); r != nil {
		if _, ok := b.clusters[r.GetHttpUri().GetCluster()]; !ok {
			t.Errorf("vm_config.code.remote: cluster %q is not among the static clusters", r.GetHttpUri().GetCluster())
		}
	} else if vm.GetCode().GetLocal().GetFilename() == "" {
		t.Error("vm_config.code is neither local.filename nor remote")
	}
}

// envoyJwtAuthn parses the plugin configuration, without this project's x_* keys, as Envoy's
// JwtAuthentication and validates it.
func envoyJwtAuthn(t *testing.T, config []byte) *jwtv3.JwtAuthentication {
	t.Helper()
	plain, err := withoutExtensions(config)
	if err != nil {
		t.Fatal(err)
	}
	var jwt jwtv3.JwtAuthentication
	if err := protojson.Unmarshal(plain, &jwt); err != nil {
		t.Fatalf("the filter's configuration is not Envoy's JwtAuthentication: %v", err)
	}
	if err := jwt.ValidateAll(); err != nil {
		t.Fatalf("the filter's configuration fails JwtAuthentication validation: %v", err)
	}
	return &jwt
}

// checkJwksCluster: the cluster of a remote_jwks exists (proxy_http_call fails with BadArgument
// otherwise), and for an https URI it speaks TLS with a server name and a trusted CA, since Envoy
// verifies nothing without one (UpstreamTlsContext.common_tls_context).
func checkJwksCluster(t *testing.T, b *bootstrapFile, provider, uri, cluster string) {
	t.Helper()
	c, ok := b.clusters[cluster]
	if !ok {
		t.Errorf("provider %s: remote_jwks cluster %q is not among the static clusters", provider, cluster)
		return
	}
	u, err := url.Parse(uri)
	if err != nil {
		t.Errorf("provider %s: remote_jwks uri %q: %v", provider, uri, err)
		return
	}
	if u.Scheme != "https" {
		return
	}
	ts := c.GetTransportSocket().GetTypedConfig()
	var tls tlsv3.UpstreamTlsContext
	if ts == nil || ts.UnmarshalTo(&tls) != nil {
		t.Errorf("provider %s: JWKS URI is https but cluster %s has no UpstreamTlsContext transport socket", provider, cluster)
		return
	}
	if tls.GetSni() == "" && !tls.GetAutoHostSni() {
		t.Errorf("cluster %s: neither sni nor auto_host_sni is set", cluster)
	}
	if tls.GetCommonTlsContext().GetValidationContext().GetTrustedCa() == nil {
		t.Errorf("cluster %s: no validation_context.trusted_ca: Envoy would not verify the IdP's certificate", cluster)
	}
}

// TestDeploymentBootstrap holds envoy/envoy.yaml to what envoy/README.md recommends, and runs
// the filter with its configuration: the open prefix passes, a protected path without a token
// gets 401 (no JWKS fetch is needed for either).
func TestDeploymentBootstrap(t *testing.T) {
	b := loadBootstrap(t, "envoy.yaml")
	if len(b.filters) != 1 {
		t.Fatalf("%d wasm filters, want 1", len(b.filters))
	}
	pc := b.filters[0]
	if pc.GetVmConfig().GetVmId() == "" {
		t.Error("vm_config.vm_id is empty; filters that should share the JWKS cache need the same vm_id")
	}
	config, err := pluginConfigJSON(pc)
	if err != nil {
		t.Fatal(err)
	}
	httpsRemote := 0
	for _, p := range envoyJwtAuthn(t, config).GetProviders() {
		if u, err := url.Parse(p.GetRemoteJwks().GetHttpUri().GetUri()); err == nil && u.Scheme == "https" {
			httpsRemote++
		}
	}
	if httpsRemote == 0 {
		t.Error("no provider fetches its JWKS over https: the file is meant to show the TLS cluster")
	}

	filtertest.Run(t, filtertest.Options{Config: config}, func(t *testing.T, h filtertest.Host) {
		s := h.NewStream()
		s.SendRequestHeaders(filtertest.Request("GET", "/healthz"), true)
		if lr := s.LocalResponse(); lr != nil || s.Paused() {
			t.Errorf("GET /healthz: local response %+v, paused %v; want it passed", lr, s.Paused())
		}
		s.Done()

		s = h.NewStream()
		s.SendRequestHeaders(filtertest.Request("GET", "/api/orders"), true)
		if lr := s.LocalResponse(); lr == nil || lr.Status != 401 || string(lr.Body) != "Jwt is missing" {
			t.Errorf("GET /api/orders without a token: local response %+v, want 401 Jwt is missing", lr)
		}
		s.Done()
	})
}
