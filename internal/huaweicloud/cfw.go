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

// cfwAdapter reads Cloud Firewall jobs, GET /v3/{project_id}/jobs/{job_id} on
// host cfw: {"data": {id, status, begin_time, end_time}}. States: Running,
// Success, Failed.
var cfwAdapter = shapeAdapter{host: "cfw", needs: projectJobs,
	locate: func(ref JobRef) Location {
		return Location{Path: jobPath("/v3", ref.ProjectID, "/jobs/", ref.JobID)}
	},
	shape: &fieldShape{
		wrapper: "data",
		id:      []string{"id"},
		jobType: []string{"type", "job_type"},
		state:   []string{"status"},
		begin:   []string{"begin_time"},
		end:     []string{"end_time"},
		states:  successFailed,
	}}

// successFailed are the states spelled Running, Success, Failed.
var successFailed = map[string]Phase{
	"RUNNING": PhaseRunning,
	"SUCCESS": PhaseSucceeded,
	"FAILED":  PhaseFailed,
}
