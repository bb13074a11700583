package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// shippedModule is $JWT_WASM or build/jwt-authn.wasm at the module root.
func shippedModule(t *testing.T) (string, []byte) {
	t.Helper()
	p := os.Getenv("JWT_WASM")
	if p == "" {
		p = filepath.Join("..", "..", "build", "jwt-authn.wasm")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run `make build-wasm`, or set JWT_WASM)", err)
	}
	return p, b
}

// built is the layout the tests share (compressing the module takes a while under -race).
var built struct {
	once   sync.Once
	dir    string
	module []byte
}

// sharedLayout is the layout `wasm-image build` wrote once for this test binary; tests only read it.
func sharedLayout(t *testing.T) (string, []byte) {
	t.Helper()
	built.once.Do(func() {
		tmp, err := os.MkdirTemp("", "wasm-image-test-")
		if err != nil {
			t.Fatal(err)
		}
		built.dir, built.module = buildLayoutIn(t, tmp)
	})
	if built.dir == "" {
		t.Fatal("building the shared layout failed")
	}
	return built.dir, built.module
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(filepath.Dir(built.dir))
	}
	os.Exit(code)
}

// buildLayout runs `wasm-image build` as `make image` does, into a temporary directory.
func buildLayout(t *testing.T) (string, []byte) {
	t.Helper()
	return buildLayoutIn(t, t.TempDir())
}

func buildLayoutIn(t *testing.T, parent string) (string, []byte) {
	t.Helper()
	wasmPath, module := shippedModule(t)
	dir := filepath.Join(parent, "image")
	var out, errb bytes.Buffer
	if err := run([]string{"build", "-wasm", wasmPath, "-out", dir, "-tag", "0.1.0"}, &out, &errb); err != nil {
		t.Fatalf("build: %v\n%s", err, errb.String())
	}
	return dir, module
}

// pluginWasm reads an image the way Istio's image fetcher reads the compat variant: the last
// layer must be an OCI gzipped tar layer, and the module is the file named plugin.wasm in it.
func pluginWasm(t *testing.T, img v1.Image) []byte {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%d layers, want 1", len(layers))
	}
	mt, err := layers[0].MediaType()
	if err != nil || mt != types.OCILayer {
		t.Fatalf("layer media type %q (%v), want %s", mt, err, types.OCILayer)
	}
	rc, err := layers[0].Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	gz, err := gzip.NewReader(rc)
	if err != nil {
		t.Fatalf("layer is not gzip: %v", err)
	}
	tr := tar.NewReader(gz)
	var found []byte
	files := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		files++
		if h.Name != pluginFile || h.Typeflag != tar.TypeReg {
			t.Errorf("tar entry %q (type %c), want only the regular file %s", h.Name, h.Typeflag, pluginFile)
			continue
		}
		if found, err = io.ReadAll(tr); err != nil {
			t.Fatal(err)
		}
	}
	if files != 1 || found == nil {
		t.Fatalf("%d tar entries, want exactly %s", files, pluginFile)
	}
	return found
}

// TestImageLayout: `make image` writes an OCI layout with one compat-variant image whose
// plugin.wasm is the shipped module, byte for byte.
func TestImageLayout(t *testing.T) {
	dir, module := sharedLayout(t)
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 {
		t.Fatalf("index holds %d manifests, want 1", len(im.Manifests))
	}
	desc := im.Manifests[0]
	if desc.MediaType != types.OCIManifestSchema1 || desc.Annotations[refNameAnnotation] != "0.1.0" {
		t.Errorf("index entry %s %v, want an OCI manifest named 0.1.0", desc.MediaType, desc.Annotations)
	}
	img, err := idx.Image(desc.Digest)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != types.OCIManifestSchema1 || m.Config.MediaType != types.OCIConfigJSON {
		t.Errorf("manifest %s, config %s: want OCI media types", m.MediaType, m.Config.MediaType)
	}
	if got := m.Annotations[variantAnnotation]; got != "compat" {
		t.Errorf("manifest annotation %s = %q, want compat", variantAnnotation, got)
	}
	if got := pluginWasm(t, img); !bytes.Equal(got, module) {
		t.Errorf("plugin.wasm (%d bytes) differs from the shipped module (%d bytes)", len(got), len(module))
	}
	// Reproducible: building again gives the same digest.
	again, _ := buildLayout(t)
	img2, err := layoutImage(again)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := img.Digest()
	d2, _ := img2.Digest()
	if d1 != d2 {
		t.Errorf("two builds of the same module: digests %s and %s", d1, d2)
	}
}

// TestPushAndPull: `make push` sends the image to a registry (go-containerregistry's
// in-memory one, on loopback), under the repository path envoy/istio/wasmplugin.yaml's url
// names, and pulling it back by that url (as Istio does) gives the shipped module.
func TestPushAndPull(t *testing.T) {
	dir, module := sharedLayout(t)
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()

	url := wasmPluginURL(t)
	ref, ok := strings.CutPrefix(url, "oci://")
	if !ok {
		t.Fatalf("wasmplugin.yaml url %q does not start with oci://", url)
	}
	parsed, err := name.ParseReference(ref)
	if err != nil {
		t.Fatalf("wasmplugin.yaml url %q is not an image reference: %v", url, err)
	}
	// The same repository and tag, on the loopback registry.
	local := strings.TrimPrefix(reg.URL, "http://") + "/" + parsed.Context().RepositoryStr() + ":" + parsed.Identifier()

	var out, errb bytes.Buffer
	if err := run([]string{"push", "-layout", dir, "-image", local, "-insecure"}, &out, &errb); err != nil {
		t.Fatalf("push: %v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "WasmPlugin url: oci://"+local) {
		t.Errorf("push output lacks the WasmPlugin url:\n%s", out.String())
	}
	pulledRef, err := name.ParseReference(local, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(pulledRef)
	if err != nil {
		t.Fatalf("pull %s: %v", local, err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.Annotations[variantAnnotation] != "compat" {
		t.Errorf("pulled manifest annotations %v, want %s=compat", m.Annotations, variantAnnotation)
	}
	if got := pluginWasm(t, img); !bytes.Equal(got, module) {
		t.Error("the pulled plugin.wasm differs from the shipped module")
	}
	want, err := layoutImage(dir)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := want.Digest()
	d2, _ := img.Digest()
	if d1 != d2 {
		t.Errorf("pulled digest %s, pushed %s", d2, d1)
	}
}

func TestPushNeedsImage(t *testing.T) {
	dir, _ := sharedLayout(t)
	var out, errb bytes.Buffer
	if err := run([]string{"push", "-layout", dir}, &out, &errb); err == nil || !strings.Contains(err.Error(), "-image is required") {
		t.Errorf("push without -image: %v", err)
	}
}

// wasmPluginURL is spec.url of envoy/istio/wasmplugin.yaml.
func wasmPluginURL(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "envoy", "istio", "wasmplugin.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^  url: (\S+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatal("envoy/istio/wasmplugin.yaml has no spec.url line")
	}
	return string(m[1])
}
