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

// sdrsAdapter reads Storage Disaster Recovery Service jobs, GET
// /v1/{project_id}/jobs/{job_id} on host sdrs: the v1 fields, without
// sub_jobs_total. The SDK (v0.1.224, sdrs/v1 ShowJobStatusResponse) models
// entities (the job's and each sub-job's) as {server_group_id,
// protected_instance_id, replication_pair_id, native_server_id, volume_ids,
// nic_id, sub_jobs}: the protection group, protected instance or replication
// pair the job created or changed is recorded as its resource (see
// sdrsResources), the disaster-recovery site's server as its server.
var sdrsAdapter = sdrsJobs{v1Jobs("sdrs", "v1")}

// sdrsJobs is the v1 decoding plus the ids SDRS names in its entities.
type sdrsJobs struct{ v1Adapter }

// sdrsResources are the entities naming the SDRS resource a job acted on, the
// most specific first (a protected instance's job also names its group), and
// the kind recorded with each as the resource type.
var sdrsResources = []struct{ key, kind string }{
	{"protected_instance_id", "protected_instance"},
	{"replication_pair_id", "replication_pair"},
	{"server_group_id", "protection_group"},
}

func (a sdrsJobs) Decode(body []byte, ref JobRef) (*Job, error) {
	job, err := a.v1Adapter.Decode(body, ref)
	if err != nil {
		return nil, err
	}
	sdrsIDs(job)
	return job, nil
}

// sdrsIDs fills the ids a job's and its sub-jobs' entities name.
func sdrsIDs(job *Job) {
	var fields map[string]json.RawMessage
	if firstByte(job.Entities) == '{' && json.Unmarshal(job.Entities, &fields) == nil {
		r := &job.Resources
		for _, res := range sdrsResources {
			if id := cleanID(looseString(fields[res.key])); id != "" && r.ResourceID == "" {
				r.ResourceID, r.ResourceType = id, res.kind
			}
		}
		if r.ServerID == "" {
			r.ServerID = cleanID(looseString(fields["native_server_id"]))
		}
	}
	for i := range job.SubJobs {
		sdrsIDs(&job.SubJobs[i])
	}
}
