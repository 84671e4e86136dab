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

package installer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// image is the IMG the installer is rendered for.
const image = "example.com/cloudjob-operator:test"

// namespace is where config/default puts the operator.
const namespace = "cloudjob-operator-system"

// object is one document of the installer.
type object struct {
	raw []byte
	unstructured.Unstructured
}

// rendering is the installer as a YAML stream and as documents.
type rendering struct {
	stream  []byte
	objects []object
}

// installer is the rendered installer, once per test binary.
var installer = sync.OnceValues(render)

// placeholderPattern finds, in the build-installer recipe, the sed expression
// that puts IMG into manager.yaml: s|image: controller:latest|image: $(IMG)|.
var placeholderPattern = regexp.MustCompile(`sed -i 's\|(image: [^|]+)\|image: \$\(IMG\)\|' manager\.yaml`)

// render does what `make build-installer IMG=image` does, without its
// prerequisites (regenerating the CRD, RBAC and deepcopy files would rewrite the
// source tree under a running test): copy config/, put IMG into
// config/manager/manager.yaml with the Makefile's own placeholder, and run the
// built kubectl's kustomize on config/default. It returns the YAML stream and
// its documents.
func render() (rendering, error) {
	root := testenv.RepoRoot()
	assets, err := testenv.AssetsDir()
	if err != nil {
		return rendering{}, err
	}
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		return rendering{}, err
	}
	m := placeholderPattern.FindSubmatch(makefile)
	if m == nil {
		return rendering{}, fmt.Errorf("the Makefile's build-installer recipe no longer matches %s: update render() to do what it does", placeholderPattern)
	}
	placeholder := string(m[1])

	dir, err := os.MkdirTemp("", "installer-")
	if err != nil {
		return rendering{}, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	if err := os.CopyFS(filepath.Join(dir, "config"), os.DirFS(filepath.Join(root, "config"))); err != nil {
		return rendering{}, err
	}
	manager := filepath.Join(dir, "config", "manager", "manager.yaml")
	data, err := os.ReadFile(manager)
	if err != nil {
		return rendering{}, err
	}
	if n := bytes.Count(data, []byte(placeholder)); n != 1 {
		return rendering{}, fmt.Errorf("config/manager/manager.yaml has %q %d times, want once: the Makefile's sed would not set the image", placeholder, n)
	}
	data = bytes.Replace(data, []byte(placeholder), []byte("image: "+image), 1)
	if err := os.WriteFile(manager, data, 0o600); err != nil {
		return rendering{}, err
	}

	var stderr strings.Builder
	cmd := exec.Command(filepath.Join(assets, "kubectl"), "kustomize", filepath.Join(dir, "config", "default"))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return rendering{}, fmt.Errorf("kubectl kustomize config/default: %w: %s", err, stderr.String())
	}
	objs, err := split(out)
	return rendering{stream: out, objects: objs}, err
}

// split decodes a YAML stream into its documents.
func split(stream []byte) ([]object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	var objs []object
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var u unstructured.Unstructured
		if err := yaml.Unmarshal(doc, &u.Object); err != nil {
			return nil, fmt.Errorf("document %d: %w", len(objs)+1, err)
		}
		objs = append(objs, object{raw: doc, Unstructured: u})
	}
}

// rendered returns the installer's documents, failing the test if it cannot be
// rendered (for example without `make envtest`).
func rendered(t *testing.T) []object {
	t.Helper()
	r, err := installer()
	if err != nil {
		t.Fatal(err)
	}
	return r.objects
}

// only returns the one object of kind and name, decoded strictly into out.
func only(t *testing.T, kind, name string, out any) {
	t.Helper()
	for _, o := range rendered(t) {
		if o.GetKind() == kind && o.GetName() == name {
			if err := yaml.UnmarshalStrict(o.raw, out); err != nil {
				t.Fatalf("%s %s: %v", kind, name, err)
			}
			return
		}
	}
	t.Fatalf("the installer has no %s %s", kind, name)
}
