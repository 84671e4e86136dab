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
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// The shapes of the services beyond the v1 family, each in the field names,
// state words and time formats its API reference shows.

// Time formats of the services.
func cceTime(t time.Time) string   { return t.UTC().Format("2006-01-02 15:04:05.999999999 -0700 MST") }
func dbTime(t time.Time) string    { return t.UTC().Format("2006-01-02T15:04:05-0700") }
func epochText(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
func sfsTime(t time.Time) string   { return t.UTC().Format("2006-01-02 15:04:05") }
func cbrTime(t time.Time) string   { return t.UTC().Format("2006-01-02T15:04:05.000-07:00") }
func geipTime(t time.Time) string  { return t.UTC().Format("2006-01-02T15:04:05Z") }
func caeTime(t time.Time) string   { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// percent is the progress as a whole percentage.
func (v jobView) percent() int {
	if v.ended && !v.failed {
		return 100
	}
	return int(v.progress * 100)
}

func (v jobView) percentText() string { return fmt.Sprintf("%d%%", v.percent()) }

// updated is a last-update time: the end of an ended job, else its begin.
func (v jobView) updated(format func(time.Time) string) string {
	if v.ended {
		return format(v.end)
	}
	return format(v.tl.begin)
}

// cceBody is a CCE v3 job: a Kubernetes-like object whose sub-jobs are whole
// jobs, nested.
func (v jobView) cceBody() object {
	s := &v.job.spec
	subs := make([]object, len(v.subJobs))
	for i, sj := range v.subJobs {
		subs[i] = v.cceSubJob(sj)
	}
	extend := rawFields(s.Entities)
	if extend == nil {
		extend = object{}
	}
	return object{
		{"kind", "Job"},
		{"apiVersion", "v3"},
		{"metadata", object{{"uid", s.JobID}, {"creationTimestamp", cceTime(v.tl.begin)}, {"updateTimestamp", v.updated(cceTime)}}},
		{"spec", object{
			{"type", s.JobType}, {"clusterUID", s.Resources.ClusterID}, {"resourceID", s.Resources.ResourceID},
			{"resourceName", s.Resources.ResourceName}, {"extendParam", extend}, {"subJobs", subs},
		}},
		{"status", object{{"phase", v.say(v.state)}, {"reason", v.reason}}},
	}
}

func (v jobView) cceSubJob(sj subJobView) object {
	_, reason := subJobErrors(sj)
	subs := make([]object, len(sj.subs))
	for i, c := range sj.subs {
		subs[i] = v.cceSubJob(c)
	}
	r := sj.spec.Resources
	spec := object{{"type", sj.spec.JobType}, {"clusterUID", r.ClusterID}, {"resourceID", r.ResourceID}, {"resourceName", r.ResourceName}}
	if len(subs) > 0 {
		spec.set("subJobs", subs)
	}
	return object{
		{"kind", "Job"},
		{"apiVersion", "v3"},
		{"metadata", object{{"uid", sj.spec.JobID}}},
		{"spec", spec},
		{"status", object{{"phase", v.say(sj.state)}, {"reason", reason}}},
	}
}

// dbJob is the job object of the database family as each SDK model has it:
// RDS, TaurusDB and DDM call the progress process, openGauss, DDS and
// GeminiDB progress, and RDS, TaurusDB, DDM and GeminiDB show it only while
// the job runs ("" after). DDM names its times created_time and end_time and
// has no fail_reason; only RDS and TaurusDB have entities.
func (v jobView) dbJob(beginKey, endKey string) object {
	s := &v.job.spec
	job := object{{"id", s.JobID}, {"name", s.JobType}, {"status", v.say(v.state)},
		{beginKey, dbTime(v.tl.begin)}, {endKey, v.endTime(dbTime, nil)}}
	progressKey := "process"
	switch s.Service {
	case ServiceOpenGauss, ServiceDDS, ServiceGeminiDB:
		progressKey = "progress"
	}
	progress := v.percentText()
	if v.ended && s.Service != ServiceOpenGauss && s.Service != ServiceDDS {
		progress = ""
	}
	job.set(progressKey, progress)
	if r := s.Resources; r.InstanceID != "" {
		job.set("instance", object{{"id", r.InstanceID}, {"name", r.ResourceName}})
	}
	if entities := rawFields(s.Entities); entities != nil && (s.Service == ServiceRDS || s.Service == ServiceTaurusDB) {
		job.set("entities", entities)
	}
	if s.Service != ServiceDDM {
		job.set("fail_reason", nullable(v.reason))
	}
	return job
}

// dbBody is {"job": {...}} of RDS, TaurusDB, openGauss, DDS and DDM.
func (v jobView) dbBody() object {
	if v.job.spec.Service == ServiceDDM {
		return object{{"job", v.dbJob("created_time", "end_time")}}
	}
	return object{{"job", v.dbJob("created", "ended")}}
}

// geminiDBBody is GeminiDB's list answer.
func (v jobView) geminiDBBody() object {
	return object{{"total_count", 1}, {"jobs", []object{v.dbJob("start_time", "end_time")}}}
}

// dcsBody has the v1 fields with epoch milliseconds in strings.
func (v jobView) dcsBody() object {
	s := &v.job.spec
	return object{{"job_id", s.JobID}, {"job_type", s.JobType}, {"status", v.say(v.state)},
		{"begin_time", epochText(v.tl.begin)}, {"end_time", v.endTime(epochText, nil)}, {"fail_reason", nullable(v.reason)}}
}

// dmsBody is a DMS task list of one task; params is a JSON string.
func (v jobView) dmsBody() object {
	s := &v.job.spec
	params := "{}"
	if len(s.Entities) > 0 {
		var b bytes.Buffer
		if json.Compact(&b, s.Entities) == nil {
			params = b.String()
		}
	}
	task := object{{"id", s.JobID}, {"name", s.JobType}, {"user_name", "paas_dms"}, {"params", params},
		{"status", v.say(v.state)}, {"created_at", isoTime(v.tl.begin)}, {"updated_at", v.updated(isoTime)}}
	return object{{"task_count", "1"}, {"tasks", []object{task}}}
}

// sfsTurboBody has lower-case states, times without a zone and top-level
// sub_jobs.
func (v jobView) sfsTurboBody() object {
	s := &v.job.spec
	o := object{{"job_id", s.JobID}, {"status", v.say(v.state)}, {"job_type", s.JobType},
		{"begin_time", sfsTime(v.tl.begin)}, {"end_time", v.endTime(sfsTime, "")},
		{"error_code", nullable(v.errorCode)}, {"fail_reason", nullable(v.reason)}}
	if len(s.SubJobs) > 0 {
		subs := make([]object, len(v.subJobs))
		for i, sj := range v.subJobs {
			subs[i] = v.sfsTurboSubJob(sj)
		}
		o.set("sub_jobs", subs)
	}
	return o
}

func (v jobView) sfsTurboSubJob(sj subJobView) object {
	code, reason := subJobErrors(sj)
	return object{{"job_id", sj.spec.JobID}, {"status", v.say(sj.state)}, {"job_type", sj.spec.JobType},
		{"begin_time", sfsTime(sj.begin)}, {"end_time", subJobEnd(sj, sfsTime, "")},
		{"error_code", nullable(code)}, {"fail_reason", nullable(reason)}}
}

// dwsBody: job_name, a progress percentage and failed_code/failed_detail.
func (v jobView) dwsBody() object {
	s := &v.job.spec
	return object{{"job_id", s.JobID}, {"job_name", s.JobType}, {"status", v.say(v.state)}, {"progress", v.percentText()},
		{"begin_time", isoTime(v.tl.begin)}, {"end_time", v.endTime(isoTime, nil)},
		{"failed_code", nullable(v.errorCode)}, {"failed_detail", nullable(v.reason)}}
}

// cbrBody is the SDK's ShowOpLogResponse: error_info, and extra_info with the
// progress and the part the operation names its ids in: the backup made and
// its resource (backup, the default), the backup restored from and its
// target (restore), or the copy made (replication).
func (v jobView) cbrBody() object {
	s := &v.job.spec
	log := object{{"status", v.say(v.state)}, {"error_info", object{{"message", v.reason}, {"code", v.errorCode}}},
		{"created_at", cbrTime(v.tl.begin)}, {"started_at", cbrTime(v.tl.begin)}, {"ended_at", v.endTime(cbrTime, "")},
		{"updated_at", v.updated(cbrTime)}, {"id", s.JobID}, {"operation_type", s.JobType},
		{"extra_info", v.cbrExtraInfo()}, {"project_id", s.ProjectID}}
	return object{{"operation_log", log}}
}

func (v jobView) cbrExtraInfo() object {
	s := &v.job.spec
	r := s.Resources
	common := object{{"common", object{{"progress", v.percent()}, {"request_id", "req-" + s.JobID}}}}
	switch s.JobType {
	case "restore":
		return append(object{{"restore", object{{"backup_id", r.BackupID}, {"target_resource_id", r.ResourceID},
			{"target_resource_name", r.ResourceName}}}}, common...)
	case "replication", "copy":
		return append(object{{"replication", object{{"destination_backup_id", r.BackupID}}}}, common...)
	}
	return append(object{
		{"resource", object{{"type", r.ResourceType}, {"id", r.ResourceID}, {"name", r.ResourceName}}},
		{"backup", object{{"backup_id", r.BackupID}}},
	}, common...)
}

// geipBody is the SDK's ShowJobsResponse: the job wrapped beside the request
// id, its operation in action, its begin in start_time, times in the SDK's
// "2006-01-02T15:04:05Z", and no resource id.
func (v jobView) geipBody() object {
	s := &v.job.spec
	job := object{{"id", s.JobID}, {"action", s.JobType}, {"status", v.say(v.state)},
		{"error_task", nil}, {"error_code", nullable(v.errorCode)}, {"error_message", nullable(v.reason)},
		{"start_time", geipTime(v.tl.begin)}, {"end_time", v.endTime(geipTime, nil)}}
	return object{{"request_id", v.requestID}, {"job", job}}
}

// cfwBody wraps the job in data.
func (v jobView) cfwBody() object {
	s := &v.job.spec
	return object{{"data", object{{"id", s.JobID}, {"status", v.say(v.state)},
		{"begin_time", isoTime(v.tl.begin)}, {"end_time", v.endTime(isoTime, nil)}}}}
}

// swrBody is the SDK's ShowInstanceJobResponse: the instance the job acts
// on and the resource inside it, reason, created_at and updated_at.
func (v jobView) swrBody() object {
	s := &v.job.spec
	r := s.Resources
	return object{{"id", s.JobID}, {"instance_id", r.InstanceID}, {"resource_id", r.ResourceID}, {"resource_name", r.ResourceName},
		{"type", s.JobType}, {"status", v.say(v.state)}, {"reason", v.reason},
		{"created_at", isoTime(v.tl.begin)}, {"updated_at", v.updated(isoTime)}}
}

// caeBody is the SDK's ShowJobResponse: no id, type or times of the job's
// own, its progress, and the sub-jobs as tasks, each with its times; a failed
// task's detail says why. The tasks exist from the job's creation, waiting in
// init until the job runs.
func (v jobView) caeBody() object {
	s := &v.job.spec
	subs := v.subJobs
	if subs == nil && v.tl.resolved && !v.tl.cancelled {
		subs = subJobViews(s.SubJobs, v.tl.runStart, v.at)
	}
	tasks := make([]object, len(subs))
	for i, sj := range subs {
		_, reason := subJobErrors(sj)
		updated := v.tl.begin
		if sj.state != StateInit {
			updated = sj.begin
		}
		if !sj.end.IsZero() {
			updated = sj.end
		}
		tasks[i] = object{{"index", i + 1}, {"name", sj.spec.JobType}, {"status", v.say(sj.state)}, {"detail", reason},
			{"created_at", caeTime(v.tl.begin)}, {"updated_at", caeTime(updated)}}
	}
	return object{
		{"api_version", "v1"},
		{"kind", "Job"},
		{"spec", object{{"progress", v.percent()}, {"status", v.say(v.state)}, {"tasks", tasks}}},
	}
}

// cseBody is the SDK's ShowEngineJobResponse: a numeric id where the job id
// is a number, the engine, epoch-millisecond times (0 while running), and
// the sub-jobs as stages whose own sub-jobs are their steps.
func (v jobView) cseBody() object {
	s := &v.job.spec
	stages := make([]object, len(v.subJobs))
	for i, sj := range v.subJobs {
		stages[i] = v.cseStage(sj)
	}
	end := any(0)
	if v.ended {
		end = v.end.UnixMilli()
	}
	scheduling := 0
	if v.state == StateRunning {
		scheduling = 1
	}
	return object{{"id", numericID(s.JobID, 0)}, {"engineId", s.InstanceID}, {"type", s.JobType}, {"description", ""},
		{"status", v.say(v.state)}, {"scheduling", scheduling}, {"createUser", "cloudsim"},
		{"startTime", v.tl.begin.UnixMilli()}, {"endTime", end}, {"context", ""}, {"tasks", stages}}
}

// cseStage is a stage of a CSE job (TaskSteps): its steps are the sub-job's
// own sub-jobs.
func (v jobView) cseStage(sj subJobView) object {
	names := make([]string, len(sj.subs))
	steps := make([]object, len(sj.subs))
	for i, step := range sj.subs {
		names[i] = step.spec.JobType
		steps[i] = object{{"jobId", numericID(v.job.spec.JobID, 0)}, {"id", numericID(step.spec.JobID, int64(i+1))},
			{"type", v.job.spec.JobType}, {"taskName", step.spec.JobType}, {"taskOrder", i + 1}, {"status", v.say(step.state)},
			{"startTime", step.begin.UnixMilli()}, {"endTime", millisOrZero(step.end)}}
	}
	return object{{"taskName", sj.spec.JobType}, {"taskNames", names}, {"status", v.say(sj.state)},
		{"startTime", sj.begin.UnixMilli()}, {"endTime", millisOrZero(sj.end)}, {"tasks", steps}}
}

// numericID is id as a number, as CSE's ids are, or fallback when id is not
// one.
func numericID(id string, fallback int64) any {
	if n, err := strconv.ParseInt(id, 10, 64); err == nil {
		return n
	}
	if fallback == 0 {
		return id
	}
	return fallback
}

// millisOrZero is t in epoch milliseconds, 0 for the zero time (not ended).
func millisOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
