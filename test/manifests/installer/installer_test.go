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
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// prefix is config/default's namePrefix.
const prefix = "cloudjob-operator-"

// typed gives, for every kind the installer may hold, an empty object to decode
// it into strictly, and whether the kind is namespaced. A new kind in config/
// must be added here, with the checks it deserves.
var typed = map[string]struct {
	new        func() any
	namespaced bool
}{
	"Namespace":                {func() any { return &corev1.Namespace{} }, false},
	"CustomResourceDefinition": {func() any { return &apiextensionsv1.CustomResourceDefinition{} }, false},
	"ServiceAccount":           {func() any { return &corev1.ServiceAccount{} }, true},
	"Service":                  {func() any { return &corev1.Service{} }, true},
	"Deployment":               {func() any { return &appsv1.Deployment{} }, true},
	"Role":                     {func() any { return &rbacv1.Role{} }, true},
	"RoleBinding":              {func() any { return &rbacv1.RoleBinding{} }, true},
	"ClusterRole":              {func() any { return &rbacv1.ClusterRole{} }, false},
	"ClusterRoleBinding":       {func() any { return &rbacv1.ClusterRoleBinding{} }, false},
}

// TestInstallerObjects checks that every document decodes into its API type with
// no unknown field, sits in the operator's namespace when namespaced, carries the
// name prefix, and that nothing the operator needs is missing.
func TestInstallerObjects(t *testing.T) {
	seen := map[string]bool{}
	for _, o := range rendered(t) {
		id := o.GetKind() + " " + o.GetNamespace() + "/" + o.GetName()
		if seen[id] {
			t.Errorf("%s appears twice", id)
		}
		seen[o.GetKind()+" "+o.GetName()] = true
		seen[id] = true
		kind, ok := typed[o.GetKind()]
		if !ok {
			t.Errorf("%s: a kind this test does not know; add it to typed", id)
			continue
		}
		if err := yaml.UnmarshalStrict(o.raw, kind.new()); err != nil {
			t.Errorf("%s: %v", id, err)
		}
		if kind.namespaced && o.GetNamespace() != namespace {
			t.Errorf("%s: namespace %q, want %q", id, o.GetNamespace(), namespace)
		}
		if !kind.namespaced && o.GetNamespace() != "" {
			t.Errorf("%s: a cluster-scoped object with namespace %q", id, o.GetNamespace())
		}
		switch o.GetKind() {
		case "Namespace", "CustomResourceDefinition":
		default:
			if !strings.HasPrefix(o.GetName(), prefix) {
				t.Errorf("%s: name without the prefix %q", id, prefix)
			}
		}
	}
	for _, want := range []string{
		"Namespace " + namespace,
		"CustomResourceDefinition cloudjobs.jobs.cloudjob.io",
		"ServiceAccount " + prefix + "controller-manager",
		"Deployment " + prefix + "controller-manager",
		"Service " + prefix + "controller-manager-metrics-service",
		"ClusterRole " + prefix + "manager-role",
		"ClusterRoleBinding " + prefix + "manager-rolebinding",
		"Role " + prefix + "leader-election-role",
		"RoleBinding " + prefix + "leader-election-rolebinding",
	} {
		if !seen[want] {
			t.Errorf("the installer has no %s", want)
		}
	}
}

// TestNamespaceEnforcesRestricted: the operator's namespace enforces the
// restricted Pod Security Standard, so a pod that breaks it is refused.
func TestNamespaceEnforcesRestricted(t *testing.T) {
	var ns corev1.Namespace
	only(t, "Namespace", namespace, &ns)
	if got := ns.Labels["pod-security.kubernetes.io/enforce"]; got != "restricted" {
		t.Errorf("label pod-security.kubernetes.io/enforce = %q, want restricted", got)
	}
}

// TestCRDIsTheGeneratedOne: the installer ships the CloudJob CRD with its status
// subresource, served and stored at v1alpha1.
func TestCRDIsTheGeneratedOne(t *testing.T) {
	var crd apiextensionsv1.CustomResourceDefinition
	only(t, "CustomResourceDefinition", "cloudjobs.jobs.cloudjob.io", &crd)
	if crd.Spec.Group != "jobs.cloudjob.io" || crd.Spec.Names.Kind != "CloudJob" || crd.Spec.Scope != apiextensionsv1.NamespaceScoped {
		t.Errorf("group %q kind %q scope %q", crd.Spec.Group, crd.Spec.Names.Kind, crd.Spec.Scope)
	}
	if len(crd.Spec.Versions) != 1 {
		t.Fatalf("%d versions, want v1alpha1 only", len(crd.Spec.Versions))
	}
	v := crd.Spec.Versions[0]
	if v.Name != "v1alpha1" || !v.Served || !v.Storage || v.Subresources == nil || v.Subresources.Status == nil {
		t.Errorf("version %s served=%v storage=%v subresources=%v", v.Name, v.Served, v.Storage, v.Subresources)
	}
}
