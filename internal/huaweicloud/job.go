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
	"time"
)

// Phase is the normalized state of a job, the same for every service.
type Phase string

// The phases a job goes through.
const (
	// PhasePending: the cloud accepted the job but has not started it (INIT).
	PhasePending Phase = "Pending"
	// PhaseRunning: the job is in progress.
	PhaseRunning Phase = "Running"
	// PhaseSucceeded: the job finished successfully.
	PhaseSucceeded Phase = "Succeeded"
	// PhaseFailed: the job finished unsuccessfully.
	PhaseFailed Phase = "Failed"
	// PhaseAwaitingPayment: a yearly/monthly order waits to be paid
	// (PENDING_PAYMENT). The job goes on once it is paid, or is cleaned up after
	// 14 days if the order is cancelled.
	PhaseAwaitingPayment Phase = "AwaitingPayment"
	// PhaseUnknown: a state this package does not know. It is never treated as
	// finished, so a new state in the cloud keeps the job polled instead of ending
	// it with a guess.
	PhaseUnknown Phase = "Unknown"
)

// Finished reports whether the job reached its end: Succeeded or Failed.
func (p Phase) Finished() bool {
	return p == PhaseSucceeded || p == PhaseFailed
}

// ResourceIDs are the ids of the resources a job acted on, as far as its entities
// name them.
type ResourceIDs struct {
	// ServerID is entities.server_id (BMS, ECS).
	ServerID string
	// NICID is entities.nic_id (BMS, ECS).
	NICID string
	// VolumeID is entities.volume_id (EVS).
	VolumeID string
	// ImageID is entities.image_id (IMS).
	ImageID string
	// ResourceID is the resource a job acted on when the API names it without
	// its kind: resource_id (ELB v3, CBR's extra_info.resource.id), or CCE's
	// spec.resourceID when the job type names no node or node pool.
	ResourceID string
	// InstanceID is the database, cache or middleware instance (RDS family,
	// GeminiDB, DDM: instance.id).
	InstanceID string
	// ClusterID is the CCE cluster (spec.clusterUID).
	ClusterID string
	// NodeID is the CCE node: spec.resourceID of a node job (CreateNode,
	// InstallNode, ...).
	NodeID string
	// NodePoolID is the CCE node pool: spec.resourceID of a node-pool job.
	NodePoolID string
	// BackupID is the CBR backup (extra_info.backup.backup_id).
	BackupID string
	// ResourceType and ResourceName describe ResourceID where the API does
	// (CBR's extra_info.resource, CCE's spec.resourceName).
	ResourceType, ResourceName string
}

// First is the first resource id set, in the order server, NIC, volume, image,
// instance, cluster, node pool, node, backup, resource; "" when none is.
func (r ResourceIDs) First() string {
	for _, id := range []string{r.ServerID, r.NICID, r.VolumeID, r.ImageID, r.InstanceID, r.ClusterID, r.NodePoolID, r.NodeID, r.BackupID, r.ResourceID} {
		if id != "" {
			return id
		}
	}
	return ""
}

// Job is one job or sub-job as the cloud described it.
type Job struct {
	// JobID is the cloud's id of the job. For the job that was asked for it falls
	// back to the requested id when the body does not repeat it.
	JobID string
	// JobType names the operation, for example baremetalBatchCreate or createELB.
	JobType string
	// State is the cloud's own status string, unchanged (but for control
	// characters and length).
	State string
	// Phase is State normalized by the service's adapter.
	Phase Phase
	// BeginTime and EndTime are nil when the cloud gave none or one that could not
	// be read; EndTime is "" while a job runs.
	BeginTime, EndTime *time.Time
	// ErrorCode and FailReason explain a failed job (ELB v3 calls the reason
	// error_msg).
	ErrorCode, FailReason string
	// Code and Message are the job API's own error fields, when it gave them.
	Code, Message string
	// Entities is the job's entities as the cloud returned them, compacted, without
	// the sub-job list (which is in SubJobs); nil when absent, null or empty.
	Entities json.RawMessage
	// Resources are the resource ids found in Entities (and, for ELB v3, in the job).
	Resources ResourceIDs
	// Progress is the job's completion in percent, 0-100, where the API gives
	// one (process, progress, process_percent, extra_info.common.progress);
	// nil otherwise.
	Progress *int
	// UnreadTimes names the time fields whose text could not be read, as
	// field="text": the job is decoded without them.
	UnreadTimes []string
	// SubJobsTotal is how many sub-jobs the cloud reports: sub_jobs_total where
	// given (BMS), never less than the sub-jobs listed, decoded or not.
	SubJobsTotal int
	// SubJobsUnread is how many sub-jobs of any depth below this job the answer
	// listed past what one answer has decoded (maxDecodedEntries): each is
	// counted in its level's SubJobsTotal but not in SubJobs, and the sub-jobs
	// it holds are not counted.
	SubJobsUnread int
	// SubJobs are the sub-jobs, normalized the same way; a sub-job's own
	// sub-jobs (CCE nests them) are in its SubJobs.
	SubJobs []Job
	// RequestID is the cloud's id of the request that returned this job, from the
	// X-Request-Id header (or, for ELB v3, the body). Empty for sub-jobs.
	RequestID string

	// Summary says in words where the job stands when State alone does not (an
	// order's status is a number): status messages show it in place of State.
	Summary string
	// Cancelled: the job failed because it was cancelled (a bss order, status 4).
	Cancelled bool
	// FollowUp: this answer continues the previous poll's (the resources of a
	// completed order); the job type, times and entities it leaves empty keep
	// the values recorded before.
	FollowUp bool
	// OrderResources are the resources a completed order produced, main
	// resources first; OrderResourcesTotal is how many the cloud counts, never
	// less than len(OrderResources).
	OrderResources      []OrderResource
	OrderResourcesTotal int
}

// OrderResource is one resource a yearly/monthly order produced.
type OrderResource struct {
	// ID is the resource's id (resource_id).
	ID string
	// Type is its resource type code, for example hws.resource.type.vm.
	Type string
	// Name is the resource's name, where the cloud gives one.
	Name string
	// Main: a main resource of the order; others (disks, addresses) belong to
	// the main resource ParentID names.
	Main     bool
	ParentID string
}
