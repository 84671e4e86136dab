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
	"time"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
)

// The pure half of error handling: what a failed poll means for the CloudJob
// (which reason, which message, when to look again). Table-tested in
// cloud_errors_test.go; the reconciler only does the I/O around it.

// failedPoll is what decides the reaction to a cloud error.
type failedPoll struct {
	err *huaweicloud.Error
	job *jobsv1alpha1.CloudJob
	// origin is where the rejected credentials came from.
	origin credentialsOrigin
	now    time.Time
	// transientInARow is how many transient errors in a row came before this
	// one.
	transientInARow int
	// backoff is the next exponential backoff delay. It is called only for the
	// errors that back off, since it counts a failure.
	backoff func() time.Duration
}

// reaction is what the reconciler does about a failed poll.
type reaction struct {
	// problem is what status reports; nil retries without writing status.
	problem *problem
	// wait is when to look again.
	wait time.Duration
}

// reactionTo maps a cloud error to its reaction:
//   - Throttled: reason Throttled, retry after the advised time or a backoff;
//   - AuthenticationFailed: Stalled AuthenticationFailed, retry after
//     AuthRetryInterval (the access key locks after repeated failures);
//   - NotFound: JobNotFound, retried with backoff during the grace period after
//     creation, then Stalled and retried every StalledRetryInterval;
//   - Forbidden, InvalidRequest: Stalled with that reason, retried every
//     StalledRetryInterval;
//   - Unavailable, MalformedResponse: CloudAPIUnavailable with backoff, silent
//     for the first TransientErrorsBeforeReport errors of a job already seen.
func reactionTo(cfg Config, f failedPoll) reaction {
	e, job := f.err, f.job
	switch e.Class {
	case huaweicloud.ErrThrottled:
		wait := e.RetryAfter
		if wait <= 0 {
			wait = f.backoff()
		}
		return reaction{wait: wait, problem: &problem{reason: jobsv1alpha1.ReasonThrottled,
			message: fmt.Sprintf("the cloud's rate limit was reached (%s); retrying in %s", e.Code, wait.Round(time.Second))}}

	case huaweicloud.ErrAuthenticationFailed:
		p := authProblem(cfg, job, f.origin, e)
		return reaction{wait: cfg.AuthRetryInterval, problem: &p}

	case huaweicloud.ErrNotFound:
		return notFoundReaction(cfg, f)

	case huaweicloud.ErrForbidden, huaweicloud.ErrInvalidRequest:
		reason, hint := jobsv1alpha1.ReasonForbidden, "grant the access key permission to read this job"
		if e.Class == huaweicloud.ErrInvalidRequest {
			reason, hint = jobsv1alpha1.ReasonInvalidRequest, "check spec.service, spec.projectID and spec.endpoint"
		}
		return reaction{wait: cfg.StalledRetryInterval, problem: &problem{reason: reason, stalled: true,
			message: fmt.Sprintf("the cloud refused the request (%s): %s; retrying every %s", e, hint, cfg.StalledRetryInterval)}}

	default: // Unavailable, MalformedResponse
		wait := f.backoff()
		if f.transientInARow < cfg.TransientErrorsBeforeReport && job.Status.State != "" {
			return reaction{wait: wait}
		}
		return reaction{wait: wait, problem: &problem{reason: jobsv1alpha1.ReasonCloudAPIUnavailable,
			message: fmt.Sprintf("the cloud's job API is not answering properly (%s); retrying in %s", e, wait.Round(time.Second))}}
	}
}

// notFoundReaction handles a job id the cloud does not know: retried with
// backoff during the grace period after creation (Reconciling, JobNotFound),
// then Stalled with JobNotFound and retried slowly.
func notFoundReaction(cfg Config, f failedPoll) reaction {
	e, job := f.err, f.job
	graceEnd := job.CreationTimestamp.Add(cfg.JobNotFoundGrace)
	if f.now.Before(graceEnd) {
		wait := min(f.backoff(), graceEnd.Sub(f.now)+time.Second)
		return reaction{wait: wait, problem: &problem{reason: jobsv1alpha1.ReasonJobNotFound,
			message: fmt.Sprintf("the cloud does not know %s in %s yet (%s); retrying until %s",
				job.Spec.Subject(), job.Spec.Owner(), e, graceEnd.UTC().Format(time.RFC3339))}}
	}
	ids := "spec.jobID, spec.projectID"
	switch {
	case job.Spec.OrderID != "":
		ids = "spec.orderID, spec.domainID"
	case job.Spec.DomainID != "":
		ids = "spec.jobID, spec.domainID"
	}
	msg := fmt.Sprintf("the cloud does not know %s in %s (%s): check %s, spec.service and the region or endpoint",
		job.Spec.Subject(), job.Spec.Owner(), e, ids)
	if job.Status.State != "" {
		why := "it may have ended and expired (the cloud keeps finished jobs for about a day)"
		if job.Spec.OrderID != "" {
			why = "check that the order still exists in the cloud console's billing center"
		}
		msg = fmt.Sprintf("the cloud no longer knows %s, last seen %s: %s", job.Spec.Subject(), job.Status.State, why)
	}
	return reaction{wait: cfg.StalledRetryInterval, problem: &problem{reason: jobsv1alpha1.ReasonJobNotFound, message: msg, stalled: true}}
}

// authProblem is the AuthenticationFailed problem, naming where the rejected
// credentials came from and what to fix there. Without a cloud error (a job
// held back by another job's rejection of the same credentials) a job keeps
// the message it has, so that waiting writes nothing.
func authProblem(cfg Config, job *jobsv1alpha1.CloudJob, origin credentialsOrigin, e *huaweicloud.Error) problem {
	detail := ""
	if e != nil {
		detail = " (" + e.Error() + ")"
	} else if c := findCondition(&job.Status, jobsv1alpha1.ConditionStalled); c != nil && c.Reason == jobsv1alpha1.ReasonAuthenticationFailed {
		return problem{reason: c.Reason, message: c.Message, stalled: true}
	}
	if origin.secret == "" {
		return problem{reason: jobsv1alpha1.ReasonAuthenticationFailed, stalled: true,
			message: fmt.Sprintf("the cloud rejected the %s%s: the operator obtains new keys at most every %s; check that the identity and the agency still exist and trust each other",
				origin, detail, cfg.AuthRetryInterval)}
	}
	return problem{reason: jobsv1alpha1.ReasonAuthenticationFailed, stalled: true,
		message: fmt.Sprintf("the cloud rejected the credentials in %s%s: fix the Secret's %s and %s; "+
			"the operator retries at most every %s, since repeated failures lock the access key",
			origin, detail, SecretKeyAccessKey, SecretKeySecretKey, cfg.AuthRetryInterval)}
}
