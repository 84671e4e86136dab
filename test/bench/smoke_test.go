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
	"os"
	"testing"
	"time"
)

// TestHarnessProducesFigures runs the whole harness on 50 jobs, the operator and
// the anchor side by side, and checks that every figure is there and sane and
// that the JSON file holds them. It checks that the harness measures, not how
// well the operator does: the targets are for the real runs.
func TestHarnessProducesFigures(t *testing.T) {
	c := testConfig(t, 50)
	c.Anchor = anchorParallel
	// One more fixed poller, a cheap one, draws a frontier of two points.
	c.FixedPeriods = durationList{80 * time.Second}
	rep := runForTest(t, c)

	if len(rep.Results) != 3 || rep.Results[0].Poller != "operator" || rep.Results[1].Poller != "anchor" || rep.Results[2].Poller != "fixed 1m20s" {
		t.Fatalf("results for %v, want operator, anchor and fixed 1m20s", rep.Results)
	}
	if f := rep.Frontier; f == nil || len(f.Curve) != 2 || (f.Comparison == nil && f.Error == "") {
		t.Fatalf("frontier %+v, want two fixed pollers and a comparison or why there is none", f)
	}
	if fr := rep.Results[2]; fr.AgentRequests < fr.Requests || fr.AnchorStats == nil {
		t.Errorf("fixed 1m20s: the simulator counted %d requests from it, %d for its jobs; its stats %+v", fr.AgentRequests, fr.Requests, fr.AnchorStats)
	} else if fr.WritesPerJob > fr.StatesPerJob {
		// The frontier's pollers write only what changed; the anchor writes
		// every poll.
		t.Errorf("fixed 1m20s: %.2f writes per job for %.2f states seen, want no more", fr.WritesPerJob, fr.StatesPerJob)
	}
	for _, r := range rep.Results {
		if r.Finished != c.N {
			t.Errorf("%s: %d of %d jobs finished", r.Poller, r.Finished, c.N)
		}
		for name, v := range map[string]float64{
			"lag p50": float64(r.LagP50), "lag p95": float64(r.LagP95), "lag p99": float64(r.LagP99),
			"converge": float64(r.ConvergeSim),
		} {
			if math.IsNaN(v) || v < 0 {
				t.Errorf("%s: %s = %v", r.Poller, name, v)
			}
		}
		if !(r.LagP50 <= r.LagP95 && r.LagP95 <= r.LagP99 && r.LagP99 <= r.LagMax) {
			t.Errorf("%s: lags not ordered: %v %v %v %v", r.Poller, r.LagP50, r.LagP95, r.LagP99, r.LagMax)
		}
		// Every job is polled at least once, and its outcome is a write.
		if r.RequestsPerJob < 1 || r.WritesPerJob < 1 || r.StatesPerJob < 1 {
			t.Errorf("%s: requests/job %.2f, writes/job %.2f, states/job %.2f; want each >= 1", r.Poller, r.RequestsPerJob, r.WritesPerJob, r.StatesPerJob)
		}
		if r.CPUSeconds <= 0 || r.PeakRSSMiB <= 0 {
			t.Errorf("%s: CPU %.2f s, peak memory %.1f MiB; want both > 0", r.Poller, r.CPUSeconds, r.PeakRSSMiB)
		}
		if len(r.ByKind) == 0 {
			t.Errorf("%s: no figures by kind", r.Poller)
		}
	}
	// The simulator and the operator count the same requests (the warm-up's
	// included), and the measured jobs' are among them.
	op := rep.Results[0]
	if m := op.Metrics; len(m) != 1 || int64(m[0].Requests) != op.AgentRequests || op.AgentRequests < op.Requests {
		t.Errorf("operator metrics %+v; the simulator counted %d requests from it, %d for the measured jobs", m, op.AgentRequests, op.Requests)
	}
	// How the two compare is for the real runs (docs/benchmarks.md): at this
	// size and time scale a loaded machine decides it, not the pollers.
	if rep.Results[1].AgentRequests < rep.Results[1].Requests {
		t.Errorf("anchor: the simulator counted %d requests from it, fewer than the %d for its jobs", rep.Results[1].AgentRequests, rep.Results[1].Requests)
	}
	if len(rep.Ratios) != 9 || len(rep.Targets) < 6 {
		t.Errorf("%d ratios and %d targets", len(rep.Ratios), len(rep.Targets))
	}

	written, err := rep.write(c.ResultsDir)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(c.ResultsDir)
	if err != nil || len(entries) != len(written) || (rep.Frontier.Comparison != nil) != (len(written) == 3) {
		t.Fatalf("results dir: %v, %d files; written %v", err, len(entries), written)
	}
	b, err := os.ReadFile(written[0])
	if err != nil {
		t.Fatal(err)
	}
	var back report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("the results file does not decode: %v", err)
	}
	if back.Config.N != c.N || len(back.Results) != 3 || back.Results[0].Requests != rep.Results[0].Requests {
		t.Errorf("the results file does not hold the run's figures")
	}
}
