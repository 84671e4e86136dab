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

package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
)

const (
	// federatedCredentials is the ClusterCloudCredentials of the federated
	// job: the operator's own identity, which only a cluster default grants.
	federatedCredentials = "demo-federated"
	// demoIdentityProvider is the simulated IAM's identity provider that
	// trusts the demo's service-account issuer.
	demoIdentityProvider = "demo-cluster-oidc"
	demoServiceAccount   = "system:serviceaccount:cloudjob-system:cloudjob-operator"
	demoAudience         = "cloudjob-operator"
)

// federation is the demo's stand-in for a cluster's service-account issuer:
// it mints the operator's projected token, which the simulated IAM trusts.
type federation struct {
	issuer    *cloudsim.Issuer
	tokenFile string
}

// newFederation mints the operator's token into dir.
func newFederation(dir string) (*federation, error) {
	issuer, err := cloudsim.NewIssuer("https://oidc.cloudjob-demo.local")
	if err != nil {
		return nil, err
	}
	token, err := issuer.Token(demoServiceAccount, demoAudience, 24*time.Hour)
	if err != nil {
		return nil, err
	}
	f := &federation{issuer: issuer, tokenFile: filepath.Join(dir, "serviceaccount-token")}
	if err := os.WriteFile(f.tokenFile, []byte(token), 0o600); err != nil {
		return nil, fmt.Errorf("writing the operator's service-account token: %w", err)
	}
	return f, nil
}

// install registers the identity provider in the simulator and creates the
// cluster default that uses it for the demo's namespace.
func (f *federation) install(ctx context.Context, c client.Client, sim *cloudsim.Instance) error {
	sim.AddIdentityProvider(cloudsim.IdentityProvider{ID: demoIdentityProvider, Issuer: f.issuer.URL, Audience: demoAudience,
		JWKS: f.issuer.JWKS(), Subjects: []string{demoServiceAccount}})
	ccc := &jobsv1alpha1.ClusterCloudCredentials{
		ObjectMeta: metav1.ObjectMeta{Name: federatedCredentials},
		Spec: jobsv1alpha1.ClusterCloudCredentialsSpec{
			CredentialsSource: jobsv1alpha1.CredentialsSource{IAMEndpoint: sim.APIURL,
				Federation: &jobsv1alpha1.Federation{IdentityProviderID: demoIdentityProvider}},
			Namespaces: []string{namespace},
		},
	}
	if err := c.Create(ctx, ccc); err != nil {
		return fmt.Errorf("creating ClusterCloudCredentials %s: %w", federatedCredentials, err)
	}
	return nil
}
