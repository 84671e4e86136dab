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

package frontier

import (
	"math"
	"strings"
	"testing"
)

// TestAtFollowsAPowerLaw: on fixed pollers whose lag is a power of their cost,
// the interpolation is exact between them, and it refuses what it would have
// to extrapolate or cannot read.
func TestAtFollowsAPowerLaw(t *testing.T) {
	lag := func(cost float64) float64 { return 300 / cost } // lag ∝ 1/cost
	var curve []Point
	for _, cost := range []float64{27, 14, 8, 4.5} {
		curve = append(curve, Point{Label: "fixed", RequestsPerJob: cost, Lags: map[string]float64{P99: lag(cost)}})
	}
	for _, cost := range []float64{4.5, 6, 8.8, 20, 27} {
		got, err := At(curve, cost, P99)
		if err != nil || math.Abs(got-lag(cost)) > 1e-9*lag(cost) {
			t.Errorf("At(%v) = %v, %v; want %v", cost, got, err, lag(cost))
		}
	}
	if _, err := At(curve, 40, P99); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("At beyond the curve: %v, want an error saying so", err)
	}
	if _, err := At(curve, 10, P50); err == nil {
		t.Error("At of a figure the points lack gave no error")
	}
	c, err := Compare(curve, Point{Label: "poller", RequestsPerJob: 10, Lags: map[string]float64{P99: 15}}, P99)
	if err != nil || math.Abs(c.Ratio[P99]-0.5) > 1e-9 {
		t.Errorf("Compare = %+v, %v; want a ratio of 0.5", c, err)
	}
	if kind, ok := KindOf(KindFigure("bms", "baremetalBatchCreate")); !ok || kind != "bms/baremetalBatchCreate" {
		t.Errorf("KindOf(KindFigure) = %q, %v", kind, ok)
	}
	if _, ok := KindOf(P50); ok {
		t.Error("KindOf(p50) is a kind")
	}
}
