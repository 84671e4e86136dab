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
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// rbac is the installer's roles and bindings, decoded.
type rbac struct {
	roles    map[string][]rbacv1.PolicyRule // "Kind name" -> rules
	bindings []binding
	accounts map[string]bool // "namespace/name" of ServiceAccounts
}

type binding struct {
	id       string
	roleRef  rbacv1.RoleRef
	subjects []rbacv1.Subject
}

func decodeRBAC(t *testing.T) rbac {
	t.Helper()
	r := rbac{roles: map[string][]rbacv1.PolicyRule{}, accounts: map[string]bool{}}
	for _, o := range rendered(t) {
		id := o.GetKind() + " " + o.GetName()
		var err error
		switch o.GetKind() {
		case "ClusterRole":
			var cr rbacv1.ClusterRole
			err = yaml.UnmarshalStrict(o.raw, &cr)
			r.roles[id] = cr.Rules
		case "Role":
			var role rbacv1.Role
			err = yaml.UnmarshalStrict(o.raw, &role)
			r.roles[id] = role.Rules
		case "ClusterRoleBinding":
			var b rbacv1.ClusterRoleBinding
			err = yaml.UnmarshalStrict(o.raw, &b)
			r.bindings = append(r.bindings, binding{id, b.RoleRef, b.Subjects})
		case "RoleBinding":
			var b rbacv1.RoleBinding
			err = yaml.UnmarshalStrict(o.raw, &b)
			r.bindings = append(r.bindings, binding{id, b.RoleRef, b.Subjects})
		case "ServiceAccount":
			r.accounts[o.GetNamespace()+"/"+o.GetName()] = true
		}
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	return r
}

// TestRBACHasNoWildcards: every role names its API groups, resources and verbs;
// a wildcard would grant whatever a future API adds.
func TestRBACHasNoWildcards(t *testing.T) {
	r := decodeRBAC(t)
	if len(r.roles[("ClusterRole "+prefix+"manager-role")]) == 0 {
		t.Fatalf("the operator's ClusterRole %smanager-role is missing or grants nothing", prefix)
	}
	for id, rules := range r.roles {
		for _, rule := range rules {
			for field, values := range map[string][]string{
				"verbs": rule.Verbs, "resources": rule.Resources, "apiGroups": rule.APIGroups,
				"resourceNames": rule.ResourceNames, "nonResourceURLs": rule.NonResourceURLs,
			} {
				if slices.Contains(values, rbacv1.ResourceAll) {
					t.Errorf("%s: a wildcard in %s: %+v", id, field, rule)
				}
			}
			if len(rule.Verbs) == 0 {
				t.Errorf("%s: a rule without verbs: %+v", id, rule)
			}
		}
	}
}

// TestBindingsPointAtRenderedObjects: namePrefix and namespace rename roles and
// the ServiceAccount; every binding must follow, and the Deployment must run as
// that ServiceAccount, or the operator runs without its permissions.
func TestBindingsPointAtRenderedObjects(t *testing.T) {
	r := decodeRBAC(t)
	for _, b := range r.bindings {
		if _, ok := r.roles[b.roleRef.Kind+" "+b.roleRef.Name]; !ok {
			t.Errorf("%s refers to %s %s, which the installer does not create", b.id, b.roleRef.Kind, b.roleRef.Name)
		}
		for _, s := range b.subjects {
			if s.Kind == rbacv1.ServiceAccountKind && !r.accounts[s.Namespace+"/"+s.Name] {
				t.Errorf("%s binds ServiceAccount %s/%s, which the installer does not create", b.id, s.Namespace, s.Name)
			}
		}
	}
	sa := deployment(t).Spec.Template.Spec.ServiceAccountName
	if !r.accounts[namespace+"/"+sa] {
		t.Errorf("the Deployment runs as ServiceAccount %q, which the installer does not create in %s", sa, namespace)
	}
}
