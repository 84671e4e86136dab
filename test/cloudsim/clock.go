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
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// simClock maps the wall clock onto simulated time. Simulated time starts
// equal to the wall clock when the server is created and then runs scale
// times faster, so job timestamps look like real dates while a ten-minute
// job can finish in seconds. Everything scripted (phase durations,
// retention, the quota minute, the key lock) is measured on this clock;
// only the signature date check and fault delays use the wall clock,
// because those act on real clients with real timeouts.
type simClock struct {
	now    func() time.Time
	origin time.Time
	scale  float64
}

func newSimClock(now func() time.Time, scale float64) simClock {
	return simClock{now: now, origin: now(), scale: scale}
}

// wallNow is the unscaled clock.
func (c simClock) wallNow() time.Time { return c.now() }

// simNow is the current simulated time.
func (c simClock) simNow() time.Time { return c.sim(c.now()) }

// sim converts a wall-clock instant to simulated time.
func (c simClock) sim(wall time.Time) time.Time {
	return c.origin.Add(time.Duration(float64(wall.Sub(c.origin)) * c.scale))
}

// wall converts a simulated instant back to the wall-clock instant at which
// the simulation reaches it.
func (c simClock) wall(sim time.Time) time.Time {
	return c.origin.Add(time.Duration(float64(sim.Sub(c.origin)) / c.scale))
}

// realDuration converts a simulated duration to the wall-clock time it takes.
func (c simClock) realDuration(sim time.Duration) time.Duration {
	return time.Duration(float64(sim) / c.scale)
}

// Duration is a time.Duration that reads and writes as a string such as
// "90s", "1h30m" or "14d" (a day is 24 hours). Scenario files and the admin
// API use it so durations stay readable; a bare number is rejected because
// its unit would be a guess.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d like time.Duration does.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string.
func (d *Duration) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"90s\" or \"14d\", got %s", data)
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// ParseDuration parses a Go duration string that may start with a whole
// number of days, such as "14d" or "1d12h".
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseUint(s[:i], 10, 16)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q", orig)
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
	}
	var rest time.Duration
	if s != "" {
		v, err := time.ParseDuration(s)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("invalid duration %q", orig)
		}
		rest = v
	} else if days == 0 {
		return 0, fmt.Errorf("invalid duration %q", orig)
	}
	if neg {
		return -(days + rest), nil
	}
	return days + rest, nil
}
