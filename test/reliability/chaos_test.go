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
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"

	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
)

// TestCloudChaos runs the same jobs twice at the same time, each run with its own
// operator: once against a well-behaved cloud and once against one that answers
// 20% of requests with 5xx, holds 5% past the client timeout, cuts 5% of bodies
// in half, and throttles everything (429) in three bursts, for the 25 s in which
// the jobs run and end. Transient trouble must
// never decide an outcome: every job ends as scripted, no succeeding job is ever
// marked failed, and the retries cost a bounded number of extra calls.
func TestCloudChaos(t *testing.T) {
	start := time.Now()
	const jobCount = 120
	s := seed(t, 20260103)
	sim := startSimulator(t, s)
	calm := newFixture(t, "calm", sim)
	chaos := newFixture(t, "chaos", sim)
	// The same script for both runs: same services, durations, outcomes and ids.
	calmJobs := scriptJobs(rand.New(rand.NewPCG(s, 3)), jobCount, 3*time.Second, 20*time.Second, 0.3)
	chaosJobs := scriptJobs(rand.New(rand.NewPCG(s, 3)), jobCount, 3*time.Second, 20*time.Second, 0.3)

	// Rules match in order and the first one that draws wins, so each
	// probability is conditional on the rules before it not firing: overall 10%
	// HTTP 500, 10% HTTP 503, 5% hangs, 5% malformed bodies. They hold for
	// chaosWindow, in which every job ends. The window bounds the test: a job
	// that meets k failures in a row waits about 2^k s (the operator's backoff
	// doubles up to 5 minutes), and unbounded chaos makes runs of 7 or 8 failures
	// likely enough among 120 jobs to stretch a run by minutes. Within 25 s no
	// job can reach more than 5 in a row.
	const chaosWindow = 25 * time.Second
	p := chaos.project
	window := cloudsim.Duration(chaosWindow)
	faults := []cloudsim.FaultRule{
		{Kind: cloudsim.FaultThrottle, ProjectID: p, After: cloudsim.Duration(3 * time.Second), For: cloudsim.Duration(2 * time.Second)},
		{Kind: cloudsim.FaultThrottle, ProjectID: p, After: cloudsim.Duration(10 * time.Second), For: cloudsim.Duration(2 * time.Second)},
		{Kind: cloudsim.FaultThrottle, ProjectID: p, After: cloudsim.Duration(18 * time.Second), For: cloudsim.Duration(2 * time.Second)},
		{Kind: cloudsim.FaultError, ProjectID: p, Status: 500, Probability: 0.10, For: window},
		{Kind: cloudsim.FaultError, ProjectID: p, Status: 503, Probability: 0.10 / 0.90, For: window},
		{Kind: cloudsim.FaultHang, ProjectID: p, Probability: 0.05 / 0.80, For: window}, // held until the client gives up
		{Kind: cloudsim.FaultMalformed, ProjectID: p, Probability: 0.05 / (0.80 * 0.9375), For: window},
	}
	calmWatch := watchOutcomes(t, calm.ns)
	chaosWatch := watchOutcomes(t, chaos.ns)
	common := []string{"--cloud-request-timeout=1s"}
	calmOp := startOperator(t, "chaos-calm", append(common, calm.shardFlag())...)
	// Debug logging prints every transient error, which the secrets test then
	// checks for credentials.
	chaosOp := startOperator(t, "chaos-faulty", append(common, chaos.shardFlag(), "--zap-log-level=debug")...)

	if err := sim.SetFaults(faults); err != nil {
		t.Fatal(err)
	}
	calm.addToSimulator(calmJobs)
	chaos.addToSimulator(chaosJobs)
	jobsStarted := time.Now()
	calm.createCloudJobs(calmJobs)
	chaos.createCloudJobs(chaosJobs)

	alive := func() error {
		for _, op := range []*operatorProcess{calmOp, chaosOp} {
			if op.ExitedUnexpectedly() {
				return fmt.Errorf("operator %s exited\n%s", op.Name, op.LogTail(40))
			}
		}
		return nil
	}
	calm.waitFinished(names(calmJobs), 2*time.Minute, alive)
	calmDone := time.Since(jobsStarted)
	chaos.waitFinished(names(chaosJobs), 2*time.Minute, alive)
	chaosDone := time.Since(jobsStarted)

	calmCheck, chaosCheck := calm.checkOutcomes(calmJobs), chaos.checkOutcomes(chaosJobs)
	calmCheck.report(t)
	chaosCheck.report(t)
	time.Sleep(time.Second)
	_, calmFlips, _ := calmWatch.result()
	_, chaosFlips, everFailed := chaosWatch.result()
	if flips := append(append([]string(nil), calmFlips...), chaosFlips...); len(flips) > 0 {
		t.Errorf("%d recorded outcomes changed:\n%s", len(flips), strings.Join(flips[:min(10, len(flips))], "\n"))
	}
	wronglyFailed := 0
	for _, j := range chaosJobs {
		if !j.fail && everFailed[j.name] {
			wronglyFailed++
			t.Errorf("%s is scripted to succeed but was marked failed at some point", j.name)
		}
	}

	// Every kind of fault was served, in about the intended shares.
	var used []string
	served := map[cloudsim.FaultKind]int{}
	for _, f := range sim.Faults() {
		if f.Used == 0 {
			t.Errorf("fault %s (status %d, after %s) was never served", f.Kind, f.Status, f.After)
		}
		served[f.Kind] += f.Used
		used = append(used, fmt.Sprintf("%s%s=%d", f.Kind, statusSuffix(f.Status), f.Used))
	}
	calmCalls, chaosCalls := calm.simRequests(), chaos.simRequests()
	ratio := float64(chaosCalls) / float64(calmCalls)
	// Retries after transient errors must stay retries, not a storm: with about
	// 30% of answers unusable plus throttling, a few times the calm run's calls
	// is generous; a retry loop without backoff would be orders of magnitude more.
	if ratio > 3 {
		t.Errorf("the faulty run made %d cloud calls, %.1f× the calm run's %d", chaosCalls, ratio, calmCalls)
	}
	// cloudjob_jobs counts the operator's cache, which follows the statuses
	// the test saw by a moment.
	var metrics harness.Metrics
	eventually(t, time.Minute, func() error {
		m, err := chaosOp.scrapeMetrics()
		if err != nil {
			return err
		}
		metrics = m
		return jobGaugeProblem(chaosOp.Name, m, jobCount)
	})
	byResult := map[string]float64{}
	for _, r := range []string{"ok", "Unavailable", "MalformedResponse", "Throttled"} {
		byResult[r] = metrics.Sum("cloudjob_cloud_requests_total", map[string]string{"result": r})
	}
	t.Logf("faults served: %s; of the faulty run's %d calls %.0f%% got 5xx, %.0f%% hung, %.0f%% a malformed body, %.0f%% 429 (in the window alone the 5xx share is higher)",
		strings.Join(used, " "), chaos.simRequests(), pct(served[cloudsim.FaultError], chaos.simRequests()), pct(served[cloudsim.FaultHang], chaos.simRequests()),
		pct(served[cloudsim.FaultMalformed], chaos.simRequests()), pct(served[cloudsim.FaultThrottle], chaos.simRequests()))
	t.Logf("calm run: %d calls, all done after %s, %s", calmCalls, calmDone.Round(time.Second), calmCheck.lagText())
	t.Logf("faulty run: %d calls (%.2f× calm), all done after %s, %s (slowest %s); operator saw %v",
		chaosCalls, ratio, chaosDone.Round(time.Second), chaosCheck.lagText(), chaosCheck.slowest, byResult)
	summary(t, start, "jobs=%d+%d calls calm=%d faulty=%d (x%.2f) 5xx=%d hangs=%d malformed=%d 429=%d correct calm=%d/%d faulty=%d/%d wrongly-failed=%d flips=%d done calm=%s faulty=%s",
		jobCount, jobCount, calmCalls, chaosCalls, ratio, served[cloudsim.FaultError], served[cloudsim.FaultHang], served[cloudsim.FaultMalformed],
		served[cloudsim.FaultThrottle], calmCheck.succeeded+calmCheck.failed, jobCount, chaosCheck.succeeded+chaosCheck.failed, jobCount,
		wronglyFailed, len(calmFlips)+len(chaosFlips), calmDone.Round(time.Second), chaosDone.Round(time.Second))
}

// jobGaugeProblem checks cloudjob_jobs once every job has finished: it counts
// each of the operator's jobs once, none of them in a state that is still
// running.
func jobGaugeProblem(operator string, metrics harness.Metrics, jobs int) error {
	var problems []error
	if n := metrics.Sum("cloudjob_jobs", nil); n != float64(jobs) {
		problems = append(problems, fmt.Errorf("%s: cloudjob_jobs adds up to %v, want %d", operator, n, jobs))
	}
	for _, state := range []string{"", "INIT", "RUNNING"} {
		if n := metrics.Sum("cloudjob_jobs", map[string]string{"state": state}); n != 0 {
			problems = append(problems, fmt.Errorf("%s: cloudjob_jobs{state=%q} is %v after every job finished", operator, state, n))
		}
	}
	return errors.Join(problems...)
}

func pct(n int, of int64) float64 { return 100 * float64(n) / float64(max(of, 1)) }

func statusSuffix(status int) string {
	if status == 0 {
		return ""
	}
	return fmt.Sprintf("(%d)", status)
}
