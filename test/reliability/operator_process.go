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

package reliability

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
)

// The operator under test is the real binary, built once per run by TestMain, so
// that what is killed, restarted and measured is the process a cluster runs:
// its flags, its signal handling, its memory and its own leader election.

// operatorFlags are the flags every test starts with: the operator's defaults
// with intervals short enough for a test. Tests add and override flags (the
// last occurrence of a flag wins).
func operatorFlags() harness.Flags {
	return harness.DefaultFlags().With(
		"min-poll-interval", "500ms",
		"max-poll-interval", "2s",
		"cloud-request-timeout", "2s",
		"cloud-requests-per-minute", "30000",
		"job-not-found-grace", "10s",
		"auth-retry-interval", "2s",
		"stalled-retry-interval", "5s",
	)
}

// operatorProcess is one run of the operator binary. Its log is in the suite's
// log directory, which the secrets test scans at the end.
type operatorProcess struct {
	*harness.Operator
}

// startOperator starts the operator binary with the admin kubeconfig (unless
// args name another) and the given extra flags, and waits until it answers its
// readiness probe. The process is stopped and waited for when the test ends.
func startOperator(t *testing.T, name string, args ...string) *operatorProcess {
	t.Helper()
	op, err := harness.StartOperator(context.Background(), harness.OperatorOptions{
		Name:       name,
		Binary:     suite.managerBin,
		Kubeconfig: suite.kubeconfig,
		Flags:      operatorFlags(),
		ExtraArgs:  args,
		Dir:        suite.logDir,
		StopGrace:  10 * time.Second,
	})
	if err != nil {
		t.Fatalf("starting operator %s: %v", name, err)
	}
	p := &operatorProcess{op}
	t.Cleanup(func() { p.stop(t) })
	return p
}

// scrapeMetrics reads /metrics. Each scrape is also kept, for the secrets scan.
func (p *operatorProcess) scrapeMetrics() (harness.Metrics, error) {
	m, err := p.Scrape(context.Background())
	if err == nil {
		suite.keepMetrics(p.Name, m.Text)
	}
	return m, err
}

// kill sends SIGKILL, as a node failure or the OOM killer would, and waits for
// the process to be gone. The metrics are scraped first so that the secrets scan
// sees what this incarnation exposed.
func (p *operatorProcess) kill(t *testing.T) {
	t.Helper()
	_, _ = p.scrapeMetrics()
	p.Kill()
}

// stop ends the process gracefully (SIGTERM, then SIGKILL after the grace
// period), scraping its metrics first. It is safe to call more than once.
func (p *operatorProcess) stop(t *testing.T) {
	if p.Alive() {
		_, _ = p.scrapeMetrics()
	}
	if _, forced := p.Stop(); forced {
		t.Errorf("operator %s ignored SIGTERM for 10s and was killed", p.Name)
	}
}

// peakRSS reads the operator's peak resident set size (VmHWM), in bytes.
func (p *operatorProcess) peakRSS() (int64, error) {
	u, err := harness.ReadUsage(p.PID())
	if err != nil && !p.Alive() {
		err = errors.Join(err, fmt.Errorf("operator %s is gone", p.Name))
	}
	return u.PeakRSS, err
}
