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
	"math/rand/v2"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
)

// TestShutdownReleasesTheLeaseInTime sends SIGTERM to a leader whose cloud
// requests hang: it must exit well within the Deployment's grace period,
// releasing its Lease, so the standby takes over at once instead of after a
// whole lease duration.
func TestShutdownReleasesTheLeaseInTime(t *testing.T) {
	start := time.Now()
	const (
		lease         = "cloudjob-operator-shutdown-test"
		leaseDuration = 15 * time.Second
		gracePeriod   = 30 * time.Second // config/manager's terminationGracePeriodSeconds
	)
	rng := rand.New(rand.NewPCG(seed(t, 20260109), 9))
	sim := startSimulator(t, rng.Uint64())
	f := newFixture(t, "shutdown", sim)
	jobs := scriptJobs(rng, 20, 5*time.Second, 10*time.Second, 0)
	args := []string{f.shardFlag(), "--leader-elect", "--leader-election-namespace=default", "--leader-election-id=" + lease,
		"--leader-elect-lease-duration=" + leaseDuration.String(), "--cloud-request-timeout=60s"}
	leader := startOperator(t, "shutdown-leader", args...)
	if err := leader.WaitWorkers(context.Background(), 30*time.Second); err != nil {
		t.Fatal(err)
	}
	standby := startOperator(t, "shutdown-standby", args...)

	// Every request hangs for a minute, past the grace period.
	if err := sim.AddFaults(cloudsim.FaultRule{Kind: cloudsim.FaultHang, ProjectID: f.project, Delay: cloudsim.Duration(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	f.addToSimulator(jobs)
	f.createCloudJobs(jobs)
	time.Sleep(2 * time.Second) // requests under way

	stopped := time.Now()
	if _, forced := leader.Stop(); forced {
		t.Fatalf("the leader ignored SIGTERM and was killed\n%s", leader.LogTail(30))
	}
	exited := time.Since(stopped)
	if exited > gracePeriod/2 {
		t.Errorf("the leader took %s to exit after SIGTERM; the grace period is %s", exited.Round(100*time.Millisecond), gracePeriod)
	}
	var holder string
	released, ok := harness.WaitUntil(context.Background(), leaseDuration, 100*time.Millisecond, func() bool {
		var l coordinationv1.Lease
		if err := suite.client.Get(context.Background(), client.ObjectKey{Namespace: "default", Name: lease}, &l); err != nil {
			return false
		}
		holder = ""
		if l.Spec.HolderIdentity != nil {
			holder = *l.Spec.HolderIdentity
		}
		return standby.LogContains(harness.LeaseAcquired)
	})
	if !ok {
		t.Fatalf("the standby did not take over within the lease duration (%s); the Lease names %q\n%s", leaseDuration, holder, leader.LogTail(30))
	}
	if took := exited + released; took > leaseDuration/2 {
		t.Errorf("the standby took over %s after SIGTERM: the Lease was not released", took.Round(100*time.Millisecond))
	}
	summary(t, start, "exit-after-sigterm=%s (grace %s) standby-leads-after=%s (lease %s)",
		exited.Round(100*time.Millisecond), gracePeriod, (exited + released).Round(100*time.Millisecond), leaseDuration)
}
