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

package harness

import (
	"sort"
	"strconv"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/internal/controller"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/poll"
)

// Flags are operator flags by name (without the leading dashes). A Flags value
// is never changed in place: With and Scaled return new ones.
type Flags map[string]string

// durationFlags are the operator's time settings that a compressed run scales.
var durationFlags = []string{
	"min-poll-interval", "max-poll-interval", "max-poll-interval-before-window",
	"awaiting-payment-poll-interval", "poll-detection-lag",
	"job-not-found-grace", "auth-retry-interval", "stalled-retry-interval",
}

// DefaultFlags are the operator's tunable flags at the defaults the binary itself
// uses, taken from the same constants (main_test checks that they agree).
func DefaultFlags() Flags {
	def := controller.DefaultConfig()
	d := func(v time.Duration) string { return v.String() }
	return Flags{
		"min-poll-interval":               d(poll.DefaultMinInterval),
		"max-poll-interval":               d(poll.DefaultMaxInterval),
		"max-poll-interval-before-window": d(poll.DefaultMaxIntervalBeforeWindow),
		"awaiting-payment-poll-interval":  d(poll.DefaultAwaitingPaymentInterval),
		"poll-detection-lag":              d(poll.DefaultDetectionLag),
		"job-not-found-grace":             d(def.JobNotFoundGrace),
		"auth-retry-interval":             d(def.AuthRetryInterval),
		"stalled-retry-interval":          d(def.StalledRetryInterval),
		"cloud-request-timeout":           d(huaweicloud.DefaultTimeout),
		"cloud-requests-per-minute":       strconv.FormatFloat(poll.DefaultRequestsPerMinute, 'f', -1, 64),
		"max-concurrent-reconciles":       strconv.Itoa(controller.DefaultMaxConcurrentReconciles),
		"graceful-shutdown-timeout":       d(controller.DefaultGracefulShutdownTimeout),
	}
}

// Scaled is f for a cloud that runs scale times faster than the wall clock: the
// time settings divided by scale and the request quota multiplied by it, so that
// the operator behaves in compressed time as it would in real time.
func (f Flags) Scaled(scale float64) Flags {
	out := f.With()
	for _, name := range durationFlags {
		v, err := time.ParseDuration(out[name])
		if err == nil {
			out[name] = time.Duration(float64(v) / scale).String()
		}
	}
	if q, err := strconv.ParseFloat(out["cloud-requests-per-minute"], 64); err == nil {
		out["cloud-requests-per-minute"] = strconv.FormatFloat(q*scale, 'f', -1, 64)
	}
	return out
}

// With returns a copy of f with the given name-value pairs set.
func (f Flags) With(nameValues ...string) Flags {
	out := make(Flags, len(f)+len(nameValues)/2)
	for k, v := range f {
		out[k] = v
	}
	for i := 0; i+1 < len(nameValues); i += 2 {
		out[nameValues[i]] = nameValues[i+1]
	}
	return out
}

// Args are the flags as command-line arguments, sorted by name.
func (f Flags) Args() []string {
	names := make([]string, 0, len(f))
	for k := range f {
		names = append(names, k)
	}
	sort.Strings(names)
	args := make([]string, 0, len(names))
	for _, k := range names {
		args = append(args, "--"+k+"="+f[k])
	}
	return args
}
