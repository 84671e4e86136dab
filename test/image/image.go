/*
Copyright 2026 The cloudjob-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package image builds the operator's container image without a container
// engine, with go-containerregistry: one layer holding the static binary, the
// build machine's CA certificates, a nonroot user (65532) and a writable /tmp,
// like the Dockerfile's distroless image. Every timestamp is the commit's, so
// one commit built with the same Go and CA bundle gives the same digest. It also
// unpacks an image into a root filesystem for the tests that run it.
package image

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
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

// The image's user, as in distroless' nonroot variant and the Deployment's
// securityContext.
const (
	UID  = 65532
	GID  = 65532
	User = "65532:65532"
)

// Options say what goes into the image.
type Options struct {
	// Binary is the statically linked operator (CGO_ENABLED=0).
	Binary string
	// CACertificates is a PEM bundle of the certificate authorities to trust,
	// e.g. Debian's /etc/ssl/certs/ca-certificates.crt.
	CACertificates string
	// Created is every file's and the image's timestamp: the commit time, for
	// reproducible builds.
	Created time.Time
	// Version and Revision go into the OCI labels.
	Version, Revision string
	// Reference is the image's name, e.g. ghcr.io/cloudjob-operator/cloudjob-operator:v0.1.0.
	Reference string
	// Entrypoint is where the binary goes and what runs: /manager unless set
	// (the test node's pause image sets /pause).
	Entrypoint string
}

// Built is what Build wrote.
type Built struct {
	Digest v1.Hash
	// Size is the compressed size of the layer, what a node downloads.
	Size int64
	// UncompressedSize is the size of the unpacked root filesystem's files.
	UncompressedSize int64
	Layout           string
	Tarball          string
}

// Build writes the image as an OCI layout in dir/oci and as a tarball that
// docker load, podman load and ctr import take, dir/image.tar.
func Build(o Options, dir string) (*Built, error) {
	img, uncompressed, err := build(o)
	if err != nil {
		return nil, err
	}
	ref, err := name.ParseReference(o.Reference)
	if err != nil {
		return nil, fmt.Errorf("image reference %q: %w", o.Reference, err)
	}
	ociDir := filepath.Join(dir, "oci")
	if err := os.RemoveAll(ociDir); err != nil {
		return nil, err
	}
	lp, err := layout.Write(ociDir, empty.Index)
	if err != nil {
		return nil, err
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": ref.Name(),
	})); err != nil {
		return nil, err
	}
	tarPath := filepath.Join(dir, "image.tar")
	if err := tarball.WriteToFile(tarPath, ref, img); err != nil {
		return nil, err
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	var size int64
	for _, l := range layers {
		s, err := l.Size()
		if err != nil {
			return nil, err
		}
		size += s
	}
	return &Built{Digest: digest, Size: size, UncompressedSize: uncompressed, Layout: ociDir, Tarball: tarPath}, nil
}

func build(o Options) (v1.Image, int64, error) {
	if o.Created.IsZero() {
		return nil, 0, errors.New("no creation time: pass the commit time, for a reproducible image")
	}
	binary, err := os.ReadFile(o.Binary)
	if err != nil {
		return nil, 0, fmt.Errorf("the operator binary: %w (make image builds it)", err)
	}
	switch static, err := isStatic(binary); {
	case err != nil:
		return nil, 0, fmt.Errorf("%s: %w", o.Binary, err)
	case !static:
		return nil, 0, fmt.Errorf("%s is dynamically linked: build it with CGO_ENABLED=0", o.Binary)
	}
	certs, err := os.ReadFile(o.CACertificates)
	if err != nil {
		return nil, 0, fmt.Errorf("CA certificates: %w (install Debian's ca-certificates package)", err)
	}
	entrypoint := o.Entrypoint
	if entrypoint == "" {
		entrypoint = "/manager"
	}
	layerTar, uncompressed, err := rootFS(o.Created, strings.TrimPrefix(entrypoint, "/"), binary, certs)
	if err != nil {
		return nil, 0, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, 0, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{
		Created:   v1.Time{Time: o.Created},
		CreatedBy: "cloudjob-operator make image",
		Comment:   "the operator binary, CA certificates and the nonroot user",
	}})
	if err != nil {
		return nil, 0, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, 0, err
	}
	cfg = cfg.DeepCopy()
	cfg.Created = v1.Time{Time: o.Created}
	cfg.OS = "linux"
	cfg.Architecture = runtime.GOARCH
	cfg.Config.Entrypoint = []string{entrypoint}
	cfg.Config.User = User
	cfg.Config.WorkingDir = "/"
	cfg.Config.Env = []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
	}
	cfg.Config.Labels = map[string]string{
		"org.opencontainers.image.title":    "cloudjob-operator",
		"org.opencontainers.image.source":   "https://github.com/cloudjob-operator/cloudjob-operator",
		"org.opencontainers.image.licenses": "Apache-2.0",
		"org.opencontainers.image.version":  o.Version,
		"org.opencontainers.image.revision": o.Revision,
		"org.opencontainers.image.created":  o.Created.UTC().Format(time.RFC3339),
	}
	img, err = mutate.ConfigFile(img, cfg)
	return img, uncompressed, err
}

// isStatic reports whether an ELF binary has no program interpreter (no
// dynamic loader), so it runs in an image without a libc.
func isStatic(binary []byte) (bool, error) {
	f, err := elf.NewFile(bytes.NewReader(binary))
	if err != nil {
		return false, err
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false, nil
		}
	}
	return true, nil
}

// rootFS is the image's only layer, as an uncompressed tar, and the size of its files.
func rootFS(created time.Time, binaryPath string, binary, certs []byte) ([]byte, int64, error) {
	type entry struct {
		path     string
		mode     int64
		uid, gid int
		data     []byte
		dir      bool
	}
	entries := []entry{
		{path: "etc/", mode: 0o755, dir: true},
		{path: "etc/group", mode: 0o644, data: []byte("root:x:0:\nnonroot:x:65532:\n")},
		{path: "etc/nsswitch.conf", mode: 0o644, data: []byte("hosts: files dns\n")},
		{path: "etc/passwd", mode: 0o644, data: []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		{path: "etc/ssl/", mode: 0o755, dir: true},
		{path: "etc/ssl/certs/", mode: 0o755, dir: true},
		{path: "etc/ssl/certs/ca-certificates.crt", mode: 0o644, data: certs},
		{path: "home/", mode: 0o755, dir: true},
		{path: "home/nonroot/", mode: 0o700, uid: UID, gid: GID, dir: true},
		{path: binaryPath, mode: 0o755, data: binary},
		{path: "tmp/", mode: 0o1777, dir: true},
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.path, b.path) })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	var size int64
	for _, e := range entries {
		h := &tar.Header{Name: e.path, Mode: e.mode, Uid: e.uid, Gid: e.gid, ModTime: created,
			Format: tar.FormatPAX, Typeflag: tar.TypeReg, Size: int64(len(e.data))}
		if e.dir {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, 0, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, 0, err
		}
		size += int64(len(e.data))
	}
	if err := tw.Close(); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), size, nil
}

// Push uploads the image in an OCI layout to its registry, with the credentials
// of docker login or podman login, and returns the digest it has there.
func Push(ociDir, reference string, opts ...remote.Option) (v1.Hash, error) {
	img, err := Load(ociDir)
	if err != nil {
		return v1.Hash{}, err
	}
	ref, err := name.ParseReference(reference)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("image reference %q: %w", reference, err)
	}
	opts = append([]remote.Option{remote.WithAuthFromKeychain(authn.DefaultKeychain)}, opts...)
	if err := remote.Write(ref, img, opts...); err != nil {
		return v1.Hash{}, fmt.Errorf("pushing %s: %w (log in with docker login or podman login first)", ref, err)
	}
	return img.Digest()
}

// Reference is the name of the image in an OCI layout Build wrote.
func Reference(ociDir string) (string, error) {
	_, desc, err := only(ociDir)
	if err != nil {
		return "", err
	}
	if ref := desc.Annotations["org.opencontainers.image.ref.name"]; ref != "" {
		return ref, nil
	}
	return "", fmt.Errorf("the image in %s has no name", ociDir)
}

// Load reads the image from an OCI layout Build wrote.
func Load(ociDir string) (v1.Image, error) {
	idx, desc, err := only(ociDir)
	if err != nil {
		return nil, err
	}
	return idx.Image(desc.Digest)
}

// only is the OCI layout's index and its one image.
func only(ociDir string) (v1.ImageIndex, v1.Descriptor, error) {
	idx, err := layout.ImageIndexFromPath(ociDir)
	if err != nil {
		return nil, v1.Descriptor{}, fmt.Errorf("the image in %s: %w (make image builds it)", ociDir, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, v1.Descriptor{}, err
	}
	if len(m.Manifests) != 1 {
		return nil, v1.Descriptor{}, fmt.Errorf("%s holds %d images, want 1", ociDir, len(m.Manifests))
	}
	return idx, m.Manifests[0], nil
}

// Unpack writes the image's file system into dir, with the owners and modes the
// image gives (it must run as root to set owners).
func Unpack(img v1.Image, dir string) error {
	rc := mutate.Extract(img)
	defer func() { _ = rc.Close() }()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		clean := filepath.Clean("/" + h.Name)
		if strings.Contains(clean, "..") {
			return fmt.Errorf("unsafe path %q in the image", h.Name)
		}
		target := filepath.Join(dir, clean)
		mode := os.FileMode(h.Mode & 0o777)
		if h.Mode&0o1000 != 0 {
			mode |= os.ModeSticky
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, tr); err != nil { //nolint:gosec // the image is our own build
				_ = f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: tar entry type %c is not expected in the operator's image", h.Name, h.Typeflag)
		}
		if err := os.Chmod(target, mode); err != nil {
			return err
		}
		if err := os.Lchown(target, h.Uid, h.Gid); err != nil {
			return err
		}
	}
}
