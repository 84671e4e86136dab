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
)

// v1States are the states of the /v1 job APIs (and of classic ELB, which uses a
// subset).
var v1States = map[string]Phase{
	"INIT":            PhasePending,
	"RUNNING":         PhaseRunning,
	"SUCCESS":         PhaseSucceeded,
	"FAIL":            PhaseFailed,
	"PENDING_PAYMENT": PhaseAwaitingPayment,
}

// v1Adapter reads the job shape shared by the /v1 job APIs (BMS, ECS, EVS, IMS,
// VPC) and classic ELB: a top-level object with status, job_id, job_type,
// begin_time, end_time, error_code, fail_reason, the API's code and message, and
// entities holding the resource ids and, usually, sub_jobs and sub_jobs_total.
// The services differ in what entities holds, which the shared decoding reads
// generically, and in their path and host.
type v1Adapter struct {
	host string
	// version is the first path segment: "v1", or "v1.0" for classic ELB.
	version string
}

func (a v1Adapter) Host() string { return a.host }

// Path is /{version}/{project_id}/jobs/{job_id}.
func (a v1Adapter) Path(projectID, jobID string) string {
	return jobPath("/"+a.version, projectID, "/jobs/", jobID)
}

func (a v1Adapter) Decode(body []byte) (*Job, error) {
	job, err := decodeJob(json.RawMessage(body), jobShape{states: v1States}, 0)
	if err != nil {
		return nil, err
	}
	return &job, nil
}
