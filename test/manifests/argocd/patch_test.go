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
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// TestConfigMapPatchMerges applies the patch the way its header tells users to
// (a merge patch with kubectl), offline with --local, to an argocd-cm that already
// has settings: the health check must be added and the settings kept.
func TestConfigMapPatchMerges(t *testing.T) {
	assets, err := testenv.AssetsDir()
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(t.TempDir(), "argocd-cm.yaml")
	existing := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\n  namespace: argocd\n" +
		"data:\n  url: https://argocd.example.com\n"
	if err := os.WriteFile(base, []byte(existing), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(assets, "kubectl"), "patch", "--local", "-f", base, "--type", "merge",
		"--patch-file", filepath.Join(dir, "argocd-cm-patch.yaml"), "-o", "yaml")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl patch: %v: %s", err, stderrOf(err))
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(out, &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Data["url"] != "https://argocd.example.com" {
		t.Errorf("the patch lost the existing setting url: data %v", keys(cm.Data))
	}
	if cm.Data[configMapKey] != script(t) {
		t.Errorf("after the patch, %s is not health.lua", configMapKey)
	}
}

func stderrOf(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(exit.Stderr)
	}
	return ""
}
