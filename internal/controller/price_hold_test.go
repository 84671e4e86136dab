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

package controller

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/poll"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// TestPriceHoldIsBoundedOnTheOperatorsClock: a cloud whose clock is 8 hours
// ahead of the operator's answers with a begin time 8 hours in the future.
// Under a quota price, the job is polled again no later than the hold's bound
// (10 × the cap before the window: 30 minutes) after its last poll, on the
// operator's clock; before, the age read from that begin time stayed at 0 and
// every reconcile held the job anew until the cloud's begin time had passed.
//
// The reconciler runs on a stepped clock (30 minutes of holds take no time),
// against the simulator over HTTP; the quota's price is kept up by booking its
// tokens ahead before each reconcile. The API server plays no part in the
// hold: a fake client holds the CloudJob.
func TestPriceHoldIsBoundedOnTheOperatorsClock(t *testing.T) {
	const ahead = 8 * time.Hour
	const ak, sk = "hold-access-key", "hold-secret-key-0123456789"
	sim, err := cloudsim.Start(cloudsim.Config{
		Credentials:       []cloudsim.Credential{{AccessKey: ak, SecretKey: sk}},
		RequestsPerMinute: -1,
		Now:               func() time.Time { return time.Now().Add(ahead) },
		// Requests are signed on the operator's clock.
		MaxClockSkew: ahead + time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	const project = "0123456789abcdef0123456789abcdef"
	infos, err := sim.AddJobs(cloudsim.JobSpec{Service: cloudsim.ServiceECS, ProjectID: project, JobType: "createServer", Running: cloudsim.Duration(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	jobID := infos[0].Spec.JobID

	clock := clocktesting.NewFakeClock(time.Now())
	start := clock.Now()
	learner := poll.NewLearner()
	for i := range 20 {
		learner.Observe("ecs", "createServer", time.Duration(9+i/10)*time.Minute)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "creds"},
		Data:       map[string][]byte{SecretKeyAccessKey: []byte(ak), SecretKeySecretKey: []byte(sk)},
	}
	job := &jobsv1alpha1.CloudJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "ahead", UID: "uid-ahead", CreationTimestamp: metav1.NewTime(start)},
		Spec: jobsv1alpha1.CloudJobSpec{
			ProjectID: project, JobID: jobID, Service: "ecs", Endpoint: sim.APIURL,
			CredentialsSecretRef: jobsv1alpha1.SecretReference{Name: "creds"},
		},
	}
	c := fake.NewClientBuilder().WithScheme(testenv.Scheme()).WithObjects(secret, job).
		WithStatusSubresource(&jobsv1alpha1.CloudJob{}).Build()
	cfg := DefaultConfig()
	cfg.AllowLoopback = true
	quota := poll.NewQuota(60, poll.WithClock(clock.Now))
	r := &CloudJobReconciler{
		Client: c, Cloud: huaweicloud.NewClient(huaweicloud.Options{Timeout: 5 * time.Second}),
		Recorder: events.NewFakeRecorder(100), Quota: quota,
		Policy: poll.Policy{Learner: learner, Rand: func() float64 { return 0.5 }},
		Config: cfg, Now: clock.Now,
		failures: workqueue.NewTypedItemExponentialFailureRateLimiter[types.NamespacedName](time.Second, time.Minute),
		auth:     newAuthGate(),
		secrets:  newSecretStore(c),
	}
	r.auth.wake = func(types.NamespacedName) {}
	req := ctrl.Request{NamespacedName: client.ObjectKeyFromObject(job)}
	bucket := bucketKey(sim.APIURL, ak)
	requests := func() int64 {
		for _, j := range sim.Stats().Jobs {
			if j.JobID == jobID {
				return j.Requests
			}
		}
		return 0
	}

	// The first poll, with no price yet, reads the begin time.
	if _, err := r.Reconcile(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	var got jobsv1alpha1.CloudJob
	if err := c.Get(context.Background(), req.NamespacedName, &got); err != nil {
		t.Fatal(err)
	}
	if requests() != 1 || got.Status.BeginTime == nil || got.Status.BeginTime.Sub(start) < ahead-time.Minute {
		t.Fatalf("first poll: %d requests, begin time %v; want 1 request and a begin time about %v ahead of %v",
			requests(), got.Status.BeginTime, ahead, start)
	}
	polledAt := clock.Now()

	const bound = 10 * poll.DefaultMaxIntervalBeforeWindow
	for range 1000 {
		bookAhead(t, quota, bucket)
		if quota.Price(bucket) <= 0 {
			t.Fatal("the quota has no price after its tokens were booked ahead")
		}
		res, err := r.Reconcile(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if requests() > 1 {
			break
		}
		if res.RequeueAfter <= 0 {
			t.Fatalf("held without a requeue after %v", clock.Now().Sub(polledAt))
		}
		clock.Step(res.RequeueAfter)
	}
	held := clock.Now().Sub(polledAt)
	t.Logf("polled again %v after its last poll on the operator's clock (bound %v; begin time %v ahead)", held, bound, ahead)
	// The quota's own reservation adds at most its horizon.
	if requests() < 2 || held > bound+poll.DefaultHorizon {
		t.Errorf("held %v after its last poll (%d requests), want at most the bound %v", held, requests(), bound)
	}
}

// bookAhead reserves the bucket's tokens about half the quota's horizon ahead,
// as a crowd of urgent polls does: the price rises while tokens are booked
// more than a quarter horizon ahead, and the job's own request still finds a
// token within the horizon.
func bookAhead(t *testing.T, q *poll.Quota, bucket string) {
	t.Helper()
	for i := range 10 {
		if q.AdmitUrgent(bucket, fmt.Sprintf("crowd-%d-%d", time.Now().UnixNano(), i)) >= poll.DefaultHorizon/2 {
			return
		}
	}
	t.Fatal("10 urgent polls did not book the bucket half a horizon ahead")
}
