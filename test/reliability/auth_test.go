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
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
)

// TestRejectedSecurityTokenNeverLocksTheKey: temporary keys whose token the
// cloud no longer accepts (expired, or from an older rotation) stall with
// AuthenticationFailed, fail at most once per retry interval however many jobs
// use them, never lock the key, and recover when the Secret gets the new token.
func TestRejectedSecurityTokenNeverLocksTheKey(t *testing.T) {
	start := time.Now()
	const (
		tempAK       = "AKRELIABILITYTEMP001"
		tempSK       = "sk-reliability-temporary-5e4d3c2b1a09"
		validToken   = "st-reliability-current-7a6b5c4d3e2f-never-printed"
		expiredToken = "st-reliability-expired-1f2e3d4c5b6a-never-printed"
		retry        = 3 * time.Second
		watchFor     = 6 * time.Second
	)
	registerSecretValue(tempSK)
	registerSecretValue(validToken)
	registerSecretValue(expiredToken)
	sim := startSimulator(t, 20260110)
	if err := sim.AddCredentials(cloudsim.Credential{AccessKey: tempAK, SecretKey: tempSK, SecurityToken: validToken}); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, "token", sim)
	f.secret("temporary", map[string]string{"accessKey": tempAK, "secretKey": tempSK, "securityToken": expiredToken})
	jobs := scriptJobs(newRand(11), 8, 2*time.Second, 4*time.Second, 0)
	f.addToSimulator(jobs)
	op := startOperator(t, "token", f.shardFlag(), "--auth-retry-interval="+retry.String())
	for _, j := range jobs {
		cj := f.cloudJobFor(j)
		cj.Spec.CredentialsSecretRef.Name = "temporary"
		if err := suite.client.Create(context.Background(), cj); err != nil {
			t.Fatal(err)
		}
	}
	stalled := func() bool {
		for _, j := range jobs {
			if condition(f.get(j.name), jobsv1alpha1.ConditionStalled).Reason != jobsv1alpha1.ReasonAuthenticationFailed {
				return false
			}
		}
		return true
	}
	if _, ok := harness.WaitUntil(context.Background(), 30*time.Second, 100*time.Millisecond, stalled); !ok {
		t.Fatalf("the jobs did not stall with AuthenticationFailed\n%s", op.LogTail(30))
	}
	time.Sleep(watchFor)
	st := sim.Stats().AccessKeys[tempAK]
	// One failure per interval, and one more for where the check falls in it.
	allowed := int64(time.Since(start)/retry) + 2
	if st.AuthFailures > allowed || st.Locked {
		t.Errorf("%d authentication failures (locked: %v) for %d jobs; the retry interval allows %d and the key must never lock",
			st.AuthFailures, st.Locked, len(jobs), allowed)
	}

	var s corev1.Secret
	if err := suite.client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: "temporary"}, &s); err != nil {
		t.Fatal(err)
	}
	s.Data["securityToken"] = []byte(validToken)
	if err := suite.client.Update(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	fixed := time.Now()
	f.waitFinished(names(jobs), 60*time.Second, nil)
	f.checkOutcomes(jobs).report(t)
	summary(t, start, "jobs=%d auth-failures=%d (allowed %d) locked=%v finished-after-new-token=%s",
		len(jobs), st.AuthFailures, allowed, st.Locked, time.Since(fixed).Round(100*time.Millisecond))
}
