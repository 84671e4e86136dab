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

// geipStates are the states of Global EIP jobs. A job that rolled back
// (FINISH_ROLLBACK_SUCC) did not do its work: a failure. The full list is not
// published; others stay Unknown.
var geipStates = map[string]Phase{
	"WAIT_TO_SCHEDULE":     PhasePending,
	"RUNNING":              PhaseRunning,
	"FINISH_SUCC":          PhaseSucceeded,
	"FINISH_ROLLBACK_SUCC": PhaseFailed,
	"FINISH_ROLLBACK_FAIL": PhaseFailed,
}

// geipAdapter reads Global EIP jobs, GET /v3/{domain_id}/geip/jobs/{job_id} on
// the global host geip (no region): the account's (domain's) jobs, not a
// project's. The SDK (v0.1.224, geip/v3 ShowJobsResponse) answers {"job": {id,
// action, status, error_task, error_code, error_message, start_time,
// end_time}, "request_id"}: the operation is action and the begin start_time
// ("2006-01-02T15:04:05Z"). The job names no resource. error_task, the step
// that failed, stands in for a missing error_message.
var geipAdapter = shapeAdapter{host: "geip", needs: Needs{Domain: true},
	locate: func(ref JobRef) Location {
		return Location{Path: jobPath("/v3", ref.DomainID, "/geip/jobs/", ref.JobID)}
	},
	shape: &fieldShape{
		wrapper: "job",
		id:      []string{"id"},
		jobType: []string{"action"},
		state:   []string{"status"},
		begin:   []string{"start_time"},
		end:     []string{"end_time"},
		code:    []string{"error_code"},
		reason:  []string{"error_message", "error_task"},
		states:  geipStates,
	}}
