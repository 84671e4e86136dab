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
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestPickKindFollowsTheWeights(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	weights := []float64{0.5, 0.25, 0.25, 0}
	counts := make([]int, len(weights))
	const n = 40000
	for range n {
		counts[PickKind(r, len(weights), func(i int) float64 { return weights[i] })]++
	}
	for i, w := range weights {
		if got := float64(counts[i]) / n; math.Abs(got-w) > 0.02 {
			t.Errorf("kind %d drawn %.3f of the time, want %.2f", i, got, w)
		}
	}
}

func TestDurationIsLogNormalWithOutliers(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 20000
	var logSum float64
	outliers := 0
	for range n {
		d, outlier := Duration(r, time.Minute, 0.3, 0.05)
		if d <= 0 {
			t.Fatalf("duration %s", d)
		}
		if outlier {
			outliers++
			continue
		}
		logSum += math.Log(d.Seconds())
	}
	if share := float64(outliers) / n; math.Abs(share-0.05) > 0.01 {
		t.Errorf("outliers %.3f of the jobs, want 0.05", share)
	}
	if median := math.Exp(logSum / float64(n-outliers)); math.Abs(median-60) > 2 {
		t.Errorf("geometric mean %.1fs, want about 60s", median)
	}
}
