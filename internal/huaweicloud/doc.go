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

// Package huaweicloud reads the status of asynchronous Huawei Cloud jobs.
//
// Slow operations (creating servers, attaching disks, building images, creating load
// balancers) answer with a job_id; each service then offers its own job-status API.
// GetJob fetches one job with a signed GET and decodes it, through the adapter of
// the service's response shape, into one normalized Job: the raw state and a
// Phase, times, failure details, resource ids and sub-jobs. Every failure is an
// *Error whose Class tells the caller what to do next (retry later, back off, stop
// and report).
//
// The services share no common shape. The v1 family (BMS, ECS, EVS, IMS, VPC,
// SDRS, DEH, classic ELB, DCS, SFS Turbo) is read by one decoder (v1Adapter);
// ELB v3 has its own; the others are each a fieldShape: where the job sits in the
// answer (a wrapper, or a list to pick it from by id), the paths of its fields,
// its state words, and where its sub-jobs are (nested to any depth for CCE). A
// service is one file and one row in adapters; Locate says where its jobs are
// asked for (path, query, headers), Needs which ids that takes.
//
// The same APIs are served by Open Telekom Cloud, Orange Flexible Engine and G42
// Cloud under their own domains; see Clouds.
//
// This package does not use the official Huawei Cloud Go SDK: it is one module of
// about 87 MiB for all 178 services, while the job APIs need a request signer
// (package signer) and a few GETs. The standard library is enough, and a small
// client keeps the HTTP behaviour (timeouts, body cap, redirects, TLS) in plain
// sight.
//
// The package knows nothing of Kubernetes; the controller maps its Job and Error
// onto the CloudJob status.
package huaweicloud
