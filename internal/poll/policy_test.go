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
		{"backlog passes the cap, up to MaxIntervalBeforeWindow", Input{Phase: PhaseActive, Age: 10 * time.Second, Backlog: time.Hour}, DefaultMaxIntervalBeforeWindow},
		{"backlog never passes spec.pollInterval", Input{Phase: PhaseActive, Age: 10 * time.Second, Cap: 30 * time.Second, Backlog: time.Hour}, 30 * time.Second},
		{"never polled, backlog, nothing learned: at once", Input{Phase: PhaseNotPolled, Backlog: time.Minute}, 0},
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
		{"low draw", at(0), running(100 * time.Second), 19 * time.Second},
		{"high draw", at(1), running(100 * time.Second), 21 * time.Second},
		{"never below MinInterval", at(0), running(0), DefaultMinInterval},
		{"never above the cap", at(1), running(time.Hour), DefaultMaxInterval},
		{"below the cap on a low draw", at(0), running(time.Hour), DefaultMaxInterval * 95 / 100},
		{"payment, high draw", at(1), Input{Phase: PhaseAwaitingPayment}, DefaultAwaitingPaymentInterval * 105 / 100},
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
		// A backlog stretches a poll up to MaxIntervalBeforeWindow.
		hi = max(hi, min(in.Backlog, DefaultMaxIntervalBeforeWindow))
		if in.Phase == PhaseAwaitingPayment {
			hi = DefaultAwaitingPaymentInterval * 105 / 100
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

// TestPolicyNextLearned: with a learned kind, polls go straight to where its
// completions begin, are dense only where its hazard of finishing makes a dense
// poll pay, and are at the cap elsewhere, stragglers included; kinds not
// learned poll by age.
func TestPolicyNextLearned(t *testing.T) {
	// A 20 s kind finishes fast enough around its median for dense polls (5 s,
	// twice DetectionLag); a 100 s kind of the same spread never does, and is
	// polled at the cap from the 3% point (about 57 s) to past its 99% point
	// (about 201 s), where its hazard finally reaches the dense level.
	short := Policy{Learner: learnedKind(20*time.Second, 0.3), Rand: noJitter}
	long := Policy{Learner: learnedKind(100*time.Second, 0.3), Rand: noJitter}
	byAge := Policy{Rand: noJitter}
	in := func(age time.Duration) Input {
		return Input{Service: "svc", JobType: "job", Phase: PhaseActive, Age: age}
	}
	dense := 2 * DefaultDetectionLag
	tests := []struct {
		name     string
		p        Policy
		age      time.Duration
		min, max time.Duration
	}{
		{"long kind, new job: straight to the 3% point", long, 0, 56 * time.Second, 58 * time.Second},
		{"long kind, window start closer than the cap: at the cap", long, 30 * time.Second, DefaultMaxInterval, DefaultMaxInterval},
		{"long kind, median: at the cap", long, 100 * time.Second, DefaultMaxInterval, DefaultMaxInterval},
		{"long kind, straggler past the 99% point: at the cap", long, 300 * time.Second, DefaultMaxInterval, DefaultMaxInterval},
		{"short kind, new job: the first dense poll", short, 0, 14 * time.Second, 20 * time.Second},
		{"short kind, median: dense", short, 20 * time.Second, dense, dense},
		{"short kind, late: dense", short, 35 * time.Second, dense, dense},
		{"short kind, straggler: at the cap", short, 2 * time.Minute, DefaultMaxInterval, DefaultMaxInterval},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.Next(in(tt.age))
			if got < tt.min || got > tt.max {
				t.Errorf("Next(age %v) = %v, want within [%v, %v] (age-based: %v)", tt.age, got, tt.min, tt.max, byAge.Next(in(tt.age)))
			}
		})
	}
	if got, want := long.Next(Input{Service: "svc", JobType: "other", Phase: PhaseActive, Age: 100 * time.Second}), byAge.Next(in(100*time.Second)); got != want {
		t.Errorf("kind not learned: %v, want age-based %v", got, want)
	}
	// A sparse poll keeps the place of the first dense one ahead: the long kind's
	// hazard reaches the dense level once, late; a job just before it is polled
	// a dense interval after that point, not a cap later.
	m, _ := long.Learner.model("svc", "job")
	at, ok := m.hazardReaches(denseShare/dense.Seconds(), 0, 1e4)
	if !ok {
		t.Fatal("the 100 s kind's hazard never reaches the dense level")
	}
	before := secondsToDuration(at) - 10*time.Second
	if got, want := long.Next(in(before)), 10*time.Second+dense; got < want-time.Millisecond || got > want+time.Millisecond {
		t.Errorf("Next(age %v, 10 s before the dense part) = %v, want %v", before, got, want)
	}
	// The long kind costs fewer polls than a fixed poller at the cap; the short
	// one sees its job within a dense interval of its end.
	count := func(p Policy, from, to time.Duration) (n int, last time.Duration) {
		age := from
		for ; age < to; age += p.Next(in(age)) {
			n++
		}
		return n, age
	}
	if n, _ := count(long, 0, 150*time.Second); n+1 > 150/35+2 {
		t.Errorf("long kind, job of 150 s: %d polls, want fewer than a fixed poller at the cap (%d)", n+1, 150/35+2)
	}
	if _, seen := count(short, 0, 25*time.Second); seen-25*time.Second > dense {
		t.Errorf("short kind, job of 25 s: seen at %v, want within %v of its end", seen, dense)
	}
	a, _ := count(long, 2*time.Second, 56*time.Second)
	b, _ := count(byAge, 2*time.Second, 56*time.Second)
	if a >= b {
		t.Errorf("before the window: %d polls learned, %d by age; want fewer", a, b)
	}
}

// TestPolicyBacklog: when the quota is the bottleneck, polls unlikely to find
// their job done wait for the backlog (within MaxIntervalBeforeWindow); dense
// polls and the jump to the window keep their place.
func TestPolicyBacklog(t *testing.T) {
	p := Policy{Learner: learnedKind(20*time.Second, 0.3), Rand: noJitter}
	long := Policy{Learner: learnedKind(10*time.Minute, 0.3), Rand: noJitter}
	in := func(age, backlog time.Duration) Input {
		return Input{Service: "svc", JobType: "job", Phase: PhaseActive, Age: age, Backlog: backlog}
	}
	m, _ := long.Learner.model("svc", "job")
	start := m.quantile(windowStart)
	tests := []struct {
		name         string
		p            Policy
		age, backlog time.Duration
		min, max     time.Duration
	}{
		{"dense, no backlog", p, 20 * time.Second, 0, 2 * DefaultDetectionLag, 2 * DefaultDetectionLag},
		{"dense, unchanged", p, 20 * time.Second, time.Minute, 2 * DefaultDetectionLag, 2 * DefaultDetectionLag},
		{"straggler, no backlog", p, 5 * time.Minute, 0, DefaultMaxInterval, DefaultMaxInterval},
		{"straggler, pushed back", p, 5 * time.Minute, 100 * time.Second, 100 * time.Second, 100 * time.Second},
		{"straggler, pushed back at most MaxIntervalBeforeWindow", p, 5 * time.Minute, time.Hour, DefaultMaxIntervalBeforeWindow, DefaultMaxIntervalBeforeWindow},
		{"sparse, pushed back", long, 8 * time.Minute, 100 * time.Second, 100 * time.Second, 100 * time.Second},
		{"before the window, unchanged", long, 4 * time.Minute, 50 * time.Second,
			secondsToDuration(start) - 4*time.Minute - time.Second, secondsToDuration(start) - 4*time.Minute + time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Next(in(tt.age, tt.backlog)); got < tt.min || got > tt.max {
				t.Errorf("Next(age %v, backlog %v) = %v, want within [%v, %v]", tt.age, tt.backlog, got, tt.min, tt.max)
			}
		})
	}
}

// TestPolicyFirstPoll: a job never polled is polled at once, unless the quota
// has a backlog and the learner knows its service: then it waits until a poll
// could find it done, for the earliest of the service's kinds while its job
// type is unknown.
func TestPolicyFirstPoll(t *testing.T) {
	l := NewLearner()
	for _, k := range []struct {
		jobType string
		median  time.Duration
	}{{"fast", 20 * time.Second}, {"slow", 10 * time.Minute}} {
		m := logNormal{mu: math.Log(k.median.Seconds()), sigma: 0.3}
		for i := 1; i < learnerWindow; i++ {
			l.Observe("svc", k.jobType, secondsToDuration(m.quantile(float64(i)/learnerWindow)))
		}
	}
	p := Policy{Learner: l, Rand: noJitter}
	first := func(jobType string, age, backlog time.Duration) time.Duration {
		return p.Next(Input{Service: "svc", JobType: jobType, Phase: PhaseNotPolled, Age: age, Backlog: backlog})
	}
	fast := p.Next(Input{Service: "svc", JobType: "fast", Phase: PhaseActive})
	slow := p.Next(Input{Service: "svc", JobType: "slow", Phase: PhaseActive})
	if fast <= 0 || slow <= fast {
		t.Fatalf("first polls after the one at creation: fast kind %v, slow kind %v; want 0 < fast < slow", fast, slow)
	}
	tests := []struct {
		name         string
		jobType      string
		age, backlog time.Duration
		want         time.Duration
	}{
		{"no backlog: at once", "slow", 0, 0, 0},
		{"backlog, kind known", "slow", 0, time.Minute, slow},
		{"backlog, kind known, part of the wait gone", "slow", time.Minute, time.Minute, slow - time.Minute},
		{"backlog, kind known, old enough", "slow", time.Hour, time.Minute, 0},
		{"backlog, kind unknown: the earliest kind", "", 0, time.Minute, fast},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := first(tt.jobType, tt.age, tt.backlog); got < tt.want-time.Millisecond || got > tt.want+time.Millisecond {
				t.Errorf("Next(never polled, %q, age %v, backlog %v) = %v, want %v", tt.jobType, tt.age, tt.backlog, got, tt.want)
			}
		})
	}
	if got := p.Next(Input{Service: "other", Phase: PhaseNotPolled, Backlog: time.Minute}); got != 0 {
		t.Errorf("service not learned: %v, want 0", got)
	}
}

// TestPolicyUrgent: a poll is urgent where the learned kind is polled densely,
// and nowhere else.
func TestPolicyUrgent(t *testing.T) {
	p := Policy{Learner: learnedKind(20*time.Second, 0.3)}
	for _, tt := range []struct {
		name string
		in   Input
		want bool
	}{
		{"median of a short kind", Input{Service: "svc", JobType: "job", Phase: PhaseActive, Age: 20 * time.Second}, true},
		{"before its window", Input{Service: "svc", JobType: "job", Phase: PhaseActive, Age: 5 * time.Second}, false},
		{"straggler", Input{Service: "svc", JobType: "job", Phase: PhaseActive, Age: 5 * time.Minute}, false},
		{"awaiting payment", Input{Service: "svc", JobType: "job", Phase: PhaseAwaitingPayment, Age: 20 * time.Second}, false},
		{"kind not learned", Input{Service: "svc", JobType: "other", Phase: PhaseActive, Age: 20 * time.Second}, false},
		{"first poll, job type not told yet: by the service's kinds", Input{Service: "svc", Phase: PhaseNotPolled, Age: 20 * time.Second}, true},
		{"first poll before the window", Input{Service: "svc", Phase: PhaseNotPolled, Age: 5 * time.Second}, false},
		{"price: the claim reaches it", Input{Service: "svc", JobType: "job", Phase: PhaseActive, Age: 40 * time.Second, LastPoll: 20 * time.Second, Price: time.Second}, true},
		{"price: the claim falls short", Input{Service: "svc", JobType: "job", Phase: PhaseActive, Age: 22 * time.Second, LastPoll: 20 * time.Second, Price: 10 * time.Second}, false},
		{"price, kind not learned", Input{Service: "svc", JobType: "other", Phase: PhaseActive, Age: time.Hour, Price: time.Second}, false},
	} {
		if got := p.Urgent(tt.in); got != tt.want {
			t.Errorf("%s: Urgent = %v, want %v", tt.name, got, tt.want)
		}
	}
	if (Policy{}).Urgent(Input{Phase: PhaseActive, Age: time.Minute}) {
		t.Error("Urgent without a learner = true, want false")
	}
}

// TestPolicyClaim: a poll's claim is the chance that the job finished since its
// last poll times the time since; it grows with age, is 0 right after a poll,
// and a job never polled claims by the likeliest of its service's kinds.
func TestPolicyClaim(t *testing.T) {
	m := logNormal{mu: math.Log(60), sigma: 0.3}
	p := Policy{Learner: learnedKind(time.Minute, 0.3)}
	in := func(age, last time.Duration) Input {
		return Input{Service: "svc", JobType: "job", Phase: PhaseActive, Age: age, LastPoll: last}
	}
	for _, tt := range []struct {
		name      string
		age, last time.Duration
		want      float64 // seconds
	}{
		{"right after a poll", time.Minute, time.Minute, 0},
		{"never polled, at the median", time.Minute, 0, 0.5 * 60},
		{"since the median", 2 * time.Minute, time.Minute, (1 - (1-m.cdf(120))/0.5) * 60},
		{"a last poll past the age counts as now", time.Minute, 2 * time.Minute, 0},
	} {
		got := p.Claim(in(tt.age, tt.last)).Seconds()
		if math.Abs(got-tt.want) > 0.05*tt.want+0.01 {
			t.Errorf("%s: Claim = %.3fs, want %.3fs", tt.name, got, tt.want)
		}
	}
	prev := time.Duration(0)
	for age := 10 * time.Second; age <= 10*time.Minute; age += 10 * time.Second {
		c := p.Claim(in(age, 5*time.Second))
		if c < prev {
			t.Fatalf("Claim at age %v = %v, below %v at the age before: it must grow with age", age, c, prev)
		}
		prev = c
	}
	if c := p.Claim(Input{Service: "svc", JobType: "other", Phase: PhaseActive, Age: time.Hour}); c != 0 {
		t.Errorf("Claim of a kind not learned = %v, want 0", c)
	}
	// Before its first answer a job claims by its service's likeliest kind.
	l := learnedKind(time.Minute, 0.3)
	slow := logNormal{mu: math.Log(600), sigma: 0.3}
	for i := 1; i < learnerWindow; i++ {
		l.Observe("svc", "slow", secondsToDuration(slow.quantile(float64(i)/learnerWindow)))
	}
	q := Policy{Learner: l}
	unknown := q.Claim(Input{Service: "svc", Phase: PhaseNotPolled, Age: time.Minute})
	fast := q.Claim(Input{Service: "svc", JobType: "job", Phase: PhaseActive, Age: time.Minute})
	if unknown != fast {
		t.Errorf("Claim of a job of unknown type = %v, want the fast kind's %v", unknown, fast)
	}
}

// TestPolicyPrice: under a quota price a job waits until its claim reaches the
// price, however long that is past the cap, within priceHoldFactor caps before
// the window or its own spec.pollInterval; without a price only a new job
// under a backlog waits.
func TestPolicyPrice(t *testing.T) {
	p := Policy{Learner: learnedKind(10*time.Minute, 0.5), Rand: noJitter}
	base := Input{Service: "svc", JobType: "job", Phase: PhaseActive, Age: 8 * time.Minute, LastPoll: 8 * time.Minute}
	if d := p.Defer(base); d != 0 {
		t.Errorf("no price: Defer = %v, want 0", d)
	}
	for _, price := range []time.Duration{time.Second, 10 * time.Second, time.Minute} {
		in := base
		in.Price = price
		d := p.Defer(in)
		if d <= 0 {
			t.Fatalf("price %v: Defer = %v, want a wait right after a poll", price, d)
		}
		at, before := in, in
		at.Age += d
		before.Age += d - 50*time.Millisecond
		if p.Claim(at) < price || p.Claim(before) >= price {
			t.Errorf("price %v: Defer = %v, but the claim is %v then and %v just before; want the moment it reaches the price",
				price, d, p.Claim(at), p.Claim(before))
		}
		if next := p.Next(in); next < d-p.withDefaults().MinInterval/10 {
			t.Errorf("price %v: Next = %v, before the claim reaches the price (%v)", price, next, d)
		}
		if at := in; p.Defer(func() Input { at.Age += d; return at }()) != 0 {
			t.Errorf("price %v: Defer at the moment the claim reaches it is not 0", price)
		}
	}
	huge := base
	huge.Price = time.Hour
	if d, limit := p.Defer(huge), priceHoldFactor*DefaultMaxIntervalBeforeWindow; d != limit {
		t.Errorf("price past every claim: Defer = %v, want the bound %v", d, limit)
	}
	huge.Cap = time.Minute
	if d := p.Defer(huge); d != time.Minute {
		t.Errorf("price past every claim, spec.pollInterval 1m: Defer = %v, want 1m", d)
	}
	if d := p.Defer(Input{Service: "svc", JobType: "other", Phase: PhaseActive, Age: time.Hour, Price: time.Hour}); d != 0 {
		t.Errorf("kind not learned: Defer = %v, want 0 (it is polled by age)", d)
	}
	if d := p.Defer(Input{Service: "svc", JobType: "job", Phase: PhaseAwaitingPayment, Age: time.Hour, Price: time.Hour}); d != 0 {
		t.Errorf("awaiting payment: Defer = %v, want 0", d)
	}
}

// TestPolicyPriceHoldOnTheOperatorsClock: under a quota price, a job is held
// no longer than the hold's bound after its last poll (or after the operator
// first saw it), measured on the operator's own clock, wherever the cloud puts
// its begin time. A begin time ahead of the operator's clock keeps the job's
// age at 0, where its claim never grows: only the operator's clock ends the
// hold then. Each case replays the reconciles of one job: at each, Defer's
// answer is waited out, until it says to poll.
func TestPolicyPriceHoldOnTheOperatorsClock(t *testing.T) {
	p := Policy{Learner: learnedKind(10*time.Minute, 0.5), Rand: noJitter}
	bound := priceHoldFactor * DefaultMaxIntervalBeforeWindow
	for _, tt := range []struct {
		name string
		// begin is the cloud's begin time (for a job never polled, the
		// CloudJob's creation), relative to the operator's clock when it last
		// polled or first saw the job.
		begin time.Duration
		phase Phase
		price time.Duration
		cap   time.Duration
		want  time.Duration // the hold on the operator's clock
	}{
		{"begin time on the operator's clock", 0, PhaseActive, time.Hour, 0, bound},
		{"begin time 8 h behind", -8 * time.Hour, PhaseActive, time.Hour, 0, bound},
		{"begin time 5 min ahead", 5 * time.Minute, PhaseActive, time.Hour, 0, bound},
		{"begin time 8 h ahead, a price of 1 s", 8 * time.Hour, PhaseActive, time.Second, 0, bound},
		{"begin time 8 h ahead", 8 * time.Hour, PhaseActive, time.Hour, 0, bound},
		{"begin time 30 days ahead", 30 * 24 * time.Hour, PhaseActive, time.Hour, 0, bound},
		{"begin time 8 h ahead, spec.pollInterval 1m", 8 * time.Hour, PhaseActive, time.Hour, time.Minute, time.Minute},
		{"never polled, created 5 min before the operator saw it", -5 * time.Minute, PhaseNotPolled, time.Hour, 0, bound - 5*time.Minute},
		{"never polled, created 1 h ahead of the operator's clock", time.Hour, PhaseNotPolled, time.Hour, 0, bound},
	} {
		held, calls := time.Duration(0), 0
		for ; calls < 1000; calls++ {
			in := Input{
				Service: "svc", JobType: "job", Phase: tt.phase, Price: tt.price, Cap: tt.cap,
				Age: held - tt.begin, Unpolled: held,
			}
			if tt.phase == PhaseActive {
				in.LastPoll = -tt.begin
			}
			d := p.Defer(in)
			if d == 0 {
				break
			}
			held += d
		}
		t.Logf("%s: held %v by %d deferrals (bound %v)", tt.name, held, calls, tt.want)
		if diff := held - tt.want; diff < -10*time.Millisecond || diff > 10*time.Millisecond {
			t.Errorf("%s: held %v on the operator's clock, want %v", tt.name, held, tt.want)
		}
	}
}
