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
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
)

// leaseName is the Lease the failover test's replicas compete for.
const leaseName = "cloudjob-operator-failover-test"

// TestLeaderFailover runs two replicas with --leader-elect and kills the leader
// with SIGKILL mid-run, so it cannot release the Lease. The standby must take
// over within the lease duration plus 5 s, and every job must still end as
// scripted, with no recorded outcome changing across the hand-over.
func TestLeaderFailover(t *testing.T) {
	start := time.Now()
	const (
		jobCount      = 150
		leaseDuration = 6 * time.Second
		renewDeadline = 4 * time.Second
		retryPeriod   = time.Second
		killAfter     = 6 * time.Second
	)
	rng := rand.New(rand.NewPCG(seed(t, 20260102), 2))
	sim := startSimulator(t, rng.Uint64())
	f := newFixture(t, "failover", sim)
	jobs := scriptJobs(rng, jobCount, 4*time.Second, 25*time.Second, 0.3)
	watch := watchOutcomes(t, f.ns)

	args := []string{f.shardFlag(), "--leader-elect", "--leader-election-namespace=default", "--leader-election-id=" + leaseName,
		"--leader-elect-lease-duration=" + leaseDuration.String(),
		"--leader-elect-renew-deadline=" + renewDeadline.String(),
		"--leader-elect-retry-period=" + retryPeriod.String()}
	a := startOperator(t, "failover-a", args...)
	b := startOperator(t, "failover-b", args...)

	// Exactly one of them leads; the other waits without reconciling.
	var leader, standby *operatorProcess
	if _, ok := harness.WaitUntil(context.Background(), leaseDuration+15*time.Second, 100*time.Millisecond, func() bool {
		return a.LogContains(harness.LeaseAcquired) || b.LogContains(harness.LeaseAcquired)
	}); !ok {
		t.Fatalf("no replica became leader\n%s\n%s", a.LogTail(20), b.LogTail(20))
	}
	leader, standby = a, b
	if b.LogContains(harness.LeaseAcquired) {
		leader, standby = b, a
	}
	if _, ok := leader.WaitLog(context.Background(), harness.WorkersStarted, 30*time.Second); !ok {
		t.Fatalf("the leader %s did not start its workers\n%s", leader.Name, leader.LogTail(30))
	}
	firstHolder := leaseHolder(t)
	t.Logf("leader %s (pid %d, Lease holder %s); standby %s (pid %d)", leader.Name, leader.PID(), firstHolder, standby.Name, standby.PID())

	f.addToSimulator(jobs)
	jobsStarted := time.Now()
	f.createCloudJobs(jobs)

	time.Sleep(time.Until(jobsStarted.Add(killAfter)))
	if standby.LogContains(harness.LeaseAcquired) || standby.LogContains(harness.WorkersStarted) {
		t.Fatalf("the standby %s reconciled while the leader was alive\n%s", standby.Name, standby.LogTail(30))
	}
	done := 0
	for _, j := range f.list() {
		if j.Finished() {
			done++
		}
	}
	leader.kill(t)
	killed := time.Now()
	var newHolder string
	takeover, ok := harness.WaitUntil(context.Background(), leaseDuration+15*time.Second, 100*time.Millisecond, func() bool {
		newHolder = leaseHolder(t)
		return newHolder != "" && newHolder != firstHolder
	})
	if !ok {
		t.Fatalf("the Lease still names %s %s after the leader was killed\n%s", firstHolder, takeover, standby.LogTail(30))
	}
	if _, ok := standby.WaitLog(context.Background(), harness.WorkersStarted, 30*time.Second); !ok {
		t.Fatalf("the new leader %s did not start its workers\n%s", standby.Name, standby.LogTail(30))
	}
	reconciling := time.Since(killed)
	if !standby.LogContains(harness.LeaseAcquired) {
		t.Errorf("the Lease moved to %s, but %s does not say it acquired it", newHolder, standby.Name)
	}
	if limit := leaseDuration + 5*time.Second; takeover > limit {
		t.Errorf("the standby took over %s after the kill, more than the lease duration plus 5s (%s)", takeover.Round(10*time.Millisecond), limit)
	}
	t.Logf("killed the leader with %d of %d jobs finished; the Lease moved to %s after %s; the new leader reconciles after %s",
		done, jobCount, newHolder, takeover.Round(10*time.Millisecond), reconciling.Round(10*time.Millisecond))

	f.waitFinished(names(jobs), 2*time.Minute, func() error {
		if standby.ExitedUnexpectedly() {
			return fmt.Errorf("the new leader exited\n%s", standby.LogTail(40))
		}
		return nil
	})
	allDone := time.Since(jobsStarted)
	check := f.checkOutcomes(jobs)
	check.report(t)
	time.Sleep(time.Second)
	flips := watch.noFlips(t)
	hist := eventHistogram(t, jobs, f.terminalEvents())
	t.Logf("outcomes: %d succeeded, %d failed as scripted; %s; terminal events 0/1/2/>2: %v", check.succeeded, check.failed, check.lagText(), hist)
	summary(t, start, "jobs=%d lease=%s kill-at=%s finished-at-kill=%d takeover=%s (limit %s) reconciling-after=%s all-done=%s correct=%d/%d flips=%d terminal-events(0/1/2/>2)=%d/%d/%d/%d",
		jobCount, leaseDuration, killAfter, done, takeover.Round(10*time.Millisecond), leaseDuration+5*time.Second,
		reconciling.Round(10*time.Millisecond), allDone.Round(time.Second), check.succeeded+check.failed, jobCount, len(flips),
		hist[0], hist[1], hist[2], hist[3])
}

// TestShardsElectTheirOwnLeaders runs two shards with --leader-elect in one
// namespace: each shard has a Lease of its own, so both reconcile and every job
// of both finishes.
func TestShardsElectTheirOwnLeaders(t *testing.T) {
	start := time.Now()
	const jobCount = 40
	rng := rand.New(rand.NewPCG(seed(t, 20260105), 5))
	sim := startSimulator(t, rng.Uint64())
	shards := []*fixture{newFixture(t, "shard-a", sim), newFixture(t, "shard-b", sim)}
	for i, f := range shards {
		startOperator(t, fmt.Sprintf("shard-%c", 'a'+i), f.shardFlag(), "--leader-elect", "--leader-election-namespace=default",
			"--leader-elect-lease-duration=6s", "--leader-elect-renew-deadline=4s", "--leader-elect-retry-period=1s")
	}
	var all [][]scriptedJob
	for _, f := range shards {
		jobs := scriptJobs(rng, jobCount, 2*time.Second, 6*time.Second, 0.2)
		f.addToSimulator(jobs)
		f.createCloudJobs(jobs)
		all = append(all, jobs)
	}
	for i, f := range shards {
		f.waitFinished(names(all[i]), 90*time.Second, func() error { return nil })
		f.checkOutcomes(all[i]).report(t)
	}
	var leases coordinationv1.LeaseList
	if err := suite.client.List(context.Background(), &leases, client.InNamespace("default")); err != nil {
		t.Fatal(err)
	}
	held := 0
	for _, l := range leases.Items {
		if strings.HasPrefix(l.Name, "cloudjob-operator.jobs.cloudjob.io-") && l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity != "" {
			held++
		}
	}
	if held < 2 {
		t.Errorf("%d shard Leases held, want one per shard", held)
	}
	summary(t, start, "shards=2 jobs-per-shard=%d leases-held=%d", jobCount, held)
}

// leaseHolder reads the Lease's holderIdentity (hostname_uuid of the leader).
func leaseHolder(t *testing.T) string {
	t.Helper()
	var l coordinationv1.Lease
	if err := suite.client.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: leaseName}, &l); err != nil {
		return ""
	}
	if l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}
