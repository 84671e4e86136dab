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

package controller_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// serviceCase is what a service's CloudJobs must show once done.
type serviceCase struct {
	success, failure string // the state the service reports at the end
	progress         bool   // it reports a percentage
	noReason         bool   // it says nothing about why a job failed
	// order: it tracks an order (bss), which has no end time and whose
	// failure is a cancellation.
	order bool
	// script adds the service's ids and resources to a simulated job.
	script func(s *cloudsim.JobSpec)
	// check looks at the status of the job that succeeded.
	check func(t *testing.T, st *jobsv1alpha1.CloudJobStatus)
}

func withDBInstance(s *cloudsim.JobSpec) {
	s.Resources = cloudsim.Resources{InstanceID: "db-" + s.JobID[:8], ResourceName: "orders"}
}

func wantDBInstance(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
	if !strings.HasPrefix(st.InstanceID, "db-") {
		t.Errorf("instanceID %q", st.InstanceID)
	}
}

var dbCase = serviceCase{success: "Completed", failure: "Failed", progress: true, script: withDBInstance, check: wantDBInstance}

// serviceCases has a row for every service the operator knows.
var serviceCases = map[huaweicloud.Service]serviceCase{
	"bms": {success: "SUCCESS", failure: "FAIL"},
	"ecs": {success: "SUCCESS", failure: "FAIL"},
	"evs": {success: "SUCCESS", failure: "FAIL"},
	"ims": {success: "SUCCESS", failure: "FAIL", progress: true, script: func(s *cloudsim.JobSpec) {
		s.Resources = cloudsim.Resources{ImageID: "img-" + s.JobID[:8], ImageName: "golden"}
		s.SubJobs = []cloudsim.SubJobSpec{{JobType: "createImage", Running: secs(0.5), Resources: cloudsim.Resources{ImageID: "img-sub"}}}
	}, check: func(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
		// IMS's sub-jobs are entities.sub_jobs_result.
		if !strings.HasPrefix(st.ImageID, "img-") || st.SubJobsTotal != 1 || len(st.SubJobs) != 1 || st.SubJobs[0].ImageID != "img-sub" {
			t.Errorf("ims image %q, sub-jobs %d %+v", st.ImageID, st.SubJobsTotal, st.SubJobs)
		}
	}},
	"vpc": {success: "SUCCESS", failure: "FAIL"},
	"elb": {success: "SUCCESS", failure: "FAIL"},
	"elbv3": {success: "SUCCESS", failure: "FAIL", script: func(s *cloudsim.JobSpec) {
		s.Resources = cloudsim.Resources{ResourceID: "lb-" + s.JobID[:8]}
		s.SubJobs = []cloudsim.SubJobSpec{{JobType: "CREATE_LISTENER", Running: secs(0.5),
			Resources: cloudsim.Resources{ResourceID: "listener-1", ResourceType: "listener"}}}
	}, check: func(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
		// A sub-job's entities name its resource's kind.
		if !strings.HasPrefix(st.ResourceID, "lb-") || len(st.SubJobs) != 1 || st.SubJobs[0].ResourceID != "listener-1" ||
			st.SubJobs[0].ResourceType != "listener" {
			t.Errorf("elbv3 load balancer %q, sub-jobs %+v", st.ResourceID, st.SubJobs)
		}
	}},
	"sdrs": {success: "SUCCESS", failure: "FAIL", script: func(s *cloudsim.JobSpec) {
		s.Entities = json.RawMessage(`{"server_group_id":"pg-` + s.JobID[:8] + `"}`)
	}, check: func(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
		// The protection group the job created is its resource.
		if !strings.HasPrefix(st.ResourceID, "pg-") || st.ResourceType != "protection_group" {
			t.Errorf("sdrs resource %q (%q)", st.ResourceID, st.ResourceType)
		}
	}},
	"deh": {success: "SUCCESS", failure: "FAIL"},
	"dcs": {success: "SUCCESS", failure: "FAIL"},
	"cce": {success: "Success", failure: "Failed", script: func(s *cloudsim.JobSpec) {
		s.JobType = "CreateNodePool"
		s.Resources = cloudsim.Resources{ClusterID: "cluster-" + s.JobID[:8], ResourceID: "pool-" + s.JobID[:8]}
		s.SubJobs = []cloudsim.SubJobSpec{{JobID: s.JobID[:30] + "n1", JobType: "CreateNode", Running: secs(0.5),
			Resources: cloudsim.Resources{ResourceID: "node-1"},
			SubJobs: []cloudsim.SubJobSpec{{JobID: s.JobID[:30] + "i1", JobType: "InstallNode", Running: secs(0.5),
				Resources: cloudsim.Resources{ResourceID: "node-1"}}}}}
	}, check: func(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
		if !strings.HasPrefix(st.ClusterID, "cluster-") || !strings.HasPrefix(st.NodePoolID, "pool-") {
			t.Errorf("cce ids: cluster %q node pool %q", st.ClusterID, st.NodePoolID)
		}
		if st.SubJobsTotal != 2 || len(st.SubJobs) != 2 || st.SubJobs[0].NodeID != "node-1" || st.SubJobs[1].NodeID != "node-1" ||
			st.SubJobs[1].ParentJobID != st.SubJobs[0].JobID || st.SubJobsProgress != "2/2" {
			t.Errorf("cce nested sub-jobs: total %d, progress %q, %+v", st.SubJobsTotal, st.SubJobsProgress, st.SubJobs)
		}
	}},
	"cceautopilot": {success: "Success", failure: "Failed"},
	"rds":          dbCase,
	"taurusdb":     dbCase,
	"opengauss":    dbCase,
	"dds":          dbCase,
	"geminidb":     dbCase,
	// DDM's job (ddm/v1 JobInfo) has no fail_reason.
	"ddm": {success: "Completed", failure: "Failed", progress: true, noReason: true, script: withDBInstance, check: wantDBInstance},
	"kafka": {success: "SUCCESS", failure: "FAILED", noReason: true, script: func(s *cloudsim.JobSpec) {
		s.InstanceID = "kafka-1"
		s.Entities = json.RawMessage(`{"public_ip_id":"ip-1"}`)
	}, check: func(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
		if st.Entities == nil || !strings.Contains(string(st.Entities.Raw), "ip-1") {
			t.Errorf("kafka task params not kept: %v", st.Entities)
		}
	}},
	"rabbitmq": {success: "SUCCESS", failure: "FAILED", noReason: true, script: func(s *cloudsim.JobSpec) { s.InstanceID = "rabbit-1" }},
	"rocketmq": {success: "SUCCESS", failure: "FAILED", noReason: true, script: func(s *cloudsim.JobSpec) { s.InstanceID = "rocket-1" }},
	"sfsturbo": {success: "success", failure: "failed"},
	"dws":      {success: "SUCCESS", failure: "FAIL", progress: true},
	"cbr": {success: "success", failure: "failed", progress: true, script: func(s *cloudsim.JobSpec) {
		s.Resources = cloudsim.Resources{ResourceID: "srv-1", ResourceType: "OS::Nova::Server", ResourceName: "web", BackupID: "backup-1"}
	}, check: func(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
		if st.BackupID != "backup-1" || st.ResourceID != "srv-1" || st.ResourceType != "OS::Nova::Server" || st.ResourceName != "web" {
			t.Errorf("cbr ids %+v", st.ResourceIDs)
		}
	}},
	"geip": {success: "FINISH_SUCC", failure: "FINISH_ROLLBACK_SUCC", script: func(s *cloudsim.JobSpec) {
		s.JobType = "bindGeip"
	}, check: func(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
		// The job's action and start_time (the common checks want a begin time).
		if st.JobType != "bindGeip" {
			t.Errorf("geip job type %q, want the action bindGeip", st.JobType)
		}
	}},
	"cfw": {success: "Success", failure: "Failed", noReason: true},
	"swr": {success: "Success", failure: "Failed", script: func(s *cloudsim.JobSpec) {
		s.Resources = cloudsim.Resources{InstanceID: "swr-" + s.JobID[:8], ResourceID: "repo-1", ResourceName: "registry"}
	}, check: func(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
		if !strings.HasPrefix(st.InstanceID, "swr-") || st.ResourceID != "repo-1" || st.ResourceName != "registry" {
			t.Errorf("swr ids: instance %q resource %q (%q)", st.InstanceID, st.ResourceID, st.ResourceName)
		}
	}},
	"cae": {success: "success", failure: "failed", script: func(s *cloudsim.JobSpec) {
		s.EnvironmentID = "env-1"
		s.SubJobs = []cloudsim.SubJobSpec{{JobType: "Build", Running: secs(0.5)}}
	}},
	"cse": {success: "Finished", failure: "Error", noReason: true, script: func(s *cloudsim.JobSpec) {
		s.InstanceID = "engine-1"
		s.SubJobs = []cloudsim.SubJobSpec{{JobType: "CreateVM", Running: secs(0.5),
			SubJobs: []cloudsim.SubJobSpec{{JobType: "CreateECS", Running: secs(0.5)}}}}
	}, check: func(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
		// engineId is the engine; a stage's steps are its sub-jobs.
		if st.InstanceID != "engine-1" {
			t.Errorf("cse engine %q", st.InstanceID)
		}
		if st.SubJobsTotal != 2 || len(st.SubJobs) != 2 || st.SubJobs[0].JobType != "CreateVM" || st.SubJobs[1].JobType != "CreateECS" {
			t.Errorf("cse stages and steps: total %d, %+v", st.SubJobsTotal, st.SubJobs)
		}
	}},
	"bss": {success: "5", failure: "4", order: true, script: func(s *cloudsim.JobSpec) {
		s.ResourcesAfter = secs(0.5)
		s.OrderResources = []cloudsim.OrderResource{{ID: "vm-1", Main: true}, {ID: "vol-1", Type: "hws.resource.type.volume", ParentID: "vm-1"}}
	}, check: func(t *testing.T, st *jobsv1alpha1.CloudJobStatus) {
		if st.ResourcesTotal != 2 || len(st.Resources) != 2 || st.Resources[0].ID != "vm-1" || st.Resources[1].ParentID != "vm-1" {
			t.Errorf("bss resources: %d %+v", st.ResourcesTotal, st.Resources)
		}
	}},
}

// TestEveryServiceSucceedsAndFails runs, for every service, a CloudJob whose
// cloud job succeeds and one whose job fails, through the real API server and
// the simulator, and checks what each status shows: phase, the service's own
// state, times, ids, progress, the failure's code and reason, and conditions.
// The database jobs also answer "not found" for their first second, which
// the not-found grace covers.
func TestEveryServiceSucceedsAndFails(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	for _, service := range huaweicloud.Services() {
		tc, ok := serviceCases[service]
		if !ok {
			t.Errorf("service %s has no row in serviceCases", service)
			continue
		}
		for _, outcome := range []cloudsim.Outcome{cloudsim.OutcomeSuccess, cloudsim.OutcomeFail} {
			spec := cloudsim.JobSpec{Service: cloudsim.Service(service), JobID: fmt.Sprintf("%s%s%032d", service, outcome, 0)[:32],
				Init: secs(0.3), Running: secs(1.5), Outcome: outcome}
			if adapter, _ := huaweicloud.AdapterFor(service); adapter.Host() == "rds" || strings.HasPrefix(adapter.Host(), "gaussdb") || adapter.Host() == "dds" {
				spec.StartOffset = secs(1) // unknown to the API at first
			}
			if outcome == cloudsim.OutcomeFail {
				spec.ErrorCode, spec.FailReason = "SVC.0042", "quota exhausted in "+string(service)
			}
			if tc.script != nil {
				tc.script(&spec)
			}
			if outcome == cloudsim.OutcomeFail && len(spec.SubJobs) > 0 {
				// CAE says why only in the failed task.
				sub := &spec.SubJobs[0]
				sub.Outcome, sub.ErrorCode, sub.FailReason = cloudsim.OutcomeFail, spec.ErrorCode, spec.FailReason
			}
			f.simJob(spec)
			f.cloudJob(cloudJobName(service, outcome), jobsv1alpha1.Service(service), spec.JobID, func(j *jobsv1alpha1.CloudJob) {
				j.Spec.InstanceID, j.Spec.EnvironmentID = spec.InstanceID, spec.EnvironmentID
				switch service {
				case huaweicloud.ServiceGEIP:
					j.Spec.ProjectID, j.Spec.DomainID = "", f.project
				case huaweicloud.ServiceBSS:
					j.Spec.ProjectID, j.Spec.DomainID, j.Spec.JobID, j.Spec.OrderID = "", f.project, "", spec.JobID
				}
			})
		}
	}
	for _, service := range huaweicloud.Services() {
		tc := serviceCases[service]
		t.Run(string(service), func(t *testing.T) {
			ok := f.waitFor(cloudJobName(service, cloudsim.OutcomeSuccess), 30*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
			st := &ok.Status
			if st.Phase != jobsv1alpha1.PhaseSucceeded || st.State != tc.success || condStatus(ok, jobsv1alpha1.ConditionReady) != metav1.ConditionTrue {
				t.Errorf("succeeded: phase %s, state %q (want %q), %s", st.Phase, st.State, tc.success, testenv.ConditionsText(ok))
			}
			if st.BeginTime == nil || st.EndTime == nil && !tc.order || st.StartTime == nil || st.CompletionTime == nil || st.EndTime != nil && st.EndTime.Before(st.BeginTime) {
				t.Errorf("succeeded: times begin %v end %v start %v completion %v", st.BeginTime, st.EndTime, st.StartTime, st.CompletionTime)
			}
			if st.JobType == "" && service != huaweicloud.ServiceCFW && service != huaweicloud.ServiceCAE { // neither names its operation
				t.Errorf("succeeded: no job type")
			}
			if tc.progress != (st.Progress != nil) || st.Progress != nil && *st.Progress != 100 {
				t.Errorf("succeeded: progress %v (reported: %v)", st.Progress, tc.progress)
			}
			if tc.check != nil {
				tc.check(t, st)
			}

			failed := f.waitFor(cloudJobName(service, cloudsim.OutcomeFail), 30*time.Second, "failed", succeededIs(metav1.ConditionFalse))
			fs := &failed.Status
			stalled := cond(failed, jobsv1alpha1.ConditionStalled)
			wantReason := jobsv1alpha1.ReasonJobFailed
			if tc.order {
				wantReason = jobsv1alpha1.ReasonOrderCancelled
			}
			if fs.Phase != jobsv1alpha1.PhaseFailed || fs.State != tc.failure || stalled.Status != metav1.ConditionTrue || stalled.Reason != wantReason {
				t.Errorf("failed: phase %s, state %q (want %q), %s", fs.Phase, fs.State, tc.failure, testenv.ConditionsText(failed))
			}
			if fs.EndTime == nil && !tc.order || fs.CompletionTime == nil {
				t.Errorf("failed: end %v completion %v", fs.EndTime, fs.CompletionTime)
			}
			if !tc.noReason && !tc.order {
				reason := "quota exhausted in " + string(service)
				if fs.FailReason != reason || !strings.Contains(stalled.Message, reason) {
					t.Errorf("failed: failReason %q, Stalled message %q, want %q", fs.FailReason, stalled.Message, reason)
				}
			}
		})
	}
}

func cloudJobName(service huaweicloud.Service, outcome cloudsim.Outcome) string {
	return string(service) + "-" + strings.ToLower(string(outcome))
}

// TestDeletedDatabaseJobRecordKeepsResult: RDS users can delete job records;
// a finished CloudJob keeps its result when the record is gone.
func TestDeletedDatabaseJobRecordKeepsResult(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	job := f.simJob(cloudsim.JobSpec{Service: "rds", Init: secs(0.2), Running: secs(0.5), Resources: cloudsim.Resources{InstanceID: "db-1"}})
	f.cloudJob("deleted-record", "rds", job.Spec.JobID)
	f.waitFor("deleted-record", 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	if err := sim.DeleteJob(f.project, job.Spec.JobID); err != nil {
		t.Fatal(err)
	}
	var cj jobsv1alpha1.CloudJob
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: "deleted-record"}, &cj); err != nil {
		t.Fatal(err)
	}
	cj.Spec.PollInterval = &metav1.Duration{Duration: 30 * time.Second}
	if err := env.Client.Update(context.Background(), &cj); err != nil {
		t.Fatal(err)
	}
	got := f.waitFor("deleted-record", 10*time.Second, "observed", func(j *jobsv1alpha1.CloudJob) bool {
		return j.Status.ObservedGeneration == j.Generation
	})
	if got.Status.Phase != jobsv1alpha1.PhaseSucceeded || got.Status.State != "Completed" || got.Status.InstanceID != "db-1" {
		t.Errorf("the recorded result changed: phase %s state %s instance %s", got.Status.Phase, got.Status.State, got.Status.InstanceID)
	}
	f.waitForEvents("deleted-record", jobsv1alpha1.EventReasonRecordExpired)
}

// TestUnknownStateKeepsPolling: a state the operator does not know (here a CCE
// phase) is Unknown and Reconciling, never an end; the job is still followed
// to its end.
func TestUnknownStateKeepsPolling(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	job := f.simJob(cloudsim.JobSpec{Service: "cce", Init: secs(0.2), Running: secs(0.3), FinalState: "Upgrading"})
	f.cloudJob("novel-state", "cce", job.Spec.JobID)
	got := f.waitFor("novel-state", 15*time.Second, "showing the new state", func(j *jobsv1alpha1.CloudJob) bool {
		return j.Status.State == "Upgrading"
	})
	time.Sleep(500 * time.Millisecond)
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(got), got); err != nil {
		t.Fatal(err)
	}
	if got.Status.Phase != jobsv1alpha1.PhaseUnknown || condStatus(got, jobsv1alpha1.ConditionReconciling) != metav1.ConditionTrue ||
		condStatus(got, jobsv1alpha1.ConditionSucceeded) != metav1.ConditionUnknown || got.Status.CompletionTime != nil {
		t.Errorf("an unknown state ended the job: phase %s, %s", got.Status.Phase, testenv.ConditionsText(got))
	}
	if c := cond(got, jobsv1alpha1.ConditionReconciling); c.Reason != jobsv1alpha1.ReasonUnknownState {
		t.Errorf("Reconciling reason %q", c.Reason)
	}
}

// TestUnreadableTimeIsReportedOnce: a begin time no layout reads is left out
// of status and named in one UnreadableTime event, however often it is seen.
func TestUnreadableTimeIsReportedOnce(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	job := f.simJob(cloudsim.JobSpec{Service: "rds", Init: secs(1), Running: secs(3)})
	if err := sim.AddFaults(cloudsim.FaultRule{Kind: cloudsim.FaultUnreadableTime, ProjectID: f.project, JobID: job.Spec.JobID}); err != nil {
		t.Fatal(err)
	}
	f.cloudJob("odd-time", "rds", job.Spec.JobID)
	got := f.waitFor("odd-time", 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	if got.Status.BeginTime != nil || got.Status.EndTime == nil || got.Status.StartTime == nil {
		t.Errorf("begin %v end %v start %v", got.Status.BeginTime, got.Status.EndTime, got.Status.StartTime)
	}
	if requests := jobRequests(t, job.Spec.JobID); requests < 2 {
		t.Fatalf("only %d polls; the test needs the time seen more than once", requests)
	}
	f.waitForEvents("odd-time", jobsv1alpha1.EventReasonUnreadableTime)
	var list eventsv1.EventList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(f.ns)); err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, e := range list.Items {
		if e.Regarding.Name == "odd-time" && e.Reason == jobsv1alpha1.EventReasonUnreadableTime {
			notes = append(notes, e.Note)
			if e.Series != nil && e.Series.Count > 1 {
				t.Errorf("the event repeated %d times", e.Series.Count)
			}
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0], `created="sometime on Tuesday"`) || !strings.Contains(notes[0], "rds") {
		t.Errorf("UnreadableTime events: %q", notes)
	}
}
