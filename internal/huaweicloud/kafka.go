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
	"net/url"
)

// dmsStates are the states of DMS instance tasks. DELETED and CANCELLED
// (a scheduled task called off) end a task that did not do its work.
var dmsStates = map[string]Phase{
	"CREATED":   PhasePending,
	"EXECUTING": PhaseRunning,
	"SUCCESS":   PhaseSucceeded,
	"FAILED":    PhaseFailed,
	"DELETED":   PhaseFailed,
	"CANCELLED": PhaseFailed,
}

// dmsTaskShape reads a DMS instance task, answered as a list: {task_count:
// "1", tasks: [{id, name, user_name, params (a JSON string), status,
// created_at, updated_at}]}. params is kept as entities; updated_at is the end
// of a finished task.
var dmsTaskShape = &fieldShape{
	list:                "tasks",
	id:                  []string{"id"},
	jobType:             []string{"name"},
	state:               []string{"status"},
	begin:               []string{"created_at"},
	end:                 []string{"updated_at"},
	endOnlyWhenFinished: true,
	entities:            "params",
	states:              dmsStates,
}

// dmsTask is the task URL of the DMS services:
// /v2/{project_id}/instances/{instance_id}/tasks/{task_id}.
func dmsTask(ref JobRef) Location {
	return Location{Path: jobPath("/v2", ref.ProjectID, "/instances/"+url.PathEscape(ref.InstanceID)+"/tasks/", ref.JobID)}
}

// dmsTasks needs the instance the task belongs to.
var dmsTasks = Needs{Project: true, Instance: true}

// kafkaAdapter reads DMS for Kafka instance tasks on host dms (see
// dmsTaskShape). States: CREATED, EXECUTING, SUCCESS, FAILED, DELETED,
// CANCELLED.
var kafkaAdapter = shapeAdapter{host: "dms", needs: dmsTasks, shape: dmsTaskShape, locate: dmsTask}
