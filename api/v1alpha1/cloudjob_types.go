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

package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Service names the cloud service whose job API a CloudJob polls. Each service has
// its own job-status path and response shape. bss is not a job API: it tracks a
// yearly/monthly order.
// +kubebuilder:validation:Enum=bms;ecs;evs;ims;vpc;elb;elbv3;cce;cceautopilot;rds;taurusdb;opengauss;dds;geminidb;ddm;dcs;kafka;rabbitmq;rocketmq;sfsturbo;dws;cbr;geip;cfw;swr;cae;cse;sdrs;deh;bss
type Service string

// The services whose job APIs the operator understands.
const (
	// ServiceBMS is Bare Metal Server: GET /v1/{project_id}/jobs/{job_id}.
	ServiceBMS Service = "bms"
	// ServiceECS is Elastic Cloud Server: GET /v1/{project_id}/jobs/{job_id}.
	ServiceECS Service = "ecs"
	// ServiceEVS is Elastic Volume Service: GET /v1/{project_id}/jobs/{job_id}.
	ServiceEVS Service = "evs"
	// ServiceIMS is Image Management Service: GET /v1/{project_id}/jobs/{job_id}.
	ServiceIMS Service = "ims"
	// ServiceVPC is Virtual Private Cloud (EIP jobs): GET /v1/{project_id}/jobs/{job_id}.
	ServiceVPC Service = "vpc"
	// ServiceELB is the classic Elastic Load Balance job API: GET /v1.0/{project_id}/jobs/{job_id}.
	ServiceELB Service = "elb"
	// ServiceELBv3 is the dedicated Elastic Load Balance job API: GET /v3/{project_id}/elb/jobs/{job_id}.
	ServiceELBv3 Service = "elbv3"
	// ServiceCCE is Cloud Container Engine: GET /api/v3/projects/{project_id}/jobs/{job_id}.
	ServiceCCE Service = "cce"
	// ServiceCCEAutopilot is CCE Autopilot: GET /autopilot/v3/projects/{project_id}/jobs/{job_id}.
	ServiceCCEAutopilot Service = "cceautopilot"
	// ServiceRDS is Relational Database Service: GET /v3/{project_id}/jobs?id={job_id}.
	ServiceRDS Service = "rds"
	// ServiceTaurusDB is TaurusDB (GaussDB for MySQL): GET /v3/{project_id}/jobs?id={job_id}.
	ServiceTaurusDB Service = "taurusdb"
	// ServiceOpenGauss is GaussDB (openGauss): GET /v3/{project_id}/jobs?id={job_id}.
	ServiceOpenGauss Service = "opengauss"
	// ServiceDDS is Document Database Service: GET /v3/{project_id}/jobs?id={job_id}.
	ServiceDDS Service = "dds"
	// ServiceGeminiDB is GeminiDB: GET /v3/{project_id}/jobs?id={job_id}, answered as a list.
	ServiceGeminiDB Service = "geminidb"
	// ServiceDDM is Distributed Database Middleware: GET /v3/{project_id}/jobs/{job_id}.
	ServiceDDM Service = "ddm"
	// ServiceDCS is Distributed Cache Service: GET /v2/{project_id}/jobs/{job_id}.
	ServiceDCS Service = "dcs"
	// ServiceKafka is DMS for Kafka: GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}.
	ServiceKafka Service = "kafka"
	// ServiceRabbitMQ is DMS for RabbitMQ: GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}.
	ServiceRabbitMQ Service = "rabbitmq"
	// ServiceRocketMQ is DMS for RocketMQ: GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}.
	ServiceRocketMQ Service = "rocketmq"
	// ServiceSFSTurbo is SFS Turbo: GET /v1/{project_id}/sfs-turbo/jobs/{job_id}.
	ServiceSFSTurbo Service = "sfsturbo"
	// ServiceDWS is Data Warehouse Service: GET /v1.0/{project_id}/job/{job_id}.
	ServiceDWS Service = "dws"
	// ServiceCBR is Cloud Backup and Recovery: GET /v3/{project_id}/operation-logs/{operation_log_id}.
	ServiceCBR Service = "cbr"
	// ServiceGEIP is Global EIP: GET /v3/{domain_id}/geip/jobs/{job_id} on a global endpoint.
	ServiceGEIP Service = "geip"
	// ServiceCFW is Cloud Firewall: GET /v3/{project_id}/jobs/{job_id}.
	ServiceCFW Service = "cfw"
	// ServiceSWR is SoftWare Repository (Enterprise): GET /v2/{project_id}/jobs/{job_id}.
	ServiceSWR Service = "swr"
	// ServiceCAE is Cloud Application Engine: GET /v1/{project_id}/cae/jobs/{job_id} with X-Environment-ID.
	ServiceCAE Service = "cae"
	// ServiceCSE is Cloud Service Engine: GET /v2/{project_id}/enginemgr/engines/{engine_id}/jobs/{job_id}.
	ServiceCSE Service = "cse"
	// ServiceSDRS is Storage Disaster Recovery Service: GET /v1/{project_id}/jobs/{job_id}.
	ServiceSDRS Service = "sdrs"
	// ServiceDEH is Dedicated Host: GET /v1/{project_id}/jobs/{job_id}.
	ServiceDEH Service = "deh"
	// ServiceBSS tracks a yearly/monthly (prepaid) order instead of a job:
	// GET /v2/orders/customer-orders/details/{order_id} on the global host bss,
	// then, once the order is completed, POST /v2/orders/suscriptions/resources/query
	// for the resources it produced.
	ServiceBSS Service = "bss"
)

// MaxOrderResources is how many resources status.resources lists at most;
// status.resourcesTotal stays exact past it.
const MaxOrderResources = 100

// MaxSubJobs is how many sub-jobs status.subJobs lists at most. The counts and
// status.subJobsTotal stay exact past it.
const MaxSubJobs = 100

// CloudJobSpec names the cloud job to track and how to reach it.
// +kubebuilder:validation:XValidation:rule="self.service in ['geip', 'bss'] || has(self.region) || has(self.endpoint)",message="spec.region or spec.endpoint is required: set region (for example cn-north-4) to use the default endpoint, or endpoint to name one"
// +kubebuilder:validation:XValidation:rule="self.service in ['geip', 'bss'] || has(self.projectID)",messageExpression="'spec.projectID is required for service ' + self.service + ': set the project that owns the job'"
// +kubebuilder:validation:XValidation:rule="!(self.service in ['geip', 'bss']) || !has(self.projectID)",messageExpression="'spec.projectID is not used by service ' + self.service + ', whose ' + (self.service == 'bss' ? 'orders' : 'jobs') + ' belong to the account: remove it and set spec.domainID'"
// +kubebuilder:validation:XValidation:rule="!(self.service in ['geip', 'bss']) || has(self.domainID)",messageExpression="'spec.domainID is required for service ' + self.service + ': set the account (domain) id that owns the ' + (self.service == 'bss' ? 'order' : 'job')"
// +kubebuilder:validation:XValidation:rule="self.service in ['geip', 'bss'] || !has(self.domainID)",messageExpression="'spec.domainID is only for services geip and bss; service ' + self.service + ' takes spec.projectID: remove spec.domainID'"
// +kubebuilder:validation:XValidation:rule="self.service == 'bss' || has(self.jobID)",messageExpression="'spec.jobID is required for service ' + self.service + ': set the job id the cloud returned for the operation (for a yearly/monthly order, use service bss and spec.orderID)'"
// +kubebuilder:validation:XValidation:rule="self.service != 'bss' || !has(self.jobID)",message="spec.jobID is not used by service bss, which tracks an order: remove spec.jobID and set spec.orderID"
// +kubebuilder:validation:XValidation:rule="self.service != 'bss' || has(self.orderID)",message="spec.orderID is required for service bss: set the order id the yearly/monthly purchase answered with"
// +kubebuilder:validation:XValidation:rule="self.service == 'bss' || !has(self.orderID)",messageExpression="'spec.orderID is only for service bss; service ' + self.service + ' tracks a job: remove spec.orderID and set spec.jobID, or set spec.service to bss to track the order'"
// +kubebuilder:validation:XValidation:rule="!(self.service in ['kafka', 'rabbitmq', 'rocketmq', 'cse']) || has(self.instanceID)",messageExpression="'spec.instanceID is required for service ' + self.service + ': set the id of the ' + (self.service == 'cse' ? 'engine' : 'instance') + ' the job belongs to'"
// +kubebuilder:validation:XValidation:rule="self.service in ['kafka', 'rabbitmq', 'rocketmq', 'cse'] || !has(self.instanceID)",messageExpression="'spec.instanceID is not used by service ' + self.service + ' (only by kafka, rabbitmq, rocketmq and cse): remove it'"
// +kubebuilder:validation:XValidation:rule="self.service != 'cae' || has(self.environmentID)",message="spec.environmentID is required for service cae: set the CAE environment the job belongs to"
// +kubebuilder:validation:XValidation:rule="self.service == 'cae' || !has(self.environmentID)",messageExpression="'spec.environmentID is not used by service ' + self.service + ' (only by cae): remove it'"
// +kubebuilder:validation:XValidation:rule="!has(self.credentialsSecretRef) || !has(self.credentialsRef)",message="set at most one of spec.credentialsSecretRef and spec.credentialsRef"
// +kubebuilder:validation:XValidation:rule="has(self.projectID) == has(oldSelf.projectID) && has(self.domainID) == has(oldSelf.domainID) && has(self.instanceID) == has(oldSelf.instanceID) && has(self.environmentID) == has(oldSelf.environmentID) && has(self.jobID) == has(oldSelf.jobID) && has(self.orderID) == has(oldSelf.orderID)",message="spec.projectID, spec.domainID, spec.instanceID, spec.environmentID, spec.jobID and spec.orderID cannot be added or removed: create a new CloudJob to track another job or order"
type CloudJobSpec struct {
	// projectID is the cloud project (tenant) that owns the job: 1-64 characters of
	// A-Z, a-z, 0-9, '_' and '-'. Required for every service but the global ones,
	// geip and bss, whose jobs and orders belong to the account (see domainID). It
	// cannot be changed once set.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.projectID is immutable: create a new CloudJob to track another project"
	ProjectID string `json:"projectID,omitempty"`

	// domainID is the account (domain) that owns the job or order, for the global
	// services geip and bss only, whose jobs and orders belong to the account
	// rather than a project: 1-64 characters of A-Z, a-z, 0-9, '_' and '-'. It is
	// sent as X-Domain-Id, as requests to global services signed with an access
	// key must. It cannot be changed once set.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.domainID is immutable: create a new CloudJob to track another job"
	DomainID string `json:"domainID,omitempty"`

	// instanceID is the instance whose task the job is, for services kafka,
	// rabbitmq and rocketmq (the DMS instance), or the engine, for service cse:
	// 1-64 characters of A-Z, a-z, 0-9, '_' and '-'. Required for those services,
	// refused for others. It cannot be changed once set.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.instanceID is immutable: create a new CloudJob to track another job"
	InstanceID string `json:"instanceID,omitempty"`

	// environmentID is the CAE environment the job belongs to, for service cae
	// only, which sends it as the X-Environment-ID header: 1-64 characters of
	// A-Z, a-z, 0-9, '_' and '-'. It cannot be changed once set.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.environmentID is immutable: create a new CloudJob to track another job"
	EnvironmentID string `json:"environmentID,omitempty"`

	// jobID is the job id the cloud returned for the asynchronous operation
	// (for example 2c9eb2c5544cbf6101544f0635672b60): 1-64 characters of
	// A-Z, a-z, 0-9, '_' and '-'. Required for every service but bss, which
	// takes orderID instead. It cannot be changed once set.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.jobID is immutable: create a new CloudJob to track another job"
	JobID string `json:"jobID,omitempty"`

	// orderID is the yearly/monthly (prepaid) order to track, for service bss
	// only: the order_id (CSS: orderId; a CCE job: spec.extendParam.orderID) a
	// prepaid create answered with, for example CS2612030816VYZ8K. 1-64
	// characters of A-Z, a-z, 0-9, '_' and '-'. It cannot be changed once set.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.orderID is immutable: create a new CloudJob to track another order"
	OrderID string `json:"orderID,omitempty"`

	// service is the cloud service that returned the job, which decides the
	// job-status path and response shape: bms, ecs, evs, ims, vpc, elb (the classic
	// v1.0 load balancer job API), elbv3 (the dedicated load balancer job API), cce,
	// cceautopilot, rds, taurusdb, opengauss, dds, geminidb, ddm, dcs, kafka,
	// rabbitmq, rocketmq (these three need instanceID), sfsturbo, dws, cbr (the id
	// of an operation log), geip (needs domainID instead of projectID), cfw, swr,
	// cae (needs environmentID), cse (needs instanceID, the engine), sdrs, deh, or
	// bss: a yearly/monthly order (needs orderID instead of jobID, and domainID
	// instead of projectID), tracked until the resources it produced are listed.
	// +required
	Service Service `json:"service"`

	// region is the cloud region, for example cn-north-4 or eu-de: lowercase letters,
	// digits and dashes. With it the endpoint defaults to
	// https://{service}.{region}.{cloud domain}. Either region or endpoint is
	// required, except for the global services geip and bss, whose endpoints
	// default to https://geip.{cloud domain} and https://bss.{cloud domain}.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`
	Region string `json:"region,omitempty"`

	// endpoint is the base URL of the service's API, for example
	// https://bms.eu-de.otc.t-systems.com, or https://bss-intl.myhuaweicloud.com
	// for orders of the international site. It overrides the default derived from
	// region. It must be an absolute https URL without user info, query or fragment;
	// plain http is allowed only for loopback hosts (localhost, 127.0.0.0/8, ::1).
	// The operator also calls only hosts under its configured cloud domains.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="isURL(self)",message="spec.endpoint must be an absolute URL such as https://bms.cn-north-4.myhuaweicloud.com"
	// +kubebuilder:validation:XValidation:rule="!isURL(self) || url(self).getScheme() == 'https' || (url(self).getScheme() == 'http' && (url(self).getHostname() == '::1' || self.matches('^http://(localhost|127([.][0-9]{1,3}){3})(:[0-9]{1,5})?(/.*)?$')))",message="spec.endpoint must use https; plain http is allowed only for loopback hosts (localhost, 127.0.0.0/8, ::1)"
	// +kubebuilder:validation:XValidation:rule="!self.contains('@') && !self.contains('?') && !self.contains('#')",message="spec.endpoint must not contain user info ('@'), a query ('?') or a fragment ('#')"
	// +kubebuilder:validation:XValidation:rule="!isURL(self) || url(self).getHostname() != ''",message="spec.endpoint must name a host, such as https://bms.cn-north-4.myhuaweicloud.com"
	Endpoint string `json:"endpoint,omitempty"`

	// credentialsSecretRef names a Secret in the CloudJob's own namespace that holds
	// the access key pair: keys accessKey and secretKey, and optionally
	// securityToken for temporary credentials. Without it (and without
	// credentialsRef) the CloudJob uses the CloudCredentials named "default" in
	// its namespace, else the cluster's default if the operator has one and it
	// lists the namespace.
	// +optional
	CredentialsSecretRef SecretReference `json:"credentialsSecretRef,omitzero"`

	// credentialsRef names a CloudCredentials in the CloudJob's own namespace
	// (static keys, federation, node metadata, or an agency to assume), instead
	// of credentialsSecretRef.
	// +optional
	CredentialsRef *LocalObjectReference `json:"credentialsRef,omitempty"`

	// pollInterval caps the time between two polls of the cloud job, as a duration
	// from 1s to 1h (for example 30s or 5m). The operator polls a new job at once and
	// then less often as the job ages, never less often than this. Defaults to the
	// operator's --max-poll-interval.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$`
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('1h')",message="spec.pollInterval must be between 1s and 1h"
	PollInterval *metav1.Duration `json:"pollInterval,omitempty"`

	// activeDeadlineSeconds is how long, counted from the CloudJob's creation, the
	// operator waits for the cloud job to finish. When it passes, the CloudJob fails
	// with reason DeadlineExceeded and polling stops. From 1 to 315360000 (ten
	// years).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=315360000
	ActiveDeadlineSeconds *int64 `json:"activeDeadlineSeconds,omitempty"`

	// ttlSecondsAfterFinished deletes the CloudJob this many seconds after it
	// finished (succeeded or failed). 0 deletes it as soon as it finished; unset
	// keeps it. At least 0.
	// +optional
	// +kubebuilder:validation:Minimum=0
	TTLSecondsAfterFinished *int32 `json:"ttlSecondsAfterFinished,omitempty"`
}

// LocalObjectReference names an object in the same namespace as the object
// that refers to it.
type LocalObjectReference struct {
	// name of the object: a DNS subdomain name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
}

// SecretReference names a Secret in the same namespace as the object that refers to it.
type SecretReference struct {
	// name of the Secret: a DNS subdomain name (lowercase letters, digits, '-' and
	// '.', at most 253 characters).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
}

// ResourceIDs are the ids of the cloud resources a job or sub-job acted on, as far
// as the job API names them.
type ResourceIDs struct {
	// serverID is the server (BMS or ECS) the job acted on.
	// +optional
	ServerID string `json:"serverID,omitempty"`
	// nicID is the network interface the job acted on.
	// +optional
	NICID string `json:"nicID,omitempty"`
	// volumeID is the disk (EVS volume) the job acted on.
	// +optional
	VolumeID string `json:"volumeID,omitempty"`
	// imageID is the image (IMS) the job acted on.
	// +optional
	ImageID string `json:"imageID,omitempty"`
	// instanceID is the database, cache or middleware instance the job acted on
	// (rds, taurusdb, opengauss, dds, geminidb, ddm).
	// +optional
	InstanceID string `json:"instanceID,omitempty"`
	// clusterID is the CCE cluster the job acted on.
	// +optional
	ClusterID string `json:"clusterID,omitempty"`
	// nodePoolID is the CCE node pool the job acted on.
	// +optional
	NodePoolID string `json:"nodePoolID,omitempty"`
	// nodeID is the CCE node the job acted on (of a CreateNode or InstallNode
	// sub-job, for example).
	// +optional
	NodeID string `json:"nodeID,omitempty"`
	// backupID is the backup a cbr operation made or used.
	// +optional
	BackupID string `json:"backupID,omitempty"`
	// resourceID is the resource the job acted on where the job API does not say
	// its kind: a dedicated load balancer (elbv3) job's resource, the resource a
	// cbr operation backed up, or a cce job's resource other than a node or pool.
	// +optional
	ResourceID string `json:"resourceID,omitempty"`
	// resourceType is the kind of resourceID, where the job API names it (cbr,
	// for example OS::Nova::Server).
	// +optional
	ResourceType string `json:"resourceType,omitempty"`
	// resourceName is the name of the resource the job acted on, where the job
	// API gives it (cce, cbr).
	// +optional
	ResourceName string `json:"resourceName,omitempty"`
}

// JobRecord is what the cloud said about a job or a sub-job.
type JobRecord struct {
	// jobID is the cloud's id of the job.
	// +optional
	JobID string `json:"jobID,omitempty"`
	// parentJobID is, for a sub-job of a sub-job (cce nests them), the sub-job
	// it belongs to; empty for the job's own sub-jobs.
	// +optional
	ParentJobID string `json:"parentJobID,omitempty"`
	// jobType is the cloud's name for the operation, for example
	// baremetalBatchCreate or createELB.
	// +optional
	JobType string `json:"jobType,omitempty"`
	// state is the cloud's own status string: INIT, RUNNING, SUCCESS, FAIL,
	// PENDING_PAYMENT, or whatever else the API says.
	// +optional
	State string `json:"state,omitempty"`
	// beginTime is when the cloud started the job.
	// +optional
	BeginTime *metav1.Time `json:"beginTime,omitempty"`
	// endTime is when the cloud finished the job.
	// +optional
	EndTime *metav1.Time `json:"endTime,omitempty"`
	// errorCode is the cloud's error code for a failed job.
	// +optional
	ErrorCode string `json:"errorCode,omitempty"`
	// failReason is the cloud's explanation of a failed job.
	// +optional
	FailReason string `json:"failReason,omitempty"`

	ResourceIDs `json:",inline"`

	// entities is the job's entities object as the cloud returned it, for example
	// {"elb": {...}} for a classic load balancer job. Sub-job lists are not repeated
	// here; they are in subJobs.
	// +optional
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:pruning:PreserveUnknownFields
	Entities *apiextensionsv1.JSON `json:"entities,omitempty"`
}

// OrderResource is a resource a yearly/monthly order produced.
type OrderResource struct {
	// id is the resource's id, for example a server's.
	ID string `json:"id"`
	// type is the cloud's resource type code, for example hws.resource.type.vm
	// (a server) or hws.resource.type.volume (a disk).
	// +optional
	Type string `json:"type,omitempty"`
	// name is the resource's name, where the cloud gives one.
	// +optional
	Name string `json:"name,omitempty"`
	// main is true for a main resource of the order, false for one that
	// belongs to a main resource (a server's disk, for example).
	Main bool `json:"main"`
	// parentID is, for a resource that is not main, the main resource it
	// belongs to.
	// +optional
	ParentID string `json:"parentID,omitempty"`
}

// SubJobCounts counts sub-jobs by outcome. They stay exact when status.subJobs is
// cut at its bound.
type SubJobCounts struct {
	// succeeded counts sub-jobs in state SUCCESS (or elbv3 COMPLETE).
	Succeeded int32 `json:"succeeded"`
	// failed counts sub-jobs that failed.
	Failed int32 `json:"failed"`
	// running counts sub-jobs not finished yet.
	Running int32 `json:"running"`
}

// CloudJobStatus is what the operator observed of the cloud job.
type CloudJobStatus struct {
	// observedGeneration is the metadata.generation this status describes. It is -1
	// until the operator has looked at the object, so that tools such as kstatus do
	// not read a fresh object as done.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// phase is where the cloud job stands, the same words for every service:
	// Pending, Running, AwaitingPayment, Succeeded, Failed or Unknown (a state the
	// operator does not know; it keeps polling). state keeps the cloud's own
	// string. Failed also covers spec.activeDeadlineSeconds passing. Tools that
	// cannot select a condition by type wait on it, for example
	// kubectl wait --for=jsonpath='{.status.phase}'=Succeeded.
	// +optional
	// +kubebuilder:validation:Enum=Pending;Running;AwaitingPayment;Succeeded;Failed;Unknown
	Phase Phase `json:"phase,omitempty"`

	JobRecord `json:",inline"`

	// progress is how far the job is, in percent, where the job API says (rds,
	// taurusdb, opengauss, dds, geminidb, ddm, dws, cbr, ims). A change of less
	// than 10 points is written only together with another change, so that a
	// slowly advancing job does not cost a status write per poll; 100 is always
	// written.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	Progress *int32 `json:"progress,omitempty"`

	// code is the error code of the job API's own answer, when it gave one.
	// +optional
	Code string `json:"code,omitempty"`
	// message is the error message of the job API's own answer, when it gave one.
	// +optional
	Message string `json:"message,omitempty"`

	// subJobsTotal is how many sub-jobs the cloud reports, sub-jobs of sub-jobs
	// (cce) included.
	// +optional
	SubJobsTotal int32 `json:"subJobsTotal,omitempty"`
	// subJobCounts counts the sub-jobs by outcome.
	// +optional
	SubJobCounts *SubJobCounts `json:"subJobCounts,omitempty"`
	// subJobsProgress reads "succeeded/total", for example 2/3; empty when the job
	// has no sub-jobs.
	// +optional
	SubJobsProgress string `json:"subJobsProgress,omitempty"`
	// subJobs lists the sub-jobs, at most 100 (failed ones first when cut).
	// Sub-jobs of sub-jobs (cce) follow the sub-job they belong to, which
	// their parentJobID names.
	// +optional
	// +kubebuilder:validation:MaxItems=100
	// +listType=atomic
	SubJobs []JobRecord `json:"subJobs,omitempty"`

	// resources lists what a yearly/monthly order (service bss) produced, main
	// resources first, at most 100. The order succeeds once the cloud lists at
	// least one.
	// +optional
	// +kubebuilder:validation:MaxItems=100
	// +listType=atomic
	Resources []OrderResource `json:"resources,omitempty"`
	// resourcesTotal is how many resources the cloud lists for the order, also
	// when resources holds only the first 100.
	// +optional
	ResourcesTotal int32 `json:"resourcesTotal,omitempty"`

	// startTime is when the operator first saw the job (the cloud's beginTime when
	// it gives one).
	// +optional
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// completionTime is when the job finished: the cloud's endTime, or when the
	// operator recorded the end if the cloud gave none.
	// +optional
	CompletionTime *metav1.Time `json:"completionTime,omitempty"`

	// conditions: Ready, Succeeded, Reconciling and Stalled. Ready=True means the job
	// succeeded; Succeeded=True/False gives the outcome once known; Reconciling=True
	// while the job runs; Stalled=True when it failed or cannot progress without help.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// CloudJob tracks one asynchronous cloud job (for example a batch server create)
// until it succeeds or fails, and records its state, sub-jobs and failure reasons.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=cjob,categories=cloud
// +kubebuilder:printcolumn:name="Service",type=string,JSONPath=`.spec.service`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Job",type=string,JSONPath=`.spec.jobID`
// +kubebuilder:printcolumn:name="Order",type=string,JSONPath=`.spec.orderID`,priority=1
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Sub-jobs",type=string,JSONPath=`.status.subJobsProgress`
// +kubebuilder:printcolumn:name="Progress",type=integer,JSONPath=`.status.progress`,priority=1
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type CloudJob struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec names the cloud job and how to reach it.
	// +required
	Spec CloudJobSpec `json:"spec"`

	// status is what the operator observed of the cloud job.
	// +optional
	// +kubebuilder:default={"observedGeneration":-1}
	Status CloudJobStatus `json:"status,omitempty"`
}

// CloudJobList is a list of CloudJobs.
// +kubebuilder:object:root=true
type CloudJobList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CloudJob `json:"items"`
}
