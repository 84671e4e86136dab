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

// cbrStates are the states of CBR operation logs. Terraform treats skipped as
// pending, and so does the operator.
var cbrStates = map[string]Phase{
	"WAITING": PhasePending,
	"SKIPPED": PhasePending,
	"RUNNING": PhaseRunning,
	"SUCCESS": PhaseSucceeded,
	"FAILED":  PhaseFailed,
	"TIMEOUT": PhaseFailed,
}

// cbrAdapter reads Cloud Backup and Recovery operation logs, GET
// /v3/{project_id}/operation-logs/{operation_log_id} on host cbr:
// {"operation_log": {id, status, operation_type, started_at, ended_at,
// error_info{code, message}, extra_info{common{progress}, resource{type, id,
// name}, backup{backup_id}}}}. extra_info but its common part (the progress) is
// kept as entities. An unknown id is
// HTTP 404 BackupService.6500.
var cbrAdapter = shapeAdapter{host: "cbr", needs: projectJobs,
	locate: func(ref JobRef) Location {
		return Location{Path: jobPath("/v3", ref.ProjectID, "/operation-logs/", ref.JobID)}
	},
	shape: &fieldShape{
		wrapper:         "operation_log",
		id:              []string{"id"},
		jobType:         []string{"operation_type"},
		state:           []string{"status"},
		begin:           []string{"started_at"},
		end:             []string{"ended_at"},
		code:            []string{"error_info.code"},
		reason:          []string{"error_info.message"},
		progress:        []string{"extra_info.common.progress"},
		entities:        "extra_info",
		entitiesWithout: []string{"common"}, // progress and request id
		resources: []resourceField{
			{"extra_info.backup.backup_id", toBackup},
			{"extra_info.resource.id", toResource},
			{"extra_info.resource.type", toResourceType},
			{"extra_info.resource.name", toResourceName},
		},
		states: cbrStates,
	}}
