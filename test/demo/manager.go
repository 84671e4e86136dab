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

package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
)

const (
	// managerName names the operator's process and its log file.
	managerName = "manager"
	// managerReadyTimeout bounds the wait for the operator's readiness probe
	// and then for its workers.
	managerReadyTimeout = time.Minute
	// managerStopTimeout is how long the operator gets to stop on SIGTERM
	// before it is killed.
	managerStopTimeout = 10 * time.Second
	// logTailLines is how much of the operator's log an error shows, since
	// the log goes away with the temporary directory.
	logTailLines = 20
)

// pollIntervals are the operator's poll intervals for a cloud running scale
// times faster than the wall clock: a longest interval of 20 simulated seconds,
// so that the operator notices an end within about that much simulated time,
// but never below what a real operator would sensibly use between two polls.
func pollIntervals(scale float64) (minPoll, maxPoll, payment time.Duration) {
	maxPoll = min(max(time.Duration(float64(20*time.Second)/scale), 500*time.Millisecond), time.Minute)
	minPoll = min(max(maxPoll/4, 100*time.Millisecond), 2*time.Second)
	payment = max(maxPoll/2, minPoll)
	return minPoll, maxPoll, payment
}

// managerFlags are the operator's flags: its defaults, with poll intervals for
// the time scale.
func managerFlags(scale float64, tokenFile string) harness.Flags {
	minPoll, maxPoll, payment := pollIntervals(scale)
	return harness.DefaultFlags().With(
		"min-poll-interval", minPoll.String(),
		"max-poll-interval", maxPoll.String(),
		"awaiting-payment-poll-interval", payment.String(),
		"federation-token-file", tokenFile,
		"cluster-credentials", federatedCredentials,
		"operator-namespace", namespace,
	)
}

// startManager starts the operator binary at path with its log in dir, waits
// until it reconciles, and returns it. When the operator exits first, the end
// of its log goes to out, since the log goes with the temporary directory. The operator gets only the demo's own
// kubeconfig, so it cannot find the user's real cluster through $KUBECONFIG.
// The probe alone answers before the caches have synced: jobs created then
// would wait for their first poll, and the detection lags would show the
// operator's start instead of its polling.
func startManager(ctx context.Context, out *screen, path, dir, kubeconfig string, flags harness.Flags) (*harness.Operator, error) {
	op, err := harness.StartOperator(ctx, harness.OperatorOptions{
		Name:         managerName,
		Binary:       path,
		Kubeconfig:   kubeconfig,
		Flags:        flags,
		Env:          []string{"KUBECONFIG=" + kubeconfig},
		Dir:          dir,
		NoMetrics:    true,
		ReadyTimeout: managerReadyTimeout,
		StopGrace:    managerStopTimeout,
	})
	if err == nil {
		if err = op.WaitWorkers(ctx, managerReadyTimeout); err != nil {
			op.Stop()
		}
	}
	if exit := (*harness.ExitError)(nil); errors.As(err, &exit) {
		out.printf("the end of the operator's log:\n%s", exit.LogTail)
		return nil, fmt.Errorf("the operator exited %s (%w); the end of its log is above", exit.When, exit.Err)
	}
	return op, err
}

// errInterrupted: Ctrl-C or SIGTERM ended the demo before every job had
// finished.
var errInterrupted = errors.New("interrupted")
