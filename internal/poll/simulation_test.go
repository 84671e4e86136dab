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
	"container/heap"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	"github.com/cloudjob-operator/cloudjob-operator/test/workload"
)

// simKind is one (service, job type) of the simulated mix: durations are
// log-normal with the given median and sigma.
type simKind struct {
	service, jobType string
	median           time.Duration
	sigma            float64
	weight           float64 // share of the jobs
}

// simMix spans the benchmark's range, from a 20 s load balancer to a 10 min bare
// metal batch. Half the jobs are quick network and storage operations and a
// quarter are bare-metal batches: the fixed poller's cost lies in the long jobs,
// its lag matters most on the short ones. Under a 1 min cap a long job costs at
// least one request per minute whatever the policy, so a mix made mostly of
// 1.5 to 6 min jobs would not reach a third of the fixed poller's requests with
// its median lag.
var simMix = []simKind{
	{"elb", "create_loadbalancer", 20 * time.Second, 0.3, 0.30},
	{"evs", "create_volume", 40 * time.Second, 0.3, 0.25},
	{"ecs", "create_server", 90 * time.Second, 0.4, 0.10},
	{"cce", "create_node", 4 * time.Minute, 0.4, 0.05},
	{"rds", "create_instance", 6 * time.Minute, 0.45, 0.05},
	{"bms", "batch_create", 10 * time.Minute, 0.5, 0.25},
}

const (
	simJobs         = 1000
	simOutlierShare = 0.05 // of jobs take 2 to 10 times their kind's usual time
	simArrivals     = 8 * time.Hour
	simFixedPeriod  = 10 * time.Second
)

type simJob struct {
	kind     int
	start    time.Duration // since the simulation began
	duration time.Duration
}

// simJobsFor draws the benchmark's jobs from a seeded source.
func simJobsFor(seed uint64) []simJob {
	return drawJobs(rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), simJobs, simArrivals)
}

// drawJobs draws n jobs of simMix, 5% of them outliers, arriving uniformly over
// arrivals, sorted by arrival.
func drawJobs(r *rand.Rand, n int, arrivals time.Duration) []simJob {
	jobs := make([]simJob, n)
	for i := range jobs {
		kind := workload.PickKind(r, len(simMix), func(i int) float64 { return simMix[i].weight })
		d, _ := workload.Duration(r, simMix[kind].median, simMix[kind].sigma, simOutlierShare)
		jobs[i] = simJob{
			kind:     kind,
			start:    time.Duration(r.Float64() * float64(arrivals)),
			duration: d,
		}
	}
	slices.SortFunc(jobs, func(a, b simJob) int { return int(a.start - b.start) })
	return jobs
}

// simResult sums up how a poller did over all jobs.
type simResult struct {
	requests int             // status requests sent
	lags     []time.Duration // per job, from its end to the poll that saw it
	sent     []int           // per job, requests sent
}

func (r simResult) perJob() float64 { return float64(r.requests) / float64(len(r.lags)) }

func (r simResult) lag(q float64) time.Duration {
	s := slices.Clone(r.lags)
	slices.Sort(s)
	return quantile(s, q)
}

// simFixed polls every job at its start and then every period.
func simFixed(jobs []simJob, period time.Duration) simResult {
	res := simResult{lags: make([]time.Duration, len(jobs)), sent: make([]int, len(jobs))}
	for i, j := range jobs {
		n := (j.duration + period - 1) / period // polls after the first
		res.requests += int(n) + 1
		res.sent[i] = int(n) + 1
		res.lags[i] = n*period - j.duration
	}
	return res
}

// simEvent is a poll of job at time at.
type simEvent struct {
	at  time.Duration
	job int
}

// simPolicy runs every job's polls in time order, so that the learner knows, at
// each poll, exactly the jobs that were seen finished before it.
func simPolicy(jobs []simJob, p Policy) simResult {
	res, _ := simRun(jobs, p, nil, nil)
	return res
}

// simRun is simPolicy with a quota on clock (nil: none): a job due for a poll
// asks the Quota; turned away, it comes back when told; let through, it polls,
// and the Policy, told the quota's backlog, says when next. It also returns the
// longest backlog seen.
func simRun(jobs []simJob, p Policy, quota *Quota, clock *clocktesting.FakeClock) (res simResult, peakBacklog time.Duration) {
	res = simResult{lags: make([]time.Duration, len(jobs)), sent: make([]int, len(jobs))}
	q := &eventQueue[simEvent]{less: func(a, b simEvent) bool { return a.at < b.at }}
	for i, j := range jobs {
		q.items = append(q.items, simEvent{j.start, i})
	}
	heap.Init(q)
	var t0 time.Time
	if clock != nil {
		t0 = clock.Now()
	}
	phase := make([]Phase, len(jobs))
	for q.Len() > 0 {
		e := heap.Pop(q).(simEvent)
		key := strconv.Itoa(e.job)
		if quota != nil {
			clock.SetTime(t0.Add(e.at))
			if wait := quota.Admit("account", key); wait > 0 {
				heap.Push(q, simEvent{e.at + wait, e.job})
				continue
			}
		}
		j := jobs[e.job]
		k := simMix[j.kind]
		res.requests++
		res.sent[e.job]++
		age := e.at - j.start
		if age >= j.duration {
			res.lags[e.job] = age - j.duration
			if p.Learner != nil {
				p.Learner.Observe(k.service, k.jobType, j.duration)
			}
			if quota != nil {
				quota.Forget(key)
			}
			continue
		}
		in := Input{Service: k.service, JobType: k.jobType, Phase: phase[e.job], Age: age}
		if quota != nil {
			in.Backlog = quota.Backlog("account")
			peakBacklog = max(peakBacklog, in.Backlog)
		}
		phase[e.job] = PhaseActive
		heap.Push(q, simEvent{e.at + p.Next(in), e.job})
	}
	return res, peakBacklog
}

// TestSimulatedPolling checks the policy against the benchmark's targets: with a
// learner warmed by the jobs it sees finish, at most a third of the requests per
// job of a fixed 10 s poller, and a median detection lag no worse than its. The
// figures pool several seeded runs of 1000 jobs, so that the fixed poller's own
// median (uniform on [0, 10 s]) is not at the mercy of one draw.
func TestSimulatedPolling(t *testing.T) {
	var all = map[string]*simResult{"fixed 10s": {}, "age-based": {}, "learned": {}}
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		jobs := simJobsFor(seed)
		rng := rand.New(rand.NewPCG(seed, 7))
		runs := map[string]simResult{
			"fixed 10s": simFixed(jobs, simFixedPeriod),
			"age-based": simPolicy(jobs, Policy{Rand: rng.Float64}),
			"learned":   simPolicy(jobs, Policy{Learner: NewLearner(), Rand: rng.Float64}),
		}
		if seed == 1 {
			logByKind(t, jobs, runs["fixed 10s"], runs["learned"])
		}
		for _, name := range []string{"fixed 10s", "age-based", "learned"} {
			r := runs[name]
			t.Logf("seed %d %-10s requests/job %6.2f  lag p50 %5.2fs p90 %5.2fs p99 %5.2fs",
				seed, name, r.perJob(), r.lag(0.5).Seconds(), r.lag(0.9).Seconds(), r.lag(0.99).Seconds())
			all[name].requests += r.requests
			all[name].lags = append(all[name].lags, r.lags...)
		}
	}
	fixed, byAge, learned := all["fixed 10s"], all["age-based"], all["learned"]
	for _, name := range []string{"fixed 10s", "age-based", "learned"} {
		r := all[name]
		t.Logf("all   %-10s requests/job %6.2f (%.3f of fixed)  lag p50 %5.2fs p90 %5.2fs p99 %5.2fs",
			name, r.perJob(), r.perJob()/fixed.perJob(), r.lag(0.5).Seconds(), r.lag(0.9).Seconds(), r.lag(0.99).Seconds())
	}
	if got, limit := learned.perJob(), fixed.perJob()/3; got > limit {
		t.Errorf("learned policy sent %.2f requests/job, want <= %.2f (a third of the fixed poller's)", got, limit)
	}
	if got, limit := learned.lag(0.5), fixed.lag(0.5); got > limit {
		t.Errorf("learned policy's p50 lag %v, want <= the fixed poller's %v", got, limit)
	}
	// Learning must pay: fewer requests than polling by age alone, at no worse a
	// median lag.
	if learned.perJob() >= byAge.perJob() || learned.lag(0.5) > byAge.lag(0.5) {
		t.Errorf("learned policy (%.2f requests/job, p50 lag %v) does not beat age-based polling (%.2f, %v)",
			learned.perJob(), learned.lag(0.5), byAge.perJob(), byAge.lag(0.5))
	}
}

// logByKind logs requests per job and median lag per kind of job.
func logByKind(t *testing.T, jobs []simJob, fixed, learned simResult) {
	for k, kind := range simMix {
		f, l := ofKind(jobs, fixed, k), ofKind(jobs, learned, k)
		t.Logf("seed 1 %-4s %-20s %3d jobs: requests/job fixed %5.1f learned %5.1f; lag p50 fixed %4.1fs learned %4.1fs",
			kind.service, kind.jobType, len(f.lags), f.perJob(), l.perJob(), f.lag(0.5).Seconds(), l.lag(0.5).Seconds())
	}
}

// ofKind is the part of res that concerns the jobs of simMix[kind].
func ofKind(jobs []simJob, res simResult, kind int) simResult {
	var r simResult
	for i, j := range jobs {
		if j.kind == kind {
			r.requests += res.sent[i]
			r.lags = append(r.lags, res.lags[i])
		}
	}
	return r
}
