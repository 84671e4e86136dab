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

// caeStates are the states of CAE jobs and their tasks. A skipped task was
// not needed; terminated jobs were stopped before their end.
var caeStates = map[string]Phase{
	"INIT":        PhasePending,
	"RUNNING":     PhaseRunning,
	"TERMINATING": PhaseRunning,
	"SUCCESS":     PhaseSucceeded,
	"SKIP":        PhaseSucceeded,
	"FAILED":      PhaseFailed,
	"TIMEOUT":     PhaseFailed,
	"TERMINATED":  PhaseFailed,
}

// caeAdapter reads Cloud Application Engine jobs, GET
// /v1/{project_id}/cae/jobs/{job_id} on host cae, with the environment in the
// X-Environment-ID header: {"metadata": {id}, "spec": {status, created_at,
// tasks: [{index, name, status, detail}]}}. The tasks are the sub-jobs; a failed
// task's detail is why the job failed.
var caeAdapter = shapeAdapter{host: "cae", needs: Needs{Project: true, Environment: true},
	locate: func(ref JobRef) Location {
		return Location{
			Path:   jobPath("/v1", ref.ProjectID, "/cae/jobs/", ref.JobID),
			Header: map[string]string{"X-Environment-ID": ref.EnvironmentID},
		}
	},
	shape: &fieldShape{
		id:      []string{"metadata.id", "id"},
		jobType: []string{"metadata.name", "spec.type"},
		state:   []string{"spec.status", "status"},
		begin:   []string{"spec.created_at", "metadata.created_at"},
		end:     []string{"spec.updated_at"},
		// The end field is a last update.
		endOnlyWhenFinished: true,
		subJobs:             "spec.tasks",
		sub: &fieldShape{
			id:      []string{"index"},
			jobType: []string{"name"},
			state:   []string{"status"},
			reason:  []string{"detail"},
			states:  caeStates,
		},
		states: caeStates,
	}}
