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

package cloudsim

import (
	"sync"
	"time"
)

// quota limits requests per access key with a token bucket on simulated
// time: the bucket holds up to perMinute tokens, refills at perMinute per
// simulated minute, and each authenticated request takes one. A key may
// therefore burst its whole minute at once and then continues at the
// documented rate; that matches a per-minute limit closely enough for a
// client's back-off to be exercised, and needs no per-request history.
type quota struct {
	mu        sync.Mutex
	perMinute int // <= 0: unlimited
	buckets   map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newQuota(perMinute int) *quota {
	return &quota{perMinute: perMinute, buckets: map[string]*bucket{}}
}

// take spends one token of key at simulated time now. When none is left it
// returns false and the simulated wait until the next token.
func (q *quota) take(key string, now time.Time) (bool, time.Duration) {
	if q.perMinute <= 0 {
		return true, 0
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	capacity := float64(q.perMinute)
	perNanosecond := capacity / float64(time.Minute)
	b, ok := q.buckets[key]
	if !ok {
		b = &bucket{tokens: capacity, last: now}
		q.buckets[key] = b
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(capacity, b.tokens+float64(elapsed)*perNanosecond)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / perNanosecond)
}
