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
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestAdminJobs(t *testing.T) {
	h := newHarness(t, Config{Seed: 9})

	r := h.admin("POST", "/jobs", `{"service":"ecs","projectId":"p","running":"1m"}`)
	if r.code != http.StatusCreated {
		t.Fatalf("POST one job: %d %s", r.code, r.raw)
	}
	var created []JobInfo
	if err := json.Unmarshal(r.raw, &created); err != nil {
		t.Fatal(err)
	}
	if len(created) != 1 || len(created[0].Spec.JobID) != 32 || created[0].Spec.JobType != "createServer" || created[0].State != StateRunning {
		t.Fatalf("created: %s", r.raw)
	}
	generated := created[0].Spec.JobID

	r = h.admin("POST", "/jobs", `[{"service":"elb","projectId":"p","jobId":"e1","entities":{"elb":{"id":"x"}}},
		{"service":"ecs","projectId":"p","jobId":"pay","payment":{},"init":"1m"}]`)
	if r.code != http.StatusCreated {
		t.Fatalf("POST a list: %d %s", r.code, r.raw)
	}
	for _, c := range []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/jobs", `{"service":"ecs","projectId":"p","jobId":"e1"}`, http.StatusConflict},
		{"POST", "/jobs", `{"service":"nope","projectId":"p"}`, http.StatusBadRequest},
		{"POST", "/jobs", `{"service":"ecs","projectId":"p","running":"-1s"}`, http.StatusBadRequest},
		{"POST", "/jobs", `{"service":"ecs","projectId":"p","typo":1}`, http.StatusBadRequest},
		{"POST", "/jobs", `not json`, http.StatusBadRequest},
		{"GET", "/jobs/p/missing", "", http.StatusNotFound},
		{"POST", "/jobs/p/e1/pay", "", http.StatusConflict},
		{"POST", "/jobs/p/missing/cancel", "", http.StatusNotFound},
		{"DELETE", "/jobs/p/missing", "", http.StatusNotFound},
		{"GET", "/healthz", "", http.StatusOK},
	} {
		if r := h.admin(c.method, c.path, c.body); r.code != c.status {
			t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, r.code, c.status, r.raw)
		} else if c.status >= 400 && r.body["error"] == "" {
			t.Errorf("%s %s: no error message: %s", c.method, c.path, r.raw)
		}
	}
	// Failed posts add nothing.
	var list []JobInfo
	if err := json.Unmarshal(h.admin("GET", "/jobs", "").raw, &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].Spec.JobID > list[1].Spec.JobID {
		t.Fatalf("GET /jobs: %d jobs %+v", len(list), list)
	}

	r = h.admin("POST", "/jobs/p/pay/pay", "")
	if r.code != http.StatusOK || r.body["state"] != StateInit {
		t.Fatalf("pay: %d %s", r.code, r.raw)
	}
	h.admin("POST", "/jobs", `{"service":"ecs","projectId":"p","jobId":"cancel-me","payment":{}}`)
	if r := h.admin("POST", "/jobs/p/cancel-me/cancel", ""); r.code != http.StatusOK || r.body["state"] != StateFail {
		t.Fatalf("cancel: %d %s", r.code, r.raw)
	}

	h.clock.Step(time.Minute)
	r = h.admin("GET", "/jobs/p/"+generated, "")
	if r.code != http.StatusOK || r.body["phase"] != "ended" || r.body["state"] != StateSuccess || r.body["endedAt"] == nil {
		t.Fatalf("GET one job: %d %s", r.code, r.raw)
	}
	if r := h.admin("DELETE", "/jobs/p/"+generated, ""); r.code != http.StatusNoContent {
		t.Fatalf("DELETE: %d", r.code)
	}
	wantError(t, h.get(path("p", generated)), http.StatusBadRequest, CodeInvalidJobID)
}

func TestAdminFaultsStatsScenarioAndClock(t *testing.T) {
	h := newHarness(t, Config{TimeScale: 10})
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j"})

	if r := h.admin("PUT", "/faults", `[{"kind":"error","status":503,"count":1}]`); r.code != http.StatusOK {
		t.Fatalf("PUT /faults: %d %s", r.code, r.raw)
	}
	if r := h.admin("POST", "/faults", `{"kind":"throttle","count":1}`); r.code != http.StatusOK {
		t.Fatalf("POST /faults: %d %s", r.code, r.raw)
	}
	if r := h.admin("PUT", "/faults", `[{"kind":"nope"}]`); r.code != http.StatusBadRequest {
		t.Fatalf("PUT a bad fault: %d", r.code)
	}
	var faults []FaultStatus
	if err := json.Unmarshal(h.admin("GET", "/faults", "").raw, &faults); err != nil {
		t.Fatal(err)
	}
	if len(faults) != 2 || faults[0].Kind != FaultError || faults[1].Kind != FaultThrottle {
		t.Fatalf("faults after a rejected PUT: %+v", faults)
	}
	wantError(t, h.get(path("p", "j")), 503, "APIG.0202")
	wantError(t, h.get(path("p", "j")), 429, CodeThrottled)
	h.get(path("p", "j"))
	if r := h.admin("DELETE", "/faults", ""); r.code != http.StatusNoContent || len(h.s.Faults()) != 0 {
		t.Fatalf("DELETE /faults: %d", r.code)
	}

	var st Stats
	if err := json.Unmarshal(h.admin("GET", "/stats", "").raw, &st); err != nil {
		t.Fatal(err)
	}
	if st.Requests != 3 || st.ByStatus[503] != 1 || st.ByStatus[429] != 1 || st.ByStatus[200] != 1 || st.Jobs[0].Requests != 3 {
		t.Fatalf("GET /stats: %+v", st)
	}
	if r := h.admin("POST", "/stats/reset", ""); r.code != http.StatusNoContent || h.s.Stats().Requests != 0 {
		t.Fatalf("POST /stats/reset: %d", r.code)
	}

	r := h.admin("POST", "/scenario", "credentials: [{accessKey: k2, secretKey: s2}]\njobs: [{service: ims, projectId: p, jobId: img}]\n")
	if r.code != http.StatusCreated {
		t.Fatalf("POST /scenario: %d %s", r.code, r.raw)
	}
	if r := h.do(h.signedRequest(path("p", "img"), Credential{AccessKey: "k2", SecretKey: "s2"})); r.code != 200 {
		t.Fatalf("key and job from the posted scenario: %d %s", r.code, r.raw)
	}
	if r := h.admin("POST", "/scenario", "jobs: [{service: ims, projectId: p}]"); r.code != http.StatusBadRequest {
		t.Fatalf("POST a bad scenario: %d", r.code)
	}
	if r := h.admin("POST", "/credentials", `[{"accessKey":"k3","secretKey":"s3"}]`); r.code != http.StatusNoContent {
		t.Fatalf("POST /credentials: %d %s", r.code, r.raw)
	}
	if r := h.do(h.signedRequest(path("p", "img"), Credential{AccessKey: "k3", SecretKey: "s3"})); r.code != 200 {
		t.Fatalf("posted key: %d", r.code)
	}

	start := h.clock.Now()
	h.clock.Step(time.Second)
	var ci ClockInfo
	if err := json.Unmarshal(h.admin("GET", "/clock", "").raw, &ci); err != nil {
		t.Fatal(err)
	}
	if !ci.Wall.Equal(start.Add(time.Second)) || !ci.Simulated.Equal(start.Add(10*time.Second)) || ci.TimeScale != 10 {
		t.Fatalf("GET /clock: %+v", ci)
	}
}
