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

package reliability

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// TestRolesHaveNoWildcards reads every Role and ClusterRole in config/rbac (the
// generated manager role included) and config/rbac-namespaced: none may grant a
// wildcard verb, resource, API group, resource name or URL, and the namespaced
// manager Role must grant exactly what the generated ClusterRole grants.
func TestRolesHaveNoWildcards(t *testing.T) {
	start := time.Now()
	root := testenv.RepoRoot()
	var roles, rules int
	var clusterManager, namespacedManager []rbacv1.PolicyRule
	for _, dir := range []string{"rbac", "rbac-namespaced"} {
		files, err := filepath.Glob(filepath.Join(root, "config", dir, "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			if filepath.Base(file) == "kustomization.yaml" {
				continue
			}
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, doc := range splitYAML(string(data)) {
				var role rbacv1.ClusterRole // a Role has the same rules
				if err := yaml.Unmarshal([]byte(doc), &role); err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				if role.Kind != "Role" && role.Kind != "ClusterRole" {
					continue
				}
				roles++
				where := fmt.Sprintf("config/%s/%s %s %s", dir, filepath.Base(file), role.Kind, role.Name)
				for _, r := range role.Rules {
					rules++
					for field, values := range map[string][]string{"verbs": r.Verbs, "resources": r.Resources,
						"apiGroups": r.APIGroups, "resourceNames": r.ResourceNames, "nonResourceURLs": r.NonResourceURLs} {
						for _, v := range values {
							if strings.Contains(v, "*") {
								t.Errorf("%s: wildcard %q in %s", where, v, field)
							}
						}
					}
				}
				switch {
				case dir == "rbac" && role.Kind == "ClusterRole" && role.Name == "manager-role":
					clusterManager = role.Rules
				case dir == "rbac-namespaced" && role.Kind == "ClusterRole":
					t.Errorf("%s: the namespaced permissions must not hold a ClusterRole", where)
				case dir == "rbac-namespaced" && role.Name == "manager-role":
					namespacedManager = role.Rules
				}
			}
		}
	}
	if clusterManager == nil || namespacedManager == nil {
		t.Fatalf("manager-role not found: ClusterRole in config/rbac %v, Role in config/rbac-namespaced %v", clusterManager != nil, namespacedManager != nil)
	}
	if a, b := ruleSet(clusterManager), ruleSet(namespacedManager); !slices.Equal(a, b) {
		t.Errorf("config/rbac-namespaced/role.yaml grants\n  %s\nbut the generated config/rbac/role.yaml grants\n  %s", strings.Join(b, "\n  "), strings.Join(a, "\n  "))
	}
	summary(t, start, "roles=%d rules=%d wildcards=0 namespaced-role-matches-generated=%v", roles, rules, !t.Failed())
}

// ruleSet flattens rules to sorted "group resource verb" triples.
func ruleSet(rules []rbacv1.PolicyRule) []string {
	var out []string
	for _, r := range rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					out = append(out, fmt.Sprintf("%q %s %s", g, res, v))
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func splitYAML(s string) []string {
	var docs []string
	for _, d := range strings.Split("\n"+s, "\n---") {
		if strings.TrimSpace(d) != "" {
			docs = append(docs, d)
		}
	}
	return docs
}

// TestNamespacedMode runs the operator as a ServiceAccount that has only what
// config/rbac-namespaced grants in one namespace, rendered by kustomize with that
// namespace: with --watch-namespace it tracks the jobs there to their outcome,
// elects itself leader through a Lease there, and leaves the CloudJobs of another
// namespace untouched, without a single forbidden request.
func TestNamespacedMode(t *testing.T) {
	start := time.Now()
	sim := startSimulator(t, 20260106)
	f := newFixture(t, "rbac", sim)
	other := newFixture(t, "rbac-other", sim)

	// Render config/rbac-namespaced into the namespace, as a user's overlay does.
	overlay := t.TempDir()
	base, err := filepath.Rel(overlay, filepath.Join(testenv.RepoRoot(), "config", "rbac-namespaced"))
	if err != nil {
		t.Fatal(err) // kustomize takes bases by relative path only
	}
	kustomization := fmt.Sprintf("namespace: %s\nresources:\n- %s\n", f.ns, base)
	if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte(kustomization), 0o644); err != nil {
		t.Fatal(err)
	}
	rendered, err := suite.env.Kubectl("kustomize", overlay)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, doc := range splitYAML(rendered) {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
			t.Fatal(err)
		}
		if obj.GetNamespace() != f.ns {
			t.Errorf("rendered %s %s is in namespace %q, want %s", obj.GetKind(), obj.GetName(), obj.GetNamespace(), f.ns)
		}
		if err := suite.client.Create(context.Background(), obj); err != nil {
			t.Fatalf("creating %s %s: %v", obj.GetKind(), obj.GetName(), err)
		}
		kinds = append(kinds, obj.GetKind()+"/"+obj.GetName())
	}
	t.Logf("applied %s", strings.Join(kinds, ", "))

	// A user with the ServiceAccount's name is what RBAC binds the
	// ServiceAccount subject to; a client certificate gives the operator that
	// identity without a token controller in the test control plane.
	user, err := suite.env.Environment.AddUser(envtest.User{
		Name:   "system:serviceaccount:" + f.ns + ":controller-manager",
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + f.ns},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	kubeconfigPath := filepath.Join(t.TempDir(), "operator.kubeconfig")
	if err := os.WriteFile(kubeconfigPath, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}

	// What the identity may not do, checked directly: the grants are really
	// confined to the namespace.
	userClient, err := client.New(user.Config(), client.Options{Scheme: suite.env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	denied := 0
	for what, call := range map[string]func() error{
		"read a Secret in another namespace": func() error {
			return userClient.Get(context.Background(), client.ObjectKey{Namespace: other.ns, Name: secretName}, &corev1.Secret{})
		},
		"list Secrets in every namespace": func() error { return userClient.List(context.Background(), &corev1.SecretList{}) },
		"list CloudJobs in every namespace": func() error {
			return userClient.List(context.Background(), &jobsv1alpha1.CloudJobList{})
		},
		"create an event in another namespace": func() error {
			// Authorization comes before validation, so an empty event will do.
			return userClient.Create(context.Background(), &eventsv1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: other.ns, Name: "probe"}})
		},
	} {
		if err := call(); !apierrors.IsForbidden(err) {
			t.Errorf("the namespaced operator identity may %s (error %v), want Forbidden", what, err)
			continue
		}
		denied++
	}
	if err := userClient.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: secretName}, &corev1.Secret{}); err != nil {
		t.Fatalf("the namespaced operator identity cannot read its own Secret: %v", err)
	}

	mine := scriptJobs(newRand(6), 4, 3*time.Second, 8*time.Second, 0.25)
	theirs := scriptJobs(newRand(7), 2, 3*time.Second, 5*time.Second, 0)
	f.addToSimulator(mine)
	other.addToSimulator(theirs)
	f.createCloudJobs(mine)
	other.createCloudJobs(theirs)

	op := startOperator(t, "namespaced", "--kubeconfig="+kubeconfigPath, "--watch-namespace="+f.ns,
		"--leader-elect", "--leader-election-namespace="+f.ns,
		"--leader-elect-lease-duration=6s", "--leader-elect-renew-deadline=4s", "--leader-elect-retry-period=1s")
	took := f.waitFinished(names(mine), 90*time.Second, func() error {
		if op.ExitedUnexpectedly() {
			return fmt.Errorf("the operator exited\n%s", op.LogTail(40))
		}
		return nil
	})
	check := f.checkOutcomes(mine)
	check.report(t)
	if !op.LogContains(harness.LeaseAcquired) {
		t.Errorf("the operator did not log acquiring its Lease in %s", f.ns)
	}
	// Give the other namespace's jobs, which ended long ago, a few more seconds
	// in which the operator could wrongly pick them up.
	time.Sleep(3 * time.Second)
	untouched := 0
	for _, j := range theirs {
		cj := other.get(j.name)
		calls := served(sim, j.spec.JobID)
		if cj.Status.ObservedGeneration != -1 || len(cj.Status.Conditions) > 0 || calls > 0 {
			t.Errorf("%s/%s was touched: observedGeneration %d, conditions %s, %d cloud calls", other.ns, j.name,
				cj.Status.ObservedGeneration, testenv.ConditionsText(cj), calls)
			continue
		}
		untouched++
	}
	if n := len(other.terminalEvents()); n > 0 {
		t.Errorf("%d events about CloudJobs in %s", n, other.ns)
	}
	forbidden := op.CountLogLines("forbidden")
	if forbidden > 0 {
		t.Errorf("the operator logged %d forbidden requests: the namespaced permissions are not enough\n%s", forbidden, op.LogTail(30))
	}
	summary(t, start, "namespace jobs=%d correct=%d in %s; other-namespace jobs=%d untouched=%d; denied-outside=%d/4; forbidden-log-lines=%d",
		len(mine), check.succeeded+check.failed, took.Round(time.Second), len(theirs), untouched, denied, forbidden)
}
