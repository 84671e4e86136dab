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
	"encoding/json"
)

// imsAdapter reads Image Management Service jobs, GET
// /v1/{project_id}/jobs/{job_id} on host ims: the v1 fields, times that may
// come as "04-Jun-2015 18:11:06:586" rather than ISO 8601 (see parseTime).
// The SDK (v0.1.224, ims/v2 ShowJobResponse) models entities as {image_id,
// image_name, current_task, process_percent, results, error_code, error,
// addition_error_code, addition_error_msg, alarm_code, sub_jobs_result,
// sub_jobs_list}: the sub-jobs are sub_jobs_result (v1 jobs whose entities
// name image_id), sub_jobs_list their ids, and entities.error_code and
// entities.error explain a failure the job's own fields leave empty.
var imsAdapter = imsJobs{v1Jobs("ims", "v1")}

// imsJobs is the v1 decoding plus what IMS keeps in its entities.
type imsJobs struct{ v1Adapter }

func (a imsJobs) Decode(body []byte, ref JobRef) (*Job, error) {
	job, err := a.v1Adapter.Decode(body, ref)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if firstByte(job.Entities) != '{' || json.Unmarshal(job.Entities, &fields) != nil {
		return job, nil
	}
	if err := imsSubJobs(job, fields); err != nil {
		return nil, err
	}
	if job.ErrorCode == "" && job.FailReason == "" {
		job.ErrorCode = cleanID(looseString(fields["error_code"]))
		job.FailReason = cleanMessage(looseString(fields["error"]))
	}
	return job, nil
}

// imsSubJobs moves entities.sub_jobs_result into the job's sub-jobs, and
// counts entities.sub_jobs_list (their ids) in SubJobsTotal. Both leave the
// kept entities, as sub_jobs does for the other v1 services.
func imsSubJobs(job *Job, fields map[string]json.RawMessage) error {
	results, hasResults := fields["sub_jobs_result"]
	list, hasList := fields["sub_jobs_list"]
	if !hasResults && !hasList {
		return nil
	}
	if len(job.SubJobs) == 0 {
		// The v1 decoding left these in the entities: they get a budget of
		// their own, as bounded as the answer's.
		b := newEntryBudget()
		err := job.decodeSubJobs(results, "sub_jobs_result", b, func(item json.RawMessage) (Job, error) {
			return decodeJob(item, jobShape{states: v1States, budget: b}, 1)
		})
		if err != nil {
			return err
		}
	}
	// The ids are counted one at a time, never held.
	ids := 0
	if isList, err := eachEntry(list, func(int, json.RawMessage) error { ids++; return nil }); isList && err == nil {
		job.SubJobsTotal = max(job.SubJobsTotal, ids)
	}
	job.SubJobsTotal = max(job.SubJobsTotal, len(job.SubJobs))
	delete(fields, "sub_jobs_result")
	delete(fields, "sub_jobs_list")
	job.Entities = nil
	if len(fields) > 0 {
		job.Entities, _ = json.Marshal(fields) // sorted keys, compacted values
	}
	return nil
}
