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
	"fmt"
)

// elbv3States maps the dedicated load balancer's job states. ELB v3 jobs can roll
// back, and the mapping decides when such a job counts as finished:
//
//   - SUCCESS and COMPLETE are Succeeded.
//   - FAIL, ROLLBACK_FAIL and CANCEL are Failed: the operation did not happen (or
//     left things half done) and will not go on by itself.
//   - ROLLBACKING is Running: the operation failed but the job has not reached its
//     end yet; it will end in FAIL, ROLLBACK_FAIL or a completed rollback.
//   - INIT is Pending; RUNNING is Running.
var elbv3States = map[string]Phase{
	"INIT":          PhasePending,
	"RUNNING":       PhaseRunning,
	"ROLLBACKING":   PhaseRunning,
	"SUCCESS":       PhaseSucceeded,
	"COMPLETE":      PhaseSucceeded,
	"FAIL":          PhaseFailed,
	"ROLLBACK_FAIL": PhaseFailed,
	"CANCEL":        PhaseFailed,
}

// elbv3Adapter reads dedicated Elastic Load Balance jobs, GET
// /v3/{project_id}/elb/jobs/{job_id} on host elb (SDK v0.1.224: elb/v3
// ShowJobResponse, MainJob, SubJob, JobEntities). The job comes wrapped:
// {"job": {status, job_id, job_type, begin_time, end_time, error_code, error_msg,
// project_id, resource_id, sub_jobs: [{..., entities: [{resource_id,
// resource_type}]}]}, "request_id": ...}. The fail reason is error_msg, the
// resource id is resource_id (of the job, else of its entities) and its kind
// the matching entity's resource_type, and the body's
// request_id stands in for a missing X-Request-Id header. States and their phases:
// see elbv3States (ROLLBACKING is Running; COMPLETE is Succeeded; ROLLBACK_FAIL and
// CANCEL are Failed).
var elbv3Adapter = elbv3{}

type elbv3 struct{}

func (elbv3) Host() string { return "elb" }

func (elbv3) Needs() Needs { return projectJobs }

// Locate: /v3/{project_id}/elb/jobs/{job_id}.
func (elbv3) Locate(ref JobRef) Location {
	return Location{Path: jobPath("/v3", ref.ProjectID, "/elb/jobs/", ref.JobID)}
}

func (elbv3) Decode(body []byte, _ JobRef) (*Job, error) {
	var wrapper struct {
		Job       json.RawMessage `json:"job"`
		RequestID json.RawMessage `json:"request_id"`
	}
	if err := json.Unmarshal(body, &wrapper); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	raw := wrapper.Job
	if isNull(raw) {
		// Without the wrapper, read the body itself: an unwrapped job, or the
		// API's code and message.
		raw = body
	} else if firstByte(raw) != '{' {
		return nil, fmt.Errorf("job: got %s, want an object", jsonKind(raw))
	}
	job, err := decodeJob(raw, jobShape{states: elbv3States, reasonFromErrorMsg: true}, 0)
	if err != nil {
		return nil, err
	}
	job.RequestID = cleanID(looseString(wrapper.RequestID))
	elbv3ResourceTypes(&job)
	return &job, nil
}

// elbv3ResourceTypes records the kind of each job's resource: a sub-job's
// entities (elb/v3 JobEntities) pair each resource_id with its resource_type
// (loadbalancer, listener, ...). The entity naming the job's resource, or
// else the first that names a type, gives it.
func elbv3ResourceTypes(job *Job) {
	r := &job.Resources
	if r.ResourceID != "" && r.ResourceType == "" && firstByte(job.Entities) == '[' {
		var items []json.RawMessage
		_ = json.Unmarshal(job.Entities, &items) // compacted JSON: cannot fail
		for _, item := range items {
			var e struct {
				ID   json.RawMessage `json:"resource_id"`
				Type json.RawMessage `json:"resource_type"`
			}
			if firstByte(item) != '{' || json.Unmarshal(item, &e) != nil {
				continue
			}
			kind := cleanID(looseString(e.Type))
			if id := cleanID(looseString(e.ID)); kind != "" && (id == r.ResourceID || r.ResourceType == "") {
				r.ResourceType = kind
				if id == r.ResourceID {
					break
				}
			}
		}
	}
	for i := range job.SubJobs {
		elbv3ResourceTypes(&job.SubJobs[i])
	}
}
