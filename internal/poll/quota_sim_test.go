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
	"container/heap"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	clocktesting "k8s.io/utils/clock/testing"
)

// eventQueue is a min-heap of simulation events for container/heap, ordered by
// less.
type eventQueue[T any] struct {
	items []T
	less  func(a, b T) bool
}

func (q *eventQueue[T]) Len() int           { return len(q.items) }
func (q *eventQueue[T]) Less(i, j int) bool { return q.less(q.items[i], q.items[j]) }
func (q *eventQueue[T]) Swap(i, j int)      { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *eventQueue[T]) Push(x any)         { q.items = append(q.items, x.(T)) }
func (q *eventQueue[T]) Pop() any {
	last := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return last
}

// newFakeClock is a clock that moves only when told.
func newFakeClock() *clocktesting.FakeClock {
	return clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
}

// maxInWindow returns the largest number of sorted times within any closed window
// [t, t+w].
func maxInWindow(times []time.Time, w time.Duration) int {
	best, j := 0, 0
	for i := range times {
		for j < len(times) && !times[j].After(times[i].Add(w)) {
			j++
		}
		best = max(best, j-i)
	}
	return best
}

// admitter is Quota.Admit, or a baseline to compare it with.
type admitter interface {
	Admit(bucket, job string) time.Duration
}

// firstComeFirstServed is the naive baseline: every job reserves the next free
// token, however far ahead.
type firstComeFirstServed struct {
	lim   *rate.Limiter
	now   func() time.Time
	slots map[string]time.Time
}

func newFirstComeFirstServed(perMinute float64, burst int, now func() time.Time) *firstComeFirstServed {
	return &firstComeFirstServed{rate.NewLimiter(rate.Limit(perMinute/60), burst), now, map[string]time.Time{}}
}

func (f *firstComeFirstServed) Admit(_, job string) time.Duration {
	now := f.now()
	if at, ok := f.slots[job]; ok {
		if now.Before(at) {
			return at.Sub(now)
		}
		delete(f.slots, job)
		return 0
	}
	d := f.lim.ReserveN(now, 1).DelayFrom(now)
	if d > 0 {
		f.slots[job] = now.Add(d)
	}
	return d
}

// quotaCall is a job's next call to Admit.
type quotaCall struct {
	at  time.Time
	job int
}

// earlier orders calls by time, then by job, so that a run is deterministic.
func earlier(a, b quotaCall) bool {
	if a.at.Equal(b.at) {
		return a.job < b.job
	}
	return a.at.Before(b.at)
}

// quotaSim drives jobs against one bucket of a Quota in simulated time. Each job
// calls Admit at first at start[job]; after a grant it calls again after
// period[job]; after a refusal it calls again after the returned delay plus
// late(job) (the worker's lateness).
type quotaSim struct {
	q      admitter
	clock  *clocktesting.FakeClock
	start  []time.Time
	period []time.Duration
	late   func(job int, d time.Duration) time.Duration
	until  time.Time
	// urgent jobs ask with AdmitUrgent (q must be a *Quota then).
	urgent func(job int) bool

	grants [][]time.Time // per job
	asked  [][]time.Time // per job: when each poll was first wanted
	all    []time.Time   // every grant, in order
}

func (s *quotaSim) run() {
	n := len(s.start)
	s.grants = make([][]time.Time, n)
	s.asked = make([][]time.Time, n)
	calls := &eventQueue[quotaCall]{less: earlier}
	for j := range n {
		calls.items = append(calls.items, quotaCall{s.start[j], j})
		s.asked[j] = append(s.asked[j], s.start[j])
	}
	heap.Init(calls)
	for calls.Len() > 0 {
		c := heap.Pop(calls).(quotaCall)
		if c.at.After(s.until) {
			break
		}
		s.clock.SetTime(c.at)
		admit := s.q.Admit
		if s.urgent != nil && s.urgent(c.job) {
			admit = s.q.(*Quota).AdmitUrgent
		}
		d := admit("endpoint/key", strconv.Itoa(c.job))
		next := c.at.Add(d)
		if d == 0 {
			s.grants[c.job] = append(s.grants[c.job], c.at)
			s.all = append(s.all, c.at)
			next = c.at.Add(s.period[c.job])
			s.asked[c.job] = append(s.asked[c.job], next)
		} else if s.late != nil {
			next = next.Add(s.late(c.job, d))
		}
		heap.Push(calls, quotaCall{next, c.job})
	}
}

// firstGrantAfter returns how long job waited from its first poll wanted at or
// after t to the grant that served it; ok is false if it was not served.
func (s *quotaSim) firstGrantAfter(job int, t time.Time) (time.Duration, bool) {
	for i, a := range s.asked[job] {
		if !a.Before(t) {
			if i < len(s.grants[job]) {
				return s.grants[job][i].Sub(a), true
			}
			return 0, false
		}
	}
	return 0, false
}
