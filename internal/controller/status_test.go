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
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
)

var (
	t0    = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	begin = time.Date(2019, 4, 25, 20, 4, 34, 604e6, time.UTC)
	end   = time.Date(2019, 4, 25, 20, 8, 41, 593e6, time.UTC)
)

func cloudJob(phase huaweicloud.Phase, state string, mutate ...func(*huaweicloud.Job)) *huaweicloud.Job {
	j := &huaweicloud.Job{JobID: "2c9eb2c5544cbf6101544f0602af2b4f", JobType: "baremetalBatchCreate", State: state, Phase: phase, BeginTime: &begin}
	if phase.Finished() {
		j.EndTime = &end
	}
	for _, m := range mutate {
		m(j)
	}
	return j
}

func subJobs(phases ...huaweicloud.Phase) func(*huaweicloud.Job) {
	return func(j *huaweicloud.Job) {
		for i, p := range phases {
			state := map[huaweicloud.Phase]string{huaweicloud.PhaseSucceeded: "SUCCESS", huaweicloud.PhaseFailed: "FAIL", huaweicloud.PhaseRunning: "RUNNING"}[p]
			s := huaweicloud.Job{JobID: fmt.Sprintf("sub%d", i), JobType: "baremetalSingleCreate", State: state, Phase: p,
				Resources: huaweicloud.ResourceIDs{ServerID: fmt.Sprintf("server-%d", i)}}
			if p == huaweicloud.PhaseFailed {
				s.ErrorCode, s.FailReason = "BMS.0001", "no capacity"
			}
			j.SubJobs = append(j.SubJobs, s)
		}
		j.SubJobsTotal = len(phases)
	}
}

type condWant struct {
	status metav1.ConditionStatus // "" = absent
	reason string
}

func checkConditions(t *testing.T, st *jobsv1alpha1.CloudJobStatus, gen int64, want map[string]condWant) {
	t.Helper()
	for _, typ := range []string{jobsv1alpha1.ConditionReady, jobsv1alpha1.ConditionSucceeded, jobsv1alpha1.ConditionReconciling, jobsv1alpha1.ConditionStalled} {
		c := meta.FindStatusCondition(st.Conditions, typ)
		w := want[typ]
		if w.status == "" {
			if c != nil {
				t.Errorf("%s = %s/%s, want absent", typ, c.Status, c.Reason)
			}
			continue
		}
		if c == nil {
			t.Errorf("%s absent, want %s/%s", typ, w.status, w.reason)
			continue
		}
		if c.Status != w.status || c.Reason != w.reason {
			t.Errorf("%s = %s/%s, want %s/%s", typ, c.Status, c.Reason, w.status, w.reason)
		}
		if c.ObservedGeneration != gen {
			t.Errorf("%s.observedGeneration = %d, want %d", typ, c.ObservedGeneration, gen)
		}
	}
	if st.ObservedGeneration != gen {
		t.Errorf("status.observedGeneration = %d, want %d", st.ObservedGeneration, gen)
	}
	if reasonOf(st, jobsv1alpha1.ConditionReconciling) != "" && reasonOf(st, jobsv1alpha1.ConditionStalled) != "" {
		t.Errorf("Reconciling and Stalled are both True")
	}
}

func progressing(reason string) map[string]condWant {
	return map[string]condWant{
		jobsv1alpha1.ConditionReady:       {metav1.ConditionFalse, reason},
		jobsv1alpha1.ConditionSucceeded:   {metav1.ConditionUnknown, reason},
		jobsv1alpha1.ConditionReconciling: {metav1.ConditionTrue, reason},
	}
}

func stalled(reason string) map[string]condWant {
	return map[string]condWant{
		jobsv1alpha1.ConditionReady:     {metav1.ConditionFalse, reason},
		jobsv1alpha1.ConditionSucceeded: {metav1.ConditionUnknown, reason},
		jobsv1alpha1.ConditionStalled:   {metav1.ConditionTrue, reason},
	}
}

func failed(reason string) map[string]condWant {
	return map[string]condWant{
		jobsv1alpha1.ConditionReady:     {metav1.ConditionFalse, reason},
		jobsv1alpha1.ConditionSucceeded: {metav1.ConditionFalse, reason},
		jobsv1alpha1.ConditionStalled:   {metav1.ConditionTrue, reason},
	}
}

var succeeded = map[string]condWant{
	jobsv1alpha1.ConditionReady:     {metav1.ConditionTrue, jobsv1alpha1.ReasonSucceeded},
	jobsv1alpha1.ConditionSucceeded: {metav1.ConditionTrue, jobsv1alpha1.ReasonSucceeded},
}

func TestStatusFromJob(t *testing.T) {
	cases := []struct {
		name        string
		job         *huaweicloud.Job
		want        map[string]condWant
		wantMessage string // a substring of Ready's message
		check       func(*testing.T, *jobsv1alpha1.CloudJobStatus)
	}{
		{name: "INIT", job: cloudJob(huaweicloud.PhasePending, "INIT"), want: progressing(jobsv1alpha1.ReasonInitializing)},
		{name: "RUNNING", job: cloudJob(huaweicloud.PhaseRunning, "RUNNING"), want: progressing(jobsv1alpha1.ReasonRunning),
			check: func(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
				if st.CompletionTime != nil {
					t.Errorf("completionTime set on a running job")
				}
				if st.StartTime == nil || !st.StartTime.Time.Equal(begin.Truncate(time.Second)) {
					t.Errorf("startTime = %v, want the cloud's begin time", st.StartTime)
				}
			}},
		{name: "PENDING_PAYMENT", job: cloudJob(huaweicloud.PhaseAwaitingPayment, "PENDING_PAYMENT"), want: progressing(jobsv1alpha1.ReasonAwaitingPayment), wantMessage: "pay"},
		{name: "unknown state", job: cloudJob(huaweicloud.PhaseUnknown, "FROZEN"), want: progressing(jobsv1alpha1.ReasonUnknownState), wantMessage: "FROZEN"},
		{name: "SUCCESS with sub-jobs", job: cloudJob(huaweicloud.PhaseSucceeded, "SUCCESS", subJobs(huaweicloud.PhaseSucceeded, huaweicloud.PhaseSucceeded, huaweicloud.PhaseSucceeded)),
			want: succeeded, wantMessage: "succeeded",
			check: func(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
				if st.SubJobsProgress != "3/3" || st.SubJobsTotal != 3 || len(st.SubJobs) != 3 || st.SubJobs[2].ServerID != "server-2" {
					t.Errorf("sub-jobs = %s total %d list %d", st.SubJobsProgress, st.SubJobsTotal, len(st.SubJobs))
				}
				if st.CompletionTime == nil || !st.CompletionTime.Time.Equal(end.Truncate(time.Second)) {
					t.Errorf("completionTime = %v, want the cloud's end time", st.CompletionTime)
				}
			}},
		{name: "SUCCESS with a failed sub-job", job: cloudJob(huaweicloud.PhaseSucceeded, "SUCCESS", subJobs(huaweicloud.PhaseSucceeded, huaweicloud.PhaseFailed)),
			want: succeeded, wantMessage: "1 of 2 sub-jobs failed: sub1 (server-1) BMS.0001: no capacity"},
		{name: "FAIL", job: cloudJob(huaweicloud.PhaseFailed, "FAIL", func(j *huaweicloud.Job) { j.ErrorCode, j.FailReason = "BMS.0209", "image not found" }, subJobs(huaweicloud.PhaseFailed, huaweicloud.PhaseSucceeded)),
			want: failed(jobsv1alpha1.ReasonJobFailed), wantMessage: "the cloud job failed: BMS.0209: image not found; 1 of 2 sub-jobs failed: sub0 (server-0) BMS.0001: no capacity",
			check: func(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
				if st.ErrorCode != "BMS.0209" || st.FailReason != "image not found" {
					t.Errorf("errorCode/failReason = %q/%q", st.ErrorCode, st.FailReason)
				}
				if st.SubJobCounts == nil || *st.SubJobCounts != (jobsv1alpha1.SubJobCounts{Succeeded: 1, Failed: 1}) {
					t.Errorf("subJobCounts = %+v", st.SubJobCounts)
				}
			}},
		{name: "entities kept as JSON, ids typed", job: cloudJob(huaweicloud.PhaseSucceeded, "SUCCESS", func(j *huaweicloud.Job) {
			j.Entities = json.RawMessage(`{"elb": {"id": "ef26", "bandwidth": 1}}`)
			j.Resources.VolumeID = "vol-1"
		}), want: succeeded, check: func(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
			if st.Entities == nil || string(st.Entities.Raw) != `{"elb":{"bandwidth":1,"id":"ef26"}}` {
				t.Errorf("entities = %v", st.Entities)
			}
			if st.VolumeID != "vol-1" {
				t.Errorf("volumeID = %q", st.VolumeID)
			}
		}},
		{name: "oversized entities left out", job: cloudJob(huaweicloud.PhaseRunning, "RUNNING", func(j *huaweicloud.Job) {
			j.Entities = json.RawMessage(`{"x":"` + strings.Repeat("a", maxEntitiesBytes) + `"}`)
		}), want: progressing(jobsv1alpha1.ReasonRunning), check: func(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
			if st.Entities != nil {
				t.Errorf("entities of %d bytes were kept", len(st.Entities.Raw))
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := jobsv1alpha1.CloudJobStatus{ObservedGeneration: -1}
			st := statusFromJob(old, 3, tc.job, t0)
			checkConditions(t, &st, 3, tc.want)
			if st.State != tc.job.State || st.JobType != tc.job.JobType {
				t.Errorf("state/jobType = %q/%q", st.State, st.JobType)
			}
			if tc.wantMessage != "" {
				if msg := meta.FindStatusCondition(st.Conditions, jobsv1alpha1.ConditionReady).Message; !strings.Contains(msg, tc.wantMessage) {
					t.Errorf("Ready message %q does not contain %q", msg, tc.wantMessage)
				}
			}
			if tc.check != nil {
				tc.check(t, &st)
			}
			// Polling again and learning nothing new changes nothing.
			again := statusFromJob(st, 3, tc.job, t0.Add(time.Minute))
			if !statusEqual(&st, &again) {
				t.Errorf("a second identical poll changed the status")
			}
		})
	}
}

func TestStatusPhase(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	var fresh jobsv1alpha1.CloudJobStatus
	if st := statusFromProblem(fresh, 1, problem{reason: jobsv1alpha1.ReasonCredentialsNotFound, stalled: true}, t0); st.Phase != jobsv1alpha1.PhasePending {
		t.Errorf("stalled before any answer: phase %q, want Pending", st.Phase)
	}
	running := statusFromJob(fresh, 1, &huaweicloud.Job{State: "RUNNING", Phase: huaweicloud.PhaseRunning}, t0)
	if running.Phase != jobsv1alpha1.PhaseRunning {
		t.Errorf("running: phase %q", running.Phase)
	}
	if st := statusFromProblem(running, 1, problem{reason: jobsv1alpha1.ReasonAuthenticationFailed, stalled: true}, t0); st.Phase != jobsv1alpha1.PhaseRunning {
		t.Errorf("stalled while running: phase %q, want Running (the cloud job may go on)", st.Phase)
	}
	if st := statusFromJob(running, 1, &huaweicloud.Job{State: "NEW_STATE", Phase: huaweicloud.PhaseUnknown}, t0); st.Phase != jobsv1alpha1.PhaseUnknown {
		t.Errorf("unknown state: phase %q", st.Phase)
	}
	if st := statusDeadlineExceeded(running, 1, 60, t0); st.Phase != jobsv1alpha1.PhaseFailed {
		t.Errorf("deadline: phase %q, want Failed", st.Phase)
	}
	done := statusFromJob(running, 1, &huaweicloud.Job{State: "SUCCESS", Phase: huaweicloud.PhaseSucceeded}, t0)
	if done.Phase != jobsv1alpha1.PhaseSucceeded {
		t.Errorf("succeeded: phase %q", done.Phase)
	}
	// A status an older operator recorded without a phase gets one, and only that.
	done.Phase = ""
	if st, open := reopen(done, 2); open || st.Phase != jobsv1alpha1.PhaseSucceeded {
		t.Errorf("reopened finished status: phase %q open %v", st.Phase, open)
	}
}

func TestOutcomeNeverFlips(t *testing.T) {
	done := statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, cloudJob(huaweicloud.PhaseSucceeded, "SUCCESS"), t0)
	for _, next := range []jobsv1alpha1.CloudJobStatus{
		statusFromJob(done, 1, cloudJob(huaweicloud.PhaseFailed, "FAIL"), t0.Add(time.Minute)),
		statusFromJob(done, 1, cloudJob(huaweicloud.PhaseRunning, "RUNNING"), t0.Add(time.Minute)),
		statusFromProblem(done, 1, problem{reason: jobsv1alpha1.ReasonJobNotFound, stalled: true}, t0.Add(time.Minute)),
		statusDeadlineExceeded(done, 1, 10, t0.Add(time.Minute)),
	} {
		checkConditions(t, &next, 1, succeeded)
		if next.State != "SUCCESS" {
			t.Errorf("recorded state changed to %q", next.State)
		}
	}
	// A spec change is acknowledged on every condition.
	bumped := statusFromProblem(done, 2, problem{reason: jobsv1alpha1.ReasonJobNotFound, stalled: true}, t0)
	checkConditions(t, &bumped, 2, succeeded)
}

func TestStatusFromProblem(t *testing.T) {
	running := statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, cloudJob(huaweicloud.PhaseRunning, "RUNNING", subJobs(huaweicloud.PhaseRunning)), t0)
	for _, tc := range []struct {
		p    problem
		want map[string]condWant
	}{
		{problem{reason: jobsv1alpha1.ReasonThrottled, message: "429"}, progressing(jobsv1alpha1.ReasonThrottled)},
		{problem{reason: jobsv1alpha1.ReasonCloudAPIUnavailable, message: "503"}, progressing(jobsv1alpha1.ReasonCloudAPIUnavailable)},
		{problem{reason: jobsv1alpha1.ReasonAuthenticationFailed, stalled: true}, stalled(jobsv1alpha1.ReasonAuthenticationFailed)},
		{problem{reason: jobsv1alpha1.ReasonCredentialsNotFound, stalled: true}, stalled(jobsv1alpha1.ReasonCredentialsNotFound)},
		{problem{reason: jobsv1alpha1.ReasonJobNotFound, stalled: true}, stalled(jobsv1alpha1.ReasonJobNotFound)},
		{problem{reason: jobsv1alpha1.ReasonEndpointNotAllowed, stalled: true}, stalled(jobsv1alpha1.ReasonEndpointNotAllowed)},
	} {
		t.Run(tc.p.reason, func(t *testing.T) {
			st := statusFromProblem(running, 1, tc.p, t0.Add(time.Minute))
			checkConditions(t, &st, 1, tc.want)
			if st.State != "RUNNING" || st.SubJobsTotal != 1 {
				t.Errorf("the record of the last poll was lost: state %q, sub-jobs %d", st.State, st.SubJobsTotal)
			}
			// Recovery: the next good poll clears the problem.
			back := statusFromJob(st, 1, cloudJob(huaweicloud.PhaseRunning, "RUNNING", subJobs(huaweicloud.PhaseRunning)), t0.Add(2*time.Minute))
			checkConditions(t, &back, 1, progressing(jobsv1alpha1.ReasonRunning))
		})
	}
}

func TestStatusDeadlineExceeded(t *testing.T) {
	running := statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, cloudJob(huaweicloud.PhaseRunning, "RUNNING"), t0)
	st := statusDeadlineExceeded(running, 1, 600, t0.Add(10*time.Minute))
	checkConditions(t, &st, 1, failed(jobsv1alpha1.ReasonDeadlineExceeded))
	if c := meta.FindStatusCondition(st.Conditions, jobsv1alpha1.ConditionStalled); !strings.Contains(c.Message, "600") || !strings.Contains(c.Message, "RUNNING") {
		t.Errorf("message %q does not name the deadline and the last state", c.Message)
	}
	if st.CompletionTime == nil {
		t.Errorf("completionTime not set")
	}
}

func TestTransitionTimeKeptWhileStatusHolds(t *testing.T) {
	first := statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, cloudJob(huaweicloud.PhasePending, "INIT"), t0)
	second := statusFromJob(first, 1, cloudJob(huaweicloud.PhaseRunning, "RUNNING"), t0.Add(time.Minute))
	c := meta.FindStatusCondition(second.Conditions, jobsv1alpha1.ConditionReconciling)
	if !c.LastTransitionTime.Time.Equal(t0) {
		t.Errorf("Reconciling stayed True but its lastTransitionTime moved to %v", c.LastTransitionTime)
	}
}

func TestSubJobListIsBoundedWithFailedFirst(t *testing.T) {
	phases := make([]huaweicloud.Phase, 250)
	for i := range phases {
		phases[i] = huaweicloud.PhaseSucceeded
	}
	phases[200], phases[240] = huaweicloud.PhaseFailed, huaweicloud.PhaseFailed
	job := cloudJob(huaweicloud.PhaseSucceeded, "SUCCESS", subJobs(phases...), func(j *huaweicloud.Job) { j.SubJobsTotal = 300 })
	st := statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, job, t0)
	if len(st.SubJobs) != jobsv1alpha1.MaxSubJobs {
		t.Fatalf("listed %d sub-jobs, want %d", len(st.SubJobs), jobsv1alpha1.MaxSubJobs)
	}
	if st.SubJobs[0].JobID != "sub200" || st.SubJobs[1].JobID != "sub240" {
		t.Errorf("failed sub-jobs not first: %s, %s", st.SubJobs[0].JobID, st.SubJobs[1].JobID)
	}
	want := jobsv1alpha1.SubJobCounts{Succeeded: 248, Failed: 2, Running: 50}
	if st.SubJobsTotal != 300 || *st.SubJobCounts != want || st.SubJobsProgress != "248/300" {
		t.Errorf("total %d counts %+v progress %s; want 300 %+v 248/300", st.SubJobsTotal, *st.SubJobCounts, st.SubJobsProgress, want)
	}
}

func TestStatusEqualComparesEntitiesAsJSON(t *testing.T) {
	a := jobsv1alpha1.CloudJobStatus{JobRecord: jobsv1alpha1.JobRecord{Entities: &apiextensionsv1.JSON{Raw: []byte(`{"b":1,"a":[1,2]}`)}}}
	b := jobsv1alpha1.CloudJobStatus{JobRecord: jobsv1alpha1.JobRecord{Entities: &apiextensionsv1.JSON{Raw: []byte(`{ "a": [1, 2], "b": 1 }`)}}}
	if !statusEqual(&a, &b) {
		t.Errorf("the same JSON in another layout compares unequal")
	}
	b.Entities.Raw = []byte(`{"a":[2,1],"b":1}`)
	if statusEqual(&a, &b) {
		t.Errorf("different JSON compares equal")
	}
}

func TestTransitionEvents(t *testing.T) {
	empty := jobsv1alpha1.CloudJobStatus{}
	running := statusFromJob(empty, 1, cloudJob(huaweicloud.PhaseRunning, "RUNNING"), t0)
	done := statusFromJob(running, 1, cloudJob(huaweicloud.PhaseSucceeded, "SUCCESS", subJobs(huaweicloud.PhaseFailed, huaweicloud.PhaseSucceeded)), t0)
	failedSt := statusFromJob(running, 1, cloudJob(huaweicloud.PhaseFailed, "FAIL"), t0)
	pay := statusFromJob(empty, 1, cloudJob(huaweicloud.PhaseAwaitingPayment, "PENDING_PAYMENT"), t0)
	throttled := statusFromProblem(running, 1, problem{reason: jobsv1alpha1.ReasonThrottled}, t0)
	auth := statusFromProblem(running, 1, problem{reason: jobsv1alpha1.ReasonAuthenticationFailed, stalled: true}, t0)
	for _, tc := range []struct {
		name     string
		old, cur jobsv1alpha1.CloudJobStatus
		want     []string
	}{
		{"first poll finds it running", empty, running, []string{"Started", "Running"}},
		{"nothing new", running, running, nil},
		{"succeeds with a failed sub-job", running, done, []string{"SubJobsFailed", "Succeeded"}},
		{"fails", running, failedSt, []string{"JobFailed"}},
		{"awaits payment", empty, pay, []string{"Started", "AwaitingPayment"}},
		{"throttled", running, throttled, []string{"Throttled"}},
		{"throttled again", throttled, throttled, nil},
		{"back from throttling", throttled, running, nil},
		{"authentication fails", running, auth, []string{"AuthenticationFailed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range transitionEvents(&tc.old, &tc.cur, "job j") {
				got = append(got, e.reason)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("events %v, want %v", got, tc.want)
			}
		})
	}
}

// TestProgressWrites: status.progress follows the cloud's figure, but a change
// of less than progressStep points alone is not written; with any other
// change, or at 100, it is.
func TestProgressWrites(t *testing.T) {
	pct := func(n int) func(*huaweicloud.Job) { return func(j *huaweicloud.Job) { j.Progress = &n } }
	first := statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, cloudJob(huaweicloud.PhaseRunning, "Running", pct(20)), t0)
	tests := []struct {
		name string
		job  *huaweicloud.Job
		want string // the progress written, "nil" for none
	}{
		{name: "a small step alone is held", job: cloudJob(huaweicloud.PhaseRunning, "Running", pct(27)), want: "20"},
		{name: "a step of 10 is written", job: cloudJob(huaweicloud.PhaseRunning, "Running", pct(30)), want: "30"},
		{name: "a small step back alone is held", job: cloudJob(huaweicloud.PhaseRunning, "Running", pct(15)), want: "20"},
		{name: "a small step goes with another change", job: cloudJob(huaweicloud.PhaseRunning, "Running", pct(22),
			func(j *huaweicloud.Job) { j.JobType = "ResizeInstance" }), want: "22"},
		{name: "100 is always written", job: cloudJob(huaweicloud.PhaseRunning, "Running", pct(100)), want: "100"},
		{name: "success is 100 once progress was reported", job: cloudJob(huaweicloud.PhaseSucceeded, "Completed"), want: "100"},
		{name: "no figure clears it", job: cloudJob(huaweicloud.PhaseRunning, "Running"), want: "nil"},
		{name: "a failed job keeps the cloud's figure", job: cloudJob(huaweicloud.PhaseFailed, "Failed", pct(40)), want: "40"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := statusFromJob(first, 1, tt.job, t0.Add(time.Minute))
			got := "nil"
			if st.Progress != nil {
				got = fmt.Sprint(*st.Progress)
			}
			if got != tt.want {
				t.Errorf("progress %s, want %s", got, tt.want)
			}
		})
	}
	never := statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, cloudJob(huaweicloud.PhaseSucceeded, "SUCCESS"), t0)
	if never.Progress != nil {
		t.Errorf("a job that never reported progress shows %d", *never.Progress)
	}
}

// TestNestedSubJobsAreFlattened: sub-jobs of every depth are counted and
// listed after their parent, with its id; a level's reported total counts its
// unlisted sub-jobs as running; the list is cut with failed ones first.
func TestNestedSubJobsAreFlattened(t *testing.T) {
	node := func(id string, p huaweicloud.Phase, subs ...huaweicloud.Job) huaweicloud.Job {
		return huaweicloud.Job{JobID: id, JobType: "CreateNode", Phase: p, State: string(p), Resources: huaweicloud.ResourceIDs{NodeID: "node-" + id}, SubJobs: subs, SubJobsTotal: len(subs)}
	}
	job := cloudJob(huaweicloud.PhaseRunning, "Running", func(j *huaweicloud.Job) {
		j.SubJobs = []huaweicloud.Job{
			node("a", huaweicloud.PhaseSucceeded, node("a1", huaweicloud.PhaseSucceeded), node("a2", huaweicloud.PhaseSucceeded)),
			node("b", huaweicloud.PhaseRunning, node("b1", huaweicloud.PhaseFailed, node("b1x", huaweicloud.PhaseFailed))),
		}
		j.SubJobs[1].SubJobsTotal = 3 // two more steps of b not listed yet
		j.SubJobsTotal = 2
	})
	st := statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, job, t0)
	var ids, parents []string
	for _, s := range st.SubJobs {
		ids, parents = append(ids, s.JobID), append(parents, s.ParentJobID)
	}
	if strings.Join(ids, ",") != "a,a1,a2,b,b1,b1x" || strings.Join(parents, ",") != ",a,a,,b,b1" {
		t.Errorf("listed %v with parents %v", ids, parents)
	}
	if st.SubJobsTotal != 8 || st.SubJobsProgress != "3/8" || *st.SubJobCounts != (jobsv1alpha1.SubJobCounts{Succeeded: 3, Failed: 2, Running: 3}) {
		t.Errorf("total %d progress %s counts %+v", st.SubJobsTotal, st.SubJobsProgress, st.SubJobCounts)
	}
	if st.SubJobs[5].NodeID != "node-b1x" {
		t.Errorf("the deepest sub-job lost its node id: %+v", st.SubJobs[5])
	}

	// Cut: 60 nodes of two steps each, one failed step deep inside.
	wide := cloudJob(huaweicloud.PhaseFailed, "Failed", func(j *huaweicloud.Job) {
		for i := range 60 {
			p := huaweicloud.PhaseSucceeded
			if i == 59 {
				p = huaweicloud.PhaseFailed
			}
			j.SubJobs = append(j.SubJobs, node(fmt.Sprint(i), huaweicloud.PhaseSucceeded, node(fmt.Sprintf("%d-install", i), p)))
		}
	})
	st = statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, wide, t0)
	if len(st.SubJobs) != jobsv1alpha1.MaxSubJobs || st.SubJobsTotal != 120 || st.SubJobs[0].JobID != "59-install" || st.SubJobs[0].ParentJobID != "59" {
		t.Errorf("cut list: %d listed of %d, first %s (parent %s)", len(st.SubJobs), st.SubJobsTotal, st.SubJobs[0].JobID, st.SubJobs[0].ParentJobID)
	}
	if c := meta.FindStatusCondition(st.Conditions, jobsv1alpha1.ConditionStalled); c == nil || !strings.Contains(c.Message, "59-install (node-59-install)") {
		t.Errorf("Stalled does not name the failed step: %+v", c)
	}
}

// TestSubJobTotalsSaturate: totals the cloud reports are summed over sub-jobs
// and levels; past math.MaxInt32, what status holds, they stay at it rather
// than wrap around to a small or negative count.
func TestSubJobTotalsSaturate(t *testing.T) {
	const max32 = math.MaxInt32
	withTotals := func(top int, subTotals ...int) *huaweicloud.Job {
		return cloudJob(huaweicloud.PhaseRunning, "RUNNING", func(j *huaweicloud.Job) {
			for i, n := range subTotals {
				j.SubJobs = append(j.SubJobs, huaweicloud.Job{JobID: fmt.Sprintf("sub%d", i), State: "RUNNING", Phase: huaweicloud.PhaseRunning, SubJobsTotal: n})
			}
			j.SubJobsTotal = max(top, len(subTotals))
		})
	}
	tests := []struct {
		name         string
		job          *huaweicloud.Job
		wantTotal    int32
		wantRunning  int32
		wantProgress string
	}{
		{"small totals add up", withTotals(0, 3, 4), 9, 9, "0/9"},
		{"one level at the limit", withTotals(max32), max32, max32, "0/2147483647"},
		{"two sub-jobs at the limit", withTotals(0, max32, max32), max32, max32, "0/2147483647"},
		{"just past the limit", withTotals(max32-1, 1, 1), max32, max32, "0/2147483647"},
		{"just below the limit", withTotals(max32-4, 1, 1), max32 - 2, max32 - 2, "0/2147483645"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, tt.job, t0)
			if st.SubJobsTotal != tt.wantTotal || st.SubJobCounts == nil || st.SubJobCounts.Running != tt.wantRunning || st.SubJobsProgress != tt.wantProgress {
				t.Errorf("total %d counts %+v progress %q; want %d, %d running, %q",
					st.SubJobsTotal, st.SubJobCounts, st.SubJobsProgress, tt.wantTotal, tt.wantRunning, tt.wantProgress)
			}
		})
	}

	order := &huaweicloud.Job{State: "5", Phase: huaweicloud.PhaseSucceeded, Summary: "order status 5 (completed)",
		OrderResources: []huaweicloud.OrderResource{{ID: "r", Main: true}}, OrderResourcesTotal: max32 + 10}
	if st := statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, order, t0); st.ResourcesTotal != max32 {
		t.Errorf("resourcesTotal %d, want %d", st.ResourcesTotal, max32)
	}
}

// TestUnreadSubJobsAreSaid: sub-jobs an answer lists past what the operator
// decodes of one answer are counted in subJobsTotal and as running, and the
// condition message says how many were not read.
func TestUnreadSubJobsAreSaid(t *testing.T) {
	const unread = 1_388_075
	for _, phase := range []huaweicloud.Phase{huaweicloud.PhaseRunning, huaweicloud.PhaseSucceeded, huaweicloud.PhaseFailed, huaweicloud.PhaseUnknown} {
		t.Run(string(phase), func(t *testing.T) {
			job := cloudJob(phase, "SOME", subJobs(huaweicloud.PhaseSucceeded, huaweicloud.PhaseSucceeded), func(j *huaweicloud.Job) {
				j.SubJobsTotal, j.SubJobsUnread = 2+unread, unread
			})
			st := statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, job, t0)
			if st.SubJobsTotal != 2+unread || st.SubJobCounts.Running != unread || st.SubJobsProgress != fmt.Sprintf("2/%d", 2+unread) {
				t.Errorf("total %d counts %+v progress %q", st.SubJobsTotal, st.SubJobCounts, st.SubJobsProgress)
			}
			want := fmt.Sprintf("the answer lists %d more sub-jobs than the operator reads of one answer", unread)
			var said bool
			for _, c := range st.Conditions {
				said = said || strings.Contains(c.Message, want)
			}
			if !said {
				t.Errorf("no condition says %q: %+v", want, st.Conditions)
			}
		})
	}
}
