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
	"testing"
	"time"
)

func TestBackoffDelay(t *testing.T) {
	fixed := func(v float64) func() float64 { return func() float64 { return v } }
	tests := []struct {
		name    string
		b       Backoff
		attempt int
		want    time.Duration
	}{
		{"no attempt", Backoff{Base: time.Second, Max: time.Minute}, 0, 0},
		{"negative attempt", Backoff{Base: time.Second, Max: time.Minute}, -3, 0},
		{"first, low draw", Backoff{Base: time.Second, Max: time.Minute, Rand: fixed(0)}, 1, 500 * time.Millisecond},
		{"first, high draw", Backoff{Base: time.Second, Max: time.Minute, Rand: fixed(0.999999)}, 1, time.Second - time.Microsecond/2},
		{"third doubles twice", Backoff{Base: time.Second, Max: time.Minute, Rand: fixed(0.5)}, 3, 3 * time.Second},
		{"capped", Backoff{Base: time.Second, Max: time.Minute, Rand: fixed(0)}, 10, 30 * time.Second},
		{"huge attempt does not overflow", Backoff{Base: time.Second, Max: time.Minute, Rand: fixed(0)}, 1 << 30, 30 * time.Second},
		{"defaults", Backoff{Rand: fixed(0)}, 1, DefaultBackoffBase / 2},
		{"max below base", Backoff{Base: time.Minute, Max: time.Second, Rand: fixed(0)}, 4, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.b.Delay(tt.attempt)
			if diff := got - tt.want; diff < -time.Microsecond || diff > time.Microsecond {
				t.Errorf("Delay(%d) = %v, want %v", tt.attempt, got, tt.want)
			}
		})
	}
}

// TestBackoffRange: with the default source every delay lies in [d/2, d] and the
// nominal d doubles per attempt.
func TestBackoffRange(t *testing.T) {
	b := Backoff{Base: 100 * time.Millisecond, Max: 10 * time.Second}
	for attempt, nominal := 1, 100*time.Millisecond; attempt <= 10; attempt++ {
		for range 100 {
			if got := b.Delay(attempt); got < nominal/2 || got > nominal {
				t.Fatalf("Delay(%d) = %v, want within [%v, %v]", attempt, got, nominal/2, nominal)
			}
		}
		nominal = min(2*nominal, b.Max)
	}
}
