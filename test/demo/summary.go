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

package demo

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/meta"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

// report is what the demo found, for the summary and for tests.
type report struct {
	// TempDir held the kubeconfig, the operator's log and the control
	// plane's state; it is gone once run returns.
	TempDir string
	// ManagerPID is the operator's process id (and process group), 0 when it
	// never started.
	ManagerPID int
	// Kubeconfig is the administrator's kubeconfig in TempDir.
	Kubeconfig string
	// Elapsed is the time from the CloudJobs' creation to the last job's end.
	Elapsed time.Duration
	Jobs    []jobReport
}

// jobReport is one job's outcome.
type jobReport struct {
	demoJob
	// Got is the outcome the operator recorded; empty when the job had not
	// finished when the demo stopped waiting.
	Got string
	// Job is the last version of the CloudJob the watch saw; nil if none.
	Job *jobsv1alpha1.CloudJob
	// Lag is how long after the simulated cloud ended the job the demo's
	// watch saw the operator record it, when both are known (LagKnown).
	Lag      time.Duration
	LagKnown bool
	// Polls counts the operator's requests for the job.
	Polls int64
	// PaidAfter is how long the order had been shown AwaitingPayment when
	// the demo paid it; Paid says whether it did.
	PaidAfter time.Duration
	Paid      bool
}

// asScripted reports whether every job reached the outcome its scenario
// scripted.
func (r *report) asScripted() bool {
	for _, j := range r.Jobs {
		if j.Got != j.Want {
			return false
		}
	}
	return true
}

// summary is the text printed once every job has finished (or the demo gave
// up waiting): per job its outcome, its failure reasons or what it made, its
// detection lag and polls, then the lags overall.
func summary(r *report, scale float64, maxPoll time.Duration) string {
	var b strings.Builder
	matched := 0
	for _, j := range r.Jobs {
		if j.Got == j.Want {
			matched++
		}
	}
	fmt.Fprintf(&b, "Summary: %d of %d jobs reached the outcome their scenario scripted", matched, len(r.Jobs))
	if r.Elapsed > 0 {
		fmt.Fprintf(&b, ", the last %s after the CloudJobs were created", r.Elapsed.Round(100*time.Millisecond))
	}
	fmt.Fprintf(&b, " (the cloud runs %gx faster than the wall clock).\n", scale)
	b.WriteString("The detection lag is how long after the simulated cloud finished a job the operator's status showed it.\n\n")

	width := 0
	for _, j := range r.Jobs {
		width = max(width, len(j.Name))
	}
	var lags []time.Duration
	for _, j := range r.Jobs {
		fmt.Fprintf(&b, "  %-*s  %s\n", width, j.Name, headline(j))
		for _, d := range details(j) {
			fmt.Fprintf(&b, "  %-*s    %s\n", width, "", d)
		}
		if j.LagKnown {
			lags = append(lags, j.Lag)
		}
	}
	if len(lags) > 0 {
		slices.Sort(lags)
		fmt.Fprintf(&b, "\nDetection lag: median %s, longest %s, with the operator polling a running job at most every %s.\n",
			seconds(lags[len(lags)/2]), seconds(lags[len(lags)-1]), maxPoll)
	}
	return b.String()
}

// headline is the job's outcome line: outcome, whether scripted, lag, polls.
func headline(j jobReport) string {
	var b strings.Builder
	switch j.Got {
	case "":
		fmt.Fprintf(&b, "%-9s  did not finish; the scenario scripted %s", "Unfinished", j.Want)
	case j.Want:
		fmt.Fprintf(&b, "%-9s  as scripted", j.Got)
	default:
		fmt.Fprintf(&b, "%-9s  but the scenario scripted %s", j.Got, j.Want)
	}
	if j.LagKnown {
		fmt.Fprintf(&b, ", detection lag %s", seconds(j.Lag))
	}
	switch {
	case j.Polls == 1:
		b.WriteString(", 1 poll")
	case j.Polls > 1:
		fmt.Fprintf(&b, ", %d polls", j.Polls)
	}
	return b.String()
}

// details are the lines under a job's headline: the payment, the failure
// (error code, fail reason, the Stalled message with the failed sub-jobs), and
// what the job made (sub-jobs with their resources, entities).
func details(j jobReport) []string {
	var out []string
	if j.Paid {
		out = append(out, fmt.Sprintf("paid by the demo after %s in AwaitingPayment", seconds(j.PaidAfter)))
	}
	cj := j.Job
	if cj == nil {
		return append(out, "the demo never saw the CloudJob")
	}
	st := &cj.Status
	if cj.Spec.CredentialsSecretRef.Name == "" && cj.Spec.CredentialsRef == nil {
		out = append(out, fmt.Sprintf("signed with federated temporary keys from the cluster default %s: no key stored", federatedCredentials))
	}
	if st.ErrorCode != "" || st.FailReason != "" {
		out = append(out, fmt.Sprintf("errorCode %s, failReason %q", orNone(st.ErrorCode), st.FailReason))
	}
	ready := meta.FindStatusCondition(st.Conditions, jobsv1alpha1.ConditionReady)
	stalled := meta.FindStatusCondition(st.Conditions, jobsv1alpha1.ConditionStalled)
	switch {
	case stalled != nil && stalled.Status == "True":
		out = append(out, fmt.Sprintf("Stalled %s: %s", stalled.Reason, stalled.Message))
	case j.Got == "" && ready != nil:
		out = append(out, fmt.Sprintf("Ready %s %s: %s", ready.Status, ready.Reason, ready.Message))
	case ready != nil && st.SubJobCounts != nil && st.SubJobCounts.Failed > 0:
		// Succeeded, with failed sub-jobs: the Ready message names them.
		out = append(out, "Ready: "+ready.Message)
	}
	if id := resourceText(st.ResourceIDs); id != "" {
		out = append(out, id)
	}
	if st.Progress != nil {
		out = append(out, fmt.Sprintf("progress %d%%", *st.Progress))
	}
	if st.SubJobsTotal > 0 {
		var ids []string
		for _, s := range st.SubJobs {
			if id := firstNonEmpty(s.ServerID, s.NICID, s.VolumeID, s.ImageID, s.NodeID, s.ResourceID); id != "" {
				ids = append(ids, id)
			}
		}
		line := fmt.Sprintf("sub-jobs %s succeeded", orNone(st.SubJobsProgress))
		if len(ids) > 0 {
			line += ": " + strings.Join(ids, " ")
		}
		out = append(out, line)
	}
	if st.ResourcesTotal > 0 {
		var rs []string
		for _, r := range st.Resources {
			what := r.Type
			if r.Main {
				what += ", main"
			}
			rs = append(rs, fmt.Sprintf("%s (%s)", r.ID, what))
		}
		out = append(out, fmt.Sprintf("the order made %d resources: %s", st.ResourcesTotal, strings.Join(rs, " ")))
	}
	// An order's entities are its billing details, which the demo leaves out.
	if e := otherEntities(st.Entities); e != "" && cj.Spec.OrderID == "" {
		out = append(out, "entities "+cutText(e, 400))
	}
	if j.Got == "" {
		out = append(out, "see the operator's log for why, or raise --timeout")
	}
	return out
}

// shownElsewhere are the entities the lines above already give.
var shownElsewhere = []string{"sub_jobs_total", "sub_jobs", "server_id", "nic_id", "volume_id", "image_id", "resource_id"}

// otherEntities is the job's entities without those already shown, as JSON;
// empty when nothing else is left. A classic ELB job's load balancer is
// there, or an EVS disk's name and size.
func otherEntities(e *apiextensionsv1.JSON) string {
	if e == nil || len(e.Raw) == 0 {
		return ""
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(e.Raw, &m); err != nil {
		return string(e.Raw)
	}
	for _, k := range shownElsewhere {
		delete(m, k)
	}
	if len(m) == 0 {
		return ""
	}
	b, err := json.Marshal(m)
	if err != nil {
		return string(e.Raw)
	}
	return string(b)
}

func resourceText(r jobsv1alpha1.ResourceIDs) string {
	var parts []string
	for _, p := range []struct{ what, id string }{
		{"server", r.ServerID}, {"nic", r.NICID}, {"volume", r.VolumeID}, {"image", r.ImageID}, {"instance", r.InstanceID},
		{"cluster", r.ClusterID}, {"node pool", r.NodePoolID}, {"node", r.NodeID}, {"backup", r.BackupID}, {"resource", r.ResourceID},
	} {
		if p.id != "" {
			parts = append(parts, p.what+" "+p.id)
		}
	}
	return strings.Join(parts, ", ")
}

// seconds formats d as seconds with two decimals, the precision a lag of
// about a second deserves.
func seconds(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

func cutText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
