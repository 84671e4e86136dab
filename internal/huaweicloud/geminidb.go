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

// geminiDBShape is the RDS job shape answered as a list: {total_count,
// jobs: [{id, name, status, start_time, end_time, progress, instance,
// fail_reason}]}; the job is the entry with the id asked for.
var geminiDBShape = func() *fieldShape {
	s := *dbJobShape
	s.wrapper, s.list = "", "jobs"
	return &s
}()

// geminiDBAdapter reads GeminiDB jobs, GET /v3/{project_id}/jobs?id={job_id}
// on host gaussdb-nosql. States: Running, Completed, Failed. A list without the
// job is NotFound.
var geminiDBAdapter = shapeAdapter{host: "gaussdb-nosql", needs: projectJobs, shape: geminiDBShape, locate: dbJobsByQuery}
