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

package v1alpha1

import (
	"math"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Helpers for controllers and tools that create a CloudJob and wait on it. They
// read only the object; none of them calls the API server.

// Result is how a cloud job ended.
type Result string

const (
	// ResultNone: the job has not finished, or the status does not describe the
	// object's current generation yet.
	ResultNone Result = ""
	// ResultSucceeded: the cloud job succeeded (condition Succeeded=True).
	ResultSucceeded Result = "Succeeded"
	// ResultFailed: the cloud job failed or its deadline passed (condition
	// Succeeded=False).
	ResultFailed Result = "Failed"
)

// Outcome is what a CloudJob's status says about the end of its cloud job, for
// the object's current generation.
// +kubebuilder:object:generate=false
type Outcome struct {
	// Result is ResultNone until the job finished and the status describes the
	// current generation.
	Result Result
	// Stalled is true while an unfinished job cannot progress until someone acts
	// (condition Stalled=True: credentials, endpoint, an unknown job id).
	Stalled bool
	// Reason and Message are the Ready condition's: the outcome's reason once
	// finished (Succeeded, JobFailed, DeadlineExceeded), else the current stage
	// (Running, AwaitingPayment, AuthenticationFailed, ...). Empty until the
	// operator has looked at the current generation.
	Reason, Message string
}

// Outcome reads the conditions, only when they describe the current
// generation: after a spec change they are about the old spec until the
// operator has looked again.
func (j *CloudJob) Outcome() Outcome {
	if j.Status.ObservedGeneration != j.Generation {
		return Outcome{}
	}
	current := func(typ string) *metav1.Condition {
		c := meta.FindStatusCondition(j.Status.Conditions, typ)
		if c == nil || c.ObservedGeneration != j.Generation {
			return nil
		}
		return c
	}
	var o Outcome
	if ready := current(ConditionReady); ready != nil {
		o.Reason, o.Message = ready.Reason, ready.Message
	}
	if current(ConditionSucceeded) != nil {
		o.Result = j.Status.Result()
	}
	if stalled := current(ConditionStalled); o.Result == ResultNone && stalled != nil {
		o.Stalled = stalled.Status == metav1.ConditionTrue
	}
	return o
}

// Finished reports whether the job ended, as far as the current generation is
// concerned (see Outcome).
func (j *CloudJob) Finished() bool { return j.Outcome().Result != ResultNone }

// Result is the outcome the status records, whichever generation it was
// recorded for. A recorded outcome never changes.
func (s *CloudJobStatus) Result() Result {
	c := meta.FindStatusCondition(s.Conditions, ConditionSucceeded)
	switch {
	case c == nil || c.Status == metav1.ConditionUnknown:
		return ResultNone
	case c.Status == metav1.ConditionTrue:
		return ResultSucceeded
	default:
		return ResultFailed
	}
}

// Finished reports whether the status records an outcome, whichever generation
// it was recorded for.
func (s *CloudJobStatus) Finished() bool { return s.Result() != ResultNone }

// Deadline is when spec.activeDeadlineSeconds ends, counted from the
// CloudJob's creation; false without one. A deadline beyond what time.Duration
// holds (about 292 years) is as good as none and saturates there.
func (j *CloudJob) Deadline() (time.Time, bool) {
	if j.Spec.ActiveDeadlineSeconds == nil {
		return time.Time{}, false
	}
	secs := *j.Spec.ActiveDeadlineSeconds
	d := time.Duration(math.MaxInt64)
	if secs < int64(math.MaxInt64/time.Second) {
		d = time.Duration(secs) * time.Second
	}
	return j.CreationTimestamp.Add(d), true
}

// Subject names what a CloudJob tracks, for messages: "job {jobID}", or for
// service bss "order {orderID}".
func (s *CloudJobSpec) Subject() string {
	if s.OrderID != "" {
		return "order " + s.OrderID
	}
	return "job " + s.JobID
}

// Owner names who owns what a CloudJob tracks, for messages: "project
// {projectID}", or for the global services "account {domainID}".
func (s *CloudJobSpec) Owner() string {
	if s.DomainID != "" {
		return "account " + s.DomainID
	}
	return "project " + s.ProjectID
}
