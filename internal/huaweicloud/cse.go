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
	"net/url"
)

// cseStates are the states of CSE engine jobs and their tasks.
var cseStates = map[string]Phase{
	"INIT":      PhasePending,
	"EXECUTING": PhaseRunning,
	"FINISHED":  PhaseSucceeded,
	"ERROR":     PhaseFailed,
	"TIMEOUT":   PhaseFailed,
}

// cseAdapter reads Cloud Service Engine jobs, GET
// /v2/{project_id}/enginemgr/engines/{engine_id}/jobs/{job_id} on host cse (the
// engine id is spec.instanceID). The SDK (v0.1.224, cse/v1
// ShowEngineJobResponse) answers {id (a number), engineId, type, description,
// status, scheduling, createUser, startTime, endTime (epoch numbers, 0 while
// running), context, tasks}: tasks are the job's stages, {taskName, taskNames,
// status, startTime, endTime, tasks}, each holding its steps, {id, jobId,
// type, taskName, taskOrder, status, startTime, endTime, ...}. engineId is the
// engine the job created or changed, recorded as the instance like other
// services' instance ids. No field says why a job failed.
var cseAdapter = shapeAdapter{host: "cse", needs: Needs{Project: true, Instance: true},
	locate: func(ref JobRef) Location {
		return Location{Path: jobPath("/v2", ref.ProjectID, "/enginemgr/engines/"+url.PathEscape(ref.InstanceID)+"/jobs/", ref.JobID)}
	},
	shape: &fieldShape{
		id:        []string{"id"},
		jobType:   []string{"type"},
		state:     []string{"status"},
		begin:     []string{"startTime"},
		end:       []string{"endTime"},
		resources: []resourceField{{"engineId", toInstance}},
		subJobs:   "tasks",
		sub:       cseStageShape,
		states:    cseStates,
	}}

// cseStageShape reads a stage of a CSE job (the SDK's TaskSteps); its steps
// are its sub-jobs.
var cseStageShape = &fieldShape{
	jobType: []string{"taskName"},
	state:   []string{"status"},
	begin:   []string{"startTime"},
	end:     []string{"endTime"},
	subJobs: "tasks",
	sub:     cseStepShape,
	states:  cseStates,
}

// cseStepShape reads a step of a stage (the SDK's Task).
var cseStepShape = &fieldShape{
	id:      []string{"id"},
	jobType: []string{"taskName"},
	state:   []string{"status"},
	begin:   []string{"startTime"},
	end:     []string{"endTime"},
	states:  cseStates,
}
