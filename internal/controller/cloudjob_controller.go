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

// Package controller reconciles CloudJobs: it polls the cloud's job API within
// the account's request quota and records what it learns in status, conditions,
// events and metrics.
package controller

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/metrics"
	"github.com/cloudjob-operator/cloudjob-operator/internal/poll"
)

// JobGetter fetches one cloud job; *huaweicloud.Client is one.
type JobGetter interface {
	GetJob(ctx context.Context, req huaweicloud.Request) (*huaweicloud.Job, error)
}

// Config holds the operator-wide settings of the reconciler (the flags).
type Config struct {
	// Domains are the cloud domains whose hosts the operator may call, and the
	// first one is the default for spec.region.
	Domains []string
	// AllowLoopback also allows endpoints on loopback hosts (tests, the simulator).
	AllowLoopback bool
	// JobNotFoundGrace is how long after a CloudJob's creation an unknown job id
	// is retried before the CloudJob stalls with JobNotFound.
	JobNotFoundGrace time.Duration
	// AuthRetryInterval is the least time between two requests with credentials
	// the cloud rejected (the key locks after five failures).
	AuthRetryInterval time.Duration
	// StalledRetryInterval is how often a stalled job (not found, forbidden,
	// invalid request) is looked at again.
	StalledRetryInterval time.Duration
	// BackoffBase and BackoffMax bound the exponential backoff after transient
	// cloud errors.
	BackoffBase, BackoffMax time.Duration
	// TransientErrorsBeforeReport is how many transient errors in a row it takes
	// to show CloudAPIUnavailable in status; fewer are retried silently.
	TransientErrorsBeforeReport int
	// SendProjectIDHeader sends X-Project-Id with every request.
	SendProjectIDHeader bool
	// ClusterCredentials names the ClusterCloudCredentials that CloudJobs
	// without credentials of their own use, if it lists their namespace; ""
	// for none.
	ClusterCredentials string
	// OperatorNamespace holds the Secrets of ClusterCloudCredentials.
	OperatorNamespace string
	// FederationTokenFile is the operator's projected service-account token,
	// for federation; "" disables federation.
	FederationTokenFile string
	// AllowNodeMetadata lets CloudCredentials use the node's identity.
	AllowNodeMetadata bool
	// IAMEndpoint is the IAM endpoint of sources that name none, the only
	// non-canonical one a namespace's federation may use; "" for
	// https://iam.{first domain}.
	IAMEndpoint string
	// NamespaceAgencies, when set, are the agencies ("{domain id}/{agency
	// name}" glob patterns) a namespace's CloudCredentials may assume with the
	// operator's identity.
	NamespaceAgencies []string
}

// DefaultGracefulShutdownTimeout bounds the operator's graceful stop: reconciles
// end at once (their cloud requests are cancelled), queued Events are sent for at
// most 5 s, and the Lease is released last. config/manager's
// terminationGracePeriodSeconds (30) leaves room past it, so the kubelet never
// kills the operator before it has released its Lease.
const DefaultGracefulShutdownTimeout = 20 * time.Second

const (
	// ttlDueNow requeues a finished job whose TTL is due at once.
	ttlDueNow = 10 * time.Millisecond
	// ttlConflictRetry is how soon a TTL delete that lost a race is retried.
	ttlConflictRetry = time.Second
	// wakeupBuffer is room for the jobs the authentication gate wakes before
	// they are queued; past it, wake-ups wait in goroutines of their own.
	wakeupBuffer = 4096
	// statusConflictRetry is how soon a CloudJob whose status write lost a race
	// is looked at again, once the cache has its new version.
	statusConflictRetry = 200 * time.Millisecond
)

// DefaultMaxConcurrentReconciles is how many CloudJobs are reconciled at the same
// time by default.
const DefaultMaxConcurrentReconciles = 10

// DefaultConfig is the configuration the flags default to.
func DefaultConfig() Config {
	return Config{
		Domains:                     []string{huaweicloud.DefaultDomain},
		JobNotFoundGrace:            2 * time.Minute,
		AuthRetryInterval:           5 * time.Minute,
		StalledRetryInterval:        5 * time.Minute,
		BackoffBase:                 time.Second,
		BackoffMax:                  5 * time.Minute,
		TransientErrorsBeforeReport: 3,
	}
}

// CloudJobReconciler reconciles CloudJob objects.
type CloudJobReconciler struct {
	client.Client
	Cloud JobGetter
	// Identities obtains temporary keys for federation, agencies and node
	// metadata; nil refuses those sources.
	Identities Identities
	// ExternalIDs assigns the namespaces their external ids.
	ExternalIDs *ExternalIDs
	Recorder    events.EventRecorder
	Quota       *poll.Quota
	Policy      poll.Policy
	Config      Config
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	failures workqueue.TypedRateLimiter[types.NamespacedName]
	auth     *authGate
	authOnce sync.Once
	secrets  *secretStore
	// unreadTimesReported holds the CloudJobs whose unreadable times were
	// reported, until they are deleted.
	unreadTimesReported sync.Map
	// lastPolls holds, per CloudJob still running, when a poll last found it
	// running (time.Time), for the policy's claim on the quota. The status
	// does not carry it: it is written only when something changed. After a
	// restart a job counts as unpolled since it began, which only brings its
	// next poll forward.
	lastPolls sync.Map
	// firstSeen holds, per CloudJob still running, when this process first
	// looked at it (time.Time): with lastPolls, the policy's hold under a
	// quota price is measured on the operator's own clock, never on the
	// cloud's begin time (poll.Input.Unpolled).
	firstSeen sync.Map
}

// target is where and as whom a job is polled.
type target struct {
	endpoint string
	request  huaweicloud.Request
	bucket   string
	creds    credentials
	// identity is the source of temporary keys, "" for static ones.
	identity string
	// origin is where the credentials came from.
	origin credentialsOrigin
}

// Reconcile loads the CloudJob and runs its steps: finished jobs only wait for
// their TTL; otherwise the deadline, the target (endpoint and credentials), one
// gated poll, and one status write if anything changed.
func (r *CloudJobReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	job := &jobsv1alpha1.CloudJob{}
	if err := r.Get(ctx, req.NamespacedName, job); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.NamespacedName)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if !job.DeletionTimestamp.IsZero() {
		r.forget(req.NamespacedName)
		return ctrl.Result{}, nil
	}
	now := r.now()

	if job.Status.Finished() {
		return r.reconcileFinished(ctx, job, now)
	}
	if deadline, ok := job.Deadline(); ok && !now.Before(deadline) {
		return r.reconcileDeadline(ctx, job, now)
	}

	t, prob, err := r.resolveTarget(ctx, job)
	if err != nil {
		return ctrl.Result{}, err
	}
	if prob != nil {
		// Stalled until the spec, the credentials or their Secret changes, all of
		// which are watched, or until an identity may be asked again.
		return r.report(ctx, job, *prob, now, prob.retry)
	}
	in := r.pollInput(job, &job.Status, now, t.bucket)
	// Under a quota price, or a backlog for a new job, the poll may wait until
	// it is worth a token (no status write: none would say more).
	if wait := r.Policy.Defer(in); wait > 0 {
		metrics.QuotaDeferrals.WithLabelValues(string(job.Spec.Service)).Inc()
		return ctrl.Result{RequeueAfter: r.untilDeadline(job, now, wait)}, nil
	}
	ans, held := r.gatedGet(ctx, job, t, now, r.Policy.Urgent(in))
	switch {
	case held.rejectedCredentials:
		return r.report(ctx, job, authProblem(r.Config, job, t.origin, nil), now, held.wait)
	case held.wait > 0, held.parked:
		return ctrl.Result{RequeueAfter: r.untilDeadline(job, now, held.wait)}, nil
	case ans.err != nil:
		return r.reconcileCloudError(ctx, job, t.origin, ans.err)
	}
	return r.reconcileAnswer(ctx, job, t, ans.job)
}

// reconcileAnswer records a job the cloud returned. It sets the conditions of
// the job's phase: Initializing, Running, AwaitingPayment or UnknownState while
// it runs, Succeeded or JobFailed once it ended.
func (r *CloudJobReconciler) reconcileAnswer(ctx context.Context, job *jobsv1alpha1.CloudJob, t target, cj *huaweicloud.Job) (ctrl.Result, error) {
	key := client.ObjectKeyFromObject(job)
	now := r.now()
	r.failures.Forget(key)
	r.reportUnreadTimes(job, cj)
	st := statusFromJob(job.Status, job.Generation, cj, now)
	if cj.Phase.Finished() {
		r.Quota.Forget(key.String())
		r.lastPolls.Delete(key)
		r.firstSeen.Delete(key)
		r.learn(job, cj, now)
		return r.finish(ctx, job, st, r.ttlWait(job, &st, now))
	}
	r.lastPolls.Store(key, now)
	next := r.Policy.Next(r.pollInput(job, &st, now, t.bucket))
	return r.finish(ctx, job, st, r.untilDeadline(job, now, next))
}

// reconcileCloudError records a poll the cloud answered with an error, as
// reactionTo says: Throttled or CloudAPIUnavailable while it is transient;
// AuthenticationFailed, JobNotFound, Forbidden or InvalidRequest when it
// stalls.
func (r *CloudJobReconciler) reconcileCloudError(ctx context.Context, job *jobsv1alpha1.CloudJob, origin credentialsOrigin, err error) (ctrl.Result, error) {
	key := client.ObjectKeyFromObject(job)
	var cloudErr *huaweicloud.Error
	if !errors.As(err, &cloudErr) {
		cloudErr = &huaweicloud.Error{Class: huaweicloud.ErrUnavailable, Err: err}
	}
	log := logf.FromContext(ctx)
	switch cloudErr.Class {
	case huaweicloud.ErrThrottled:
		metrics.CloudThrottled.WithLabelValues(string(job.Spec.Service)).Inc()
	case huaweicloud.ErrAuthenticationFailed:
		log.Info("the cloud rejected the credentials", "credentials", origin.String(), "error", cloudErr.Error())
	}
	now := r.now()
	re := reactionTo(r.Config, failedPoll{
		err: cloudErr, job: job, now: now, origin: origin,
		transientInARow: r.failures.NumRequeues(key),
		backoff:         func() time.Duration { return r.backoff(key) },
	})
	if re.problem == nil {
		log.V(1).Info("transient cloud error, retrying", "error", cloudErr.Error(), "retryIn", re.wait)
		return ctrl.Result{RequeueAfter: r.untilDeadline(job, now, re.wait)}, nil
	}
	return r.report(ctx, job, *re.problem, now, re.wait)
}

// answer is what one request to the cloud returned.
type answer struct {
	job *huaweicloud.Job
	err error
}

// hold says why a request was not sent, and for how long.
type hold struct {
	wait time.Duration
	// parked: the authentication gate requeues the job when the request it
	// waits for settles.
	parked bool
	// byQuota: the account's quota held it back, not the authentication gate.
	byQuota bool
	// rejectedCredentials: the cloud rejected these credentials lately, and the
	// authentication gate holds every request with them back.
	rejectedCredentials bool
}

// gatedGet sends one request for the job, if the authentication gate (one
// request at a time with unproven credentials, none for a while after a
// rejection) and the account's quota let it go now. It counts the request in
// the metrics and tells the gate what the answer proved.
func (r *CloudJobReconciler) gatedGet(ctx context.Context, job *jobsv1alpha1.CloudJob, t target, now time.Time, urgent bool) (answer, hold) {
	adm := r.auth.admit(t.creds, now, client.ObjectKeyFromObject(job))
	if !adm.admitted() {
		return answer{}, hold{wait: adm.wait, parked: adm.parked, rejectedCredentials: adm.rejected}
	}
	// Every admitted request is settled, even one that panics: the jobs parked
	// behind it are woken only then.
	outcome := authUnknown
	defer func() { r.auth.settle(adm.ticket, outcome, r.now(), r.Config.AuthRetryInterval) }()
	admit := r.Quota.Admit
	if urgent {
		admit = r.Quota.AdmitUrgent
	}
	if wait := admit(t.bucket, client.ObjectKeyFromObject(job).String()); wait > 0 {
		metrics.QuotaDeferrals.WithLabelValues(string(job.Spec.Service)).Inc()
		return answer{}, hold{wait: wait, byQuota: true}
	}
	started := time.Now()
	cj, err := r.Cloud.GetJob(ctx, t.request)
	result := "ok"
	if err != nil {
		result = string(huaweicloud.ClassOf(err))
	}
	metrics.ObserveRequest(string(job.Spec.Service), result, time.Since(started))
	outcome = authOutcomeOf(err)
	if outcome == authRejected && t.identity != "" {
		// Temporary keys the cloud rejects (revoked, expired early) are
		// dropped, unless others replaced them since: the next poll the gate
		// lets through asks the identity for new ones.
		r.Identities.Forget(t.identity, t.request.Credentials.AccessKey)
	}
	return answer{job: cj, err: err}, hold{}
}

// report writes the status of a problem and requeues after wait (0: only at the
// deadline, if any).
func (r *CloudJobReconciler) report(ctx context.Context, job *jobsv1alpha1.CloudJob, p problem, now time.Time, wait time.Duration) (ctrl.Result, error) {
	return r.finish(ctx, job, statusFromProblem(job.Status, job.Generation, p, now), r.untilDeadline(job, now, wait))
}

// reconcileFinished handles a job whose outcome is recorded: it is not polled
// again. A changed spec is acknowledged (observedGeneration) after one look at the
// cloud, which may find the job expired (event RecordExpired, result kept).
// spec.ttlSecondsAfterFinished deletes the CloudJob when due. It sets no
// condition but their observedGeneration, and status.phase when an older
// operator recorded the outcome without one.
func (r *CloudJobReconciler) reconcileFinished(ctx context.Context, job *jobsv1alpha1.CloudJob, now time.Time) (ctrl.Result, error) {
	if job.Status.ObservedGeneration != job.Generation || job.Status.Phase == "" {
		// reopen also gives a status recorded before status.phase existed its phase.
		st, _ := reopen(job.Status, job.Generation)
		if job.Status.ObservedGeneration != job.Generation {
			if res, wait := r.lookAgain(ctx, job, now); wait {
				return res, nil
			}
		}
		if res, err := r.finish(ctx, job, st, 0); err != nil {
			return res, err
		}
	}
	due, ok := ttlDue(job, &job.Status)
	if !ok {
		return ctrl.Result{}, nil
	}
	if now.Before(due) {
		return ctrl.Result{RequeueAfter: due.Sub(now)}, nil
	}
	// Delete only the version we looked at, so a CloudJob re-created meanwhile survives.
	err := r.Delete(ctx, job, client.Preconditions{UID: &job.UID, ResourceVersion: &job.ResourceVersion})
	switch {
	case err == nil:
		logf.FromContext(ctx).Info("deleted the finished CloudJob after spec.ttlSecondsAfterFinished", "ttlSeconds", *job.Spec.TTLSecondsAfterFinished)
	case apierrors.IsNotFound(err):
	case apierrors.IsConflict(err):
		// Changed (or re-created) since it was read: look at it again once the
		// cache has the new version.
		return ctrl.Result{RequeueAfter: ttlConflictRetry}, nil
	default:
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, nil
}

// lookAgain asks the cloud once about a finished job whose spec changed, and
// records RecordExpired when the cloud no longer knows it. wait is true when
// the quota holds the request back: then the returned result requeues.
// Held back by the authentication gate, the job is acknowledged without a look.
func (r *CloudJobReconciler) lookAgain(ctx context.Context, job *jobsv1alpha1.CloudJob, now time.Time) (ctrl.Result, bool) {
	t, prob, err := r.resolveTarget(ctx, job)
	if err != nil || prob != nil {
		return ctrl.Result{}, false
	}
	ans, held := r.gatedGet(ctx, job, t, now, false)
	if held.byQuota {
		return ctrl.Result{RequeueAfter: held.wait}, true
	}
	if held == (hold{}) && huaweicloud.ClassOf(ans.err) == huaweicloud.ErrNotFound {
		r.Recorder.Eventf(job, nil, corev1.EventTypeNormal, jobsv1alpha1.EventReasonRecordExpired, "Poll",
			"the cloud no longer knows %s; the recorded result (%s) is kept", job.Spec.Subject(), job.Status.State)
	}
	return ctrl.Result{}, false
}

// reconcileDeadline fails the job once spec.activeDeadlineSeconds passed:
// Succeeded=False, Stalled=True and Ready=False with reason DeadlineExceeded.
func (r *CloudJobReconciler) reconcileDeadline(ctx context.Context, job *jobsv1alpha1.CloudJob, now time.Time) (ctrl.Result, error) {
	r.Quota.Forget(client.ObjectKeyFromObject(job).String())
	st := statusDeadlineExceeded(job.Status, job.Generation, *job.Spec.ActiveDeadlineSeconds, now)
	return r.finish(ctx, job, st, r.ttlWait(job, &st, now))
}

// resolveTarget works out the endpoint and loads the credentials. It returns a
// problem for an endpoint outside the allowed domains (EndpointNotAllowed) and for
// missing credentials (CredentialsNotFound).
func (r *CloudJobReconciler) resolveTarget(ctx context.Context, job *jobsv1alpha1.CloudJob) (target, *problem, error) {
	endpoint := job.Spec.Endpoint
	if endpoint == "" {
		endpoint = huaweicloud.DefaultEndpoint(string(job.Spec.Service), job.Spec.Region, r.Config.Domains[0])
	}
	if err := huaweicloud.HostAllowed(endpoint, r.Config.Domains, r.Config.AllowLoopback); err != nil {
		return target{}, &problem{reason: jobsv1alpha1.ReasonEndpointNotAllowed, stalled: true,
			message: fmt.Sprintf("the operator does not call %s: %v; change spec.endpoint, or add the domain to the operator's --allowed-endpoint-domains", endpoint, err)}, nil
	}
	cred, prob, err := r.loadCredentials(ctx, job)
	if err != nil || prob != nil {
		return target{}, prob, err
	}
	ref := JobRefOf(&job.Spec)
	// An API read in steps (bss) picks its next request by what was recorded.
	ref.LastState = job.Status.State
	creds := credentialsOf(cred.creds)
	if cred.identity != "" {
		creds = sourceCredentials(cred.identity)
	}
	return target{
		endpoint: endpoint,
		bucket:   bucketKey(endpoint, cred.account),
		creds:    creds,
		identity: cred.identity,
		origin:   cred.origin,
		request: huaweicloud.Request{
			Endpoint:            endpoint,
			Service:             huaweicloud.Service(job.Spec.Service),
			JobRef:              ref,
			Credentials:         cred.creds,
			SendProjectIDHeader: r.Config.SendProjectIDHeader,
		},
	}, nil, nil
}

// JobRefOf names the job (or order) a CloudJob's spec tracks, for the cloud
// client.
func JobRefOf(spec *jobsv1alpha1.CloudJobSpec) huaweicloud.JobRef {
	return huaweicloud.JobRef{
		ProjectID:     spec.ProjectID,
		DomainID:      spec.DomainID,
		InstanceID:    spec.InstanceID,
		EnvironmentID: spec.EnvironmentID,
		JobID:         spec.JobID,
		OrderID:       spec.OrderID,
	}
}

// finish writes the status when it changed, emits the events of the transition,
// and requeues after next (0: not at all).
//
// The write is an update of the version that was read: it fails with a conflict
// when the CloudJob changed since, or was deleted and created again under the
// same name (the usual way to track another job), so one job's outcome never
// lands on another CloudJob, and a deposed leader cannot overwrite its
// successor. An update also stores the status exactly as computed (a merge
// patch would drop null members inside entities, and the next poll would write
// again).
func (r *CloudJobReconciler) finish(ctx context.Context, job *jobsv1alpha1.CloudJob, st jobsv1alpha1.CloudJobStatus, next time.Duration) (ctrl.Result, error) {
	if !statusEqual(&job.Status, &st) {
		old := job.Status
		job.Status = st
		if err := r.Status().Update(ctx, job); err != nil {
			switch {
			case apierrors.IsNotFound(err):
				return ctrl.Result{}, nil
			case apierrors.IsConflict(err):
				// Look again at whatever the name holds now.
				logf.FromContext(ctx).V(1).Info("the CloudJob changed while it was polled; looking again")
				return ctrl.Result{RequeueAfter: statusConflictRetry}, nil
			}
			return ctrl.Result{}, fmt.Errorf("writing status: %w", err)
		}
		for _, e := range transitionEvents(&old, &st, job.Spec.Subject()) {
			r.Recorder.Eventf(job, nil, e.eventType, e.reason, "Poll", "%s", e.note)
		}
		r.observeOutcome(job, &old, &st)
	}
	return ctrl.Result{RequeueAfter: next}, nil
}

// observeOutcome feeds the duration and detection-lag metrics once a job ends.
func (r *CloudJobReconciler) observeOutcome(job *jobsv1alpha1.CloudJob, old, st *jobsv1alpha1.CloudJobStatus) {
	if old.Finished() || !st.Finished() {
		return
	}
	service := string(job.Spec.Service)
	outcome := metrics.OutcomeFailed
	if st.Result() == jobsv1alpha1.ResultSucceeded {
		outcome = metrics.OutcomeSucceeded
	}
	if st.BeginTime != nil && st.EndTime != nil {
		metrics.JobDuration.WithLabelValues(service, outcome).Observe(st.EndTime.Sub(st.BeginTime.Time).Seconds())
	}
	if st.EndTime != nil {
		metrics.DetectionLag.WithLabelValues(service).Observe(max(0, r.now().Sub(st.EndTime.Time).Seconds()))
	}
}

// learn tells the poll policy how long a finished job of this kind took.
func (r *CloudJobReconciler) learn(job *jobsv1alpha1.CloudJob, cj *huaweicloud.Job, now time.Time) {
	if r.Policy.Learner == nil || cj.Phase != huaweicloud.PhaseSucceeded {
		return
	}
	begin, end := job.CreationTimestamp.Time, now
	if cj.BeginTime != nil {
		begin = *cj.BeginTime
	}
	if cj.EndTime != nil {
		end = *cj.EndTime
	}
	if end.After(begin) {
		r.Policy.Learner.Observe(string(job.Spec.Service), cj.JobType, end.Sub(begin))
	}
}

// authOutcomeOf is what an answer proved about its credentials: any answer past
// the gateway's authentication accepts them.
func authOutcomeOf(err error) authOutcome {
	switch class := huaweicloud.ClassOf(err); {
	case class == huaweicloud.ErrAuthenticationFailed:
		return authRejected
	case err == nil, class == huaweicloud.ErrNotFound, class == huaweicloud.ErrForbidden,
		class == huaweicloud.ErrInvalidRequest, class == huaweicloud.ErrMalformedResponse:
		return authAccepted
	default:
		return authUnknown
	}
}

func (r *CloudJobReconciler) backoff(key types.NamespacedName) time.Duration {
	d := r.failures.When(key)
	// Jitter of ±20%, so jobs that failed together do not retry together.
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func (r *CloudJobReconciler) forget(key types.NamespacedName) {
	r.failures.Forget(key)
	r.Quota.Forget(key.String())
	r.unreadTimesReported.Delete(key)
	r.lastPolls.Delete(key)
	r.firstSeen.Delete(key)
}

// reportUnreadTimes tells, once per CloudJob, that the cloud gave times the
// operator cannot read (event UnreadableTime); status goes on without them.
func (r *CloudJobReconciler) reportUnreadTimes(job *jobsv1alpha1.CloudJob, cj *huaweicloud.Job) {
	if len(cj.UnreadTimes) == 0 {
		return
	}
	if _, seen := r.unreadTimesReported.LoadOrStore(client.ObjectKeyFromObject(job), struct{}{}); seen {
		return
	}
	r.Recorder.Eventf(job, nil, corev1.EventTypeWarning, jobsv1alpha1.EventReasonUnreadableTime, "Poll",
		"the cloud gave job times the operator cannot read, left out of status: %s; please report this format for service %s",
		strings.Join(cj.UnreadTimes, ", "), job.Spec.Service)
}

func (r *CloudJobReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// untilDeadline caps a requeue delay at the job's deadline, so that it fails on
// time. 0 means no requeue unless a deadline is pending.
func (r *CloudJobReconciler) untilDeadline(job *jobsv1alpha1.CloudJob, now time.Time, wait time.Duration) time.Duration {
	deadline, ok := job.Deadline()
	if !ok {
		return wait
	}
	left := deadline.Sub(now) + time.Second
	if left < 0 {
		left = time.Second
	}
	if wait == 0 || left < wait {
		return left
	}
	return wait
}

// ttlDue is when spec.ttlSecondsAfterFinished deletes a finished job, counted
// from the recorded outcome; false without a TTL or an outcome.
func ttlDue(job *jobsv1alpha1.CloudJob, st *jobsv1alpha1.CloudJobStatus) (time.Time, bool) {
	if job.Spec.TTLSecondsAfterFinished == nil || !st.Finished() {
		return time.Time{}, false
	}
	c := findCondition(st, jobsv1alpha1.ConditionSucceeded)
	return c.LastTransitionTime.Add(time.Duration(*job.Spec.TTLSecondsAfterFinished) * time.Second), true
}

// ttlWait is the requeue delay of a job that just finished: none without a TTL,
// else the time until the TTL is due, and a moment when it is due already. The
// status write that records the outcome does not trigger a reconcile (only spec
// changes do), so a TTL of 0 needs this requeue too.
func (r *CloudJobReconciler) ttlWait(job *jobsv1alpha1.CloudJob, st *jobsv1alpha1.CloudJobStatus, now time.Time) time.Duration {
	due, ok := ttlDue(job, st)
	if !ok {
		return 0
	}
	return max(due.Sub(now), ttlDueNow)
}

func pollCap(job *jobsv1alpha1.CloudJob) time.Duration {
	if job.Spec.PollInterval == nil {
		return 0
	}
	return job.Spec.PollInterval.Duration
}

// jobStart is when the job began: the cloud's begin time, else the CloudJob's
// creation.
func jobStart(job *jobsv1alpha1.CloudJob, st *jobsv1alpha1.CloudJobStatus) time.Time {
	if st.BeginTime != nil {
		return st.BeginTime.Time
	}
	return job.CreationTimestamp.Time
}

// pollInput is what the poll policy needs to know of a job whose status is st,
// polled through the quota's bucket.
func (r *CloudJobReconciler) pollInput(job *jobsv1alpha1.CloudJob, st *jobsv1alpha1.CloudJobStatus, now time.Time, bucket string) poll.Input {
	start := jobStart(job, st)
	in := poll.Input{
		Service: string(job.Spec.Service),
		JobType: st.JobType,
		Phase:   pollPhase(st),
		Age:     now.Sub(start),
		Cap:     pollCap(job),
		Backlog: r.Quota.Backlog(bucket),
		Price:   r.Quota.Price(bucket),
	}
	key := client.ObjectKeyFromObject(job)
	seen, _ := r.firstSeen.LoadOrStore(key, now)
	anchor := seen.(time.Time)
	if at, ok := r.lastPolls.Load(key); ok {
		anchor = at.(time.Time)
		in.LastPoll = anchor.Sub(start)
	}
	in.Unpolled = now.Sub(anchor)
	return in
}

// pollPhase is what the poll policy needs to know of a job's phase. A job the
// cloud never answered for has no start time yet.
func pollPhase(st *jobsv1alpha1.CloudJobStatus) poll.Phase {
	switch {
	case st.StartTime == nil:
		return poll.PhaseNotPolled
	case st.Phase == jobsv1alpha1.PhaseSucceeded || st.Phase == jobsv1alpha1.PhaseFailed:
		return poll.PhaseFinished
	case st.Phase == jobsv1alpha1.PhaseAwaitingPayment:
		return poll.PhaseAwaitingPayment
	default: // Pending, Running, Unknown
		return poll.PhaseActive
	}
}

// SetupWithManager registers the controller: CloudJobs (spec changes only, so that
// its own status writes do not trigger it) and the Secrets they refer to.
func (r *CloudJobReconciler) SetupWithManager(mgr ctrl.Manager, maxConcurrent int) error {
	if r.failures == nil {
		r.failures = workqueue.NewTypedItemExponentialFailureRateLimiter[types.NamespacedName](r.Config.BackoffBase, r.Config.BackoffMax)
	}
	wakeups := make(chan event.GenericEvent, wakeupBuffer)
	if auth := r.gate(); auth.wake == nil {
		auth.wake = func(key types.NamespacedName) {
			ev := event.GenericEvent{Object: &jobsv1alpha1.CloudJob{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}}
			select {
			case wakeups <- ev:
			default:
				// A parked job has no requeue of its own: never drop its wake-up.
				go func() { wakeups <- ev }()
			}
		}
	}
	if r.secrets == nil {
		r.secrets = newSecretStore(mgr.GetAPIReader())
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &jobsv1alpha1.CloudJob{}, secretRefIndex, indexSecretRef); err != nil {
		return err
	}
	b := ctrl.NewControllerManagedBy(mgr).
		For(&jobsv1alpha1.CloudJob{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WatchesMetadata(&corev1.Secret{}, r.secretEvents()).
		Watches(&jobsv1alpha1.CloudCredentials{}, handler.EnqueueRequestsFromMapFunc(r.credentialsEvents))
	if r.Config.ClusterCredentials != "" {
		// Only then: watching a cluster-scoped kind needs a ClusterRole.
		b = b.Watches(&jobsv1alpha1.ClusterCloudCredentials{}, handler.EnqueueRequestsFromMapFunc(r.credentialsEvents)).
			// A deleted cluster default's temporary keys go at once.
			Watches(&jobsv1alpha1.ClusterCloudCredentials{}, handler.Funcs{
				DeleteFunc: func(_ context.Context, e event.DeleteEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
					if r.Identities != nil {
						r.Identities.ForgetOwner(string(e.Object.GetUID()))
					}
				},
			})
	}
	return b.
		WatchesRawSource(source.Channel(wakeups, &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: maxConcurrent}).
		Named("cloudjob").
		Complete(r)
}
