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

package controller

import (
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/types"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

// TestOperatorIdentityInANamespace: a namespace's CloudCredentials reaches
// the operator's own identity only to assume an agency named by its
// account's id (the CRD says the same; this guards objects stored before the
// rule). The external id is the operator's.
func TestOperatorIdentityInANamespace(t *testing.T) {
	fed := &jobsv1alpha1.Federation{IdentityProviderID: "idp"}
	for _, tc := range []struct {
		name     string
		src      jobsv1alpha1.CredentialsSource
		unscoped bool
	}{
		{"static keys", jobsv1alpha1.CredentialsSource{SecretRef: &jobsv1alpha1.SecretReference{Name: "k"}}, false},
		{"federation itself", jobsv1alpha1.CredentialsSource{Federation: fed}, true},
		{"node itself", jobsv1alpha1.CredentialsSource{NodeMetadata: &jobsv1alpha1.NodeMetadata{}}, true},
		{"federation to an agency by account name", jobsv1alpha1.CredentialsSource{Federation: fed,
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "a", DomainName: "d"}}, true},
		{"federation to an agency by account id", jobsv1alpha1.CredentialsSource{Federation: fed,
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "a", DomainID: "d"}}, false},
		{"static keys to an agency without an external id", jobsv1alpha1.CredentialsSource{SecretRef: &jobsv1alpha1.SecretReference{Name: "k"},
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "a", DomainID: "d"}}, false},
	} {
		if got := operatorIdentityUnscoped(&tc.src); got != tc.unscoped {
			t.Errorf("%s: unscoped %v, want %v", tc.name, got, tc.unscoped)
		}
	}
}

// TestSessionNamesFollowTheCloudsRules: IAM's assume_role session_user.name
// (5-64 letters, digits, '-', '_', starting with a letter) and STS's
// agency_session_name (2-128 of [A-Za-z0-9_+=,.@-]), for every shape of
// namespace and object name; long names stay distinct.
func TestSessionNamesFollowTheCloudsRules(t *testing.T) {
	iam := regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{4,63}$`)
	sts := regexp.MustCompile(`^[A-Za-z0-9_+=,.@-]{2,128}$`)
	long := strings.Repeat("a", 63)
	owners := []credentialsOwner{
		{key: types.NamespacedName{Namespace: "team-a", Name: "default"}},
		{key: types.NamespacedName{Namespace: "team-a", Name: "tenant.agency.v2"}},
		{key: types.NamespacedName{Name: "platform"}},
		{key: types.NamespacedName{Namespace: long, Name: strings.Repeat("b.", 120) + "c"}},
		{key: types.NamespacedName{Namespace: long, Name: strings.Repeat("b.", 120) + "d"}},
	}
	seen := map[string]bool{}
	for _, o := range owners {
		i, s := sessionName(o, false), sessionName(o, true)
		if !iam.MatchString(i) {
			t.Errorf("%s: IAM session name %q breaks IAM's rule", o.key, i)
		}
		if !sts.MatchString(s) {
			t.Errorf("%s: STS session name %q breaks STS's rule", o.key, s)
		}
		if seen[i] || seen[s] {
			t.Errorf("%s: session name %q or %q given twice", o.key, i, s)
		}
		seen[i], seen[s] = true, true
	}
	if got := sessionName(owners[1], false); got != "cloudjob_team-a_tenant-agency-v2" {
		t.Errorf("IAM session name %q, want cloudjob_team-a_tenant-agency-v2", got)
	}
	if got := sessionName(owners[1], true); got != "cloudjob.team-a.tenant.agency.v2" {
		t.Errorf("STS session name %q, want cloudjob.team-a.tenant.agency.v2", got)
	}
}

// TestCanonicalIAMEndpoint: where a namespace's federation may send the
// operator's ID token.
func TestCanonicalIAMEndpoint(t *testing.T) {
	domains := []string{"myhuaweicloud.com", "otc.t-systems.com"}
	for ep, ok := range map[string]bool{
		"https://iam.myhuaweicloud.com":                       true,
		"https://iam.myhuaweicloud.com/":                      true,
		"https://iam.cn-north-4.myhuaweicloud.com":            true,
		"https://iam.eu-de.otc.t-systems.com":                 true,
		"https://IAM.myhuaweicloud.com":                       true,
		"http://iam.myhuaweicloud.com":                        false,
		"https://iam.myhuaweicloud.com/v3.0/collect":          false,
		"https://iam.myhuaweicloud.com:8443":                  false,
		"https://user@iam.myhuaweicloud.com":                  false,
		"https://iam.myhuaweicloud.com?x=1":                   false,
		"https://collector.myhuaweicloud.com":                 false,
		"https://iam.evil.host.myhuaweicloud.com":             false,
		"https://iam.attacker.example":                        false,
		"https://iam.myhuaweicloud.com.attacker.example":      false,
		"https://iam.cn-north-4.myhuaweicloud.com.attacker.x": false,
	} {
		if why := canonicalIAMEndpoint(ep, domains); (why == "") != ok {
			t.Errorf("%s: %q, want allowed %v", ep, why, ok)
		}
	}
}

// TestExternalIDs: one id per namespace UID, the same under the same key, a
// new one for a namespace created again, another under another key; all in
// STS's alphabet.
func TestExternalIDs(t *testing.T) {
	key := []byte("namespace 1f0c7d2e-0000-4000-8000-000000000001")
	a, again := externalID(key, "uid-a"), externalID(key, "uid-a")
	recreated, b := externalID(key, "uid-a2"), externalID(key, "uid-b")
	other := externalID([]byte("another operator's key"), "uid-a")
	if a != again {
		t.Errorf("the same namespace got %q and %q", a, again)
	}
	for _, x := range []string{recreated, b, other} {
		if x == a {
			t.Errorf("id %q given twice", x)
		}
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_+=,.@:/-]{2,100}$`).MatchString(a) || !strings.HasPrefix(a, externalIDPrefix) {
		t.Errorf("id %q is not in STS's alphabet or lacks the prefix", a)
	}
}
