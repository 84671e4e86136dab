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

// imsAdapter reads Image Management Service jobs, GET
// /v1/{project_id}/jobs/{job_id} on host ims. Entities hold image_id, image_name,
// process_percent, current_task and results; times may come as
// "04-Jun-2015 18:11:06:586" rather than ISO 8601 (see parseTime).
var imsAdapter = v1Jobs("ims", "v1")
