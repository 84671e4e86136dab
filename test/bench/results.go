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
	"encoding/json"
	"math"
	"slices"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/test/bench/anchor"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/workload"
)

// pollerResult is one poller's figures. Lags and convergence are in simulated
// seconds: wall-clock seconds times the time scale.
type pollerResult struct {
	Poller   string `json:"poller"`
	Jobs     int    `json:"jobs"`
	Finished int    `json:"finished"`

	LagP50 num `json:"lagP50"`
	LagP95 num `json:"lagP95"`
	LagP99 num `json:"lagP99"`
	LagMax num `json:"lagMax"`
	// The lag in two parts: until the cloud first answered a poll with the
	// job's final state (the poll policy and the quota), and from that answer
	// to the outcome on the watch (the poller's processing, its status write
	// and the watch; wall time, so it counts time-scale times over).
	PollLagP50       num `json:"pollLagP50"`
	PollLagP99       num `json:"pollLagP99"`
	ReportLatencyP50 num `json:"reportLatencyP50"`
	ReportLatencyP99 num `json:"reportLatencyP99"`

	Requests       int64   `json:"requests"`
	RequestsPerJob float64 `json:"requestsPerJob"`
	Throttled      int64   `json:"throttled"`

	Writes       int     `json:"writes"`
	WritesPerJob float64 `json:"writesPerJob"`
	StatesPerJob float64 `json:"statesPerJob"`
	// WriteExcessJobs counts jobs with more writes than states seen + 2.
	WriteExcessJobs int `json:"writeExcessJobs"`
	MaxWriteExcess  int `json:"maxWriteExcess"`

	CPUSeconds float64 `json:"cpuSeconds"`
	// PeakRSSMiB is the largest VmHWM of the poller's processes.
	PeakRSSMiB float64 `json:"peakRssMiB"`

	// ConvergeSim is from the phase's start to the last outcome recorded.
	ConvergeSim num `json:"convergeSim"`
	// TailSim is from the last job's end in the cloud to the last outcome
	// recorded.
	TailSim num `json:"tailSim"`
	// CreateLateP99 is how late (wall seconds) the CloudJobs were created
	// against their arrival time.
	CreateLateP99 num `json:"createLateP99Wall"`

	// AgentRequests counts what the simulator got with the poller's
	// User-Agent(s), warm-up included: what its own metrics must match.
	AgentRequests int64 `json:"agentRequests"`
	// Relists counts watch gaps: outcomes that arrived during one are
	// recorded late. 0 in a sound run.
	Relists     int               `json:"relists"`
	Metrics     []operatorMetrics `json:"metrics,omitempty"`
	AnchorStats *anchor.Stats     `json:"anchorStats,omitempty"`
	LogErrors   int               `json:"logErrors"`
	Unfinished  string            `json:"unfinished,omitempty"`
	ByKind      []kindResult      `json:"byKind"`
}

// kindResult is a poller's figures for one kind of job.
type kindResult struct {
	Service        string  `json:"service"`
	JobType        string  `json:"jobType"`
	Jobs           int     `json:"jobs"`
	LagP50         num     `json:"lagP50"`
	RequestsPerJob float64 `json:"requestsPerJob"`
	WritesPerJob   float64 `json:"writesPerJob"`
	StatesPerJob   float64 `json:"statesPerJob"`
}

// num is a figure that may be missing (NaN): a lag with no finished job, the
// convergence of a run cut by its deadline. JSON has no NaN; it is written as
// null.
type num float64

// MarshalJSON writes NaN and infinities as null.
func (n num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

// quantile is the q-quantile of sorted values, interpolating between ranks.
func quantile(sorted []float64, q float64) num {
	if len(sorted) == 0 {
		return num(math.NaN())
	}
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return num(sorted[len(sorted)-1])
	}
	return num(sorted[i] + (pos-float64(i))*(sorted[i+1]-sorted[i]))
}

// result works out a phase's figures from the simulator's stats and the watch.
func (b *bench) result(p *phase, stats cloudsim.Stats) pollerResult {
	scale := b.cfg.Scale
	byJob := map[string]cloudsim.JobStats{}
	for _, js := range stats.Jobs {
		for _, project := range p.projects {
			if js.ProjectID == project {
				byJob[project+"/"+js.JobID] = js
			}
		}
	}
	watched := p.rec.snapshot()
	r := pollerResult{Poller: p.name, Jobs: len(p.jobs)}
	var (
		lags       []float64
		pollLags   []float64
		reportLats []float64
		lastDone   time.Time
		lastEnd    time.Time
		kindLags   = make([][]float64, len(workload.Mix))
		kindReqs   = make([]int64, len(workload.Mix))
		kindCounts = make([]int, len(workload.Mix))
		kindWrites = make([]int, len(workload.Mix))
		kindStates = make([]int, len(workload.Mix))
		states     int
	)
	for _, j := range p.jobs {
		js := byJob[j.project+"/"+j.JobID]
		w := watched[j.name]
		r.Requests += js.Requests
		r.Throttled += js.Throttled
		kindReqs[j.Kind] += js.Requests
		kindCounts[j.Kind]++
		r.Writes += w.writes
		states += len(w.states)
		kindWrites[j.Kind] += w.writes
		kindStates[j.Kind] += len(w.states)
		if excess := w.writes - (len(w.states) + 2); excess > 0 {
			r.WriteExcessJobs++
			r.MaxWriteExcess = max(r.MaxWriteExcess, excess)
		}
		if js.EndedAt != nil && js.EndedAt.After(lastEnd) {
			lastEnd = *js.EndedAt
		}
		if w.doneAt.IsZero() || js.EndedAt == nil {
			continue
		}
		r.Finished++
		lag := max(0, w.doneAt.Sub(*js.EndedAt).Seconds()) * scale
		lags = append(lags, lag)
		if js.FinalServedAt != nil {
			pollLags = append(pollLags, max(0, js.FinalServedAt.Sub(*js.EndedAt).Seconds())*scale)
			reportLats = append(reportLats, max(0, w.doneAt.Sub(*js.FinalServedAt).Seconds())*scale)
		}
		kindLags[j.Kind] = append(kindLags[j.Kind], lag)
		if w.doneAt.After(lastDone) {
			lastDone = w.doneAt
		}
	}
	slices.Sort(lags)
	r.LagP50, r.LagP95, r.LagP99 = quantile(lags, 0.5), quantile(lags, 0.95), quantile(lags, 0.99)
	slices.Sort(pollLags)
	slices.Sort(reportLats)
	r.PollLagP50, r.PollLagP99 = quantile(pollLags, 0.5), quantile(pollLags, 0.99)
	r.ReportLatencyP50, r.ReportLatencyP99 = quantile(reportLats, 0.5), quantile(reportLats, 0.99)
	if len(lags) > 0 {
		r.LagMax = num(lags[len(lags)-1])
	}
	n := float64(len(p.jobs))
	r.RequestsPerJob = float64(r.Requests) / n
	r.WritesPerJob = float64(r.Writes) / n
	r.StatesPerJob = float64(states) / n
	r.ConvergeSim, r.TailSim = num(math.NaN()), num(math.NaN())
	if !lastDone.IsZero() {
		r.ConvergeSim = num(lastDone.Sub(p.start).Seconds() * scale)
		r.TailSim = num(max(0, lastDone.Sub(lastEnd).Seconds()) * scale)
	}
	if r.Finished < r.Jobs {
		r.ConvergeSim, r.TailSim = num(math.NaN()), num(math.NaN())
		if p.waitErr != nil {
			r.Unfinished = p.waitErr.Error()
		}
	}
	late := make([]float64, 0, len(p.created.late))
	for _, l := range p.created.late {
		late = append(late, l.Seconds())
	}
	slices.Sort(late)
	r.CreateLateP99 = quantile(late, 0.99)
	for _, u := range p.usage {
		r.CPUSeconds += u.CPUSeconds
		r.PeakRSSMiB = max(r.PeakRSSMiB, float64(u.PeakRSS)/(1<<20))
	}
	r.Metrics = p.metrics
	r.Relists = p.rec.relistCount()
	agents := b.sim.agents()
	for _, ua := range p.userAgents() {
		r.AgentRequests += agents[ua].Requests
	}
	r.AnchorStats = p.anchorStats
	r.LogErrors = p.logErrors
	for k, kind := range workload.Mix {
		if kindCounts[k] == 0 {
			continue
		}
		l := kindLags[k]
		slices.Sort(l)
		r.ByKind = append(r.ByKind, kindResult{
			Service: kind.Service, JobType: kind.JobType, Jobs: kindCounts[k],
			LagP50: quantile(l, 0.5), RequestsPerJob: float64(kindReqs[k]) / float64(kindCounts[k]),
			WritesPerJob: float64(kindWrites[k]) / float64(kindCounts[k]),
			StatesPerJob: float64(kindStates[k]) / float64(kindCounts[k]),
		})
	}
	return r
}

// shardCheck is what the sharding mode verifies: every job polled by the
// replica owning its shard only, and every job finished.
type shardCheck struct {
	Replicas []replicaCheck `json:"replicas"`
	// JobsPolledByBoth, JobsPolledByOther and JobsNeverPolled should all be 0.
	JobsPolledByBoth  int `json:"jobsPolledByBoth"`
	JobsPolledByOther int `json:"jobsPolledByOther"`
	JobsNeverPolled   int `json:"jobsNeverPolled"`
	// KeyRequests is the shared access key's count in the simulator's stats; it
	// must equal the replicas' requests added up.
	KeyRequests int64 `json:"keyRequests"`
	Disjoint    bool  `json:"disjoint"`
	Complete    bool  `json:"complete"`
}

type replicaCheck struct {
	Version  string `json:"version"`
	Selector string `json:"selector"`
	Jobs     int    `json:"jobs"`
	// SimRequests counts the requests the simulator got with this replica's
	// User-Agent; MetricRequests the requests the replica's metrics count.
	SimRequests    int64   `json:"simRequests"`
	MetricRequests float64 `json:"metricRequests"`
	Throttled      int64   `json:"throttled"`
}

func (b *bench) checkShards(p *phase, stats cloudsim.Stats) *shardCheck {
	if len(p.operators) < 2 {
		return nil
	}
	agents := b.sim.agents()
	sc := &shardCheck{KeyRequests: stats.AccessKeys[p.accessKey].Requests}
	owner := map[string]string{} // shard -> User-Agent
	var sum int64
	for i, o := range p.operators {
		ua := o.userAgent()
		owner[b.cfg.shardOf(i)] = ua
		rc := replicaCheck{Version: o.version, Selector: shardLabel + "=" + b.cfg.shardOf(i),
			SimRequests: agents[ua].Requests, Throttled: agents[ua].Throttled}
		if i < len(p.metrics) {
			rc.MetricRequests = p.metrics[i].Requests
		}
		sum += rc.SimRequests
		sc.Replicas = append(sc.Replicas, rc)
	}
	for _, j := range p.jobs {
		for i := range p.operators {
			if b.cfg.shardOf(i) == j.shard {
				sc.Replicas[i].Jobs++
			}
		}
		seen := b.sim.jobAgentsOf(j.project, j.JobID)
		switch {
		case len(seen) == 0:
			sc.JobsNeverPolled++
		case len(seen) > 1:
			sc.JobsPolledByBoth++
		case seen[owner[j.shard]] == 0:
			sc.JobsPolledByOther++
		}
	}
	sc.Disjoint = sc.JobsPolledByBoth == 0 && sc.JobsPolledByOther == 0 && sc.JobsNeverPolled == 0 && sum == sc.KeyRequests
	for _, r := range sc.Replicas {
		// A replica's own count of its requests must be what the simulator saw
		// from it: no request of one replica hides under the other's name.
		if int64(r.MetricRequests) != r.SimRequests {
			sc.Disjoint = false
		}
	}
	sc.Complete = p.rec.finishedCount("job-") == len(p.jobs)
	return sc
}
