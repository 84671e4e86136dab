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
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

func TestLearnerQuantiles(t *testing.T) {
	l := NewLearner()
	for i := 1; i <= 4; i++ {
		l.Observe("ecs", "create", time.Duration(i)*time.Second)
		if _, _, _, ok := l.Quantiles("ecs", "create"); ok {
			t.Fatalf("ok after %d samples, want at least %d", i, learnerMinSamples)
		}
	}
	l.Observe("ecs", "create", 0)            // ignored
	l.Observe("ecs", "create", -time.Second) // ignored
	for i := 5; i <= 9; i++ {
		l.Observe("ecs", "create", time.Duration(i)*time.Second)
	}
	p10, p50, p90, ok := l.Quantiles("ecs", "create")
	if !ok || p10 != 1800*time.Millisecond || p50 != 5*time.Second || p90 != 8200*time.Millisecond {
		t.Errorf("Quantiles of 1..9 s = %v %v %v %v, want 1.8s 5s 8.2s true", p10, p50, p90, ok)
	}
	if _, _, _, ok := l.Quantiles("ecs", "delete"); ok {
		t.Error("a kind never observed reports ok")
	}
	if _, _, _, ok := l.Quantiles("evs", "create"); ok {
		t.Error("kinds are keyed by service and job type together")
	}
}

// TestLearnerKeepsRecentDurations: after a change in the cloud, the window
// forgets the old durations.
func TestLearnerKeepsRecentDurations(t *testing.T) {
	l := NewLearner()
	for range learnerWindow {
		l.Observe("bms", "batch", time.Minute)
	}
	for i := range learnerWindow {
		l.Observe("bms", "batch", 10*time.Minute+time.Duration(i)*time.Millisecond)
		if i == learnerWindow/2 {
			if _, p50, _, _ := l.Quantiles("bms", "batch"); p50 <= time.Minute {
				t.Errorf("half way through the change, p50 = %v, want it moving up", p50)
			}
		}
	}
	p10, _, _, _ := l.Quantiles("bms", "batch")
	if p10 < 10*time.Minute {
		t.Errorf("p10 = %v after %d new durations, want the old ones gone", p10, learnerWindow)
	}
	if n := len(l.kinds[kindKey{"bms", "batch"}].sorted); n != learnerWindow {
		t.Errorf("%d durations kept, want %d", n, learnerWindow)
	}
}

// TestLearnerBoundsKinds: the least recently observed kind goes first when the
// map is full.
func TestLearnerBoundsKinds(t *testing.T) {
	l := NewLearner()
	for i := range learnerMaxKinds {
		for range learnerMinSamples {
			l.Observe("svc", fmt.Sprint(i), time.Second)
		}
	}
	l.Observe("svc", "0", time.Second) // kind 0 is now recent; kind 1 is the oldest
	l.Observe("svc", "new", time.Second)
	if len(l.kinds) != learnerMaxKinds {
		t.Errorf("%d kinds, want %d", len(l.kinds), learnerMaxKinds)
	}
	if _, _, _, ok := l.Quantiles("svc", "1"); ok {
		t.Error("the least recently observed kind was kept")
	}
	if _, _, _, ok := l.Quantiles("svc", "0"); !ok {
		t.Error("a recently observed kind was evicted")
	}
}

// TestLearnerFit: the fitted log-normal recovers the median and spread, and a
// few stragglers ten times slower do not widen it much.
func TestLearnerFit(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, sigma := range []float64{0.3, 0.5} {
		l := NewLearner()
		for range learnerWindow {
			d := 120 * math.Exp(sigma*r.NormFloat64())
			if r.Float64() < 0.05 {
				d *= 10
			}
			l.Observe("rds", "create", secondsToDuration(d))
		}
		m, ok := l.model("rds", "create")
		if !ok {
			t.Fatal("no model after a full window")
		}
		if median := math.Exp(m.mu); math.Abs(median-120)/120 > 0.15 {
			t.Errorf("sigma %.1f: fitted median %.0fs, want about 120s", sigma, median)
		}
		if math.Abs(m.sigma-sigma)/sigma > 0.25 {
			t.Errorf("fitted sigma %.2f, want about %.2f", m.sigma, sigma)
		}
	}
	// Identical samples still give a usable, narrow spread.
	l := NewLearner()
	for range 10 {
		l.Observe("elb", "create", 20*time.Second)
	}
	if m, _ := l.model("elb", "create"); m.sigma != minSigma {
		t.Errorf("sigma of identical samples = %v, want %v", m.sigma, minSigma)
	}
}

func TestLogNormal(t *testing.T) {
	m := logNormal{mu: math.Log(100), sigma: 0.4}
	for _, p := range []float64{0.01, 0.1, 0.5, 0.9, 0.99} {
		if got := m.cdf(m.quantile(p)); math.Abs(got-p) > 1e-9 {
			t.Errorf("cdf(quantile(%v)) = %v", p, got)
		}
	}
	if m.cdf(0) != 0 || m.cdf(-1) != 0 {
		t.Error("cdf of a non-positive time is not 0")
	}
	if got := m.quantile(0.5); math.Abs(got-100) > 1e-9 {
		t.Errorf("median = %v, want 100", got)
	}
}

// TestLogNormalHazard: the hazard is the density over the survival, found by
// differencing the cdf; hazardReaches finds where it first reaches a level.
func TestLogNormalHazard(t *testing.T) {
	m := logNormal{mu: math.Log(100), sigma: 0.3}
	for _, x := range []float64{30, 60, 100, 150, 250} {
		const h = 1e-3
		want := (m.cdf(x+h) - m.cdf(x-h)) / (2 * h) / (1 - m.cdf(x))
		if got := m.hazard(x); math.Abs(got-want) > 1e-6*max(1, want) {
			t.Errorf("hazard(%v) = %v, want %v", x, got, want)
		}
	}
	if m.hazard(0) != 0 {
		t.Error("hazard(0) is not 0")
	}
	level := m.hazard(150)
	at, ok := m.hazardReaches(level, 1, 1000)
	if !ok || math.Abs(at-150) > 0.01 {
		t.Errorf("hazardReaches(hazard(150)) = %v, %v; want 150", at, ok)
	}
	if at, ok := m.hazardReaches(level, 200, 1000); !ok || at != 200 {
		t.Errorf("hazardReaches from past the crossing = %v, %v; want 200 at once", at, ok)
	}
	if _, ok := m.hazardReaches(10, 1, 1000); ok {
		t.Error("hazardReaches found a level the hazard never reaches")
	}
}

// TestLearnerModels: a job type gives its kind; none gives every learned kind
// of the service.
func TestLearnerModels(t *testing.T) {
	l := NewLearner()
	for range learnerMinSamples {
		l.Observe("ecs", "createServer", 90*time.Second)
		l.Observe("ecs", "resizeServer", 6*time.Minute)
		l.Observe("evs", "createVolume", 40*time.Second)
	}
	l.Observe("ecs", "deleteServer", time.Minute) // too few samples
	if got := len(l.models("ecs", "createServer")); got != 1 {
		t.Errorf("models(ecs, createServer) = %d models, want 1", got)
	}
	if got := len(l.models("ecs", "")); got != 2 {
		t.Errorf("models(ecs, \"\") = %d models, want 2 (deleteServer has too few samples)", got)
	}
	if got := len(l.models("ecs", "unknown")); got != 0 {
		t.Errorf("models(ecs, unknown) = %d models, want 0", got)
	}
}

func TestLearnerConcurrent(t *testing.T) {
	l := NewLearner()
	p := Policy{Learner: l}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				kind := fmt.Sprint(i % 7)
				l.Observe("svc", kind, time.Duration(1+i%50+w)*time.Second)
				l.Quantiles("svc", kind)
				p.Next(Input{Service: "svc", JobType: kind, Phase: PhaseActive, Age: time.Duration(i) * time.Second})
			}
		}()
	}
	wg.Wait()
	if _, _, _, ok := l.Quantiles("svc", "3"); !ok {
		t.Error("no quantiles after concurrent observations")
	}
}
