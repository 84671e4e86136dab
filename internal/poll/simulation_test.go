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

	"github.com/cloudjob-operator/cloudjob-operator/test/frontier"
	"github.com/cloudjob-operator/cloudjob-operator/test/workload"
)

// The benchmark's default workload (make bench): 1000 jobs of workload.Mix
// arriving over 10 minutes, durations cut at an hour, and a learner that has
// seen simWarmup jobs of each kind finish.
const (
	simJobs        = 1000
	simArrivals    = 10 * time.Minute
	simMaxDuration = time.Hour
	simWarmup      = 10
)

// simFixedPeriods are the fixed pollers that draw the frontier, as in the
// benchmark, with one more at each end so that any sensible policy's cost
// falls inside the curve.
var simFixedPeriods = []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second}

type simJob struct {
	kind     int
	start    time.Duration // since the simulation began
	duration time.Duration
}

// simJobsFor is the benchmark's workload for seed.
func simJobsFor(seed uint64, n int) []simJob {
	plan := workload.Plan(n, seed, simArrivals, simMaxDuration)
	jobs := make([]simJob, len(plan))
	for i, j := range plan {
		jobs[i] = simJob{kind: j.Kind, start: j.Arrival, duration: j.Duration}
	}
	return jobs
}

// warmLearner has seen the benchmark's warm-up jobs finish, as a long-running
// operator has.
func warmLearner(seed uint64) *Learner {
	l := NewLearner()
	for _, j := range workload.Warmup(simWarmup, seed, simMaxDuration) {
		k := workload.Mix[j.Kind]
		l.Observe(k.Service, k.JobType, j.Duration)
	}
	return l
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

// add pools another run's jobs into r.
func (r *simResult) add(o simResult) {
	r.requests += o.requests
	r.lags = append(r.lags, o.lags...)
	r.sent = append(r.sent, o.sent...)
}

// point is r as a point of the frontier: the pooled percentiles, and each
// kind's median under kindFigure.
func (r simResult) point(label string, jobs []simJob) frontier.Point {
	p := frontier.Point{Label: label, RequestsPerJob: r.perJob(), Lags: map[string]float64{
		frontier.P50: r.lag(0.5).Seconds(), frontier.P95: r.lag(0.95).Seconds(), frontier.P99: r.lag(0.99).Seconds(),
	}}
	for k := range workload.Mix {
		p.Lags[kindFigure(k)] = ofKind(jobs, r, k).lag(0.5).Seconds()
	}
	return p
}

func kindFigure(k int) string {
	return frontier.KindFigure(workload.Mix[k].Service, workload.Mix[k].JobType)
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

// simRun is simPolicy with a quota on clock (nil: none). Each job goes through
// the controller's steps: due for a poll, it asks the Policy whether to wait
// (Defer); then it asks the Quota (AdmitUrgent if Policy.Urgent); turned away,
// it comes back when told; let through, it polls, and the Policy says when
// next. The Policy is told what the controller tells it: the quota's backlog
// and price, the age at the job's last poll, and the job type only once the
// first answer gave it. It also returns the longest backlog seen.
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
	lastPoll := make([]time.Duration, len(jobs))
	for q.Len() > 0 {
		e := heap.Pop(q).(simEvent)
		key := strconv.Itoa(e.job)
		j := jobs[e.job]
		k := workload.Mix[j.kind]
		age := e.at - j.start
		in := Input{Service: k.Service, JobType: k.JobType, Phase: PhaseActive, Age: age, LastPoll: lastPoll[e.job]}
		if res.sent[e.job] == 0 {
			in.JobType, in.Phase = "", PhaseNotPolled
		}
		if quota != nil {
			clock.SetTime(t0.Add(e.at))
			in.Backlog, in.Price = quota.Backlog("account"), quota.Price("account")
			if d := p.Defer(in); d > 0 {
				heap.Push(q, simEvent{e.at + d, e.job})
				continue
			}
			admit := quota.Admit
			if p.Urgent(in) {
				admit = quota.AdmitUrgent
			}
			if wait := admit("account", key); wait > 0 {
				heap.Push(q, simEvent{e.at + wait, e.job})
				continue
			}
		}
		res.requests++
		res.sent[e.job]++
		if age >= j.duration {
			res.lags[e.job] = age - j.duration
			if p.Learner != nil {
				p.Learner.Observe(k.Service, k.JobType, j.duration)
			}
			if quota != nil {
				quota.Forget(key)
			}
			continue
		}
		// The job answered, so it is active, and its type is known.
		lastPoll[e.job] = age
		in = Input{Service: k.Service, JobType: k.JobType, Phase: PhaseActive, Age: age, LastPoll: age}
		if quota != nil {
			in.Backlog, in.Price = quota.Backlog("account"), quota.Price("account")
			peakBacklog = max(peakBacklog, in.Backlog)
		}
		heap.Push(q, simEvent{e.at + p.Next(in), e.job})
	}
	return res, peakBacklog
}

// TestSimulatedFrontier runs the benchmark's comparison on the policy alone, in
// a fraction of a second: fixed pollers at several intervals draw the frontier
// of lag against requests per job, and the learned policy must lie below it.
// Against the fixed poller of the same cost, its p50, p95 and p99 lags must each
// be at most that poller's, and no kind's median more than 1.5 times its; and
// against the fixed 10 s poller, at most a third of its requests with a median
// lag no worse. The figures pool several seeded workloads, so that no target
// rests on one draw.
func TestSimulatedFrontier(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4, 5}
	var jobs []simJob
	fixed := make([]simResult, len(simFixedPeriods))
	var byAge, learned simResult
	for _, seed := range seeds {
		js := simJobsFor(seed, simJobs)
		jobs = append(jobs, js...)
		for i, period := range simFixedPeriods {
			fixed[i].add(simFixed(js, period))
		}
		rng := rand.New(rand.NewPCG(seed, 7))
		byAge.add(simPolicy(js, Policy{Rand: rng.Float64}))
		learned.add(simPolicy(js, Policy{Learner: warmLearner(seed), Rand: rng.Float64}))
	}
	curve := make([]frontier.Point, len(fixed))
	for i, r := range fixed {
		curve[i] = r.point("fixed "+simFixedPeriods[i].String(), jobs)
		t.Logf("%-11s requests/job %6.2f  lag p50 %5.1fs p95 %5.1fs p99 %5.1fs", curve[i].Label, r.perJob(),
			r.lag(0.5).Seconds(), r.lag(0.95).Seconds(), r.lag(0.99).Seconds())
	}
	for _, r := range []struct {
		name string
		res  simResult
	}{{"age-based", byAge}, {"learned", learned}} {
		t.Logf("%-11s requests/job %6.2f  lag p50 %5.1fs p95 %5.1fs p99 %5.1fs", r.name, r.res.perJob(),
			r.res.lag(0.5).Seconds(), r.res.lag(0.95).Seconds(), r.res.lag(0.99).Seconds())
	}

	figures := slices.Clone(frontier.Percentiles)
	for k := range workload.Mix {
		figures = append(figures, kindFigure(k))
	}
	cmp, err := frontier.Compare(curve, learned.point("learned", jobs), figures...)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range figures {
		t.Logf("%-40s learned %5.1fs, fixed poller of the same cost %5.1fs: ratio %.2f", f, cmp.Poller.Lags[f], cmp.Matched.Lags[f], cmp.Ratio[f])
	}
	for _, f := range frontier.Percentiles {
		if cmp.Ratio[f] > 1 {
			t.Errorf("%s lag %.1fs is above the fixed poller of the same cost (%.2f requests/job): %.1fs",
				f, cmp.Poller.Lags[f], learned.perJob(), cmp.Matched.Lags[f])
		}
	}
	for k := range workload.Mix {
		if f := kindFigure(k); cmp.Ratio[f] > 1.5 {
			t.Errorf("%s %.1fs is more than 1.5x the fixed poller of the same cost (%.1fs)", f, cmp.Poller.Lags[f], cmp.Matched.Lags[f])
		}
	}

	tenSeconds := fixed[slices.Index(simFixedPeriods, 10*time.Second)]
	if got, limit := learned.perJob(), tenSeconds.perJob()/3; got > limit {
		t.Errorf("learned policy sent %.2f requests/job, want <= %.2f (a third of the fixed 10 s poller's)", got, limit)
	}
	if got, limit := learned.lag(0.5), tenSeconds.lag(0.5); got > limit {
		t.Errorf("learned policy's p50 lag %v, want <= the fixed 10 s poller's %v", got, limit)
	}
	// Learning must pay: polling by age alone under the same cap costs more
	// than twice as much.
	if learned.perJob() >= byAge.perJob()/2 {
		t.Errorf("learned policy sent %.2f requests/job, want less than half of age-based polling's %.2f", learned.perJob(), byAge.perJob())
	}
}

// ofKind is the part of res that concerns the jobs of workload.Mix[kind].
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
