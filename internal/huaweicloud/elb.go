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

// elbAdapter reads classic (shared) Elastic Load Balance jobs, GET
// /v1.0/{project_id}/jobs/{job_id} on host elb. Entities are free-form and name
// the load balancer itself, for example {"elb": {"id": ..., "vip_address": ...}};
// they are kept whole in Job.Entities. sub_jobs sit at the top level beside
// entities, which the shared decoding also looks at. States: INIT, RUNNING,
// SUCCESS, FAIL.
var elbAdapter = v1Jobs("elb", "v1.0")
