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

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// TestCredentialsStayInTheirNamespace runs the operator binary with
// federation and a cluster default over five namespaces: two tenants, each
// with its own agency reached from the operator's federated identity (with
// the external id the operator assigns the tenant's namespace), a namespace
// the cluster default lists, one it does not, and the operator's own. Tenant
// b also names the platform's own agency (in the operator's account, no
// external id required) and tenant a's agency. Every CloudJob must be polled
// only with its own namespace's identity: the simulator records whose keys
// polled each job. It runs before the secrets test, which then also scans for
// the ID token, the IAM tokens and every temporary key the cloud issued here.
func TestCredentialsStayInTheirNamespace(t *testing.T) {
	start := time.Now()
	sim := startSimulator(t, 20260112)
	const idp, platform = "cluster-oidc", "platform-domain"
	tokenFile := federate(t, sim, idp)
	sim.SetIdentityProviderDomain(idp, platform)
	sim.AddAgency(cloudsim.Agency{DomainID: platform, Name: "operator", Trusted: []string{"idp:" + idp}})

	operatorNS := newFixture(t, "creds-operator", sim)
	shard := operatorNS.ns
	tenants := map[string]*fixture{"a": newFixture(t, "creds-tenant-a", sim), "b": newFixture(t, "creds-tenant-b", sim)}
	listed, unlisted := newFixture(t, "creds-listed", sim), newFixture(t, "creds-unlisted", sim)
	clusterDefault := &jobsv1alpha1.ClusterCloudCredentials{ObjectMeta: metav1.ObjectMeta{Name: "platform-" + shard},
		Spec: jobsv1alpha1.ClusterCloudCredentialsSpec{
			CredentialsSource: jobsv1alpha1.CredentialsSource{SecretRef: &jobsv1alpha1.SecretReference{Name: secretName}},
			Namespaces:        []string{listed.ns}}}
	create(t, clusterDefault)
	t.Cleanup(func() { _ = suite.client.Delete(context.Background(), clusterDefault) })

	op := startOperator(t, "credentials", "--shard-selector="+shardLabel+"="+shard, "--iam-endpoint="+sim.APIURL,
		"--federation-token-file="+tokenFile, "--cluster-credentials="+clusterDefault.Name, "--operator-namespace="+operatorNS.ns)

	tenantAgency := func(domain, name string) jobsv1alpha1.CredentialsSource {
		return jobsv1alpha1.CredentialsSource{STSEndpoint: sim.APIURL, Federation: &jobsv1alpha1.Federation{IdentityProviderID: idp},
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: name, DomainID: domain}}
	}
	// Each tenant's agency requires the external id the operator publishes
	// in its CloudCredentials' status.
	externalIDs := map[string]string{}
	for name, f := range tenants {
		create(t, &jobsv1alpha1.CloudCredentials{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: jobsv1alpha1.DefaultCredentialsName},
			Spec: tenantAgency("domain"+name, "cloudjob")})
	}
	for name, f := range tenants {
		var cc jobsv1alpha1.CloudCredentials
		if _, ok := harness.WaitUntil(context.Background(), 30*time.Second, 100*time.Millisecond, func() bool {
			err := suite.client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: jobsv1alpha1.DefaultCredentialsName}, &cc)
			return err == nil && cc.Status.ExternalID != ""
		}); !ok {
			t.Fatalf("the operator published no external id for %s/default", f.ns)
		}
		externalIDs[name] = cc.Status.ExternalID
		sim.AddAgency(cloudsim.Agency{DomainID: "domain" + name, Name: "cloudjob", ExternalID: cc.Status.ExternalID, Trusted: []string{"idp:" + idp}})
	}
	if externalIDs["a"] == externalIDs["b"] {
		t.Fatalf("both tenants were given external id %q", externalIDs["a"])
	}
	// Tenant b tries tenant a's agency (its trust requires a's external id),
	// the platform's own agency (which requires none), and a's
	// CloudCredentials by name ...
	create(t, &jobsv1alpha1.CloudCredentials{ObjectMeta: metav1.ObjectMeta{Namespace: tenants["b"].ns, Name: "borrowed"},
		Spec: tenantAgency("domaina", "cloudjob")})
	create(t, &jobsv1alpha1.CloudCredentials{ObjectMeta: metav1.ObjectMeta{Namespace: tenants["b"].ns, Name: "platform"},
		Spec: tenantAgency(platform, "operator")})
	// ... and a Secret that only tenant a has.
	tenants["a"].secret("a-only-keys", map[string]string{"accessKey": accessKey, "secretKey": secretKey, "securityToken": securityToken})
	create(t, &jobsv1alpha1.CloudCredentials{ObjectMeta: metav1.ObjectMeta{Namespace: tenants["b"].ns, Name: "a-secret"},
		Spec: jobsv1alpha1.CredentialsSource{SecretRef: &jobsv1alpha1.SecretReference{Name: "a-only-keys"}}})

	type want struct {
		f          *fixture
		ref        string
		principal  string // "" when the job must not be polled
		stalledWhy string
	}
	jobs := map[string]want{
		"tenant-a":           {f: tenants["a"], principal: "agency:domaina/cloudjob"},
		"tenant-b":           {f: tenants["b"], principal: "agency:domainb/cloudjob"},
		"b-borrows-a-agency": {f: tenants["b"], ref: "borrowed", stalledWhy: "external id does not match"},
		"b-names-platform":   {f: tenants["b"], ref: "platform", stalledWhy: "is in the operator's own account " + platform},
		"b-names-a-default":  {f: tenants["b"], ref: "a-default", stalledWhy: "named by spec.credentialsRef does not exist"},
		"b-names-a-secret":   {f: tenants["b"], ref: "a-secret", stalledWhy: "Secret " + tenants["b"].ns + "/a-only-keys named by CloudCredentials"},
		"listed":             {f: listed, principal: "key:" + accessKey},
		"unlisted":           {f: unlisted, stalledWhy: "does not list namespace " + unlisted.ns},
	}
	ids := map[string]string{}
	for name, w := range jobs {
		infos, err := sim.AddJobs(cloudsim.JobSpec{Service: cloudsim.ServiceECS, ProjectID: w.f.project, JobID: fmt.Sprintf("%032x", len(ids)+1)[:32], Running: cloudsim.Duration(3 * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = infos[0].Spec.JobID
		cj := &jobsv1alpha1.CloudJob{
			ObjectMeta: metav1.ObjectMeta{Namespace: w.f.ns, Name: name, Labels: map[string]string{shardLabel: shard}},
			Spec:       jobsv1alpha1.CloudJobSpec{ProjectID: w.f.project, JobID: ids[name], Service: jobsv1alpha1.ServiceECS, Endpoint: sim.APIURL},
		}
		if w.ref != "" {
			cj.Spec.CredentialsRef = &jobsv1alpha1.LocalObjectReference{Name: w.ref}
		}
		create(t, cj)
	}
	for name, w := range jobs {
		_, ok := harness.WaitUntil(context.Background(), 45*time.Second, 250*time.Millisecond, func() bool {
			j := w.f.get(name)
			if w.principal != "" {
				return condition(j, jobsv1alpha1.ConditionSucceeded).Status == metav1.ConditionTrue
			}
			c := condition(j, jobsv1alpha1.ConditionStalled)
			return c.Status == metav1.ConditionTrue && strings.Contains(c.Message, w.stalledWhy)
		})
		if !ok {
			t.Errorf("%s/%s: %s", w.f.ns, name, testenv.ConditionsText(w.f.get(name)))
		}
	}
	polledBy := map[string][]string{}
	for _, js := range sim.Stats().Jobs {
		for name, id := range ids {
			if js.JobID == id {
				polledBy[name] = js.Principals
			}
		}
	}
	for name, w := range jobs {
		wantPrincipals := []string(nil)
		if w.principal != "" {
			wantPrincipals = []string{w.principal}
		}
		if !slices.Equal(polledBy[name], wantPrincipals) {
			t.Errorf("%s was polled with the keys of %v, want %v", name, polledBy[name], wantPrincipals)
		}
	}
	sessions := sim.SessionNames()
	for _, f := range tenants {
		if !slices.Contains(sessions, "cloudjob."+f.ns+".default") {
			t.Errorf("no agency session named after %s/default: %v", f.ns, sessions)
		}
	}
	if _, err := op.scrapeMetrics(); err != nil {
		t.Fatal(err)
	}
	// The secrets test scans for everything the cloud issued here.
	issued := sim.IssuedSecrets()
	for _, v := range issued {
		registerSecretValue(v)
	}
	stalled := 0
	for _, w := range jobs {
		if w.principal == "" {
			stalled++
		}
	}
	if slices.Contains(sessions, "cloudjob."+tenants["b"].ns+".platform") {
		t.Errorf("the platform's agency was assumed for tenant b: %v", sessions)
	}
	summary(t, start, "namespaces=5 jobs=%d polled-only-by-their-own-identity=%v refused=%d issued-secrets=%d sessions=%d",
		len(jobs), !t.Failed(), stalled, len(issued), len(sessions))
}

// federate writes the operator's service-account token (registered for the
// secrets scan) and makes identity provider idp of sim trust its issuer and
// subject; it returns the token file for --federation-token-file.
func federate(t *testing.T, sim *cloudsim.Instance, idp string) string {
	t.Helper()
	const subject, audience = "system:serviceaccount:cloudjob-system:cloudjob-operator", "cloudjob-operator"
	issuer, err := cloudsim.NewIssuer("https://oidc.reliability.test")
	if err != nil {
		t.Fatal(err)
	}
	idToken, err := issuer.Federate(sim.Server, idp, subject, audience, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	registerSecretValue(idToken)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(idToken), 0o600); err != nil {
		t.Fatal(err)
	}
	return tokenFile
}

// create creates an object in the suite's cluster.
func create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := suite.client.Create(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
}

// TestTemporaryKeysAreRenewedInTime runs the operator binary on federated keys
// (the cluster default)
// that the simulated IAM grants for six seconds only, through a job that
// lasts five of their lifetimes: the operator renews them with a third of
// their life left, and no poll is refused.
func TestTemporaryKeysAreRenewedInTime(t *testing.T) {
	start := time.Now()
	sim, err := cloudsim.Start(cloudsim.Config{
		Credentials:       []cloudsim.Credential{{AccessKey: accessKey, SecretKey: secretKey, SecurityToken: securityToken}},
		RequestsPerMinute: 10_000_000, TimeScale: 1, Seed: 20260113,
		MaxKeyLifetime: 6 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	tokenFile := federate(t, sim, "cluster-oidc")
	f := newFixture(t, "renewal", sim)
	// The operator's own identity, granted to the namespace by the cluster
	// default.
	federated := &jobsv1alpha1.ClusterCloudCredentials{ObjectMeta: metav1.ObjectMeta{Name: "federated-" + f.ns},
		Spec: jobsv1alpha1.ClusterCloudCredentialsSpec{
			CredentialsSource: jobsv1alpha1.CredentialsSource{IAMEndpoint: sim.APIURL, Federation: &jobsv1alpha1.Federation{IdentityProviderID: "cluster-oidc"}},
			Namespaces:        []string{f.ns}}}
	create(t, federated)
	t.Cleanup(func() { _ = suite.client.Delete(context.Background(), federated) })
	op := startOperator(t, "renewal", f.shardFlag(), "--federation-token-file="+tokenFile,
		"--cluster-credentials="+federated.Name, "--operator-namespace="+f.ns)
	infos, err := sim.AddJobs(cloudsim.JobSpec{Service: cloudsim.ServiceECS, ProjectID: f.project, Running: cloudsim.Duration(30 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	create(t, &jobsv1alpha1.CloudJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "renewed", Labels: map[string]string{shardLabel: f.ns}},
		Spec:       jobsv1alpha1.CloudJobSpec{ProjectID: f.project, JobID: infos[0].Spec.JobID, Service: jobsv1alpha1.ServiceECS, Endpoint: sim.APIURL},
	})
	if _, ok := harness.WaitUntil(context.Background(), 60*time.Second, 250*time.Millisecond, func() bool {
		return condition(f.get("renewed"), jobsv1alpha1.ConditionSucceeded).Status == metav1.ConditionTrue
	}); !ok {
		t.Fatalf("not succeeded: %s", testenv.ConditionsText(f.get("renewed")))
	}
	m, err := op.scrapeMetrics()
	if err != nil {
		t.Fatal(err)
	}
	renewals := m.Sum("cloudjob_identity_requests_total", map[string]string{"call": "iam-keys-from-token", "result": "ok"})
	st := sim.Stats()
	if renewals < 5 {
		t.Errorf("%v keys obtained over five lifetimes; want a renewal in each", renewals)
	}
	if n := st.ByStatus[401]; n != 0 {
		t.Errorf("%d requests refused (401): keys were used past their expiry", n)
	}
	for _, js := range st.Jobs {
		for _, p := range js.Principals {
			if p != "idp:cluster-oidc" {
				t.Errorf("job polled with the keys of %s", p)
			}
		}
	}
	for _, v := range sim.IssuedSecrets() {
		registerSecretValue(v)
	}
	summary(t, start, "key-lifetime=6s job=30s keys-obtained=%v refused-polls=%d requests=%d", renewals, st.ByStatus[401], st.Requests)
}

// TestRevokedIdentityStallsTheBinary: the operator binary's CloudJobs stall
// with IdentityUnavailable, saying the identity is revoked, while their
// agency is revoked, and finish once it is restored.
func TestRevokedIdentityStallsTheBinary(t *testing.T) {
	start := time.Now()
	sim := startSimulator(t, 20260114)
	f := newFixture(t, "revoke", sim)
	sim.AddAgency(cloudsim.Agency{DomainID: "tenant", Name: "ops", Trusted: []string{"key:" + accessKey}})
	create(t, &jobsv1alpha1.CloudCredentials{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: jobsv1alpha1.DefaultCredentialsName},
		Spec: jobsv1alpha1.CredentialsSource{IAMEndpoint: sim.APIURL, SecretRef: &jobsv1alpha1.SecretReference{Name: secretName},
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "ops", DomainID: "tenant"}}})
	startOperator(t, "revoke", f.shardFlag())
	infos, err := sim.AddJobs(cloudsim.JobSpec{Service: cloudsim.ServiceECS, ProjectID: f.project, Running: cloudsim.Duration(12 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	create(t, &jobsv1alpha1.CloudJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "revoked", Labels: map[string]string{shardLabel: f.ns}},
		Spec:       jobsv1alpha1.CloudJobSpec{ProjectID: f.project, JobID: infos[0].Spec.JobID, Service: jobsv1alpha1.ServiceECS, Endpoint: sim.APIURL},
	})
	wait := func(what string, done func(*jobsv1alpha1.CloudJob) bool) {
		t.Helper()
		if _, ok := harness.WaitUntil(context.Background(), 45*time.Second, 200*time.Millisecond, func() bool { return done(f.get("revoked")) }); !ok {
			t.Fatalf("not %s: %s", what, testenv.ConditionsText(f.get("revoked")))
		}
	}
	wait("running", func(j *jobsv1alpha1.CloudJob) bool { return j.Status.State == "RUNNING" })
	sim.Revoke("agency:tenant/ops")
	revokedAt := time.Now()
	wait("stalled on the revoked identity", func(j *jobsv1alpha1.CloudJob) bool {
		c := condition(j, jobsv1alpha1.ConditionStalled)
		return c.Reason == jobsv1alpha1.ReasonIdentityUnavailable && strings.Contains(c.Message, "is revoked")
	})
	stalledAfter := time.Since(revokedAt)
	sim.Restore("agency:tenant/ops")
	restoredAt := time.Now()
	wait("succeeded once restored", func(j *jobsv1alpha1.CloudJob) bool {
		return condition(j, jobsv1alpha1.ConditionSucceeded).Status == metav1.ConditionTrue
	})
	summary(t, start, "stalled-after-revocation=%s recovered-after-restore=%s", stalledAfter.Round(100*time.Millisecond), time.Since(restoredAt).Round(100*time.Millisecond))
}
