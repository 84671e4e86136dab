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
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/internal/poll"
)

// memoryTarget is the operator's peak memory target, stated for N=10,000.
const memoryTarget = 150.0 // MiB

// report is everything a run found; it is printed as a table and written as JSON.
type report struct {
	Started     time.Time   `json:"started"`
	WallSeconds float64     `json:"wallSeconds"`
	Command     []string    `json:"command"`
	Machine     machineInfo `json:"machine"`
	Config      configJSON  `json:"config"`
	// OperatorFlags are the flags the operator ran with besides addresses and
	// the kubeconfig: its defaults, scaled.
	OperatorFlags []string `json:"operatorFlags"`
	// PeakConcurrency is the most jobs running at once in the workload.
	PeakConcurrency int `json:"peakConcurrency"`
	// SecondsPerPoll is N/Q in simulated seconds: how often each job can be
	// polled when all share the quota.
	SecondsPerPoll float64 `json:"secondsPerPoll"`
	QuotaBound     bool    `json:"quotaBound"`

	Results []pollerResult `json:"results"`
	Ratios  []ratio        `json:"ratios,omitempty"`
	// Frontier compares the operator with the fixed pollers (the anchor and
	// those of -fixed-periods) at its own cost.
	Frontier *frontierReport `json:"frontier,omitempty"`
	Targets  []target        `json:"targets"`
	Shards   *shardCheck     `json:"shards,omitempty"`
	// Failed is set when a poller died or CloudJobs could not be created: the
	// figures then cover what was done until then.
	Failed bool `json:"failed"`
	// Fidelity lists what makes this run's figures differ from what the same
	// workload would give at real speed.
	Fidelity []string `json:"fidelity,omitempty"`
}

type configJSON struct {
	N              int     `json:"n"`
	Seed           uint64  `json:"seed"`
	TimeScale      float64 `json:"timeScale"`
	Quota          int     `json:"quotaPerMinute"`
	ArrivalWindow  string  `json:"arrivalWindow"`
	MaxJobDuration string  `json:"maxJobDuration"`
	AnchorPeriod   string  `json:"anchorPeriod"`
	Warmup         int     `json:"warmupPerKind"`
	Anchor         string  `json:"anchor"`
	Replicas       int     `json:"replicas"`
	Clock          string  `json:"clock"`
	OperatorEnv    string  `json:"operatorEnv,omitempty"`
}

type machineInfo struct {
	Cores    int    `json:"cores"`
	CPU      string `json:"cpu"`
	MemoryMB int64  `json:"memoryMiB"`
	Go       string `json:"go"`
	OS       string `json:"os"`
}

type ratio struct {
	Figure   string `json:"figure"`
	Operator num    `json:"operator"`
	Anchor   num    `json:"anchor"`
	Ratio    num    `json:"ratio"`
}

type target struct {
	Name string `json:"name"`
	// Holds is nil when the target does not apply to this run.
	Holds  *bool  `json:"holds"`
	Detail string `json:"detail"`
}

func (t target) verdict() string {
	switch {
	case t.Holds == nil:
		return "N/A"
	case *t.Holds:
		return "HOLDS"
	default:
		return "MISSES"
	}
}

func verdict(ok bool) *bool { return &ok }

func (b *bench) report(started time.Time, op, an *phase, fixed []*phase) *report {
	c := b.cfg
	stats := b.sim.Stats()
	r := &report{
		Started:     started.UTC(),
		WallSeconds: time.Since(started).Seconds(),
		Command:     os.Args,
		Machine:     machine(),
		Config: configJSON{
			N: c.N, Seed: c.Seed, TimeScale: c.Scale, Quota: c.Quota,
			ArrivalWindow: c.ArrivalWindow.String(), MaxJobDuration: c.MaxJobDuration.String(),
			AnchorPeriod: c.AnchorPeriod.String(), Warmup: c.Warmup, Anchor: c.Anchor, Replicas: c.Replicas, Clock: c.Clock, OperatorEnv: c.OperatorEnv,
		},
		OperatorFlags:   c.operatorFlags().Args(),
		PeakConcurrency: peakConcurrency(b.plan),
		SecondsPerPoll:  float64(c.N) / float64(c.Quota) * 60,
	}
	// Quota-bound: the quota cannot give every job one poll per
	// --max-poll-interval, the longest the operator waits on its own.
	r.QuotaBound = r.SecondsPerPoll > poll.DefaultMaxInterval.Seconds()
	opr := b.result(op, stats)
	r.Results = append(r.Results, opr)
	var anr *pollerResult
	var curve []pollerResult
	if an != nil {
		a := b.result(an, stats)
		anr = &a
		r.Results = append(r.Results, a)
		r.Ratios = ratios(opr, a)
		curve = append(curve, a)
	}
	r.Failed = op.failed || (an != nil && an.failed)
	for _, f := range fixed {
		fr := b.result(f, stats)
		r.Results = append(r.Results, fr)
		curve = append(curve, fr)
		r.Failed = r.Failed || f.failed
	}
	if len(curve) > 0 {
		r.Frontier = newFrontierReport(opr, curve)
	}
	r.Shards = b.checkShards(op, stats)
	r.Targets = targets(r, opr, anr)
	r.Fidelity = b.fidelity(append([]*phase{an}, fixed...), r.Results[1:])
	return r
}

// fidelity says where compressing time distorts this run. pollers are the
// fixed pollers' phases (nil when none ran) and results their figures.
func (b *bench) fidelity(pollers []*phase, results []pollerResult) []string {
	var out []string
	c := b.cfg
	for i, p := range pollers {
		if p == nil || i >= len(results) || results[i].AnchorStats == nil {
			continue
		}
		want := 0
		for _, j := range b.plan {
			// A poll at the start, then one every period until one sees the end.
			want += int(math.Ceil(j.Duration.Seconds()/p.period.Seconds())) + 1
		}
		st := results[i].AnchorStats
		got := st.Polls - st.Throttled
		if share := float64(got) / float64(want); share < 0.9 {
			out = append(out, fmt.Sprintf("%s answered only %.0f%% of the polls a %s period needs (%d of %d; %d 429s): "+
				"on this machine at %gx it could not keep its period, so its lag is higher and its request count lower than a real fixed poller's",
				p.name, 100*share, p.period, got, want, st.Throttled, c.Scale))
		}
	}
	if c.Scale > 1 {
		out = append(out, fmt.Sprintf("wall-clock latencies (status writes, watch delivery, HTTP) count %gx in simulated seconds, "+
			"and the simulator's Retry-After (at least 1 s) is %g s simulated", c.Scale, c.Scale))
	}
	return out
}

func ratios(o, a pollerResult) []ratio {
	out := []ratio{}
	add := func(name string, ov, av num) {
		out = append(out, ratio{Figure: name, Operator: ov, Anchor: av, Ratio: ov / av})
	}
	add("detection lag p50", o.LagP50, a.LagP50)
	add("detection lag p95", o.LagP95, a.LagP95)
	add("detection lag p99", o.LagP99, a.LagP99)
	add("cloud requests per job", num(o.RequestsPerJob), num(a.RequestsPerJob))
	add("429 answers", num(o.Throttled), num(a.Throttled))
	add("status writes per job", num(o.WritesPerJob), num(a.WritesPerJob))
	add("CPU seconds", num(o.CPUSeconds), num(a.CPUSeconds))
	add("peak memory MiB", num(o.PeakRSSMiB), num(a.PeakRSSMiB))
	add("time to converge", o.ConvergeSim, a.ConvergeSim)
	return out
}

func targets(r *report, o pollerResult, a *pollerResult) []target {
	var out []target
	throttled := o.Throttled
	for _, m := range o.Metrics {
		throttled = max(throttled, int64(m.Throttled))
	}
	out = append(out, target{Name: "zero 429s received by the operator", Holds: verdict(throttled == 0),
		Detail: fmt.Sprintf("%d", throttled)})

	reqs := target{Name: "not quota-bound: operator requests/job <= 1/3 of the anchor's"}
	lag := target{Name: "not quota-bound: operator p50 lag <= the anchor's"}
	switch {
	case r.QuotaBound:
		reqs.Detail = fmt.Sprintf("quota-bound run (N/Q = %.0f s > %s)", r.SecondsPerPoll, poll.DefaultMaxInterval)
		lag.Detail = reqs.Detail
	case a == nil:
		reqs.Detail, lag.Detail = "no anchor run", "no anchor run"
	default:
		reqs.Holds = verdict(o.RequestsPerJob <= a.RequestsPerJob/3)
		reqs.Detail = fmt.Sprintf("%.2f vs %.2f (ratio %.3f)", o.RequestsPerJob, a.RequestsPerJob, o.RequestsPerJob/a.RequestsPerJob)
		lag.Holds = verdict(o.LagP50 <= a.LagP50)
		lag.Detail = fmt.Sprintf("%.1f s vs %.1f s (simulated)", o.LagP50, a.LagP50)
	}
	out = append(out, reqs, lag)
	out = append(out, r.Frontier.targets(r.QuotaBound)...)

	bound50 := target{Name: "quota-bound: operator p50 lag < 0.05 x N/Q"}
	bound99 := target{Name: "quota-bound: operator p99 lag < 0.3 x N/Q"}
	if r.QuotaBound {
		bound50.Holds = verdict(float64(o.LagP50) < 0.05*r.SecondsPerPoll)
		bound50.Detail = fmt.Sprintf("%.1f s vs %.1f s (simulated)", o.LagP50, 0.05*r.SecondsPerPoll)
		bound99.Holds = verdict(float64(o.LagP99) < 0.3*r.SecondsPerPoll)
		bound99.Detail = fmt.Sprintf("%.1f s vs %.1f s (simulated; p95 %.1f s)", o.LagP99, 0.3*r.SecondsPerPoll, o.LagP95)
	} else {
		bound50.Detail = fmt.Sprintf("not quota-bound (N/Q = %.0f s <= %s)", r.SecondsPerPoll, poll.DefaultMaxInterval)
		bound99.Detail = bound50.Detail
	}
	out = append(out, bound50, bound99)

	out = append(out, target{Name: "operator status writes per job <= observed state changes + 2",
		Holds:  verdict(o.WriteExcessJobs == 0),
		Detail: fmt.Sprintf("%d of %d jobs over (worst by %d); mean %.2f writes, %.2f states", o.WriteExcessJobs, o.Jobs, o.MaxWriteExcess, o.WritesPerJob, o.StatesPerJob)})

	mem := target{Name: fmt.Sprintf("operator peak memory <= %.0f MiB at N=10,000", memoryTarget),
		Detail: fmt.Sprintf("%.1f MiB", o.PeakRSSMiB)}
	if r.Config.N >= 10000 {
		mem.Holds = verdict(o.PeakRSSMiB <= memoryTarget)
	} else {
		mem.Detail += fmt.Sprintf(" at N=%d (the target is stated for N=10,000)", r.Config.N)
	}
	out = append(out, mem)

	out = append(out, target{Name: "every CloudJob's outcome recorded", Holds: verdict(o.Finished == o.Jobs),
		Detail: fmt.Sprintf("%d of %d", o.Finished, o.Jobs)})
	if r.Shards != nil {
		s := r.Shards
		out = append(out, target{Name: "shards: no job polled by both replicas", Holds: verdict(s.Disjoint),
			Detail: fmt.Sprintf("both %d, other %d, never %d; key %d = replicas %d + %d", s.JobsPolledByBoth, s.JobsPolledByOther,
				s.JobsNeverPolled, s.KeyRequests, s.Replicas[0].SimRequests, s.Replicas[1].SimRequests)})
	}
	return out
}

// text is the report as the tables printed at the end of a run.
func (r *report) text() string {
	var b strings.Builder
	c := r.Config
	fmt.Fprintf(&b, "\nN=%d seed=%d time scale %gx (%s clock) quota %d/min arrivals over %s, jobs capped at %s; warm-up %d per kind; anchor %s; replicas %d\n",
		c.N, c.Seed, c.TimeScale, c.Clock, c.Quota, c.ArrivalWindow, c.MaxJobDuration, c.Warmup, c.Anchor, c.Replicas)
	fmt.Fprintf(&b, "peak running jobs %d; N/Q = %.0f s per job (%s); %d cores, %s\n",
		r.PeakConcurrency, r.SecondsPerPoll, map[bool]string{true: "quota-bound", false: "not quota-bound"}[r.QuotaBound],
		r.Machine.Cores, r.Machine.CPU)
	if c.OperatorEnv != "" {
		fmt.Fprintf(&b, "operator environment: %s\n", c.OperatorEnv)
	}
	fmt.Fprintf(&b, "lags and times are simulated seconds (wall seconds x %g)\n\n", c.TimeScale)

	var lines []string
	head := "figure\t"
	for _, res := range r.Results {
		head += res.Poller + "\t"
	}
	if len(r.Ratios) > 0 {
		head += "operator/anchor\t"
	}
	lines = append(lines, head)
	rows := []struct {
		name string
		get  func(pollerResult) num
		f    string
	}{
		{"detection lag p50 (s)", func(p pollerResult) num { return p.LagP50 }, "%.1f"},
		{"detection lag p95 (s)", func(p pollerResult) num { return p.LagP95 }, "%.1f"},
		{"detection lag p99 (s)", func(p pollerResult) num { return p.LagP99 }, "%.1f"},
		{"  until the cloud answered, p50 (s)", func(p pollerResult) num { return p.PollLagP50 }, "%.1f"},
		{"  until the cloud answered, p99 (s)", func(p pollerResult) num { return p.PollLagP99 }, "%.1f"},
		{"  then until watched, p50 (s)", func(p pollerResult) num { return p.ReportLatencyP50 }, "%.1f"},
		{"  then until watched, p99 (s)", func(p pollerResult) num { return p.ReportLatencyP99 }, "%.1f"},
		{"cloud requests per job", func(p pollerResult) num { return num(p.RequestsPerJob) }, "%.2f"},
		{"429 answers received", func(p pollerResult) num { return num(p.Throttled) }, "%.0f"},
		{"status writes per job", func(p pollerResult) num { return num(p.WritesPerJob) }, "%.2f"},
		{"states seen per job", func(p pollerResult) num { return num(p.StatesPerJob) }, "%.2f"},
		{"CPU seconds", func(p pollerResult) num { return num(p.CPUSeconds) }, "%.1f"},
		{"peak memory (MiB)", func(p pollerResult) num { return num(p.PeakRSSMiB) }, "%.1f"},
		{"time to converge (s)", func(p pollerResult) num { return p.ConvergeSim }, "%.0f"},
		{"after the last job's end (s)", func(p pollerResult) num { return p.TailSim }, "%.1f"},
		{"jobs finished", func(p pollerResult) num { return num(p.Finished) }, "%.0f"},
	}
	for _, row := range rows {
		line := row.name + "\t"
		var vals []num
		for _, res := range r.Results {
			v := row.get(res)
			vals = append(vals, v)
			line += fmt.Sprintf(row.f, v) + "\t"
		}
		if len(r.Ratios) > 0 {
			line += ratioText(vals[0], vals[1]) + "\t"
		}
		lines = append(lines, line)
	}
	b.WriteString(table(lines))

	fmt.Fprintln(&b, "\nby kind of job: p50 lag (s), requests, status writes and states seen per job")
	lines = nil
	// The operator and the anchor; the other fixed pollers are in the frontier.
	shown := r.Results[:min(len(r.Results), 2)]
	lines = append(lines, "service\tjob type\tjobs\t"+pollerColumns(shown)+"\t")
	for k := range r.Results[0].ByKind {
		kr := r.Results[0].ByKind[k]
		line := fmt.Sprintf("%s\t%s\t%d\t", kr.Service, kr.JobType, kr.Jobs)
		for _, res := range shown {
			kr := res.ByKind[k]
			line += fmt.Sprintf("%.1f\t%.1f\t%.1f\t%.1f\t", kr.LagP50, kr.RequestsPerJob, kr.WritesPerJob, kr.StatesPerJob)
		}
		lines = append(lines, line)
	}
	b.WriteString(table(lines))

	if r.Frontier != nil {
		b.WriteString(r.Frontier.text())
	}

	if r.Shards != nil {
		fmt.Fprintln(&b, "\nshards")
		for _, rc := range r.Shards.Replicas {
			fmt.Fprintf(&b, "  replica %-14s %-20s jobs %5d  requests: simulator %d, its metrics %.0f; 429s %d\n",
				rc.Version, rc.Selector, rc.Jobs, rc.SimRequests, rc.MetricRequests, rc.Throttled)
		}
		fmt.Fprintf(&b, "  shared key: %d requests; jobs polled by both replicas %d, by the other replica only %d, never %d\n",
			r.Shards.KeyRequests, r.Shards.JobsPolledByBoth, r.Shards.JobsPolledByOther, r.Shards.JobsNeverPolled)
	}

	for _, res := range r.Results {
		for i, m := range res.Metrics {
			fmt.Fprintf(&b, "\n%s metrics (replica %d): reconcile errors %.0f, quota deferrals %.0f; Events recorded %.0f, dropped %.0f, failed %.0f\n",
				res.Poller, i+1, m.ReconcileErrors, m.QuotaDeferrals, m.EventsRecorded, m.EventsDropped, m.EventsFailed)
		}
	}

	fmt.Fprintln(&b, "\ntargets")
	for _, t := range r.Targets {
		fmt.Fprintf(&b, "  %-7s %s: %s\n", t.verdict(), t.Name, t.Detail)
	}
	if len(r.Fidelity) > 0 {
		fmt.Fprintln(&b, "\nfidelity")
		for _, f := range r.Fidelity {
			fmt.Fprintf(&b, "  - %s\n", f)
		}
	}
	for _, res := range r.Results {
		if res.Unfinished != "" {
			fmt.Fprintf(&b, "  note: %s did not finish: %s\n", res.Poller, res.Unfinished)
		}
		if res.Relists > 0 {
			fmt.Fprintf(&b, "  note: the watch of %s's CloudJobs fell behind and was replaced by a list %d times; outcomes in the gaps were recorded late\n", res.Poller, res.Relists)
		}
		if res.LogErrors > 0 {
			fmt.Fprintf(&b, "  note: %s logged %d error lines\n", res.Poller, res.LogErrors)
		}
	}
	return b.String()
}

// table aligns tab-separated lines into right-aligned columns.
func table(lines []string) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	// Writes to a strings.Builder cannot fail.
	_, _ = io.WriteString(tw, strings.Join(lines, "\n")+"\n")
	_ = tw.Flush()
	return b.String()
}

func pollerColumns(rs []pollerResult) string {
	var cols []string
	for _, r := range rs {
		cols = append(cols, r.Poller+" lag\treq\twrites\tstates")
	}
	return strings.Join(cols, "\t")
}

func ratioText(a, b num) string {
	if b == 0 || math.IsNaN(float64(a)) || math.IsNaN(float64(b)) {
		if a == 0 && b == 0 {
			return "-"
		}
		return "n/a"
	}
	return fmt.Sprintf("%.3f", a/b)
}

// write stores the report as JSON in dir, named by its start time and size,
// and the frontier's picture beside it (-frontier.svg and .png) when the
// operator was compared. It returns the files written.
func (r *report) write(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s-n%d", r.Started.Format("20060102T150405Z"), r.Config.N)
	if r.Config.Replicas > 1 {
		name += fmt.Sprintf("-r%d", r.Config.Replicas)
	}
	path := filepath.Join(dir, name+".json")
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return nil, err
	}
	written := []string{path}
	if r.Frontier != nil && r.Frontier.Comparison != nil {
		title := fmt.Sprintf("N=%d, seed %d, %gx: the operator against fixed pollers", r.Config.N, r.Config.Seed, r.Config.TimeScale)
		for _, ext := range []string{".svg", ".png"} {
			pic := filepath.Join(dir, name+"-frontier"+ext)
			if err := r.Frontier.plot(pic, title); err != nil {
				return written, fmt.Errorf("drawing the frontier: %w", err)
			}
			written = append(written, pic)
		}
	}
	return written, nil
}

// machine describes the machine the run is on.
func machine() machineInfo {
	m := machineInfo{Cores: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		_ = f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var kb int64
			if _, err := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kb); err == nil {
				m.MemoryMB = kb >> 10
				break
			}
		}
		_ = f.Close()
	}
	return m
}
