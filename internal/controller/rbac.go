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

package controller

// The least the operator needs. CloudJobs are deleted only for
// spec.ttlSecondsAfterFinished; Secrets are only read. Leader election's leases are
// granted in config/rbac/leader_election_role.yaml, in the operator's own namespace.
// A Namespace is only read, by name, for the UID its external id is made of;
// a CloudCredentials' status only carries that id.
//
// +kubebuilder:rbac:groups=jobs.cloudjob.io,resources=cloudjobs,verbs=get;list;watch;update;patch;delete
// +kubebuilder:rbac:groups=jobs.cloudjob.io,resources=cloudjobs/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=jobs.cloudjob.io,resources=cloudcredentials;clustercloudcredentials,verbs=get;list;watch
// +kubebuilder:rbac:groups=jobs.cloudjob.io,resources=cloudcredentials/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create
