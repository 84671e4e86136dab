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

package cloudsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"

	clocktesting "k8s.io/utils/clock/testing"
)

// These tests run the operator's own cloud client against the simulator
// over a real loopback listener with real signed requests. Both share one
// fake wall clock, so lifecycles, the key lock and retention are stepped
// exactly; only the hang test waits, for the client's own timeout.

var (
	goodCred = signer.Credentials{AccessKey: "client-test-ak", SecretKey: "client-test-secret-key"}
	badCred  = signer.Credentials{AccessKey: goodCred.AccessKey, SecretKey: "a-wrong-secret-key"}
)

type fixture struct {
	t      *testing.T
	clock  *clocktesting.FakeClock
	sim    *cloudsim.Instance
	client *huaweicloud.Client
}

func start(t *testing.T, cfg cloudsim.Config, opts huaweicloud.Options) *fixture {
	t.Helper()
	c := clocktesting.NewFakeClock(time.Now().UTC())
	cfg.Now = c.Now
	cfg.Credentials = append(cfg.Credentials, cloudsim.Credential{AccessKey: goodCred.AccessKey, SecretKey: goodCred.SecretKey})
	sim, err := cloudsim.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sim.Close(); err != nil {
			t.Error(err)
		}
	})
	if opts.Now == nil {
		opts.Now = c.Now
	}
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	return &fixture{t: t, clock: c, sim: sim, client: huaweicloud.NewClient(opts)}
}

func (f *fixture) add(specs ...cloudsim.JobSpec) {
	f.t.Helper()
	if _, err := f.sim.AddJobs(specs...); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) faults(rules ...cloudsim.FaultRule) {
	f.t.Helper()
	if err := f.sim.SetFaults(rules); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) getAs(service cloudsim.Service, projectID, jobID string, cred signer.Credentials) (*huaweicloud.Job, error) {
	return f.client.GetJob(context.Background(), huaweicloud.Request{
		Endpoint:    f.sim.APIURL,
		Service:     huaweicloud.Service(service),
		JobRef:      huaweicloud.JobRef{ProjectID: projectID, JobID: jobID},
		Credentials: cred,
	})
}

func (f *fixture) get(service cloudsim.Service, projectID, jobID string) (*huaweicloud.Job, error) {
	return f.getAs(service, projectID, jobID, goodCred)
}

func (f *fixture) mustGet(service cloudsim.Service, projectID, jobID string) *huaweicloud.Job {
	f.t.Helper()
	job, err := f.get(service, projectID, jobID)
	if err != nil {
		f.t.Fatalf("GetJob %s %s/%s: %v", service, projectID, jobID, err)
	}
	return job
}

// wantClass fails the test unless err is of class.
func wantClass(t *testing.T, err error, class huaweicloud.ErrorClass) {
	t.Helper()
	if got := huaweicloud.ClassOf(err); got != class {
		t.Fatalf("error class %q, want %q (error: %v)", got, class, err)
	}
}

// wantClassError is wantClass that also returns the *huaweicloud.Error in
// err, or nil, for a closer look.
func wantClassError(t *testing.T, err error, class huaweicloud.ErrorClass) *huaweicloud.Error {
	t.Helper()
	wantClass(t, err, class)
	var e *huaweicloud.Error
	errors.As(err, &e)
	return e
}

func d(v time.Duration) cloudsim.Duration { return cloudsim.Duration(v) }

func TestClientReadsEveryServiceShape(t *testing.T) {
	f := start(t, cloudsim.Config{}, huaweicloud.Options{})
	const p = "0123456789abcdef0123456789abcdef"
	f.add(
		cloudsim.JobSpec{Service: cloudsim.ServiceBMS, ProjectID: p, JobID: "bms", Init: d(time.Second),
			SubJobs: []cloudsim.SubJobSpec{
				{JobID: "bms-1", Running: d(time.Minute), Resources: cloudsim.Resources{ServerID: "srv-1"}},
				{JobID: "bms-2", Running: d(2 * time.Minute), Outcome: cloudsim.OutcomeFail, ErrorCode: "BMS.0001", FailReason: "no capacity",
					Resources: cloudsim.Resources{ServerID: "srv-2", NICID: "nic-2"}},
			}},
		cloudsim.JobSpec{Service: cloudsim.ServiceECS, ProjectID: p, JobID: "ecs", Running: d(time.Minute), Resources: cloudsim.Resources{ServerID: "srv-e"}},
		cloudsim.JobSpec{Service: cloudsim.ServiceEVS, ProjectID: p, JobID: "evs", Running: d(time.Minute), Resources: cloudsim.Resources{VolumeID: "vol"}},
		cloudsim.JobSpec{Service: cloudsim.ServiceIMS, ProjectID: p, JobID: "ims", Running: d(time.Minute), Resources: cloudsim.Resources{ImageID: "img"}},
		cloudsim.JobSpec{Service: cloudsim.ServiceVPC, ProjectID: p, JobID: "vpc", Init: d(3 * time.Minute)},
		cloudsim.JobSpec{Service: cloudsim.ServiceELB, ProjectID: p, JobID: "elb", Running: d(time.Minute),
			Entities: json.RawMessage(`{"elb":{"id":"lb-1","name":"1"}}`)},
		cloudsim.JobSpec{Service: cloudsim.ServiceELBv3, ProjectID: p, JobID: "elbv3", Running: d(time.Minute), RollingBack: d(time.Minute),
			Outcome: cloudsim.OutcomeFail, FinalState: "ROLLBACK_FAIL", ErrorCode: "ELB.1", FailReason: "listener conflict",
			Resources: cloudsim.Resources{ResourceID: "lb-v3"},
			SubJobs:   []cloudsim.SubJobSpec{{JobID: "elbv3-1", Running: d(time.Minute), Resources: cloudsim.Resources{ResourceID: "lsn", ResourceType: "listener"}}}},
		cloudsim.JobSpec{Service: cloudsim.ServiceECS, ProjectID: p, JobID: "order", Payment: &cloudsim.PaymentSpec{}},
		cloudsim.JobSpec{Service: cloudsim.ServiceELBv3, ProjectID: p, JobID: "complete", FinalState: "COMPLETE"},
		cloudsim.JobSpec{Service: cloudsim.ServiceECS, ProjectID: p, JobID: "novel", FinalState: "SOMETHING_NEW"},
	)

	// While they run.
	running := map[string]cloudsim.Service{"ecs": "ecs", "evs": "evs", "ims": "ims", "elb": "elb", "elbv3": "elbv3"}
	for id, svc := range running {
		job := f.mustGet(svc, p, id)
		if job.Phase != huaweicloud.PhaseRunning || job.State != "RUNNING" || job.EndTime != nil || job.BeginTime == nil {
			t.Errorf("%s running: %+v", id, job)
		}
	}
	if job := f.mustGet("bms", p, "bms"); job.Phase != huaweicloud.PhasePending || len(job.SubJobs) != 0 {
		t.Errorf("bms in INIT: %+v", job)
	}
	if job := f.mustGet("vpc", p, "vpc"); job.Phase != huaweicloud.PhasePending || job.State != "INIT" {
		t.Errorf("vpc in INIT: %+v", job)
	}
	if job := f.mustGet("ecs", p, "order"); job.Phase != huaweicloud.PhaseAwaitingPayment {
		t.Errorf("order: %+v", job)
	}
	if job := f.mustGet("elbv3", p, "complete"); job.Phase != huaweicloud.PhaseSucceeded || job.State != "COMPLETE" {
		t.Errorf("COMPLETE: %+v", job)
	}
	if job := f.mustGet("ecs", p, "novel"); job.Phase != huaweicloud.PhaseUnknown || job.Phase.Finished() {
		t.Errorf("an unknown final state must not count as finished: %+v", job)
	}

	f.clock.Step(61 * time.Second)
	job := f.mustGet("bms", p, "bms")
	if job.Phase != huaweicloud.PhaseRunning || job.SubJobsTotal != 2 || len(job.SubJobs) != 2 ||
		job.SubJobs[0].Phase != huaweicloud.PhaseSucceeded || job.SubJobs[0].Resources.ServerID != "srv-1" ||
		job.SubJobs[1].Phase != huaweicloud.PhaseRunning || job.SubJobs[1].Resources.NICID != "nic-2" {
		t.Errorf("bms with sub-jobs: %+v", job)
	}
	if job := f.mustGet("elbv3", p, "elbv3"); job.Phase != huaweicloud.PhaseRunning || job.State != "ROLLBACKING" {
		t.Errorf("elbv3 rolling back: %+v", job)
	}

	f.clock.Step(2 * time.Minute)
	want := []struct {
		svc       cloudsim.Service
		id        string
		phase     huaweicloud.Phase
		resources huaweicloud.ResourceIDs
		code      string
	}{
		{"bms", "bms", huaweicloud.PhaseFailed, huaweicloud.ResourceIDs{}, "BMS.0001"},
		{"ecs", "ecs", huaweicloud.PhaseSucceeded, huaweicloud.ResourceIDs{ServerID: "srv-e"}, ""},
		{"evs", "evs", huaweicloud.PhaseSucceeded, huaweicloud.ResourceIDs{VolumeID: "vol"}, ""},
		{"ims", "ims", huaweicloud.PhaseSucceeded, huaweicloud.ResourceIDs{ImageID: "img"}, ""},
		{"vpc", "vpc", huaweicloud.PhaseSucceeded, huaweicloud.ResourceIDs{}, ""},
		{"elb", "elb", huaweicloud.PhaseSucceeded, huaweicloud.ResourceIDs{}, ""},
		{"elbv3", "elbv3", huaweicloud.PhaseFailed, huaweicloud.ResourceIDs{ResourceID: "lb-v3"}, "ELB.1"},
	}
	for _, w := range want {
		job := f.mustGet(w.svc, p, w.id)
		if job.Phase != w.phase || job.Resources != w.resources || job.ErrorCode != w.code || job.EndTime == nil || job.RequestID == "" {
			t.Errorf("%s ended: %+v", w.id, job)
		}
		if job.EndTime != nil && job.BeginTime != nil && !job.EndTime.After(*job.BeginTime) {
			t.Errorf("%s: end %v is not after begin %v", w.id, job.EndTime, job.BeginTime)
		}
	}
	if job := f.mustGet("elb", p, "elb"); !strings.Contains(string(job.Entities), `"lb-1"`) {
		t.Errorf("classic ELB entities: %s", job.Entities)
	}
	if job := f.mustGet("elbv3", p, "elbv3"); job.FailReason != "listener conflict" || job.State != "ROLLBACK_FAIL" ||
		len(job.SubJobs) != 1 || job.SubJobs[0].Resources.ResourceID != "lsn" {
		t.Errorf("elbv3 failed: %+v", job)
	}
}

func TestClientErrorClasses(t *testing.T) {
	f := start(t, cloudsim.Config{}, huaweicloud.Options{MaxBodyBytes: 1 << 20})
	f.add(
		cloudsim.JobSpec{Service: cloudsim.ServiceECS, ProjectID: "p", JobID: "j"},
		cloudsim.JobSpec{Service: cloudsim.ServiceELB, ProjectID: "p", JobID: "elb"},
	)

	// Not found: unknown ids, other projects, another service's path.
	for _, c := range []struct {
		svc      cloudsim.Service
		project  string
		id       string
		wantCode string
	}{
		{"ecs", "p", "missing", "Common.0011"},
		{"ecs", "other", "j", "Common.0011"},
		{"bms", "p", "elb", "Common.0011"},
		{"elbv3", "p", "j", "Common.0011"},
	} {
		_, err := f.get(c.svc, c.project, c.id)
		if e := wantClassError(t, err, huaweicloud.ErrNotFound); e.Code != c.wantCode || e.HTTPStatus != 400 {
			t.Errorf("%s %s/%s: %+v", c.svc, c.project, c.id, e)
		}
	}

	// Authentication.
	_, err := f.getAs("ecs", "p", "j", badCred)
	if e := wantClassError(t, err, huaweicloud.ErrAuthenticationFailed); e.Code != cloudsim.CodeAuthFailed || e.RequestID == "" {
		t.Errorf("bad secret: %+v", e)
	}
	_, err = f.getAs("ecs", "p", "j", signer.Credentials{AccessKey: "unknown-key", SecretKey: "whatever-secret"})
	wantClass(t, err, huaweicloud.ErrAuthenticationFailed)

	// Injected statuses, each mapped to its class.
	for _, c := range []struct {
		rule  cloudsim.FaultRule
		class huaweicloud.ErrorClass
	}{
		{cloudsim.FaultRule{Kind: cloudsim.FaultError, Status: 500}, huaweicloud.ErrUnavailable},
		{cloudsim.FaultRule{Kind: cloudsim.FaultError, Status: 502}, huaweicloud.ErrUnavailable},
		{cloudsim.FaultRule{Kind: cloudsim.FaultError, Status: 503}, huaweicloud.ErrUnavailable},
		{cloudsim.FaultRule{Kind: cloudsim.FaultError, Status: 403}, huaweicloud.ErrForbidden},
		{cloudsim.FaultRule{Kind: cloudsim.FaultError, Status: 400, ErrorCode: "Ecs.0005", Message: "bad parameter"}, huaweicloud.ErrInvalidRequest},
		{cloudsim.FaultRule{Kind: cloudsim.FaultError, Status: 404}, huaweicloud.ErrNotFound},
		{cloudsim.FaultRule{Kind: cloudsim.FaultThrottle, RetryAfter: 7}, huaweicloud.ErrThrottled},
		{cloudsim.FaultRule{Kind: cloudsim.FaultReset}, huaweicloud.ErrUnavailable},
		{cloudsim.FaultRule{Kind: cloudsim.FaultHang, Delay: d(time.Millisecond)}, huaweicloud.ErrUnavailable},
		{cloudsim.FaultRule{Kind: cloudsim.FaultMalformed}, huaweicloud.ErrMalformedResponse},
		{cloudsim.FaultRule{Kind: cloudsim.FaultWrongType}, huaweicloud.ErrMalformedResponse},
		{cloudsim.FaultRule{Kind: cloudsim.FaultHugeBody, Size: 2 << 20}, huaweicloud.ErrMalformedResponse},
		{cloudsim.FaultRule{Kind: cloudsim.FaultDeepNesting}, huaweicloud.ErrMalformedResponse},
		{cloudsim.FaultRule{Kind: cloudsim.FaultManySubJobs}, huaweicloud.ErrMalformedResponse},
	} {
		f.faults(c.rule)
		_, err := f.get("ecs", "p", "j")
		e := wantClassError(t, err, c.class)
		if c.rule.Kind == cloudsim.FaultThrottle && (e.RetryAfter != 7*time.Second || e.Code != cloudsim.CodeThrottled) {
			t.Errorf("throttled: %+v", e)
		}
		if c.rule.Kind == cloudsim.FaultError && e.HTTPStatus != c.rule.Status {
			t.Errorf("status %d: %+v", c.rule.Status, e)
		}
	}

	// Invalid UTF-8 in text fields is either rejected or cleaned; never
	// passed on.
	f.faults(cloudsim.FaultRule{Kind: cloudsim.FaultInvalidUTF8})
	if job, err := f.get("ecs", "p", "j"); err != nil {
		wantClass(t, err, huaweicloud.ErrMalformedResponse)
	} else if !utf8.ValidString(job.JobType) || !utf8.ValidString(job.FailReason) {
		t.Errorf("invalid UTF-8 passed on: %q %q", job.JobType, job.FailReason)
	}

	// After the faults, the same job reads fine.
	f.faults()
	if job := f.mustGet("ecs", "p", "j"); job.Phase != huaweicloud.PhaseSucceeded {
		t.Errorf("after the faults: %+v", job)
	}
}

func TestClientTimesOutOnAHangingAPI(t *testing.T) {
	f := start(t, cloudsim.Config{}, huaweicloud.Options{Timeout: 100 * time.Millisecond})
	f.add(cloudsim.JobSpec{Service: cloudsim.ServiceECS, ProjectID: "p", JobID: "j"})
	f.faults(cloudsim.FaultRule{Kind: cloudsim.FaultHang})
	began := time.Now()
	_, err := f.get("ecs", "p", "j")
	if e := wantClassError(t, err, huaweicloud.ErrUnavailable); e.HTTPStatus != 0 || !strings.Contains(e.Error(), "timed out") {
		t.Errorf("hang: %v", e)
	}
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("the client's 100ms timeout took %v", took)
	}
}

func TestClientClockSkew(t *testing.T) {
	f := start(t, cloudsim.Config{}, huaweicloud.Options{})
	f.add(cloudsim.JobSpec{Service: cloudsim.ServiceECS, ProjectID: "p", JobID: "j"})
	skewed := huaweicloud.NewClient(huaweicloud.Options{Now: func() time.Time { return f.clock.Now().Add(16 * time.Minute) }})
	_, err := skewed.GetJob(context.Background(), huaweicloud.Request{
		Endpoint: f.sim.APIURL, Service: "ecs", JobRef: huaweicloud.JobRef{ProjectID: "p", JobID: "j"}, Credentials: goodCred,
	})
	if e := wantClassError(t, err, huaweicloud.ErrAuthenticationFailed); e.Code != cloudsim.CodeAuthExpired {
		t.Errorf("skewed clock: %+v", e)
	}
}

func TestClientQuota(t *testing.T) {
	f := start(t, cloudsim.Config{RequestsPerMinute: 5, TimeScale: 6}, huaweicloud.Options{})
	f.add(cloudsim.JobSpec{Service: cloudsim.ServiceECS, ProjectID: "p", JobID: "j"})
	for i := range 5 {
		if _, err := f.get("ecs", "p", "j"); err != nil {
			t.Fatalf("request %d within the quota: %v", i, err)
		}
	}
	_, err := f.get("ecs", "p", "j")
	// A token every 12 simulated seconds, 2 real seconds at scale 6.
	if e := wantClassError(t, err, huaweicloud.ErrThrottled); e.HTTPStatus != 429 || e.RetryAfter != 2*time.Second {
		t.Errorf("over the quota: %+v", e)
	}
	f.clock.Step(2 * time.Second)
	if _, err := f.get("ecs", "p", "j"); err != nil {
		t.Fatalf("after Retry-After: %v", err)
	}
	st := f.sim.Stats()
	if st.Throttled != 1 || st.AccessKeys[goodCred.AccessKey].Requests != 7 || st.Jobs[0].Requests != 7 {
		t.Errorf("stats: %+v", st)
	}
}

func TestClientKeyLock(t *testing.T) {
	f := start(t, cloudsim.Config{TimeScale: 60}, huaweicloud.Options{})
	f.add(cloudsim.JobSpec{Service: cloudsim.ServiceECS, ProjectID: "p", JobID: "j"})
	for range 6 {
		_, err := f.getAs("ecs", "p", "j", badCred)
		wantClass(t, err, huaweicloud.ErrAuthenticationFailed)
	}
	_, err := f.get("ecs", "p", "j")
	if e := wantClassError(t, err, huaweicloud.ErrAuthenticationFailed); !strings.Contains(e.Message, "locked") {
		t.Errorf("locked key: %+v", e)
	}
	// Five simulated minutes are five real seconds at scale 60.
	f.clock.Step(5 * time.Second)
	if _, err := f.get("ecs", "p", "j"); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
}

func TestClientRetention(t *testing.T) {
	f := start(t, cloudsim.Config{TimeScale: 3600}, huaweicloud.Options{})
	f.add(cloudsim.JobSpec{Service: cloudsim.ServiceBMS, ProjectID: "p", JobID: "j", Running: d(time.Hour)})
	f.clock.Step(time.Second) // one simulated hour
	if job := f.mustGet("bms", "p", "j"); job.Phase != huaweicloud.PhaseSucceeded {
		t.Fatalf("ended: %+v", job)
	}
	f.clock.Step(24 * time.Second) // one simulated day
	_, err := f.get("bms", "p", "j")
	wantClass(t, err, huaweicloud.ErrNotFound)
	js := f.sim.Stats().Jobs[0]
	if !js.Removed || js.FinalState != "SUCCESS" || js.FinalServedAt == nil || js.Requests != 2 {
		t.Errorf("stats of the expired job: %+v", js)
	}
}

func TestClientLoadsTheSeedScenario(t *testing.T) {
	f := start(t, cloudsim.Config{}, huaweicloud.Options{})
	sc, err := cloudsim.LoadScenarioFile("../../hack/scenarios/seed-examples.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.sim.Apply(sc); err != nil {
		t.Fatal(err)
	}
	f.clock.Step(5 * time.Minute)
	bms := f.mustGet("bms", "bbf1946d374b44a0a2a95533562ba954", "2c9eb2c5544cbf6101544f0602af2b4f")
	if bms.Phase != huaweicloud.PhaseSucceeded || bms.JobType != "baremetalBatchCreate" || bms.SubJobsTotal != 1 ||
		bms.SubJobs[0].Resources.ServerID != "bae51750-0089-41a1-9b18-5c777978ff6d" || bms.EndTime.Sub(*bms.BeginTime) != 4*time.Minute+6989*time.Millisecond {
		t.Errorf("BMS seed job: %+v", bms)
	}
	elb := f.mustGet("elb", "cbc08e2f8c354c7aa7abb88d0a7d11dc", "ff8080825ecc523f015ecd0a98f82f77")
	if elb.Phase != huaweicloud.PhaseSucceeded || elb.JobType != "createELB" || !strings.Contains(string(elb.Entities), "ef265755daf84333baf4ddc1d91cbc2f") {
		t.Errorf("ELB seed job: %+v", elb)
	}
}

// TestClientReadsTheServicesBeyondV1 runs a job to SUCCESS and one to FAIL
// in every service whose shape is not the v1 one, and reads them through the
// operator's client at each step: the path, query and headers the client
// sends must find the job, and what it decodes must match the script.
func TestClientReadsTheServicesBeyondV1(t *testing.T) {
	f := start(t, cloudsim.Config{}, huaweicloud.Options{})
	const p = "0123456789abcdef0123456789abcdef"
	// pending: the phase while the job is in the lifecycle's INIT, which some
	// services spell as running. progress: the service reports a percentage.
	tests := []struct {
		service  cloudsim.Service
		pending  huaweicloud.Phase
		progress bool
		// noReason: the API says nothing about why a job failed.
		noReason bool
		spec     func(s *cloudsim.JobSpec)
		check    func(t *testing.T, job *huaweicloud.Job)
	}{
		{service: cloudsim.ServiceCCE, pending: huaweicloud.PhasePending, spec: func(s *cloudsim.JobSpec) {
			s.JobType = "CreateNodePool"
			s.Resources = cloudsim.Resources{ClusterID: "cluster-1", ResourceID: "pool-1", ResourceName: "pool"}
			s.SubJobs = []cloudsim.SubJobSpec{{JobID: s.JobID + "-n", JobType: "CreateNode", Running: d(time.Minute), Resources: cloudsim.Resources{ResourceID: "node-1"},
				SubJobs: []cloudsim.SubJobSpec{{JobID: s.JobID + "-i", JobType: "InstallNode", Running: d(time.Minute), Resources: cloudsim.Resources{ResourceID: "node-1"},
					ErrorCode: "CCE.1", FailReason: "install failed"}}}}
		}, check: func(t *testing.T, job *huaweicloud.Job) {
			if job.Resources.ClusterID != "cluster-1" || job.Resources.NodePoolID != "pool-1" || job.Resources.ResourceName != "pool" {
				t.Errorf("cce ids %+v", job.Resources)
			}
			if len(job.SubJobs) != 1 || len(job.SubJobs[0].SubJobs) != 1 || job.SubJobs[0].SubJobs[0].Resources.NodeID != "node-1" {
				t.Errorf("cce nested sub-jobs %+v", job.SubJobs)
			}
		}},
		{service: cloudsim.ServiceCCEAutopilot, pending: huaweicloud.PhasePending},
		{service: cloudsim.ServiceRDS, pending: huaweicloud.PhaseRunning, progress: true, spec: withInstance, check: wantInstance},
		{service: cloudsim.ServiceTaurusDB, pending: huaweicloud.PhasePending, progress: true, spec: withInstance, check: wantInstance},
		{service: cloudsim.ServiceOpenGauss, pending: huaweicloud.PhaseRunning, progress: true, spec: withInstance, check: wantInstance},
		{service: cloudsim.ServiceDDS, pending: huaweicloud.PhaseRunning, progress: true, spec: withInstance, check: wantInstance},
		{service: cloudsim.ServiceGeminiDB, pending: huaweicloud.PhaseRunning, progress: true, spec: withInstance, check: wantInstance},
		{service: cloudsim.ServiceDDM, noReason: true, pending: huaweicloud.PhaseRunning, progress: true, spec: withInstance, check: wantInstance},
		{service: cloudsim.ServiceDCS, pending: huaweicloud.PhasePending},
		{service: cloudsim.ServiceKafka, noReason: true, pending: huaweicloud.PhasePending, spec: func(s *cloudsim.JobSpec) {
			s.InstanceID = "kafka-instance"
			s.Entities = json.RawMessage(`{"public_ip_id":"ip-1"}`)
		}, check: func(t *testing.T, job *huaweicloud.Job) {
			if string(job.Entities) != `{"public_ip_id":"ip-1"}` {
				t.Errorf("kafka params %s", job.Entities)
			}
		}},
		{service: cloudsim.ServiceRabbitMQ, noReason: true, pending: huaweicloud.PhasePending, spec: func(s *cloudsim.JobSpec) { s.InstanceID = "rabbit" }},
		{service: cloudsim.ServiceRocketMQ, noReason: true, pending: huaweicloud.PhasePending, spec: func(s *cloudsim.JobSpec) { s.InstanceID = "rocket" }},
		{service: cloudsim.ServiceSFSTurbo, pending: huaweicloud.PhasePending, spec: func(s *cloudsim.JobSpec) {
			s.SubJobs = []cloudsim.SubJobSpec{{JobID: s.JobID + "-1", Running: d(time.Minute)}}
		}, check: func(t *testing.T, job *huaweicloud.Job) {
			if len(job.SubJobs) != 1 {
				t.Errorf("sfsturbo sub-jobs %+v", job.SubJobs)
			}
		}},
		{service: cloudsim.ServiceDWS, pending: huaweicloud.PhasePending, progress: true},
		{service: cloudsim.ServiceCBR, pending: huaweicloud.PhasePending, progress: true, spec: func(s *cloudsim.JobSpec) {
			s.Resources = cloudsim.Resources{ResourceID: "srv-1", ResourceType: "OS::Nova::Server", ResourceName: "web", BackupID: "backup-1"}
		}, check: func(t *testing.T, job *huaweicloud.Job) {
			if r := job.Resources; r.BackupID != "backup-1" || r.ResourceID != "srv-1" || r.ResourceType != "OS::Nova::Server" {
				t.Errorf("cbr ids %+v", r)
			}
		}},
		{service: cloudsim.ServiceGEIP, pending: huaweicloud.PhasePending, check: func(t *testing.T, job *huaweicloud.Job) {
			if job.JobType != "bindGeip" {
				t.Errorf("geip action %q", job.JobType)
			}
		}},
		{service: cloudsim.ServiceCFW, noReason: true, pending: huaweicloud.PhaseRunning},
		{service: cloudsim.ServiceSWR, pending: huaweicloud.PhasePending, spec: func(s *cloudsim.JobSpec) {
			s.Resources = cloudsim.Resources{InstanceID: "swr-instance", ResourceID: "repo-1", ResourceName: "registry"}
		}, check: func(t *testing.T, job *huaweicloud.Job) {
			if r := job.Resources; r.InstanceID != "swr-instance" || r.ResourceID != "repo-1" || r.ResourceName != "registry" {
				t.Errorf("swr ids %+v", r)
			}
		}},
		{service: cloudsim.ServiceCAE, pending: huaweicloud.PhasePending, spec: func(s *cloudsim.JobSpec) {
			s.EnvironmentID = "env-1"
			s.SubJobs = []cloudsim.SubJobSpec{{JobType: "Build", Running: d(time.Minute), FailReason: "build failed"}}
		}},
		{service: cloudsim.ServiceCSE, noReason: true, pending: huaweicloud.PhasePending, spec: func(s *cloudsim.JobSpec) {
			s.InstanceID = "engine-1"
			s.SubJobs = []cloudsim.SubJobSpec{{JobType: "CreateVM", Running: d(time.Minute),
				SubJobs: []cloudsim.SubJobSpec{{JobType: "CreateECS", Running: d(time.Minute)}}}}
		}, check: func(t *testing.T, job *huaweicloud.Job) {
			if job.Resources.InstanceID != "engine-1" || len(job.SubJobs) != 1 || len(job.SubJobs[0].SubJobs) != 1 ||
				job.SubJobs[0].SubJobs[0].JobType != "CreateECS" {
				t.Errorf("cse engine %q, stages %+v", job.Resources.InstanceID, job.SubJobs)
			}
		}},
	}
	refOf := func(s cloudsim.JobSpec) huaweicloud.JobRef {
		ref := huaweicloud.JobRef{ProjectID: s.ProjectID, InstanceID: s.InstanceID, EnvironmentID: s.EnvironmentID, JobID: s.JobID}
		if s.Service == cloudsim.ServiceGEIP {
			ref.ProjectID, ref.DomainID = "", s.ProjectID
		}
		return ref
	}
	type pair struct{ ok, fail cloudsim.JobSpec }
	specs := map[cloudsim.Service]pair{}
	for _, tt := range tests {
		var pr pair
		for i, spec := range []*cloudsim.JobSpec{&pr.ok, &pr.fail} {
			*spec = cloudsim.JobSpec{Service: tt.service, ProjectID: p, JobID: fmt.Sprintf("%s-%d", tt.service, i),
				Init: d(10 * time.Second), Running: d(2 * time.Minute)}
			if tt.spec != nil {
				tt.spec(spec)
			}
		}
		pr.fail.Outcome, pr.fail.ErrorCode, pr.fail.FailReason = cloudsim.OutcomeFail, "E.42", "it broke"
		if len(pr.fail.SubJobs) > 0 {
			pr.fail.SubJobs[0].Outcome = cloudsim.OutcomeFail
		}
		f.add(pr.ok, pr.fail)
		specs[tt.service] = pr
	}
	get := func(s cloudsim.JobSpec) *huaweicloud.Job {
		t.Helper()
		job, err := f.client.GetJob(context.Background(), huaweicloud.Request{
			Endpoint: f.sim.APIURL, Service: huaweicloud.Service(s.Service), JobRef: refOf(s), Credentials: goodCred})
		if err != nil {
			t.Fatalf("%s %s: %v", s.Service, s.JobID, err)
		}
		return job
	}

	f.clock.Step(5 * time.Second)
	for _, tt := range tests {
		if job := get(specs[tt.service].ok); job.Phase != tt.pending || job.EndTime != nil || job.BeginTime == nil {
			t.Errorf("%s at 5 s: phase %s (%q), begin %v, end %v", tt.service, job.Phase, job.State, job.BeginTime, job.EndTime)
		}
	}
	f.clock.Step(65 * time.Second) // half the running time
	for _, tt := range tests {
		job := get(specs[tt.service].ok)
		if job.Phase != huaweicloud.PhaseRunning || job.EndTime != nil {
			t.Errorf("%s at 70 s: phase %s (%q), end %v", tt.service, job.Phase, job.State, job.EndTime)
		}
		if got := job.Progress; tt.progress != (got != nil) || got != nil && (*got < 45 || *got > 55) {
			t.Errorf("%s at 70 s: progress %v, want about 50 (reported: %v)", tt.service, got, tt.progress)
		}
	}
	f.clock.Step(2 * time.Minute)
	for _, tt := range tests {
		pr := specs[tt.service]
		ok, failed := get(pr.ok), get(pr.fail)
		if ok.Phase != huaweicloud.PhaseSucceeded || ok.EndTime == nil || ok.JobID != pr.ok.JobID && tt.service != cloudsim.ServiceCSE ||
			ok.JobType == "" && tt.service != cloudsim.ServiceCFW && tt.service != cloudsim.ServiceCAE {
			t.Errorf("%s ended: %+v", tt.service, ok)
		}
		// RDS, TaurusDB, DDM and GeminiDB give a progress only while the job runs.
		if tt.progress && (ok.Progress == nil || *ok.Progress != 100) && !slices.Contains(progressOnlyWhileRunning, tt.service) {
			t.Errorf("%s ended: progress %v, want 100", tt.service, ok.Progress)
		}
		wantReason := failed.FailReason == "it broke" || failed.FailReason == "build failed" || tt.noReason
		if failed.Phase != huaweicloud.PhaseFailed || failed.EndTime == nil || !wantReason {
			t.Errorf("%s failed: phase %s, end %v, reason %q", tt.service, failed.Phase, failed.EndTime, failed.FailReason)
		}
		if tt.check != nil {
			tt.check(t, ok)
		}
	}
}

// progressOnlyWhileRunning are the services whose models document the
// progress as "" once the job no longer runs.
var progressOnlyWhileRunning = []cloudsim.Service{cloudsim.ServiceRDS, cloudsim.ServiceTaurusDB, cloudsim.ServiceDDM, cloudsim.ServiceGeminiDB}

func withInstance(s *cloudsim.JobSpec) {
	s.Resources = cloudsim.Resources{InstanceID: "instance-of-" + s.JobID, ResourceName: "db"}
}

func wantInstance(t *testing.T, job *huaweicloud.Job) {
	if job.Resources.InstanceID != "instance-of-"+job.JobID {
		t.Errorf("%s: instance %q", job.JobID, job.Resources.InstanceID)
	}
}

// TestClientFindsJobsOnlyWhereTheyAre: a job asked for under another instance
// or environment, or on another service's path, is not found, in each
// service's own way of saying so, which the client reads as NotFound.
func TestClientFindsJobsOnlyWhereTheyAre(t *testing.T) {
	f := start(t, cloudsim.Config{}, huaweicloud.Options{})
	const p = "0123456789abcdef0123456789abcdef"
	f.add(
		cloudsim.JobSpec{Service: cloudsim.ServiceKafka, ProjectID: p, JobID: "task", InstanceID: "inst-a", Running: d(time.Minute)},
		cloudsim.JobSpec{Service: cloudsim.ServiceCAE, ProjectID: p, JobID: "cae", EnvironmentID: "env-a", Running: d(time.Minute)},
		cloudsim.JobSpec{Service: cloudsim.ServiceRDS, ProjectID: p, JobID: "rds", Running: d(time.Minute)},
	)
	for _, tt := range []struct {
		name    string
		service huaweicloud.Service
		ref     huaweicloud.JobRef
	}{
		{"kafka task under another instance", huaweicloud.ServiceKafka, huaweicloud.JobRef{ProjectID: p, InstanceID: "inst-b", JobID: "task"}},
		{"cae job in another environment", huaweicloud.ServiceCAE, huaweicloud.JobRef{ProjectID: p, EnvironmentID: "env-b", JobID: "cae"}},
		{"rds job asked as geminidb's list", huaweicloud.ServiceGeminiDB, huaweicloud.JobRef{ProjectID: p, JobID: "nope"}},
		{"unknown rds job", huaweicloud.ServiceRDS, huaweicloud.JobRef{ProjectID: p, JobID: "nope"}},
		{"rds job on the ddm path", huaweicloud.ServiceDDM, huaweicloud.JobRef{ProjectID: p, JobID: "rds"}},
		{"unknown cbr log", huaweicloud.ServiceCBR, huaweicloud.JobRef{ProjectID: p, JobID: "nope"}},
		{"unknown sfs turbo job", huaweicloud.ServiceSFSTurbo, huaweicloud.JobRef{ProjectID: p, JobID: "nope"}},
	} {
		_, err := f.client.GetJob(context.Background(), huaweicloud.Request{Endpoint: f.sim.APIURL, Service: tt.service, JobRef: tt.ref, Credentials: goodCred})
		if huaweicloud.ClassOf(err) != huaweicloud.ErrNotFound {
			t.Errorf("%s: %v, want NotFound", tt.name, err)
		}
	}
	for _, tt := range []struct {
		service huaweicloud.Service
		ref     huaweicloud.JobRef
	}{
		{huaweicloud.ServiceKafka, huaweicloud.JobRef{ProjectID: p, InstanceID: "inst-a", JobID: "task"}},
		{huaweicloud.ServiceCAE, huaweicloud.JobRef{ProjectID: p, EnvironmentID: "env-a", JobID: "cae"}},
		{huaweicloud.ServiceRDS, huaweicloud.JobRef{ProjectID: p, JobID: "rds"}},
	} {
		if _, err := f.client.GetJob(context.Background(), huaweicloud.Request{Endpoint: f.sim.APIURL, Service: tt.service, JobRef: tt.ref, Credentials: goodCred}); err != nil {
			t.Errorf("%s %s: %v", tt.service, tt.ref.JobID, err)
		}
	}
}
