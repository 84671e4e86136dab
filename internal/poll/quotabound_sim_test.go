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
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/test/workload"
)

// The quota-bound case of the benchmark: 10,000 jobs of workload.Mix arriving
// within 10 minutes, one account quota of 2,000 requests a minute, so each running job
// could be polled about once every N/Q = 5 minutes if all shared the quota
// evenly. Uniform round-robin polling would notice a job N/Q/2 = 150 s after it
// ended, on average.
const (
	qbJobs      = 10000
	qbPerMinute = 2000
)

// simQuotaBound runs the operator's loop for every job on a simulated clock,
// under one account quota of qbPerMinute. API-server latency and the
// controller's concurrency are left out: the quota is the bottleneck here.
func simQuotaBound(jobs []simJob, p Policy, seed uint64) (simResult, time.Duration) {
	clock := newFakeClock()
	p.Rand = rand.New(rand.NewPCG(seed, 11)).Float64
	return simRun(jobs, p, NewQuota(qbPerMinute, WithClock(clock.Now), WithSeed(seed)), clock)
}

// TestSimulatedQuotaBound checks the benchmark's quota-bound targets on the
// policy and the quota alone: a median detection lag below 0.05 N/Q (15 s),
// where uniform round-robin polling would give half of N/Q, and a p99 below
// 0.3 N/Q (90 s). It serves every admitted poll at once and lets no job wait
// for a worker; the benchmark adds those.
func TestSimulatedQuotaBound(t *testing.T) {
	perPoll := time.Duration(float64(qbJobs) / qbPerMinute * float64(time.Minute)) // N/Q
	var all simResult
	for _, seed := range []uint64{1, 2} {
		res, peak := simQuotaBound(simJobsFor(seed, qbJobs), Policy{Learner: warmLearner(seed)}, seed)
		t.Logf("seed %d: requests/job %.2f, lag p50 %.0fs p95 %.0fs p99 %.0fs, peak backlog %s",
			seed, res.perJob(), res.lag(0.5).Seconds(), res.lag(0.95).Seconds(), res.lag(0.99).Seconds(), peak.Round(time.Second))
		logQuotaBoundByKind(t, simJobsFor(seed, qbJobs), res)
		all.add(res)
	}
	if got, limit := all.lag(0.5), perPoll/20; got >= limit {
		t.Errorf("quota-bound p50 detection lag %v, want < %v (0.05 N/Q)", got.Round(time.Second), limit)
	}
	if got, limit := all.lag(0.99), perPoll*3/10; got >= limit {
		t.Errorf("quota-bound p99 detection lag %v, want < %v (0.3 N/Q)", got.Round(time.Second), limit)
	}
}

func logQuotaBoundByKind(t *testing.T, jobs []simJob, res simResult) {
	for k, kind := range workload.Mix {
		r := ofKind(jobs, res, k)
		t.Logf("  %-4s %-20s %4d jobs: requests/job %5.1f, lag p50 %5.0fs", kind.Service, kind.JobType, len(r.lags), r.perJob(), r.lag(0.5).Seconds())
	}
}
