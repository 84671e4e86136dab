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
	"slices"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/workload"
)

// maxInit bounds the time a job spends in INIT before it runs.
const maxInit = 10 * time.Second

// plannedJob is one job of the workload, in simulated time.
type plannedJob = workload.Job

// kindOf returns the job's kind.
func kindOf(j plannedJob) workload.Kind { return workload.Mix[j.Kind] }

// jobSpec is the simulator's script of the job in project, starting at its arrival.
// Durations are divided by div: the time scale when the workload is compressed
// (the simulator's clock then runs at wall speed), 1 when the simulator's own
// clock runs faster.
func jobSpec(j plannedJob, project string, div float64) cloudsim.JobSpec {
	k := kindOf(j)
	scale := func(d time.Duration) cloudsim.Duration { return cloudsim.Duration(float64(d) / div) }
	init := min(maxInit, j.Duration/10)
	running := j.Duration - init
	s := cloudsim.JobSpec{
		Service:     cloudsim.Service(k.Service),
		ProjectID:   project,
		JobID:       j.JobID,
		JobType:     k.JobType,
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
