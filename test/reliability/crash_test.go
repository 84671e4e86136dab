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
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
)

// TestCrashRecovery kills the operator with SIGKILL three times, at seeded random
// moments, while 500 jobs of 3 to 30 seconds are in flight, and restarts it each
// time. The operator keeps no state outside the API server, so every restart must
// pick up where the last one stopped: every job ends as the simulator scripted
// it, no recorded outcome ever changes, and no job announces its outcome more
// than twice (a kill between the status write and the event can cost or, in a
// race, repeat one event, never more).
func TestCrashRecovery(t *testing.T) {
	start := time.Now()
	const (
		jobCount = 500
		kills    = 3
	)
	rng := rand.New(rand.NewPCG(seed(t, 20260101), 1))
	sim := startSimulator(t, rng.Uint64())
	f := newFixture(t, "crash", sim)
	jobs := scriptJobs(rng, jobCount, 3*time.Second, 30*time.Second, 0.3)

	// The kill moments, counted from the moment the jobs start, fall while most
	// jobs run: between 2 s and 24 s.
	moments := make([]time.Duration, kills)
	for i := range moments {
		moments[i] = 2*time.Second + time.Duration(rng.Float64()*float64(22*time.Second))
	}
	slices.Sort(moments)
	t.Logf("kill moments after the jobs started: %v", moments)

	watch := watchOutcomes(t, f.ns)
	op := startOperator(t, "crash-0", f.shardFlag())
	f.addToSimulator(jobs)
	jobsStarted := time.Now()
	f.createCloudJobs(jobs)
	t.Logf("created %d CloudJobs in %s", jobCount, time.Since(jobsStarted).Round(time.Millisecond))

	var restarts []string
	var finishedAtKill []int
	for i, at := range moments {
		time.Sleep(time.Until(jobsStarted.Add(at)))
		done := 0
		for _, j := range f.list() {
			if j.Finished() {
				done++
			}
		}
		finishedAtKill = append(finishedAtKill, done)
		if op.ExitedUnexpectedly() {
			t.Fatalf("operator exited on its own before kill %d\n%s", i+1, op.LogTail(40))
		}
		op.kill(t)
		killed := time.Now()
		op = startOperator(t, fmt.Sprintf("crash-%d", i+1), f.shardFlag())
		// Reconciling again means the caches are synced and the workers run.
		if _, ok := op.WaitLog(context.Background(), harness.WorkersStarted, 30*time.Second); !ok {
			t.Fatalf("the restarted operator did not start its workers within 30s\n%s", op.LogTail(40))
		}
		restarts = append(restarts, time.Since(killed).Round(10*time.Millisecond).String())
		t.Logf("kill %d at %s (%d of %d jobs finished); reconciling again after %s", i+1, at.Round(time.Millisecond), done, jobCount, restarts[i])
	}

	took := f.waitFinished(names(jobs), 3*time.Minute, func() error {
		if op.ExitedUnexpectedly() {
			return fmt.Errorf("the operator exited on its own\n%s", op.LogTail(40))
		}
		return nil
	})
	allDone := time.Since(jobsStarted)
	t.Logf("every job finished %s after the jobs started (%s after the last restart)", allDone.Round(time.Second), took.Round(time.Second))

	check := f.checkOutcomes(jobs)
	check.report(t)
	// Let a late write, if the operator made one, reach the watch before it stops.
	time.Sleep(2 * time.Second)
	versions, flips, _ := watch.result()
	if len(flips) > 0 {
		t.Errorf("%d recorded outcomes changed:\n%s", len(flips), strings.Join(flips[:min(10, len(flips))], "\n"))
	}
	hist := eventHistogram(t, jobs, f.terminalEvents())
	calls := f.simRequests()
	t.Logf("outcomes: %d succeeded, %d failed as scripted; %s", check.succeeded, check.failed, check.lagText())
	t.Logf("terminal events per job: %d with none, %d with one, %d with two, %d with more", hist[0], hist[1], hist[2], hist[3])
	t.Logf("watch saw %d object versions, %d outcome flips; %d cloud calls (%.1f per job)", versions, len(flips), calls, float64(calls)/jobCount)
	summary(t, start, "jobs=%d kills=%d restart-to-reconciling=%s finished-at-kills=%v all-done=%s correct=%d/%d flips=%d terminal-events(0/1/2/>2)=%d/%d/%d/%d calls/job=%.1f %s",
		jobCount, kills, strings.Join(restarts, ","), finishedAtKill, allDone.Round(time.Second), check.succeeded+check.failed, jobCount,
		len(flips), hist[0], hist[1], hist[2], hist[3], float64(calls)/jobCount, check.lagText())
}
