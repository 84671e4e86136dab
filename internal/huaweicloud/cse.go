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
// engine id is spec.instanceID): {id (a number), type, status, startTime,
// endTime (epoch numbers), tasks: [{taskName, status, startTime, endTime}]}.
var cseAdapter = shapeAdapter{host: "cse", needs: Needs{Project: true, Instance: true},
	locate: func(ref JobRef) Location {
		return Location{Path: jobPath("/v2", ref.ProjectID, "/enginemgr/engines/"+url.PathEscape(ref.InstanceID)+"/jobs/", ref.JobID)}
	},
	shape: &fieldShape{
		id:      []string{"id"},
		jobType: []string{"type", "name"},
		state:   []string{"status"},
		begin:   []string{"startTime"},
		end:     []string{"endTime"},
		subJobs: "tasks",
		sub: &fieldShape{
			id:      []string{"id", "taskId"},
			jobType: []string{"taskName", "name"},
			state:   []string{"status"},
			begin:   []string{"startTime"},
			end:     []string{"endTime"},
			reason:  []string{"errMessage", "detail"},
			states:  cseStates,
		},
		states: cseStates,
	}}
