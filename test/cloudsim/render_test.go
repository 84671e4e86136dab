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
	"regexp"
	"slices"
	"testing"
	"time"
)

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func wantKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := keys(m); !slices.Equal(got, want) {
		t.Errorf("%s keys = %v, want %v", what, got, want)
	}
}

func TestECSAndVPCShapes(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(
		JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "ecs", Resources: Resources{ServerID: "srv"},
			SubJobs: []SubJobSpec{{JobID: "s1", Running: dur(time.Second), Outcome: OutcomeFail, ErrorCode: "Ecs.0013", FailReason: "no ip", Resources: Resources{NICID: "nic"}}}},
		JobSpec{Service: ServiceVPC, ProjectID: "p", JobID: "vpc", Running: dur(time.Minute), Entities: json.RawMessage(`{"publicip_id":"eip"}`)},
	)
	r := h.get(path("p", "ecs"))
	wantKeys(t, "ecs", r.body, "status", "entities", "job_id", "job_type", "begin_time", "end_time", "error_code", "fail_reason")
	e := r.body["entities"].(map[string]any)
	wantKeys(t, "ecs entities", e, "server_id", "sub_jobs_total", "sub_jobs")
	if r.body["job_type"] != "createServer" {
		t.Errorf("default ECS job type: %v", r.body["job_type"])
	}
	h.clock.Step(time.Second)
	sub := h.get(path("p", "ecs")).body["entities"].(map[string]any)["sub_jobs"].([]any)[0].(map[string]any)
	// ECS sub-jobs explain failures inside their entities too.
	if se := sub["entities"].(map[string]any); se["nic_id"] != "nic" || se["errorcode_message"] != "no ip" {
		t.Errorf("ECS sub-job entities: %v", se)
	}
	r = h.get(path("p", "vpc"))
	e = r.body["entities"].(map[string]any)
	// eip/v2's model: entities hold sub_jobs only (and here the scripted id).
	wantKeys(t, "vpc entities", e, "publicip_id", "sub_jobs")
	if r.body["end_time"] != nil {
		t.Errorf("end_time of a running VPC job = %v, want null", r.body["end_time"])
	}
}

func TestEVSShape(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceEVS, ProjectID: "p", JobID: "evs", Running: dur(time.Minute),
		Resources: Resources{VolumeID: "vol"}, Entities: json.RawMessage(`{"name":"data","size":40,"volume_type":"SSD"}`),
		SubJobs: []SubJobSpec{{JobID: "s", Running: dur(time.Second), Resources: Resources{VolumeID: "vol-1"}}}})
	r := h.get(path("p", "evs"))
	e := r.body["entities"].(map[string]any)
	wantKeys(t, "evs entities", e, "volume_id", "name", "size", "volume_type", "sub_jobs")
	if r.body["end_time"] != "" {
		t.Errorf("end_time of a running EVS job = %#v, want \"\"", r.body["end_time"])
	}
	sub := e["sub_jobs"].([]any)[0].(map[string]any)
	if sub["entities"].(map[string]any)["volume_id"] != "vol-1" || sub["end_time"] != "" {
		t.Errorf("EVS sub-job: %v", sub)
	}
	h.clock.Step(time.Minute)
	if r := h.get(path("p", "evs")); r.body["end_time"] == "" {
		t.Errorf("end_time of an ended EVS job is empty")
	}
}

func TestIMSShape(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceIMS, ProjectID: "p", JobID: "ims", Init: dur(time.Second), Running: dur(4 * time.Second),
		Resources: Resources{ImageID: "img", ImageName: "golden"}})
	imsTimeRE := regexp.MustCompile(`^\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d:\d{3}$`)
	r := h.get(path("p", "ims"))
	if !imsTimeRE.MatchString(r.body["begin_time"].(string)) {
		t.Errorf("IMS begin_time %q is not in the 04-Jun-2015 18:11:06:586 style", r.body["begin_time"])
	}
	e := r.body["entities"].(map[string]any)
	wantKeys(t, "ims entities", e, "image_id", "image_name", "process_percent")
	h.clock.Step(2 * time.Second)
	if p := h.get(path("p", "ims")).body["entities"].(map[string]any)["process_percent"]; p != 0.25 {
		t.Errorf("process_percent a quarter into RUNNING = %v", p)
	}
	h.clock.Step(3 * time.Second)
	r = h.get(path("p", "ims"))
	if r.body["entities"].(map[string]any)["process_percent"] != 1.0 || !imsTimeRE.MatchString(r.body["end_time"].(string)) {
		t.Errorf("ended IMS job: %s", r.raw)
	}
	if got := imsTime(time.Date(2015, 6, 4, 18, 11, 6, 586_000_000, time.UTC)); got != "04-Jun-2015 18:11:06:586" {
		t.Errorf("imsTime = %q", got)
	}
}

func TestClassicELBShape(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceELB, ProjectID: "p", JobID: "elb", Entities: json.RawMessage(`{"members":[{"id":"m1"}]}`),
		SubJobs: []SubJobSpec{{JobID: "s", Running: dur(time.Second), Entities: json.RawMessage(`{"member":{"id":"m1"}}`)}}})
	r := h.get("/v1.0/p/jobs/elb")
	wantKeys(t, "elb", r.body, "status", "entities", "job_id", "job_type", "begin_time", "end_time", "error_code", "fail_reason", "sub_jobs")
	wantKeys(t, "elb entities", r.body["entities"].(map[string]any), "members")
	sub := r.body["sub_jobs"].([]any)[0].(map[string]any)
	if sub["entities"].(map[string]any)["member"] == nil || sub["status"] != StateRunning {
		t.Errorf("ELB sub-job: %v", sub)
	}
}

func TestELBv3Shape(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceELBv3, ProjectID: "p", JobID: "v3", Resources: Resources{ResourceID: "lb"},
		SubJobs: []SubJobSpec{{JobID: "s", Running: dur(time.Second), Resources: Resources{ResourceID: "listener", ResourceType: "listener"}}}})
	r := h.get("/v3/p/elb/jobs/v3")
	wantKeys(t, "elbv3", r.body, "job", "request_id")
	if r.body["request_id"] != r.header.Get("X-Request-Id") {
		t.Errorf("request_id %v differs from the header %q", r.body["request_id"], r.header.Get("X-Request-Id"))
	}
	job := r.body["job"].(map[string]any)
	wantKeys(t, "elbv3 job", job, "status", "job_id", "job_type", "begin_time", "end_time", "error_code", "error_msg", "project_id", "resource_id", "sub_jobs")
	if job["project_id"] != "p" || job["resource_id"] != "lb" {
		t.Errorf("elbv3 job: %v", job)
	}
	sub := job["sub_jobs"].([]any)[0].(map[string]any)
	ents := sub["entities"].([]any)
	if len(ents) != 1 || ents[0].(map[string]any)["resource_type"] != "listener" {
		t.Errorf("elbv3 sub-job entities: %v", ents)
	}
}

func TestRequestIDsAreUniqueAndSeeded(t *testing.T) {
	ids := func(seed uint64) []string {
		h := newHarness(t, Config{Seed: seed})
		var out []string
		for range 3 {
			out = append(out, h.get("/v1/p/jobs/x").header.Get("X-Request-Id"))
		}
		return out
	}
	a, b, c := ids(1), ids(1), ids(2)
	if !slices.Equal(a, b) || slices.Equal(a, c) {
		t.Errorf("request ids: seed 1 %v and %v, seed 2 %v", a, b, c)
	}
	if len(a[0]) != 32 || a[0] == a[1] {
		t.Errorf("request ids %v", a)
	}
}

// TestCBRExtraInfoFollowsTheOperation: a restore names its backup and target
// in extra_info.restore, a replication its copy in extra_info.replication,
// as cbr/v1 OpExtraInfo has them; a backup names both in backup and resource.
func TestCBRExtraInfoFollowsTheOperation(t *testing.T) {
	h := newHarness(t, Config{})
	r := Resources{BackupID: "b-1", ResourceID: "srv-1", ResourceName: "web", ResourceType: "OS::Nova::Server"}
	h.add(
		JobSpec{Service: ServiceCBR, ProjectID: "p", JobID: "bk", JobType: "backup", Resources: r},
		JobSpec{Service: ServiceCBR, ProjectID: "p", JobID: "rs", JobType: "restore", Resources: r},
		JobSpec{Service: ServiceCBR, ProjectID: "p", JobID: "rp", JobType: "replication", Resources: r},
	)
	extra := func(id string) map[string]any {
		return h.get("/v3/p/operation-logs/" + id).body["operation_log"].(map[string]any)["extra_info"].(map[string]any)
	}
	wantKeys(t, "backup extra_info", extra("bk"), "resource", "backup", "common")
	e := extra("rs")
	wantKeys(t, "restore extra_info", e, "restore", "common")
	if rs := e["restore"].(map[string]any); rs["backup_id"] != "b-1" || rs["target_resource_id"] != "srv-1" || rs["target_resource_name"] != "web" {
		t.Errorf("restore: %v", rs)
	}
	e = extra("rp")
	wantKeys(t, "replication extra_info", e, "replication", "common")
	if rp := e["replication"].(map[string]any); rp["destination_backup_id"] != "b-1" {
		t.Errorf("replication: %v", rp)
	}
}

// TestDatabaseJobsFollowTheirModels: RDS, TaurusDB, DDM and GeminiDB clear
// their progress once the job stops running, openGauss and DDS keep it; DDM
// has no fail_reason; only RDS and TaurusDB carry entities.
func TestDatabaseJobsFollowTheirModels(t *testing.T) {
	h := newHarness(t, Config{})
	job := func(r response) map[string]any {
		if jobs, ok := r.body["jobs"].([]any); ok {
			return jobs[0].(map[string]any)
		}
		return r.body["job"].(map[string]any)
	}
	tests := []struct {
		service           Service
		progressKey       string
		clearedWhenEnded  bool
		failReason, hasEn bool
	}{
		{ServiceRDS, "process", true, true, true},
		{ServiceTaurusDB, "process", true, true, true},
		{ServiceDDM, "process", true, false, false},
		{ServiceGeminiDB, "progress", true, true, false},
		{ServiceOpenGauss, "progress", false, true, false},
		{ServiceDDS, "progress", false, true, false},
	}
	for _, tt := range tests {
		spec := JobSpec{Service: tt.service, ProjectID: "p", JobID: "db-" + string(tt.service), Running: dur(time.Minute), Outcome: OutcomeFail,
			FailReason: "disk full", Resources: Resources{InstanceID: "in-1"}, Entities: json.RawMessage(`{"resource_ids":["in-1.vm"]}`)}
		h.add(spec)
		h.clock.Step(30 * time.Second)
		running := job(h.getJob(spec))
		if running[tt.progressKey] != "50%" {
			t.Errorf("%s running: %s %v, want 50%%", tt.service, tt.progressKey, running[tt.progressKey])
		}
		h.clock.Step(time.Minute)
		ended := job(h.getJob(spec))
		want := "100%"
		if tt.clearedWhenEnded {
			want = ""
		}
		if ended[tt.progressKey] != want {
			t.Errorf("%s ended: %s %q, want %q", tt.service, tt.progressKey, ended[tt.progressKey], want)
		}
		if _, ok := ended["fail_reason"]; ok != tt.failReason {
			t.Errorf("%s: fail_reason present %v, want %v", tt.service, ok, tt.failReason)
		}
		if _, ok := ended["entities"]; ok != tt.hasEn {
			t.Errorf("%s: entities present %v, want %v", tt.service, ok, tt.hasEn)
		}
	}
}
