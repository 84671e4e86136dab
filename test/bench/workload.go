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

package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/workload"
)

// jobKind is one (service, job type) of the workload: its durations are
// log-normal with the given median and sigma.
type jobKind struct {
	service cloudsim.Service
	jobType string
	median  time.Duration
	sigma   float64
	weight  float64 // share of the jobs
	// maxSubJobs: jobs of this kind list 1 to maxSubJobs sub-jobs (one per
	// server of a batch); 0 lists none.
	maxSubJobs int
}

// workloadMix is the mix of internal/poll's simulation test, on the services the
// simulator serves, each in its own shape: from a 20 s load balancer to a 10 min
// bare-metal batch, with RDS creates (6 min, reporting progress) and CCE node
// pools (8 min, a sub-job per node) at that test's 5% each, and IMS images and
// ECS resizes sharing the 5% the simulation gives neither. As there, 55% of the
// jobs are quick network and storage operations and a fifth bare-metal
// batches, so the fixed poller's cost (the long jobs) and its lag (the short
// ones) both show.
var workloadMix = []jobKind{
	{cloudsim.ServiceELBv3, "createLoadbalancer", 20 * time.Second, 0.3, 0.30, 0},
	{cloudsim.ServiceEVS, "createVolume", 40 * time.Second, 0.3, 0.25, 0},
	{cloudsim.ServiceECS, "createServer", 90 * time.Second, 0.4, 0.10, 2},
	{cloudsim.ServiceIMS, "createImageByInstance", 4 * time.Minute, 0.4, 0.025, 0},
	{cloudsim.ServiceECS, "resizeServer", 6 * time.Minute, 0.45, 0.025, 0},
	{cloudsim.ServiceRDS, "CreateMysqlSingleHAInstance", 6 * time.Minute, 0.4, 0.05, 0},
	{cloudsim.ServiceCCE, "CreateNodePool", 8 * time.Minute, 0.4, 0.05, 3},
	{cloudsim.ServiceBMS, "baremetalBatchCreate", 10 * time.Minute, 0.5, 0.20, 5},
}

const (
	// outlierShare of the jobs take 2 to 10 times their kind's usual time.
	outlierShare = 0.05
	// failShare of the jobs end in FAIL; a watcher must notice those too.
	failShare = 0.02
	// maxInit bounds the time a job spends in INIT before it runs.
	maxInit = 10 * time.Second
)

// plannedJob is one job of the workload, in simulated time.
type plannedJob struct {
	Index    int
	Kind     int
	JobID    string
	Arrival  time.Duration // since the phase began
	Duration time.Duration // from begin to end
	Outlier  bool
	Fail     bool
	// SubJobEnds are the sub-jobs' ends as shares of the running time.
	SubJobEnds []float64
}

// planWorkload draws n jobs from a source seeded with seed: kinds by weight,
// log-normal durations (capped at maxDuration), outliers, failures, and
// arrivals spread uniformly over window. The same seed gives the same jobs, so
// the operator and the anchor run the same workload.
func planWorkload(n int, seed uint64, window, maxDuration time.Duration) []plannedJob {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	jobs := make([]plannedJob, n)
	for i := range jobs {
		kind := workload.PickKind(r, len(workloadMix), func(i int) float64 { return workloadMix[i].weight })
		k := workloadMix[kind]
		dur, outlier := workload.Duration(r, k.median, k.sigma, outlierShare)
		if dur > maxDuration {
			// Cut to somewhere in the last tenth below the cap, not to the cap
			// itself: a pile of jobs of exactly the cap, a multiple of the
			// fixed poller's period, would all end just before one of its
			// polls and flatter its lag.
			dur = time.Duration((0.9 + 0.1*r.Float64()) * float64(maxDuration))
		}
		j := plannedJob{
			Kind:     kind,
			JobID:    fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64()),
			Arrival:  time.Duration(r.Float64() * float64(window)),
			Duration: dur,
			Outlier:  outlier,
			Fail:     r.Float64() < failShare,
		}
		if k.maxSubJobs > 0 {
			subs := 1 + r.IntN(k.maxSubJobs)
			for range subs {
				// Servers of a batch finish over the last part of the job.
				j.SubJobEnds = append(j.SubJobEnds, 0.6+0.4*r.Float64())
			}
		}
		jobs[i] = j
	}
	slices.SortStableFunc(jobs, func(a, b plannedJob) int { return int(a.Arrival - b.Arrival) })
	for i := range jobs {
		jobs[i].Index = i
	}
	return jobs
}

// planWarmup draws perKind jobs of every kind, all starting at once, none an
// outlier or a failure: what a long-running operator has seen before. Their
// ids come from another stream than the measured jobs'.
func planWarmup(perKind int, seed uint64, maxDuration time.Duration) []plannedJob {
	r := rand.New(rand.NewPCG(seed^0x5851f42d4c957f2d, seed))
	var jobs []plannedJob
	for kind, k := range workloadMix {
		for range perKind {
			d := time.Duration(k.median.Seconds() * math.Exp(k.sigma*r.NormFloat64()) * float64(time.Second))
			j := plannedJob{
				Index:    len(jobs),
				Kind:     kind,
				JobID:    fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64()),
				Duration: min(d, maxDuration),
			}
			for range k.maxSubJobs {
				j.SubJobEnds = append(j.SubJobEnds, 0.6+0.4*r.Float64())
			}
			jobs = append(jobs, j)
		}
	}
	return jobs
}

// kind returns the job's kind.
func (j plannedJob) kind() jobKind { return workloadMix[j.Kind] }

// spec is the simulator's script of the job in project, starting at its arrival.
// Durations are divided by div: the time scale when the workload is compressed
// (the simulator's clock then runs at wall speed), 1 when the simulator's own
// clock runs faster.
func (j plannedJob) spec(project string, div float64) cloudsim.JobSpec {
	k := j.kind()
	scale := func(d time.Duration) cloudsim.Duration { return cloudsim.Duration(float64(d) / div) }
	init := min(maxInit, j.Duration/10)
	running := j.Duration - init
	s := cloudsim.JobSpec{
		Service:     k.service,
		ProjectID:   project,
		JobID:       j.JobID,
		JobType:     k.jobType,
		StartOffset: scale(j.Arrival),
		Init:        scale(init),
		Running:     scale(running),
	}
	for n, end := range j.SubJobEnds {
		s.SubJobs = append(s.SubJobs, cloudsim.SubJobSpec{
			JobID:     fmt.Sprintf("%s%02d", j.JobID[:30], n),
			Running:   scale(time.Duration(end * float64(running))),
			Resources: cloudsim.Resources{ServerID: fmt.Sprintf("srv-%s-%d", j.JobID[:12], n)},
		})
	}
	if j.Fail {
		s.Outcome = cloudsim.OutcomeFail
		s.ErrorCode = "Common.0024"
		s.FailReason = "insufficient capacity in the availability zone"
		for n := range s.SubJobs {
			s.SubJobs[n].Outcome = cloudsim.OutcomeFail
			s.SubJobs[n].ErrorCode = s.ErrorCode
			s.SubJobs[n].FailReason = s.FailReason
		}
	}
	return s
}

// peakConcurrency is the most jobs running at the same time, in the plan.
func peakConcurrency(jobs []plannedJob) int {
	type edge struct {
		at    time.Duration
		delta int
	}
	edges := make([]edge, 0, 2*len(jobs))
	for _, j := range jobs {
		edges = append(edges, edge{j.Arrival, 1}, edge{j.Arrival + j.Duration, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return a.delta - b.delta
	})
	cur, peak := 0, 0
	for _, e := range edges {
		cur += e.delta
		peak = max(peak, cur)
	}
	return peak
}
