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
// VPC, SDRS, DEH), classic ELB, DCS and SFS Turbo: a top-level object with
// status, job_id, job_type, begin_time, end_time, error_code, fail_reason, the
// API's code and message, and entities holding the resource ids and, usually,
// sub_jobs and sub_jobs_total. The services differ in what entities holds,
// which the shared decoding reads generically, in their path and host, and in
// how they spell states.
type v1Adapter struct {
	host string
	// prefix and middle surround the project id in the path:
	// {prefix}/{project_id}{middle}{job_id}.
	prefix, middle string
	// states maps the upper-cased states; nil means v1States.
	states map[string]Phase
}

// v1Jobs is the adapter of /{version}/{project_id}/jobs/{job_id} on host.
func v1Jobs(host, version string) v1Adapter {
	return v1Adapter{host: host, prefix: "/" + version, middle: "/jobs/"}
}

func (a v1Adapter) Host() string { return a.host }

func (a v1Adapter) Needs() Needs { return projectJobs }

func (a v1Adapter) Locate(ref JobRef) Location {
	return Location{Path: jobPath(a.prefix, ref.ProjectID, a.middle, ref.JobID)}
}

func (a v1Adapter) Decode(body []byte, _ JobRef) (*Job, error) {
	states := a.states
	if states == nil {
		states = v1States
	}
	job, err := decodeJob(json.RawMessage(body), jobShape{states: states}, 0)
	if err != nil {
		return nil, err
	}
	return &job, nil
}
