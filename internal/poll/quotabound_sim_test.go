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

package poll

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// The quota-bound case of the benchmark: 10,000 jobs of simMix arriving within
// 10 minutes, one account quota of 2,000 requests a minute, so each running job
// could be polled about once every N/Q = 5 minutes if all shared the quota
// evenly. Uniform round-robin polling would notice a job N/Q/2 = 150 s after it
// ended, on average.
const (
	qbJobs      = 10000
	qbArrivals  = 10 * time.Minute
	qbPerMinute = 2000
	qbWarmup    = 10 // finished jobs of each kind the learner has seen before
)

// qbJobsFor draws the quota-bound workload: simMix, 5% outliers, uniform
// arrivals over qbArrivals.
func qbJobsFor(seed uint64) []simJob {
	return drawJobs(rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d)), qbJobs, qbArrivals)
}

// simQuotaBound runs the operator's loop for every job on a simulated clock,
// under one account quota of qbPerMinute. API-server latency and the
// controller's concurrency are left out: the quota is the bottleneck here.
func simQuotaBound(jobs []simJob, p Policy, seed uint64) (simResult, time.Duration) {
	clock := newFakeClock()
	p.Rand = rand.New(rand.NewPCG(seed, 11)).Float64
	return simRun(jobs, p, NewQuota(qbPerMinute, WithClock(clock.Now), WithSeed(seed)), clock)
}

// warmLearner has seen qbWarmup jobs of each kind finish, as a long-running
// operator has.
func warmLearner(seed uint64) *Learner {
	l := NewLearner()
	r := rand.New(rand.NewPCG(seed, 13))
	for _, k := range simMix {
		for range qbWarmup {
			l.Observe(k.service, k.jobType, secondsToDuration(k.median.Seconds()*math.Exp(k.sigma*r.NormFloat64())))
		}
	}
	return l
}

// TestSimulatedQuotaBound checks the benchmark's quota-bound target on the
// policy and the quota alone: a median detection lag below half of N/Q, which is
// what uniform round-robin polling would give.
func TestSimulatedQuotaBound(t *testing.T) {
	target := time.Duration(float64(qbJobs)/qbPerMinute*float64(time.Minute)) / 2
	var all simResult
	for _, seed := range []uint64{1, 2} {
		res, peak := simQuotaBound(qbJobsFor(seed), Policy{Learner: warmLearner(seed)}, seed)
		t.Logf("seed %d: requests/job %.2f, lag p50 %.0fs p95 %.0fs p99 %.0fs, peak backlog %s",
			seed, res.perJob(), res.lag(0.5).Seconds(), res.lag(0.95).Seconds(), res.lag(0.99).Seconds(), peak.Round(time.Second))
		logQuotaBoundByKind(t, qbJobsFor(seed), res)
		all.requests += res.requests
		all.lags = append(all.lags, res.lags...)
	}
	if got := all.lag(0.5); got >= target {
		t.Errorf("quota-bound p50 detection lag %v, want < %v (half of N/Q)", got.Round(time.Second), target)
	}
}

func logQuotaBoundByKind(t *testing.T, jobs []simJob, res simResult) {
	for k, kind := range simMix {
		r := ofKind(jobs, res, k)
		t.Logf("  %-4s %-20s %4d jobs: requests/job %5.1f, lag p50 %5.0fs", kind.service, kind.jobType, len(r.lags), r.perJob(), r.lag(0.5).Seconds())
	}
}
