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

// dwsStates are the states of DWS jobs. STOP ends a job that did not finish
// its work.
var dwsStates = map[string]Phase{
	"INIT":            PhasePending,
	"WAITING":         PhasePending,
	"DELAY_SCHEDULED": PhasePending,
	"RUNNING":         PhaseRunning,
	"SUCCESS":         PhaseSucceeded,
	"FAIL":            PhaseFailed,
	"STOP":            PhaseFailed,
}

// dwsAdapter reads Data Warehouse Service jobs, GET
// /v1.0/{project_id}/job/{job_id} (singular "job") on host dws: {job_id,
// job_name, status, progress, begin_time, end_time, failed_code,
// failed_detail}.
var dwsAdapter = shapeAdapter{host: "dws", needs: projectJobs,
	locate: func(ref JobRef) Location {
		return Location{Path: jobPath("/v1.0", ref.ProjectID, "/job/", ref.JobID)}
	},
	shape: &fieldShape{
		id:       []string{"job_id"},
		jobType:  []string{"job_name"},
		state:    []string{"status"},
		begin:    []string{"begin_time", "start_time"},
		end:      []string{"end_time"},
		code:     []string{"failed_code"},
		reason:   []string{"failed_detail"},
		progress: []string{"progress"},
		states:   dwsStates,
	}}
