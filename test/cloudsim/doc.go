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

// Package cloudsim simulates the asynchronous-job APIs of Huawei Cloud (and
// the clouds that serve the same APIs) for tests, demos and benchmarks.
//
// # Job API
//
// One listener serves every service, each job answering only on its own
// service's path and in its own service's body shape:
//
//	GET /v1/{project_id}/jobs/{job_id}         bms, ecs, evs, ims, vpc, sdrs, deh
//	GET /v1.0/{project_id}/jobs/{job_id}       elb (classic)
//	GET /v3/{project_id}/elb/jobs/{job_id}     elbv3
//	GET /api/v3/projects/{project_id}/jobs/{job_id}          cce
//	GET /autopilot/v3/projects/{project_id}/jobs/{job_id}    cceautopilot
//	GET /v3/{project_id}/jobs?id={job_id}      rds, taurusdb, opengauss, dds, geminidb
//	GET /v3/{project_id}/jobs/{job_id}         ddm, cfw
//	GET /v2/{project_id}/jobs/{job_id}         dcs, swr
//	GET /v2/{project_id}/instances/{instance_id}/tasks/{task_id}   kafka, rabbitmq, rocketmq
//	GET /v1/{project_id}/sfs-turbo/jobs/{job_id}                   sfsturbo
//	GET /v1.0/{project_id}/job/{job_id}        dws
//	GET /v3/{project_id}/operation-logs/{id}   cbr
//	GET /v3/{domain_id}/geip/jobs/{job_id}     geip (projectId holds the domain)
//	GET /v1/{project_id}/cae/jobs/{job_id}     cae, with X-Environment-ID
//	GET /v2/{project_id}/enginemgr/engines/{engine_id}/jobs/{job_id}   cse
//	GET /v2/orders/customer-orders/details/{order_id}                  bss, with X-Domain-Id
//	POST /v2/orders/suscriptions/resources/query {"order_id", ...}     bss, with X-Domain-Id
//
// bss serves yearly/monthly orders rather than jobs: a job of service bss is
// an order (jobId the order id, projectId the account, sent as X-Domain-Id).
// Its details answer {"total_count", "order_info": {order_id, status,
// order_type, create_time, payment_time, pending_payment_end_time, ...},
// "order_line_items"} with status 6 while pending payment, 3 once paid (INIT
// and RUNNING alike), 5 completed and 4 cancelled or failed. The resource
// query answers {"total_count", "data": [{resource_id, resource_type_code,
// is_main_resource, parent_resource_id, ...}]}: empty until ResourcesAfter has
// passed since the order completed, then the scripted OrderResources, main
// ones only for only_main_resource 1, paged by offset and limit (default 10).
// A body that is not the query's JSON, only_main_resource other than 0 or 1,
// or limit outside 1-500 is 400 CBC.0101. The real API's answer for an
// unknown order is not documented; the simulator answers 404 CBC.0101.
//
// What differs per service (path, state words, body shape, time format, the
// answer for an unknown job) is its row in the services table (services.go);
// the lifecycle below is the same for all and spelled in each service's words
// (CCE Initializing/Running/Success/Failed, the database family
// Running/Completed/Failed, SFS Turbo and CBR in lower case, ...).
//
// Each answer follows the service's response model in Huawei's Go SDK
// (v0.1.224; docs/service-models.md names them, and
// TestAnswersFollowTheSDKModels holds the simulator to them). BMS, ECS, VPC,
// SDRS and DEH answer {status, entities{..., sub_jobs[...]}, job_id,
// job_type, begin_time, end_time, error_code, fail_reason} with null error
// fields and a null end_time until the job ends; BMS, ECS and DEH add
// sub_jobs_total and server_id/nic_id to entities and errorcode_message to a
// failed sub-job's, VPC's entities hold sub_jobs only. EVS has flat entities
// {volume_id, ..., sub_jobs} and an end_time of "" while running. IMS has
// entities {image_id, image_name, process_percent (0 to 1), sub_jobs_result,
// sub_jobs_list} and times like 04-Jun-2015 18:11:06:586. Classic ELB has
// free-form entities and sub_jobs at the top level. ELB v3 answers
// {"job":{status, job_id, job_type, begin_time, end_time, error_code,
// error_msg, project_id, resource_id, sub_jobs[{..., entities:[{resource_id,
// resource_type}]}]}, "request_id"}. The other services: CCE as nested
// Kubernetes-like job objects, the database family as {"job": {...}} with a
// progress percentage (GeminiDB as a list; DDM without fail_reason), DMS as a
// task list with params as a JSON string, DCS with epoch-millisecond times,
// CBR as {"operation_log": {...}}, GEIP as {"job": {id, action, status,
// start_time, ...}}, SWR with the instance_id, resource_id and resource_name
// of its job, CAE as {"spec": {progress, status, tasks}} dated only by its
// tasks, and CSE with its engineId and stages holding steps. Every answer carries
// an X-Request-Id header.
//
// Requests go through what the API gateway does, in this order:
//
//   - routing: an unknown path or a method other than GET (POST for the bss
//     resource query) is 404 APIG.0101;
//   - authentication: an SDK-HMAC-SHA256 signature (internal/signer) by a
//     configured access key with X-Sdk-Date signed. A bad signature, an
//     unknown key or a missing header is 401 APIGW.0301; a date more than
//     Config.MaxClockSkew (15 minutes) off the wall clock is 401 APIGW.0303.
//     More than Config.MaxAuthFailures (5) consecutive failures lock the key
//     for Config.LockDuration (5 simulated minutes): meanwhile even correct
//     requests get 401 APIGW.0301 saying the key is locked. A success resets
//     the count;
//   - the quota: a token bucket per access key holding
//     Config.RequestsPerMinute tokens (2000, BMS's documented limit) and
//     refilling at that rate per simulated minute. An empty bucket is 429
//     APIG.0308 with a Retry-After header in real seconds (at least 1);
//   - faults (below);
//   - the job: a job of another project, an unknown or expired id, a job
//     whose clock has not started, one asked through another service's path
//     or under another instance or environment is, for the v1 paths, 400
//     {"error":{"code":"Common.0011","message":"invalid JobId"}}, and for the
//     others their service's answer (404 with the service's error body; an
//     empty list for GeminiDB and DMS),
//     the ECS/EVS answer, for every service.
//
// # Identity services
//
// The same listener serves IAM, STS and the metadata service:
//
//	POST /v3.0/OS-AUTH/id-token/tokens        an ID token (X-Idp-Id) -> 201, X-Subject-Token
//	POST /v3.0/OS-CREDENTIAL/securitytokens   methods token (X-Auth-Token) or assume_role (signed) -> 201 credential
//	POST /v5/agencies/assume                  signed, agency_urn, external_id -> 201 credentials
//	GET  /openstack/latest/securitykey        the node's keys, when SetNodeIdentity(true)
//
// An ID token must be an RS256 JWT of the identity provider's issuer and
// audience, signed by a key of its JWKS, unexpired, and of a subject its
// mapping rule maps (AddIdentityProvider; Issuer mints such tokens). An agency
// (AddAgency) is assumed only by its trusted principals and, through STS, with
// its external id. Issued keys carry a security token and expire in simulated
// time (at most Config.MaxKeyLifetime); the gateway then refuses them, as it
// refuses a token that is not the key's, a token on a permanent key, and the
// keys of a revoked principal (Revoke, Restore). Stats name, per job, whose
// keys polled it.
//
// # Time
//
// Simulated time starts equal to the wall clock (Config.Now) when the
// server is created and runs Config.TimeScale times faster. Scripted phase
// durations, retention, the quota minute, the key lock and fault windows
// are simulated time; the signature date check and the Delay of hang and
// slow faults are wall-clock time, because they act on real clients. Tests
// inject Config.Now to step through a lifecycle without sleeping.
//
// # Jobs
//
// A JobSpec scripts a job: its clock starts when it is added (moved by
// StartOffset); with a Payment it is PENDING_PAYMENT until the order is
// paid (then it goes on) or cancelled (then it is FAIL with a payment
// reason, kept for 14 days); it is INIT for Init, RUNNING for Running (at
// least until its last sub-job ends), optionally ROLLBACKING for
// RollingBack, then reaches its Outcome (or FinalState, such as ELB v3's
// COMPLETE), and answers "invalid JobId" once Retention (one day) has
// passed. Sub-jobs are listed once the parent runs; each has its own delay,
// duration, outcome and entity ids.
//
// # Scenario files
//
// A Scenario is YAML (or JSON); unknown fields are errors:
//
//	settings:                 # defaults for hack/cloudsim; its flags win
//	  timeScale: 60
//	  requestsPerMinute: 2000
//	  seed: 1
//	credentials:
//	  - {accessKey: AK, secretKey: SK}
//	jobs:
//	  - service: bms          # any service above
//	    projectId: bbf1946d374b44a0a2a95533562ba954   # the domain for geip
//	    instanceId: ""        # kafka, rabbitmq, rocketmq (instance), cse (engine)
//	    environmentId: ""     # cae
//	    jobId: 2c9eb2c5544cbf6101544f0602af2b4f   # required in scenarios
//	    jobType: baremetalBatchCreate             # a service default if empty
//	    startOffset: -1m      # durations are strings: 90s, 1h30m, 14d
//	    payment: {after: 30s, resolution: paid}   # or cancelled, or {} to wait
//	    init: 10s
//	    running: 4m
//	    rollingBack: 0s
//	    outcome: FAIL         # SUCCESS (default) or FAIL
//	    errorCode: BMS.0001
//	    failReason: no capacity
//	    finalState: ""        # replaces the final status string
//	    retention: 24h
//	    resources: {serverId: ..., nicId: ..., volumeId: ..., imageId: ..., imageName: ..., resourceId: ..., resourceType: ...,
//	                resourceName: ..., instanceId: ..., clusterId: ..., backupId: ...}
//	    orderResources:       # bss: what the order produces (one main vm by default)
//	      - {id: ..., type: hws.resource.type.vm, name: ..., main: true, parentId: ""}
//	    resourcesAfter: 30s   # bss: how long after completion they are listed
//	    # bss payment also takes dueAfter (default 7d): pending_payment_end_time
//	    entities: {elb: {id: ...}}                # free-form object
//	    subJobs:
//	      - {jobId: ..., jobType: ..., delay: 0s, running: 3m, outcome: SUCCESS, resources: {serverId: ...},
//	         subJobs: [...]}  # nested sub-jobs, shown by cce
//	faults:
//	  - {kind: error, status: 503, probability: 0.1, jobId: ..., count: 5, after: 1m, for: 10m}
//
// hack/scenarios/seed-examples.yaml reproduces the examples of the BMS and
// classic ELB documents.
//
// # Faults
//
// FaultRule kinds: error (any 4xx/5xx status with a gateway- or
// service-shaped body; 500 by default), hang (hold until the client leaves,
// or for Delay and then 504), slow (Delay, then the normal answer),
// malformed (200 with the body cut in half), throttle (429 APIG.0308 bursts
// bounded by Count or For), reset (close the connection), and hostile
// answers: hugeBody (a streamed string of Size bytes), deepNesting (Depth
// nested objects), manySubJobs (Entries generated sub-jobs, streamed),
// invalidUTF8 (invalid bytes in job_type and the error text), wrongType (a
// numeric status), unreadableTime (the begin time in words). The last three
// and manySubJobs change flat job objects only: on CCE, CAE, CSE and the list
// answers (and manySubJobs on shapes without a flat sub-job list) the job is
// answered normally. A rule may be limited to a project or job, a
// probability (drawn from a math/rand/v2 PCG seeded with Config.Seed, so
// runs repeat), a count and a simulated-time window.
//
// # Admin API
//
// AdminHandler serves JSON on a separate listener, without authentication:
//
//	GET    /healthz                       "ok"
//	GET    /clock                         {wall, simulated, timeScale}
//	POST   /jobs                          a JobSpec or a list -> 201 [JobInfo]
//	                                      (400 invalid, 409 duplicate, 507 full)
//	GET    /jobs                          [JobInfo]
//	GET    /jobs/{project}/{id}           JobInfo
//	DELETE /jobs/{project}/{id}           204; the job answers Common.0011 from now
//	POST   /jobs/{project}/{id}/pay       resolve a pending order now -> JobInfo
//	POST   /jobs/{project}/{id}/cancel    cancel a pending order now -> JobInfo
//	                                      (409 when the job is not pending payment)
//	GET    /faults                        [FaultStatus]
//	PUT    /faults                        a FaultRule or a list: replace the rules
//	POST   /faults                        a FaultRule or a list: append
//	DELETE /faults                        remove every rule
//	POST   /credentials                   [{accessKey, secretKey}]: accept more keys
//	POST   /scenario                      a scenario (YAML or JSON) -> 201 [JobInfo]
//	GET    /stats                         Stats
//	POST   /stats/reset                   204; zero the counters
//
// Errors are {"error":"..."}.
//
// # Stats
//
// Stats counts requests in total, per HTTP status, per access key and per
// job, and 429 answers; for each job it gives the wall-clock time it really
// reached its final state (EndedAt, whether or not anyone asked) and the
// first time an answer showed that state (FinalServedAt). Memory is bounded
// by Config.MaxJobs, MaxRetiredJobs and MaxTrackedKeys.
package cloudsim
