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

package controller_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/controller"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/metrics"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
)

// credentials creates a CloudCredentials in the fixture's namespace.
func (f *fixture) credentials(name string, spec jobsv1alpha1.CredentialsSource) {
	f.t.Helper()
	cc := &jobsv1alpha1.CloudCredentials{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name}, Spec: spec}
	if err := env.Client.Create(context.Background(), cc); err != nil {
		f.t.Fatal(err)
	}
}

// jobWithout creates a CloudJob for a new simulated ECS job with no
// credentialsSecretRef, and mutate's changes.
func (f *fixture) jobWithout(name string, mutate ...func(*jobsv1alpha1.CloudJob)) {
	f.t.Helper()
	job := f.simJob(cloudsim.JobSpec{Service: "ecs", Init: secs(0.2), Running: secs(0.5)})
	f.cloudJob(name, "ecs", job.Spec.JobID, append([]func(*jobsv1alpha1.CloudJob){func(j *jobsv1alpha1.CloudJob) {
		j.Spec.CredentialsSecretRef = jobsv1alpha1.SecretReference{}
	}}, mutate...)...)
}

func refTo(name string) func(*jobsv1alpha1.CloudJob) {
	return func(j *jobsv1alpha1.CloudJob) { j.Spec.CredentialsRef = &jobsv1alpha1.LocalObjectReference{Name: name} }
}

var staticKeys = jobsv1alpha1.CredentialsSource{SecretRef: &jobsv1alpha1.SecretReference{Name: "cloud-credentials"}}

// TestCredentialsOfTheNamespace: a CloudJob without a reference uses its
// namespace's CloudCredentials "default"; one with credentialsRef the one it
// names.
func TestCredentialsOfTheNamespace(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	f.credentials(jobsv1alpha1.DefaultCredentialsName, staticKeys)
	f.credentials("named", staticKeys)
	f.jobWithout("by-default")
	f.jobWithout("by-name", refTo("named"))
	for _, name := range []string{"by-default", "by-name"} {
		f.waitFor(name, 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	}
}

// TestCredentialsNeverCrossNamespaces: a CloudJob can use neither another
// namespace's CloudCredentials nor its default; it stalls saying what it
// looked for, and recovers once its own namespace has credentials.
func TestCredentialsNeverCrossNamespaces(t *testing.T) {
	a, b := newFixture(t), newFixture(t)
	b.shard = a.shard
	startManager(t, managerOptions{shard: a.shard})
	b.credentials(jobsv1alpha1.DefaultCredentialsName, staticKeys)
	b.credentials("shared", staticKeys)
	a.jobWithout("borrows-by-name", refTo("shared"))
	a.jobWithout("borrows-default")
	named := a.waitFor("borrows-by-name", 15*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonCredentialsNotFound))
	if msg := cond(named, jobsv1alpha1.ConditionStalled).Message; !strings.Contains(msg, "CloudCredentials "+a.ns+"/shared named by spec.credentialsRef does not exist") {
		t.Errorf("message %q does not name the CloudCredentials looked for in the CloudJob's namespace", msg)
	}
	def := a.waitFor("borrows-default", 15*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonCredentialsNotFound))
	if msg := cond(def, jobsv1alpha1.ConditionStalled).Message; !strings.Contains(msg, "namespace "+a.ns+` has no CloudCredentials named "default"`) ||
		!strings.Contains(msg, "no cluster default") {
		t.Errorf("message %q does not say what was looked for", msg)
	}
	if n := jobRequestsFor(t, a.ns); n != 0 {
		t.Errorf("%d cloud requests for namespace %s's jobs without credentials", n, a.ns)
	}
	a.credentials(jobsv1alpha1.DefaultCredentialsName, staticKeys)
	a.waitFor("borrows-default", 15*time.Second, "succeeded once its namespace has credentials", succeededIs(metav1.ConditionTrue))
}

// jobRequestsFor counts the simulator's requests for the jobs of a
// fixture's project (its namespace).
func jobRequestsFor(t *testing.T, ns string) int64 {
	t.Helper()
	project := strings.ReplaceAll(ns, "-", "")
	var n int64
	for _, j := range sim.Stats().Jobs {
		if j.ProjectID == project {
			n += j.Requests
		}
	}
	return n
}

// TestClusterDefaultOnlyForListedNamespaces: the cluster default serves the
// namespaces it lists, with Secrets from the operator's namespace, and no
// other.
func TestClusterDefaultOnlyForListedNamespaces(t *testing.T) {
	operator, listed, other := newFixture(t), newFixture(t), newFixture(t)
	listed.shard, other.shard = operator.shard, operator.shard
	cfg := clusterDefault(t, operator.ns, staticKeys, listed.ns)
	startManager(t, managerOptions{shard: operator.shard, cfg: cfg})
	// The listed and the other namespace have the Secret too: only the
	// operator's is the cluster default's.
	listed.jobWithout("listed")
	other.jobWithout("not-listed")
	listed.waitFor("listed", 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	refused := other.waitFor("not-listed", 15*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonCredentialsNotFound))
	if msg := cond(refused, jobsv1alpha1.ConditionStalled).Message; !strings.Contains(msg, "ClusterCloudCredentials "+cfg.ClusterCredentials+" does not list namespace "+other.ns) {
		t.Errorf("message %q does not say the cluster default is not for this namespace", msg)
	}
}

// clusterDefault creates a ClusterCloudCredentials for the namespaces, removed
// when the test ends, and returns the suite's configuration with it as the
// cluster default (its Secrets in operatorNS).
func clusterDefault(t *testing.T, operatorNS string, src jobsv1alpha1.CredentialsSource, namespaces ...string) controller.Config {
	t.Helper()
	ccc := &jobsv1alpha1.ClusterCloudCredentials{ObjectMeta: metav1.ObjectMeta{Name: "platform-" + operatorNS},
		Spec: jobsv1alpha1.ClusterCloudCredentialsSpec{CredentialsSource: src, Namespaces: namespaces}}
	if err := env.Client.Create(context.Background(), ccc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), ccc) })
	cfg := testConfig()
	cfg.ClusterCredentials, cfg.OperatorNamespace = ccc.Name, operatorNS
	return cfg
}

// federation sets up an issuer, its identity provider in the simulator and
// the operator's token file.
func federation(t *testing.T, s *cloudsim.Instance, idpID string) (tokenFile string) {
	t.Helper()
	issuer, err := cloudsim.NewIssuer("https://oidc.cluster.test")
	if err != nil {
		t.Fatal(err)
	}
	token, err := issuer.Federate(s.Server, idpID, "system:serviceaccount:cloudjob-system:cloudjob-operator", "cloudjob-operator", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tokenFile = filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	return tokenFile
}

// TestFederatedCredentials: CloudJobs of the namespaces the cluster default
// lists sign with temporary keys obtained for the operator's service-account
// token, checked by the simulator against the issuer's keys; no key is
// stored anywhere. A namespace can reach the operator's identity itself only
// to assume an agency of another account.
func TestFederatedCredentials(t *testing.T) {
	f := newFixture(t)
	idp := "idp-" + f.project
	tokenFile := federation(t, sim, idp)
	cfg := clusterDefault(t, f.ns, jobsv1alpha1.CredentialsSource{IAMEndpoint: sim.APIURL,
		Federation: &jobsv1alpha1.Federation{IdentityProviderID: idp}}, f.ns)
	cfg.FederationTokenFile, cfg.IAMEndpoint = tokenFile, sim.APIURL
	startManager(t, managerOptions{shard: f.shard, cfg: cfg})
	before := testutil.ToFloat64(metrics.IdentityRequests.WithLabelValues("iam-federated-token", "ok"))
	f.credentials("unknown-idp", jobsv1alpha1.CredentialsSource{STSEndpoint: sim.APIURL,
		Federation:   &jobsv1alpha1.Federation{IdentityProviderID: "idp-nobody-trusts"},
		AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "ops", DomainID: "tenant"}})
	f.jobWithout("federated-1")
	f.jobWithout("federated-2")
	f.jobWithout("refused", refTo("unknown-idp"))
	for _, name := range []string{"federated-1", "federated-2"} {
		f.waitFor(name, 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	}
	// Both jobs share the source's keys: one exchange.
	if n := testutil.ToFloat64(metrics.IdentityRequests.WithLabelValues("iam-federated-token", "ok")) - before; n != 1 {
		t.Errorf("%v token exchanges for one source, want 1", n)
	}
	refused := f.waitFor("refused", 15*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonIdentityUnavailable))
	if msg := cond(refused, jobsv1alpha1.ConditionStalled).Message; !strings.Contains(msg, "exchanging the service-account token at identity provider idp-nobody-trusts") ||
		!strings.Contains(msg, "does not exist") {
		t.Errorf("message %q does not say which step failed and why", msg)
	}
}

// externalIDOf waits for the operator to publish a CloudCredentials'
// external id.
func externalIDOf(t *testing.T, ns, name string) string {
	t.Helper()
	var cc jobsv1alpha1.CloudCredentials
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if err := env.Client.Get(context.Background(), keyIn(ns, name), &cc); err == nil && cc.Status.ExternalID != "" {
			return cc.Status.ExternalID
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("CloudCredentials %s/%s has no status.externalID after 15 s", ns, name)
	return ""
}

// TestNamespaceAssumesOnlyItsOwnAgency: with the operator's federated
// identity, a namespace names the platform's own agency (in the operator's
// account, requiring no external id), another tenant's agency, the cluster
// default's agency (requiring none either), an agency outside the
// administrator's patterns, and its own. Only its own works; each refusal
// says why, and none of the refused agencies is ever assumed. The external
// ids are the operator's, one per namespace, published in status.
func TestNamespaceAssumesOnlyItsOwnAgency(t *testing.T) {
	a, b := newFixture(t), newFixture(t)
	idp := "idp-tenants-" + b.project
	tokenFile := federation(t, sim, idp)
	platform, shared := "platform"+b.project, "shared"+b.project
	sim.SetIdentityProviderDomain(idp, platform)
	trusted := []string{"idp:" + idp}
	sim.AddAgency(cloudsim.Agency{DomainID: platform, Name: "ops", Trusted: trusted})
	sim.AddAgency(cloudsim.Agency{DomainID: shared, Name: "deploy", Trusted: trusted})
	cfg := clusterDefault(t, b.ns, jobsv1alpha1.CredentialsSource{Federation: &jobsv1alpha1.Federation{IdentityProviderID: idp},
		STSEndpoint: sim.APIURL, AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "deploy", DomainID: shared}}, "another-namespace")
	cfg.FederationTokenFile, cfg.IAMEndpoint = tokenFile, sim.APIURL
	cfg.NamespaceAgencies = []string{"tenant*/cloudjob", platform + "/*", shared + "/*"}
	startManager(t, managerOptions{shard: b.shard, cfg: cfg})
	agency := func(name, domain string) jobsv1alpha1.CredentialsSource {
		return jobsv1alpha1.CredentialsSource{Federation: &jobsv1alpha1.Federation{IdentityProviderID: idp}, STSEndpoint: sim.APIURL,
			AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: name, DomainID: domain}}
	}
	// Each tenant's agency requires the external id the operator shows it.
	a.credentials("default", agency("cloudjob", "tenant"+a.project))
	b.credentials("own", agency("cloudjob", "tenant"+b.project))
	idA, idB := externalIDOf(t, a.ns, "default"), externalIDOf(t, b.ns, "own")
	if idA == idB {
		t.Fatalf("two namespaces share the external id %q", idA)
	}
	sim.AddAgency(cloudsim.Agency{DomainID: "tenant" + a.project, Name: "cloudjob", ExternalID: idA, Trusted: trusted})
	sim.AddAgency(cloudsim.Agency{DomainID: "tenant" + b.project, Name: "cloudjob", ExternalID: idB, Trusted: trusted})
	b.credentials("platform", agency("ops", platform))
	b.credentials("other-tenant", agency("cloudjob", "tenant"+a.project))
	b.credentials("cluster-default", agency("deploy", shared))
	b.credentials("unlisted", agency("admin", "tenant"+b.project))
	refusals := map[string]string{
		"platform":        "is in the operator's own account " + platform,
		"other-tenant":    "external id does not match",
		"cluster-default": "is the one the cluster default ClusterCloudCredentials",
		"unlisted":        "is not among the agencies the operator lets namespaces assume (--namespace-agencies=",
	}
	for _, name := range []string{"own", "platform", "other-tenant", "cluster-default", "unlisted"} {
		b.jobWithout(name, refTo(name))
	}
	b.waitFor("own", 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	for name, why := range refusals {
		stalled := b.waitFor(name, 15*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonIdentityUnavailable))
		if msg := cond(stalled, jobsv1alpha1.ConditionStalled).Message; !strings.Contains(msg, why) {
			t.Errorf("%s: message %q does not say %q", name, msg, why)
		}
	}
	names := sim.SessionNames()
	if !slices.Contains(names, "cloudjob."+b.ns+".own") {
		t.Errorf("session names %v lack the namespace's own agency", names)
	}
	for _, refused := range []string{"platform", "cluster-default", "unlisted"} {
		if slices.Contains(names, "cloudjob."+b.ns+"."+refused) {
			t.Errorf("agency of CloudCredentials %s was assumed, though refused", refused)
		}
	}
	var cc jobsv1alpha1.CloudCredentials
	if err := env.Client.Get(context.Background(), keyIn(b.ns, "platform"), &cc); err != nil || cc.Status.ExternalID != idB {
		t.Errorf("CloudCredentials %s/platform shows external id %q, want the namespace's %q (%v)", b.ns, cc.Status.ExternalID, idB, err)
	}
}

// TestFederationSendsTheIDTokenOnlyToCanonicalIAM: a namespace's federation
// naming an IAM host that the API server admits but that is not canonical
// stalls without a single identity request: the operator's ID token never
// leaves for it.
func TestFederationSendsTheIDTokenOnlyToCanonicalIAM(t *testing.T) {
	f := newFixture(t)
	idp := "idp-iam-" + f.project
	cfg := testConfig()
	cfg.FederationTokenFile, cfg.IAMEndpoint = federation(t, sim, idp), sim.APIURL
	startManager(t, managerOptions{shard: f.shard, cfg: cfg})
	before := testutil.ToFloat64(metrics.IdentityRequests.WithLabelValues("iam-federated-token", "ok"))
	f.credentials("collector", jobsv1alpha1.CredentialsSource{Federation: &jobsv1alpha1.Federation{IdentityProviderID: idp},
		IAMEndpoint: "https://iam.collector.example." + huaweicloud.DefaultDomain, STSEndpoint: sim.APIURL,
		AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "cloudjob", DomainID: "tenant" + f.project}})
	f.jobWithout("collected", refTo("collector"))
	stalled := f.waitFor("collected", 15*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonIdentityUnavailable))
	if msg := cond(stalled, jobsv1alpha1.ConditionStalled).Message; !strings.Contains(msg, "is not a canonical IAM host") || !strings.Contains(msg, "--iam-endpoint") {
		t.Errorf("message %q does not say the IAM endpoint is refused and what to do", msg)
	}
	if n := testutil.ToFloat64(metrics.IdentityRequests.WithLabelValues("iam-federated-token", "ok")) - before; n != 0 {
		t.Errorf("%v token exchanges, want none", n)
	}
}

// TestAgencyCredentials: an agency assumed through IAM with the namespace's
// static keys, its session named by IAM's rules after the namespace and the
// CloudCredentials; and the cluster default's agency assumed through STS
// with an external id from a Secret: a wrong id stalls the CloudJob, and the
// fixed Secret is a new identity, tried at once rather than after the
// rejection's retry interval (5 minutes here).
func TestAgencyCredentials(t *testing.T) {
	f := newFixture(t)
	domain := "tenant" + f.project
	sim.AddAgency(cloudsim.Agency{DomainID: domain, DomainName: domain + "-name", Name: "cloudjob-ops", Trusted: []string{"key:" + accessKey}})
	sim.AddAgency(cloudsim.Agency{DomainID: domain, Name: "cloudjob-sts", ExternalID: "the-right-external-id", Trusted: []string{"key:" + accessKey}})
	f.secretData("external-id", map[string]string{"id": "a-wrong-external-id"})
	cfg := clusterDefault(t, f.ns, jobsv1alpha1.CredentialsSource{SecretRef: staticKeys.SecretRef, STSEndpoint: sim.APIURL,
		AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "cloudjob-sts", DomainID: domain, DurationSeconds: ptr.To[int32](900),
			ExternalIDSecretRef: &jobsv1alpha1.SecretKeyReference{Name: "external-id", Key: "id"}}}, f.ns)
	cfg.AuthRetryInterval = 5 * time.Minute
	startManager(t, managerOptions{shard: f.shard, cfg: cfg})
	f.credentials("iam-agency", jobsv1alpha1.CredentialsSource{SecretRef: staticKeys.SecretRef, IAMEndpoint: sim.APIURL,
		AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "cloudjob-ops", DomainName: domain + "-name"}})
	f.jobWithout("via-iam", refTo("iam-agency"))
	f.jobWithout("via-sts")
	f.waitFor("via-iam", 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	if want := "cloudjob_" + f.ns + "_iam-agency"; !slices.Contains(sim.SessionNames(), want) {
		t.Errorf("session names %v lack %q", sim.SessionNames(), want)
	}
	stalled := f.waitFor("via-sts", 15*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonIdentityUnavailable))
	if msg := cond(stalled, jobsv1alpha1.ConditionStalled).Message; !strings.Contains(msg, "external id does not match") {
		t.Errorf("message %q does not say the external id is wrong", msg)
	}
	var secret corev1.Secret
	if err := env.Client.Get(context.Background(), keyIn(f.ns, "external-id"), &secret); err != nil {
		t.Fatal(err)
	}
	secret.Data["id"] = []byte("the-right-external-id")
	if err := env.Client.Update(context.Background(), &secret); err != nil {
		t.Fatal(err)
	}
	f.waitFor("via-sts", 15*time.Second, "succeeded once the external id is right, well within the 5 min retry", succeededIs(metav1.ConditionTrue))
}

// TestRecreatedCredentialsStartAfresh: temporary keys belong to the objects
// they were obtained for. A CloudCredentials deleted and created again under
// the same name (by anyone who can write the namespace) assumes its agency
// anew instead of using the keys of the one before.
func TestRecreatedCredentialsStartAfresh(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	domain := "tenant" + f.project
	sim.AddAgency(cloudsim.Agency{DomainID: domain, Name: "recreated", Trusted: []string{"key:" + accessKey}})
	spec := jobsv1alpha1.CredentialsSource{SecretRef: staticKeys.SecretRef, IAMEndpoint: sim.APIURL,
		AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "recreated", DomainID: domain}}
	session := "cloudjob_" + f.ns + "_agency"
	assumed := func() int {
		n := 0
		for _, s := range sim.SessionNames() {
			if s == session {
				n++
			}
		}
		return n
	}
	f.credentials("agency", spec)
	f.jobWithout("first", refTo("agency"))
	f.waitFor("first", 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	if n := assumed(); n != 1 {
		t.Fatalf("agency assumed %d times for the first CloudCredentials, want 1", n)
	}
	if err := env.Client.Delete(context.Background(), &jobsv1alpha1.CloudCredentials{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "agency"}}); err != nil {
		t.Fatal(err)
	}
	f.credentials("agency", spec)
	f.jobWithout("second", refTo("agency"))
	f.waitFor("second", 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	if n := assumed(); n != 2 {
		t.Errorf("agency assumed %d times in all, want 2: the re-created CloudCredentials used its predecessor's keys", n)
	}
}

// TestNodeMetadataIsOptIn: the node's identity is refused unless the operator
// allows it.
func TestNodeMetadataIsOptIn(t *testing.T) {
	f := newFixture(t)
	sim.SetNodeIdentity(true)
	// The operator asks for the session token first, as the service wants.
	sim.RequireMetadataToken(true)
	t.Cleanup(func() { sim.RequireMetadataToken(false) })
	cfg := clusterDefault(t, f.ns, jobsv1alpha1.CredentialsSource{NodeMetadata: &jobsv1alpha1.NodeMetadata{}}, f.ns)
	stop := startManager(t, managerOptions{shard: f.shard, cfg: cfg})
	f.jobWithout("node")
	refused := f.waitFor("node", 15*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonIdentityUnavailable))
	if msg := cond(refused, jobsv1alpha1.ConditionStalled).Message; !strings.Contains(msg, "--allow-node-metadata-credentials") {
		t.Errorf("message %q does not say how to allow it", msg)
	}
	stop()
	cfg.AllowNodeMetadata = true
	startManager(t, managerOptions{shard: f.shard, cfg: cfg})
	// A spec change makes the new manager look at once.
	touch(t, f.ns, "node")
	f.waitFor("node", 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
}

// TestRevokedIdentityStallsAndRecovers: keys of a revoked identity stop
// working; the CloudJob stalls with IdentityUnavailable and goes on once the
// identity is restored.
func TestRevokedIdentityStallsAndRecovers(t *testing.T) {
	f := newFixture(t)
	idp := "idp-revoke-" + f.project
	tokenFile := federation(t, sim, idp)
	cfg := clusterDefault(t, f.ns, jobsv1alpha1.CredentialsSource{IAMEndpoint: sim.APIURL,
		Federation: &jobsv1alpha1.Federation{IdentityProviderID: idp}}, f.ns)
	cfg.FederationTokenFile = tokenFile
	startManager(t, managerOptions{shard: f.shard, cfg: cfg})
	job := f.simJob(cloudsim.JobSpec{Service: "ecs", Init: secs(0.2), Running: secs(8)})
	f.cloudJob("long", "ecs", job.Spec.JobID, func(j *jobsv1alpha1.CloudJob) { j.Spec.CredentialsSecretRef = jobsv1alpha1.SecretReference{} })
	f.waitFor("long", 15*time.Second, "running", func(j *jobsv1alpha1.CloudJob) bool { return j.Status.State == "RUNNING" })
	sim.Revoke("idp:" + idp)
	stalled := f.waitFor("long", 20*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonIdentityUnavailable))
	if msg := cond(stalled, jobsv1alpha1.ConditionStalled).Message; !strings.Contains(msg, "is revoked") {
		t.Errorf("message %q does not say the identity is revoked", msg)
	}
	sim.Restore("idp:" + idp)
	f.waitFor("long", 30*time.Second, "succeeded once the identity is restored", succeededIs(metav1.ConditionTrue))
}

// TestTemporaryKeysAreRenewedBeforeExpiry runs a job through many lifetimes
// of its keys (900 s each, in a cloud 600 times faster than the wall clock):
// the keys are renewed ahead of time and no poll is refused.
func TestTemporaryKeysAreRenewedBeforeExpiry(t *testing.T) {
	fast, err := cloudsim.Start(cloudsim.Config{RequestsPerMinute: -1, TimeScale: 600, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = fast.Close() })
	f := newFixture(t)
	idp := "idp-renew"
	tokenFile := federation(t, fast, idp)
	cfg := clusterDefault(t, f.ns, jobsv1alpha1.CredentialsSource{IAMEndpoint: fast.APIURL,
		Federation: &jobsv1alpha1.Federation{IdentityProviderID: idp, DurationSeconds: ptr.To[int32](900)}}, f.ns)
	cfg.FederationTokenFile = tokenFile
	startManager(t, managerOptions{shard: f.shard, cfg: cfg, sim: fast})
	before := testutil.ToFloat64(metrics.IdentityRequests.WithLabelValues("iam-keys-from-token", "ok"))
	// Three simulated hours: twelve key lifetimes, about 18 s of wall time.
	infos, err := fast.AddJobs(cloudsim.JobSpec{Service: "ecs", ProjectID: f.project, Running: cloudsim.Duration(3 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	f.cloudJob("renewed", "ecs", infos[0].Spec.JobID, func(j *jobsv1alpha1.CloudJob) {
		j.Spec.CredentialsSecretRef, j.Spec.Endpoint = jobsv1alpha1.SecretReference{}, fast.APIURL
		j.Spec.PollInterval = &metav1.Duration{Duration: time.Second}
	})
	f.waitFor("renewed", 60*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	renewals := testutil.ToFloat64(metrics.IdentityRequests.WithLabelValues("iam-keys-from-token", "ok")) - before
	if renewals < 10 {
		t.Errorf("%v keys obtained over twelve lifetimes; want a renewal in each", renewals)
	}
	st := fast.Stats()
	if n := st.ByStatus[401]; n != 0 {
		t.Errorf("%d polls were refused (401): the keys were not renewed in time", n)
	}
	if slices.Contains(f.events("renewed"), jobsv1alpha1.ReasonAuthenticationFailed) {
		t.Error("an AuthenticationFailed event")
	}
	t.Logf("%v key renewals, %d requests", renewals, st.Requests)
}

func keyIn(ns, name string) client.ObjectKey { return client.ObjectKey{Namespace: ns, Name: name} }

// secretData creates a Secret of string values in the fixture's namespace.
func (f *fixture) secretData(name string, data map[string]string) {
	f.t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name}, StringData: data}
	if err := env.Client.Create(context.Background(), s); err != nil {
		f.t.Fatal(err)
	}
}

// touch changes a CloudJob's spec, so a manager looks at it at once.
func touch(t *testing.T, ns, name string) {
	t.Helper()
	var j jobsv1alpha1.CloudJob
	if err := env.Client.Get(context.Background(), keyIn(ns, name), &j); err != nil {
		t.Fatal(err)
	}
	j.Spec.PollInterval = &metav1.Duration{Duration: 2 * time.Second}
	if err := env.Client.Update(context.Background(), &j); err != nil {
		t.Fatal(err)
	}
}
