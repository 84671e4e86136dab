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

// bmsAdapter reads Bare Metal Server jobs, GET /v1/{project_id}/jobs/{job_id} on
// host bms. Entities hold sub_jobs_total and sub_jobs; each sub-job's entities
// name server_id (server operations) or nic_id (NIC operations). States: INIT,
// RUNNING, SUCCESS, FAIL, PENDING_PAYMENT. The account may query jobs 2,000 times
// a minute.
var bmsAdapter = v1Jobs("bms", "v1")
