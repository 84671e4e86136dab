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

package workload

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Kind is one (service, job type) of the workload: its durations are
// log-normal with the given median and sigma.
type Kind struct {
	// Service is the simulator's and the CloudJob's service name.
	Service string
	JobType string
	Median  time.Duration
	Sigma   float64
	Weight  float64 // share of the jobs
	// MaxSubJobs: jobs of this kind list 1 to MaxSubJobs sub-jobs (one per
	// server of a batch); 0 lists none.
	MaxSubJobs int
}

// Mix is the benchmark's mix, which the poll policy's simulations share, each
// service in its own shape: from a 20 s load balancer to a 10 min bare-metal
// batch, with RDS creates (6 min) and CCE node pools (8 min, a sub-job per
// node) at 5% each and IMS images and ECS resizes at 2.5% each. 55% of the jobs
// are quick network and storage operations and a fifth bare-metal batches, so
// a fixed poller's cost (the long jobs) and its lag (the short ones) both show.
var Mix = []Kind{
	{"elbv3", "createLoadbalancer", 20 * time.Second, 0.3, 0.30, 0},
	{"evs", "createVolume", 40 * time.Second, 0.3, 0.25, 0},
	{"ecs", "createServer", 90 * time.Second, 0.4, 0.10, 2},
	{"ims", "createImageByInstance", 4 * time.Minute, 0.4, 0.025, 0},
	{"ecs", "resizeServer", 6 * time.Minute, 0.45, 0.025, 0},
	{"rds", "CreateMysqlSingleHAInstance", 6 * time.Minute, 0.4, 0.05, 0},
	{"cce", "CreateNodePool", 8 * time.Minute, 0.4, 0.05, 3},
	{"bms", "baremetalBatchCreate", 10 * time.Minute, 0.5, 0.20, 5},
}

const (
	// OutlierShare of the jobs take 2 to 10 times their kind's usual time.
	OutlierShare = 0.05
	// FailShare of the jobs end in FAIL; a watcher must notice those too.
	FailShare = 0.02
)

// Job is one job of a planned workload, in simulated time.
type Job struct {
	Index    int
	Kind     int // index in Mix
	JobID    string
	Arrival  time.Duration // since the workload began
	Duration time.Duration // from begin to end
	Outlier  bool
	Fail     bool
	// SubJobEnds are the sub-jobs' ends as shares of the running time.
	SubJobEnds []float64
}

// Plan draws n jobs of Mix from a source seeded with seed: kinds by weight,
// log-normal durations (capped at maxDuration), outliers, failures, and
// arrivals spread uniformly over window, sorted by arrival. The same seed gives
// the same jobs, so every poller, simulated or real, meets the same workload.
func Plan(n int, seed uint64, window, maxDuration time.Duration) []Job {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	jobs := make([]Job, n)
	for i := range jobs {
		kind := PickKind(r, len(Mix), func(i int) float64 { return Mix[i].Weight })
		k := Mix[kind]
		dur, outlier := Duration(r, k.Median, k.Sigma, OutlierShare)
		if dur > maxDuration {
			// Cut to somewhere in the last tenth below the cap, not to the cap
			// itself: a pile of jobs of exactly the cap, a multiple of a fixed
			// poller's period, would all end just before one of its polls and
			// flatter its lag.
			dur = time.Duration((0.9 + 0.1*r.Float64()) * float64(maxDuration))
		}
		j := Job{
			Kind:     kind,
			JobID:    fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64()),
			Arrival:  time.Duration(r.Float64() * float64(window)),
			Duration: dur,
			Outlier:  outlier,
			Fail:     r.Float64() < FailShare,
		}
		if k.MaxSubJobs > 0 {
			subs := 1 + r.IntN(k.MaxSubJobs)
			for range subs {
				// Servers of a batch finish over the last part of the job.
				j.SubJobEnds = append(j.SubJobEnds, 0.6+0.4*r.Float64())
			}
		}
		jobs[i] = j
	}
	slices.SortStableFunc(jobs, func(a, b Job) int { return int(a.Arrival - b.Arrival) })
	for i := range jobs {
		jobs[i].Index = i
	}
	return jobs
}

// Warmup draws perKind jobs of every kind, all starting at once, none an
// outlier or a failure: what a long-running poller has seen before. Their ids
// come from another stream than Plan's.
func Warmup(perKind int, seed uint64, maxDuration time.Duration) []Job {
	r := rand.New(rand.NewPCG(seed^0x5851f42d4c957f2d, seed))
	var jobs []Job
	for kind, k := range Mix {
		for range perKind {
			d := time.Duration(k.Median.Seconds() * math.Exp(k.Sigma*r.NormFloat64()) * float64(time.Second))
			j := Job{
				Index:    len(jobs),
				Kind:     kind,
				JobID:    fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64()),
				Duration: min(d, maxDuration),
			}
			for range k.MaxSubJobs {
				j.SubJobEnds = append(j.SubJobEnds, 0.6+0.4*r.Float64())
			}
			jobs = append(jobs, j)
		}
	}
	return jobs
}
