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
	// PhaseNotPolled: the job was never polled; poll it at once, unless the
	// quota has a backlog (see Policy.Next).
	PhaseNotPolled Phase = iota
	// PhaseActive: the job is pending, running, or in a state the caller does not
	// know; it is polled by its kind's learned model, or by age.
	PhaseActive
	// PhaseAwaitingPayment: the job waits for a person to pay its order.
	PhaseAwaitingPayment
	// PhaseFinished: the job succeeded or failed; nothing is left to poll.
	PhaseFinished
)

// Default values of the Policy fields left zero.
const (
	DefaultMinInterval = 2 * time.Second
	// DefaultMaxInterval: on the benchmark's mix (make bench), sparse polls 35 s
	// apart and dense ones where completions crowd cost less than a fixed 40 s
	// poller, with a p99 lag below that of a fixed poller of the same cost.
	DefaultMaxInterval             = 35 * time.Second
	DefaultMaxIntervalBeforeWindow = 3 * time.Minute
	DefaultAwaitingPaymentInterval = 5 * time.Minute
	DefaultAgeFactor               = 0.2
	DefaultJitter                  = 0.05
	DefaultDetectionLag            = 2500 * time.Millisecond
)

// The learned window, as shares of the jobs of a kind done by a given age.
const (
	// windowStart: before it completions are rare, and a job goes straight to
	// it in one poll when it is further than the cap. The few jobs done sooner
	// are noticed late; they are the price of the requests saved.
	windowStart = 0.03
	// windowEnd: past it the job is a straggler the learned model says
	// nothing useful about, and it is polled at the cap.
	windowEnd = 0.99
)

// denseShare: a kind's jobs are polled densely, every twice DetectionLag,
// while such a poll has at least this chance of finding a job still running
// done (its hazard of finishing times the interval). Below it a poll at the
// cap costs less for the lag it saves.
const denseShare = 0.2

// priceHoldFactor bounds how long the quota's price may hold a job back, in
// multiples of the cap before the window (MaxIntervalBeforeWindow): a bound
// for a price gone wrong, far past what the price does on its own. A bound at
// one cap costs a third more lag at p99 in TestSimulatedQuotaBound: the jobs
// it forces out take the tokens of jobs more likely done.
const priceHoldFactor = 10

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
	// window find almost nothing: skipping them is what lets a learned policy
	// cost less than a fixed poller at the same cap. A spec.pollInterval still
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
	// DetectionLag is a detection lag that is good enough: where a learned
	// kind's completions crowd, its jobs are polled every twice this (so they
	// are noticed within it on average), never at MinInterval to be noticed a
	// second or two sooner.
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
	// waiting on it (Quota.Backlog); 0 when the quota is not the bottleneck.
	// While it is positive, polls unlikely to find the job done (sparse ones
	// and those by age) wait at least Backlog, beyond MaxInterval though
	// within Cap and MaxIntervalBeforeWindow: asking sooner would only queue
	// them, and would take tokens from the jobs the learned models say are
	// finishing. Dense polls keep their place, and a new job's first poll
	// waits for the age at which it could be done. For a job of a learned
	// kind it is ignored while Price is positive; a kind not learned is still
	// held back by it then.
	Backlog time.Duration
	// LastPoll is the job's age at the last poll that found it running; 0 for
	// a job never polled, or when the caller does not remember (the job was
	// running when it was created).
	LastPoll time.Duration
	// Price is the quota's price (Quota.Price); 0 when the quota is not the
	// bottleneck. While it is positive, a job of a learned kind is polled only
	// once its claim (Policy.Claim) reaches it.
	Price time.Duration
	// Unpolled is how long the job has gone without a poll on the operator's
	// own clock: since its last poll, or since the operator first saw it. Age
	// and LastPoll follow the cloud's begin time, which may be ahead of the
	// operator's clock (a skewed cloud, a hostile answer): the age then stays
	// at 0 and alone it would hold the job anew at every call. Unpolled
	// bounds the price's hold whatever the begin time says. 0 when the job
	// was polled just now, or when the caller does not know: then the age
	// alone bounds the hold.
	Unpolled time.Duration
}

// Next returns the delay until the job's next poll. It is at least MinInterval
// and at most the cap, min(Cap, MaxInterval) (MinInterval winning if the cap is
// lower); before a learned window the cap is min(Cap, MaxIntervalBeforeWindow),
// and under a quota backlog a poll unlikely to find the job done may wait up to
// min(Cap, MaxIntervalBeforeWindow, Backlog) (see Input.Backlog); under a
// quota price a job of a learned kind waits until its claim reaches the price
// instead (see Defer), never less than the learned placement says. Except:
//
//   - PhaseNotPolled: 0, poll at once; but when the quota has a backlog and the
//     learner knows the job's service, the time until the job is old enough
//     for a poll to find it done (the earliest of the service's kinds while
//     the job type is unknown: the cloud gives it with the first answer). A
//     poll that cannot find the job done would take a token from one that
//     could; without a backlog the first poll shows the job's state at once;
//   - PhaseFinished: 0, there is nothing left to poll;
//   - AwaitingPayment: AwaitingPaymentInterval, ±Jitter. MaxInterval does not
//     apply: it is a cap for jobs that progress by themselves, while a payment
//     waits for a person, maybe for days. An explicit Cap (spec.pollInterval)
//     still applies: the CloudJob's owner asked for it and pays for it.
func (p Policy) Next(in Input) time.Duration {
	p = p.withDefaults()
	switch in.Phase {
	case PhaseFinished:
		return 0
	case PhaseNotPolled:
		return p.first(in)
	case PhaseAwaitingPayment:
		d := p.AwaitingPaymentInterval
		hi := d + time.Duration(p.Jitter*float64(d))
		if in.Cap > 0 && in.Cap < hi {
			hi = max(in.Cap, p.MinInterval)
			d = min(d, hi)
		}
		return p.jitter(d, p.MinInterval, hi)
	}

	b := p.bounds(in)
	age := max(in.Age, 0).Seconds()
	var d, bound float64
	if m, ok := p.model(in); ok && in.Price > 0 {
		// The price, not the backlog, holds the poll back, past the cap if
		// need be, up to the cap before the window: the tokens are worth more
		// to other jobs until then.
		in.Backlog = 0
		b = p.bounds(in)
		d, _ = p.place(m, age, b)
		d, bound = max(d, p.untilPrice(in, b)), b.early
	} else if ok {
		d, bound = p.place(m, age, b)
	} else {
		d, bound = min(max(p.AgeFactor*age, b.backlog), b.busy), b.busy
	}
	return p.jitter(secondsToDuration(d), p.MinInterval, secondsToDuration(bound))
}

// Urgent tells whether a poll of the job now is likely to find it done: its
// learned kind's completions crowd at its age, so that the policy polls it
// densely. The caller asks the Quota with AdmitUrgent then.
//
// While the quota has a price, a poll is urgent when the job's claim reaches
// it: the price has then already held back the polls worth less. A job never
// polled, whose job type the cloud has not told yet, is judged by its
// service's learned kinds, the likeliest first.
func (p Policy) Urgent(in Input) bool {
	p = p.withDefaults()
	if in.Phase != PhaseActive && in.Phase != PhaseNotPolled {
		return false
	}
	last, age := lastPoll(in), max(in.Age, 0).Seconds()
	for _, m := range p.models(in) {
		if in.Price > 0 {
			if claim(m, last, age) >= in.Price.Seconds() {
				return true
			}
		} else if m.cdf(age) < windowEnd && m.hazard(age)*p.dense() >= denseShare {
			return true
		}
	}
	return false
}

// Defer returns how much longer a job due for a poll should wait, 0 to poll
// now. While the quota has a price, a job of a learned kind waits until its
// claim reaches the price (see untilPrice for the bound): the job's turn comes
// when a poll of it is worth as much as the others'. Otherwise only a job
// never polled waits, under a quota backlog, until it could be done (see
// Next).
func (p Policy) Defer(in Input) time.Duration {
	p = p.withDefaults()
	switch {
	case in.Phase != PhaseActive && in.Phase != PhaseNotPolled:
		return 0
	case in.Price > 0:
		in.Backlog = 0
		return secondsToDuration(p.untilPrice(in, p.bounds(in)))
	case in.Phase == PhaseNotPolled:
		return p.first(in)
	}
	return 0
}

// Claim is what a poll of the job now is worth, to compare with the quota's
// price: the chance that the job finished since its last poll, times the time
// since that poll. The first factor spends the quota where completions are
// likely, which keeps the median lag low; the second lets no job go unpolled
// for long, which bounds the tail. A job with no learned kind claims nothing.
func (p Policy) Claim(in Input) time.Duration {
	best := 0.0
	last, age := lastPoll(in), max(in.Age, 0).Seconds()
	for _, m := range p.models(in) {
		best = max(best, claim(m, last, age))
	}
	return secondsToDuration(best)
}

// claim is Claim for one model, in seconds.
func claim(m logNormal, last, age float64) float64 {
	if age <= last {
		return 0
	}
	running := 1 - m.cdf(last)
	if running <= 0 {
		return age - last
	}
	done := 1 - (1-m.cdf(age))/running
	return done * (age - last)
}

// untilPrice is the time in seconds, from now, until the job's claim reaches
// in.Price: 0 if it has, and no later than the hold's end (holdLimit). The
// claim grows with the job's age (both of its factors do), so a bisection
// finds the moment.
func (p Policy) untilPrice(in Input, b bounds) float64 {
	models := p.models(in)
	if len(models) == 0 || in.Price <= 0 {
		return 0
	}
	last, age := lastPoll(in), max(in.Age, 0).Seconds()
	price := in.Price.Seconds()
	limit := p.holdLimit(in, b, last, age)
	at := limit
	for _, m := range models {
		if claim(m, last, age) >= price {
			return 0
		}
		if claim(m, last, limit) < price {
			continue
		}
		lo, hi := age, limit
		for hi-lo > 0.01*b.lo {
			mid := (lo + hi) / 2
			if claim(m, last, mid) >= price {
				hi = mid
			} else {
				lo = mid
			}
		}
		at = min(at, hi)
	}
	return at - age
}

// holdLimit is the age, in seconds, at which the price's hold on the job ends:
// priceHoldFactor times the cap before the window after its last poll, or the
// CloudJob's own cap (spec.pollInterval) if it has one, counted on the job's
// age and on the operator's clock (in.Unpolled), whichever ends first. The
// age follows the cloud's begin time; the operator's clock follows no answer,
// so no answer can stretch the hold.
func (p Policy) holdLimit(in Input, b bounds, last, age float64) float64 {
	hold := priceHoldFactor * b.early
	if in.Cap > 0 {
		hold = min(hold, max(in.Cap, p.MinInterval).Seconds())
	}
	byAge := max(last+hold, age)
	byClock := age + max(hold-max(in.Unpolled, 0).Seconds(), 0)
	return min(byAge, byClock)
}

// lastPoll is in.LastPoll in seconds, within [0, in.Age].
func lastPoll(in Input) float64 {
	return min(max(in.LastPoll, 0), max(in.Age, 0)).Seconds()
}

// first is Next for a job never polled.
func (p Policy) first(in Input) time.Duration {
	if in.Backlog <= 0 {
		return 0
	}
	b := p.bounds(in)
	at := math.Inf(1)
	for _, m := range p.models(in) {
		d, _ := p.place(m, 0, b)
		at = min(at, d)
	}
	if math.IsInf(at, 1) {
		return 0
	}
	return secondsToDuration(max(at-max(in.Age, 0).Seconds(), 0))
}

// bounds are the limits, in seconds, that Next places a poll within.
type bounds struct {
	lo    float64 // MinInterval
	hi    float64 // the cap: min(Cap, MaxInterval)
	early float64 // the cap before a learned window
	// backlog is Input.Backlog, within early; busy is max(hi, backlog): the
	// longest a sparse poll waits.
	backlog, busy float64
}

func (p Policy) bounds(in Input) bounds {
	hi, early := p.MaxInterval, p.MaxIntervalBeforeWindow
	backlog := in.Backlog
	if in.Cap > 0 {
		hi, early, backlog = min(hi, in.Cap), min(early, in.Cap), min(backlog, in.Cap)
	}
	hi = max(hi, p.MinInterval)
	early = max(early, hi)
	backlog = min(max(backlog, 0), early)
	return bounds{
		lo: p.MinInterval.Seconds(), hi: hi.Seconds(), early: early.Seconds(),
		backlog: backlog.Seconds(), busy: max(hi, backlog).Seconds(),
	}
}

// models are the learned models the job may follow: its kind's, or, for a job
// whose type the cloud has not told yet, every learned kind of its service.
func (p Policy) models(in Input) []logNormal {
	if p.Learner == nil {
		return nil
	}
	return p.Learner.models(in.Service, in.JobType)
}

// model is the learned model of the job's kind.
func (p Policy) model(in Input) (logNormal, bool) {
	if p.Learner == nil {
		return logNormal{}, false
	}
	return p.Learner.model(in.Service, in.JobType)
}

// dense is the interval in seconds of dense polls.
func (p Policy) dense() float64 {
	return max(2*p.DetectionLag.Seconds(), p.MinInterval.Seconds())
}

// place returns the interval in seconds that the learned model m suggests for
// a job of age seconds, and the bound it is held to.
//
// Lag percentiles, not the mean, are what a user compares, and a fixed poller
// at the cap bounds every job's lag by the cap. So does this policy, wherever
// jobs of the kind finish, and it saves requests where they rarely do: before
// the window it goes straight to where completions begin, and it polls faster
// than the cap only where the hazard of finishing (the share of the jobs still
// running that finish per second) makes a dense poll likely to find the job
// done.
func (p Policy) place(m logNormal, age float64, b bounds) (d, bound float64) {
	done := m.cdf(age)
	dense := p.dense()
	switch {
	case done >= windowEnd:
		// A straggler: the model says nothing of when it ends.
		return b.busy, b.busy
	case m.hazard(age)*dense >= denseShare:
		return max(min(dense, b.hi), b.lo), b.hi
	}
	// Sparse completions: poll at the cap, but keep the place of the first
	// dense poll ahead, if any.
	d, bound = b.busy, b.busy
	first := math.Inf(1)
	if at, ok := m.hazardReaches(denseShare/dense, age, m.quantile(windowEnd)); ok {
		first = at + dense - age
	}
	if start := m.quantile(windowStart) - age; done < windowStart && start > b.hi {
		// Go straight to where completions begin, or to the first dense poll
		// if it comes within a cap of it.
		d, bound = start, max(b.early, b.busy)
		if first < start+b.hi {
			d = first
		}
	}
	return max(min(d, first, bound), b.lo), bound
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
	return p
}

// secondsToDuration converts, saturating instead of overflowing.
func secondsToDuration(s float64) time.Duration {
	if s >= math.MaxInt64/float64(time.Second) {
		return math.MaxInt64
	}
	return time.Duration(s * float64(time.Second))
}
