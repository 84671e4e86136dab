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
	"time"
)

// Phase is what the policy needs to know of a job's state: the caller maps the
// cloud's phases onto these.
type Phase int

// The phases the policy tells apart.
const (
	// PhaseNotPolled: the job was never polled; poll it at once.
	PhaseNotPolled Phase = iota
	// PhaseActive: the job is pending, running, or in a state the caller does not
	// know; it is polled by the learned window and by age.
	PhaseActive
	// PhaseAwaitingPayment: the job waits for a person to pay its order.
	PhaseAwaitingPayment
	// PhaseFinished: the job succeeded or failed; nothing is left to poll.
	PhaseFinished
)

// Default values of the Policy fields left zero.
const (
	DefaultMinInterval             = 2 * time.Second
	DefaultMaxInterval             = time.Minute
	DefaultMaxIntervalBeforeWindow = 2 * time.Minute
	DefaultAwaitingPaymentInterval = 5 * time.Minute
	DefaultAgeFactor               = 0.2
	DefaultJitter                  = 0.1
	DefaultWindowStep              = 0.12
	DefaultDetectionLag            = 2 * time.Second
)

// The learned window, as shares of the jobs of a kind done by a given age.
const (
	// windowStart: before it completions are rare, and polls are only as dense
	// as the cap forces.
	windowStart = 0.05
	// windowFirst: where the first poll aimed into the window lands. A poll
	// that can only catch the few earliest jobs is not worth its request.
	windowFirst = 0.2
	// windowEnd: past it the job is a straggler the window says nothing useful
	// about, and polling goes back to age-based.
	windowEnd = 0.99
)

// Policy decides when a job is polled next. The zero value is usable: zero fields
// take the Default values.
type Policy struct {
	// MinInterval: a job is never polled more often than this.
	MinInterval time.Duration
	// MaxInterval is the operator's cap on the interval (flag
	// --max-poll-interval); a CloudJob's spec.pollInterval may lower it.
	MaxInterval time.Duration
	// MaxIntervalBeforeWindow replaces MaxInterval while the learned window
	// says a job is unlikely to be done (fewer than windowStart of its kind
	// were done at its age); it is never below MaxInterval. Polls before the
	// window find almost nothing: the share of a long job's requests they cost
	// is what keeps a fixed cap from saving more. A spec.pollInterval still
	// caps it.
	MaxIntervalBeforeWindow time.Duration
	// AwaitingPaymentInterval is the interval while an order waits to be paid: a
	// person has to act, so minutes are soon enough.
	AwaitingPaymentInterval time.Duration
	// AgeFactor: without a learned window the interval is about age × AgeFactor,
	// so a job is noticed within about AgeFactor/2 of its age after it ends.
	AgeFactor float64
	// Jitter spreads intervals by ±Jitter (0.1 = ±10%) so jobs created together
	// do not poll together; negative means none.
	Jitter float64
	// WindowStep: inside the learned window, each poll is placed where another
	// WindowStep share of the kind's jobs would have finished. Polls are then
	// densest where completions crowd, and a job is polled at most about
	// 1/WindowStep times inside the window, whatever its kind's duration.
	WindowStep float64
	// DetectionLag is a detection lag that is good enough: inside a learned
	// window polls are never closer together than twice this, which keeps short
	// jobs from being polled at MinInterval to be noticed a second or two sooner.
	DetectionLag time.Duration
	// Learner supplies the completion windows; nil means age-based polling only.
	Learner *Learner
	// Rand returns a float in [0, 1); nil means math/rand/v2's Float64.
	Rand func() float64
}

// Input describes the job to schedule.
type Input struct {
	// Service and JobType name the kind of job, as given to Learner.Observe.
	Service, JobType string
	// Phase is the phase the last poll returned.
	Phase Phase
	// Age is the time since the job began: the cloud's begin time, else the
	// CloudJob's creation.
	Age time.Duration
	// Cap is the CloudJob's spec.pollInterval; 0 means MaxInterval alone.
	Cap time.Duration
	// Backlog is how long the job's quota bucket needs to serve the jobs already
	// waiting on it (Quota.Backlog); 0 when the quota is not the bottleneck. A
	// poll by age (a kind not learned yet, or a straggler past its window) is
	// pushed back to at least Backlog, within the cap: asking sooner would only
	// queue it, and would take tokens from the jobs the learned windows say are
	// about to finish. Polls placed by a learned window keep their place.
	Backlog time.Duration
}

// Next returns the delay until the job's next poll. It is at least MinInterval
// and at most min(Cap, MaxInterval) (MinInterval winning if the cap is lower),
// or min(Cap, MaxIntervalBeforeWindow) before a learned window, except:
//
//   - PhaseNotPolled: 0, poll at once;
//   - PhaseFinished: 0, there is nothing left to poll;
//   - AwaitingPayment: AwaitingPaymentInterval, ±Jitter. MaxInterval does not
//     apply: it is a cap for jobs that progress by themselves, while a payment
//     waits for a person, maybe for days. An explicit Cap (spec.pollInterval)
//     still applies: the CloudJob's owner asked for it and pays for it.
func (p Policy) Next(in Input) time.Duration {
	p = p.withDefaults()
	switch in.Phase {
	case PhaseNotPolled, PhaseFinished:
		return 0
	case PhaseAwaitingPayment:
		d := p.AwaitingPaymentInterval
		hi := d + time.Duration(p.Jitter*float64(d))
		if in.Cap > 0 && in.Cap < hi {
			hi = max(in.Cap, p.MinInterval)
			d = min(d, hi)
		}
		return p.jitter(d, p.MinInterval, hi)
	}

	hi, early := p.MaxInterval, p.MaxIntervalBeforeWindow
	if in.Cap > 0 {
		hi, early = min(hi, in.Cap), min(early, in.Cap)
	}
	hi = max(hi, p.MinInterval)
	early = max(early, hi)

	age := max(in.Age, 0).Seconds()
	d, bound, ok := p.learned(in, age, p.MinInterval.Seconds(), hi.Seconds(), early.Seconds())
	if !ok {
		d, bound = max(p.AgeFactor*age, in.Backlog.Seconds()), hi.Seconds()
	}
	return p.jitter(secondsToDuration(d), p.MinInterval, secondsToDuration(bound))
}

// learned returns the interval in seconds the learned window suggests, within
// [lo, bound], where bound is early before the window and hi from its start;
// ok is false when the kind has no learned window or the job is past it.
func (p Policy) learned(in Input, age, lo, hi, early float64) (d, bound float64, ok bool) {
	if p.Learner == nil {
		return 0, 0, false
	}
	m, ok := p.Learner.model(in.Service, in.JobType)
	if !ok {
		return 0, 0, false
	}
	done := m.cdf(age)
	if done >= windowEnd {
		return 0, 0, false
	}
	bound = early
	// Poll where another WindowStep share of the kind's jobs would have
	// finished: far ahead while completions are unlikely, close together where
	// they crowd, and at most about 1/WindowStep polls inside the window; the
	// first one no earlier than windowFirst.
	d = m.quantile(min(max(done+p.WindowStep, windowFirst), windowEnd)) - age
	if done >= windowStart {
		// Inside the window, never sparser than age-based polling: in the thin
		// tail an equal share of completions spans a long time.
		d = min(d, p.AgeFactor*age)
		bound = hi
	}
	// Closer than twice DetectionLag, a poll shaves lag nobody needs off short
	// jobs and costs as much as any other request.
	d = max(d, 2*p.DetectionLag.Seconds(), lo)
	return min(d, bound), bound, true
}

// jitter spreads d by ±Jitter and keeps the result within [lo, hi]. A jittered
// interval past the cap becomes the cap rather than being redrawn below it: jobs
// at the cap still drift apart (half their intervals are shorter), and redrawing
// would poll them more often than the cap asks for.
func (p Policy) jitter(d, lo, hi time.Duration) time.Duration {
	d = min(max(d, lo), hi)
	d += time.Duration(p.Jitter * (2*p.rand() - 1) * float64(d))
	return min(max(d, lo), hi)
}

func (p Policy) rand() float64 {
	if p.Rand != nil {
		return p.Rand()
	}
	return rand.Float64()
}

func (p Policy) withDefaults() Policy {
	if p.MinInterval <= 0 {
		p.MinInterval = DefaultMinInterval
	}
	if p.MaxInterval <= 0 {
		p.MaxInterval = DefaultMaxInterval
	}
	if p.MaxIntervalBeforeWindow <= 0 {
		p.MaxIntervalBeforeWindow = DefaultMaxIntervalBeforeWindow
	}
	if p.AwaitingPaymentInterval <= 0 {
		p.AwaitingPaymentInterval = DefaultAwaitingPaymentInterval
	}
	if p.AgeFactor <= 0 {
		p.AgeFactor = DefaultAgeFactor
	}
	switch {
	case p.Jitter == 0:
		p.Jitter = DefaultJitter
	case p.Jitter < 0:
		p.Jitter = 0
	}
	p.Jitter = min(p.Jitter, 1)
	if p.DetectionLag <= 0 {
		p.DetectionLag = DefaultDetectionLag
	}
	if p.WindowStep <= 0 || p.WindowStep >= 1 {
		p.WindowStep = DefaultWindowStep
	}
	return p
}

// secondsToDuration converts, saturating instead of overflowing.
func secondsToDuration(s float64) time.Duration {
	if s >= math.MaxInt64/float64(time.Second) {
		return math.MaxInt64
	}
	return time.Duration(s * float64(time.Second))
}
