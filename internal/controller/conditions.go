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
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

// The condition setters keep the four conditions consistent with each other, as
// kstatus, Argo CD and kubectl wait read them: Reconciling and Stalled are never
// True together, and Succeeded leaves Unknown only for a recorded outcome.

// setProgressing: the job is still being polled. Ready=False and Reconciling=True
// with reason, Succeeded=Unknown, no Stalled.
func setProgressing(st *jobsv1alpha1.CloudJobStatus, gen int64, reason, message string, now time.Time) {
	set(st, gen, jobsv1alpha1.ConditionReady, metav1.ConditionFalse, reason, message, now)
	set(st, gen, jobsv1alpha1.ConditionSucceeded, metav1.ConditionUnknown, reason, message, now)
	set(st, gen, jobsv1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, message, now)
	meta.RemoveStatusCondition(&st.Conditions, jobsv1alpha1.ConditionStalled)
}

// setStalled: the job cannot progress until someone acts (credentials, endpoint,
// unknown job). Ready=False and Stalled=True with reason. Succeeded stays Unknown:
// the cloud job itself may still succeed once the problem is fixed.
func setStalled(st *jobsv1alpha1.CloudJobStatus, gen int64, reason, message string, now time.Time) {
	set(st, gen, jobsv1alpha1.ConditionReady, metav1.ConditionFalse, reason, message, now)
	set(st, gen, jobsv1alpha1.ConditionSucceeded, metav1.ConditionUnknown, reason, message, now)
	set(st, gen, jobsv1alpha1.ConditionStalled, metav1.ConditionTrue, reason, message, now)
	meta.RemoveStatusCondition(&st.Conditions, jobsv1alpha1.ConditionReconciling)
}

// setSucceeded: the job succeeded. Ready=True and Succeeded=True, no Reconciling
// or Stalled.
func setSucceeded(st *jobsv1alpha1.CloudJobStatus, gen int64, message string, now time.Time) {
	set(st, gen, jobsv1alpha1.ConditionReady, metav1.ConditionTrue, jobsv1alpha1.ReasonSucceeded, message, now)
	set(st, gen, jobsv1alpha1.ConditionSucceeded, metav1.ConditionTrue, jobsv1alpha1.ReasonSucceeded, message, now)
	meta.RemoveStatusCondition(&st.Conditions, jobsv1alpha1.ConditionReconciling)
	meta.RemoveStatusCondition(&st.Conditions, jobsv1alpha1.ConditionStalled)
}

// setFailed: the job failed or its deadline passed. Ready=False, Succeeded=False
// and Stalled=True with reason, no Reconciling.
func setFailed(st *jobsv1alpha1.CloudJobStatus, gen int64, reason, message string, now time.Time) {
	set(st, gen, jobsv1alpha1.ConditionReady, metav1.ConditionFalse, reason, message, now)
	set(st, gen, jobsv1alpha1.ConditionSucceeded, metav1.ConditionFalse, reason, message, now)
	set(st, gen, jobsv1alpha1.ConditionStalled, metav1.ConditionTrue, reason, message, now)
	meta.RemoveStatusCondition(&st.Conditions, jobsv1alpha1.ConditionReconciling)
}

// observeGeneration marks every condition as describing generation gen.
func observeGeneration(st *jobsv1alpha1.CloudJobStatus, gen int64) {
	st.ObservedGeneration = gen
	for i := range st.Conditions {
		st.Conditions[i].ObservedGeneration = gen
	}
}

// set is meta.SetStatusCondition with a bounded message and a time in whole
// seconds; it keeps lastTransitionTime unless the status flips.
func set(st *jobsv1alpha1.CloudJobStatus, gen int64, typ string, status metav1.ConditionStatus, reason, message string, now time.Time) {
	if len(message) > maxMessageBytes {
		message = message[:maxMessageBytes-3] + "..."
	}
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{
		Type:               typ,
		Status:             status,
		ObservedGeneration: gen,
		Reason:             reason,
		Message:            message,
		LastTransitionTime: *timeOf(now),
	})
}

func findCondition(st *jobsv1alpha1.CloudJobStatus, typ string) *metav1.Condition {
	return meta.FindStatusCondition(st.Conditions, typ)
}
