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
	"maps"
	"slices"
	"testing"
)

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// TestGetJobPerService fetches each fixture through a real signed request to the
// fake cloud and compares the whole normalized job.
func TestGetJobPerService(t *testing.T) {
	const project = "bbf1946d374b44a0a2a95533562ba954"
	tests := []struct {
		name     string
		service  Service
		path     string // where the service's job must be asked for
		fixture  string
		answer   answer
		wantJob  Job
		finished bool
	}{
		{
			name: "BMS seed example", service: ServiceBMS, fixture: "bms-success.json",
			path: "/v1/" + project + "/jobs/2c9eb2c5544cbf6101544f0602af2b4f",
			wantJob: Job{
				JobID: "2c9eb2c5544cbf6101544f0602af2b4f", JobType: "baremetalBatchCreate",
				State: "SUCCESS", Phase: PhaseSucceeded,
				BeginTime: at("2019-04-25T20:04:34.604Z"), EndTime: at("2019-04-25T20:08:41.593Z"),
				SubJobsTotal: 1,
				RequestID:    "req-2c9eb2c5544cbf6101544f0602af2b4f",
				SubJobs: []Job{{
					JobID: "2c9eb2c5544cbf6101544f0635672b60", JobType: "baremetalSingleCreate",
					State: "SUCCESS", Phase: PhaseSucceeded,
					BeginTime: at("2019-04-25T20:04:47.591Z"), EndTime: at("2019-04-25T20:08:21.328Z"),
					Entities:  raw(`{"server_id":"bae51750-0089-41a1-9b18-5c777978ff6d"}`),
					Resources: ResourceIDs{ServerID: "bae51750-0089-41a1-9b18-5c777978ff6d"},
				}},
			},
			finished: true,
		},
		{
			name: "BMS running, awkward fields", service: ServiceBMS, fixture: "bms-running-awkward.json",
			path: "/v1/" + project + "/jobs/2c9eb2c5544cbf6101544f0602af2b4f",
			wantJob: Job{
				JobID: "2c9eb2c5544cbf6101544f0602af2b4f", JobType: "baremetalBatchCreate",
				State: "RUNNING", Phase: PhaseRunning,
				BeginTime: at("2019-04-25T20:04:34.604Z"), // no zone: UTC
				// sub_jobs_total given as a string counts; the string entry is skipped.
				SubJobsTotal: 3,
				RequestID:    "req-2c9eb2c5544cbf6101544f0602af2b4f",
				SubJobs: []Job{
					{
						JobID: "sub-1", JobType: "baremetalSingleCreate", State: "SUCCESS", Phase: PhaseSucceeded,
						BeginTime: at("2019-04-25T20:04:47Z"), EndTime: at("2019-04-25T12:08:21Z"),
						Entities:  raw(`[{"server_id":"11111111-0000-0000-0000-000000000001"},{"nic_id":"n-1"}]`),
						Resources: ResourceIDs{ServerID: "11111111-0000-0000-0000-000000000001", NICID: "n-1"},
					},
					{
						JobID: "sub-2", JobType: "baremetalSingleCreate",
						State: "QUEUED_FOR_HARDWARE", Phase: PhaseUnknown,
						BeginTime: at("2019-04-25T20:04:48Z"),
					},
				},
			},
		},
		{
			name: "ECS failed batch", service: ServiceECS, fixture: "ecs-fail.json",
			path: "/v1/" + project + "/jobs/ff80808288d41e1b0188d4a1f0e10000",
			wantJob: Job{
				JobID: "ff80808288d41e1b0188d4a1f0e10000", JobType: "createServer",
				State: "FAIL", Phase: PhaseFailed,
				BeginTime: at("2023-06-12T08:00:00Z"), EndTime: at("2023-06-12T08:01:03Z"),
				ErrorCode: "Ecs.0012", FailReason: "Insufficient capacity: 1 of 2 servers failed.",
				SubJobsTotal: 2,
				RequestID:    "req-ff80808288d41e1b0188d4a1f0e10000",
				SubJobs: []Job{
					{
						JobID: "ff80808288d41e1b0188d4a1f0e10001", JobType: "createSingleServer",
						State: "FAIL", Phase: PhaseFailed,
						BeginTime: at("2023-06-12T08:00:01Z"), EndTime: at("2023-06-12T08:01:02Z"),
						ErrorCode: "Ecs.0012", FailReason: "Insufficient capacity in the AZ.",
						Entities:  raw(`{"server_id":"a1b2c3d4-0000-0000-0000-000000000001","errorcode_message":"Insufficient capacity in the AZ."}`),
						Resources: ResourceIDs{ServerID: "a1b2c3d4-0000-0000-0000-000000000001"},
					},
					{
						JobID: "ff80808288d41e1b0188d4a1f0e10002", JobType: "createSingleServer",
						State: "SUCCESS", Phase: PhaseSucceeded,
						BeginTime: at("2023-06-12T08:00:01Z"), EndTime: at("2023-06-12T08:00:40Z"),
						Entities:  raw(`{"server_id":"a1b2c3d4-0000-0000-0000-000000000002","nic_id":"b0000000-0000-0000-0000-000000000002"}`),
						Resources: ResourceIDs{ServerID: "a1b2c3d4-0000-0000-0000-000000000002", NICID: "b0000000-0000-0000-0000-000000000002"},
					},
				},
			},
			finished: true,
		},
		{
			name: "ECS awaiting payment", service: ServiceECS, fixture: "ecs-pending-payment.json",
			path: "/v1/" + project + "/jobs/ff80808288d41e1b0188d4a1f0e10003",
			wantJob: Job{
				JobID: "ff80808288d41e1b0188d4a1f0e10003", JobType: "createServer",
				State: "PENDING_PAYMENT", Phase: PhaseAwaitingPayment,
				BeginTime: at("2023-06-12T08:00:00Z"),
				Entities:  raw(`{"server_id":"c0000000-0000-0000-0000-000000000001"}`),
				Resources: ResourceIDs{ServerID: "c0000000-0000-0000-0000-000000000001"},
				RequestID: "req-ff80808288d41e1b0188d4a1f0e10003",
			},
		},
		{
			name: "ECS code and message only", service: ServiceECS, fixture: "ecs-code-message.json",
			path: "/v1/" + project + "/jobs/ff80808288d41e1b0188d4a1f0e10004",
			wantJob: Job{
				JobID: "ff80808288d41e1b0188d4a1f0e10004", // from the request
				Phase: PhaseUnknown, Code: "Ecs.0000", Message: "The job is being processed by another node.",
				RequestID: "req-ff80808288d41e1b0188d4a1f0e10004",
			},
		},
		{
			name: "EVS running, end time empty", service: ServiceEVS, fixture: "evs-running.json",
			path: "/v1/" + project + "/jobs/70a599e0-31e7-49b7-b260-868f441e862b",
			wantJob: Job{
				JobID: "70a599e0-31e7-49b7-b260-868f441e862b", JobType: "createVolume",
				State: "RUNNING", Phase: PhaseRunning, BeginTime: at("2016-01-25T20:00:00.155Z"),
				Entities:  raw(`{"volume_id":"bd5b12d0-3d2d-49ee-9f80-3ba8fd1e6e5a","name":"data-disk","size":10,"volume_type":"SATA"}`),
				Resources: ResourceIDs{VolumeID: "bd5b12d0-3d2d-49ee-9f80-3ba8fd1e6e5a"},
				RequestID: "req-70a599e0-31e7-49b7-b260-868f441e862b",
			},
		},
		{
			name: "IMS with its own time format", service: ServiceIMS, fixture: "ims-success.json",
			path: "/v1/" + project + "/jobs/4010b39b5281d3590152874bfa3b1604",
			wantJob: Job{
				JobID: "4010b39b5281d3590152874bfa3b1604", JobType: "createImageByInstance",
				State: "SUCCESS", Phase: PhaseSucceeded,
				BeginTime: at("2015-06-04T18:11:06.586Z"), EndTime: at("2015-06-04T18:16:15.385Z"),
				Entities: raw(`{"image_id":"4b0b1d8d-1e37-4d4f-b2f2-b5e6d2a5f0a1","image_name":"web-server-golden","current_task":"",` +
					`"results":[{"image_id":"4b0b1d8d-1e37-4d4f-b2f2-b5e6d2a5f0a1","project_id":"bbf1946d374b44a0a2a95533562ba954","status":"SUCCESS"}]}`),
				Resources: ResourceIDs{ImageID: "4b0b1d8d-1e37-4d4f-b2f2-b5e6d2a5f0a1"},
				Progress:  pct(100),
				RequestID: "req-4010b39b5281d3590152874bfa3b1604",
			},
			finished: true,
		},
		{
			// The SDK's sub-jobs of an IMS job are entities.sub_jobs_result;
			// entities.error_code and error say why it failed.
			name: "IMS batch with sub_jobs_result", service: ServiceIMS, fixture: "ims-batch-failed.json",
			path: "/v1/" + project + "/jobs/4010b39b5281d3590152874bfa3b1700",
			wantJob: Job{
				JobID: "4010b39b5281d3590152874bfa3b1700", JobType: "batchAddMembers",
				State: "FAIL", Phase: PhaseFailed,
				BeginTime: at("2023-03-02T08:00:00Z"), EndTime: at("2023-03-02T08:00:40Z"),
				ErrorCode: "IMG.0050", FailReason: "1 of 2 images could not be shared",
				Entities:     raw(`{"current_task":"","error":"1 of 2 images could not be shared","error_code":"IMG.0050"}`),
				SubJobsTotal: 2, RequestID: "req-4010b39b5281d3590152874bfa3b1700",
				SubJobs: []Job{
					{
						JobID: "4010b39b5281d3590152874bfa3b1701", JobType: "addMember", State: "SUCCESS", Phase: PhaseSucceeded,
						BeginTime: at("2023-03-02T08:00:01Z"), EndTime: at("2023-03-02T08:00:20Z"),
						Entities:  raw(`{"image_id":"c4f9d4f1-0b6a-4f0e-9c1e-2b0a7f5d3e11","image_name":"web-golden"}`),
						Resources: ResourceIDs{ImageID: "c4f9d4f1-0b6a-4f0e-9c1e-2b0a7f5d3e11"},
					},
					{
						JobID: "4010b39b5281d3590152874bfa3b1702", JobType: "addMember", State: "FAIL", Phase: PhaseFailed,
						BeginTime: at("2023-03-02T08:00:01Z"), EndTime: at("2023-03-02T08:00:39Z"),
						ErrorCode: "IMG.0051", FailReason: "the member project does not exist",
						Entities:  raw(`{"image_id":"c4f9d4f1-0b6a-4f0e-9c1e-2b0a7f5d3e12","image_name":"db-golden"}`),
						Resources: ResourceIDs{ImageID: "c4f9d4f1-0b6a-4f0e-9c1e-2b0a7f5d3e12"},
					},
				},
			},
			finished: true,
		},
		{
			// SDRS names what a job acted on by kind: the protected instance
			// before the group it is in; native_server_id is its server.
			name: "SDRS protected instances", service: ServiceSDRS, fixture: "sdrs-protected-instance.json",
			path: "/v1/" + project + "/jobs/0000000079c5b4b2017a0a8e9a0b0100",
			wantJob: Job{
				JobID: "0000000079c5b4b2017a0a8e9a0b0100", JobType: "batchCreateProtectedInstancesNoCG",
				State: "SUCCESS", Phase: PhaseSucceeded,
				BeginTime: at("2021-06-10T02:00:00Z"), EndTime: at("2021-06-10T02:03:05Z"),
				Entities:     raw(`{"server_group_id":"a8d8f7c4-1d2e-4f3a-9b8c-7d6e5f4a3b21"}`),
				Resources:    ResourceIDs{ResourceID: "a8d8f7c4-1d2e-4f3a-9b8c-7d6e5f4a3b21", ResourceType: "protection_group"},
				SubJobsTotal: 1, RequestID: "req-0000000079c5b4b2017a0a8e9a0b0100",
				SubJobs: []Job{{
					JobID: "0000000079c5b4b2017a0a8e9a0b0101", JobType: "createProtectedInstanceNoCG",
					State: "SUCCESS", Phase: PhaseSucceeded,
					BeginTime: at("2021-06-10T02:00:01Z"), EndTime: at("2021-06-10T02:03:00Z"),
					Entities: raw(`{"server_group_id":"a8d8f7c4-1d2e-4f3a-9b8c-7d6e5f4a3b21","protected_instance_id":"5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716",` +
						`"native_server_id":"0f1e2d3c-4b5a-4968-8776-655443322110"}`),
					Resources: ResourceIDs{ResourceID: "5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716", ResourceType: "protected_instance",
						ServerID: "0f1e2d3c-4b5a-4968-8776-655443322110"},
				}},
			},
			finished: true,
		},
		{
			name: "VPC initializing", service: ServiceVPC, fixture: "vpc-init.json",
			path: "/v1/" + project + "/jobs/ff8080826c9c4bd6016c9e8a6a5a0000",
			wantJob: Job{
				JobID: "ff8080826c9c4bd6016c9e8a6a5a0000", JobType: "batchCreateEIP",
				State: "INIT", Phase: PhasePending, BeginTime: at("2019-08-14T11:59:16.102Z"),
				SubJobsTotal: 1, RequestID: "req-ff8080826c9c4bd6016c9e8a6a5a0000",
				SubJobs: []Job{{
					JobID: "ff8080826c9c4bd6016c9e8a6a5a0001", JobType: "createEIP",
					State: "INIT", Phase: PhasePending, BeginTime: at("2019-08-14T11:59:16.102Z"),
					Entities: raw(`{"publicip_id":"f588ccfa-8750-4d7c-bf5d-2ede24414706"}`),
				}},
			},
		},
		{
			name: "classic ELB seed example", service: ServiceELB, fixture: "elb-success.json",
			path: "/v1.0/" + project + "/jobs/ff8080825ecc523f015ecd0a98f82f77",
			wantJob: Job{
				JobID: "ff8080825ecc523f015ecd0a98f82f77", JobType: "createELB",
				State: "SUCCESS", Phase: PhaseSucceeded,
				BeginTime: at("2017-09-29T09:49:37.399Z"), EndTime: at("2017-09-29T09:50:03.272Z"),
				Entities: raw(`{"elb":{"id":"ef265755daf84333baf4ddc1d91cbc2f","name":"1","type":"External","status":"ACTIVE","bandwidth":1,` +
					`"vip_address":"10.154.53.4","tenant_id":"cbc08e2f8c354c7aa7abb88d0a7d11dc","admin_state_up":false,"vpc_id":"21838be1-c1ce-4c09-9184-228cdb43038d"}}`),
				RequestID: "req-ff8080825ecc523f015ecd0a98f82f77",
			},
			finished: true,
		},
		{
			name: "classic ELB with top-level sub-jobs", service: ServiceELB, fixture: "elb-subjobs.json",
			path: "/v1.0/" + project + "/jobs/ff8080825ecc523f015ecd0a98f82f78",
			wantJob: Job{
				JobID: "ff8080825ecc523f015ecd0a98f82f78", JobType: "createELB",
				State: "RUNNING", Phase: PhaseRunning, BeginTime: at("2017-09-29T09:49:37.399Z"),
				Entities:     raw(`{"elb":{"id":"ef265755daf84333baf4ddc1d91cbc2f"}}`),
				SubJobsTotal: 2, RequestID: "req-ff8080825ecc523f015ecd0a98f82f78",
				SubJobs: []Job{
					{JobID: "s1", JobType: "createListener", State: "SUCCESS", Phase: PhaseSucceeded,
						BeginTime: at("2017-09-29T09:49:40Z"), EndTime: at("2017-09-29T09:49:50Z"),
						Entities: raw(`{"listener":{"id":"l-1"}}`)},
					{JobID: "s2", JobType: "addMember", State: "RUNNING", Phase: PhaseRunning,
						BeginTime: at("2017-09-29T09:49:51Z"), Entities: raw(`{"member":{"id":"m-1"}}`)},
				},
			},
		},
		{
			name: "ELB v3 rollback failed, request id from the body", service: ServiceELBv3, fixture: "elbv3-rollback-fail.json",
			path:   "/v3/" + project + "/elb/jobs/a6c7e0b3-5f43-4f8c-9a4e-6b1d2c3e4f50",
			answer: answer{noRequestID: true},
			wantJob: Job{
				JobID: "a6c7e0b3-5f43-4f8c-9a4e-6b1d2c3e4f50", JobType: "CREATE_LOADBALANCER",
				State: "ROLLBACK_FAIL", Phase: PhaseFailed,
				BeginTime: at("2022-11-08T09:20:00Z"), EndTime: at("2022-11-08T09:21:30Z"),
				ErrorCode: "ELB.8902", FailReason: "Failed to roll back the listener.",
				Resources:    ResourceIDs{ResourceID: "e5a3f0a8-1c2d-4e5f-8a9b-0c1d2e3f4a5b"},
				SubJobsTotal: 1, RequestID: "7c1f0d4e-elbv3-body-request-id",
				SubJobs: []Job{{
					JobID: "b1", JobType: "CREATE_LISTENER", State: "FAIL", Phase: PhaseFailed,
					BeginTime: at("2022-11-08T09:20:01Z"), EndTime: at("2022-11-08T09:20:30Z"),
					ErrorCode: "ELB.1001", FailReason: "Port 80 is in use.",
					Entities:  raw(`[{"resource_id":"9d7c6b5a-0000-0000-0000-000000000001","resource_type":"listener"}]`),
					Resources: ResourceIDs{ResourceID: "9d7c6b5a-0000-0000-0000-000000000001", ResourceType: "listener"},
				}},
			},
			finished: true,
		},
	}
	fc := newFakeCloud(t)
	client := newTestClient(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.answer
			a.body = readFixture(t, tt.fixture)
			fc.set(tt.path, a)
			req := fc.request(tt.service, tt.wantJob.JobID)
			job, err := client.GetJob(context.Background(), req)
			if err != nil {
				t.Fatalf("GetJob: %v", err)
			}
			if got := fc.lastRequest().URL.Path; got != tt.path {
				t.Errorf("requested %s, want %s", got, tt.path)
			}
			assertJob(t, "job", *job, tt.wantJob)
			if job.Phase.Finished() != tt.finished {
				t.Errorf("Finished() = %v, want %v", job.Phase.Finished(), tt.finished)
			}
		})
	}
}

func TestPhases(t *testing.T) {
	v1 := map[string]Phase{
		"INIT": PhasePending, "RUNNING": PhaseRunning, "SUCCESS": PhaseSucceeded, "FAIL": PhaseFailed,
		"PENDING_PAYMENT": PhaseAwaitingPayment, "success": PhaseSucceeded, " FAIL ": PhaseFailed, //nolint:gocritic // the padded key checks that phases are trimmed
		"COMPLETE": PhaseUnknown, "ROLLBACKING": PhaseUnknown, "": PhaseUnknown, "SUCCEEDED": PhaseUnknown,
	}
	v3 := map[string]Phase{
		"INIT": PhasePending, "RUNNING": PhaseRunning, "ROLLBACKING": PhaseRunning,
		"SUCCESS": PhaseSucceeded, "COMPLETE": PhaseSucceeded,
		"FAIL": PhaseFailed, "ROLLBACK_FAIL": PhaseFailed, "CANCEL": PhaseFailed,
		"PENDING_PAYMENT": PhaseUnknown, "ROLLBACKED": PhaseUnknown, "": PhaseUnknown,
	}
	for _, service := range []Service{ServiceBMS, ServiceECS, ServiceEVS, ServiceIMS, ServiceVPC, ServiceELB, ServiceELBv3, ServiceDCS, ServiceSDRS, ServiceDEH} {
		adapter, _ := AdapterFor(service)
		states, wrap := v1, func(s string) string { return s }
		if service == ServiceELBv3 {
			states, wrap = v3, func(s string) string { return `{"job":` + s + `}` }
		}
		for state, want := range states {
			body, _ := json.Marshal(map[string]string{"status": state})
			job, err := adapter.Decode([]byte(wrap(string(body))), JobRef{JobID: "j"})
			if err != nil {
				t.Errorf("%s: Decode(status %q): %v", service, state, err)
				continue
			}
			if job.Phase != want || job.State != cleanID(state) {
				t.Errorf("%s: status %q gives %q (state %q), want %q", service, state, job.Phase, job.State, want)
			}
		}
	}
}

func TestPhaseFinished(t *testing.T) {
	for phase, want := range map[Phase]bool{
		PhasePending: false, PhaseRunning: false, PhaseSucceeded: true, PhaseFailed: true,
		PhaseAwaitingPayment: false, PhaseUnknown: false, "": false,
	} {
		if got := phase.Finished(); got != want {
			t.Errorf("%q.Finished() = %v, want %v", phase, got, want)
		}
	}
}

func TestServicesAndPaths(t *testing.T) {
	want := []Service{ServiceBMS, ServiceCAE, ServiceCBR, ServiceCCE, ServiceCCEAutopilot, ServiceCFW, ServiceCSE,
		ServiceDCS, ServiceDDM, ServiceDDS, ServiceDEH, ServiceDWS, ServiceECS, ServiceELB, ServiceELBv3, ServiceEVS,
		ServiceGEIP, ServiceGeminiDB, ServiceIMS, ServiceKafka, ServiceOpenGauss, ServiceRabbitMQ, ServiceRDS,
		ServiceRocketMQ, ServiceSDRS, ServiceSFSTurbo, ServiceSWR, ServiceTaurusDB, ServiceVPC}
	want = slices.Insert(want, 1, ServiceBSS)
	if got := Services(); !slices.Equal(got, want) {
		t.Errorf("Services() = %v, want %v", got, want)
	}
	ref := JobRef{ProjectID: "p x", DomainID: "d", InstanceID: "i/1", EnvironmentID: "e", JobID: "j", OrderID: "o/1"}
	tests := map[Service]struct {
		host, path, query string
		header            map[string]string
		needs             Needs
	}{
		ServiceBMS:          {host: "bms", path: "/v1/p%20x/jobs/j"},
		ServiceECS:          {host: "ecs", path: "/v1/p%20x/jobs/j"},
		ServiceEVS:          {host: "evs", path: "/v1/p%20x/jobs/j"},
		ServiceIMS:          {host: "ims", path: "/v1/p%20x/jobs/j"},
		ServiceVPC:          {host: "vpc", path: "/v1/p%20x/jobs/j"},
		ServiceELB:          {host: "elb", path: "/v1.0/p%20x/jobs/j"},
		ServiceELBv3:        {host: "elb", path: "/v3/p%20x/elb/jobs/j"},
		ServiceCCE:          {host: "cce", path: "/api/v3/projects/p%20x/jobs/j"},
		ServiceCCEAutopilot: {host: "cce", path: "/autopilot/v3/projects/p%20x/jobs/j"},
		ServiceRDS:          {host: "rds", path: "/v3/p%20x/jobs", query: "id=j"},
		ServiceTaurusDB:     {host: "gaussdb", path: "/v3/p%20x/jobs", query: "id=j"},
		ServiceOpenGauss:    {host: "gaussdb-opengauss", path: "/v3/p%20x/jobs", query: "id=j"},
		ServiceDDS:          {host: "dds", path: "/v3/p%20x/jobs", query: "id=j"},
		ServiceGeminiDB:     {host: "gaussdb-nosql", path: "/v3/p%20x/jobs", query: "id=j"},
		ServiceDDM:          {host: "ddm", path: "/v3/p%20x/jobs/j"},
		ServiceDCS:          {host: "dcs", path: "/v2/p%20x/jobs/j"},
		ServiceKafka:        {host: "dms", path: "/v2/p%20x/instances/i%2F1/tasks/j", needs: Needs{Project: true, Instance: true}},
		ServiceRabbitMQ:     {host: "dms", path: "/v2/p%20x/instances/i%2F1/tasks/j", needs: Needs{Project: true, Instance: true}},
		ServiceRocketMQ:     {host: "dms", path: "/v2/p%20x/instances/i%2F1/tasks/j", needs: Needs{Project: true, Instance: true}},
		ServiceSFSTurbo:     {host: "sfs-turbo", path: "/v1/p%20x/sfs-turbo/jobs/j"},
		ServiceDWS:          {host: "dws", path: "/v1.0/p%20x/job/j"},
		ServiceCBR:          {host: "cbr", path: "/v3/p%20x/operation-logs/j"},
		ServiceGEIP:         {host: "geip", path: "/v3/d/geip/jobs/j", needs: Needs{Domain: true}},
		ServiceCFW:          {host: "cfw", path: "/v3/p%20x/jobs/j"},
		ServiceSWR:          {host: "swr", path: "/v2/p%20x/jobs/j"},
		ServiceCAE: {host: "cae", path: "/v1/p%20x/cae/jobs/j", header: map[string]string{"X-Environment-ID": "e"},
			needs: Needs{Project: true, Environment: true}},
		ServiceCSE:  {host: "cse", path: "/v2/p%20x/enginemgr/engines/i%2F1/jobs/j", needs: Needs{Project: true, Instance: true}},
		ServiceSDRS: {host: "sdrs", path: "/v1/p%20x/jobs/j"},
		ServiceDEH:  {host: "deh", path: "/v1/p%20x/jobs/j"},
		ServiceBSS:  {host: "bss", path: "/v2/orders/customer-orders/details/o%2F1", needs: Needs{Domain: true, Order: true}},
	}
	for _, service := range want {
		tt, ok := tests[service]
		if !ok {
			t.Errorf("%s: no row in this test", service)
			continue
		}
		a, _ := AdapterFor(service)
		loc := a.Locate(ref)
		if loc.Path != tt.path || loc.Query.Encode() != tt.query || !maps.Equal(loc.Header, tt.header) || loc.Body != nil {
			t.Errorf("%s: located at %s ? %s %v, want %s ? %s %v", service, loc.Path, loc.Query.Encode(), loc.Header, tt.path, tt.query, tt.header)
		}
		if a.Host() != tt.host {
			t.Errorf("%s host = %s, want %s", service, a.Host(), tt.host)
		}
		needs := tt.needs
		if needs == (Needs{}) {
			needs = Needs{Project: true}
		}
		if a.Needs() != needs {
			t.Errorf("%s needs %+v, want %+v", service, a.Needs(), needs)
		}
	}
	if _, ok := AdapterFor("nat"); ok {
		t.Error("AdapterFor(nat) found an adapter")
	}
}

// TestGetJobRequestIDHeaderWins: the header is the gateway's id, which support asks
// for; the ELB v3 body id only stands in for it.
func TestGetJobRequestIDHeaderWins(t *testing.T) {
	fc := newFakeCloud(t)
	const path = "/v3/bbf1946d374b44a0a2a95533562ba954/elb/jobs/a6c7e0b3-5f43-4f8c-9a4e-6b1d2c3e4f50"
	fc.set(path, answer{body: readFixture(t, "elbv3-rollback-fail.json"), header: map[string]string{"X-Request-Id": "header-id"}})
	job, err := newTestClient(Options{}).GetJob(context.Background(), fc.request(ServiceELBv3, "a6c7e0b3-5f43-4f8c-9a4e-6b1d2c3e4f50"))
	if err != nil {
		t.Fatal(err)
	}
	if job.RequestID != "header-id" {
		t.Errorf("RequestID = %q, want the header's", job.RequestID)
	}
	if job.SubJobs[0].RequestID != "" {
		t.Errorf("sub-job RequestID = %q, want empty", job.SubJobs[0].RequestID)
	}
}

// TestIMSSubJobResults: IMS's sub-jobs (entities.sub_jobs_result) and their
// count (entities.sub_jobs_list) are read leniently, as other sub-job lists
// are; a sub-job whose status is not a string makes the answer malformed.
func TestIMSSubJobResults(t *testing.T) {
	tests := []struct {
		name         string
		entities     string
		wantErr      bool
		wantSubJobs  int
		wantTotal    int
		wantEntities string
	}{
		{name: "more ids than results", entities: `{"sub_jobs_list":["a","b","c"],"sub_jobs_result":[{"status":"RUNNING","job_id":"a"}]}`,
			wantSubJobs: 1, wantTotal: 3},
		{name: "results not a list", entities: `{"sub_jobs_result":"none","image_id":"i"}`, wantEntities: `{"image_id":"i"}`},
		{name: "list not a list", entities: `{"sub_jobs_list":3,"sub_jobs_result":[{"status":"INIT"},"x"]}`, wantSubJobs: 1, wantTotal: 1},
		{name: "a result's status a number", entities: `{"sub_jobs_result":[{"status":1}]}`, wantErr: true},
		{name: "no results", entities: `{"image_id":"i","error":""}`, wantEntities: `{"error":"","image_id":"i"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job, err := imsAdapter.Decode([]byte(`{"status":"RUNNING","entities":`+tt.entities+`}`), JobRef{JobID: "j"})
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want one: %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if len(job.SubJobs) != tt.wantSubJobs || job.SubJobsTotal != tt.wantTotal || string(job.Entities) != tt.wantEntities {
				t.Errorf("sub-jobs %d of %d, entities %s; want %d of %d, %s", len(job.SubJobs), job.SubJobsTotal, job.Entities,
					tt.wantSubJobs, tt.wantTotal, tt.wantEntities)
			}
		})
	}
}

// TestELBv3ResourceTypes: the kind of an ELB v3 sub-job's resource is the
// resource_type of the entity naming it (elb/v3 JobEntities).
func TestELBv3ResourceTypes(t *testing.T) {
	tests := []struct {
		name, sub        string
		wantID, wantType string
	}{
		{name: "the entity naming the sub-job's resource", wantID: "l-1", wantType: "listener",
			sub: `{"status":"SUCCESS","resource_id":"l-1","entities":[{"resource_id":"lb-1","resource_type":"loadbalancer"},{"resource_id":"l-1","resource_type":"listener"}]}`},
		{name: "the first entity when the sub-job names no resource", wantID: "lb-1", wantType: "loadbalancer",
			sub: `{"status":"SUCCESS","entities":[{"resource_id":"lb-1","resource_type":"loadbalancer"},{"resource_id":"l-1","resource_type":"listener"}]}`},
		{name: "no type given", wantID: "l-1", sub: `{"status":"SUCCESS","entities":[{"resource_id":"l-1"},"junk",{"resource_type":null},{"resource_type":{}}]}`},
		{name: "a type without a resource is not recorded", sub: `{"status":"SUCCESS","entities":[{"resource_type":"listener"}]}`},
		{name: "entities not a list", wantID: "l-1", sub: `{"status":"SUCCESS","resource_id":"l-1","entities":{"resource_type":"listener"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job, err := elbv3Adapter.Decode([]byte(`{"job":{"status":"RUNNING","sub_jobs":[`+tt.sub+`]}}`), JobRef{JobID: "j"})
			if err != nil {
				t.Fatal(err)
			}
			if r := job.SubJobs[0].Resources; r.ResourceID != tt.wantID || r.ResourceType != tt.wantType {
				t.Errorf("resource %q (%q), want %q (%q)", r.ResourceID, r.ResourceType, tt.wantID, tt.wantType)
			}
		})
	}
}
