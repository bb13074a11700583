// Command wasm-image packs the filter into the Wasm OCI image Istio pulls (a WasmPlugin's
// url: oci://...) and pushes it, with github.com/google/go-containerregistry: no Docker needed.
//
//	wasm-image build -wasm build/jwt-authn.wasm -out build/image [-tag latest]
//	wasm-image push -layout build/image -image registry.example.com/proxy-wasm-jwt/jwt-authn:0.1.0
//
// build writes an OCI image layout directory holding one image in the "compat" variant of the
// Wasm image specification (github.com/solo-io/wasm, spec-compat.md), the variant Istio's image
// fetcher (istio pkg/wasm, extractOCIStandardImage) reads first: an OCI manifest whose only
// layer is a gzipped tar (application/vnd.oci.image.layer.v1.tar+gzip) holding the module as
// plugin.wasm, and the manifest annotation module.wasm.image/variant=compat. The image is
// reproducible: fixed timestamps, so the same module gives the same digest.
//
// The "oci" variant (a raw application/vnd.module.wasm.content.layer.v1+wasm layer) is not
// built: Istio reads it only from a manifest with exactly two layers while other consumers
// want one, and Istio reads compat first anyway.
//
// push sends the layout's image to a registry with your credentials (the Docker config and
// credential helpers, authn.DefaultKeychain: `docker login`, `crane auth login`, or a cloud
// helper). -insecure allows a plain-HTTP registry (a local one).
package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

const (
	// pluginFile is the file name the compat variant requires for the module.
	pluginFile = "plugin.wasm"
	// variantAnnotation marks the variant in the manifest (spec-compat.md).
	variantAnnotation = "module.wasm.image/variant"
	// refNameAnnotation is the OCI layout's tag for an image in index.json.
	refNameAnnotation = "org.opencontainers.image.ref.name"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "wasm-image:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: wasm-image build -wasm FILE -out DIR | push -layout DIR -image REF")
	}
	fs := flag.NewFlagSet("wasm-image "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	switch args[0] {
	case "build":
		wasm := fs.String("wasm", "build/jwt-authn.wasm", "the module")
		out := fs.String("out", "build/image", "OCI image layout directory to (re)create")
		tag := fs.String("tag", "latest", "the image's name in the layout (org.opencontainers.image.ref.name)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		module, err := os.ReadFile(*wasm)
		if err != nil {
			return fmt.Errorf("%w (build it with `make build-wasm`)", err)
		}
		img, err := compatImage(module)
		if err != nil {
			return err
		}
		if err := writeLayout(*out, img, *tag); err != nil {
			return err
		}
		d, err := img.Digest()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %s (compat variant, %s)\n", *out, d, pluginFile)
		return nil
	case "push":
		dir := fs.String("layout", "build/image", "OCI image layout directory written by build")
		ref := fs.String("image", "", "where to push: REGISTRY/REPOSITORY:TAG (no oci:// prefix)")
		insecure := fs.Bool("insecure", false, "allow a plain-HTTP registry")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if *ref == "" {
			return errors.New("-image is required, e.g. -image registry.example.com/proxy-wasm-jwt/jwt-authn:0.1.0")
		}
		d, err := push(*dir, *ref, *insecure, remote.WithAuthFromKeychain(authn.DefaultKeychain))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "pushed %s@%s\nWasmPlugin url: oci://%s\n", *ref, d, *ref)
		return nil
	}
	return fmt.Errorf("unknown command %q: want build or push", args[0])
}

// compatImage is the compat-variant image of the module.
func compatImage(module []byte) (v1.Image, error) {
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	hdr := &tar.Header{Name: pluginFile, Mode: 0o444, Size: int64(len(module)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write(module); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	tarBytes := tarBuf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(tarBytes)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, MediaType: types.OCILayer})
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "wasip1", "wasm"
	cfg.Created = v1.Time{Time: time.Unix(0, 0).UTC()}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return nil, err
	}
	annotated, ok := mutate.Annotations(img, map[string]string{variantAnnotation: "compat"}).(v1.Image)
	if !ok {
		return nil, errors.New("annotating the manifest did not give an image")
	}
	return annotated, nil
}

// writeLayout replaces dir with an OCI image layout holding img under tag.
func writeLayout(dir string, img v1.Image, tag string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	return p.AppendImage(img, layout.WithAnnotations(map[string]string{refNameAnnotation: tag}))
}

// layoutImage is the one image of the layout at dir.
func layoutImage(dir string) (v1.Image, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (run `make image` first)", dir, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	if len(im.Manifests) != 1 {
		return nil, fmt.Errorf("%s holds %d manifests, want the one `make image` writes", dir, len(im.Manifests))
	}
	return idx.Image(im.Manifests[0].Digest)
}

// push writes the layout's image to ref and returns its digest.
func push(dir, ref string, insecure bool, opts ...remote.Option) (v1.Hash, error) {
	img, err := layoutImage(dir)
	if err != nil {
		return v1.Hash{}, err
	}
	var nameOpts []name.Option
	if insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	r, err := name.ParseReference(ref, nameOpts...)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("-image %q: %w", ref, err)
	}
	if err := remote.Write(r, img, opts...); err != nil {
		return v1.Hash{}, err
	}
	return img.Digest()
}
