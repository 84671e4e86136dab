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

// Package poll decides when the operator may ask the cloud about a job, and when
// it should.
//
// Quota answers "may I send a request now?". Each (endpoint, access key) pair has
// one token bucket; a worker never sleeps for a token: Admit either consumes one
// and returns 0, or says how long to wait before asking again, having reserved a
// token for that moment when one is free within a short horizon. Jobs that cannot
// get one are sent away to a random moment spread over the bucket's backlog, so a
// burst of new jobs cannot book the future ahead of the jobs already running: at
// each moment the jobs asking have an equal chance, like a shuffled round-robin,
// and a job left unlucky for a backlog gets to retry every horizon, which bounds
// its wait.
//
// Policy answers "when should this job be polled next?". A new job is polled at
// once; then, for a kind of job (service and job type) the Learner has seen
// finish often enough, the policy places each poll where it pays: straight to
// the age at which the kind's completions begin, every twice DetectionLag
// where its hazard of finishing (the share of the jobs still running that
// finish per second) makes such a poll likely to find the job done, and at the
// cap elsewhere, stragglers included. No job then waits longer than a fixed
// poller at the cap would make it wait once it can be done, and the polls
// skipped before pay for the dense ones. A kind not learned yet is polled by
// age (short jobs are noticed fast, long ones cost few calls). Intervals carry
// jitter and are capped by the CloudJob's spec.pollInterval or the operator's
// default.
//
// When the quota is the bottleneck the two work together. A bucket asked for
// more polls than its rate for a few seconds sets a price (Quota.Price), which
// rises until the polls asked fit the rate and falls back to 0 once tokens go
// unused. While it is positive, a job of a learned kind is polled only once its
// claim reaches the price (Policy.Defer): the chance that it finished since its
// last poll, times the time since. The quota's tokens then go to the polls
// worth most: those likely to find their job done, which keeps the median lag
// low, and those of jobs left unpolled long, which bounds the tail. Such polls
// skip the lottery (Policy.Urgent, Quota.AdmitUrgent). Before a price forms,
// polls unlikely to find their job done wait for the quota's backlog, and a
// new job's first poll waits until it could be done.
//
// The package knows nothing of Kubernetes or HTTP: callers pass keys, phases and
// durations, and it returns durations.
package poll
