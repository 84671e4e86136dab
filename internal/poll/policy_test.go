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
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// noJitter makes Policy.jitter return its input: 2u-1 = 0.
func noJitter() float64 { return 0.5 }

// learnedKind returns a learner that knows kind ("svc", "job") as log-normal
// with the given median and sigma, from its exact quantiles.
func learnedKind(median time.Duration, sigma float64) *Learner {
	l := NewLearner()
	m := logNormal{mu: math.Log(median.Seconds()), sigma: sigma}
	for i := 1; i < learnerWindow; i++ {
		l.Observe("svc", "job", secondsToDuration(m.quantile(float64(i)/learnerWindow)))
	}
	return l
}

func TestPolicyNextAgeBased(t *testing.T) {
	p := Policy{Rand: noJitter}
	tests := []struct {
		name string
		in   Input
		want time.Duration
	}{
		{"never polled: at once", Input{Age: time.Hour}, 0},
		{"never polled: at once", Input{Phase: PhaseNotPolled, Age: time.Hour}, 0},
		{"finished: no more polls", Input{Phase: PhaseFinished, Age: time.Minute}, 0},
		{"young job: MinInterval", Input{Phase: PhaseActive, Age: time.Second}, DefaultMinInterval},
		{"negative age counts as new", Input{Phase: PhaseActive, Age: -time.Minute}, DefaultMinInterval},
		{"grows with age", Input{Phase: PhaseActive, Age: 100 * time.Second}, 20 * time.Second},
		{"capped by MaxInterval", Input{Phase: PhaseActive, Age: time.Hour}, DefaultMaxInterval},
		{"capped by spec.pollInterval", Input{Phase: PhaseActive, Age: time.Hour, Cap: 30 * time.Second}, 30 * time.Second},
		{"spec.pollInterval above MaxInterval", Input{Phase: PhaseActive, Age: time.Hour, Cap: time.Hour}, DefaultMaxInterval},
		{"MinInterval wins over a tiny cap", Input{Phase: PhaseActive, Age: time.Hour, Cap: time.Second}, DefaultMinInterval},
		{"awaiting payment", Input{Phase: PhaseAwaitingPayment, Age: time.Hour}, DefaultAwaitingPaymentInterval},
		{"awaiting payment ignores MaxInterval", Input{Phase: PhaseAwaitingPayment, Cap: time.Hour}, DefaultAwaitingPaymentInterval},
		{"awaiting payment honours spec.pollInterval", Input{Phase: PhaseAwaitingPayment, Cap: time.Minute}, time.Minute},
		{"awaiting payment, tiny cap", Input{Phase: PhaseAwaitingPayment, Cap: time.Second}, DefaultMinInterval},
		{"backlog stretches a poll by age", Input{Phase: PhaseActive, Age: 10 * time.Second, Backlog: 45 * time.Second}, 45 * time.Second},
		{"backlog never passes the cap", Input{Phase: PhaseActive, Age: 10 * time.Second, Backlog: time.Hour}, DefaultMaxInterval},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Next(tt.in); got != tt.want {
				t.Errorf("Next(%+v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestPolicyNextCustomFields(t *testing.T) {
	p := Policy{
		MinInterval: 5 * time.Second, MaxInterval: 10 * time.Minute,
		AwaitingPaymentInterval: time.Hour, AgeFactor: 0.5, Rand: noJitter,
	}
	for _, tt := range []struct {
		in   Input
		want time.Duration
	}{
		{Input{Phase: PhaseActive, Age: time.Second}, 5 * time.Second},
		{Input{Phase: PhaseActive, Age: 100 * time.Second}, 50 * time.Second},
		{Input{Phase: PhaseActive, Age: time.Hour}, 10 * time.Minute},
		{Input{Phase: PhaseAwaitingPayment}, time.Hour},
	} {
		if got := p.Next(tt.in); got != tt.want {
			t.Errorf("Next(%+v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestPolicyJitter: intervals spread by ±Jitter, within [MinInterval, cap].
func TestPolicyJitter(t *testing.T) {
	at := func(u float64) Policy { return Policy{Rand: func() float64 { return u }} }
	running := func(age time.Duration) Input { return Input{Phase: PhaseActive, Age: age} }
	tests := []struct {
		name string
		p    Policy
		in   Input
		want time.Duration
	}{
		{"low draw", at(0), running(100 * time.Second), 18 * time.Second},
		{"high draw", at(1), running(100 * time.Second), 22 * time.Second},
		{"never below MinInterval", at(0), running(0), DefaultMinInterval},
		{"never above the cap", at(1), running(time.Hour), DefaultMaxInterval},
		{"below the cap on a low draw", at(0), running(time.Hour), 54 * time.Second},
		{"payment, high draw", at(1), Input{Phase: PhaseAwaitingPayment}, 330 * time.Second},
		{"payment, high draw, capped", at(1), Input{Phase: PhaseAwaitingPayment, Cap: 5 * time.Minute}, 5 * time.Minute},
		{"no jitter", Policy{Jitter: -1, Rand: func() float64 { return 0 }}, running(100 * time.Second), 20 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Next(tt.in); got != tt.want {
				t.Errorf("Next(%+v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestPolicyBounds: whatever the input, the interval stays within its bounds.
func TestPolicyBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	learner := learnedKind(3*time.Minute, 0.5)
	phases := []Phase{PhaseActive, PhaseAwaitingPayment}
	for i := range 20000 {
		p := Policy{Rand: r.Float64}
		if i%2 == 0 {
			p.Learner = learner
		}
		in := Input{
			Service: "svc", JobType: "job",
			Phase:   phases[r.IntN(len(phases))],
			Age:     time.Duration(r.Int64N(int64(2 * time.Hour))),
			Cap:     time.Duration(r.Int64N(int64(3 * time.Minute))),
			Backlog: time.Duration(r.Int64N(int64(10 * time.Minute))),
		}
		got := p.Next(in)
		hi := DefaultMaxInterval
		if m, ok := learner.model("svc", "job"); ok && p.Learner != nil && m.cdf(in.Age.Seconds()) < windowStart {
			hi = DefaultMaxIntervalBeforeWindow
		}
		if in.Phase == PhaseAwaitingPayment {
			hi = DefaultAwaitingPaymentInterval * 11 / 10
		}
		if in.Cap > 0 {
			hi = min(hi, in.Cap)
		}
		hi = max(hi, DefaultMinInterval)
		if got < DefaultMinInterval || got > hi {
			t.Fatalf("Next(%+v) = %v, want within [%v, %v]", in, got, DefaultMinInterval, hi)
		}
	}
}

// TestPolicyBeforeTheWindow: before a learned window the interval may reach
// MaxIntervalBeforeWindow, never more, and a spec.pollInterval still caps it.
func TestPolicyBeforeTheWindow(t *testing.T) {
	p := Policy{Learner: learnedKind(10*time.Minute, 0.3), Rand: noJitter}
	in := Input{Service: "svc", JobType: "job", Phase: PhaseActive}
	tests := []struct {
		name string
		p    Policy
		cap  time.Duration
		want time.Duration
	}{
		{"default", p, 0, DefaultMaxIntervalBeforeWindow},
		{"spec.pollInterval caps it", p, 30 * time.Second, 30 * time.Second},
		{"never below MaxInterval", Policy{Learner: p.Learner, Rand: noJitter, MaxInterval: 3 * time.Minute, MaxIntervalBeforeWindow: time.Minute}, 0, 3 * time.Minute},
		{"configured", Policy{Learner: p.Learner, Rand: noJitter, MaxIntervalBeforeWindow: 5 * time.Minute}, 0, 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in.Cap = tt.cap
			if got := tt.p.Next(in); got != tt.want {
				t.Errorf("Next(age 0, 20%% point about 7.8 min) = %v, want %v", got, tt.want)
			}
		})
	}
	// Inside the window the cap is MaxInterval again.
	in.Cap, in.Age = 0, 9*time.Minute
	if got := p.Next(in); got > DefaultMaxInterval {
		t.Errorf("Next(age 9 min, inside the window) = %v, want at most %v", got, DefaultMaxInterval)
	}
}

// TestPolicyNextLearned: with a learned window (median 100 s, sigma 0.3; the
// window runs from about 61 s to 201 s), polls are sparse before it, dense inside
// it, and age-based past it; kinds not learned poll by age.
func TestPolicyNextLearned(t *testing.T) {
	p := Policy{Learner: learnedKind(100*time.Second, 0.3), Rand: noJitter}
	byAge := Policy{Rand: noJitter}
	in := func(age time.Duration) Input {
		return Input{Service: "svc", JobType: "job", Phase: PhaseActive, Age: age}
	}
	tests := []struct {
		name     string
		age      time.Duration
		min, max time.Duration
	}{
		// Before the window: the next poll aims at the 20% point (about 78 s),
		// however far, up to MaxIntervalBeforeWindow.
		{"new job: straight to the 20% point", 0, 77 * time.Second, 79 * time.Second},
		{"young job: lands on the 20% point", 30 * time.Second, 47 * time.Second, 49 * time.Second},
		// Inside: about 12% of completions per poll, never closer than twice
		// DetectionLag, never sparser than age-based.
		{"window start", 70 * time.Second, 2 * DefaultDetectionLag, 14 * time.Second},
		{"median", 100 * time.Second, 2 * DefaultDetectionLag, 12 * time.Second},
		{"late in the window", 170 * time.Second, 10 * time.Second, 34 * time.Second},
		// Past the 99% point: by age.
		{"straggler", 300 * time.Second, time.Minute, time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.Next(in(tt.age))
			if got < tt.min || got > tt.max {
				t.Errorf("Next(age %v) = %v, want within [%v, %v] (age-based: %v)", tt.age, got, tt.min, tt.max, byAge.Next(in(tt.age)))
			}
		})
	}
	if got, want := p.Next(Input{Service: "svc", JobType: "other", Phase: PhaseActive, Age: 100 * time.Second}), byAge.Next(in(100*time.Second)); got != want {
		t.Errorf("kind not learned: %v, want age-based %v", got, want)
	}
	// Sparse before the window, dense inside: fewer polls than age-based before
	// 61 s, more between 80 s and 120 s.
	count := func(p Policy, from, to time.Duration) int {
		n := 0
		for age := from; age < to; age += p.Next(in(age)) {
			n++
		}
		return n
	}
	if a, b := count(p, 2*time.Second, 61*time.Second), count(byAge, 2*time.Second, 61*time.Second); a >= b {
		t.Errorf("before the window: %d polls learned, %d by age; want fewer", a, b)
	}
	if a, b := count(p, 80*time.Second, 120*time.Second), count(byAge, 80*time.Second, 120*time.Second); a <= b {
		t.Errorf("inside the window: %d polls learned, %d by age; want more", a, b)
	}
}

// TestPolicyBacklog: when the quota is the bottleneck, polls by age make way;
// polls placed by the learned window do not.
func TestPolicyBacklog(t *testing.T) {
	p := Policy{Learner: learnedKind(5*time.Minute, 0.3), MaxInterval: 10 * time.Minute, Rand: noJitter}
	in := func(age, backlog time.Duration) Input {
		return Input{Service: "svc", JobType: "job", Phase: PhaseActive, Age: age, Backlog: backlog}
	}
	tests := []struct {
		name         string
		age, backlog time.Duration
		min, max     time.Duration
	}{
		{"before the window, no backlog", time.Minute, 0, 170 * time.Second, 175 * time.Second},
		{"before the window, unchanged", time.Minute, 5 * time.Minute, 170 * time.Second, 175 * time.Second},
		{"inside the window, no backlog", 5 * time.Minute, 0, 20 * time.Second, 35 * time.Second},
		{"inside the window, unchanged", 5 * time.Minute, 5 * time.Minute, 20 * time.Second, 35 * time.Second},
		{"straggler, no backlog", 15 * time.Minute, 0, 180 * time.Second, 180 * time.Second},
		{"straggler, pushed back", 15 * time.Minute, 5 * time.Minute, 5 * time.Minute, 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Next(in(tt.age, tt.backlog)); got < tt.min || got > tt.max {
				t.Errorf("Next(age %v, backlog %v) = %v, want within [%v, %v]", tt.age, tt.backlog, got, tt.min, tt.max)
			}
		})
	}
}
