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

package argocd

import (
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

// dir is where the health check ships; go test runs in this package's directory.
var dir = filepath.Join("..", "..", "..", "config", "argocd")

// configMapKey is where Argo CD looks up the health check of a CloudJob in
// argocd-cm: resource.customizations.health.<group>_<kind>.
const configMapKey = "resource.customizations.health.jobs.cloudjob.io_CloudJob"

// healthTests is health_test.yaml, in the format of Argo CD's own
// resource_customizations/<group>/<kind>/health_test.yaml.
type healthTests struct {
	Tests []struct {
		HealthStatus health `json:"healthStatus"`
		InputPath    string `json:"inputPath"`
	} `json:"tests"`
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func script(t *testing.T) string {
	t.Helper()
	return string(readFile(t, filepath.Join(dir, "health.lua")))
}

// TestHealthTestCases runs every case of health_test.yaml, as Argo CD's own test
// of its built-in checks does, and checks that each input is a CloudJob that the
// API types decode without unknown fields, so that the cases stay true to what
// the operator writes.
func TestHealthTestCases(t *testing.T) {
	var cases healthTests
	if err := yaml.UnmarshalStrict(readFile(t, filepath.Join(dir, "health_test.yaml")), &cases); err != nil {
		t.Fatalf("health_test.yaml: %v", err)
	}
	if len(cases.Tests) == 0 {
		t.Fatal("health_test.yaml has no tests")
	}
	check := script(t)
	used := map[string]bool{}
	for _, tc := range cases.Tests {
		used[filepath.Clean(tc.InputPath)] = true
		t.Run(tc.InputPath, func(t *testing.T) {
			data := readFile(t, filepath.Join(dir, tc.InputPath))
			var typed jobsv1alpha1.CloudJob
			if err := yaml.UnmarshalStrict(data, &typed); err != nil {
				t.Errorf("not a valid CloudJob: %v", err)
			}
			if typed.Kind != "CloudJob" || typed.APIVersion != jobsv1alpha1.GroupVersion.String() {
				t.Errorf("kind %q apiVersion %q, want CloudJob %s", typed.Kind, typed.APIVersion, jobsv1alpha1.GroupVersion)
			}
			var obj map[string]any
			if err := yaml.Unmarshal(data, &obj); err != nil {
				t.Fatal(err)
			}
			got, err := runHealthCheck(check, obj)
			if err != nil {
				t.Fatalf("health.lua failed: %v", err)
			}
			if got != tc.HealthStatus {
				t.Errorf("health = %+v\nwant     %+v", got, tc.HealthStatus)
			}
		})
	}
	// A test object that no case reads is a state nobody checks.
	files, err := filepath.Glob(filepath.Join(dir, "testdata", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if rel, _ := filepath.Rel(dir, f); !used[rel] {
			t.Errorf("%s is not used by any case in health_test.yaml", rel)
		}
	}
}

// TestConfigMapPatch checks that the argocd-cm patch users apply carries exactly
// health.lua under the key Argo CD reads, so the two copies cannot drift.
func TestConfigMapPatch(t *testing.T) {
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(readFile(t, filepath.Join(dir, "argocd-cm-patch.yaml")), &cm); err != nil {
		t.Fatalf("argocd-cm-patch.yaml: %v", err)
	}
	if cm.Kind != "ConfigMap" || cm.APIVersion != "v1" || cm.Name != "argocd-cm" {
		t.Errorf("the patch is for %s %s %q, want v1 ConfigMap argocd-cm", cm.APIVersion, cm.Kind, cm.Name)
	}
	got, ok := cm.Data[configMapKey]
	if !ok {
		t.Fatalf("the patch has no data key %s; it has %v", configMapKey, keys(cm.Data))
	}
	if len(cm.Data) != 1 {
		t.Errorf("the patch sets %v; it should set only %s, since a merge patch overwrites the keys it names", keys(cm.Data), configMapKey)
	}
	if want := script(t); got != want {
		t.Errorf("the script in argocd-cm-patch.yaml differs from health.lua; copy health.lua into it, indented by four spaces")
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
