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
	"math/rand/v2"
	"time"
)

// Default values of the Backoff fields left zero.
const (
	DefaultBackoffBase = time.Second
	DefaultBackoffMax  = 5 * time.Minute
)

// Backoff is an exponential delay with equal jitter for retrying failed calls:
// attempt 1 waits about Base, each further attempt doubles that, up to Max. The
// delay is drawn from [d/2, d] for the nominal d: half of it is kept so that a
// retry never comes almost at once, the other half is random so that callers
// that failed together do not retry together.
type Backoff struct {
	Base, Max time.Duration
	// Rand returns a float in [0, 1); nil means math/rand/v2's Float64.
	Rand func() float64
}

// Delay returns the delay before retry number attempt (1 for the first retry);
// 0 for attempt < 1.
func (b Backoff) Delay(attempt int) time.Duration {
	if attempt < 1 {
		return 0
	}
	base, ceiling := b.Base, b.Max
	if base <= 0 {
		base = DefaultBackoffBase
	}
	if ceiling <= 0 {
		ceiling = DefaultBackoffMax
	}
	ceiling = max(ceiling, base)
	d := base
	// Doubling stops at the ceiling, so a large attempt cannot overflow.
	for i := 1; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	u := rand.Float64
	if b.Rand != nil {
		u = b.Rand
	}
	return d/2 + time.Duration(u()*float64(d-d/2))
}
