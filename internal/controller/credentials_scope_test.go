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
	"testing"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

// TestOperatorIdentityInANamespace: a namespace's CloudCredentials reaches
// the operator's own identity only to assume an agency with an external id
// (the CRD says the same; this guards objects stored before the rule).
func TestOperatorIdentityInANamespace(t *testing.T) {
	fed := &jobsv1alpha1.Federation{IdentityProviderID: "idp"}
	ext := &jobsv1alpha1.SecretKeyReference{Name: "x", Key: "id"}
	for _, tc := range []struct {
		name     string
		src      jobsv1alpha1.CredentialsSource
		unscoped bool
	}{
		{"static keys", jobsv1alpha1.CredentialsSource{SecretRef: &jobsv1alpha1.SecretReference{Name: "k"}}, false},
		{"federation itself", jobsv1alpha1.CredentialsSource{Federation: fed}, true},
		{"node itself", jobsv1alpha1.CredentialsSource{NodeMetadata: &jobsv1alpha1.NodeMetadata{}}, true},
		{"federation to an agency without an external id", jobsv1alpha1.CredentialsSource{Federation: fed,
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "a", DomainID: "d"}}, true},
		{"federation to an agency with an external id", jobsv1alpha1.CredentialsSource{Federation: fed,
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "a", DomainID: "d", ExternalIDSecretRef: ext}}, false},
		{"static keys to an agency without an external id", jobsv1alpha1.CredentialsSource{SecretRef: &jobsv1alpha1.SecretReference{Name: "k"},
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "a", DomainID: "d"}}, false},
	} {
		if got := operatorIdentityUnscoped(&tc.src); got != tc.unscoped {
			t.Errorf("%s: unscoped %v, want %v", tc.name, got, tc.unscoped)
		}
	}
}
