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

// swrStates are the states of SWR Enterprise jobs.
var swrStates = map[string]Phase{
	"CREATING":     PhasePending,
	"INITIALIZING": PhasePending,
	"RUNNING":      PhaseRunning,
	"SUCCESS":      PhaseSucceeded,
	"FAILED":       PhaseFailed,
}

// swrAdapter reads SoftWare Repository (Enterprise) jobs, GET
// /v2/{project_id}/jobs/{job_id} on host swr. The SDK (v0.1.224, swr/v2
// ShowInstanceJobResponse) answers {id, instance_id, resource_id,
// resource_name, type, status, reason, created_at, updated_at}: instance_id is
// the Enterprise instance the job created or acted on, recorded as the
// instance like the database services' ids; resource_id and resource_name
// name the resource inside it. updated_at is the end of a finished job.
var swrAdapter = shapeAdapter{host: "swr", needs: projectJobs,
	locate: func(ref JobRef) Location {
		return Location{Path: jobPath("/v2", ref.ProjectID, "/jobs/", ref.JobID)}
	},
	shape: &fieldShape{
		id:                  []string{"id"},
		jobType:             []string{"type"},
		state:               []string{"status"},
		begin:               []string{"created_at"},
		end:                 []string{"updated_at"},
		endOnlyWhenFinished: true,
		reason:              []string{"reason"},
		resources: []resourceField{
			{"instance_id", toInstance},
			{"resource_id", toResource},
			{"resource_name", toResourceName},
		},
		states: swrStates,
	}}
