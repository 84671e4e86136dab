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
	ServiceBMS   Service = "bms"
	ServiceECS   Service = "ecs"
	ServiceEVS   Service = "evs"
	ServiceIMS   Service = "ims"
	ServiceVPC   Service = "vpc"
	ServiceELB   Service = "elb"
	ServiceELBv3 Service = "elbv3"
)

// Adapter knows one job API: where the job is and what its answer looks like.
// Adding a service is one file holding its adapter and one row in adapters.
type Adapter interface {
	// Host is the service's host name label: the {service} in
	// https://{service}.{region}.{domain}.
	Host() string
	// Path is the escaped request path of a job, relative to the endpoint.
	Path(projectID, jobID string) string
	// Decode reads the body of a 2xx answer. An error means the body is not a job
	// of this shape; the client reports it as MalformedResponse.
	Decode(body []byte) (*Job, error)
}

// adapters is the table of services the client understands.
var adapters = map[Service]Adapter{
	ServiceBMS:   bmsAdapter,
	ServiceECS:   ecsAdapter,
	ServiceEVS:   evsAdapter,
	ServiceIMS:   imsAdapter,
	ServiceVPC:   vpcAdapter,
	ServiceELB:   elbAdapter,
	ServiceELBv3: elbv3Adapter,
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

// jobPath fills a path of the form prefix/{project_id}/suffix/{job_id}, escaping
// both ids as path segments.
func jobPath(prefix, projectID, middle, jobID string) string {
	return prefix + "/" + url.PathEscape(projectID) + middle + url.PathEscape(jobID)
}
