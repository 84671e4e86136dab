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
	"strings"
	"testing"
	"unicode"
)

// TestDecodeLenient feeds awkward bodies to the adapters: what must still decode,
// and what must be refused.
func TestDecodeLenient(t *testing.T) {
	tests := []struct {
		name    string
		service Service
		body    string
		wantErr string // substring of the error; "" for success
		check   func(t *testing.T, job *Job)
	}{
		{name: "not JSON", service: ServiceECS, body: "<html>502 Bad Gateway</html>", wantErr: "not a JSON object"},
		{name: "empty body", service: ServiceECS, body: "", wantErr: "not a JSON object"},
		{name: "JSON array", service: ServiceBMS, body: `[{"status":"SUCCESS"}]`, wantErr: "not a JSON object"},
		{name: "JSON string", service: ServiceEVS, body: `"SUCCESS"`, wantErr: "not a JSON object"},
		{name: "null", service: ServiceIMS, body: `null`, wantErr: "no status"},
		{name: "empty object", service: ServiceVPC, body: `{}`, wantErr: "no status"},
		{name: "no status, only ids", service: ServiceELB, body: `{"job_id":"j","job_type":"t"}`, wantErr: "no status"},
		{name: "status a number", service: ServiceECS, body: `{"status":1}`, wantErr: "status: got a number"},
		{name: "status an object", service: ServiceECS, body: `{"status":{"phase":"SUCCESS"}}`, wantErr: "status: got an object"},
		{name: "status an array", service: ServiceBMS, body: `{"status":["SUCCESS"]}`, wantErr: "status: got an array"},
		{name: "status a boolean", service: ServiceIMS, body: `{"status":true}`, wantErr: "status: got a boolean"},
		{name: "sub-job status a number", service: ServiceBMS, body: `{"status":"RUNNING","entities":{"sub_jobs":[{"status":2}]}}`, wantErr: "sub_jobs[0]: status"},
		{name: "ELB v3 job a string", service: ServiceELBv3, body: `{"job":"SUCCESS"}`, wantErr: "job: got a string"},
		{name: "ELB v3 status a number", service: ServiceELBv3, body: `{"job":{"status":3}}`, wantErr: "status: got a number"},
		{name: "ELB v3 empty wrapper", service: ServiceELBv3, body: `{"request_id":"r"}`, wantErr: "no status"},
		{name: "trailing garbage", service: ServiceECS, body: `{"status":"SUCCESS"} x`, wantErr: "not a JSON object"},
		{
			name: "null status with code and message", service: ServiceECS,
			body: `{"status":null,"code":"Ecs.0001","message":"busy"}`,
			check: func(t *testing.T, job *Job) {
				if job.Phase != PhaseUnknown || job.Code != "Ecs.0001" || job.Message != "busy" {
					t.Errorf("got %+v", job)
				}
			},
		},
		{
			name: "numbers for strings", service: ServiceECS,
			body: `{"status":"FAIL","job_id":12345,"job_type":true,"error_code":500,"fail_reason":{"text":"x"}}`,
			check: func(t *testing.T, job *Job) {
				if job.JobID != "12345" || job.JobType != "true" || job.ErrorCode != "500" || job.FailReason != "" {
					t.Errorf("got %+v", job)
				}
			},
		},
		{
			name: "times as epoch numbers and garbage", service: ServiceBMS,
			body: `{"status":"SUCCESS","begin_time":1556222674604,"end_time":"yesterday"}`,
			check: func(t *testing.T, job *Job) {
				if !sameTime(job.BeginTime, at("2019-04-25T20:04:34.604Z")) || job.EndTime != nil {
					t.Errorf("begin %s end %s", fmtTime(job.BeginTime), fmtTime(job.EndTime))
				}
			},
		},
		{
			name: "sub_jobs typed as a string, as one document says", service: ServiceELB,
			body: `{"status":"SUCCESS","entities":null,"sub_jobs":"none"}`,
			check: func(t *testing.T, job *Job) {
				if job.SubJobs != nil || job.SubJobsTotal != 0 || job.Entities != nil {
					t.Errorf("got %+v", job)
				}
			},
		},
		{
			name: "sub_jobs_total larger than the list", service: ServiceBMS,
			body: `{"status":"RUNNING","entities":{"sub_jobs_total":5,"sub_jobs":[{"status":"INIT"}]}}`,
			check: func(t *testing.T, job *Job) {
				if job.SubJobsTotal != 5 || len(job.SubJobs) != 1 || job.SubJobs[0].Phase != PhasePending {
					t.Errorf("got total %d, %d sub-jobs", job.SubJobsTotal, len(job.SubJobs))
				}
			},
		},
		{
			name: "sub_jobs_total smaller than the list, or nonsense", service: ServiceBMS,
			body: `{"status":"RUNNING","entities":{"sub_jobs_total":0,"sub_jobs":[{"status":"INIT"},{"status":"FAIL"}]}}`,
			check: func(t *testing.T, job *Job) {
				if job.SubJobsTotal != 2 || job.SubJobs[1].Phase != PhaseFailed {
					t.Errorf("got total %d", job.SubJobsTotal)
				}
			},
		},
		{
			name: "sub_jobs_total as a float and as junk", service: ServiceBMS,
			body: `{"status":"RUNNING","entities":{"sub_jobs_total":4.0},"sub_jobs_total":"x"}`,
			check: func(t *testing.T, job *Job) {
				if job.SubJobsTotal != 4 {
					t.Errorf("got total %d", job.SubJobsTotal)
				}
			},
		},
		{
			name: "entities as an array at the top", service: ServiceEVS,
			body: `{"status":"SUCCESS","entities":[{"name":"x"},{"volume_id":"v-1"},{"volume_id":"v-2"}]}`,
			check: func(t *testing.T, job *Job) {
				if job.Resources.VolumeID != "v-1" || !sameJSON(job.Entities, raw(`[{"name":"x"},{"volume_id":"v-1"},{"volume_id":"v-2"}]`)) {
					t.Errorf("got %+v, entities %s", job.Resources, job.Entities)
				}
			},
		},
		{
			name: "entities a string", service: ServiceELB,
			body: `{"status":"SUCCESS","entities":"done"}`,
			check: func(t *testing.T, job *Job) {
				if string(job.Entities) != `"done"` {
					t.Errorf("entities %s", job.Entities)
				}
			},
		},
		{
			name: "entities with only sub-jobs become nil", service: ServiceVPC,
			body: `{"status":"SUCCESS","entities":{"sub_jobs":[]}}`,
			check: func(t *testing.T, job *Job) {
				if job.Entities != nil {
					t.Errorf("entities %s, want nil", job.Entities)
				}
			},
		},
		{
			name: "ids of the wrong type are ignored", service: ServiceECS,
			body: `{"status":"SUCCESS","entities":{"server_id":{"id":"x"},"nic_id":["n"],"volume_id":null}}`,
			check: func(t *testing.T, job *Job) {
				if job.Resources != (ResourceIDs{}) {
					t.Errorf("resources %+v", job.Resources)
				}
			},
		},
		{
			name: "unwrapped ELB v3 job", service: ServiceELBv3,
			body: `{"status":"COMPLETE","job_id":"j","resource_id":"r-1"}`,
			check: func(t *testing.T, job *Job) {
				if job.Phase != PhaseSucceeded || job.Resources.ResourceID != "r-1" {
					t.Errorf("got %+v", job)
				}
			},
		},
		{
			name: "ELB v3 fail reason falls back to fail_reason", service: ServiceELBv3,
			body: `{"job":{"status":"FAIL","error_msg":null,"fail_reason":"quota"}}`,
			check: func(t *testing.T, job *Job) {
				if job.FailReason != "quota" {
					t.Errorf("FailReason %q", job.FailReason)
				}
			},
		},
		{
			name: "v1 ignores error_msg as fail reason", service: ServiceECS,
			body: `{"status":"FAIL","error_msg":"not ours","fail_reason":null}`,
			check: func(t *testing.T, job *Job) {
				if job.FailReason != "" {
					t.Errorf("FailReason %q", job.FailReason)
				}
			},
		},
		{
			name: "control characters and huge text", service: ServiceECS,
			body: `{"status":"FAIL\u0007","fail_reason":"line1\nline2\u202e\u0000` + strings.Repeat("é", 2000) + `","error_code":"` + strings.Repeat("C", 5000) + `"}`,
			check: func(t *testing.T, job *Job) {
				if job.State != "FAIL" || job.Phase != PhaseFailed {
					t.Errorf("state %q phase %q", job.State, job.Phase)
				}
				if !strings.HasPrefix(job.FailReason, "line1 line2é") || len(job.FailReason) > maxTextBytes {
					t.Errorf("FailReason %q... (%d bytes)", job.FailReason[:20], len(job.FailReason))
				}
				if len(job.ErrorCode) != maxIDBytes {
					t.Errorf("ErrorCode is %d bytes, want %d", len(job.ErrorCode), maxIDBytes)
				}
			},
		},
		{
			name: "deeply nested sub-jobs stop at the depth limit", service: ServiceBMS,
			body: nestedSubJobs(maxSubJobDepth + 5),
			check: func(t *testing.T, job *Job) {
				depth := 0
				for j := job; len(j.SubJobs) > 0; j = &j.SubJobs[0] {
					depth++
				}
				if depth != maxSubJobDepth {
					t.Errorf("decoded %d levels, want %d", depth, maxSubJobDepth)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			adapter, _ := AdapterFor(tt.service)
			job, err := adapter.Decode([]byte(tt.body), JobRef{JobID: "j"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Decode error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			tt.check(t, job)
		})
	}
}

func nestedSubJobs(depth int) string {
	s := `{"status":"RUNNING"}`
	for i := 0; i < depth; i++ {
		s = `{"status":"RUNNING","entities":{"sub_jobs":[` + s + `]}}`
	}
	return s
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"  plain  ", 100, "plain"},
		{"a\tb\r\nc", 100, "a b  c"},
		{"bell\x07 nul\x00 del\x7f c1\u0085", 100, "bell nul del c1"},
		{"bidi\u202eevil\u2066", 100, "bidievil"},
		{"bad\xffutf8", 100, "bad\uFFFDutf8"},
		{"ééé", 5, "éé"},
		{strings.Repeat("x", 3000), 1024, strings.Repeat("x", 1024)},
	}
	for _, tt := range tests {
		got := cleanText(tt.in, tt.max)
		if got != tt.want {
			t.Errorf("cleanText(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
		for _, r := range got {
			if unicode.IsControl(r) {
				t.Errorf("cleanText(%q) kept control character %U", tt.in, r)
			}
		}
	}
}
