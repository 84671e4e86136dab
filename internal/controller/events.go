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
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

// transitionEvent is one Kubernetes Event to emit about a CloudJob.
type transitionEvent struct {
	eventType string // corev1.EventTypeNormal or EventTypeWarning
	reason    string
	note      string
}

// transitionEvents are the events a status change deserves. They are derived
// from the old and new status alone (subject names the job or order, see
// CloudJobSpec.Subject), so they fire on transitions only and a poll that
// learned nothing new emits nothing.
func transitionEvents(old, cur *jobsv1alpha1.CloudJobStatus, subject string) []transitionEvent {
	var out []transitionEvent
	if old.State == "" && cur.State != "" {
		out = append(out, transitionEvent{corev1.EventTypeNormal, jobsv1alpha1.EventReasonStarted,
			fmt.Sprintf("the cloud reports %s (%s) %s", subject, cur.JobType, cur.State)})
	}
	if cur.State != old.State && reasonOf(cur, jobsv1alpha1.ConditionReconciling) == jobsv1alpha1.ReasonRunning &&
		reasonOf(old, jobsv1alpha1.ConditionReconciling) != jobsv1alpha1.ReasonRunning {
		out = append(out, transitionEvent{corev1.EventTypeNormal, jobsv1alpha1.ReasonRunning, "the cloud job is running"})
	}
	if failedSubJobs(cur) > failedSubJobs(old) && cur.Result() != jobsv1alpha1.ResultFailed {
		out = append(out, transitionEvent{corev1.EventTypeWarning, jobsv1alpha1.EventReasonSubJobsFailed,
			fmt.Sprintf("%d of %d sub-jobs failed", failedSubJobs(cur), cur.SubJobsTotal)})
	}

	result := cur.Result()
	if result != old.Result() {
		c := meta.FindStatusCondition(cur.Conditions, jobsv1alpha1.ConditionSucceeded)
		switch result {
		case jobsv1alpha1.ResultSucceeded:
			out = append(out, transitionEvent{corev1.EventTypeNormal, jobsv1alpha1.ReasonSucceeded, c.Message})
		case jobsv1alpha1.ResultFailed:
			out = append(out, transitionEvent{corev1.EventTypeWarning, c.Reason, c.Message})
		}
	}
	if result == jobsv1alpha1.ResultFailed {
		return out // the failure event said it all
	}

	// Entering a waiting or stalled reason.
	for _, typ := range []string{jobsv1alpha1.ConditionReconciling, jobsv1alpha1.ConditionStalled} {
		r := reasonOf(cur, typ)
		if r == "" || r == reasonOf(old, typ) {
			continue
		}
		c := meta.FindStatusCondition(cur.Conditions, typ)
		switch r {
		case jobsv1alpha1.ReasonAwaitingPayment:
			out = append(out, transitionEvent{corev1.EventTypeNormal, r, c.Message})
		case jobsv1alpha1.ReasonThrottled, jobsv1alpha1.ReasonCloudAPIUnavailable,
			jobsv1alpha1.ReasonAuthenticationFailed, jobsv1alpha1.ReasonCredentialsNotFound, jobsv1alpha1.ReasonCredentialsInvalid,
			jobsv1alpha1.ReasonJobNotFound, jobsv1alpha1.ReasonEndpointNotAllowed,
			jobsv1alpha1.ReasonForbidden, jobsv1alpha1.ReasonInvalidRequest, jobsv1alpha1.ReasonUnknownState,
			jobsv1alpha1.ReasonIdentityUnavailable:
			out = append(out, transitionEvent{corev1.EventTypeWarning, r, c.Message})
		}
	}
	return out
}

func reasonOf(st *jobsv1alpha1.CloudJobStatus, typ string) string {
	c := meta.FindStatusCondition(st.Conditions, typ)
	if c == nil || c.Status != metav1.ConditionTrue {
		return ""
	}
	return c.Reason
}

func failedSubJobs(st *jobsv1alpha1.CloudJobStatus) int32 {
	if st.SubJobCounts == nil {
		return 0
	}
	return st.SubJobCounts.Failed
}
