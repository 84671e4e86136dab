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

package image

import (
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// staticBinary builds a tiny static program to stand in for the operator.
func staticBinary(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\nfunc main() {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "manager")
	cmd := exec.Command("go", "build", "-o", out, src)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

func TestBuildIsReproducibleAndRunsAsNonroot(t *testing.T) {
	o := Options{
		Binary: staticBinary(t), CACertificates: "/etc/ssl/certs/ca-certificates.crt",
		Created: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC), Version: "v0.1.0", Revision: "abc",
		Reference: "registry.example.com/cloudjob-operator:v0.1.0",
	}
	a, err := Build(o, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(o, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if a.Digest != b.Digest {
		t.Errorf("two builds of the same input differ: %s and %s", a.Digest, b.Digest)
	}
	o.Created = o.Created.Add(time.Second)
	c, err := Build(o, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if c.Digest == a.Digest {
		t.Error("the creation time does not change the digest")
	}

	img, err := Load(a.Layout)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Config.User != "65532:65532" || strings.Join(cfg.Config.Entrypoint, " ") != "/manager" || cfg.OS != "linux" {
		t.Errorf("config: user %q entrypoint %v os %s", cfg.Config.User, cfg.Config.Entrypoint, cfg.OS)
	}
	if cfg.Config.Labels["org.opencontainers.image.version"] != "v0.1.0" {
		t.Errorf("labels %v", cfg.Config.Labels)
	}

	root := t.TempDir()
	if err := Unpack(img, root); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		"manager": 0o755, "etc/ssl/certs/ca-certificates.crt": 0o644, "etc/passwd": 0o644,
		"tmp": os.ModeDir | os.ModeSticky | 0o777, "home/nonroot": os.ModeDir | 0o700,
	} {
		fi, err := os.Stat(filepath.Join(root, path))
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if fi.Mode() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode(), want)
		}
	}
	passwd, _ := os.ReadFile(filepath.Join(root, "etc", "passwd"))
	if !strings.Contains(string(passwd), "nonroot:x:65532:65532:") {
		t.Errorf("/etc/passwd lacks the nonroot user:\n%s", passwd)
	}
	if _, err := os.Stat(a.Tarball); err != nil {
		t.Errorf("no image tarball: %v", err)
	}
}

// TestPushUploadsTheSameImage pushes to a registry (go-containerregistry's,
// in memory) and pulls it back.
func TestPushUploadsTheSameImage(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	built, err := Build(Options{Binary: staticBinary(t), CACertificates: "/etc/ssl/certs/ca-certificates.crt",
		Created: time.Unix(1700000000, 0), Reference: "x/y:z"}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ref := strings.TrimPrefix(srv.URL, "http://") + "/platform/cloudjob-operator:v0.1.0"
	digest, err := Push(built.Layout, ref)
	if err != nil {
		t.Fatal(err)
	}
	if digest != built.Digest {
		t.Errorf("pushed %s, built %s", digest, built.Digest)
	}
	parsed, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	pulled, err := remote.Image(parsed)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := pulled.Digest(); d != built.Digest {
		t.Errorf("the registry serves %s, built %s", d, built.Digest)
	}
}

func TestBuildRefusesADynamicBinary(t *testing.T) {
	_, err := Build(Options{Binary: "/bin/true", CACertificates: "/etc/ssl/certs/ca-certificates.crt",
		Created: time.Unix(1, 0), Reference: "x/y:z"}, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "CGO_ENABLED=0") {
		t.Fatalf("a dynamically linked binary: %v", err)
	}
}
