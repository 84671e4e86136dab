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
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestReferenceExamples fetches each service's example answer from the API
// reference (and, where the reference shows none, one in its documented
// fields) through a signed request, and checks what the job says.
func TestReferenceExamples(t *testing.T) {
	const project = "bbf1946d374b44a0a2a95533562ba954"
	tests := []struct {
		service Service
		fixture string
		ref     JobRef // ProjectID defaults to project
		path    string // escaped path; the query must be query
		query   string
		header  map[string]string
		want    Job
	}{
		{
			service: ServiceCCE, fixture: "cce-running.json", ref: JobRef{JobID: "354331b2c-229a-11e8-9c75-0255ac100ceb"},
			path: "/api/v3/projects/" + project + "/jobs/354331b2c-229a-11e8-9c75-0255ac100ceb",
			want: Job{
				JobID: "354331b2c-229a-11e8-9c75-0255ac100ceb", JobType: "CreateCluster", State: "Running", Phase: PhaseRunning,
				BeginTime: at("2020-02-02T08:12:40.672772389Z"),
				Resources: ResourceIDs{ClusterID: "4d1ecb2c-229a-11e8-9c75-0255ac100ceb", ResourceID: "6f4dcb2c-229a-11e8-9c75-0255ac100ceb",
					ServerID: "bc467e3a-2338-11e8-825b-0255ac100c13", ResourceName: "cluster-name"},
				Entities:     raw(`{"serverID":"bc467e3a-2338-11e8-825b-0255ac100c13"}`),
				SubJobsTotal: 1,
				SubJobs: []Job{{
					JobID: "fd474fab-229a-11e8-9c75-0255ac100ceb", JobType: "InstallMaster", State: "Success", Phase: PhaseSucceeded,
					Resources: ResourceIDs{ClusterID: "fcc72de0-229a-11e8-9c75-0255ac100ceb", ResourceID: "fd3b4ac0-229a-11e8-9c75-0255ac100ceb"},
				}},
			},
		},
		{
			service: ServiceCCEAutopilot, fixture: "cce-nodepool-failed.json", ref: JobRef{JobID: "a1f0c3e2-5b6d-11ef-9c75-0255ac100ceb"},
			path: "/autopilot/v3/projects/" + project + "/jobs/a1f0c3e2-5b6d-11ef-9c75-0255ac100ceb",
			want: Job{
				JobID: "a1f0c3e2-5b6d-11ef-9c75-0255ac100ceb", JobType: "CreateNodePool", State: "Failed", Phase: PhaseFailed,
				FailReason: "install kubelet timed out", // from the failed InstallNode two levels down
				BeginTime:  at("2024-08-15T09:00:00.000000001Z"), EndTime: at("2024-08-15T09:07:30.5Z"),
				Resources:    ResourceIDs{ClusterID: "4d1ecb2c-229a-11e8-9c75-0255ac100ceb", NodePoolID: "np-7b1e", ResourceName: "pool-a"},
				SubJobsTotal: 2,
				SubJobs: []Job{
					{
						JobID: "c-1", JobType: "CreateNode", State: "Success", Phase: PhaseSucceeded, SubJobsTotal: 1,
						Resources: ResourceIDs{ClusterID: "4d1ecb2c-229a-11e8-9c75-0255ac100ceb", NodeID: "node-1", ResourceName: "pool-a-1"},
						SubJobs:   []Job{{JobID: "i-1", JobType: "InstallNode", State: "Success", Phase: PhaseSucceeded, Resources: ResourceIDs{NodeID: "node-1"}}},
					},
					{
						JobID: "c-2", JobType: "CreateNode", State: "Failed", Phase: PhaseFailed, SubJobsTotal: 1, FailReason: "install kubelet timed out",
						Resources: ResourceIDs{ClusterID: "4d1ecb2c-229a-11e8-9c75-0255ac100ceb", NodeID: "node-2", ResourceName: "pool-a-2"},
						SubJobs: []Job{{JobID: "i-2", JobType: "InstallNode", State: "Failed", Phase: PhaseFailed,
							FailReason: "install kubelet timed out", Resources: ResourceIDs{NodeID: "node-2"}}},
					},
				},
			},
		},
		{
			service: ServiceRDS, fixture: "rds-completed.json", ref: JobRef{JobID: "31b8ae23-c687-4d80-b7b4-42a66c9bb886"},
			path: "/v3/" + project + "/jobs", query: "id=31b8ae23-c687-4d80-b7b4-42a66c9bb886",
			want: Job{
				JobID: "31b8ae23-c687-4d80-b7b4-42a66c9bb886", JobType: "CreateMysqlSingleHAInstance", State: "Completed", Phase: PhaseSucceeded,
				BeginTime: at("2018-08-06T10:41:14Z"), EndTime: at("2018-08-06T16:41:14Z"),
				Resources: ResourceIDs{InstanceID: "a48e43ff268f4c0e879652d65e63d0fbin01"},
				Entities: raw(`{"instance":{"endpoint":"192.168.1.203:3306","type":"Single","datastore":{"type":"mysql","version":"5.7"}},` +
					`"resource_ids":["a48e43ff268f4c0e879652d65e63d0fbin01.vm","a48e43ff268f4c0e879652d65e63d0fbin01.volume"]}`),
			},
		},
		{
			service: ServiceTaurusDB, fixture: "taurusdb-failed.json", ref: JobRef{JobID: "20d5a3b1-0c5e-4a30-9f38-1d3f43f0b4f2"},
			path: "/v3/" + project + "/jobs", query: "id=20d5a3b1-0c5e-4a30-9f38-1d3f43f0b4f2",
			want: Job{
				JobID: "20d5a3b1-0c5e-4a30-9f38-1d3f43f0b4f2", JobType: "CreateGaussDBforMySQLInstance", State: "Failed", Phase: PhaseFailed,
				FailReason: "insufficient resources in the availability zone", Progress: pct(40),
				BeginTime: at("2023-03-01T02:00:00Z"), EndTime: at("2023-03-01T02:09:12Z"),
				Resources: ResourceIDs{InstanceID: "7d2f0b1c9e4a4d2b8f6a1b2c3d4e5f60in07"},
			},
		},
		{
			// The running job's "ended" is not an end.
			service: ServiceDDS, fixture: "dds-running.json", ref: JobRef{JobID: "9d10bfd1-fcd6-4b1e-a2ce-4b3c1e6b2a01"},
			path: "/v3/" + project + "/jobs", query: "id=9d10bfd1-fcd6-4b1e-a2ce-4b3c1e6b2a01",
			want: Job{
				JobID: "9d10bfd1-fcd6-4b1e-a2ce-4b3c1e6b2a01", JobType: "Create_MongoDB", State: "Running", Phase: PhaseRunning,
				Progress: pct(9), BeginTime: at("2021-07-13T07:28:43Z"),
				Resources: ResourceIDs{InstanceID: "cf53a3a4c2a04ad59e5ec1d7a1e1b1bdin02"},
			},
		},
		{
			service: ServiceOpenGauss, fixture: "dds-running.json", ref: JobRef{JobID: "9d10bfd1-fcd6-4b1e-a2ce-4b3c1e6b2a01"},
			path: "/v3/" + project + "/jobs", query: "id=9d10bfd1-fcd6-4b1e-a2ce-4b3c1e6b2a01",
			want: Job{
				JobID: "9d10bfd1-fcd6-4b1e-a2ce-4b3c1e6b2a01", JobType: "Create_MongoDB", State: "Running", Phase: PhaseRunning,
				Progress: pct(9), BeginTime: at("2021-07-13T07:28:43Z"),
				Resources: ResourceIDs{InstanceID: "cf53a3a4c2a04ad59e5ec1d7a1e1b1bdin02"},
			},
		},
		{
			// A list: the entry with the id asked for, not the first.
			service: ServiceGeminiDB, fixture: "geminidb-list.json", ref: JobRef{JobID: "6f85e061-4ee4-4ae3-95d2-4ae3d5e7e0c8"},
			path: "/v3/" + project + "/jobs", query: "id=6f85e061-4ee4-4ae3-95d2-4ae3d5e7e0c8",
			want: Job{
				JobID: "6f85e061-4ee4-4ae3-95d2-4ae3d5e7e0c8", JobType: "CreateCassandra", State: "Running", Phase: PhaseRunning,
				Progress: pct(14), BeginTime: at("2023-09-12T06:44:01Z"),
				Resources: ResourceIDs{InstanceID: "27a0bdcdb9ad4e6fa8a0a2a6c1b3e0f4in06"},
			},
		},
		{
			service: ServiceDDM, fixture: "ddm-completed.json", ref: JobRef{JobID: "0c4e4b5f-5f35-4bd7-8d27-4a6d1d0b7a10"},
			path: "/v3/" + project + "/jobs/0c4e4b5f-5f35-4bd7-8d27-4a6d1d0b7a10",
			want: Job{
				JobID: "0c4e4b5f-5f35-4bd7-8d27-4a6d1d0b7a10", JobType: "createInstance", State: "Completed", Phase: PhaseSucceeded,
				Progress: pct(100), BeginTime: at("2022-05-10T03:01:02Z"), EndTime: at("2022-05-10T03:05:40Z"),
				Resources: ResourceIDs{InstanceID: "d9e1b5c8f7a34a3b9e2d1c0b8a7f6e5din09"},
			},
		},
		{
			service: ServiceDCS, fixture: "dcs-success.json", ref: JobRef{JobID: "ff8080818822bbf70188235afc24141a"},
			path: "/v2/" + project + "/jobs/ff8080818822bbf70188235afc24141a",
			want: Job{
				JobID: "ff8080818822bbf70188235afc24141a", JobType: "masterStandbySwapJob", State: "SUCCESS", Phase: PhaseSucceeded,
				BeginTime: at("2023-05-15T22:59:05.379Z"), EndTime: at("2023-05-15T22:59:08.248Z"),
			},
		},
		{
			service: ServiceKafka, fixture: "kafka-task.json",
			ref:  JobRef{InstanceID: "5f3a1b2c-9d8e-4f70-8a6b-1c2d3e4f5a6b", JobID: "8abfa7b272adc5b40172b73130065ae7"},
			path: "/v2/" + project + "/instances/5f3a1b2c-9d8e-4f70-8a6b-1c2d3e4f5a6b/tasks/8abfa7b272adc5b40172b73130065ae7",
			want: Job{
				JobID: "8abfa7b272adc5b40172b73130065ae7", JobType: "bindInstancePublicIp", State: "SUCCESS", Phase: PhaseSucceeded,
				BeginTime: at("2020-06-15T08:55:53.606Z"), EndTime: at("2020-06-15T08:55:56.6Z"),
				Entities: raw(`{"public_ip_id":"1aea2f35-1ef2-4b8c-9d6a-3c2e1f0a9b8c","enable_public_ip":true}`),
			},
		},
		{
			service: ServiceRabbitMQ, fixture: "kafka-task.json",
			ref:  JobRef{InstanceID: "i-1", JobID: "8abfa7b272adc5b40172b73130065ae7"},
			path: "/v2/" + project + "/instances/i-1/tasks/8abfa7b272adc5b40172b73130065ae7",
			want: Job{
				JobID: "8abfa7b272adc5b40172b73130065ae7", JobType: "bindInstancePublicIp", State: "SUCCESS", Phase: PhaseSucceeded,
				BeginTime: at("2020-06-15T08:55:53.606Z"), EndTime: at("2020-06-15T08:55:56.6Z"),
				Entities: raw(`{"public_ip_id":"1aea2f35-1ef2-4b8c-9d6a-3c2e1f0a9b8c","enable_public_ip":true}`),
			},
		},
		{
			service: ServiceRocketMQ, fixture: "kafka-task.json",
			ref:  JobRef{InstanceID: "i-2", JobID: "8abfa7b272adc5b40172b73130065ae7"},
			path: "/v2/" + project + "/instances/i-2/tasks/8abfa7b272adc5b40172b73130065ae7",
			want: Job{
				JobID: "8abfa7b272adc5b40172b73130065ae7", JobType: "bindInstancePublicIp", State: "SUCCESS", Phase: PhaseSucceeded,
				BeginTime: at("2020-06-15T08:55:53.606Z"), EndTime: at("2020-06-15T08:55:56.6Z"),
				Entities: raw(`{"public_ip_id":"1aea2f35-1ef2-4b8c-9d6a-3c2e1f0a9b8c","enable_public_ip":true}`),
			},
		},
		{
			service: ServiceSFSTurbo, fixture: "sfsturbo-success.json", ref: JobRef{JobID: "26f6b565-240e-43c1-bb8e-5b7f0bc3d1a5"},
			path: "/v1/" + project + "/sfs-turbo/jobs/26f6b565-240e-43c1-bb8e-5b7f0bc3d1a5",
			want: Job{
				JobID: "26f6b565-240e-43c1-bb8e-5b7f0bc3d1a5", JobType: "bind_ldap", State: "success", Phase: PhaseSucceeded,
				BeginTime: at("2023-07-26T09:33:58Z"), EndTime: at("2023-07-26T09:33:58Z"),
			},
		},
		{
			service: ServiceDWS, fixture: "dws-failed.json", ref: JobRef{JobID: "b4a1e7d0-3c6f-4e2a-8b1d-9f0e2c3a4b5c"},
			path: "/v1.0/" + project + "/job/b4a1e7d0-3c6f-4e2a-8b1d-9f0e2c3a4b5c",
			want: Job{
				JobID: "b4a1e7d0-3c6f-4e2a-8b1d-9f0e2c3a4b5c", JobType: "CreateCluster", State: "FAIL", Phase: PhaseFailed,
				ErrorCode: "DWS.5179", FailReason: "the subnet has no free IP addresses", Progress: pct(35),
				BeginTime: at("2024-01-09T10:00:00Z"), EndTime: at("2024-01-09T10:12:00Z"),
			},
		},
		{
			service: ServiceCBR, fixture: "cbr-success.json", ref: JobRef{JobID: "4827f2da-b008-4507-ab7d-42d0df5ed912"},
			path: "/v3/" + project + "/operation-logs/4827f2da-b008-4507-ab7d-42d0df5ed912",
			want: Job{
				JobID: "4827f2da-b008-4507-ab7d-42d0df5ed912", JobType: "backup", State: "success", Phase: PhaseSucceeded, Progress: pct(100),
				BeginTime: at("2019-05-23T14:31:36.007Z"), EndTime: at("2019-05-23T14:35:23.511Z"),
				Resources: ResourceIDs{BackupID: "0e5d0ef6-7f0a-4890-b98c-cb12490e31c1", ResourceID: "1dab32fa-ebf2-415a-ab0b-eabe6353bc86",
					ResourceType: "OS::Nova::Server", ResourceName: "ECS-0001"},
				Entities: raw(`{"resource":{"type":"OS::Nova::Server","id":"1dab32fa-ebf2-415a-ab0b-eabe6353bc86","name":"ECS-0001"},` +
					`"backup":{"backup_id":"0e5d0ef6-7f0a-4890-b98c-cb12490e31c1"}}`),
			},
		},
		{
			// A restore names its backup and its target in extra_info.restore.
			service: ServiceCBR, fixture: "cbr-restore.json", ref: JobRef{JobID: "4827f2da-b008-4507-ab7d-42d0df5ed913"},
			path: "/v3/" + project + "/operation-logs/4827f2da-b008-4507-ab7d-42d0df5ed913",
			want: Job{
				JobID: "4827f2da-b008-4507-ab7d-42d0df5ed913", JobType: "restore", State: "success", Phase: PhaseSucceeded, Progress: pct(100),
				BeginTime: at("2020-02-23T01:00:32Z"), EndTime: at("2020-02-23T01:10:32Z"),
				Resources: ResourceIDs{BackupID: "6df2b54c-dd62-4059-a07c-1b8f24f2725d", ResourceID: "94eba8b2-acc9-4d82-badc-127144cc5526",
					ResourceName: "ecs-restored"},
				Entities: raw(`{"restore":{"backup_id":"6df2b54c-dd62-4059-a07c-1b8f24f2725d","backup_name":"manualbk_1234",` +
					`"target_resource_id":"94eba8b2-acc9-4d82-badc-127144cc5526","target_resource_name":"ecs-restored"}}`),
			},
		},
		{
			service: ServiceGEIP, fixture: "geip-rollback.json", ref: JobRef{ProjectID: "-", DomainID: "0970dd7a1300f5672ff2c003c60ae115", JobID: "5e3c2b1a-9f8e-4d7c-b6a5-0f1e2d3c4b5a"},
			path:   "/v3/0970dd7a1300f5672ff2c003c60ae115/geip/jobs/5e3c2b1a-9f8e-4d7c-b6a5-0f1e2d3c4b5a",
			header: map[string]string{"X-Domain-Id": "0970dd7a1300f5672ff2c003c60ae115"},
			want: Job{
				JobID: "5e3c2b1a-9f8e-4d7c-b6a5-0f1e2d3c4b5a", JobType: "bindGeip", State: "FINISH_ROLLBACK_SUCC", Phase: PhaseFailed,
				ErrorCode: "GEIP.1002", FailReason: "the instance is in another region",
				BeginTime: at("2025-02-03T04:05:06Z"), EndTime: at("2025-02-03T04:06:07Z"), // start_time, end_time
			},
		},
		{
			service: ServiceCFW, fixture: "cfw-success.json", ref: JobRef{JobID: "c1f2e3d4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"},
			path: "/v3/" + project + "/jobs/c1f2e3d4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
			want: Job{
				JobID: "c1f2e3d4-a5b6-4c7d-8e9f-0a1b2c3d4e5f", State: "Success", Phase: PhaseSucceeded,
				BeginTime: at("2024-06-01T12:00:00Z"), EndTime: at("2024-06-01T12:03:00Z"),
			},
		},
		{
			service: ServiceSWR, fixture: "swr-failed.json", ref: JobRef{JobID: "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"},
			path: "/v2/" + project + "/jobs/a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d",
			want: Job{
				JobID: "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d", JobType: "CreateInstance", State: "Failed", Phase: PhaseFailed,
				FailReason: "the VPC quota is exhausted", BeginTime: at("2025-03-01T08:00:00Z"), EndTime: at("2025-03-01T08:04:00Z"),
			},
		},
		{
			// The created instance is instance_id.
			service: ServiceSWR, fixture: "swr-success.json", ref: JobRef{JobID: "b7e4c1d2-5a6f-4b3c-9d8e-7f6a5b4c3d2e"},
			path: "/v2/" + project + "/jobs/b7e4c1d2-5a6f-4b3c-9d8e-7f6a5b4c3d2e",
			want: Job{
				JobID: "b7e4c1d2-5a6f-4b3c-9d8e-7f6a5b4c3d2e", JobType: "CreateInstance", State: "Success", Phase: PhaseSucceeded,
				BeginTime: at("2025-03-01T08:00:00Z"), EndTime: at("2025-03-01T08:12:00Z"),
				Resources: ResourceIDs{InstanceID: "4f1d8a3c-2b7e-4e5f-9a1b-6c8d0e2f4a6b", ResourceID: "4f1d8a3c-2b7e-4e5f-9a1b-6c8d0e2f4a6b",
					ResourceName: "registry-prod"},
			},
		},
		{
			service: ServiceCAE, fixture: "cae-failed.json", ref: JobRef{EnvironmentID: "env-42", JobID: "e1d2c3b4-a5f6-4e7d-8c9b-0a1f2e3d4c5b"},
			path:   "/v1/" + project + "/cae/jobs/e1d2c3b4-a5f6-4e7d-8c9b-0a1f2e3d4c5b",
			header: map[string]string{"X-Environment-Id": "env-42"},
			want: Job{
				// No id, type or times of its own: the id asked for, and the
				// tasks' first creation and last end.
				JobID: "e1d2c3b4-a5f6-4e7d-8c9b-0a1f2e3d4c5b", State: "failed", Phase: PhaseFailed,
				FailReason: "image pull failed: manifest unknown", // the failed task's detail
				BeginTime:  at("2025-04-02T10:00:00.125Z"), EndTime: at("2025-04-02T10:02:30.950175Z"),
				SubJobsTotal: 3,
				SubJobs: []Job{
					{JobID: "1", JobType: "BuildImage", State: "success", Phase: PhaseSucceeded,
						BeginTime: at("2025-04-02T10:00:00.125Z"), EndTime: at("2025-04-02T10:01:10Z")},
					{JobID: "2", JobType: "DeployComponent", State: "failed", Phase: PhaseFailed, FailReason: "image pull failed: manifest unknown",
						BeginTime: at("2025-04-02T10:00:00.5Z"), EndTime: at("2025-04-02T10:02:30.950175Z")},
					{JobID: "3", JobType: "CheckHealth", State: "init", Phase: PhasePending, BeginTime: at("2025-04-02T10:00:01Z")},
				},
			},
		},
		{
			service: ServiceCSE, fixture: "cse-running.json", ref: JobRef{InstanceID: "engine-7", JobID: "1742"},
			path: "/v2/" + project + "/enginemgr/engines/engine-7/jobs/1742",
			want: Job{
				JobID: "1742", JobType: "Create", State: "Executing", Phase: PhaseRunning,
				BeginTime: at("2024-06-01T10:40:00Z"), SubJobsTotal: 2,
				Resources: ResourceIDs{InstanceID: "engine-7"}, // engineId
				SubJobs: []Job{
					{JobType: "CreateVM", State: "Finished", Phase: PhaseSucceeded, BeginTime: at("2024-06-01T10:40:00Z"), EndTime: at("2024-06-01T10:41:00Z"),
						SubJobsTotal: 1, SubJobs: []Job{
							{JobID: "90001", JobType: "CreateECS", State: "Finished", Phase: PhaseSucceeded, BeginTime: at("2024-06-01T10:40:00Z"), EndTime: at("2024-06-01T10:41:00Z")},
						}},
					{JobType: "InstallEngine", State: "Executing", Phase: PhaseRunning, BeginTime: at("2024-06-01T10:41:00Z"),
						SubJobsTotal: 2, SubJobs: []Job{
							{JobID: "90002", JobType: "InstallServiceComb", State: "Executing", Phase: PhaseRunning, BeginTime: at("2024-06-01T10:41:00Z")},
							{JobID: "90003", JobType: "CheckHealth", State: "Init", Phase: PhasePending},
						}},
				},
			},
		},
		{
			service: ServiceSDRS, fixture: "ecs-fail.json", ref: JobRef{JobID: "ff80808288d41e1b0188d4a1f0e10003"},
			path: "/v1/" + project + "/jobs/ff80808288d41e1b0188d4a1f0e10003",
		},
		{
			service: ServiceDEH, fixture: "ecs-fail.json", ref: JobRef{JobID: "ff80808288d41e1b0188d4a1f0e10003"},
			path: "/v1/" + project + "/jobs/ff80808288d41e1b0188d4a1f0e10003",
		},
	}
	for _, tt := range tests {
		t.Run(string(tt.service), func(t *testing.T) {
			fc := newFakeCloud(t)
			fc.set(tt.path, answer{body: readFixture(t, tt.fixture), noRequestID: true})
			req := fc.request(tt.service, tt.ref.JobID)
			ref := tt.ref
			if ref.ProjectID == "" {
				ref.ProjectID = project
			}
			req.JobRef = ref
			job, err := newTestClient(Options{}).GetJob(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if got := fc.lastRequest().URL.RawQuery; got != tt.query {
				t.Errorf("query %q, want %q", got, tt.query)
			}
			for name, value := range tt.header {
				if got := fc.lastRequest().Header.Get(name); got != value {
					t.Errorf("header %s = %q, want %q", name, got, value)
				}
			}
			if tt.want.State == "" {
				// The ECS shape: the same answer as ECS gives.
				ecs, err := ecsAdapter.Decode([]byte(readFixture(t, tt.fixture)), ref)
				if err != nil {
					t.Fatal(err)
				}
				tt.want = *ecs
			}
			assertJob(t, string(tt.service), *job, tt.want)
		})
	}
}

// TestServicePhases maps every state each new service documents.
func TestServicePhases(t *testing.T) {
	tests := []struct {
		services []Service
		wrap     func(state string) string
		states   map[string]Phase
	}{
		{
			services: []Service{ServiceCCE, ServiceCCEAutopilot},
			wrap:     func(s string) string { return `{"status":{"phase":` + s + `}}` },
			states:   map[string]Phase{"Initializing": PhasePending, "Running": PhaseRunning, "Success": PhaseSucceeded, "Failed": PhaseFailed, "Deleting": PhaseUnknown},
		},
		{
			services: []Service{ServiceRDS, ServiceTaurusDB, ServiceOpenGauss, ServiceDDS, ServiceDDM},
			wrap:     func(s string) string { return `{"job":{"status":` + s + `}}` },
			states:   map[string]Phase{"Pending": PhasePending, "Running": PhaseRunning, "Completed": PhaseSucceeded, "Failed": PhaseFailed, "SUCCESS": PhaseUnknown},
		},
		{
			services: []Service{ServiceGeminiDB},
			wrap:     func(s string) string { return `{"jobs":[{"id":"j","status":` + s + `}]}` },
			states:   map[string]Phase{"Running": PhaseRunning, "Completed": PhaseSucceeded, "Failed": PhaseFailed},
		},
		{
			services: []Service{ServiceKafka, ServiceRabbitMQ, ServiceRocketMQ},
			wrap:     func(s string) string { return `{"tasks":[{"id":"j","status":` + s + `}]}` },
			states: map[string]Phase{"CREATED": PhasePending, "EXECUTING": PhaseRunning, "SUCCESS": PhaseSucceeded, "FAILED": PhaseFailed,
				"DELETED": PhaseFailed, "CANCELLED": PhaseFailed, "PAUSED": PhaseUnknown},
		},
		{
			services: []Service{ServiceSFSTurbo},
			wrap:     func(s string) string { return `{"status":` + s + `}` },
			states:   map[string]Phase{"waiting": PhasePending, "running": PhaseRunning, "success": PhaseSucceeded, "failed": PhaseFailed, "FAIL": PhaseUnknown},
		},
		{
			services: []Service{ServiceDWS},
			wrap:     func(s string) string { return `{"status":` + s + `}` },
			states: map[string]Phase{"INIT": PhasePending, "WAITING": PhasePending, "DELAY_SCHEDULED": PhasePending, "RUNNING": PhaseRunning,
				"SUCCESS": PhaseSucceeded, "FAIL": PhaseFailed, "STOP": PhaseFailed},
		},
		{
			services: []Service{ServiceCBR},
			wrap:     func(s string) string { return `{"operation_log":{"status":` + s + `}}` },
			states: map[string]Phase{"waiting": PhasePending, "skipped": PhasePending, "running": PhaseRunning, "success": PhaseSucceeded,
				"failed": PhaseFailed, "timeout": PhaseFailed},
		},
		{
			services: []Service{ServiceGEIP},
			wrap:     func(s string) string { return `{"job":{"status":` + s + `}}` },
			states: map[string]Phase{"WAIT_TO_SCHEDULE": PhasePending, "RUNNING": PhaseRunning, "FINISH_SUCC": PhaseSucceeded,
				"FINISH_ROLLBACK_SUCC": PhaseFailed, "ROLLBACKING": PhaseUnknown},
		},
		{
			services: []Service{ServiceCFW},
			wrap:     func(s string) string { return `{"data":{"status":` + s + `}}` },
			states:   map[string]Phase{"Running": PhaseRunning, "Success": PhaseSucceeded, "Failed": PhaseFailed},
		},
		{
			services: []Service{ServiceSWR},
			wrap:     func(s string) string { return `{"status":` + s + `}` },
			states: map[string]Phase{"Creating": PhasePending, "Initializing": PhasePending, "Running": PhaseRunning,
				"Success": PhaseSucceeded, "Failed": PhaseFailed},
		},
		{
			services: []Service{ServiceCAE},
			wrap:     func(s string) string { return `{"spec":{"status":` + s + `}}` },
			states: map[string]Phase{"init": PhasePending, "running": PhaseRunning, "terminating": PhaseRunning, "success": PhaseSucceeded,
				"skip": PhaseSucceeded, "failed": PhaseFailed, "timeout": PhaseFailed, "terminated": PhaseFailed},
		},
		{
			services: []Service{ServiceCSE},
			wrap:     func(s string) string { return `{"status":` + s + `}` },
			states: map[string]Phase{"Init": PhasePending, "Executing": PhaseRunning, "Finished": PhaseSucceeded,
				"Error": PhaseFailed, "Timeout": PhaseFailed},
		},
	}
	for _, tt := range tests {
		for _, service := range tt.services {
			adapter, _ := AdapterFor(service)
			for state, want := range tt.states {
				quoted, _ := json.Marshal(state)
				job, err := adapter.Decode([]byte(tt.wrap(string(quoted))), JobRef{JobID: "j"})
				if err != nil {
					t.Errorf("%s: state %q: %v", service, state, err)
					continue
				}
				if job.Phase != want || job.State != state {
					t.Errorf("%s: state %q gives %q (%q), want %q", service, state, job.Phase, job.State, want)
				}
			}
		}
	}
}

// TestShapeAnswersThatAreNotJobs: list answers without the job are NotFound,
// as the database APIs answer a new job id for a few seconds; other wrong
// shapes are MalformedResponse; the services' own error bodies are read.
func TestShapeAnswersThatAreNotJobs(t *testing.T) {
	const project = "bbf1946d374b44a0a2a95533562ba954"
	tests := []struct {
		name      string
		service   Service
		path      string
		answer    answer
		ref       JobRef
		wantClass ErrorClass
		wantCode  string
	}{
		{name: "GeminiDB list without the job", service: ServiceGeminiDB, path: "/v3/" + project + "/jobs",
			answer: answer{body: `{"total_count":0,"jobs":[]}`}, wantClass: ErrNotFound},
		{name: "GeminiDB list of other jobs", service: ServiceGeminiDB, path: "/v3/" + project + "/jobs",
			answer: answer{body: readFixture(t, "geminidb-list.json")}, ref: JobRef{JobID: "nope"}, wantClass: ErrNotFound},
		{name: "DMS tasks not a list", service: ServiceKafka, path: "/v2/" + project + "/instances/i/tasks/j",
			answer: answer{body: `{"task_count":"1","tasks":{"id":"j"}}`}, wantClass: ErrMalformedResponse},
		{name: "RDS job a string", service: ServiceRDS, path: "/v3/" + project + "/jobs",
			answer: answer{body: `{"job":"Running"}`}, wantClass: ErrMalformedResponse},
		{name: "CCE phase a number", service: ServiceCCE, path: "/api/v3/projects/" + project + "/jobs/j",
			answer: answer{body: `{"status":{"phase":3}}`}, wantClass: ErrMalformedResponse},
		{name: "CBR unknown operation log", service: ServiceCBR, path: "/v3/" + project + "/operation-logs/j",
			answer:    answer{status: http.StatusNotFound, body: `{"error_code":"BackupService.6500","error_msg":"Operation log does not exist."}`},
			wantClass: ErrNotFound, wantCode: "BackupService.6500"},
		{name: "SFS Turbo error body", service: ServiceSFSTurbo, path: "/v1/" + project + "/sfs-turbo/jobs/j",
			answer:    answer{status: http.StatusBadRequest, body: `{"errCode":"SFS.TURBO.0001","errMsg":"parameter error"}`},
			wantClass: ErrInvalidRequest, wantCode: "SFS.TURBO.0001"},
		{name: "DMS task without its instance", service: ServiceKafka, ref: JobRef{JobID: "j"}, wantClass: ErrInvalidRequest},
		{name: "CAE job without its environment", service: ServiceCAE, ref: JobRef{InstanceID: "i", JobID: "j"}, wantClass: ErrInvalidRequest},
		{name: "GEIP job without the domain", service: ServiceGEIP, ref: JobRef{ProjectID: "p", JobID: "j"}, wantClass: ErrInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCloud(t)
			if tt.path != "" {
				fc.set(tt.path, tt.answer)
			}
			req := fc.request(tt.service, "j")
			if tt.ref != (JobRef{}) {
				req.JobRef = tt.ref
			} else {
				req.InstanceID = "i"
			}
			if req.ProjectID == "" {
				req.ProjectID = project
			}
			_, err := newTestClient(Options{}).GetJob(context.Background(), req)
			var cloudErr *Error
			if !errors.As(err, &cloudErr) || cloudErr.Class != tt.wantClass || cloudErr.Code != tt.wantCode {
				t.Fatalf("error %v, want class %s code %q", err, tt.wantClass, tt.wantCode)
			}
			if tt.path == "" && fc.requestCount() != 0 {
				t.Error("a request the client should refuse reached the cloud")
			}
		})
	}
}

// TestUnreadTimesAreNamed: a time no layout reads is left out of the job and
// named, so the operator can say so; "no time" values are not.
func TestUnreadTimesAreNamed(t *testing.T) {
	job, err := rdsAdapter.Decode([]byte(`{"job":{"status":"Completed","created":"6 Aug 2018 at noon","ended":"0"}}`), JobRef{JobID: "j"})
	if err != nil {
		t.Fatal(err)
	}
	if job.BeginTime != nil || job.EndTime != nil || len(job.UnreadTimes) != 1 || job.UnreadTimes[0] != `created="6 Aug 2018 at noon"` {
		t.Errorf("begin %v, end %v, unread %q", job.BeginTime, job.EndTime, job.UnreadTimes)
	}
	job, err = bmsAdapter.Decode([]byte(`{"status":"SUCCESS","begin_time":"soon","end_time":null}`), JobRef{JobID: "j"})
	if err != nil {
		t.Fatal(err)
	}
	if len(job.UnreadTimes) != 1 || job.UnreadTimes[0] != `begin_time="soon"` {
		t.Errorf("unread %q", job.UnreadTimes)
	}
}

func TestParseProgress(t *testing.T) {
	for in, want := range map[string]string{
		`"60%"`: "60%", `"60"`: "60%", `60`: "60%", `59.9`: "59%", `" 7 % "`: "7%", `100`: "100%", `0`: "0%",
		`""`: "nil", `null`: "nil", `"-1"`: "nil", `101`: "nil", `"abc"`: "nil", `"NaN"`: "nil", `{}`: "nil",
	} {
		got, _ := parseProgress(json.RawMessage(in))
		if fmtProgress(got) != want {
			t.Errorf("parseProgress(%s) = %s, want %s", in, fmtProgress(got), want)
		}
	}
}

// TestCAEJobIsDatedByItsTasks: a CAE job has no times of its own; it begins
// with its first task and, once finished, ends with its last.
func TestCAEJobIsDatedByItsTasks(t *testing.T) {
	task := func(status, created, updated string) string {
		return `{"index":1,"name":"t","status":"` + status + `","created_at":"` + created + `","updated_at":"` + updated + `"}`
	}
	tests := []struct {
		name       string
		status     string
		tasks      []string
		begin, end string // "" for none
	}{
		{name: "running: no end though a task ended", status: "running",
			tasks: []string{task("success", "2025-04-02T10:00:05Z", "2025-04-02T10:01:00Z"), task("running", "2025-04-02T10:00:01Z", "2025-04-02T10:01:00Z")},
			begin: "2025-04-02T10:00:01Z"},
		{name: "succeeded: the last task's end", status: "success",
			tasks: []string{task("success", "2025-04-02T10:00:00Z", "2025-04-02T10:03:00Z"), task("skip", "2025-04-02T10:00:00Z", "2025-04-02T10:02:00Z")},
			begin: "2025-04-02T10:00:00Z", end: "2025-04-02T10:03:00Z"},
		{name: "failed before a task ran: no end", status: "failed",
			tasks: []string{task("init", "2025-04-02T10:00:00Z", "2025-04-02T10:00:00Z")},
			begin: "2025-04-02T10:00:00Z"},
		{name: "no tasks: no times", status: "success"},
		{name: "unreadable task times are left out", status: "success",
			tasks: []string{task("success", "soon", "later"), task("success", "2025-04-02T10:00:00Z", "2025-04-02T10:00:30Z")},
			begin: "2025-04-02T10:00:00Z", end: "2025-04-02T10:00:30Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"api_version":"v1","kind":"Job","spec":{"status":"` + tt.status + `","tasks":[` + strings.Join(tt.tasks, ",") + `]}}`
			job, err := caeAdapter.Decode([]byte(body), JobRef{JobID: "j"})
			if err != nil {
				t.Fatal(err)
			}
			atOrNil := func(s string) *time.Time {
				if s == "" {
					return nil
				}
				return at(s)
			}
			if got, want := fmtTime(job.BeginTime), fmtTime(atOrNil(tt.begin)); got != want {
				t.Errorf("begin %s, want %s", got, want)
			}
			if got, want := fmtTime(job.EndTime), fmtTime(atOrNil(tt.end)); got != want {
				t.Errorf("end %s, want %s", got, want)
			}
		})
	}
}

// TestCBRIdsOfEachOperation: each operation names its backup and resource in
// its own part of extra_info (cbr/v1 OpExtraInfo).
func TestCBRIdsOfEachOperation(t *testing.T) {
	tests := []struct {
		operation, extra     string
		backup, resource     string
		resourceName, rsType string
	}{
		{operation: "backup", extra: `{"backup":{"backup_id":"b1"},"resource":{"id":"r1","type":"OS::Nova::Server","name":"web"}}`,
			backup: "b1", resource: "r1", resourceName: "web", rsType: "OS::Nova::Server"},
		{operation: "replication", extra: `{"replication":{"source_backup_id":"b1","destination_backup_id":"b2","destination_region":"eu-west-101"}}`,
			backup: "b2"},
		{operation: "restore", extra: `{"restore":{"backup_id":"b1","target_resource_id":"r2","target_resource_name":"web-2"}}`,
			backup: "b1", resource: "r2", resourceName: "web-2"},
		{operation: "delete", extra: `{"delete":{"backup_id":"b3","backup_name":"old"}}`, backup: "b3"},
		{operation: "sync", extra: `{"sync":{"sync_backup_num":2}}`},
	}
	for _, tt := range tests {
		body := `{"operation_log":{"status":"success","operation_type":"` + tt.operation + `","extra_info":` + tt.extra + `}}`
		job, err := cbrAdapter.Decode([]byte(body), JobRef{JobID: "j"})
		if err != nil {
			t.Fatalf("%s: %v", tt.operation, err)
		}
		want := ResourceIDs{BackupID: tt.backup, ResourceID: tt.resource, ResourceName: tt.resourceName, ResourceType: tt.rsType}
		if job.Resources != want {
			t.Errorf("%s: ids %+v, want %+v", tt.operation, job.Resources, want)
		}
	}
}
