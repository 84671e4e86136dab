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

package controller_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/poll"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
)

// TestFirstPollWaitsForAQuotaBacklog: while the account's quota has a backlog,
// a new job of a service the operator has learned is first polled when a poll
// could find it done, not at once; without one, every other test shows the
// first poll at once.
func TestFirstPollWaitsForAQuotaBacklog(t *testing.T) {
	f := newFixture(t)
	// IMS images take about 10 s here: fewer than 3% are done before 9 s.
	learner := poll.NewLearner()
	for i := range 20 {
		learner.Observe("ims", "createImageByInstance", time.Duration(9800+20*i)*time.Millisecond)
	}
	policy := poll.Policy{
		MinInterval: 200 * time.Millisecond, MaxInterval: time.Second, MaxIntervalBeforeWindow: time.Minute,
		AwaitingPaymentInterval: time.Second, Learner: learner,
	}
	// One request every 2 s, and 20 running jobs of a kind not learned,
	// polled by age, keep the quota busy.
	startManager(t, managerOptions{shard: f.shard, policy: &policy, perMinute: 30})
	for i := range 20 {
		job := f.simJob(cloudsim.JobSpec{Service: "vpc", Running: secs(300)})
		f.cloudJob(fmt.Sprintf("filler-%d", i), "vpc", job.Spec.JobID)
	}
	time.Sleep(3 * time.Second)

	before := counterValue(t, "cloudjob_quota_deferrals_total", map[string]string{"service": "ims"})
	image := f.simJob(cloudsim.JobSpec{Service: "ims", JobType: "createImageByInstance", Running: secs(10)})
	created := time.Now()
	f.cloudJob("image", "ims", image.Spec.JobID)
	for time.Since(created) < 6*time.Second {
		if n := requestsFor(image.Spec.JobID); n > 0 {
			t.Fatalf("the image job was polled %d times %v after its creation, want none before about 9 s", n, time.Since(created).Round(time.Millisecond))
		}
		time.Sleep(200 * time.Millisecond)
	}
	eventually(t, eventTimeout, func() error {
		if after := counterValue(t, "cloudjob_quota_deferrals_total", map[string]string{"service": "ims"}); after <= before {
			return fmt.Errorf("cloudjob_quota_deferrals_total{service=ims} did not grow (%v): the deferral is not counted", after)
		}
		return nil
	})
	// With the quota free again, the job is polled and seen done.
	for i := range 20 {
		filler := &jobsv1alpha1.CloudJob{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: fmt.Sprintf("filler-%d", i)}}
		if err := env.Client.Delete(context.Background(), filler); err != nil {
			t.Fatal(err)
		}
	}
	f.waitFor("image", time.Minute, "succeeded", succeededIs(metav1.ConditionTrue))
}

// requestsFor is how many requests the simulator served for a job.
func requestsFor(jobID string) int64 {
	for _, j := range sim.Stats().Jobs {
		if j.JobID == jobID {
			return j.Requests
		}
	}
	return 0
}
