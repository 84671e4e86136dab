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

// ddsAdapter reads Document Database Service jobs, GET
// /v3/{project_id}/jobs?id={job_id} on host dds: the RDS shape with progress
// instead of process (see dbJobShape). Records are kept a month.
var ddsAdapter = shapeAdapter{host: "dds", needs: projectJobs, shape: dbJobShape, locate: dbJobsByQuery}
