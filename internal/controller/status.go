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

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
)

// The pure half of the controller: functions from (old status, what a poll
// learned, now) to the new status. They touch no cluster and no network, so the
// whole mapping is table-tested in status_test.go.

const (
	// maxEntitiesBytes bounds the entities kept per job, and maxSubJobEntitiesBytes
	// per sub-job, so that status stays far below etcd's object size limit.
	maxEntitiesBytes       = 16 << 10
	maxSubJobEntitiesBytes = 2 << 10
	// maxMessageBytes bounds condition messages.
	maxMessageBytes = 2 << 10
	// failedSubJobsInMessage is how many failed sub-jobs a message names.
	failedSubJobsInMessage = 3
	// resourcesInMessage is how many main resources of an order a message names.
	resourcesInMessage = 5
)

// problem is why a reconcile could not learn the job's state: a local problem
// (credentials, endpoint) or a cloud error.
type problem struct {
	reason  string
	message string
	// stalled: the job cannot progress until someone acts (Stalled=True);
	// otherwise the trouble is transient (Reconciling=True).
	stalled bool
	// retry is when to look again without a change (0: only on a change).
	retry time.Duration
}

// statusFromJob is the status after a poll that returned the job. It records
// everything the cloud said and sets the conditions for the job's phase.
func statusFromJob(old jobsv1alpha1.CloudJobStatus, generation int64, job *huaweicloud.Job, now time.Time) jobsv1alpha1.CloudJobStatus {
	st, open := reopen(old, generation)
	if !open {
		return st
	}
	st.Phase = phaseOf(job.Phase)
	rec := record(job, maxEntitiesBytes)
	if job.FollowUp {
		rec = continued(old.JobRecord, rec)
	}
	st.JobRecord = rec
	st.Code = job.Code
	st.Message = job.Message
	st.Progress = progressOf(old.Progress, job)
	var subs []subJob
	total := flattenSubJobs(job.SubJobs, job.SubJobsTotal, "", &subs)
	setSubJobs(&st, subs, total)
	if !job.FollowUp || job.OrderResourcesTotal > 0 {
		setOrderResources(&st, job.OrderResources, job.OrderResourcesTotal)
	}

	if job.BeginTime != nil {
		st.StartTime = timeOf(*job.BeginTime)
	} else if st.StartTime == nil {
		st.StartTime = timeOf(now)
	}

	unread := unreadSubJobsNote(job)
	switch job.Phase {
	case huaweicloud.PhaseSucceeded:
		st.CompletionTime = completion(job, now)
		setSucceeded(&st, generation, succeededMessage(&st, job, subs)+unread, now)
	case huaweicloud.PhaseFailed:
		st.CompletionTime = completion(job, now)
		if job.Cancelled {
			setFailed(&st, generation, jobsv1alpha1.ReasonOrderCancelled,
				fmt.Sprintf("the cloud reports %s: the order will not be carried out; place a new order and track its order id", job.Summary), now)
			break
		}
		setFailed(&st, generation, jobsv1alpha1.ReasonJobFailed, failedMessage(&st, subs)+unread, now)
	case huaweicloud.PhaseRunning:
		setProgressing(&st, generation, jobsv1alpha1.ReasonRunning, "the cloud reports "+stateText(job)+unread, now)
	case huaweicloud.PhasePending:
		setProgressing(&st, generation, jobsv1alpha1.ReasonInitializing, "the cloud reports "+stateText(job)+unread, now)
	case huaweicloud.PhaseAwaitingPayment:
		goesOn := "the job"
		if job.Summary != "" {
			goesOn = "it" // the order itself
		}
		setProgressing(&st, generation, jobsv1alpha1.ReasonAwaitingPayment,
			fmt.Sprintf("the cloud reports %s: pay the yearly/monthly order in the cloud console; %s goes on once it is paid%s",
				stateText(job), goesOn, unread), now)
	default:
		what := fmt.Sprintf("state %q", job.State)
		if job.Summary != "" {
			what = job.Summary
		}
		setProgressing(&st, generation, jobsv1alpha1.ReasonUnknownState,
			fmt.Sprintf("the cloud reports %s, which the operator does not know; it keeps polling%s", what, unread), now)
	}
	holdSmallProgress(&old, &st)
	return st
}

// unreadSubJobsNote says, for a condition message, how many sub-jobs the
// answer listed past what the operator decodes of one answer: they are in
// status.subJobsTotal and counted as running, but not read. "" when none.
func unreadSubJobsNote(job *huaweicloud.Job) string {
	if job.SubJobsUnread <= 0 {
		return ""
	}
	return fmt.Sprintf("; the answer lists %d more sub-jobs than the operator reads of one answer: they are counted in status.subJobsTotal and as running, but not read",
		job.SubJobsUnread)
}

// stateText is where the job stands, for messages: the API's own summary
// where its state is a code (an order's status), else "the job {state}".
func stateText(job *huaweicloud.Job) string {
	if job.Summary != "" {
		return job.Summary
	}
	return "the job " + job.State
}

// continued is the record of a follow-up answer (the resources of a completed
// order): what it leaves empty keeps the value the previous poll recorded.
func continued(old, rec jobsv1alpha1.JobRecord) jobsv1alpha1.JobRecord {
	if rec.JobType == "" {
		rec.JobType = old.JobType
	}
	if rec.BeginTime == nil {
		rec.BeginTime = old.BeginTime
	}
	if rec.EndTime == nil {
		rec.EndTime = old.EndTime
	}
	if rec.Entities == nil {
		rec.Entities = old.Entities
	}
	return rec
}

// setOrderResources records what an order produced: the exact total, and the
// first MaxOrderResources (the adapter puts main resources first).
func setOrderResources(st *jobsv1alpha1.CloudJobStatus, resources []huaweicloud.OrderResource, total int) {
	st.ResourcesTotal = saturated32(total)
	st.Resources = nil
	if len(resources) == 0 {
		return
	}
	resources = resources[:min(len(resources), jobsv1alpha1.MaxOrderResources)]
	st.Resources = make([]jobsv1alpha1.OrderResource, len(resources))
	for i, r := range resources {
		st.Resources[i] = jobsv1alpha1.OrderResource{ID: r.ID, Type: r.Type, Name: r.Name, Main: r.Main, ParentID: r.ParentID}
	}
}

// progressStep is the smallest change of status.progress written on its own.
const progressStep = 10

// progressOf is status.progress for what the cloud said: its figure, and 100
// once a job that reported progress succeeded (RDS clears process then).
func progressOf(old *int32, job *huaweicloud.Job) *int32 {
	if job.Phase == huaweicloud.PhaseSucceeded && (job.Progress != nil || old != nil) {
		return ptr.To[int32](100)
	}
	if job.Progress == nil {
		return nil
	}
	return ptr.To(int32(*job.Progress))
}

// holdSmallProgress keeps the recorded progress when it moved by less than
// progressStep points and nothing else changed: a job creeping forward a point
// per poll would otherwise cost a status write per poll. Any other change
// writes the latest figure with it, and 100 is always written.
func holdSmallProgress(old, st *jobsv1alpha1.CloudJobStatus) {
	if old.Progress == nil || st.Progress == nil || *st.Progress == 100 {
		return
	}
	if d := *st.Progress - *old.Progress; d >= progressStep || d <= -progressStep {
		return
	}
	held := st.DeepCopy()
	held.Progress = old.Progress
	if statusEqual(old, held) {
		st.Progress = old.Progress
	}
}

// phaseOf is status.phase for a phase of the cloud client.
func phaseOf(p huaweicloud.Phase) jobsv1alpha1.Phase {
	switch p {
	case huaweicloud.PhasePending:
		return jobsv1alpha1.PhasePending
	case huaweicloud.PhaseRunning:
		return jobsv1alpha1.PhaseRunning
	case huaweicloud.PhaseAwaitingPayment:
		return jobsv1alpha1.PhaseAwaitingPayment
	case huaweicloud.PhaseSucceeded:
		return jobsv1alpha1.PhaseSucceeded
	case huaweicloud.PhaseFailed:
		return jobsv1alpha1.PhaseFailed
	default:
		return jobsv1alpha1.PhaseUnknown
	}
}

// finishedPhase is status.phase of a recorded outcome, for a status written
// before status.phase existed.
func finishedPhase(st *jobsv1alpha1.CloudJobStatus) jobsv1alpha1.Phase {
	if st.Result() == jobsv1alpha1.ResultSucceeded {
		return jobsv1alpha1.PhaseSucceeded
	}
	return jobsv1alpha1.PhaseFailed
}

// reopen starts the next status from old for generation. A recorded outcome is
// final: then only observedGeneration is refreshed, and open is false.
func reopen(old jobsv1alpha1.CloudJobStatus, generation int64) (st jobsv1alpha1.CloudJobStatus, open bool) {
	st = *old.DeepCopy()
	st.ObservedGeneration = generation
	if old.Finished() {
		observeGeneration(&st, generation)
		if st.Phase == "" {
			st.Phase = finishedPhase(&st)
		}
		return st, false
	}
	return st, true
}

// statusFromProblem is the status after a reconcile that could not learn the
// job's state. The record of what the cloud said before stays as it was.
func statusFromProblem(old jobsv1alpha1.CloudJobStatus, generation int64, p problem, now time.Time) jobsv1alpha1.CloudJobStatus {
	st, open := reopen(old, generation)
	if !open {
		return st
	}
	if st.Phase == "" {
		// Nothing learned of the job yet.
		st.Phase = jobsv1alpha1.PhasePending
	}
	if p.stalled {
		setStalled(&st, generation, p.reason, p.message, now)
	} else {
		setProgressing(&st, generation, p.reason, p.message, now)
	}
	return st
}

// statusDeadlineExceeded is the status once spec.activeDeadlineSeconds passed
// before the job finished.
func statusDeadlineExceeded(old jobsv1alpha1.CloudJobStatus, generation int64, deadline int64, now time.Time) jobsv1alpha1.CloudJobStatus {
	st, open := reopen(old, generation)
	if !open {
		return st
	}
	last := st.State
	if last == "" {
		last = "never observed"
	}
	st.CompletionTime = timeOf(now)
	st.Phase = jobsv1alpha1.PhaseFailed
	setFailed(&st, generation, jobsv1alpha1.ReasonDeadlineExceeded,
		fmt.Sprintf("the job did not finish within spec.activeDeadlineSeconds (%ds); its last state was %s; polling stopped", deadline, last), now)
	return st
}

// statusEqual reports whether writing b over a would change nothing. Entities
// are compared as JSON values, since the API server re-encodes them.
func statusEqual(a, b *jobsv1alpha1.CloudJobStatus) bool {
	return equality.Semantic.DeepEqual(normalized(a), normalized(b))
}

func normalized(st *jobsv1alpha1.CloudJobStatus) *jobsv1alpha1.CloudJobStatus {
	c := st.DeepCopy()
	c.Entities = canonicalJSON(c.Entities)
	for i := range c.SubJobs {
		c.SubJobs[i].Entities = canonicalJSON(c.SubJobs[i].Entities)
	}
	return c
}

func canonicalJSON(j *apiextensionsv1.JSON) *apiextensionsv1.JSON {
	if j == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(j.Raw, &v); err != nil {
		return j
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return j
	}
	return &apiextensionsv1.JSON{Raw: raw}
}

// record maps a cloud job to its status record.
func record(job *huaweicloud.Job, maxEntities int) jobsv1alpha1.JobRecord {
	r := jobsv1alpha1.JobRecord{
		JobID:      job.JobID,
		JobType:    job.JobType,
		State:      job.State,
		ErrorCode:  job.ErrorCode,
		FailReason: job.FailReason,
		ResourceIDs: jobsv1alpha1.ResourceIDs{
			ServerID:     job.Resources.ServerID,
			NICID:        job.Resources.NICID,
			VolumeID:     job.Resources.VolumeID,
			ImageID:      job.Resources.ImageID,
			InstanceID:   job.Resources.InstanceID,
			ClusterID:    job.Resources.ClusterID,
			NodePoolID:   job.Resources.NodePoolID,
			NodeID:       job.Resources.NodeID,
			BackupID:     job.Resources.BackupID,
			ResourceID:   job.Resources.ResourceID,
			ResourceType: job.Resources.ResourceType,
			ResourceName: job.Resources.ResourceName,
		},
	}
	if job.BeginTime != nil {
		r.BeginTime = timeOf(*job.BeginTime)
	}
	if job.EndTime != nil {
		r.EndTime = timeOf(*job.EndTime)
	}
	r.Entities = entities(job.Entities, maxEntities)
	return r
}

// entities keeps a non-empty JSON object or array that fits the bound. A larger
// one is left out (its resource ids are still recorded) rather than cut into
// invalid JSON.
func entities(raw json.RawMessage, max int) *apiextensionsv1.JSON {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" || s == "{}" || s == "[]" || len(s) > max || !json.Valid([]byte(s)) {
		return nil
	}
	return canonicalJSON(&apiextensionsv1.JSON{Raw: []byte(s)})
}

// subJob is a sub-job of any depth, with the id of the sub-job it belongs to
// ("" for the job's own sub-jobs).
type subJob struct {
	job    *huaweicloud.Job
	parent string
}

// flattenSubJobs lists sub-jobs of every depth, each followed by its own, and
// counts them: the listed ones, plus those a level's reported total names but
// does not list. The count saturates at math.MaxInt32, what status holds: the
// totals the cloud reports are its own, and a few large ones must not wrap
// around to a small or negative count.
func flattenSubJobs(subs []huaweicloud.Job, reported int, parent string, out *[]subJob) (total int) {
	total = min(max(reported, len(subs)), math.MaxInt32)
	for i := range subs {
		*out = append(*out, subJob{job: &subs[i], parent: parent})
		total = min(total+flattenSubJobs(subs[i].SubJobs, subs[i].SubJobsTotal, subs[i].JobID, out), math.MaxInt32)
	}
	return total
}

// saturated32 is n as an int32, math.MaxInt32 for more.
func saturated32(n int) int32 {
	return int32(min(n, math.MaxInt32))
}

// setSubJobs records the sub-jobs of every depth (flattenSubJobs' list and
// total): exact counts, and a list bounded by MaxSubJobs that keeps failed
// sub-jobs first when it has to cut.
func setSubJobs(st *jobsv1alpha1.CloudJobStatus, subs []subJob, total int) {
	total = min(total, math.MaxInt32)
	st.SubJobsTotal = int32(total)
	st.SubJobs = nil
	st.SubJobCounts = nil
	st.SubJobsProgress = ""
	if total == 0 {
		return
	}
	var counts jobsv1alpha1.SubJobCounts
	for _, s := range subs {
		switch s.job.Phase {
		case huaweicloud.PhaseSucceeded:
			counts.Succeeded++
		case huaweicloud.PhaseFailed:
			counts.Failed++
		default:
			counts.Running++
		}
	}
	// Sub-jobs the cloud counts but does not list are not finished as far as we know.
	counts.Running = saturated32(int(counts.Running) + total - len(subs))
	st.SubJobCounts = &counts
	st.SubJobsProgress = fmt.Sprintf("%d/%d", counts.Succeeded, total)

	if len(subs) > jobsv1alpha1.MaxSubJobs {
		failedFirst := make([]subJob, 0, len(subs))
		for _, s := range subs {
			if s.job.Phase == huaweicloud.PhaseFailed {
				failedFirst = append(failedFirst, s)
			}
		}
		for _, s := range subs {
			if s.job.Phase != huaweicloud.PhaseFailed {
				failedFirst = append(failedFirst, s)
			}
		}
		subs = failedFirst[:jobsv1alpha1.MaxSubJobs]
	}
	st.SubJobs = make([]jobsv1alpha1.JobRecord, 0, len(subs))
	for _, s := range subs {
		r := record(s.job, maxSubJobEntitiesBytes)
		r.ParentJobID = s.parent
		st.SubJobs = append(st.SubJobs, r)
	}
}

func completion(job *huaweicloud.Job, now time.Time) *metav1.Time {
	if job.EndTime != nil {
		return timeOf(*job.EndTime)
	}
	return timeOf(now)
}

// timeOf truncates to whole seconds, as metav1.Time is serialized, so that a
// status read back compares equal to the one computed.
func timeOf(t time.Time) *metav1.Time {
	mt := metav1.NewTime(t.UTC().Truncate(time.Second))
	return &mt
}

func succeededMessage(st *jobsv1alpha1.CloudJobStatus, job *huaweicloud.Job, subs []subJob) string {
	if st.ResourcesTotal > 0 {
		return orderDoneMessage(st, job)
	}
	msg := "the cloud job succeeded"
	if st.SubJobCounts != nil && st.SubJobCounts.Failed > 0 {
		msg = fmt.Sprintf("the cloud job succeeded, but %d of %d sub-jobs failed: %s",
			st.SubJobCounts.Failed, st.SubJobsTotal, failedSubJobList(subs, int(st.SubJobCounts.Failed)))
	}
	return msg
}

// orderDoneMessage names the main resources of a completed order (the first
// few) and says where the rest are listed.
func orderDoneMessage(st *jobsv1alpha1.CloudJobStatus, job *huaweicloud.Job) string {
	var main []string
	for _, r := range st.Resources {
		if r.Main && len(main) < resourcesInMessage {
			main = append(main, r.ID)
		}
	}
	msg := "the order is completed: " + job.Summary
	if len(main) > 0 {
		msg += "; main resources: " + strings.Join(main, ", ")
	}
	msg += "; status.resources lists them"
	if int(st.ResourcesTotal) > len(st.Resources) {
		msg += fmt.Sprintf(" (the first %d of %d)", len(st.Resources), st.ResourcesTotal)
	}
	return msg
}

func failedMessage(st *jobsv1alpha1.CloudJobStatus, subs []subJob) string {
	var b strings.Builder
	b.WriteString("the cloud job failed")
	if detail := strings.Join(nonEmpty(st.ErrorCode, st.FailReason), ": "); detail != "" {
		b.WriteString(": ")
		b.WriteString(detail)
	}
	if st.SubJobCounts != nil && st.SubJobCounts.Failed > 0 {
		fmt.Fprintf(&b, "; %d of %d sub-jobs failed: %s", st.SubJobCounts.Failed, st.SubJobsTotal,
			failedSubJobList(subs, int(st.SubJobCounts.Failed)))
	}
	return b.String()
}

// failedSubJobList names the first failed sub-jobs (of any depth) with their
// resource, error code and fail reason, and how many more failed.
func failedSubJobList(subs []subJob, failed int) string {
	var parts []string
	for _, sub := range subs {
		s := sub.job
		if s.Phase != huaweicloud.PhaseFailed {
			continue
		}
		if len(parts) == failedSubJobsInMessage {
			break
		}
		what := s.JobID
		if id := s.Resources.First(); id != "" {
			what += " (" + id + ")"
		}
		if detail := strings.Join(nonEmpty(s.ErrorCode, s.FailReason), ": "); detail != "" {
			what += " " + detail
		}
		parts = append(parts, what)
	}
	if more := failed - len(parts); more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(parts, "; ")
}

func nonEmpty(values ...string) []string {
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
