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

package huaweicloud

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// FuzzDecode feeds arbitrary bodies to every adapter: decoding must never panic,
// and whatever decodes must be a well-formed job.
func FuzzDecode(f *testing.F) {
	fixtures, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range fixtures {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"", "null", "[]", `"x"`, "{", `{"status":1}`, `{"job":{"status":"ROLLBACKING"}}`, `{"job":[]}`,
		`{"status":"RUNNING","entities":{"sub_jobs":[{"status":"INIT","entities":[{"server_id":7}]}],"sub_jobs_total":"1e3"}}`,
		`{"status":"SUCCESS","sub_jobs":[null,1,{"status":"FAIL"}],"begin_time":"04-Jun-2015 18:11:06:586"}`,
		nestedSubJobs(50),
		`{"status":{"phase":"Running"},"spec":{"subJobs":[{"status":{"phase":"Failed"},"spec":{"subJobs":[{"status":{"phase":"Failed","reason":"x"}}]}}]}}`,
		`{"jobs":[{"id":"j","status":"Running","progress":"101%"},{"id":"j"}],"tasks":[{"status":"SUCCESS","params":"{\"a\":1}"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, service := range Services() {
			adapter, _ := AdapterFor(service)
			// LastState 5 is the second step of bss (the resources of a
			// completed order); job APIs ignore it.
			for _, last := range []string{"", completedOrderState} {
				job, err := adapter.Decode(body, JobRef{ProjectID: "p", JobID: "j", OrderID: "o", LastState: last})
				if err != nil {
					if job != nil {
						t.Fatalf("%s: a job and an error", service)
					}
					continue
				}
				if job == nil {
					t.Fatalf("%s: no job and no error", service)
				}
				checkDecoded(t, string(service), job, 0)
			}
		}
	})
}

func checkDecoded(t *testing.T, where string, job *Job, depth int) {
	t.Helper()
	if depth > maxSubJobDepth {
		t.Fatalf("%s: sub-jobs %d levels deep", where, depth)
	}
	switch job.Phase {
	case PhasePending, PhaseRunning, PhaseSucceeded, PhaseFailed, PhaseAwaitingPayment, PhaseUnknown:
	default:
		t.Fatalf("%s: phase %q", where, job.Phase)
	}
	if job.Progress != nil && (*job.Progress < 0 || *job.Progress > 100) {
		t.Fatalf("%s: progress %d", where, *job.Progress)
	}
	for _, u := range job.UnreadTimes {
		if len(u) > 2*maxIDBytes || strings.IndexFunc(u, unicode.IsControl) >= 0 {
			t.Fatalf("%s: unclean unread time %q", where, u)
		}
	}
	if job.SubJobsTotal < len(job.SubJobs) {
		t.Fatalf("%s: total %d < %d sub-jobs", where, job.SubJobsTotal, len(job.SubJobs))
	}
	if job.Entities != nil && !json.Valid(job.Entities) {
		t.Fatalf("%s: invalid entities %q", where, job.Entities)
	}
	for _, text := range []struct {
		s   string
		max int
	}{
		{job.JobID, maxIDBytes}, {job.JobType, maxIDBytes}, {job.State, maxIDBytes}, {job.ErrorCode, maxIDBytes},
		{job.Code, maxIDBytes}, {job.RequestID, maxIDBytes}, {job.FailReason, maxTextBytes}, {job.Message, maxTextBytes},
		{job.Resources.ServerID, maxIDBytes}, {job.Resources.NICID, maxIDBytes}, {job.Resources.VolumeID, maxIDBytes},
		{job.Resources.ImageID, maxIDBytes}, {job.Resources.ResourceID, maxIDBytes}, {job.Resources.InstanceID, maxIDBytes},
		{job.Resources.ClusterID, maxIDBytes}, {job.Resources.NodeID, maxIDBytes}, {job.Resources.NodePoolID, maxIDBytes},
		{job.Resources.BackupID, maxIDBytes}, {job.Resources.ResourceType, maxIDBytes}, {job.Resources.ResourceName, maxIDBytes},
	} {
		if len(text.s) > text.max || strings.IndexFunc(text.s, unicode.IsControl) >= 0 {
			t.Fatalf("%s: unclean text %q", where, text.s)
		}
	}
	if job.BeginTime != nil && job.BeginTime.Location().String() != "UTC" || job.EndTime != nil && job.EndTime.Location().String() != "UTC" {
		t.Fatalf("%s: times not in UTC", where)
	}
	for i := range job.SubJobs {
		checkDecoded(t, where+".sub", &job.SubJobs[i], depth+1)
	}
}
