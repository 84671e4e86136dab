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

// Package metrics holds the operator's Prometheus collectors. They are registered
// on controller-runtime's registry, so they are served next to its own metrics
// (reconcile counts, work queue depth, ...) on the manager's metrics endpoint.
package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
)

const namespace = "cloudjob"

var (
	// CloudRequests counts job-status requests by service and result: "ok", or the
	// error class (Throttled, Unavailable, AuthenticationFailed, ...).
	CloudRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "cloud_requests_total",
		Help:      "Job-status requests sent to the cloud, by service and result (ok or the error class).",
	}, []string{"service", "result"})

	// CloudRequestDuration is the latency of job-status requests.
	CloudRequestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "cloud_request_duration_seconds",
		Help:      "Latency of job-status requests to the cloud, by service.",
		Buckets:   []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"service"})

	// CloudThrottled counts rate-limit answers from the cloud (429, APIG.0308).
	CloudThrottled = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "cloud_throttled_total",
		Help:      "Rate-limit answers (HTTP 429, APIG.0308) received from the cloud, by service.",
	}, []string{"service"})

	// QuotaDeferrals counts polls the operator's own per-account quota postponed.
	QuotaDeferrals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "quota_deferrals_total",
		Help:      "Polls postponed by the operator's own per-endpoint, per-access-key request quota (first polls held back by its backlog included), by service.",
	}, []string{"service"})

	// JobDuration is how long finished cloud jobs ran (cloud begin to end time).
	JobDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "job_duration_seconds",
		Help:      "Duration of finished cloud jobs from the cloud's begin to end time, by service and outcome.",
		Buckets:   prometheus.ExponentialBuckets(5, 2, 12), // 5 s to about 3 h
	}, []string{"service", "outcome"})

	// DetectionLag is the time from the cloud's end of a job to the moment the
	// operator recorded it.
	DetectionLag = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace,
		Name:      "detection_lag_seconds",
		Help:      "Time from the cloud's end time of a job to the moment the operator recorded the outcome, by service.",
		Buckets:   []float64{0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600},
	}, []string{"service"})

	// Events counts the Kubernetes Events the operator recorded, by result.
	Events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace,
		Name:      "events_total",
		Help: "Kubernetes Events about CloudJobs, by result: recorded; dropped (too many waiting to be sent); " +
			"failed (rejected by the API server, or it stayed unreachable).",
	}, []string{"result"})
)

// The results of Events.
const (
	EventRecorded = "recorded"
	EventDropped  = "dropped"
	EventFailed   = "failed"
)

// JobCounter counts CloudJobs by service, phase and state for the cloudjob_jobs gauge. It
// is asked at scrape time, so the gauge is always what the cache holds (JobTally
// follows the cache's informer).
type JobCounter func() map[[3]string]int

var jobsDesc = prometheus.NewDesc(namespace+"_jobs",
	"CloudJobs by service, phase (Pending, Running, AwaitingPayment, Succeeded, Failed, Unknown) and the cloud's own state (INIT, RUNNING, SUCCESS, FAIL, PENDING_PAYMENT, ...); both empty before the first poll.",
	[]string{"service", "phase", "state"}, nil)

// scrapeCollector reports metrics computed at scrape time by a function that
// is set once the operator has built what it reads.
type scrapeCollector struct {
	desc    *prometheus.Desc
	mu      sync.Mutex
	collect func(ch chan<- prometheus.Metric)
}

func (c *scrapeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *scrapeCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	collect := c.collect
	c.mu.Unlock()
	if collect != nil {
		collect(ch)
	}
}

func (c *scrapeCollector) set(collect func(ch chan<- prometheus.Metric)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.collect = collect
}

var jobs = &scrapeCollector{desc: jobsDesc}

// SetJobCounter sets how the cloudjob_jobs gauge is computed.
func SetJobCounter(count JobCounter) {
	jobs.set(func(ch chan<- prometheus.Metric) {
		for k, n := range count() {
			ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), k[0], k[1], k[2])
		}
	})
}

// OldestRunning returns, by service, the age of the oldest unfinished job at now.
type OldestRunning func(now time.Time) map[string]time.Duration

var oldestRunningDesc = prometheus.NewDesc(namespace+"_oldest_running_job_age_seconds",
	"Age of the oldest unfinished CloudJob (since the cloud's begin time, else its creation) by service; jobs waiting for payment are left out. Compare it with cloudjob_job_duration_seconds to find a job that runs far longer than its kind usually takes.",
	[]string{"service"}, nil)

var oldestRunning = &scrapeCollector{desc: oldestRunningDesc}

// SetOldestRunning sets how the cloudjob_oldest_running_job_age_seconds gauge is computed.
func SetOldestRunning(oldest OldestRunning) {
	oldestRunning.set(func(ch chan<- prometheus.Metric) {
		for service, age := range oldest(time.Now()) {
			ch <- prometheus.MustNewConstMetric(oldestRunningDesc, prometheus.GaugeValue, age.Seconds(), service)
		}
	})
}

// Prometheus' increase() and rate() cannot see a counter's first step when its
// series appears already at 1, so an alert on the first rejected request or the
// first failed job would never fire. The series that alerts watch are therefore
// made at 0 when the CloudJob informer first shows a service (JobTally), usually
// a scrape before its first request, and when an identity call is first made:
// only used ones, so nothing grows with services the operator never polls.
var (
	seenServices sync.Map // service -> struct{}
	seenCalls    sync.Map // identity call -> struct{}

	// watchedResults are the request results the alerting rules watch.
	watchedResults = []string{"ok", string(huaweicloud.ErrThrottled), string(huaweicloud.ErrAuthenticationFailed),
		string(huaweicloud.ErrForbidden)}
	// identityResults are every result of an identity call.
	identityResults = []string{"ok", string(huaweicloud.ErrThrottled), string(huaweicloud.ErrUnavailable),
		string(huaweicloud.ErrAuthenticationFailed), string(huaweicloud.ErrForbidden), string(huaweicloud.ErrNotFound),
		string(huaweicloud.ErrInvalidRequest), string(huaweicloud.ErrMalformedResponse), "error"}
)

func serviceSeen(service string) {
	if _, seen := seenServices.LoadOrStore(service, struct{}{}); seen {
		return
	}
	for _, result := range watchedResults {
		CloudRequests.WithLabelValues(service, result)
	}
	CloudThrottled.WithLabelValues(service)
	QuotaDeferrals.WithLabelValues(service)
	JobDuration.WithLabelValues(service, OutcomeSucceeded)
	JobDuration.WithLabelValues(service, OutcomeFailed)
}

// The outcomes of JobDuration.
const (
	OutcomeSucceeded = "succeeded"
	OutcomeFailed    = "failed"
)

// ObserveRequest records one job-status request.
func ObserveRequest(service, result string, took time.Duration) {
	CloudRequests.WithLabelValues(service, result).Inc()
	CloudRequestDuration.WithLabelValues(service).Observe(took.Seconds())
}

// IdentityRequests counts the IAM, STS and metadata requests made for
// temporary keys.
var IdentityRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
	Namespace: namespace,
	Name:      "identity_requests_total",
	Help:      "Requests for temporary keys, by call (iam-federated-token, iam-keys-from-token, iam-assume-agency, sts-assume-agency, node-metadata) and result (ok or the error class).",
}, []string{"call", "result"})

// ObserveIdentityRequest records one request for temporary keys.
func ObserveIdentityRequest(call, result string) {
	if _, seen := seenCalls.LoadOrStore(call, struct{}{}); !seen {
		for _, r := range identityResults {
			IdentityRequests.WithLabelValues(call, r)
		}
	}
	IdentityRequests.WithLabelValues(call, result).Inc()
}

var identityExpiryDesc = prometheus.NewDesc(namespace+"_identity_expiry_timestamp_seconds",
	"When the temporary keys each credentials source uses expire (Unix time): one value per source, its usable keys renewed last; sources idle since their renewal was due are left out. Keys are renewed with a third of their life left, so a value that comes close to the present means renewals fail.",
	[]string{"source"}, nil)

// IdentityExpiry lists when each source's temporary keys expire.
type IdentityExpiry func() map[string]time.Time

var identities = &scrapeCollector{desc: identityExpiryDesc}

// SetIdentityExpiry sets how the identity expiry gauge is computed.
func SetIdentityExpiry(expiry IdentityExpiry) {
	identities.set(func(ch chan<- prometheus.Metric) {
		for source, at := range expiry() {
			ch <- prometheus.MustNewConstMetric(identityExpiryDesc, prometheus.GaugeValue, float64(at.Unix()), source)
		}
	})
}

func init() {
	for _, result := range []string{EventRecorded, EventDropped, EventFailed} {
		Events.WithLabelValues(result)
	}
	ctrlmetrics.Registry.MustRegister(CloudRequests, CloudRequestDuration, CloudThrottled, QuotaDeferrals,
		JobDuration, DetectionLag, Events, jobs, oldestRunning, IdentityRequests, identities)
}
