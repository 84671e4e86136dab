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
	"sync"
	"time"

	"golang.org/x/time/rate"
)

const (
	// DefaultRequestsPerMinute is the default quota of one bucket: the job-status
	// API quota BMS documents per account.
	DefaultRequestsPerMinute = 2000

	// DefaultHorizon is how far ahead Admit reserves tokens. Short, so that a
	// burst of new jobs books a few seconds of the bucket, not minutes of it.
	DefaultHorizon = 2 * time.Second

	// agingFactor: a job turned away plays the lottery for this many backlogs
	// (the time the bucket needs to serve every job waiting on it); past that it
	// retries within a horizon each time, which wins it one of the next tokens.
	// It bounds the unlucky tail of the lottery, which is most of the worst
	// lags when the quota binds. One backlog: the policy already stretches
	// polls that cannot find their job done to the backlog, so the jobs that
	// wait are few and mostly due, and a longer lottery only lengthens the
	// tail (TestSimulatedQuotaBound: p99 lag about 100 s, against about 140 s
	// with three backlogs).
	agingFactor = 1
	// staleAfter: a reservation or a retry time this far in the past belongs to
	// a job that never came back (deleted without Forget, or the operator lost
	// it); it is dropped so memory stays bounded.
	staleAfter = 2 * time.Minute
	// sweepEvery is how often Admit looks for stale jobs and idle buckets; the
	// sweep is linear in their number, so it runs rarely.
	sweepEvery = time.Minute

	// The price (see Quota.Price) grows by a factor e every priceTime while the
	// bucket's tokens are booked more than a quarter of the horizon ahead, and
	// shrinks as fast while half a burst of tokens is unused; below priceFloor
	// it is 0. A few seconds: fast enough to follow a burst of new jobs, slow
	// enough that the jobs it holds back come back spread out.
	priceTime  = 5 * time.Second
	priceFloor = 0.01 // seconds
	// priceCeiling only keeps the arithmetic finite: a claim past an hour is
	// past every cap.
	priceCeiling = 3600.0
)

// Quota shares the cloud's request quota between jobs: one token bucket per
// (endpoint, access key), each refilled at the configured rate. It is safe for
// concurrent use.
//
// Guarantee: for each bucket, the moments at which Admit returns 0 never number
// more than rate×w + burst in any window of length w, however late or early
// callers come back.
//
// Fairness: Admit reserves a token only within a short horizon. A job that cannot
// get one is sent away to a random moment spread over the bucket's backlog (the
// time needed to serve the jobs waiting on it), so at any moment the jobs asking
// have an equal chance, old and new alike, instead of the first to ask booking
// the future. A job left unlucky for agingFactor backlogs then retries every
// horizon, which wins it one of the next tokens and bounds its wait. Urgent polls
// (AdmitUrgent) skip the lottery.
//
// Price: a bucket asked for more than its rate sets a price (Price) that the
// policy weighs each job's poll against, so that the polls asked fit the rate
// again and the ones sent are those worth most.
//
// Memory: a job is remembered only while it holds a reservation or waits; jobs
// that never come back and idle buckets are swept away.
type Quota struct {
	limit   rate.Limit
	burst   int
	horizon time.Duration
	now     func() time.Time

	mu        sync.Mutex
	rng       *rand.Rand
	buckets   map[string]*tokenBucket
	jobs      map[string]*ticket
	nextSweep time.Time
}

// tokenBucket is one (endpoint, access key)'s share of the quota.
//
// rate.Limiter does the token arithmetic; the rest is hand-written because the
// limiter knows neither who holds a reservation (to honour it once, or return it
// on Forget) nor who is waiting (to spread them fairly).
type tokenBucket struct {
	// book hands out tokens, now or at a reserved moment within the horizon.
	book *rate.Limiter
	// sent is charged when Admit actually returns 0. It is what makes the
	// guarantee hold when callers come back late: reservations honoured late
	// could otherwise bunch up into more than a burst.
	sent *rate.Limiter
	// reserved and waiting count the tickets that point here.
	reserved, waiting int
	// price, in seconds, and when it was last brought up to date.
	price   float64
	priceAt time.Time
}

// ticket is a job's standing with its bucket.
type ticket struct {
	bucket *tokenBucket
	// reservation is the token held for the job at moment at; nil when the job
	// was turned away and may retry at moment at.
	reservation *rate.Reservation
	at          time.Time
	// deadline is when a job turned away stops waiting for the lottery.
	deadline time.Time
}

// QuotaOption configures a Quota.
type QuotaOption func(*Quota)

// WithClock makes the Quota read the time from now instead of time.Now.
func WithClock(now func() time.Time) QuotaOption {
	return func(q *Quota) { q.now = now }
}

// WithRand makes the Quota draw retry moments from r, which it then owns (r is
// used under the Quota's lock only).
func WithRand(r *rand.Rand) QuotaOption {
	return func(q *Quota) { q.rng = r }
}

// WithSeed makes the Quota draw retry moments from a generator seeded with seed.
func WithSeed(seed uint64) QuotaOption {
	return func(q *Quota) { q.rng = rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d)) }
}

// WithHorizon sets how far ahead Admit reserves tokens (default DefaultHorizon).
// It is raised to at least two tokens' worth of time, so a slow bucket can still
// reserve.
func WithHorizon(d time.Duration) QuotaOption {
	return func(q *Quota) { q.horizon = d }
}

// WithBurst sets the bucket size (default: one second's worth of tokens, at least
// 1).
func WithBurst(n int) QuotaOption {
	return func(q *Quota) { q.burst = n }
}

// NewQuota returns a Quota allowing requestsPerMinute requests per bucket. It
// panics if requestsPerMinute is not a positive finite number: a quota of zero
// would stop every job, which is a configuration error to catch at start-up.
func NewQuota(requestsPerMinute float64, opts ...QuotaOption) *Quota {
	if !(requestsPerMinute > 0) || math.IsInf(requestsPerMinute, 0) {
		panic("poll: NewQuota needs a positive finite requestsPerMinute")
	}
	q := &Quota{
		limit:   rate.Limit(requestsPerMinute / 60),
		burst:   int(requestsPerMinute / 60),
		horizon: DefaultHorizon,
		now:     time.Now,
		buckets: make(map[string]*tokenBucket),
		jobs:    make(map[string]*ticket),
	}
	for _, o := range opts {
		o(q)
	}
	q.burst = max(q.burst, 1)
	q.horizon = max(q.horizon, 2*q.interval())
	if q.rng == nil {
		q.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return q
}

// Admit asks to send one request for job (a unique job key) to bucket (one per
// endpoint and access key; opaque). It returns 0 when the job may send now: a
// token was consumed. Otherwise it returns how long the job should wait before
// calling Admit again; if a token was reserved for the job at that moment, the
// next Admit at or after it returns 0 without taking another token.
func (q *Quota) Admit(bucket, job string) time.Duration { return q.admit(bucket, job, false) }

// AdmitUrgent is Admit for a poll likely to find its job done (Policy.Urgent):
// it skips the lottery. It may take a token due within the horizon even while
// other jobs wait, and when none is, it comes back within a horizon rather than
// at a random moment of the backlog. Urgent polls are the few dense ones where
// a kind's completions crowd, so they get the tokens they need and the others
// share the rest as before; the guarantee on the bucket's rate holds for both.
func (q *Quota) AdmitUrgent(bucket, job string) time.Duration { return q.admit(bucket, job, true) }

func (q *Quota) admit(bucket, job string, urgent bool) time.Duration {
	now := q.now()
	q.mu.Lock()
	defer q.mu.Unlock()
	if !now.Before(q.nextSweep) {
		q.sweep(now)
	}
	b := q.buckets[bucket]
	if b == nil {
		b = &tokenBucket{
			book: rate.NewLimiter(q.limit, q.burst),
			sent: rate.NewLimiter(q.limit, q.burst),
		}
		q.buckets[bucket] = b
	}
	q.updatePrice(b, now)
	t := q.jobs[job]
	if t != nil && t.bucket != b {
		// The job's endpoint or key changed: its old standing means nothing.
		q.drop(job, t, now)
		t = nil
	}
	if t != nil && t.reservation != nil {
		if now.Before(t.at) {
			return t.at.Sub(now)
		}
		return q.redeem(job, t, now)
	}

	wait := q.untilToken(b.book, now)
	if t != nil && now.Before(t.at) && wait > 0 {
		// Turned away earlier and back before its time (woken by something
		// else): asking again early would buy it extra lottery tickets.
		return t.at.Sub(now)
	}
	// While other jobs wait in the lottery, a job joins it before it may take a
	// token: a job served moments ago would otherwise get a fresh chance on each
	// return and win tokens over and over, out of turn.
	others := b.waiting
	if t != nil {
		others--
	}
	if wait <= q.horizon && (others == 0 || urgent || (t != nil && !t.deadline.IsZero())) {
		if t == nil {
			t = &ticket{bucket: b}
			q.jobs[job] = t
		} else {
			b.waiting--
		}
		b.reserved++
		t.reservation = b.book.ReserveN(now, 1)
		t.at = now.Add(t.reservation.DelayFrom(now))
		if now.Before(t.at) {
			return t.at.Sub(now)
		}
		return q.redeem(job, t, now)
	}

	// No token for this job within the horizon. Come back once the horizon has
	// moved past the tokens already booked, at a random moment within the
	// bucket's backlog: the jobs waiting then come back, together, about as fast
	// as the bucket refills, so most tries succeed and no token idles.
	backlog := q.backlog(b)
	var spread time.Duration
	switch {
	case urgent:
		if t == nil {
			t = &ticket{bucket: b}
			q.jobs[job] = t
			b.waiting++
		}
		spread = q.horizon
	case t == nil:
		// First refusal: come back after a couple of horizons, and be spread
		// then, over the backlog as it is by then. In a burst the backlog seen
		// by the first jobs turned away is tiny; spreading them over it would
		// serve the burst in arrival order, ahead of every job after it.
		t = &ticket{bucket: b}
		q.jobs[job] = t
		b.waiting++
		spread = 2 * q.horizon
	case t.deadline.IsZero():
		t.deadline = now.Add(wait - q.horizon + agingFactor*backlog)
		spread = backlog
	case now.Before(t.deadline):
		spread = backlog
	default:
		// Unlucky for agingFactor backlogs: try again within a horizon, and
		// keep trying, so the job wins one of the next tokens to come free.
		spread = q.horizon
	}
	t.at = now.Add(wait - q.horizon + time.Duration(q.rng.Float64()*float64(spread)))
	if !t.deadline.IsZero() && now.Before(t.deadline) && t.at.After(t.deadline) {
		t.at = t.deadline
	}
	t.at = maxTime(t.at, now.Add(q.interval()))
	return t.at.Sub(now)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// redeem sends a job whose reservation is due, unless the sent limiter says that
// doing so now would break the guarantee (only when reservations were honoured
// late and bunched up); then the job keeps its token and comes back when it may.
func (q *Quota) redeem(job string, t *ticket, now time.Time) time.Duration {
	b := t.bucket
	if b.sent.AllowN(now, 1) {
		b.reserved--
		delete(q.jobs, job)
		return 0
	}
	t.at = now.Add(max(q.untilToken(b.sent, now), 1))
	return t.at.Sub(now)
}

// Forget drops a job's reservation or place in line (the job was deleted or
// finished), returning its token to the bucket if nobody booked after it.
func (q *Quota) Forget(job string) {
	now := q.now()
	q.mu.Lock()
	defer q.mu.Unlock()
	if t := q.jobs[job]; t != nil {
		q.drop(job, t, now)
	}
}

// drop removes a ticket, cancelling a reservation still in the future.
func (q *Quota) drop(job string, t *ticket, now time.Time) {
	if t.reservation != nil {
		if t.at.After(now) {
			t.reservation.CancelAt(now)
		}
		t.bucket.reserved--
	} else {
		t.bucket.waiting--
	}
	delete(q.jobs, job)
}

// Backlog returns how long bucket needs to serve the jobs waiting on it (those
// holding a reservation and those turned away), at its rate; 0 for a bucket with
// no waiting jobs. It is the Input.Backlog of the policy.
func (q *Quota) Backlog(bucket string) time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	b := q.buckets[bucket]
	if b == nil || b.reserved+b.waiting == 0 {
		return 0
	}
	return q.backlog(b)
}

// Price returns the bucket's price: 0 while the bucket serves every poll asked
// of it, and while it cannot, a duration that grows until the polls asked fit
// the bucket's rate again. The policy holds a job's poll until its claim (the
// chance it finds the job done, times the time since its last poll) reaches
// the price (Input.Price), so that the polls sent are the ones worth most, and
// the bucket is never booked far ahead. No well-kept library prices a shared
// rate limit this way; it is a feedback loop on the bucket's own state.
func (q *Quota) Price(bucket string) time.Duration {
	now := q.now()
	q.mu.Lock()
	defer q.mu.Unlock()
	b := q.buckets[bucket]
	if b == nil {
		return 0
	}
	q.updatePrice(b, now)
	return secondsToDuration(b.price)
}

// updatePrice brings b's price up to now.
func (q *Quota) updatePrice(b *tokenBucket, now time.Time) {
	dt := now.Sub(b.priceAt)
	if b.priceAt.IsZero() || dt < 0 {
		dt = 0
	}
	b.priceAt = now
	tokens := b.book.TokensAt(now)
	switch {
	case -tokens > float64(q.limit)*q.horizon.Seconds()/4:
		b.price = min(max(b.price, priceFloor)*math.Exp(dt.Seconds()/priceTime.Seconds()), priceCeiling)
	case tokens >= float64(q.burst)/2 && b.price > 0:
		b.price *= math.Exp(-dt.Seconds() / priceTime.Seconds())
		if b.price < priceFloor {
			b.price = 0
		}
	}
}

// QuotaStats counts what a Quota holds, for metrics and tests.
type QuotaStats struct {
	Buckets  int // buckets in memory
	Reserved int // jobs holding a reserved token
	Waiting  int // jobs turned away, with a retry time
}

// Stats returns what the Quota holds now.
func (q *Quota) Stats() QuotaStats {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := QuotaStats{Buckets: len(q.buckets)}
	for _, b := range q.buckets {
		s.Reserved += b.reserved
		s.Waiting += b.waiting
	}
	return s
}

// sweep drops tickets of jobs that never came back, then buckets nobody waits on
// whose tokens are all back: a fresh bucket would behave the same.
func (q *Quota) sweep(now time.Time) {
	q.nextSweep = now.Add(sweepEvery)
	cutoff := now.Add(-staleAfter)
	for job, t := range q.jobs {
		if t.at.Before(cutoff) {
			q.drop(job, t, now)
		}
	}
	full := float64(q.burst)
	for name, b := range q.buckets {
		q.updatePrice(b, now)
		if b.reserved+b.waiting == 0 && b.price == 0 && b.book.TokensAt(now) >= full && b.sent.TokensAt(now) >= full {
			delete(q.buckets, name)
		}
	}
}

// backlog is the time bucket b needs to serve every job waiting on it.
func (q *Quota) backlog(b *tokenBucket) time.Duration {
	return time.Duration(b.reserved+b.waiting) * q.interval()
}

// untilToken is how long until lim has a whole token, 0 if it has one now.
func (q *Quota) untilToken(lim *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - lim.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(missing / float64(q.limit) * float64(time.Second)))
}

// interval is the time between two tokens.
func (q *Quota) interval() time.Duration {
	return time.Duration(float64(time.Second) / float64(q.limit))
}
