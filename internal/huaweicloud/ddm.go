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

// ddmAdapter reads Distributed Database Middleware jobs, GET
// /v3/{project_id}/jobs/{job_id} on host ddm: the database job shape (see
// dbJobShape), with created_time, end_time and process; the job may come
// without the "job" wrapper. States: Running, Completed, Failed.
var ddmAdapter = shapeAdapter{host: "ddm", needs: projectJobs, shape: dbJobShape,
	locate: func(ref JobRef) Location {
		return Location{Path: jobPath("/v3", ref.ProjectID, "/jobs/", ref.JobID)}
	}}
