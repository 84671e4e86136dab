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
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

// TestQuotaBurstDoesNotStarveOldJobs: 10,000 new jobs arrive within a second
// while 100 old jobs poll every 30 s, at 2,000 requests/minute. First come, first
// served puts every old job behind every new one; the Quota serves old and new
// jobs in one lottery, so old jobs are served among the new ones, within a bounded
// wait comparable to (total jobs / rate), and get their fair share of polls
// afterwards.
func TestQuotaBurstDoesNotStarveOldJobs(t *testing.T) {
	const (
		perMinute = 2000
		oldJobs   = 100
		newJobs   = 10000
	)
	everyone := time.Duration(float64(oldJobs+newJobs) / (perMinute / 60.0) * float64(time.Second)) // ~303 s

	type outcome struct {
		waits  []time.Duration // old jobs' first wait after the burst, sorted
		behind []float64       // per old job, the share of new jobs served first, sorted
		sim    *quotaSim
	}
	run := func(name string, mk func(c *clocktesting.FakeClock) admitter) outcome {
		clock := newFakeClock()
		t0 := clock.Now()
		burst := t0.Add(time.Minute)
		r := rand.New(rand.NewPCG(1, 2))
		sim := &quotaSim{q: mk(clock), clock: clock, until: burst.Add(30 * time.Minute)}
		for j := range oldJobs + newJobs {
			if j < oldJobs {
				sim.start = append(sim.start, t0.Add(time.Duration(r.Float64()*float64(30*time.Second))))
				sim.period = append(sim.period, 30*time.Second)
			} else {
				sim.start = append(sim.start, burst.Add(time.Duration(r.Float64()*float64(time.Second))))
				sim.period = append(sim.period, 5*time.Second)
			}
		}
		sim.run()
		var firstNew []time.Time
		for j := oldJobs; j < oldJobs+newJobs; j++ {
			if len(sim.grants[j]) > 0 {
				firstNew = append(firstNew, sim.grants[j][0])
			}
		}
		slices.SortFunc(firstNew, time.Time.Compare)
		var o outcome
		o.sim = sim
		for j := range oldJobs {
			w, ok := sim.firstGrantAfter(j, burst)
			if !ok {
				t.Fatalf("%s: old job %d was never served after the burst", name, j)
			}
			o.waits = append(o.waits, w)
			served := slices.IndexFunc(sim.asked[j], func(a time.Time) bool { return !a.Before(burst) })
			g := sim.grants[j][served]
			n, _ := slices.BinarySearchFunc(firstNew, g, time.Time.Compare)
			o.behind = append(o.behind, float64(n)/newJobs)
		}
		slices.Sort(o.waits)
		slices.Sort(o.behind)
		t.Logf("%-24s old jobs' first wait after the burst: p50 %4.0fs p90 %4.0fs max %4.0fs; new jobs served before them: p50 %3.0f%%, min %3.0f%%",
			name, o.waits[oldJobs/2].Seconds(), o.waits[oldJobs*9/10].Seconds(), o.waits[oldJobs-1].Seconds(),
			100*o.behind[oldJobs/2], 100*o.behind[0])
		return o
	}

	naive := run("first come, first served", func(c *clocktesting.FakeClock) admitter {
		return newFirstComeFirstServed(perMinute, 33, c.Now)
	})
	fair := run("Quota", func(c *clocktesting.FakeClock) admitter {
		return NewQuota(perMinute, WithClock(c.Now), WithSeed(3))
	})
	t.Logf("everyone / rate = %v", everyone)

	// The baseline shows the problem: each old job waits behind all new ones.
	if got := naive.behind[oldJobs/2]; got < 0.99 {
		t.Errorf("baseline: the median old job was served after %.0f%% of the new jobs; expected after all of them", 100*got)
	}
	// The Quota serves old jobs among the new ones...
	if got := fair.behind[oldJobs/2]; got > 0.7 {
		t.Errorf("the median old job was served after %.0f%% of the new jobs, want <= 70%%", 100*got)
	}
	// ...within a bounded wait...
	if got, limit := fair.waits[oldJobs-1], (agingFactor+1)*everyone; got > limit {
		t.Errorf("slowest old job waited %v, want <= %v", got, limit)
	}
	// ...and then gives them about their fair share: every job wants more polls
	// than the quota can give, so each gets about one per backlog, whether it
	// asks every 5 s or every 30 s (1/(W+30 s) against 1/(W+5 s) is 0.92).
	var oldPolls, newPolls int
	for j, g := range fair.sim.grants {
		n := len(g) - slices.IndexFunc(g, func(at time.Time) bool { return at.After(fair.sim.start[oldJobs]) })
		if j < oldJobs {
			oldPolls += n
		} else {
			newPolls += n
		}
	}
	oldShare, newShare := float64(oldPolls)/oldJobs, float64(newPolls)/newJobs
	t.Logf("polls per job in the 30 min after the burst: old %.2f, new %.2f", oldShare, newShare)
	if oldShare < newShare*0.8 {
		t.Errorf("old jobs got %.2f polls each, new ones %.2f: want old >= 0.8 × new", oldShare, newShare)
	}
}

// TestQuotaNeverExceedsRate: whatever the callers do (come back on time, late,
// or early), the grants of a bucket never number more than rate×w + burst in any
// window w.
func TestQuotaNeverExceedsRate(t *testing.T) {
	onTime := func(int, time.Duration) time.Duration { return 0 }
	late := func(job int, _ time.Duration) time.Duration {
		return time.Duration(job%7) * 450 * time.Millisecond // up to 2.7 s late
	}
	early := func(job int, d time.Duration) time.Duration {
		if job%2 == 0 && d > time.Second {
			return -d / 2 // woken by something else half way through its wait
		}
		return 0
	}
	tests := []struct {
		name      string
		perMinute float64
		jobs      int
		period    time.Duration
		late      func(int, time.Duration) time.Duration
	}{
		{"2000/min on time", 2000, 500, time.Second, onTime},
		{"2000/min late", 2000, 500, time.Second, late},
		{"2000/min early", 2000, 500, time.Second, early},
		{"60/min on time", 60, 50, 2 * time.Second, onTime},
		{"60/min late", 60, 50, 2 * time.Second, late},
		{"6/min on time", 6, 10, 0, onTime},
		{"6/min late", 6, 10, 0, late},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			q := NewQuota(tt.perMinute, WithClock(clock.Now), WithSeed(1))
			sim := &quotaSim{q: q, clock: clock, late: tt.late, until: clock.Now().Add(10 * time.Minute)}
			for j := range tt.jobs {
				sim.start = append(sim.start, clock.Now().Add(time.Duration(j)*time.Millisecond))
				sim.period = append(sim.period, tt.period)
			}
			sim.run()
			perSecond := tt.perMinute / 60
			interval := time.Duration(float64(time.Second) / perSecond)
			// Every case asks for more than the quota: it should be used, though
			// callers that come back late waste some of the tokens held for them.
			used := float64(len(sim.all)) / (perSecond * 600)
			t.Logf("%d grants in 10 min: %.0f%% of the quota", len(sim.all), 100*used)
			if used < 0.8 {
				t.Errorf("only %.0f%% of the quota used, want >= 80%%", 100*used)
			}
			for _, w := range []time.Duration{0, interval, time.Second, 10 * time.Second, time.Minute, 5 * time.Minute} {
				limit := int(perSecond*w.Seconds()+1e-9) + q.burst
				if got := maxInWindow(sim.all, w); got > limit {
					t.Errorf("%d grants within %v, want <= rate×w + burst = %d", got, w, limit)
				}
			}
		})
	}
}

// TestQuotaUrgent: 500 jobs asking every second overload a bucket of 2,000
// requests a minute; 20 urgent jobs asking every 10 s among them skip the
// lottery and wait far less than the others, while the rate guarantee still
// holds.
func TestQuotaUrgent(t *testing.T) {
	clock := newFakeClock()
	q := NewQuota(2000, WithClock(clock.Now), WithSeed(3))
	const routine, urgent = 500, 20
	sim := &quotaSim{q: q, clock: clock, until: clock.Now().Add(5 * time.Minute), urgent: func(job int) bool { return job >= routine }}
	for j := range routine + urgent {
		sim.start = append(sim.start, clock.Now().Add(time.Duration(j)*time.Millisecond))
		period := time.Second
		if j >= routine {
			period = 10 * time.Second
		}
		sim.period = append(sim.period, period)
	}
	sim.run()
	waits := func(from, to int) []time.Duration {
		var out []time.Duration
		for j := from; j < to; j++ {
			// From the second minute, once the burst of first polls is served.
			for i, a := range sim.asked[j] {
				if i < len(sim.grants[j]) && a.After(clock.Now().Add(-4*time.Minute)) {
					out = append(out, sim.grants[j][i].Sub(a))
				}
			}
		}
		slices.Sort(out)
		return out
	}
	u, r := waits(routine, routine+urgent), waits(0, routine)
	if len(u) == 0 || len(r) == 0 {
		t.Fatalf("no polls served: %d urgent, %d routine", len(u), len(r))
	}
	q50 := func(d []time.Duration) time.Duration { return d[len(d)/2] }
	q95 := func(d []time.Duration) time.Duration { return d[len(d)*95/100] }
	t.Logf("urgent: %d polls, wait p50 %v p95 %v; routine: %d polls, wait p50 %v p95 %v", len(u), q50(u), q95(u), len(r), q50(r), q95(r))
	if q50(u) > q50(r)/3 {
		t.Errorf("urgent polls' median wait %v, want at most a third of the routine ones' %v", q50(u), q50(r))
	}
	if q95(u) > q50(r) {
		t.Errorf("urgent polls' p95 wait %v, want at most the routine ones' median %v", q95(u), q50(r))
	}
	for _, w := range []time.Duration{time.Second, 10 * time.Second, time.Minute} {
		if got, limit := maxInWindow(sim.all, w), int(2000.0/60*w.Seconds()+1e-9)+q.burst; got > limit {
			t.Errorf("%d grants within %v, want <= rate×w + burst = %d", got, w, limit)
		}
	}
}

// TestQuotaReservations walks one bucket of 60 requests/minute (burst 1, horizon
// 2 s) through reservations, early and late returns.
func TestQuotaReservations(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.Now()
	q := NewQuota(60, WithClock(clock.Now), WithSeed(1))
	steps := []struct {
		at   time.Duration // since t0
		job  string
		want time.Duration // -1: any refusal without a reservation
	}{
		{0, "a", 0},               // the burst's token
		{0, "b", time.Second},     // next token, reserved
		{0, "c", 2 * time.Second}, // the last one within the horizon
		{0, "d", -1},              // beyond the horizon: sent away
		{500 * time.Millisecond, "b", 500 * time.Millisecond}, // early: same moment
		{time.Second, "b", 0},             // on time: sent
		{2500 * time.Millisecond, "c", 0}, // late: still honoured
	}
	for _, s := range steps {
		clock.SetTime(t0.Add(s.at))
		got := q.Admit("ep/key", s.job)
		switch {
		case s.want >= 0 && got != s.want:
			t.Errorf("at %v Admit(%s) = %v, want %v", s.at, s.job, got, s.want)
		case s.want < 0 && got <= 0:
			t.Errorf("at %v Admit(%s) = %v, want a delay", s.at, s.job, got)
		}
	}
	if st := q.Stats(); st.Reserved != 0 || st.Waiting != 1 {
		t.Errorf("Stats = %+v, want no reservation left and d waiting", st)
	}
	if q.Backlog("ep/key") <= 0 {
		t.Error("Backlog = 0 while a job waits")
	}
	if got := q.Backlog("other"); got != 0 {
		t.Errorf("Backlog of an unknown bucket = %v, want 0", got)
	}
}

// TestQuotaWaitingJobComesBackEarly: a job sent away that asks again before its
// time (woken by something else) is told the rest of its wait; it does not get
// another draw.
func TestQuotaWaitingJobComesBackEarly(t *testing.T) {
	clock := newFakeClock()
	q := NewQuota(60, WithClock(clock.Now), WithSeed(1))
	for _, j := range []string{"a", "b", "c"} {
		q.Admit("ep", j)
	}
	first := q.Admit("ep", "d")
	if first <= 0 {
		t.Fatalf("d was admitted (%v); the test needs it sent away", first)
	}
	clock.Step(first / 2)
	if got, want := q.Admit("ep", "d"), first-first/2; got != want {
		t.Errorf("early return: Admit = %v, want the rest of the wait %v", got, want)
	}
}

// TestQuotaForget: forgetting a job returns its reserved token to the next job
// and drops its place in line.
func TestQuotaForget(t *testing.T) {
	clock := newFakeClock()
	q := NewQuota(60, WithClock(clock.Now), WithSeed(1))
	q.Admit("ep", "a")
	if got := q.Admit("ep", "b"); got != time.Second {
		t.Fatalf("b: %v, want a reservation in 1s", got)
	}
	q.Forget("b")
	if got := q.Admit("ep", "c"); got != time.Second {
		t.Errorf("after Forget(b), c: %v, want b's token in 1s", got)
	}
	q.Admit("ep", "d")
	if q.Admit("ep", "e") <= 0 {
		t.Fatal("e was not sent away")
	}
	q.Forget("e")
	q.Forget("never-seen")
	if st := q.Stats(); st.Reserved != 2 || st.Waiting != 0 {
		t.Errorf("Stats = %+v, want c and d reserved, nobody waiting", st)
	}
}

// TestQuotaJobChangesBucket: a job whose endpoint or key changed gives back its
// reservation in the old bucket.
func TestQuotaJobChangesBucket(t *testing.T) {
	clock := newFakeClock()
	q := NewQuota(60, WithClock(clock.Now), WithSeed(1))
	q.Admit("old", "a")
	if got := q.Admit("old", "b"); got != time.Second {
		t.Fatalf("b: %v, want a reservation in 1s", got)
	}
	if got := q.Admit("new", "b"); got != 0 {
		t.Errorf("b in its new bucket: %v, want 0 (a fresh bucket has a token)", got)
	}
	if got := q.Admit("old", "c"); got != time.Second {
		t.Errorf("c: %v, want b's old token in 1s", got)
	}
}

// TestQuotaMemoryBounded: jobs that never come back and buckets nobody uses are
// dropped, so memory follows the live jobs, not every job ever seen.
func TestQuotaMemoryBounded(t *testing.T) {
	clock := newFakeClock()
	q := NewQuota(60, WithClock(clock.Now), WithSeed(1))
	for b := range 500 {
		for j := range 20 {
			q.Admit(fmt.Sprint("bucket-", b), fmt.Sprint("job-", b, "-", j))
		}
	}
	st := q.Stats()
	if st.Buckets != 500 || st.Reserved+st.Waiting != 500*19 {
		t.Fatalf("Stats = %+v, want 500 buckets and 19 jobs each holding a place", st)
	}
	clock.Step(staleAfter + sweepEvery + time.Hour)
	q.Admit("live", "job")
	if st := q.Stats(); st.Buckets != 1 || st.Reserved+st.Waiting != 0 || len(q.jobs) != 0 {
		t.Errorf("after the sweep: Stats = %+v, %d tickets; want only the live bucket", st, len(q.jobs))
	}
}

// TestQuotaConcurrent hammers a Quota from many goroutines (run with -race) and
// checks the rate still holds per bucket.
func TestQuotaConcurrent(t *testing.T) {
	clock := newFakeClock()
	start := clock.Now()
	q := NewQuota(600, WithClock(clock.Now), WithSeed(1)) // 10/s, burst 10
	const workers, calls, buckets = 8, 3000, 4
	var (
		mu     sync.Mutex
		grants = make(map[string]int)
		wg     sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls {
				bucket := fmt.Sprint("b", i%buckets)
				job := fmt.Sprint("w", w, "-", i%50)
				if i%97 == 0 {
					q.Forget(job)
					continue
				}
				if q.Admit(bucket, job) == 0 {
					mu.Lock()
					grants[bucket]++
					mu.Unlock()
				}
				if w == 0 {
					clock.Step(10 * time.Millisecond)
				}
				_ = q.Stats()
				_ = q.Backlog(bucket)
			}
		}()
	}
	wg.Wait()
	elapsed := clock.Now().Sub(start).Seconds()
	for b, n := range grants {
		if limit := int(10*elapsed) + 10; n > limit {
			t.Errorf("%s: %d grants in %.0fs, want <= %d", b, n, elapsed, limit)
		}
	}
	if len(grants) != buckets {
		t.Errorf("grants in %d buckets, want %d", len(grants), buckets)
	}
}

func TestNewQuota(t *testing.T) {
	tests := []struct {
		perMinute   float64
		opts        []QuotaOption
		wantBurst   int
		wantHorizon time.Duration
	}{
		{2000, nil, 33, DefaultHorizon},
		{30, nil, 1, 4 * time.Second}, // a horizon holds at least two tokens
		{2000, []QuotaOption{WithBurst(5), WithHorizon(10 * time.Second)}, 5, 10 * time.Second},
	}
	for _, tt := range tests {
		q := NewQuota(tt.perMinute, tt.opts...)
		if q.burst != tt.wantBurst || q.horizon != tt.wantHorizon {
			t.Errorf("NewQuota(%v): burst %d horizon %v, want %d %v", tt.perMinute, q.burst, q.horizon, tt.wantBurst, tt.wantHorizon)
		}
	}
	for _, bad := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewQuota(%v) did not panic", bad)
				}
			}()
			NewQuota(bad)
		}()
	}
}

// TestQuotaLateReservationsDoNotBunch: two reservations honoured late at the same
// moment would be two sends at once on a bucket of burst 1; the second waits for
// the rate, keeping its reservation.
func TestQuotaLateReservationsDoNotBunch(t *testing.T) {
	clock := newFakeClock()
	t0 := clock.Now()
	q := NewQuota(60, WithClock(clock.Now), WithSeed(1))
	q.Admit("ep", "a")
	if q.Admit("ep", "b") != time.Second || q.Admit("ep", "c") != 2*time.Second {
		t.Fatal("b and c did not get the next two tokens")
	}
	clock.SetTime(t0.Add(2500 * time.Millisecond)) // both late
	if got := q.Admit("ep", "b"); got != 0 {
		t.Fatalf("b: %v, want 0", got)
	}
	got := q.Admit("ep", "c")
	if got <= 0 || got > time.Second {
		t.Fatalf("c right after b: %v, want a wait of at most one token", got)
	}
	if st := q.Stats(); st.Reserved != 1 {
		t.Errorf("Stats = %+v, want c still holding its reservation", st)
	}
	clock.Step(got)
	if got := q.Admit("ep", "c"); got != 0 {
		t.Errorf("c after its wait: %v, want 0", got)
	}
}

// TestQuotaPrice: a bucket's price is 0 while it serves every poll asked; it
// rises while polls are asked faster than the rate, and falls back to 0 once
// the bucket has tokens to spare. Other buckets keep theirs.
func TestQuotaPrice(t *testing.T) {
	clock := newFakeClock()
	q := NewQuota(600, WithClock(clock.Now), WithSeed(1)) // 10 a second
	if p := q.Price("b"); p != 0 {
		t.Fatalf("price of an unknown bucket = %v, want 0", p)
	}
	// 5 polls a second: within the rate.
	for i := range 100 {
		q.AdmitUrgent("b", strconv.Itoa(i))
		clock.Step(200 * time.Millisecond)
	}
	if p := q.Price("b"); p != 0 {
		t.Fatalf("price at half the rate = %v, want 0", p)
	}
	// 40 polls a second, each job back when told: four times the rate.
	var prices []time.Duration
	for i := range 800 {
		q.AdmitUrgent("b", strconv.Itoa(1000+i%50))
		clock.Step(25 * time.Millisecond)
		if i%200 == 199 {
			prices = append(prices, q.Price("b"))
		}
	}
	if !slices.IsSorted(prices) || prices[0] <= 0 || prices[len(prices)-1] <= prices[0] {
		t.Fatalf("prices while overbooked, every 5 s: %v; want positive and rising", prices)
	}
	if p := q.Price("other"); p != 0 {
		t.Errorf("another bucket's price = %v, want 0", p)
	}
	// Nobody asks: the bucket fills and the price decays to 0.
	clock.Step(time.Second)
	q.Price("b")
	clock.Step(time.Minute)
	if p := q.Price("b"); p != 0 {
		t.Errorf("price a minute after the last poll = %v, want 0", p)
	}
}
