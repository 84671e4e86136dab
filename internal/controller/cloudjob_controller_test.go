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
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/metrics"
	"github.com/cloudjob-operator/cloudjob-operator/internal/poll"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

func TestBMSBatchCreateSucceedsWithSubJobs(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	writes := f.countWrites()
	job := f.simJob(cloudsim.JobSpec{Service: "bms", JobType: "baremetalBatchCreate", Init: secs(0.5), Running: secs(2),
		SubJobs: []cloudsim.SubJobSpec{
			{Running: secs(1), Resources: cloudsim.Resources{ServerID: "server-a"}},
			{Running: secs(1.5), Resources: cloudsim.Resources{ServerID: "server-b"}},
			{Running: secs(2), Resources: cloudsim.Resources{ServerID: "server-c", NICID: "nic-c"}},
		}})
	f.cloudJob("bms", "bms", job.Spec.JobID)

	got := f.waitFor("bms", 30*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	if got.Status.State != "SUCCESS" || got.Status.JobType != "baremetalBatchCreate" {
		t.Errorf("state/jobType = %q/%q", got.Status.State, got.Status.JobType)
	}
	if got.Status.SubJobsProgress != "3/3" || got.Status.SubJobsTotal != 3 || len(got.Status.SubJobs) != 3 {
		t.Errorf("sub-jobs: progress %q total %d listed %d", got.Status.SubJobsProgress, got.Status.SubJobsTotal, len(got.Status.SubJobs))
	}
	var servers []string
	for _, s := range got.Status.SubJobs {
		servers = append(servers, s.ServerID)
	}
	slices.Sort(servers)
	if strings.Join(servers, ",") != "server-a,server-b,server-c" {
		t.Errorf("sub-job servers = %v", servers)
	}
	if got.Status.StartTime == nil || got.Status.CompletionTime == nil || got.Status.BeginTime == nil || got.Status.EndTime == nil {
		t.Errorf("times missing: start %v completion %v begin %v end %v", got.Status.StartTime, got.Status.CompletionTime, got.Status.BeginTime, got.Status.EndTime)
	}
	if c := cond(got, jobsv1alpha1.ConditionReady); c.Status != metav1.ConditionTrue || c.Reason != jobsv1alpha1.ReasonSucceeded {
		t.Errorf("Ready = %s/%s", c.Status, c.Reason)
	}
	if condStatus(got, jobsv1alpha1.ConditionReconciling) != "" || condStatus(got, jobsv1alpha1.ConditionStalled) != "" {
		t.Errorf("Reconciling or Stalled left on a succeeded job: %s", testenv.ConditionsText(got))
	}

	// Once recorded, the job is not polled again.
	before := jobRequests(t, job.Spec.JobID)
	time.Sleep(2 * time.Second)
	if after := jobRequests(t, job.Spec.JobID); after != before {
		t.Errorf("a finished job was polled again: %d -> %d requests", before, after)
	}
	writes.waitSeen(t, got)
	n, states := writes.get("bms")
	t.Logf("status writes %d, observed states %d", n, states)
	if n > states+2 {
		t.Errorf("%d status writes for %d observed states; want at most states+2", n, states)
	}
	f.waitForEvents("bms", "Started", "Succeeded")
}

func jobRequests(t *testing.T, jobID string) int64 {
	t.Helper()
	for _, j := range sim.Stats().Jobs {
		if j.JobID == jobID {
			return j.Requests
		}
	}
	t.Fatalf("the simulator has no stats for job %s", jobID)
	return 0
}

func TestELBJobSucceedsWithEntities(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	job := f.simJob(cloudsim.JobSpec{Service: "elb", JobType: "createELB", Init: secs(0.2), Running: secs(1),
		Entities: json.RawMessage(`{"elb":{"id":"ef265755daf84333baf4ddc1d91cbc2f","name":"1","type":"External","bandwidth":1}}`)})
	f.cloudJob("elb", "elb", job.Spec.JobID)
	got := f.waitFor("elb", 20*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	if got.Status.Entities == nil {
		t.Fatalf("no entities recorded")
	}
	var ent map[string]map[string]any
	if err := json.Unmarshal(got.Status.Entities.Raw, &ent); err != nil {
		t.Fatal(err)
	}
	if ent["elb"]["id"] != "ef265755daf84333baf4ddc1d91cbc2f" || ent["elb"]["bandwidth"] != float64(1) {
		t.Errorf("entities = %s", got.Status.Entities.Raw)
	}
}

func TestFailedJobStallsWithReasonAndSubJobs(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	job := f.simJob(cloudsim.JobSpec{Service: "bms", JobType: "baremetalReinstallOs", Init: secs(0.2), Running: secs(1),
		Outcome: "FAIL", ErrorCode: "BMS.0032", FailReason: "the image does not support this flavor",
		SubJobs: []cloudsim.SubJobSpec{
			{Running: secs(0.5), Outcome: "FAIL", ErrorCode: "BMS.0101", FailReason: "disk not found", Resources: cloudsim.Resources{ServerID: "srv-1"}},
			{Running: secs(0.5), Resources: cloudsim.Resources{ServerID: "srv-2"}},
		}})
	f.cloudJob("reinstall", "bms", job.Spec.JobID)
	got := f.waitFor("reinstall", 20*time.Second, "failed", succeededIs(metav1.ConditionFalse))
	stalled := cond(got, jobsv1alpha1.ConditionStalled)
	if stalled.Status != metav1.ConditionTrue || stalled.Reason != jobsv1alpha1.ReasonJobFailed {
		t.Fatalf("Stalled = %s/%s", stalled.Status, stalled.Reason)
	}
	for _, want := range []string{"BMS.0032", "the image does not support this flavor", "1 of 2 sub-jobs failed", "srv-1", "BMS.0101", "disk not found"} {
		if !strings.Contains(stalled.Message, want) {
			t.Errorf("Stalled message %q lacks %q", stalled.Message, want)
		}
	}
	if got.Status.ErrorCode != "BMS.0032" || got.Status.SubJobCounts == nil || got.Status.SubJobCounts.Failed != 1 {
		t.Errorf("errorCode %q counts %+v", got.Status.ErrorCode, got.Status.SubJobCounts)
	}
	if c := cond(got, jobsv1alpha1.ConditionReady); c.Status != metav1.ConditionFalse || c.Reason != jobsv1alpha1.ReasonJobFailed {
		t.Errorf("Ready = %s/%s", c.Status, c.Reason)
	}
	f.waitForEvents("reinstall", jobsv1alpha1.ReasonJobFailed)
}

// TestLongFailureReasonsStillMakeAnEvent: three failed sub-jobs with long
// Chinese reasons (three bytes a character) make a JobFailed note past the API
// server's 1 KiB limit, and a CloudJob name near the limit leaves no room for an
// Event name's suffix. Both Events are recorded, none fails.
func TestLongFailureReasonsStillMakeAnEvent(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	failedBefore := testutil.ToFloat64(metrics.Events.WithLabelValues(metrics.EventFailed))
	reason := strings.Repeat("镜像与规格不兼容，", 28) // about 250 bytes
	var subs []cloudsim.SubJobSpec
	for i := range 3 {
		subs = append(subs, cloudsim.SubJobSpec{Running: secs(0.3), Outcome: "FAIL", ErrorCode: fmt.Sprintf("BMS.01%02d", i), FailReason: reason})
	}
	long := strings.Repeat("a", 240) + "-long-name"
	for _, name := range []string{"long-reasons", long} {
		job := f.simJob(cloudsim.JobSpec{Service: "bms", Init: secs(0.2), Running: secs(0.6),
			Outcome: "FAIL", ErrorCode: "BMS.0032", FailReason: reason, SubJobs: subs})
		f.cloudJob(name, "bms", job.Spec.JobID)
		f.waitFor(name, 20*time.Second, "failed", succeededIs(metav1.ConditionFalse))
	}
	for _, name := range []string{"long-reasons", long} {
		if !f.waitForEvents(name, jobsv1alpha1.ReasonJobFailed) {
			t.FailNow()
		}
	}
	if failed := testutil.ToFloat64(metrics.Events.WithLabelValues(metrics.EventFailed)) - failedBefore; failed != 0 {
		t.Errorf("%v Events failed", failed)
	}
}

// TestWaitingToolsReadThePhase evaluates what an Argo Workflows resource
// template and kubectl wait ask of status.phase, against CloudJobs that run,
// succeed and fail on the real API server.
func TestWaitingToolsReadThePhase(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	const (
		successCondition = "status.phase == Succeeded"
		failureCondition = "status.phase == Failed"
	)
	cases := []struct {
		name    string
		spec    cloudsim.JobSpec
		phase   jobsv1alpha1.Phase
		success bool
		failure bool
	}{
		{"runs", cloudsim.JobSpec{Service: "ecs", Init: secs(0.1), Running: secs(60)}, jobsv1alpha1.PhaseRunning, false, false},
		{"succeeds", cloudsim.JobSpec{Service: "evs", Init: secs(0.1), Running: secs(0.3)}, jobsv1alpha1.PhaseSucceeded, true, false},
		{"fails", cloudsim.JobSpec{Service: "bms", Init: secs(0.1), Running: secs(0.3), Outcome: "FAIL", FailReason: "scripted"}, jobsv1alpha1.PhaseFailed, false, true},
	}
	for _, c := range cases {
		job := f.simJob(c.spec)
		f.cloudJob(c.name, jobsv1alpha1.Service(c.spec.Service), job.Spec.JobID)
	}
	for _, c := range cases {
		got := f.waitFor(c.name, 15*time.Second, "phase "+string(c.phase), func(j *jobsv1alpha1.CloudJob) bool { return j.Status.Phase == c.phase })
		if s, fl := argoCondition(t, got, successCondition), argoCondition(t, got, failureCondition); s != c.success || fl != c.failure {
			t.Errorf("%s: Argo Workflows reads success %v failure %v, want %v %v", c.name, s, fl, c.success, c.failure)
		}
	}
	if _, err := env.Kubectl("wait", "-n", f.ns, "cloudjob/succeeds", "--for=jsonpath={.status.phase}=Succeeded", "--timeout=10s"); err != nil {
		t.Errorf("kubectl wait for the phase: %v", err)
	}
	out, err := env.Kubectl("get", "cloudjobs", "-n", f.ns)
	if err != nil || !strings.Contains(out, "PHASE") || !strings.Contains(out, "Succeeded") {
		t.Errorf("kubectl get shows no phase column (%v):\n%s", err, out)
	}
}

// argoCondition evaluates a resource template's condition as Argo Workflows
// does: a label selector whose keys are paths into the object's JSON.
func argoCondition(t *testing.T, j *jobsv1alpha1.CloudJob, condition string) bool {
	t.Helper()
	reqs, err := labels.ParseToRequirements(condition)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(j)
	if err != nil {
		t.Fatal(err)
	}
	for _, req := range reqs {
		value, _, _ := unstructured.NestedString(obj, strings.Split(req.Key(), ".")...)
		if !req.Matches(labels.Set{req.Key(): value}) {
			return false
		}
	}
	return true
}

func TestSucceededJobWithFailedSubJobSaysSo(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	job := f.simJob(cloudsim.JobSpec{Service: "ecs", Init: secs(0.2), Running: secs(1), Outcome: "SUCCESS",
		SubJobs: []cloudsim.SubJobSpec{
			{Running: secs(0.5), Outcome: "FAIL", ErrorCode: "Ecs.0010", FailReason: "quota exceeded"},
			{Running: secs(0.5)},
		}})
	f.cloudJob("partial", "ecs", job.Spec.JobID)
	got := f.waitFor("partial", 20*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	if msg := cond(got, jobsv1alpha1.ConditionReady).Message; !strings.Contains(msg, "1 of 2 sub-jobs failed") || !strings.Contains(msg, "quota exceeded") {
		t.Errorf("Ready message %q does not report the failed sub-job", msg)
	}
	f.waitForEvents("partial", jobsv1alpha1.EventReasonSubJobsFailed)
}

func TestPaymentPendingThenPaid(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	job := f.simJob(cloudsim.JobSpec{Service: "ecs", Payment: &cloudsim.PaymentSpec{}, Init: secs(0.2), Running: secs(0.5)})
	f.cloudJob("order", "ecs", job.Spec.JobID)
	got := f.waitFor("order", 15*time.Second, "awaiting payment", func(j *jobsv1alpha1.CloudJob) bool {
		return cond(j, jobsv1alpha1.ConditionReconciling).Reason == jobsv1alpha1.ReasonAwaitingPayment
	})
	if got.Status.State != "PENDING_PAYMENT" || condStatus(got, jobsv1alpha1.ConditionSucceeded) != metav1.ConditionUnknown {
		t.Errorf("state %q, Succeeded %s", got.Status.State, condStatus(got, jobsv1alpha1.ConditionSucceeded))
	}
	if _, err := sim.Pay(f.project, job.Spec.JobID); err != nil {
		t.Fatal(err)
	}
	f.waitFor("order", 20*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	f.waitForEvents("order", jobsv1alpha1.ReasonAwaitingPayment)
}

func TestTransientFaultsNeverFailAJob(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard, requestTimeout: 500 * time.Millisecond})
	if err := sim.AddFaults(
		cloudsim.FaultRule{Kind: cloudsim.FaultError, ProjectID: f.project, Status: 500, Probability: 0.15},
		cloudsim.FaultRule{Kind: cloudsim.FaultError, ProjectID: f.project, Status: 503, Probability: 0.1},
		cloudsim.FaultRule{Kind: cloudsim.FaultHang, ProjectID: f.project, Probability: 0.05, Delay: secs(2)},
		cloudsim.FaultRule{Kind: cloudsim.FaultMalformed, ProjectID: f.project, Probability: 0.1},
		cloudsim.FaultRule{Kind: cloudsim.FaultThrottle, ProjectID: f.project, Count: 10, RetryAfter: 1},
	); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.SetFaults(nil) })
	want := map[string]metav1.ConditionStatus{}
	for i, outcome := range []cloudsim.Outcome{"SUCCESS", "FAIL", "SUCCESS", "SUCCESS", "FAIL", "SUCCESS"} {
		job := f.simJob(cloudsim.JobSpec{Service: "evs", Init: secs(0.2), Running: secs(1 + float64(i)*0.3), Outcome: outcome, FailReason: "scripted"})
		name := "chaos-" + string(rune('a'+i))
		f.cloudJob(name, "evs", job.Spec.JobID)
		want[name] = metav1.ConditionTrue
		if outcome == "FAIL" {
			want[name] = metav1.ConditionFalse
		}
	}
	for name, outcome := range want {
		got := f.waitFor(name, 60*time.Second, "finished", func(j *jobsv1alpha1.CloudJob) bool {
			return condStatus(j, jobsv1alpha1.ConditionSucceeded) == metav1.ConditionTrue || condStatus(j, jobsv1alpha1.ConditionSucceeded) == metav1.ConditionFalse
		})
		if s := condStatus(got, jobsv1alpha1.ConditionSucceeded); s != outcome {
			t.Errorf("%s ended Succeeded=%s, want %s (%s)", name, s, outcome, testenv.ConditionsText(got))
		}
		if outcome == metav1.ConditionFalse && cond(got, jobsv1alpha1.ConditionStalled).Reason != jobsv1alpha1.ReasonJobFailed {
			t.Errorf("%s failed for the wrong reason: %s", name, testenv.ConditionsText(got))
		}
	}
	st := sim.Stats()
	t.Logf("simulator answers under faults: %v", st.ByStatus)
	if st.ByStatus[500] == 0 || st.ByStatus[429] == 0 {
		t.Errorf("the faults did not fire: %v", st.ByStatus)
	}
}

func TestWrongSecretKeyStallsWithoutLockingAndRecovers(t *testing.T) {
	f := newFixture(t)
	const ak, sk = "auth-test-key", "auth-test-secret-value"
	if err := sim.AddCredentials(cloudsim.Credential{AccessKey: ak, SecretKey: sk}); err != nil {
		t.Fatal(err)
	}
	bad := f.secret("bad-credentials", ak, "not-the-secret-key")
	cfg := testConfig()
	cfg.AuthRetryInterval = 2 * time.Second
	startManager(t, managerOptions{shard: f.shard, cfg: cfg})
	var names []string
	for i := range 3 {
		job := f.simJob(cloudsim.JobSpec{Service: "bms", Init: secs(0.2), Running: secs(0.5)})
		name := "auth-" + string(rune('a'+i))
		names = append(names, name)
		f.cloudJob(name, "bms", job.Spec.JobID, func(j *jobsv1alpha1.CloudJob) { j.Spec.CredentialsSecretRef.Name = "bad-credentials" })
	}
	start := time.Now()
	for _, n := range names {
		got := f.waitFor(n, 15*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonAuthenticationFailed))
		if msg := cond(got, jobsv1alpha1.ConditionStalled).Message; strings.Contains(msg, "not-the-secret-key") || !strings.Contains(msg, "bad-credentials") {
			t.Errorf("message %q must name the Secret and never its value", msg)
		}
	}
	time.Sleep(5 * time.Second)
	failures := sim.Stats().AccessKeys[ak].AuthFailures
	allowed := int64(time.Since(start)/cfg.AuthRetryInterval) + 2
	t.Logf("authentication failures in %s with 3 jobs: %d (allowed %d)", time.Since(start).Round(time.Second), failures, allowed)
	if failures > allowed || failures > 5 {
		t.Errorf("%d authentication failures; the retry interval allows %d and the key locks after 5", failures, allowed)
	}

	// Fixing the Secret recovers every job without touching the CloudJobs.
	bad.Data["secretKey"] = []byte(sk)
	if err := env.Client.Update(context.Background(), bad); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		f.waitFor(n, 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	}
}

// TestWrongKeyFailsOncePerAccessKey: jobs of every service, on endpoints
// spelled differently, share one wrong secret key. The gateway locks the access
// key whatever the endpoint, so within the retry interval exactly one request
// may fail.
func TestWrongKeyFailsOncePerAccessKey(t *testing.T) {
	f := newFixture(t)
	const ak, sk = "one-key-many-services", "the-right-secret-key"
	if err := sim.AddCredentials(cloudsim.Credential{AccessKey: ak, SecretKey: sk}); err != nil {
		t.Fatal(err)
	}
	f.secret("wrong-key", ak, "a-wrong-secret-key")
	cfg := testConfig()
	cfg.AuthRetryInterval = time.Minute
	startManager(t, managerOptions{shard: f.shard, cfg: cfg})
	port := strings.TrimPrefix(sim.APIURL, "http://127.0.0.1:")
	spellings := []string{"http://127.0.0.1:" + port, "http://127.0.0.1:" + port + "/", "http://localhost:" + port}
	services := []jobsv1alpha1.Service{"bms", "ecs", "evs", "ims", "vpc", "elb", "elbv3"}
	for i, svc := range services {
		job := f.simJob(cloudsim.JobSpec{Service: cloudsim.Service(svc), Init: secs(0.2), Running: secs(0.5)})
		f.cloudJob("wrong-"+string(svc), svc, job.Spec.JobID, func(j *jobsv1alpha1.CloudJob) {
			j.Spec.CredentialsSecretRef.Name = "wrong-key"
			j.Spec.Endpoint = spellings[i%len(spellings)]
		})
	}
	for _, svc := range services {
		f.waitFor("wrong-"+string(svc), 15*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonAuthenticationFailed))
	}
	time.Sleep(2 * time.Second)
	if failures := sim.Stats().AccessKeys[ak].AuthFailures; failures != 1 {
		t.Errorf("%d authentication failures for %d jobs of one access key within the retry interval, want 1", failures, len(services))
	}
}

// TestWhitespaceInSecretStallsWithoutSending: a Secret made with --from-file
// from an editor's file ends with a newline. The job stalls saying which key
// and what to do, nothing is sent with the key, and fixing the Secret recovers.
func TestWhitespaceInSecretStallsWithoutSending(t *testing.T) {
	f := newFixture(t)
	const ak, sk = "whitespace-test-key", "whitespace-test-secret"
	if err := sim.AddCredentials(cloudsim.Credential{AccessKey: ak, SecretKey: sk}); err != nil {
		t.Fatal(err)
	}
	startManager(t, managerOptions{shard: f.shard})
	for _, c := range []struct{ secret, ak, sk, want string }{
		{"sk-newline", ak, sk + "\n", "secretKey in Secret " + f.ns + "/sk-newline ends with a newline"},
		{"ak-newline", ak + "\n", sk, "accessKey in Secret " + f.ns + "/ak-newline ends with a newline"},
		{"sk-space", ak, " " + sk, "secretKey in Secret " + f.ns + "/sk-space starts with whitespace"},
	} {
		f.secret(c.secret, c.ak, c.sk)
		job := f.simJob(cloudsim.JobSpec{Service: "ecs", Init: secs(0.2), Running: secs(0.3)})
		f.cloudJob(c.secret, "ecs", job.Spec.JobID, func(j *jobsv1alpha1.CloudJob) { j.Spec.CredentialsSecretRef.Name = c.secret })
		got := f.waitFor(c.secret, 10*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonCredentialsInvalid))
		msg := cond(got, jobsv1alpha1.ConditionStalled).Message
		if !strings.Contains(msg, c.want) || !strings.Contains(msg, "--from-literal") || strings.Contains(msg, sk) {
			t.Errorf("%s: message %q; want %q and what to do, never the value", c.secret, msg, c.want)
		}
	}
	if n := sim.Stats().AccessKeys[ak].Requests; n != 0 {
		t.Errorf("%d requests sent with whitespace in the credentials, want 0", n)
	}
	fixed := &corev1.Secret{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: "sk-newline"}, fixed); err != nil {
		t.Fatal(err)
	}
	fixed.Data["secretKey"] = []byte(sk)
	if err := env.Client.Update(context.Background(), fixed); err != nil {
		t.Fatal(err)
	}
	f.waitFor("sk-newline", 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
}

// interferingClient calls before, with the object, ahead of every status write
// of the reconciler's: to count the writes, or to change the CloudJob between a
// reconcile's read and its write.
type interferingClient struct {
	client.Client
	before func(*jobsv1alpha1.CloudJob)
}

func (c *interferingClient) Status() client.SubResourceWriter {
	return &interferingStatus{SubResourceWriter: c.Client.Status(), c: c}
}

type interferingStatus struct {
	client.SubResourceWriter
	c *interferingClient
}

func (s *interferingStatus) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	if j, ok := obj.(*jobsv1alpha1.CloudJob); ok {
		s.c.before(j)
	}
	return s.SubResourceWriter.Update(ctx, obj, opts...)
}

func (s *interferingStatus) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	if j, ok := obj.(*jobsv1alpha1.CloudJob); ok {
		s.c.before(j)
	}
	return s.SubResourceWriter.Patch(ctx, obj, patch, opts...)
}

func interfere(before func(*jobsv1alpha1.CloudJob)) func(client.Client) client.Client {
	return func(c client.Client) client.Client { return &interferingClient{Client: c, before: before} }
}

// TestStatusNeverLandsOnARecreatedCloudJob: a CloudJob deleted and created
// again under the same name while its old job's outcome is being written gets
// none of it, and is polled for its own job.
func TestStatusNeverLandsOnARecreatedCloudJob(t *testing.T) {
	f := newFixture(t)
	oldJob := f.simJob(cloudsim.JobSpec{Service: "ecs", Init: secs(0.1), Running: secs(0.2)})
	newJob := f.simJob(cloudsim.JobSpec{Service: "ecs", Init: secs(0.5), Running: secs(1)})
	swapped := make(chan types.UID, 1)
	var once sync.Once
	swap := func() {
		ctx := context.Background()
		old := &jobsv1alpha1.CloudJob{}
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: f.ns, Name: "swap"}, old); err != nil {
			t.Errorf("swap: %v", err)
			return
		}
		if err := env.Client.Delete(ctx, old); err != nil {
			t.Errorf("swap: %v", err)
			return
		}
		f.cloudJob("swap", "ecs", newJob.Spec.JobID)
		cur := &jobsv1alpha1.CloudJob{}
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: f.ns, Name: "swap"}, cur); err != nil {
			t.Errorf("swap: %v", err)
			return
		}
		swapped <- cur.UID
	}
	startManager(t, managerOptions{shard: f.shard, wrapClient: interfere(func(j *jobsv1alpha1.CloudJob) {
		if j.Name == "swap" && j.Status.Finished() {
			once.Do(swap)
		}
	})})
	f.cloudJob("swap", "ecs", oldJob.Spec.JobID)
	var newUID types.UID
	select {
	case newUID = <-swapped:
	case <-time.After(15 * time.Second):
		t.Fatal("the old job's outcome was never written")
	}
	got := f.waitFor("swap", 15*time.Second, "succeeded with its own job", func(j *jobsv1alpha1.CloudJob) bool {
		if j.UID == newUID && j.Status.JobID == oldJob.Spec.JobID {
			t.Fatalf("the old job's outcome landed on the new CloudJob: %+v", j.Status.JobRecord)
		}
		return j.UID == newUID && j.Status.Finished()
	})
	if got.Status.JobID != newJob.Spec.JobID || got.Status.Result() != jobsv1alpha1.ResultSucceeded {
		t.Errorf("the new CloudJob recorded job %s (%s), want its own job %s succeeded", got.Status.JobID, got.Status.Result(), newJob.Spec.JobID)
	}
}

// TestNullInEntitiesWritesOnlyOnChange: a null member inside entities is
// stored as written, so polls that learn nothing new send no write at all (the
// API server drops a write that changes nothing, so this counts requests).
func TestNullInEntitiesWritesOnlyOnChange(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	sent := 0
	startManager(t, managerOptions{shard: f.shard, wrapClient: interfere(func(j *jobsv1alpha1.CloudJob) {
		if j.Name == "nulls" {
			mu.Lock()
			sent++
			mu.Unlock()
		}
	})})
	job := f.simJob(cloudsim.JobSpec{Service: "elb", Init: secs(0.2), Running: secs(6),
		Entities: json.RawMessage(`{"elb":{"id":"lb-1","description":null,"tags":[null,"a"]}}`)})
	f.cloudJob("nulls", "elb", job.Spec.JobID)
	got := f.waitFor("nulls", 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	mu.Lock()
	n := sent
	mu.Unlock()
	// INIT, RUNNING and SUCCESS, and at most one write that only acknowledges.
	if n > 4 {
		t.Errorf("%d status writes while the job ran about 6 s, polled at least every second: a poll that learned nothing wrote again", n)
	}
	if e := string(got.Status.Entities.Raw); !strings.Contains(e, `"description":null`) {
		t.Errorf("entities stored as %s, want the null member kept as the cloud sent it", e)
	}
}

// TestSecretChangesCostNoPolls: 200 jobs share a Secret. An annotation on it
// changes no credential and polls nothing; a new secret key is read once.
func TestSecretChangesCostNoPolls(t *testing.T) {
	f := newFixture(t)
	const jobs = 200
	startManager(t, managerOptions{shard: f.shard, policy: &poll.Policy{
		MinInterval: time.Second, MaxInterval: time.Minute, AwaitingPaymentInterval: time.Minute, Jitter: 0.01,
	}})
	for i := range jobs {
		job := f.simJob(cloudsim.JobSpec{Service: "ecs", Payment: &cloudsim.PaymentSpec{}, Init: secs(0.1), Running: secs(1)})
		f.cloudJob(fmt.Sprintf("shared-%03d", i), "ecs", job.Spec.JobID)
	}
	for i := range jobs {
		f.waitFor(fmt.Sprintf("shared-%03d", i), 30*time.Second, "awaiting payment", func(j *jobsv1alpha1.CloudJob) bool {
			return cond(j, jobsv1alpha1.ConditionReconciling).Reason == jobsv1alpha1.ReasonAwaitingPayment
		})
	}
	requests := func() int64 { return sim.Stats().AccessKeys[accessKey].Requests }
	quiet := requests()
	time.Sleep(2 * time.Second)
	idle := requests() - quiet

	secret := &corev1.Secret{}
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: "cloud-credentials"}, secret); err != nil {
		t.Fatal(err)
	}
	secret.Annotations = map[string]string{"example.com/owner": "team-a"}
	if err := env.Client.Update(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	before := requests()
	time.Sleep(2 * time.Second)
	afterAnnotation := requests() - before
	t.Logf("requests in 2s: %d idle, %d after annotating the Secret of %d jobs", idle, afterAnnotation, jobs)
	if afterAnnotation > idle+10 {
		t.Errorf("annotating the Secret sent %d requests in 2s (idle: %d): it re-polled the jobs", afterAnnotation, idle)
	}
}

// TestJobsWaitQuietlyForAProbe: 30 jobs stalled on rejected credentials. Once
// the Secret is fixed, one request tries the new key while the others wait for
// it without asking again and again, then all recover.
func TestJobsWaitQuietlyForAProbe(t *testing.T) {
	f := newFixture(t)
	const ak, sk, jobs = "probe-test-key", "probe-test-secret", 30
	if err := sim.AddCredentials(cloudsim.Credential{AccessKey: ak, SecretKey: sk}); err != nil {
		t.Fatal(err)
	}
	bad := f.secret("rotating", ak, "an-old-secret-key")
	var mu sync.Mutex
	reads := 0
	cfg := testConfig()
	cfg.AuthRetryInterval = time.Hour
	startManager(t, managerOptions{shard: f.shard, cfg: cfg, requestTimeout: 10 * time.Second, wrapClient: func(c client.Client) client.Client {
		return &countingReads{Client: c, count: func() { mu.Lock(); reads++; mu.Unlock() }}
	}})
	var names []string
	for i := range jobs {
		job := f.simJob(cloudsim.JobSpec{Service: "ecs", Init: secs(0.2), Running: secs(0.5)})
		names = append(names, fmt.Sprintf("probe-%02d", i))
		f.cloudJob(names[i], "ecs", job.Spec.JobID, func(j *jobsv1alpha1.CloudJob) { j.Spec.CredentialsSecretRef.Name = "rotating" })
	}
	for _, n := range names {
		f.waitFor(n, 15*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonAuthenticationFailed))
	}
	// The new key's first request takes 5 s.
	if err := sim.AddFaults(cloudsim.FaultRule{Kind: cloudsim.FaultSlow, ProjectID: f.project, Count: 1, Delay: secs(5)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.SetFaults(nil) })
	mu.Lock()
	before := reads
	mu.Unlock()
	bad.Data["secretKey"] = []byte(sk)
	if err := env.Client.Update(context.Background(), bad); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		f.waitFor(n, 20*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	}
	mu.Lock()
	n := reads - before
	mu.Unlock()
	t.Logf("%d reconciles of %d jobs from the fix to the end", n, jobs)
	// Each job: woken by the Secret, parked, woken by the probe, then its polls
	// until it succeeds (about 0.7 s of a job polled every 0.2 to 1 s).
	if n > 5*jobs {
		t.Errorf("%d reconciles for %d jobs: jobs waiting for the probe asked again and again", n, jobs)
	}
}

// countingReads counts the CloudJobs the reconciler reads: one per reconcile.
type countingReads struct {
	client.Client
	count func()
}

func (c *countingReads) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if _, ok := obj.(*jobsv1alpha1.CloudJob); ok {
		c.count()
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

func TestMissingSecretCreatedLaterRecovers(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	job := f.simJob(cloudsim.JobSpec{Service: "vpc", Init: secs(0.2), Running: secs(0.5)})
	f.cloudJob("late-secret", "vpc", job.Spec.JobID, func(j *jobsv1alpha1.CloudJob) { j.Spec.CredentialsSecretRef.Name = "later" })
	got := f.waitFor("late-secret", 10*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonCredentialsNotFound))
	if msg := cond(got, jobsv1alpha1.ConditionStalled).Message; !strings.Contains(msg, "later") {
		t.Errorf("message %q does not name the Secret", msg)
	}
	// A Secret without its secret key is still not enough.
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "later"}, Data: map[string][]byte{"accessKey": []byte(accessKey), "secretKey": {}}}
	if err := env.Client.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	f.waitFor("late-secret", 10*time.Second, "stalled on the empty key", func(j *jobsv1alpha1.CloudJob) bool {
		return strings.Contains(cond(j, jobsv1alpha1.ConditionStalled).Message, "has no secretKey")
	})
	s.Data["secretKey"] = []byte(secretKey)
	if err := env.Client.Update(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	f.waitFor("late-secret", 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
}

func TestUnknownJobStallsAfterGrace(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	f.cloudJob("ghost", "ecs", "ffffffffffffffffffffffffffffffff")
	start := time.Now()
	got := f.waitFor("ghost", 15*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonJobNotFound))
	if time.Since(start) < time.Second {
		t.Errorf("stalled after %s, before the 2s grace period", time.Since(start))
	}
	if condStatus(got, jobsv1alpha1.ConditionSucceeded) != metav1.ConditionUnknown {
		t.Errorf("Succeeded = %s for a job that may still appear", condStatus(got, jobsv1alpha1.ConditionSucceeded))
	}
}

func TestExpiredRecordKeepsResult(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	// Long enough for the first poll on a busy machine: a job the cloud
	// forgot before the operator saw it end stalls with JobNotFound instead.
	retention := secs(5)
	job := f.simJob(cloudsim.JobSpec{Service: "ims", Init: secs(0.2), Running: secs(0.5), Retention: &retention})
	f.cloudJob("expiring", "ims", job.Spec.JobID)
	f.waitFor("expiring", 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	eventually(t, 30*time.Second, func() error {
		if _, err := sim.Job(f.project, job.Spec.JobID); err == nil {
			return errors.New("the cloud still holds the job past its retention")
		}
		return nil
	})
	// A spec change makes the operator look again; the job is gone.
	var cj jobsv1alpha1.CloudJob
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: "expiring"}, &cj); err != nil {
		t.Fatal(err)
	}
	cj.Spec.PollInterval = &metav1.Duration{Duration: 30 * time.Second}
	if err := env.Client.Update(context.Background(), &cj); err != nil {
		t.Fatal(err)
	}
	got := f.waitFor("expiring", 10*time.Second, "observed", func(j *jobsv1alpha1.CloudJob) bool {
		return j.Status.ObservedGeneration == j.Generation
	})
	if condStatus(got, jobsv1alpha1.ConditionSucceeded) != metav1.ConditionTrue || got.Status.State != "SUCCESS" {
		t.Errorf("the recorded result changed: %s state %s", testenv.ConditionsText(got), got.Status.State)
	}
	f.waitForEvents("expiring", jobsv1alpha1.EventReasonRecordExpired)
}

func TestDeadlineExceeded(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	job := f.simJob(cloudsim.JobSpec{Service: "bms", Init: secs(0.2), Running: secs(600)})
	deadline := int64(2)
	f.cloudJob("slow", "bms", job.Spec.JobID, func(j *jobsv1alpha1.CloudJob) { j.Spec.ActiveDeadlineSeconds = &deadline })
	got := f.waitFor("slow", 10*time.Second, "failed", succeededIs(metav1.ConditionFalse))
	if r := cond(got, jobsv1alpha1.ConditionStalled).Reason; r != jobsv1alpha1.ReasonDeadlineExceeded {
		t.Errorf("Stalled reason %q, want DeadlineExceeded", r)
	}
	before := jobRequests(t, job.Spec.JobID)
	time.Sleep(1500 * time.Millisecond)
	if after := jobRequests(t, job.Spec.JobID); after != before {
		t.Errorf("polling went on after the deadline: %d -> %d", before, after)
	}
}

func TestTTLDeletesFinishedJob(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	for _, ttl := range []int32{2, 0} {
		name := fmt.Sprintf("ttl-%d", ttl)
		job := f.simJob(cloudsim.JobSpec{Service: "evs", Init: secs(0.2), Running: secs(0.3)})
		f.cloudJob(name, "evs", job.Spec.JobID, func(j *jobsv1alpha1.CloudJob) { j.Spec.TTLSecondsAfterFinished = &ttl })
		// The operator deletes only finished jobs; with a TTL of 0 it may be
		// gone before the test sees it finished.
		finishedAt := time.Now()
		if ttl > 0 {
			done := f.waitFor(name, 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
			finishedAt = cond(done, jobsv1alpha1.ConditionSucceeded).LastTransitionTime.Time
		}
		deadline := time.Now().Add(15 * time.Second)
		for {
			err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: name}, &jobsv1alpha1.CloudJob{})
			if apierrors.IsNotFound(err) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the CloudJob was not deleted %ds after it finished", name, ttl)
			}
			time.Sleep(100 * time.Millisecond)
		}
		// lastTransitionTime is in whole seconds, so the TTL is kept to within one.
		if gone := time.Since(finishedAt); gone < time.Duration(ttl-1)*time.Second {
			t.Errorf("%s: deleted %s after finishing, before its TTL of %ds", name, gone, ttl)
		}
	}
}

func TestRestartedManagerResumesEveryJob(t *testing.T) {
	f := newFixture(t)
	stop := startManager(t, managerOptions{shard: f.shard})
	var names []string
	for i := range 5 {
		job := f.simJob(cloudsim.JobSpec{Service: "ecs", Init: secs(0.2), Running: secs(3 + float64(i)*0.5)})
		name := "resume-" + string(rune('a'+i))
		names = append(names, name)
		f.cloudJob(name, "ecs", job.Spec.JobID)
	}
	for _, n := range names {
		f.waitFor(n, 10*time.Second, "running", func(j *jobsv1alpha1.CloudJob) bool { return j.Status.State == "RUNNING" })
	}
	stop()
	time.Sleep(500 * time.Millisecond)
	startManager(t, managerOptions{shard: f.shard})
	for _, n := range names {
		f.waitFor(n, 20*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	}
}

func TestEndpointOutsideAllowedDomainsStalls(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	for name, ep := range map[string]string{
		"metadata":  "https://169.254.169.254",
		"internal":  "https://kubernetes.default.svc",
		"elsewhere": "https://bms.cn-north-4.myhuaweicloud.com.example.org",
	} {
		f.cloudJob(name, "bms", "abc", func(j *jobsv1alpha1.CloudJob) { j.Spec.Endpoint = ep })
		got := f.waitFor(name, 10*time.Second, "stalled", stalledWith(jobsv1alpha1.ReasonEndpointNotAllowed))
		if msg := cond(got, jobsv1alpha1.ConditionStalled).Message; !strings.Contains(msg, ep) || !strings.Contains(msg, "--allowed-endpoint-domains") {
			t.Errorf("%s: message %q does not name the endpoint and the operator's flag that allows it", name, msg)
		}
	}
}

func TestMetricsRecordRequestsDurationAndLag(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	job := f.simJob(cloudsim.JobSpec{Service: "vpc", Init: secs(0.2), Running: secs(0.5)})
	before := counterValue(t, "cloudjob_cloud_requests_total", map[string]string{"service": "vpc", "result": "ok"})
	f.cloudJob("metrics", "vpc", job.Spec.JobID)
	f.waitFor("metrics", 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	// The outcome's observations follow the status write.
	eventually(t, eventTimeout, func() error {
		if after := counterValue(t, "cloudjob_cloud_requests_total", map[string]string{"service": "vpc", "result": "ok"}); after <= before {
			return fmt.Errorf("cloudjob_cloud_requests_total{service=vpc,result=ok} did not grow: %v -> %v", before, after)
		}
		if n := histogramCount(t, "cloudjob_detection_lag_seconds", map[string]string{"service": "vpc"}); n == 0 {
			return errors.New("cloudjob_detection_lag_seconds{service=vpc} has no observation")
		}
		if n := histogramCount(t, "cloudjob_job_duration_seconds", map[string]string{"service": "vpc", "outcome": "succeeded"}); n == 0 {
			return errors.New("cloudjob_job_duration_seconds{service=vpc,outcome=succeeded} has no observation")
		}
		return nil
	})
}

func findMetric(t *testing.T, name string, labels map[string]string) *dto.Metric {
	t.Helper()
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range families {
		if fam.GetName() != name {
			continue
		}
	next:
		for _, m := range fam.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			return m
		}
	}
	return nil
}

func counterValue(t *testing.T, name string, labels map[string]string) float64 {
	if m := findMetric(t, name, labels); m != nil {
		return m.GetCounter().GetValue()
	}
	return 0
}

func histogramCount(t *testing.T, name string, labels map[string]string) uint64 {
	if m := findMetric(t, name, labels); m != nil {
		return m.GetHistogram().GetSampleCount()
	}
	return 0
}
