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

// dbStates are the states of the database job APIs (RDS, TaurusDB,
// openGauss, DDS, GeminiDB, DDM). TaurusDB reports Pending for a delayed job,
// which is not a failure.
var dbStates = map[string]Phase{
	"PENDING":   PhasePending,
	"RUNNING":   PhaseRunning,
	"COMPLETED": PhaseSucceeded,
	"FAILED":    PhaseFailed,
}

// dbJobShape reads the job of the database services: {"job": {id, name,
// status, created, ended, process or progress ("60%"), instance{id, name},
// entities, fail_reason}}. Times look like "2018-08-06T10:41:14+0000"; ended
// may be filled while the job runs, so it is an end only once the job
// finished. entities (the instance's details and resource_ids) are kept.
var dbJobShape = &fieldShape{
	wrapper:             "job",
	id:                  []string{"id"},
	jobType:             []string{"name"},
	state:               []string{"status"},
	begin:               []string{"created", "start_time", "created_time"},
	end:                 []string{"ended", "end_time"},
	endOnlyWhenFinished: true,
	reason:              []string{"fail_reason"},
	progress:            []string{"process", "progress"},
	entities:            "entities",
	resources:           []resourceField{{"instance.id", toInstance}, {"instance_id", toInstance}},
	states:              dbStates,
}

// dbJobsByQuery is the database services' job URL: /v3/{project_id}/jobs?id={job_id}.
func dbJobsByQuery(ref JobRef) Location {
	return Location{Path: "/v3/" + url.PathEscape(ref.ProjectID) + "/jobs", Query: url.Values{"id": {ref.JobID}}}
}

// rdsAdapter reads Relational Database Service jobs, GET
// /v3/{project_id}/jobs?id={job_id} on host rds (the id is in the query). A new
// job id answers "not found" for a few seconds, and records are kept a month.
// States: Running, Completed, Failed.
var rdsAdapter = shapeAdapter{host: "rds", needs: projectJobs, shape: dbJobShape, locate: dbJobsByQuery}
