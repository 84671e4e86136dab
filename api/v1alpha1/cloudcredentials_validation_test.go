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

package v1alpha1_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

func TestCredentialsSamplesAreAccepted(t *testing.T) {
	ns := namespace(t) // names the cluster-scoped samples apart
	for _, pattern := range []string{"jobs_v1alpha1_cloudcredentials_*.yaml", "jobs_v1alpha1_clustercloudcredentials*.yaml"} {
		files, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "config", "samples", pattern))
		if err != nil || len(files) == 0 {
			t.Fatalf("no samples %s: %v", pattern, err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var obj client.Object = &jobsv1alpha1.CloudCredentials{}
			if strings.Contains(pattern, "cluster") {
				obj = &jobsv1alpha1.ClusterCloudCredentials{}
			}
			if err := yaml.UnmarshalStrict(data, obj); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if strings.Contains(pattern, "cluster") {
				obj.SetName(ns + "-" + obj.GetName())
			} else {
				// Two samples are a namespace's default: each goes in its own.
				obj.SetNamespace(namespace(t))
			}
			if err := env.Client.Create(ctx(t), obj); err != nil {
				t.Errorf("%s was rejected: %v", filepath.Base(f), err)
			}
			if strings.Contains(pattern, "cluster") {
				_ = env.Client.Delete(ctx(t), obj)
			}
		}
	}
}

// TestInvalidCredentialsAreRejected: the API server refuses credentials that
// name no base or two, and agencies without what they need, with messages
// naming the fields.
func TestInvalidCredentialsAreRejected(t *testing.T) {
	ns := namespace(t)
	secret := &jobsv1alpha1.SecretReference{Name: "keys"}
	fed := &jobsv1alpha1.Federation{IdentityProviderID: "idp"}
	cases := []struct {
		name string
		spec jobsv1alpha1.CredentialsSource
		want string
	}{
		{"no base", jobsv1alpha1.CredentialsSource{}, "set exactly one of secretRef, federation and nodeMetadata"},
		{"two bases", jobsv1alpha1.CredentialsSource{SecretRef: secret, Federation: fed}, "set exactly one of secretRef, federation and nodeMetadata"},
		{"agency without an account", jobsv1alpha1.CredentialsSource{SecretRef: secret,
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "ops"}}, "set exactly one of assumeAgency.domainID and assumeAgency.domainName"},
		{"external id chosen by the tenant", jobsv1alpha1.CredentialsSource{Federation: fed, Region: "cn-north-4",
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "ops", DomainID: "d",
				ExternalIDSecretRef: &jobsv1alpha1.SecretKeyReference{Name: "x", Key: "id"}}}, "externalIDSecretRef is not accepted in a CloudCredentials"},
		{"short keys", jobsv1alpha1.CredentialsSource{Federation: &jobsv1alpha1.Federation{IdentityProviderID: "idp", DurationSeconds: ptr[int32](60)}}, "spec.federation.durationSeconds"},
		{"identity provider with a slash", jobsv1alpha1.CredentialsSource{Federation: &jobsv1alpha1.Federation{IdentityProviderID: "a/b"}}, "spec.federation.identityProviderID"},
		{"iam endpoint not a URL", jobsv1alpha1.CredentialsSource{Federation: fed, IAMEndpoint: "iam.example"}, "iamEndpoint must be an absolute URL"},
		{"the operator's identity itself", jobsv1alpha1.CredentialsSource{Federation: fed}, "may only assume an agency of another account"},
		{"the node's identity itself", jobsv1alpha1.CredentialsSource{NodeMetadata: &jobsv1alpha1.NodeMetadata{}}, "may only assume an agency of another account"},
		{"the operator's identity for an agency by account name", jobsv1alpha1.CredentialsSource{Federation: fed, Region: "cn-north-4",
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "ops", DomainName: "d"}}, "may only assume an agency of another account"},
		{"the operator's identity for an agency without STS", jobsv1alpha1.CredentialsSource{Federation: fed,
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "ops", DomainID: "d"}}, "set spec.region or spec.stsEndpoint"},
		{"the ID token to a path", jobsv1alpha1.CredentialsSource{Federation: fed, Region: "cn-north-4", IAMEndpoint: "https://iam.myhuaweicloud.com/collect",
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "ops", DomainID: "d"}}, "spec.iamEndpoint may only be a canonical IAM host"},
		{"the ID token to another host", jobsv1alpha1.CredentialsSource{Federation: fed, Region: "cn-north-4", IAMEndpoint: "https://collector.myhuaweicloud.com",
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "ops", DomainID: "d"}}, "spec.iamEndpoint may only be a canonical IAM host"},
		{"the ID token over plain http", jobsv1alpha1.CredentialsSource{Federation: fed, Region: "cn-north-4", IAMEndpoint: "http://iam.myhuaweicloud.com",
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "ops", DomainID: "d"}}, "spec.iamEndpoint may only be a canonical IAM host"},
		{"the ID token to a port", jobsv1alpha1.CredentialsSource{Federation: fed, Region: "cn-north-4", IAMEndpoint: "https://iam.myhuaweicloud.com:8443",
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "ops", DomainID: "d"}}, "spec.iamEndpoint may only be a canonical IAM host"},
	}
	cluster := []struct {
		name string
		spec jobsv1alpha1.CredentialsSource
		want string
	}{
		{"external id by account name", jobsv1alpha1.CredentialsSource{SecretRef: secret, Region: "cn-north-4",
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "ops", DomainName: "tenant",
				ExternalIDSecretRef: &jobsv1alpha1.SecretKeyReference{Name: "x", Key: "id"}}}, "assumeAgency.externalIDSecretRef needs assumeAgency.domainID"},
		{"external id without a region", jobsv1alpha1.CredentialsSource{SecretRef: secret,
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "ops", DomainID: "d",
				ExternalIDSecretRef: &jobsv1alpha1.SecretKeyReference{Name: "x", Key: "id"}}}, "set region or stsEndpoint"},
	}
	for i, tc := range cluster {
		ccc := &jobsv1alpha1.ClusterCloudCredentials{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-bad-%d", ns, i)},
			Spec: jobsv1alpha1.ClusterCloudCredentialsSpec{CredentialsSource: tc.spec, Namespaces: []string{ns}}}
		err := env.Client.Create(ctx(t), ccc)
		if err == nil {
			_ = env.Client.Delete(ctx(t), ccc)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ClusterCloudCredentials %s: %v; want a rejection saying %q", tc.name, err, tc.want)
		}
	}
	good := &jobsv1alpha1.CloudCredentials{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "federated-agency"},
		Spec: jobsv1alpha1.CredentialsSource{Federation: fed, Region: "cn-north-4", IAMEndpoint: "https://iam.cn-north-4.myhuaweicloud.com",
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "ops", DomainID: "d"}}}
	if err := env.Client.Create(ctx(t), good); err != nil {
		t.Errorf("federation to another account's agency through STS, with a canonical IAM host, was rejected: %v", err)
	}
	for i, tc := range cases {
		cc := &jobsv1alpha1.CloudCredentials{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("bad-%d", i)}, Spec: tc.spec}
		err := env.Client.Create(ctx(t), cc)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want a rejection saying %q", tc.name, err, tc.want)
		}
	}
	own := &jobsv1alpha1.ClusterCloudCredentials{ObjectMeta: metav1.ObjectMeta{Name: ns + "-own"},
		Spec: jobsv1alpha1.ClusterCloudCredentialsSpec{CredentialsSource: jobsv1alpha1.CredentialsSource{Federation: fed}, Namespaces: []string{ns}}}
	if err := env.Client.Create(ctx(t), own); err != nil {
		t.Errorf("a cluster default on the operator's own identity was rejected: %v", err)
	}
	_ = env.Client.Delete(ctx(t), own)
	ccc := &jobsv1alpha1.ClusterCloudCredentials{ObjectMeta: metav1.ObjectMeta{Name: ns + "-nobody"},
		Spec: jobsv1alpha1.ClusterCloudCredentialsSpec{CredentialsSource: jobsv1alpha1.CredentialsSource{SecretRef: secret}}}
	if err := env.Client.Create(ctx(t), ccc); err == nil || !strings.Contains(err.Error(), "spec.namespaces") {
		t.Errorf("a cluster default for no namespace: %v; want a rejection naming spec.namespaces", err)
	}
	job := validJob(ns, "two-credentials")
	job.Spec.CredentialsRef = &jobsv1alpha1.LocalObjectReference{Name: "default"}
	if err := env.Client.Create(ctx(t), job); err == nil || !strings.Contains(err.Error(), "set at most one of spec.credentialsSecretRef and spec.credentialsRef") {
		t.Errorf("a CloudJob with both references: %v", err)
	}
	job = validJob(ns, "no-credentials")
	job.Spec.CredentialsSecretRef = jobsv1alpha1.SecretReference{}
	if err := env.Client.Create(ctx(t), job); err != nil {
		t.Errorf("a CloudJob without a credentials reference (it uses its namespace's default) was rejected: %v", err)
	}
}
