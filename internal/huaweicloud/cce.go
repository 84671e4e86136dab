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
	"strings"
)

// cceStates are the phases of CCE jobs (status.phase).
var cceStates = map[string]Phase{
	"INITIALIZING": PhasePending,
	"RUNNING":      PhaseRunning,
	"SUCCESS":      PhaseSucceeded,
	"FAILED":       PhaseFailed,
}

// cceShape reads a CCE v3 job, a Kubernetes-like object: metadata{uid,
// creationTimestamp, updateTimestamp}, spec{type, clusterUID, resourceID,
// resourceName, extendParam, subJobs}, status{phase, reason}. Sub-jobs are whole
// jobs nested to any depth (a node pool's CreateNode jobs hold their
// InstallNode steps); the created node's id is a nested sub-job's resourceID.
// Times look like "2020-02-02 08:12:40.672772389 +0000 UTC"; the end is the
// last update of a finished job. spec.extendParam (serverID, orderID, ...) is
// kept as entities.
var cceShape = &fieldShape{
	id:                  []string{"metadata.uid"},
	jobType:             []string{"spec.type"},
	state:               []string{"status.phase"},
	begin:               []string{"metadata.creationTimestamp"},
	end:                 []string{"metadata.updateTimestamp"},
	endOnlyWhenFinished: true,
	reason:              []string{"status.reason"},
	entities:            "spec.extendParam",
	resources: []resourceField{
		{"spec.clusterUID", toCluster},
		{"spec.extendParam.serverID", toServer},
		{"spec.resourceName", toResourceName},
	},
	typedResource:     cceResource,
	typedResourcePath: "spec.resourceID",
	subJobs:           "spec.subJobs",
	states:            cceStates,
}

// cceResource files spec.resourceID under the kind the job type names: a node
// pool (CreateNodePool), a node (CreateNode, InstallNode, DeleteNode), or
// otherwise the resource the job acted on.
func cceResource(jobType, id string, ids *ResourceIDs) {
	if id == "" {
		return
	}
	switch t := strings.ToLower(jobType); {
	case strings.Contains(t, "nodepool"):
		ids.NodePoolID = id
	case strings.Contains(t, "node"):
		ids.NodeID = id
	default:
		ids.ResourceID = id
	}
}

// cceAdapter reads Cloud Container Engine jobs, GET
// /api/v3/projects/{project_id}/jobs/{job_id} on host cce. States:
// Initializing, Running, Success, Failed.
var cceAdapter = shapeAdapter{host: "cce", needs: projectJobs, shape: cceShape,
	locate: func(ref JobRef) Location {
		return Location{Path: jobPath("/api/v3/projects", ref.ProjectID, "/jobs/", ref.JobID)}
	}}
