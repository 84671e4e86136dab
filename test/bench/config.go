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
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// Ways to run the anchor.
const (
	anchorSequential = "sequential" // after the operator, alone on the machine
	anchorParallel   = "parallel"   // at the same time, in its own project with its own key
	anchorOff        = "off"
)

// Ways to compress time.
const (
	// clockWorkload divides every duration of the workload by the scale and runs
	// the simulator's clock at wall speed, with the quota per minute multiplied
	// by the scale. The cloud's begin and end times are then on the operator's
	// clock, which the operator needs: it measures a job's age from the cloud's
	// begin time with its own clock.
	clockWorkload = "workload"
	// clockSimulator runs the simulator's own clock scale times faster. Its
	// begin and end times then run ahead of the operator's clock, so the
	// operator misjudges every job's age; kept to show that effect.
	clockSimulator = "simulator"
)

// config is one benchmark run.
type config struct {
	N              int
	Seed           uint64
	Scale          float64
	Quota          int           // the account's requests per simulated minute (Q)
	ArrivalWindow  time.Duration // simulated; jobs arrive uniformly over it
	MaxJobDuration time.Duration // simulated; longer draws are cut to it
	AnchorPeriod   time.Duration // simulated
	// FixedPeriods are the intervals (simulated) of the fixed pollers run
	// besides the anchor, which draw with it the frontier the operator is
	// compared on at equal cost.
	FixedPeriods   durationList
	Warmup         int // jobs of each kind the operator sees finish before the measured ones
	Anchor         string
	AnchorInflight int
	Replicas       int
	Clock          string
	MaxConcurrent  int           // the operator's --max-concurrent-reconciles; 0 keeps its default
	PhaseTimeout   time.Duration // wall clock; 0 derives it from the workload
	ResultsDir     string        // "" writes no file
	CPUProfile     string        // the harness's own CPU profile
	OperatorPprof  string        // directory for the operator's CPU and heap profiles; "" for none
	LogsDir        string        // where the children's logs go; "" for the temporary directory
	OperatorEnv    string        // extra environment of the operator, comma-separated KEY=VALUE
	Progress       io.Writer     // progress lines; nil for none
}

func defaultConfig() config {
	return config{
		N:              1000,
		Seed:           1,
		Scale:          5,
		Quota:          2000,
		ArrivalWindow:  10 * time.Minute,
		MaxJobDuration: time.Hour,
		AnchorPeriod:   10 * time.Second,
		FixedPeriods:   durationList{20 * time.Second, 40 * time.Second, 80 * time.Second},
		Warmup:         10,
		Anchor:         anchorParallel,
		AnchorInflight: 64,
		Replicas:       1,
		Clock:          clockWorkload,
		ResultsDir:     filepath.Join(testenv.RepoRoot(), "bench", "results"),
	}
}

// bindFlags defines the harness's flags on fs, defaulting to c.
func bindFlags(fs *flag.FlagSet, c *config) {
	fs.IntVar(&c.N, "n", c.N, "number of CloudJobs")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of the workload (kinds, durations, outliers, arrivals)")
	fs.Float64Var(&c.Scale, "time-scale", c.Scale, "how many times faster than real time the run goes; lags are reported in simulated seconds")
	fs.IntVar(&c.Quota, "quota", c.Quota, "the account's cloud request quota per simulated minute (Q)")
	fs.DurationVar(&c.ArrivalWindow, "arrival-window", c.ArrivalWindow, "simulated time over which the jobs start, uniformly (0: all at once)")
	fs.DurationVar(&c.MaxJobDuration, "max-job-duration", c.MaxJobDuration, "simulated cap on a job's duration (outliers included)")
	fs.DurationVar(&c.AnchorPeriod, "anchor-period", c.AnchorPeriod, "the fixed poller's interval, in simulated time")
	fs.Var(&c.FixedPeriods, "fixed-periods",
		"comma-separated intervals (simulated) of the fixed pollers run with the anchor, drawing the frontier of lag against requests per job that the operator is compared on at equal cost (empty: none)")
	fs.IntVar(&c.Warmup, "warmup", c.Warmup,
		"jobs of each kind (per replica) the operator sees finish before the measured jobs start, so its learner is warm as in a long-running operator; 0 measures a cold start")
	fs.StringVar(&c.Anchor, "anchor", c.Anchor, "run the fixed-interval anchor: sequential (after the operator), parallel or off")
	fs.IntVar(&c.AnchorInflight, "anchor-inflight", c.AnchorInflight, "most polls the anchor has in flight at once")
	fs.IntVar(&c.Replicas, "replicas", c.Replicas, "operator replicas, 1 or 2; with 2 the jobs are labelled shard=a/b and each replica owns one shard")
	fs.StringVar(&c.Clock, "clock", c.Clock, "how time is compressed: workload (durations divided by the scale) or simulator (the simulator's clock runs faster)")
	fs.IntVar(&c.MaxConcurrent, "max-concurrent-reconciles", c.MaxConcurrent, "the operator's --max-concurrent-reconciles (0: its default)")
	fs.DurationVar(&c.PhaseTimeout, "phase-timeout", c.PhaseTimeout, "wall-clock cap of one phase (0: derived from the workload)")
	fs.StringVar(&c.ResultsDir, "results-dir", c.ResultsDir, "directory of the JSON results (empty: none)")
	fs.StringVar(&c.CPUProfile, "cpuprofile", c.CPUProfile, "write the harness's CPU profile to this file")
	fs.StringVar(&c.OperatorEnv, "operator-env", c.OperatorEnv,
		"extra environment of the operator, comma-separated KEY=VALUE (for example GOMEMLIMIT=120MiB, to see what a memory limit does)")
	fs.StringVar(&c.LogsDir, "logs-dir", c.LogsDir, "keep the operator's and the anchor's logs in this directory (default: a temporary one, removed)")
	fs.StringVar(&c.OperatorPprof, "operator-pprof", c.OperatorPprof,
		"directory to save the operator's CPU profile (over its phase) and heap profile (at the end) into; enables its --pprof-bind-address")
}

func (c config) validate() error {
	switch {
	case c.N < 1:
		return fmt.Errorf("-n must be at least 1")
	case !(c.Scale >= 1):
		return fmt.Errorf("-time-scale must be at least 1")
	case c.Quota < 1:
		return fmt.Errorf("-quota must be at least 1")
	case c.ArrivalWindow < 0 || c.MaxJobDuration < time.Second || c.AnchorPeriod <= 0:
		return fmt.Errorf("-arrival-window must be >= 0, -max-job-duration >= 1s, -anchor-period > 0")
	case c.Replicas != 1 && c.Replicas != 2:
		return fmt.Errorf("-replicas must be 1 or 2")
	case c.Anchor != anchorSequential && c.Anchor != anchorParallel && c.Anchor != anchorOff:
		return fmt.Errorf("-anchor must be sequential, parallel or off")
	case c.Clock != clockWorkload && c.Clock != clockSimulator:
		return fmt.Errorf("-clock must be workload or simulator")
	case !c.FixedPeriods.valid(c.AnchorPeriod):
		return fmt.Errorf("-fixed-periods must be distinct positive durations, none equal to -anchor-period")
	case c.AnchorInflight < 1:
		return fmt.Errorf("-anchor-inflight must be at least 1")
	case c.Warmup < 0:
		return fmt.Errorf("-warmup must be at least 0")
	}
	return nil
}

// operatorFlags are each replica's flags: the operator's defaults in the
// benchmark's compressed time, with its share of the quota.
func (c config) operatorFlags() harness.Flags {
	f := harness.DefaultFlags().
		With("cloud-requests-per-minute", strconv.FormatFloat(float64(c.Quota)/float64(c.Replicas), 'f', -1, 64)).
		Scaled(c.Scale)
	if c.MaxConcurrent > 0 {
		f = f.With("max-concurrent-reconciles", strconv.Itoa(c.MaxConcurrent))
	}
	return f
}

// wall converts a simulated duration to wall-clock time.
func (c config) wall(sim time.Duration) time.Duration { return time.Duration(float64(sim) / c.Scale) }

// phaseTimeout is how long a phase may take: the workload's own length plus
// half an hour of simulated slack for stragglers, plus two real minutes for
// start-up; or PhaseTimeout when set.
func (c config) phaseTimeout() time.Duration {
	if c.PhaseTimeout > 0 {
		return c.PhaseTimeout
	}
	return c.wall(c.ArrivalWindow+c.MaxJobDuration+30*time.Minute) + 2*time.Minute
}

// durationList is a flag of comma-separated durations.
type durationList []time.Duration

func (l *durationList) String() string {
	if l == nil {
		return ""
	}
	parts := make([]string, len(*l))
	for i, d := range *l {
		parts[i] = d.String()
	}
	return strings.Join(parts, ",")
}

func (l *durationList) Set(v string) error {
	*l = nil
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		d, err := time.ParseDuration(part)
		if err != nil {
			return err
		}
		*l = append(*l, d)
	}
	return nil
}

// valid: positive, distinct, and none the anchor's period.
func (l durationList) valid(anchor time.Duration) bool {
	seen := map[time.Duration]bool{anchor: true}
	for _, d := range l {
		if d <= 0 || seen[d] {
			return false
		}
		seen[d] = true
	}
	return true
}
