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
// /v3/{project_id}/operation-logs/{operation_log_id} on host cbr. The SDK
// (v0.1.224, cbr/v1 ShowOpLogResponse) answers {"operation_log": {id, status,
// operation_type, created_at, started_at, ended_at, updated_at,
// error_info{code, message}, extra_info{common{progress, request_id,
// task_id}, resource{type, id, name}, backup{backup_id, ...}, restore{
// backup_id, target_resource_id, target_resource_name, ...},
// replication{destination_backup_id, ...}, delete{backup_id, ...}, ...},
// vault_id, ...}}. The backup is the one made (backup), copied to
// (replication), restored from (restore) or deleted (delete); the resource is
// the one backed up or restored to. extra_info but its common part (the
// progress) is kept as entities. An unknown id is HTTP 404 BackupService.6500.
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
		// The first path holding an id wins.
		resources: []resourceField{
			{"extra_info.backup.backup_id", toBackup},
			{"extra_info.replication.destination_backup_id", toBackup},
			{"extra_info.restore.backup_id", toBackup},
			{"extra_info.delete.backup_id", toBackup},
			{"extra_info.resource.id", toResource},
			{"extra_info.resource.type", toResourceType},
			{"extra_info.resource.name", toResourceName},
			{"extra_info.restore.target_resource_id", toResource},
			{"extra_info.restore.target_resource_name", toResourceName},
		},
		states: cbrStates,
	}}
