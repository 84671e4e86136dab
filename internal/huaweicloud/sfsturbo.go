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

// sfsTurboStates are SFS Turbo's lower-case states, upper-cased.
var sfsTurboStates = map[string]Phase{
	"WAITING": PhasePending,
	"RUNNING": PhaseRunning,
	"SUCCESS": PhaseSucceeded,
	"FAILED":  PhaseFailed,
}

// sfsTurboAdapter reads SFS Turbo jobs, GET
// /v1/{project_id}/sfs-turbo/jobs/{job_id} on host sfs-turbo: the v1 fields with
// lower-case states (waiting, running, success, failed), top-level sub_jobs,
// times "2016-01-02 15:04:05" in UTC, and errors as {"errCode", "errMsg"}.
var sfsTurboAdapter = v1Adapter{host: "sfs-turbo", prefix: "/v1", middle: "/sfs-turbo/jobs/", states: sfsTurboStates}
