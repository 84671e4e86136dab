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

package cloudsim

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// model is the fields of one object of a response model in Huawei's Go SDK
// (huaweicloud-sdk-go-v3 v0.1.224, services/<svc>/<version>/model): each
// field's own model where it holds an object or a list of objects, nil for
// any other value. docs/service-models.md names the model of each service.
type model map[string]model

// anyFields is a free-form object: a map in the model (CCE's extendParam),
// or one the SDK types as interface{}.
var anyFields = model{"*": nil}

// The job models of the BMS shape.
var (
	bmsModel = model{"status": nil, "job_id": nil, "job_type": nil, "begin_time": nil, "end_time": nil, "error_code": nil,
		"fail_reason": nil, "message": nil, "code": nil,
		"entities": model{"server_id": nil, "nic_id": nil, "sub_jobs_total": nil, "sub_jobs": model{"status": nil,
			"job_id": nil, "job_type": nil, "begin_time": nil, "end_time": nil, "error_code": nil, "fail_reason": nil,
			"message": nil, "code": nil, "entities": model{"server_id": nil, "nic_id": nil, "errorcode_message": nil}}}}
	ecsModel = model{"status": nil, "job_id": nil, "job_type": nil, "begin_time": nil, "end_time": nil, "error_code": nil,
		"fail_reason": nil, "message": nil, "code": nil,
		"entities": model{"server_id": nil, "nic_id": nil, "sub_jobs_total": nil, "sub_jobs": model{"status": nil,
			"job_id": nil, "job_type": nil, "begin_time": nil, "end_time": nil, "error_code": nil, "fail_reason": nil,
			"entities": model{"server_id": nil, "nic_id": nil, "errorcode_message": nil}}}}
	evsVolume = model{"volume_type": nil, "size": nil, "volume_id": nil, "name": nil}
	evsModel  = model{"status": nil, "job_id": nil, "job_type": nil, "begin_time": nil, "end_time": nil, "error_code": nil,
		"fail_reason": nil, "entities": with(evsVolume, "sub_jobs", model{"status": nil, "job_id": nil, "job_type": nil,
			"begin_time": nil, "end_time": nil, "error_code": nil, "fail_reason": nil, "entities": evsVolume})}
	imsModel = model{"status": nil, "job_id": nil, "job_type": nil, "begin_time": nil, "end_time": nil, "error_code": nil,
		"fail_reason": nil, "entities": model{"image_id": nil, "current_task": nil, "image_name": nil,
			"addition_error_code": nil, "addition_error_msg": nil, "error_code": nil, "error": nil, "alarm_code": nil,
			"process_percent": nil, "results": model{"image_id": nil, "project_id": nil, "status": nil},
			"sub_jobs_result": model{"status": nil, "job_id": nil, "job_type": nil, "begin_time": nil, "end_time": nil,
				"error_code": nil, "fail_reason": nil, "entities": model{"image_id": nil, "image_name": nil}},
			"sub_jobs_list": nil}}
	// eip/v2's sub-jobs are interface{}, "of the main job's type".
	vpcModel = model{"status": nil, "job_id": nil, "job_type": nil, "begin_time": nil, "end_time": nil, "error_code": nil,
		"fail_reason": nil, "entities": model{"sub_jobs": model{"status": nil, "job_id": nil, "job_type": nil,
			"begin_time": nil, "end_time": nil, "error_code": nil, "fail_reason": nil, "entities": anyFields}}}
	sdrsIDs   = model{"replication_pair_id": nil, "volume_ids": nil, "server_group_id": nil, "protected_instance_id": nil, "native_server_id": nil, "nic_id": nil}
	sdrsModel = model{"status": nil, "job_id": nil, "job_type": nil, "begin_time": nil, "end_time": nil, "error_code": nil,
		"fail_reason": nil, "entities": with(sdrsIDs, "sub_jobs", model{"status": nil, "job_id": nil, "job_type": nil,
			"begin_time": nil, "end_time": nil, "error_code": nil, "fail_reason": nil, "entities": sdrsIDs})}
)

// The other services' models.
var (
	elbv3Job   = model{"status": nil, "begin_time": nil, "end_time": nil, "job_id": nil, "job_type": nil, "error_code": nil, "error_msg": nil, "project_id": nil, "resource_id": nil}
	elbv3Model = model{"request_id": nil, "job": with(elbv3Job, "sub_jobs", with(elbv3Job, "entities", model{"resource_id": nil, "resource_type": nil}))}

	cceSpec  = model{"type": nil, "clusterUID": nil, "resourceID": nil, "resourceName": nil, "extendParam": anyFields}
	cceModel = func() model {
		job := model{"kind": nil, "apiVersion": nil, "metadata": model{"uid": nil, "creationTimestamp": nil, "updateTimestamp": nil},
			"spec": cceSpec, "status": model{"phase": nil, "reason": nil}}
		cceSpec["subJobs"] = job // sub-jobs are whole jobs, to any depth
		return job
	}()

	dbInstance = model{"id": nil, "name": nil}
	rdsModel   = model{"job": model{"id": nil, "name": nil, "status": nil, "created": nil, "ended": nil, "process": nil,
		"instance": dbInstance, "fail_reason": nil, "entities": model{"instance": anyFields, "resource_ids": nil, "volume": anyFields,
			"public_ip": nil, "switch_strategy": nil}}}
	taurusDBModel = model{"job": model{"id": nil, "name": nil, "status": nil, "created": nil, "ended": nil, "process": nil,
		"instance": dbInstance, "entities": model{}, "fail_reason": nil}}
	openGaussModel = model{"job": model{"id": nil, "name": nil, "status": nil, "created": nil, "ended": nil, "progress": nil,
		"instance": dbInstance, "fail_reason": nil}}
	geminiDBModel = model{"total_count": nil, "jobs": model{"id": nil, "name": nil, "status": nil, "start_time": nil, "end_time": nil,
		"progress": nil, "instance": dbInstance, "fail_reason": nil}}
	ddmModel = model{"job": model{"id": nil, "name": nil, "status": nil, "created_time": nil, "end_time": nil, "process": nil,
		"instance": dbInstance}}

	dcsModel = model{"job_id": nil, "job_type": nil, "status": nil, "begin_time": nil, "end_time": nil, "fail_reason": nil}
	dmsModel = model{"task_count": nil, "tasks": model{"id": nil, "name": nil, "user_name": nil, "user_id": nil, "params": nil,
		"status": nil, "created_at": nil, "updated_at": nil}}
	sfsTurboJob   = model{"status": nil, "job_id": nil, "job_type": nil, "begin_time": nil, "end_time": nil, "error_code": nil, "fail_reason": nil}
	sfsTurboModel = with(sfsTurboJob, "sub_jobs", sfsTurboJob)
	dwsModel      = model{"job_id": nil, "job_name": nil, "begin_time": nil, "end_time": nil, "status": nil, "failed_code": nil,
		"failed_detail": nil, "progress": nil}
	cbrModel = model{"operation_log": model{"checkpoint_id": nil, "created_at": nil, "ended_at": nil,
		"error_info": model{"code": nil, "message": nil},
		"extra_info": model{
			"backup": model{"app_consistency_error_code": nil, "app_consistency_error_message": nil, "app_consistency_status": nil,
				"backup_id": nil, "backup_name": nil, "incremental": nil},
			"common":           model{"progress": nil, "request_id": nil, "task_id": nil},
			"delete":           model{"backup_id": nil, "backup_name": nil},
			"sync":             anyFields,
			"remove_resources": anyFields,
			"replication": model{"destination_backup_id": nil, "destination_checkpoint_id": nil, "destination_project_id": nil,
				"destination_region": nil, "source_backup_id": nil, "source_checkpoint_id": nil, "source_project_id": nil,
				"source_region": nil, "source_backup_name": nil, "destination_backup_name": nil},
			"resource":               model{"extra_info": anyFields, "id": nil, "name": nil, "type": nil},
			"restore":                model{"backup_id": nil, "backup_name": nil, "target_resource_id": nil, "target_resource_name": nil},
			"vault_delete":           anyFields,
			"update_expiration_time": anyFields,
		},
		"id": nil, "operation_type": nil, "policy_id": nil, "project_id": nil, "provider_id": nil, "started_at": nil, "status": nil,
		"updated_at": nil, "vault_id": nil, "vault_name": nil}}
	geipModel = model{"request_id": nil, "job": model{"id": nil, "action": nil, "status": nil, "error_task": nil, "error_code": nil,
		"error_message": nil, "start_time": nil, "end_time": nil}}
	cfwModel = model{"data": model{"id": nil, "status": nil, "begin_time": nil, "end_time": nil}}
	swrModel = model{"id": nil, "instance_id": nil, "resource_id": nil, "resource_name": nil, "type": nil, "status": nil, "reason": nil,
		"created_at": nil, "updated_at": nil}
	caeModel = model{"api_version": nil, "kind": nil, "spec": model{"progress": nil, "status": nil,
		"tasks": model{"index": nil, "name": nil, "status": nil, "detail": nil, "created_at": nil, "updated_at": nil}}}
	cseBrief = model{"duration": nil, "description": nil}
	cseModel = model{"id": nil, "engineId": nil, "type": nil, "description": nil, "status": nil, "scheduling": nil, "createUser": nil,
		"startTime": nil, "endTime": nil, "context": nil,
		"tasks": model{"taskName": nil, "taskNames": nil, "status": nil, "startTime": nil, "endTime": nil, "taskExecutorBrief": cseBrief,
			"tasks": model{"jobId": nil, "id": nil, "type": nil, "assigned": nil, "taskName": nil, "engineName": nil, "taskOrder": nil,
				"status": nil, "startTime": nil, "endTime": nil, "createTime": nil, "updateTime": nil, "timeout": nil, "log": nil,
				"output": nil, "taskExecutorBrief": cseBrief}}}
	bssModel = model{"total_count": nil, "order_info": model{"order_id": nil, "customer_id": nil, "service_type_code": nil,
		"service_type_name": nil, "source_type": nil, "status": nil, "order_type": nil, "amount_after_discount": nil,
		"official_amount": nil, "measure_id": nil, "create_time": nil, "payment_time": nil, "currency": nil, "contract_id": nil,
		"amount_info": anyFields, "user_name": nil, "pending_payment_end_time": nil, "sub_order_infos": anyFields},
		"order_line_items": model{"order_line_item_id": nil, "service_type_code": nil, "service_type_name": nil, "product_id": nil,
			"product_spec_desc": nil, "period_type": nil, "period_num": nil, "effective_time": nil, "expire_time": nil,
			"subscription_num": nil, "amount_after_discount": nil, "official_amount": nil, "amount_info": anyFields, "currency": nil,
			"category_code": nil, "product_owner_service": nil, "commercial_resource": nil, "base_product_info": anyFields, "order_id": nil}}
)

// with is m plus one field.
func with(m model, key string, sub model) model {
	out := model{key: sub}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// serviceModels is, for every service, the SDK model its answers follow and
// the paths ("a.b", "list[].c") its ended answer must hold because the
// operator reads them. Classic ELB has no job model in the SDK; DEH has none
// either and answers as ECS.
var serviceModels = map[Service]struct {
	model model
	needs []string
}{
	ServiceBMS:          {bmsModel, []string{"status", "job_id", "job_type", "begin_time", "end_time", "entities.sub_jobs[].entities.server_id"}},
	ServiceECS:          {ecsModel, []string{"status", "begin_time", "entities.server_id", "entities.sub_jobs[].entities.server_id"}},
	ServiceDEH:          {ecsModel, []string{"status", "begin_time", "entities.sub_jobs[].job_id"}},
	ServiceEVS:          {evsModel, []string{"status", "begin_time", "entities.volume_id", "entities.sub_jobs[].entities.volume_id"}},
	ServiceIMS:          {imsModel, []string{"status", "begin_time", "entities.image_id", "entities.process_percent", "entities.sub_jobs_result[].entities.image_id", "entities.sub_jobs_list"}},
	ServiceVPC:          {vpcModel, []string{"status", "begin_time", "entities.sub_jobs[].job_id"}},
	ServiceSDRS:         {sdrsModel, []string{"status", "begin_time", "entities.sub_jobs[].job_id"}},
	ServiceELB:          {nil, nil},
	ServiceELBv3:        {elbv3Model, []string{"request_id", "job.status", "job.begin_time", "job.resource_id", "job.sub_jobs[].entities[].resource_id"}},
	ServiceCCE:          {cceModel, []string{"status.phase", "metadata.uid", "metadata.creationTimestamp", "spec.clusterUID", "spec.subJobs[].spec.subJobs[].spec.resourceID"}},
	ServiceCCEAutopilot: {cceModel, []string{"status.phase", "metadata.creationTimestamp", "spec.resourceID"}},
	ServiceRDS:          {rdsModel, []string{"job.status", "job.created", "job.ended", "job.instance.id"}},
	ServiceTaurusDB:     {taurusDBModel, []string{"job.status", "job.created", "job.ended", "job.instance.id"}},
	ServiceOpenGauss:    {openGaussModel, []string{"job.status", "job.created", "job.progress", "job.instance.id"}},
	ServiceDDS:          {openGaussModel, []string{"job.status", "job.created", "job.progress", "job.instance.id"}},
	ServiceGeminiDB:     {geminiDBModel, []string{"jobs[].status", "jobs[].start_time", "jobs[].instance.id"}},
	ServiceDDM:          {ddmModel, []string{"job.status", "job.created_time", "job.end_time", "job.instance.id"}},
	ServiceDCS:          {dcsModel, []string{"status", "begin_time", "end_time"}},
	ServiceKafka:        {dmsModel, []string{"tasks[].status", "tasks[].created_at", "tasks[].params"}},
	ServiceRabbitMQ:     {dmsModel, []string{"tasks[].status", "tasks[].created_at"}},
	ServiceRocketMQ:     {dmsModel, []string{"tasks[].status", "tasks[].created_at"}},
	ServiceSFSTurbo:     {sfsTurboModel, []string{"status", "begin_time", "sub_jobs[].status"}},
	ServiceDWS:          {dwsModel, []string{"status", "job_name", "begin_time", "progress"}},
	ServiceCBR:          {cbrModel, []string{"operation_log.status", "operation_log.started_at", "operation_log.extra_info.backup.backup_id", "operation_log.extra_info.common.progress"}},
	ServiceGEIP:         {geipModel, []string{"job.status", "job.action", "job.start_time", "job.end_time"}},
	ServiceCFW:          {cfwModel, []string{"data.status", "data.begin_time"}},
	ServiceSWR:          {swrModel, []string{"status", "created_at", "instance_id", "resource_id", "resource_name"}},
	ServiceCAE:          {caeModel, []string{"spec.status", "spec.tasks[].created_at", "spec.tasks[].updated_at", "spec.tasks[].detail"}},
	ServiceCSE:          {cseModel, []string{"status", "engineId", "startTime", "tasks[].taskName", "tasks[].tasks[].taskName"}},
	ServiceBSS:          {bssModel, []string{"order_info.status", "order_info.create_time"}},
}

// TestAnswersFollowTheSDKModels renders every service's job, running and
// ended, succeeded and failed, with every resource id and a nested sub-job
// scripted, and checks that each answer uses only fields its SDK model has,
// at every depth, and holds the fields the operator reads.
func TestAnswersFollowTheSDKModels(t *testing.T) {
	h := newHarness(t, Config{})
	all := Resources{ServerID: "srv", NICID: "nic", VolumeID: "vol", ImageID: "img", ImageName: "golden", ResourceID: "res",
		ResourceType: "loadbalancer", ResourceName: "name", InstanceID: "ins", ClusterID: "cls", BackupID: "bak"}
	specs := map[Service][2]JobSpec{}
	for _, svc := range Services {
		if _, ok := serviceModels[svc]; !ok {
			t.Errorf("%s has no SDK model row", svc)
			continue
		}
		var pair [2]JobSpec
		for i, outcome := range []Outcome{OutcomeSuccess, OutcomeFail} {
			s := JobSpec{Service: svc, ProjectID: "p", JobID: fmt.Sprintf("%s-%d", svc, i), Init: dur(10 * time.Second), Running: dur(time.Minute),
				Outcome: outcome, Resources: all,
				SubJobs: []SubJobSpec{{JobType: "step", Running: dur(30 * time.Second), Resources: all,
					SubJobs: []SubJobSpec{{JobType: "inner", Running: dur(20 * time.Second), Resources: all}}}}}
			if services[svc].needsInstance {
				s.InstanceID = "ins"
			}
			if services[svc].needsEnvironment {
				s.EnvironmentID = "env"
			}
			if svc == ServiceBSS {
				s.SubJobs = nil
			}
			if outcome == OutcomeFail {
				s.ErrorCode, s.FailReason = "E.1", "it broke"
				if len(s.SubJobs) > 0 {
					s.SubJobs[0].Outcome, s.SubJobs[0].ErrorCode, s.SubJobs[0].FailReason = OutcomeFail, "E.2", "step broke"
				}
			}
			pair[i] = s
		}
		h.add(pair[0], pair[1])
		specs[svc] = pair
	}
	var elapsed time.Duration
	for _, at := range []time.Duration{time.Second, 40 * time.Second, 2 * time.Minute} {
		h.clock.Step(at - elapsed)
		elapsed = at
		for _, svc := range Services {
			m, ok := serviceModels[svc]
			if !ok || m.model == nil {
				continue
			}
			for _, spec := range specs[svc] {
				r := h.getJob(spec)
				if r.body == nil {
					t.Fatalf("%s %s: %d %s", svc, spec.JobID, r.code, r.raw)
				}
				for _, off := range offModel("", r.body, m.model) {
					t.Errorf("%s at %v (%s): %s is not in the SDK model", svc, at, spec.Outcome, off)
				}
				if at == 2*time.Minute && spec.Outcome == OutcomeSuccess {
					for _, need := range m.needs {
						if !holds(r.body, need) {
							t.Errorf("%s ended: no %s in %s", svc, need, r.raw)
						}
					}
				}
			}
		}
	}
}

// offModel lists the fields of v, at any depth, that m has not.
func offModel(path string, v any, m model) []string {
	if m == nil {
		return nil
	}
	if _, free := m["*"]; free {
		return nil
	}
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, field := range v {
			sub, ok := m[k]
			if !ok {
				out = append(out, strings.TrimPrefix(path+"."+k, "."))
				continue
			}
			out = append(out, offModel(path+"."+k, field, sub)...)
		}
	case []any:
		for _, item := range v {
			out = append(out, offModel(path+"[]", item, m)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// holds reports whether v has a non-null value at path, where "list[]"
// steps into a list's first element.
func holds(v any, path string) bool {
	for _, step := range strings.Split(path, ".") {
		key, list := strings.CutSuffix(step, "[]")
		obj, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = obj[key]; !ok || v == nil {
			return false
		}
		if list {
			items, ok := v.([]any)
			if !ok || len(items) == 0 {
				return false
			}
			v = items[0]
		}
	}
	return v != nil
}
