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
	"slices"
	"sync"
	"time"
)

const (
	// learnerWindow is how many recent durations a kind of job keeps: enough for
	// stable p10/p90, few enough that a change in the cloud shows within a day.
	learnerWindow = 200
	// learnerMinSamples is how many durations a kind needs before its window is
	// trusted; below that the policy polls by age.
	learnerMinSamples = 5
	// learnerMaxKinds bounds memory when services or job types are many or
	// unexpected (each kind holds at most 2×learnerWindow durations).
	learnerMaxKinds = 1024

	// z25 is the standard normal quantile at 0.75: a log-normal's
	// ln(p75) - ln(p25) is 2·z25·sigma.
	z25 = 0.6744897501960817
	// minSigma keeps the fitted spread positive when every sample is the same.
	minSigma = 0.05
	// maxSigma keeps a wildly mixed kind from producing a window so wide that it
	// means nothing.
	maxSigma = 2.0
)

// kindKey names a kind of job. A struct key, unlike a joined string, costs no
// allocation per lookup.
type kindKey struct{ service, jobType string }

// series holds the recent durations of one kind of job.
type series struct {
	ring   [learnerWindow]time.Duration // in arrival order, oldest overwritten first
	next   int                          // where the next duration goes in ring
	sorted []time.Duration              // the same durations, ascending
	used   uint64                       // Learner.clock at the last Observe, for eviction

	// mu and sigma are the log-normal fitted to sorted, refreshed on every Observe
	// so that Policy.Next does no sorting.
	mu, sigma float64
}

// Learner learns, per (service, job type), how long jobs take, so the policy can
// poll densely only when completions are likely. It is safe for concurrent use and
// its memory is bounded: learnerWindow durations per kind, learnerMaxKinds kinds
// (the least recently observed kind is forgotten first).
type Learner struct {
	mu    sync.RWMutex
	kinds map[kindKey]*series
	clock uint64 // counts Observe calls; orders kinds by recency without time.Now
}

// NewLearner returns an empty Learner.
func NewLearner() *Learner {
	return &Learner{kinds: make(map[kindKey]*series)}
}

// Observe records that a job of that kind finished after duration (the cloud's
// begin to end time). Every terminal job counts, failed ones included: a failure
// is a completion the operator has to notice too. Non-positive durations, which
// only clock skew produces, are ignored.
func (l *Learner) Observe(service, jobType string, duration time.Duration) {
	if duration <= 0 {
		return
	}
	k := kindKey{service, jobType}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.clock++
	s := l.kinds[k]
	if s == nil {
		if len(l.kinds) >= learnerMaxKinds {
			l.evictOldest()
		}
		s = &series{sorted: make([]time.Duration, 0, 8)}
		l.kinds[k] = s
	}
	s.used = l.clock
	if len(s.sorted) == learnerWindow {
		old := s.ring[s.next]
		i, _ := slices.BinarySearch(s.sorted, old)
		s.sorted = slices.Delete(s.sorted, i, i+1)
	}
	s.ring[s.next] = duration
	s.next = (s.next + 1) % learnerWindow
	i, _ := slices.BinarySearch(s.sorted, duration)
	s.sorted = slices.Insert(s.sorted, i, duration)
	s.fit()
}

// evictOldest forgets the least recently observed kind. It scans every kind, but
// runs only when a new kind arrives while the map is full.
func (l *Learner) evictOldest() {
	var oldest kindKey
	first := true
	var used uint64
	for k, s := range l.kinds {
		if first || s.used < used {
			oldest, used, first = k, s.used, false
		}
	}
	delete(l.kinds, oldest)
}

// Quantiles returns the 10th, 50th and 90th percentiles of the recent durations
// of that kind of job; ok is false until learnerMinSamples durations were seen.
func (l *Learner) Quantiles(service, jobType string) (p10, p50, p90 time.Duration, ok bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	s := l.kinds[kindKey{service, jobType}]
	if s == nil || len(s.sorted) < learnerMinSamples {
		return 0, 0, 0, false
	}
	return quantile(s.sorted, 0.1), quantile(s.sorted, 0.5), quantile(s.sorted, 0.9), true
}

// model returns the log-normal (of durations in seconds) fitted to that kind of
// job; ok is false until learnerMinSamples durations were seen.
func (l *Learner) model(service, jobType string) (m logNormal, ok bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	s := l.kinds[kindKey{service, jobType}]
	if s == nil || len(s.sorted) < learnerMinSamples {
		return logNormal{}, false
	}
	return logNormal{mu: s.mu, sigma: s.sigma}, true
}

// models returns the learned models of that kind of job, or, with jobType
// empty, of every learned kind of the service. It scans every kind in the
// second case, which only a job not polled yet asks for.
func (l *Learner) models(service, jobType string) []logNormal {
	if jobType != "" {
		if m, ok := l.model(service, jobType); ok {
			return []logNormal{m}
		}
		return nil
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []logNormal
	for k, s := range l.kinds {
		if k.service == service && len(s.sorted) >= learnerMinSamples {
			out = append(out, logNormal{mu: s.mu, sigma: s.sigma})
		}
	}
	return out
}

// fit refreshes mu and sigma from the median and the interquartile range rather
// than from the mean and variance of the logs: the cloud's rare stragglers (a job
// ten times slower than usual) would otherwise widen the window for every job of
// the kind.
func (s *series) fit() {
	p25 := quantile(s.sorted, 0.25).Seconds()
	p50 := quantile(s.sorted, 0.5).Seconds()
	p75 := quantile(s.sorted, 0.75).Seconds()
	s.mu = math.Log(p50)
	s.sigma = (math.Log(p75) - math.Log(p25)) / (2 * z25)
	s.sigma = min(max(s.sigma, minSigma), maxSigma)
}

// quantile interpolates linearly between the closest ranks of an ascending,
// non-empty slice.
func quantile(sorted []time.Duration, q float64) time.Duration {
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	frac := pos - float64(i)
	return sorted[i] + time.Duration(frac*float64(sorted[i+1]-sorted[i]))
}

// logNormal is a distribution of durations in seconds whose logarithm is normal
// with mean mu and standard deviation sigma.
type logNormal struct{ mu, sigma float64 }

// cdf is the probability that a job is done by t seconds.
func (m logNormal) cdf(t float64) float64 {
	if t <= 0 {
		return 0
	}
	return 0.5 * math.Erfc(-(math.Log(t)-m.mu)/(m.sigma*math.Sqrt2))
}

// quantile is the time in seconds by which a share p (0 < p < 1) of jobs is done.
func (m logNormal) quantile(p float64) float64 {
	return math.Exp(m.mu + m.sigma*math.Sqrt2*math.Erfinv(2*p-1))
}

// hazard is the rate at which jobs still running at t seconds finish, per
// second: the density over the share still running.
func (m logNormal) hazard(t float64) float64 {
	if t <= 0 {
		return 0
	}
	z := (math.Log(t) - m.mu) / m.sigma
	density := math.Exp(-z*z/2) / (math.Sqrt(2*math.Pi) * m.sigma * t)
	survival := 0.5 * math.Erfc(z/math.Sqrt2)
	if survival <= 0 {
		return math.Inf(1)
	}
	return density / survival
}

// hazardReaches returns the first time in [from, to] at which the hazard
// reaches h; ok is false if it does not. A log-normal's hazard rises to one
// peak and then falls slowly, so while it is rising a bisection finds the
// crossing; the peak is searched on a grid first.
func (m logNormal) hazardReaches(h, from, to float64) (t float64, ok bool) {
	// Below the 0.1% quantile the hazard is negligible, and a log grid needs
	// a positive start.
	from = max(from, m.quantile(0.001))
	if from >= to {
		return 0, false
	}
	if m.hazard(from) >= h {
		return from, true
	}
	// Find a point at or past the crossing on a coarse log grid.
	const steps = 32
	prev, hit := from, -1.0
	for i := 1; i <= steps; i++ {
		x := from * math.Pow(to/from, float64(i)/steps)
		if m.hazard(x) >= h {
			hit = x
			break
		}
		prev = x
	}
	if hit < 0 {
		return 0, false
	}
	lo, hi := prev, hit
	for range 30 {
		mid := (lo + hi) / 2
		if m.hazard(mid) >= h {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, true
}
