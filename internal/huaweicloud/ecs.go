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

// ecsAdapter reads Elastic Cloud Server jobs, GET /v1/{project_id}/jobs/{job_id}
// on host ecs. Like BMS; entities may also hold server_id or nic_id themselves,
// and a sub-job's entities add errorcode_message, used as its fail reason when
// fail_reason is empty. An unknown job id answers HTTP 400 Common.0011, and
// finished jobs are deleted one day after they end.
var ecsAdapter = v1Jobs("ecs", "v1")
