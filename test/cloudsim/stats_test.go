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
	"net/http"
	"testing"
	"time"
)

func TestStatsCountAndTimeJobs(t *testing.T) {
	h := newHarness(t, Config{TimeScale: 60})
	start := h.clock.Now()
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j", Running: dur(10 * time.Minute)})
	other := Credential{AccessKey: "other", SecretKey: "other-sk"}
	if err := h.s.AddCredentials(other); err != nil {
		t.Fatal(err)
	}

	h.get(path("p", "j"))
	h.do(h.signedRequest(path("p", "j"), other))
	h.do(h.signedRequest(path("p", "j"), wrongSecret))
	h.get(path("p", "nope"))
	h.get("/not/a/job/path")

	// The job ends after 10 real seconds; the poller notices 5 seconds later.
	h.clock.Step(15 * time.Second)
	h.get(path("p", "j"))
	h.clock.Step(time.Second)
	h.get(path("p", "j"))

	st := h.s.Stats()
	if st.Requests != 7 || st.ByStatus[200] != 4 || st.ByStatus[401] != 1 || st.ByStatus[400] != 1 || st.ByStatus[404] != 1 {
		t.Errorf("totals: %+v", st)
	}
	if k := st.AccessKeys[testCred.AccessKey]; k.Requests != 5 || k.AuthFailures != 1 {
		t.Errorf("test key: %+v", k)
	}
	if k := st.AccessKeys["other"]; k.Requests != 1 {
		t.Errorf("other key: %+v", k)
	}
	if k := st.AccessKeys[""]; k.Requests != 1 {
		t.Errorf("requests without a key: %+v", st.AccessKeys)
	}
	if st.UnknownJobRequests != 1 || len(st.Jobs) != 1 {
		t.Fatalf("jobs: %+v, unknown %d", st.Jobs, st.UnknownJobRequests)
	}
	js := st.Jobs[0]
	if js.Requests != 5 || js.State != StateSuccess || js.FinalState != StateSuccess {
		t.Errorf("job stats: %+v", js)
	}
	if !js.EndedAt.Equal(start.Add(10*time.Second)) || !js.SimEndedAt.Equal(start.Add(10*time.Minute)) {
		t.Errorf("ended at %v (simulated %v)", js.EndedAt, js.SimEndedAt)
	}
	if !js.FinalServedAt.Equal(start.Add(15*time.Second)) || !js.LastRequestAt.Equal(start.Add(16*time.Second)) {
		t.Errorf("final served at %v, last request at %v", js.FinalServedAt, js.LastRequestAt)
	}

	h.s.ResetStats()
	st = h.s.Stats()
	if st.Requests != 0 || len(st.ByStatus) != 0 || st.Jobs[0].Requests != 0 || st.Jobs[0].FinalServedAt != nil {
		t.Errorf("after reset: %+v", st)
	}
	if st.Jobs[0].EndedAt == nil {
		t.Errorf("reset forgot when the job ended")
	}
}

func TestStatsOfUnfinishedAndDeletedJobs(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j", Running: dur(time.Hour)})
	if err := h.s.DeleteJob("p", "j"); err != nil {
		t.Fatal(err)
	}
	h.clock.Step(2 * time.Hour)
	h.get(path("p", "j"))
	js := h.s.Stats().Jobs[0]
	// Deleted before it ended: it never ends, but its requests still count.
	if !js.Removed || js.EndedAt != nil || js.FinalState != "" || js.State != "" || js.Requests != 1 {
		t.Errorf("deleted job: %+v", js)
	}
}

func TestStatsMemoryIsBounded(t *testing.T) {
	h := newHarness(t, Config{MaxRetiredJobs: 3, MaxTrackedKeys: 2, MaxJobs: 5})
	for i := range 10 {
		id := string(rune('a' + i))
		h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: id})
		if err := h.s.DeleteJob("p", id); err != nil {
			t.Fatal(err)
		}
	}
	st := h.s.Stats()
	if len(st.Jobs) != 3 || st.Jobs[0].JobID != "h" {
		t.Errorf("retired job records: %+v", st.Jobs)
	}
	// Re-adding an id replaces its old record.
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j"})
	if st := h.s.Stats(); len(st.Jobs) != 3 || st.Jobs[2].Removed {
		t.Errorf("after re-adding: %+v", st.Jobs)
	}
	for _, k := range []string{"k1", "k2", "k3", "k4"} {
		h.do(h.signedRequest("/v1/p/jobs/x", Credential{AccessKey: k, SecretKey: "s"}))
	}
	if st := h.s.Stats(); len(st.AccessKeys) != 2 || st.UntrackedKeyRequests != 2 {
		t.Errorf("key stats: %+v", st)
	}
	// The job store is bounded too, and finished jobs past their retention
	// make room.
	h.add(JobSpec{Service: ServiceECS, ProjectID: "q", JobID: "1"}, JobSpec{Service: ServiceECS, ProjectID: "q", JobID: "2"},
		JobSpec{Service: ServiceECS, ProjectID: "q", JobID: "3"}, JobSpec{Service: ServiceECS, ProjectID: "q", JobID: "4"})
	if _, err := h.s.AddJobs(JobSpec{Service: ServiceECS, ProjectID: "q", JobID: "5"}); err == nil {
		t.Fatal("added a sixth job with MaxJobs 5")
	}
	if r := h.admin("POST", "/jobs", `{"service":"ecs","projectId":"q"}`); r.code != http.StatusInsufficientStorage {
		t.Fatalf("admin past the limit: %d", r.code)
	}
	h.clock.Step(25 * time.Hour)
	if _, err := h.s.AddJobs(JobSpec{Service: ServiceECS, ProjectID: "q", JobID: "5"}); err != nil {
		t.Fatalf("after the others expired: %v", err)
	}
}
