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
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// account is the operator's ServiceAccount as RBAC names it.
const account = "system:serviceaccount:" + namespace + ":" + prefix + "controller-manager"

// TestInstallerApplies applies the installer to a real API server with
// server-side apply and strict field validation, as `make deploy` does, and then
// checks what only a server can tell: the CRD is established, the manager's pod
// passes the namespace's restricted Pod Security admission, and the
// ServiceAccount holds exactly the permissions the operator uses. The control
// plane runs no nodes or controllers, so no pod ever starts.
func TestInstallerApplies(t *testing.T) {
	r, err := installer()
	if err != nil {
		t.Fatal(err)
	}
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	}()
	file := filepath.Join(t.TempDir(), "install.yaml")
	if err := os.WriteFile(file, r.stream, 0o600); err != nil {
		t.Fatal(err)
	}

	out, err := env.Kubectl("apply", "--server-side", "--validate=strict", "--field-manager=installer-test", "-f", file)
	if err != nil {
		t.Fatalf("the API server refused the installer: %v\n%s", err, out)
	}
	if applied := strings.Count(out, "serverside-applied"); applied != len(r.objects) {
		t.Errorf("%d of %d objects applied:\n%s", applied, len(r.objects), out)
	}
	// Everything is there, read back from the server.
	out, err = env.Kubectl("get", "-f", file, "-o", "name")
	if err != nil {
		t.Fatalf("reading the installed objects back: %v", err)
	}
	if got := len(strings.Fields(out)); got != len(r.objects) {
		t.Errorf("the server has %d of the %d objects:\n%s", got, len(r.objects), out)
	}

	if _, err := env.Kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/cloudjobs.jobs.cloudjob.io"); err != nil {
		t.Errorf("the CRD is not established: %v", err)
	}
	if _, err := env.Kubectl("get", "cloudjobs", "--all-namespaces"); err != nil {
		t.Errorf("the API server does not serve CloudJobs: %v", err)
	}

	t.Run("pod security", func(t *testing.T) { podSecurity(t, env) })
	t.Run("permissions", func(t *testing.T) { permissions(t, env) })
}

// podSecurity creates (dry run) a pod from the Deployment's template in the
// operator's namespace: the restricted Pod Security admission must accept it.
// A plain pod must be refused there, or the acceptance proves nothing.
func podSecurity(t *testing.T, env *testenv.Env) {
	d := deployment(t)
	hardened := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "manager", Namespace: namespace, Labels: d.Spec.Template.Labels},
		Spec:       d.Spec.Template.Spec,
	}
	plain := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "plain", Namespace: namespace},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "plain", Image: image}}},
	}
	if out, err := createDryRun(t, env, hardened); err != nil {
		t.Errorf("restricted Pod Security refused the manager's pod: %v\n%s", err, out)
	}
	if _, err := createDryRun(t, env, plain); err == nil || !strings.Contains(err.Error(), "PodSecurity") {
		t.Errorf("a pod without a securityContext was not refused by Pod Security admission: %v", err)
	}
}

func createDryRun(t *testing.T, env *testenv.Env, pod corev1.Pod) (string, error) {
	t.Helper()
	data, err := yaml.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), pod.Name+".yaml")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return env.Kubectl("create", "--dry-run=server", "--validate=strict", "-f", file)
}

// permissions asks the API server's authorizer what the operator's
// ServiceAccount may do: what the operator uses, and not more.
func permissions(t *testing.T, env *testenv.Env) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"watch", "cloudjobs.jobs.cloudjob.io", "--all-namespaces"}, true},
		{[]string{"patch", "cloudjobs.jobs.cloudjob.io", "--subresource=status", "-n", "default"}, true},
		{[]string{"delete", "cloudjobs.jobs.cloudjob.io", "-n", "default"}, true},
		{[]string{"list", "secrets", "--all-namespaces"}, true},
		{[]string{"create", "events.events.k8s.io", "-n", "default"}, true},
		{[]string{"update", "leases.coordination.k8s.io", "-n", namespace}, true},
		{[]string{"create", "tokenreviews.authentication.k8s.io"}, true},
		{[]string{"create", "subjectaccessreviews.authorization.k8s.io"}, true},
		{[]string{"create", "cloudjobs.jobs.cloudjob.io", "-n", "default"}, false},
		{[]string{"create", "secrets", "-n", "default"}, false},
		{[]string{"update", "leases.coordination.k8s.io", "-n", "default"}, false},
		{[]string{"list", "pods", "--all-namespaces"}, false},
	} {
		args := append([]string{"auth", "can-i", "--as=" + account}, tc.args...)
		out, err := env.Kubectl(args...)
		answer := strings.TrimSpace(out)
		// can-i prints yes or no, and exits 1 for no.
		if answer != "yes" && answer != "no" {
			t.Errorf("kubectl %s: %q, %v", strings.Join(args, " "), out, err)
			continue
		}
		if got := answer == "yes"; got != tc.want {
			t.Errorf("the operator may %s: %v, want %v", strings.Join(tc.args, " "), got, tc.want)
		}
	}
}
