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
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/metrics"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
)

// TestRejectedTemporaryKeysAreTriedOnce: a cloud that rejects every poll of
// 50 CloudJobs sharing one federated source sees one rejected poll and one
// new set of keys per retry interval, not one of each per job: the
// authentication gate holds the source back, whatever keys it gets next.
func TestRejectedTemporaryKeysAreTriedOnce(t *testing.T) {
	const jobs = 50
	f := newFixture(t)
	idp := "idp-rejected-" + f.project
	tokenFile := federation(t, sim, idp)
	cfg := clusterDefault(t, f.ns, jobsv1alpha1.CredentialsSource{IAMEndpoint: sim.APIURL,
		Federation: &jobsv1alpha1.Federation{IdentityProviderID: idp}}, f.ns)
	cfg.FederationTokenFile = tokenFile
	// Longer than the test: every rejection it sees comes from one interval.
	cfg.AuthRetryInterval = 10 * time.Minute
	// The gateway rejects every job request of the namespace's project; IAM
	// keeps issuing keys.
	if err := sim.AddFaults(cloudsim.FaultRule{Kind: cloudsim.FaultError, Status: 401, ProjectID: f.project}); err != nil {
		t.Fatal(err)
	}
	issued := func() float64 {
		return testutil.ToFloat64(metrics.IdentityRequests.WithLabelValues("iam-keys-from-token", "ok"))
	}
	before := issued()
	startManager(t, managerOptions{shard: f.shard, cfg: cfg})
	for i := range jobs {
		f.jobWithout(fmt.Sprintf("job-%d", i))
	}
	for i := range jobs {
		f.waitFor(fmt.Sprintf("job-%d", i), 60*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonAuthenticationFailed))
	}
	rejected, sets := jobRequestsFor(t, f.ns), issued()-before
	t.Logf("%d jobs: %d rejected polls, %v sets of keys issued", jobs, rejected, sets)
	if rejected != 1 {
		t.Errorf("%d rejected polls within one retry interval, want 1", rejected)
	}
	// The first set, and one after the rejection, ready for the next try.
	if sets > 2 {
		t.Errorf("%v sets of keys issued, want at most 2", sets)
	}
}

// TestSharedWrongBaseKeyIsNotLocked: six CloudCredentials assume agencies
// with the same wrong static key. Their signed IAM calls go through the
// authentication gate, as polls do: one fails, the others are held back, and
// the gateway, which locks a key after more than five failures in a row,
// never locks it, so the jobs that use the key with its right secret go on.
func TestSharedWrongBaseKeyIsNotLocked(t *testing.T) {
	const sources = 6
	f := newFixture(t)
	cfg := testConfig()
	// Longer than the test: every failure it sees comes from one interval.
	cfg.AuthRetryInterval = 10 * time.Minute
	startManager(t, managerOptions{shard: f.shard, cfg: cfg})
	ak, domain := "AKSHARED"+strings.ToUpper(f.project), "tenant"+f.project
	if err := sim.AddCredentials(cloudsim.Credential{AccessKey: ak, SecretKey: "the-right-secret-key"}); err != nil {
		t.Fatal(err)
	}
	sim.AddAgency(cloudsim.Agency{DomainID: domain, Name: "ops", Trusted: []string{"key:" + ak}})
	f.secret("wrong-base", ak, "a-wrong-secret-key")
	failed := func() float64 {
		return testutil.ToFloat64(metrics.IdentityRequests.WithLabelValues("iam-assume-agency", "AuthenticationFailed"))
	}
	before := failed()
	for i := range sources {
		name := fmt.Sprintf("tenant-%d", i)
		f.credentials(name, jobsv1alpha1.CredentialsSource{SecretRef: &jobsv1alpha1.SecretReference{Name: "wrong-base"},
			IAMEndpoint: sim.APIURL, AssumeAgency: &jobsv1alpha1.AssumeAgency{AgencyName: "ops", DomainID: domain}})
		f.jobWithout("job-"+name, refTo(name))
	}
	heldBack := 0
	for i := range sources {
		j := f.waitFor(fmt.Sprintf("job-tenant-%d", i), 30*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonIdentityUnavailable))
		msg := cond(j, jobsv1alpha1.ConditionStalled).Message
		if !strings.Contains(msg, "assuming agency ops through IAM") {
			t.Errorf("message %q does not name the step", msg)
		}
		if strings.Contains(msg, "not sent") {
			heldBack++
		}
	}
	calls := failed() - before
	t.Logf("%d sources on one wrong key: %v failed signed IAM calls, %d held back", sources, calls, heldBack)
	if calls != 1 || heldBack != sources-1 {
		t.Errorf("%v failed signed IAM calls and %d held back, want 1 and %d", calls, heldBack, sources-1)
	}
	// The key is not locked: a job that signs with its right secret works.
	f.secret("right", ak, "the-right-secret-key")
	job := f.simJob(cloudsim.JobSpec{Service: "ecs", Init: secs(0.2), Running: secs(0.5)})
	f.cloudJob("direct", "ecs", job.Spec.JobID, func(j *jobsv1alpha1.CloudJob) {
		j.Spec.CredentialsSecretRef = jobsv1alpha1.SecretReference{Name: "right"}
	})
	f.waitFor("direct", 20*time.Second, "succeeded with the key's right secret", func(j *jobsv1alpha1.CloudJob) bool {
		return condStatus(j, jobsv1alpha1.ConditionSucceeded) == metav1.ConditionTrue
	})
	if st := sim.Stats().AccessKeys[ak]; st.Locked {
		t.Errorf("the shared key is locked: %+v", st)
	}
}
