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

// Phase is status.phase: where a cloud job stands, in the same words for every
// service.
type Phase string

// The phases of a cloud job.
const (
	// PhasePending: the cloud accepted the job but has not started it, or the
	// operator has not learned its state yet.
	PhasePending Phase = "Pending"
	// PhaseRunning: the job is in progress.
	PhaseRunning Phase = "Running"
	// PhaseAwaitingPayment: a yearly/monthly order waits to be paid.
	PhaseAwaitingPayment Phase = "AwaitingPayment"
	// PhaseSucceeded: the job finished successfully. Final.
	PhaseSucceeded Phase = "Succeeded"
	// PhaseFailed: the job failed, or spec.activeDeadlineSeconds passed before it
	// finished. Final.
	PhaseFailed Phase = "Failed"
	// PhaseUnknown: the cloud reports a state the operator does not know; it is
	// not treated as finished and is polled on.
	PhaseUnknown Phase = "Unknown"
)

// Condition types of a CloudJob. They follow the Kubernetes API conventions and
// kstatus: Reconciling and Stalled are never True together.
const (
	// ConditionReady is True once the cloud job succeeded. While it runs it is False
	// with the reason of the current stage; when it failed or cannot progress it is
	// False with the same reason as Stalled.
	ConditionReady = "Ready"

	// ConditionSucceeded gives the outcome of the bounded run, like a Tekton
	// TaskRun: Unknown while running, True on success, False on failure.
	ConditionSucceeded = "Succeeded"

	// ConditionReconciling is True while the operator is still polling the job,
	// including through transient cloud trouble. It is absent once the job ended
	// or stalled.
	ConditionReconciling = "Reconciling"

	// ConditionStalled is True when the job failed or cannot progress without a
	// person's help. It is absent otherwise.
	ConditionStalled = "Stalled"
)

// Condition reasons. What to do about each is in the README's table of reasons.
const (
	// ReasonInitializing: the operator has not polled the job yet, or the cloud
	// reports INIT.
	ReasonInitializing = "Initializing"

	// ReasonRunning: the cloud reports the job RUNNING (or, for elbv3, ROLLBACKING).
	ReasonRunning = "Running"

	// ReasonUnknownState: the cloud reports a state the operator does not know.
	// It is treated as not finished and polled on.
	ReasonUnknownState = "UnknownState"

	// ReasonAwaitingPayment: the cloud reports PENDING_PAYMENT; the yearly or
	// monthly order has to be paid. Polled slowly; only a deadline ends the wait.
	ReasonAwaitingPayment = "AwaitingPayment"

	// ReasonSucceeded: the cloud reports SUCCESS (or, for elbv3, COMPLETE).
	ReasonSucceeded = "Succeeded"

	// ReasonJobFailed: the cloud reports FAIL (or, for elbv3, ROLLBACK_FAIL or
	// CANCEL). The message holds the error code, the fail reason and the failed
	// sub-jobs.
	ReasonJobFailed = "JobFailed"

	// ReasonOrderCancelled: the yearly/monthly order (service bss) was
	// cancelled (order status 4), for example because it was not paid in time.
	// Final: place a new order and track its id.
	ReasonOrderCancelled = "OrderCancelled"

	// ReasonDeadlineExceeded: spec.activeDeadlineSeconds passed before the job
	// finished. Polling stopped.
	ReasonDeadlineExceeded = "DeadlineExceeded"

	// ReasonThrottled: the cloud answered with a rate-limit error (429,
	// APIG.0308). Transient: the operator retries after the advised time.
	ReasonThrottled = "Throttled"

	// ReasonCloudAPIUnavailable: the cloud API answered 5xx, timed out, could not
	// be reached, or sent a body that does not decode. Transient: the operator
	// retries with exponential backoff.
	ReasonCloudAPIUnavailable = "CloudAPIUnavailable"

	// ReasonAuthenticationFailed: the cloud rejected the credentials (401,
	// APIGW.0301, APIGW.0303). The operator retries only every few minutes, since
	// repeated failures lock the access key, and at once when the Secret changes.
	ReasonAuthenticationFailed = "AuthenticationFailed"

	// ReasonForbidden: the credentials are valid but may not read this job (403).
	ReasonForbidden = "Forbidden"

	// ReasonInvalidRequest: the cloud rejected the request as invalid (a 4xx other
	// than the ones above).
	ReasonInvalidRequest = "InvalidRequest"

	// ReasonCredentialsNotFound: the credentials Secret, or one of its required
	// keys, is missing or empty. Recovers when the Secret is fixed.
	ReasonCredentialsNotFound = "CredentialsNotFound"

	// ReasonCredentialsInvalid: a value in the credentials Secret cannot be
	// right, for example a secret key that ends with a newline (a Secret made
	// with --from-file from an editor's file). Nothing is sent with it; it
	// recovers when the Secret is fixed.
	ReasonCredentialsInvalid = "CredentialsInvalid"

	// ReasonIdentityUnavailable: the operator could not obtain temporary keys
	// for the CloudJob's credentials (federation, an agency, node metadata), or
	// refuses the kind of credentials. The message says which step failed and
	// what to change; a rejected identity is asked again at most every
	// --auth-retry-interval.
	ReasonIdentityUnavailable = "IdentityUnavailable"

	// ReasonJobNotFound: the cloud does not know the job id, and has not known it
	// for the whole grace period since the CloudJob was created.
	ReasonJobNotFound = "JobNotFound"

	// ReasonEndpointNotAllowed: the endpoint's host is not under one of the
	// operator's allowed cloud domains (nor loopback when that is allowed), so the
	// operator will not send it signed requests.
	ReasonEndpointNotAllowed = "EndpointNotAllowed"
)

// Event reasons that are not also condition reasons.
const (
	// EventReasonStarted: the operator saw the job for the first time.
	EventReasonStarted = "Started"
	// EventReasonSubJobsFailed: more sub-jobs failed. When the job itself succeeds
	// the Ready message names the failed sub-jobs too.
	EventReasonSubJobsFailed = "SubJobsFailed"
	// EventReasonRecordExpired: the cloud no longer knows a job whose end was
	// recorded; the recorded result is kept.
	EventReasonRecordExpired = "RecordExpired"
	// EventReasonUnreadableTime: the cloud gave a begin or end time in a form the
	// operator cannot read; the time is left out of status. Reported once per
	// CloudJob (per operator run).
	EventReasonUnreadableTime = "UnreadableTime"
)
