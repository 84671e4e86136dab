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
	"slices"
)

// Service names a cloud service whose job API the client can read. The value is
// also the CloudJob's spec.service.
type Service string

// The services with a job API adapter.
const (
	ServiceBMS          Service = "bms"
	ServiceECS          Service = "ecs"
	ServiceEVS          Service = "evs"
	ServiceIMS          Service = "ims"
	ServiceVPC          Service = "vpc"
	ServiceELB          Service = "elb"
	ServiceELBv3        Service = "elbv3"
	ServiceCCE          Service = "cce"
	ServiceCCEAutopilot Service = "cceautopilot"
	ServiceRDS          Service = "rds"
	ServiceTaurusDB     Service = "taurusdb"
	ServiceOpenGauss    Service = "opengauss"
	ServiceDDS          Service = "dds"
	ServiceGeminiDB     Service = "geminidb"
	ServiceDDM          Service = "ddm"
	ServiceDCS          Service = "dcs"
	ServiceKafka        Service = "kafka"
	ServiceRabbitMQ     Service = "rabbitmq"
	ServiceRocketMQ     Service = "rocketmq"
	ServiceSFSTurbo     Service = "sfsturbo"
	ServiceDWS          Service = "dws"
	ServiceCBR          Service = "cbr"
	ServiceGEIP         Service = "geip"
	ServiceCFW          Service = "cfw"
	ServiceSWR          Service = "swr"
	ServiceCAE          Service = "cae"
	ServiceCSE          Service = "cse"
	ServiceSDRS         Service = "sdrs"
	ServiceDEH          Service = "deh"
	// ServiceBSS is not a job API: it tracks a yearly/monthly order (see
	// bssAdapter).
	ServiceBSS Service = "bss"
)

// JobRef names one job: its id and the ids its service needs to find it.
type JobRef struct {
	// ProjectID is the project (tenant) owning the job, for every service but
	// the global ones.
	ProjectID string
	// DomainID is the account, for global services (Global EIP).
	DomainID string
	// InstanceID is the instance whose task the job is (DMS Kafka, RabbitMQ,
	// RocketMQ), or the CSE engine.
	InstanceID string
	// EnvironmentID is the CAE environment, sent as X-Environment-ID.
	EnvironmentID string
	// JobID is the job (task, operation log) id.
	JobID string
	// OrderID is the yearly/monthly order, for bss, which tracks an order
	// instead of a job.
	OrderID string
	// LastState is the state the previous poll recorded ("" for none). An API
	// read in steps (bss: the order, then the resources of a completed order)
	// picks its next request by it; job APIs ignore it.
	LastState string
}

// Needs says which ids of a JobRef, besides JobID, a service reads.
type Needs struct {
	// Project: the job belongs to a project. Every service but the global ones.
	Project bool
	// Domain: the job belongs to the account; the service is global, its
	// endpoint has no region.
	Domain bool
	// Instance: the job is found under an instance (or engine).
	Instance bool
	// Environment: the request names the CAE environment.
	Environment bool
	// Order: the service tracks an order, named by OrderID instead of JobID.
	Order bool
}

// Location is where a job is asked for: the escaped path relative to the
// endpoint, the query and the headers the request adds, and, for an API asked
// with a POST, its JSON body.
type Location struct {
	Path   string
	Query  url.Values
	Header map[string]string
	// Body, when set, is sent as application/json with a POST; nil means GET.
	Body []byte
}

// Adapter knows one job API: where the job is and what its answer looks like.
// Adding a service is one file holding its adapter and one row in adapters.
type Adapter interface {
	// Host is the service's host name label: the {service} in
	// https://{service}.{region}.{domain}.
	Host() string
	// Needs says which ids besides the job id locate a job.
	Needs() Needs
	// Locate is where the job ref names a job. The ids it reads are checked
	// before it is called.
	Locate(ref JobRef) Location
	// Decode reads the body of a 2xx answer about ref. An error means the body
	// is not a job of this shape (the client reports MalformedResponse), or, for
	// errJobNotListed, that a list answer does not hold the job (NotFound).
	Decode(body []byte, ref JobRef) (*Job, error)
}

// adapters is the table of services the client understands.
var adapters = map[Service]Adapter{
	ServiceBMS:          bmsAdapter,
	ServiceECS:          ecsAdapter,
	ServiceEVS:          evsAdapter,
	ServiceIMS:          imsAdapter,
	ServiceVPC:          vpcAdapter,
	ServiceELB:          elbAdapter,
	ServiceELBv3:        elbv3Adapter,
	ServiceCCE:          cceAdapter,
	ServiceCCEAutopilot: cceAutopilotAdapter,
	ServiceRDS:          rdsAdapter,
	ServiceTaurusDB:     taurusDBAdapter,
	ServiceOpenGauss:    openGaussAdapter,
	ServiceDDS:          ddsAdapter,
	ServiceGeminiDB:     geminiDBAdapter,
	ServiceDDM:          ddmAdapter,
	ServiceDCS:          dcsAdapter,
	ServiceKafka:        kafkaAdapter,
	ServiceRabbitMQ:     rabbitMQAdapter,
	ServiceRocketMQ:     rocketMQAdapter,
	ServiceSFSTurbo:     sfsTurboAdapter,
	ServiceDWS:          dwsAdapter,
	ServiceCBR:          cbrAdapter,
	ServiceGEIP:         geipAdapter,
	ServiceCFW:          cfwAdapter,
	ServiceSWR:          swrAdapter,
	ServiceCAE:          caeAdapter,
	ServiceCSE:          cseAdapter,
	ServiceSDRS:         sdrsAdapter,
	ServiceDEH:          dehAdapter,
	ServiceBSS:          bssAdapter,
}

// AdapterFor returns the adapter of a service.
func AdapterFor(s Service) (Adapter, bool) {
	a, ok := adapters[s]
	return a, ok
}

// Services lists the services with an adapter, sorted.
func Services() []Service {
	out := make([]Service, 0, len(adapters))
	for s := range adapters {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// projectJobs is the usual Needs: a project and the job id.
var projectJobs = Needs{Project: true}

// jobPath fills a path of the form prefix/{project_id}/suffix/{job_id}, escaping
// both ids as path segments.
func jobPath(prefix, projectID, middle, jobID string) string {
	return prefix + "/" + url.PathEscape(projectID) + middle + url.PathEscape(jobID)
}
