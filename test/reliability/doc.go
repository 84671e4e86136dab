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

// Package reliability holds end-to-end fault tests of the operator: the real
// operator binary, run as child processes against a real kube-apiserver and etcd
// (test/testenv) and the cloud simulator (test/cloudsim), all on loopback.
//
// The tests kill the operator with SIGKILL while hundreds of jobs are in flight,
// kill the elected leader of two replicas, make the cloud answer with errors,
// hangs, garbage and rate limits, keep other clients writing to the CloudJobs,
// feed the API hostile manifests and the operator hostile answers, run the
// operator with only namespaced permissions, and scan everything the operator
// wrote for the credentials it used. docs/reliability.md describes each test and
// keeps the figures of the latest run; `make test-reliability` runs them.
//
// The non-test files of the package are the helpers the tests share: the
// operator process, the per-test fixture (namespace, Secret, simulator), the
// outcome watch and the metrics parser.
package reliability
