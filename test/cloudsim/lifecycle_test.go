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

package cloudsim

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestLifecycleInitRunningSuccess(t *testing.T) {
	h := newHarness(t, Config{})
	start := h.clock.Now()
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p1", JobID: "j1", Init: dur(10 * time.Second), Running: dur(time.Minute)})
	p := path("p1", "j1")

	steps := []struct {
		at   time.Duration
		want string
	}{
		{0, StateInit},
		{10*time.Second - time.Millisecond, StateInit},
		{10 * time.Second, StateRunning},
		{70*time.Second - time.Millisecond, StateRunning},
		{70 * time.Second, StateSuccess},
	}
	for _, st := range steps {
		h.clock.SetTime(start.Add(st.at))
		if got := h.status(p); got != st.want {
			t.Fatalf("at %v: status %s, want %s", st.at, got, st.want)
		}
	}
	r := h.get(p)
	if got, want := r.body["begin_time"], isoTime(start); got != want {
		t.Errorf("begin_time = %v, want %v", got, want)
	}
	if got, want := r.body["end_time"], isoTime(start.Add(70*time.Second)); got != want {
		t.Errorf("end_time = %v, want %v", got, want)
	}
	if r.body["error_code"] != nil || r.body["fail_reason"] != nil {
		t.Errorf("error fields of a successful job are not null: %s", r.raw)
	}
}

func TestLifecycleFailCarriesErrorFields(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceBMS, ProjectID: "p", JobID: "j", Running: dur(time.Second),
		Outcome: OutcomeFail, ErrorCode: "BMS.0103", FailReason: "quota exceeded"})
	r := h.get(path("p", "j"))
	if r.body["status"] != StateRunning || r.body["end_time"] != nil || r.body["error_code"] != nil {
		t.Fatalf("running job: %s", r.raw)
	}
	h.clock.Step(time.Second)
	r = h.get(path("p", "j"))
	if r.body["status"] != StateFail || r.body["error_code"] != "BMS.0103" || r.body["fail_reason"] != "quota exceeded" {
		t.Fatalf("failed job: %s", r.raw)
	}
}

func TestPaymentScriptedPaidThenRuns(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j",
		Payment: &PaymentSpec{After: dur(time.Minute), Resolution: PaymentPaid},
		Init:    dur(time.Second), Running: dur(time.Second)})
	p := path("p", "j")
	for _, st := range []struct {
		step time.Duration
		want string
	}{{0, StatePendingPayment}, {59 * time.Second, StatePendingPayment}, {time.Second, StateInit}, {time.Second, StateRunning}, {time.Second, StateSuccess}} {
		h.clock.Step(st.step)
		if got := h.status(p); got != st.want {
			t.Fatalf("status %s, want %s", got, st.want)
		}
	}
}

func TestPaymentCancelledFailsAndStaysFourteenDays(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j",
		Payment: &PaymentSpec{After: dur(time.Hour), Resolution: PaymentCancelled}})
	p := path("p", "j")
	h.clock.Step(time.Hour)
	r := h.get(p)
	if r.body["status"] != StateFail || r.body["fail_reason"] == nil {
		t.Fatalf("cancelled order: %s", r.raw)
	}
	// Kept well past the one-day retention of ordinary jobs...
	h.clock.Step(14*24*time.Hour - time.Second)
	if got := h.status(p); got != StateFail {
		t.Fatalf("before 14 days: %s", got)
	}
	// ...and gone after 14 days.
	h.clock.Step(time.Second)
	wantError(t, h.get(p), http.StatusBadRequest, CodeInvalidJobID)
}

func TestPaymentResolvedByAdmin(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(
		JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "paid", Payment: &PaymentSpec{}, Running: dur(time.Minute)},
		JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "cancelled", Payment: &PaymentSpec{FailReason: "order cancelled by user", ErrorCode: "Ecs.0610"}},
	)
	// An unresolved order waits forever.
	h.clock.Step(30 * 24 * time.Hour)
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "plain"})
	if got := h.status(path("p", "paid")); got != StatePendingPayment {
		t.Fatalf("unresolved order: %s", got)
	}
	if _, err := h.s.Pay("p", "paid"); err != nil {
		t.Fatal(err)
	}
	if got := h.status(path("p", "paid")); got != StateRunning {
		t.Fatalf("after pay: %s", got)
	}
	if _, err := h.s.Pay("p", "paid"); !errors.Is(err, ErrNotPendingPayment) {
		t.Fatalf("paying twice: %v", err)
	}
	if _, err := h.s.CancelPayment("p", "plain"); !errors.Is(err, ErrNotPendingPayment) {
		t.Fatalf("cancelling a job without an order: %v", err)
	}
	if _, err := h.s.Pay("p", "missing"); !errors.Is(err, ErrJobNotFound) {
		t.Fatalf("paying a missing job: %v", err)
	}
	if _, err := h.s.CancelPayment("p", "cancelled"); err != nil {
		t.Fatal(err)
	}
	r := h.get(path("p", "cancelled"))
	if r.body["status"] != StateFail || r.body["error_code"] != "Ecs.0610" || r.body["fail_reason"] != "order cancelled by user" {
		t.Fatalf("cancelled: %s", r.raw)
	}
}

func TestSubJobs(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceBMS, ProjectID: "p", JobID: "batch", Init: dur(5 * time.Second),
		SubJobs: []SubJobSpec{
			{JobID: "a", Running: dur(10 * time.Second), Resources: Resources{ServerID: "srv-a"}},
			{JobID: "b", Delay: dur(5 * time.Second), Running: dur(20 * time.Second), Outcome: OutcomeFail,
				ErrorCode: "BMS.0001", FailReason: "no capacity", Resources: Resources{ServerID: "srv-b", NICID: "nic-b"}},
		}})
	p := path("p", "batch")
	subs := func() []any {
		t.Helper()
		r := h.get(p)
		e := r.body["entities"].(map[string]any)
		list := e["sub_jobs"].([]any)
		if int(e["sub_jobs_total"].(float64)) != len(list) {
			t.Fatalf("sub_jobs_total %v but %d listed", e["sub_jobs_total"], len(list))
		}
		return list
	}
	if n := len(subs()); n != 0 {
		t.Fatalf("sub-jobs listed while the parent is INIT: %d", n)
	}
	states := func() (string, string) {
		l := subs()
		return l[0].(map[string]any)["status"].(string), l[1].(map[string]any)["status"].(string)
	}
	h.clock.Step(5 * time.Second)
	if a, b := states(); a != StateRunning || b != StateInit {
		t.Fatalf("at parent start: %s %s", a, b)
	}
	h.clock.Step(10 * time.Second)
	if a, b := states(); a != StateSuccess || b != StateRunning {
		t.Fatalf("after 10s: %s %s", a, b)
	}
	// The parent has no running time of its own: it runs until the last
	// sub-job ends, then fails because one of them failed.
	if got := h.status(p); got != StateRunning {
		t.Fatalf("parent: %s", got)
	}
	h.clock.Step(15 * time.Second)
	r := h.get(p)
	if r.body["status"] != StateFail || r.body["error_code"] != "BMS.0001" || r.body["fail_reason"] != "no capacity" {
		t.Fatalf("parent after the failed sub-job: %s", r.raw)
	}
	b := r.body["entities"].(map[string]any)["sub_jobs"].([]any)[1].(map[string]any)
	ent := b["entities"].(map[string]any)
	if b["status"] != StateFail || b["error_code"] != "BMS.0001" || ent["server_id"] != "srv-b" || ent["nic_id"] != "nic-b" {
		t.Fatalf("failed sub-job: %v", b)
	}
}

func TestRetentionExpiresFinishedJobs(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(
		JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "default", Running: dur(time.Minute)},
		JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "short", Running: dur(time.Minute), Retention: durPtr(time.Hour)},
	)
	h.clock.Step(time.Minute + time.Hour - time.Nanosecond)
	if got := h.status(path("p", "short")); got != StateSuccess {
		t.Fatalf("short retention before expiry: %s", got)
	}
	h.clock.Step(time.Nanosecond)
	wantError(t, h.get(path("p", "short")), http.StatusBadRequest, CodeInvalidJobID)
	if got := h.status(path("p", "default")); got != StateSuccess {
		t.Fatalf("default retention: %s", got)
	}
	h.clock.Step(23 * time.Hour)
	wantError(t, h.get(path("p", "default")), http.StatusBadRequest, CodeInvalidJobID)
	if n := len(h.s.Jobs()); n != 0 {
		t.Fatalf("%d jobs still held after expiry", n)
	}
	// The stats remember the expired jobs and when they ended.
	st := h.s.Stats()
	if len(st.Jobs) != 2 || !st.Jobs[0].Removed || st.Jobs[0].FinalState != StateSuccess || st.Jobs[0].EndedAt == nil {
		t.Fatalf("stats of expired jobs: %+v", st.Jobs)
	}
}

func TestTimeScale(t *testing.T) {
	h := newHarness(t, Config{TimeScale: 60})
	start := h.clock.Now()
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j", Init: dur(time.Minute), Running: dur(10 * time.Minute)})
	h.clock.Step(999 * time.Millisecond)
	if got := h.status(path("p", "j")); got != StateInit {
		t.Fatalf("after 0.999 real seconds: %s", got)
	}
	h.clock.Step(time.Millisecond)
	if got := h.status(path("p", "j")); got != StateRunning {
		t.Fatalf("after one real second (a simulated minute): %s", got)
	}
	h.clock.Step(10 * time.Second)
	r := h.get(path("p", "j"))
	if r.body["status"] != StateSuccess {
		t.Fatalf("after 11 real seconds: %s", r.raw)
	}
	// Timestamps are simulated: the job took 11 simulated minutes.
	if got, want := r.body["end_time"], isoTime(start.Add(11*time.Minute)); got != want {
		t.Fatalf("end_time %v, want %v", got, want)
	}
	// The stats give the wall-clock instant the job ended.
	st := h.s.Stats()
	if got, want := *st.Jobs[0].EndedAt, start.Add(11*time.Second); !got.Equal(want) {
		t.Fatalf("EndedAt %v, want %v", got, want)
	}
}

func TestStartOffset(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(
		JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "past", StartOffset: dur(-time.Hour), Running: dur(time.Minute)},
		JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "future", StartOffset: dur(time.Minute)},
	)
	if got := h.status(path("p", "past")); got != StateSuccess {
		t.Fatalf("job begun an hour ago: %s", got)
	}
	wantError(t, h.get(path("p", "future")), http.StatusBadRequest, CodeInvalidJobID)
	h.clock.Step(time.Minute)
	if got := h.status(path("p", "future")); got != StateSuccess {
		t.Fatalf("job after its offset: %s", got)
	}
}

func TestELBv3FinalStatesAndRollback(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(
		JobSpec{Service: ServiceELBv3, ProjectID: "p", JobID: "done", Running: dur(time.Second)},
		JobSpec{Service: ServiceELBv3, ProjectID: "p", JobID: "failed", Running: dur(time.Second), Outcome: OutcomeFail, ErrorCode: "ELB.8902", FailReason: "boom"},
		JobSpec{Service: ServiceELBv3, ProjectID: "p", JobID: "rolled", Running: dur(time.Second), RollingBack: dur(time.Second),
			Outcome: OutcomeFail, FinalState: "ROLLBACK_FAIL"},
		JobSpec{Service: ServiceELBv3, ProjectID: "p", JobID: "complete", Running: dur(time.Second), FinalState: "COMPLETE"},
	)
	v3 := func(id string) string { return "/v3/p/elb/jobs/" + id }
	h.clock.Step(time.Second)
	if got := h.status(v3("rolled")); got != StateRollingBack {
		t.Fatalf("rolling back: %s", got)
	}
	h.clock.Step(time.Second)
	for id, want := range map[string]string{"done": "SUCCESS", "failed": "FAIL", "rolled": "ROLLBACK_FAIL", "complete": "COMPLETE"} {
		if got := h.status(v3(id)); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
	job := h.get(v3("failed")).body["job"].(map[string]any)
	if job["error_code"] != "ELB.8902" || job["error_msg"] != "boom" {
		t.Errorf("failed elbv3 job: %v", job)
	}
	if h.s.Stats().Jobs[3].FinalState != "ROLLBACK_FAIL" {
		t.Errorf("stats final state: %+v", h.s.Stats().Jobs[3])
	}
}

func TestProjectIsolationAndPathStyle(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(
		JobSpec{Service: ServiceECS, ProjectID: "p1", JobID: "ecs"},
		JobSpec{Service: ServiceELB, ProjectID: "p1", JobID: "elb"},
		JobSpec{Service: ServiceELBv3, ProjectID: "p1", JobID: "v3"},
	)
	for _, p := range []string{
		"/v1/p2/jobs/ecs",      // another project
		"/v1/p1/jobs/unknown",  // unknown id
		"/v1/p1/jobs/elb",      // classic ELB job asked through /v1/
		"/v1.0/p1/jobs/ecs",    // ECS job asked through /v1.0/
		"/v1/p1/jobs/v3",       // ELB v3 job through /v1/
		"/v3/p1/elb/jobs/ecs",  // ECS job through the ELB v3 path
		"/v1.0/p2/jobs/elb",    // classic ELB, another project
		"/v3/p2/elb/jobs/v3",   // ELB v3, another project
		"/v1/p1/jobs/ecs%2Fx",  // an escaped slash is part of the id
		"/v1/p1/jobs/ECS",      // ids are case-sensitive
		"/v1/p1/jobs/ecs%20",   // and exact
		"/v1.0/p1/jobs/elb%3F", // including reserved characters
		"/v3/p1/elb/jobs/elb",  // classic ELB through v3
		"/v1/p1/jobs/v3?x=elb", // query strings do not change the id
	} {
		wantError(t, h.get(p), http.StatusBadRequest, CodeInvalidJobID)
	}
	for _, p := range []string{"/v1/p1/jobs/ecs", "/v1.0/p1/jobs/elb", "/v3/p1/elb/jobs/v3"} {
		if r := h.get(p); r.code != http.StatusOK {
			t.Errorf("%s: %d %s", p, r.code, r.raw)
		}
	}
	for _, p := range []string{"/v1/p1/jobs/ecs/", "/v4/p1/jobs/ecs", "/v1/p1/job/ecs", "/v1/p1/jobs", "/"} {
		wantError(t, h.get(p), http.StatusNotFound, CodeAPINotFound)
	}
}
