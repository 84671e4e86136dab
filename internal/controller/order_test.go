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
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/metrics"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// orderJob creates a CloudJob tracking a simulated order.
func (f *fixture) orderJob(name, orderID string, mutate ...func(*jobsv1alpha1.CloudJob)) {
	f.t.Helper()
	f.cloudJob(name, jobsv1alpha1.ServiceBSS, "", append([]func(*jobsv1alpha1.CloudJob){func(j *jobsv1alpha1.CloudJob) {
		j.Spec.ProjectID, j.Spec.DomainID, j.Spec.OrderID = "", f.project, orderID
	}}, mutate...)...)
}

func phaseIs(p jobsv1alpha1.Phase) func(*jobsv1alpha1.CloudJob) bool {
	return func(j *jobsv1alpha1.CloudJob) bool { return j.Status.Phase == p }
}

// TestOrderFromPaymentToResources takes an order through pending payment,
// paid, processing, completed and its resources listed, through the real API
// server and the simulator, which checks every request's signature (the
// resource query's covers its body).
func TestOrderFromPaymentToResources(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	order := f.simJob(cloudsim.JobSpec{Service: cloudsim.ServiceBSS, JobID: "CS2612030816VYZ8K",
		Payment: &cloudsim.PaymentSpec{}, Init: secs(0.5), Running: secs(1.5), ResourcesAfter: secs(1.5),
		OrderResources: []cloudsim.OrderResource{
			{ID: "vm-1", Name: "web-1", Main: true},
			{ID: "vol-1", Type: "hws.resource.type.volume", ParentID: "vm-1"},
			{ID: "vm-2", Name: "web-2", Main: true},
		}})
	requestsBefore := testutil.ToFloat64(metrics.CloudRequests.WithLabelValues("bss", "ok"))
	f.orderJob("prepaid", order.Spec.JobID)

	pending := f.waitFor("prepaid", 15*time.Second, "awaiting payment", phaseIs(jobsv1alpha1.PhaseAwaitingPayment))
	ready := cond(pending, jobsv1alpha1.ConditionReady)
	if pending.Status.State != "6" || ready.Reason != jobsv1alpha1.ReasonAwaitingPayment ||
		!strings.Contains(ready.Message, "order status 6 (pending payment), to be paid by ") {
		t.Errorf("pending payment: state %q, %s", pending.Status.State, testenv.ConditionsText(pending))
	}
	if pending.Status.JobType != "purchase" || pending.Status.JobID != "" || pending.Status.BeginTime == nil {
		t.Errorf("pending payment: jobType %q, jobID %q, beginTime %v", pending.Status.JobType, pending.Status.JobID, pending.Status.BeginTime)
	}

	if _, err := sim.Pay(f.project, order.Spec.JobID); err != nil {
		t.Fatal(err)
	}
	processing := f.waitFor("prepaid", 15*time.Second, "processing", func(j *jobsv1alpha1.CloudJob) bool { return j.Status.State == "3" })
	if processing.Status.Phase != jobsv1alpha1.PhaseRunning || !strings.Contains(cond(processing, jobsv1alpha1.ConditionReady).Message, "order status 3 (processing)") {
		t.Errorf("processing: phase %s, %s", processing.Status.Phase, testenv.ConditionsText(processing))
	}
	completed := f.waitFor("prepaid", 15*time.Second, "completed", func(j *jobsv1alpha1.CloudJob) bool { return j.Status.State == "5" })
	if completed.Status.Phase != jobsv1alpha1.PhaseRunning || len(completed.Status.Resources) != 0 {
		t.Errorf("completed before its resources are listed: phase %s, resources %+v", completed.Status.Phase, completed.Status.Resources)
	}

	done := f.waitFor("prepaid", 15*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
	st := &done.Status
	want := []jobsv1alpha1.OrderResource{
		{ID: "vm-1", Type: "hws.resource.type.vm", Name: "web-1", Main: true},
		{ID: "vm-2", Type: "hws.resource.type.vm", Name: "web-2", Main: true},
		{ID: "vol-1", Type: "hws.resource.type.volume", ParentID: "vm-1"},
	}
	if st.Phase != jobsv1alpha1.PhaseSucceeded || st.State != "5" || st.ResourcesTotal != 3 || !slices.Equal(st.Resources, want) {
		t.Errorf("succeeded: phase %s, state %q, resources %d %+v", st.Phase, st.State, st.ResourcesTotal, st.Resources)
	}
	if msg := cond(done, jobsv1alpha1.ConditionReady).Message; !strings.Contains(msg, "main resources: vm-1, vm-2") {
		t.Errorf("Ready message %q does not name the main resources", msg)
	}
	if st.JobType != "purchase" || st.BeginTime == nil || st.Entities == nil || st.CompletionTime == nil {
		t.Errorf("the order's details were lost: jobType %q, beginTime %v, entities %v, completion %v", st.JobType, st.BeginTime, st.Entities, st.CompletionTime)
	}
	// Both kinds of request, the order's GET and the resource query's POST,
	// are counted as the simulator counts them.
	eventually(t, eventTimeout, func() error {
		if counted, served := testutil.ToFloat64(metrics.CloudRequests.WithLabelValues("bss", "ok"))-requestsBefore, jobRequests(t, order.Spec.JobID); counted != float64(served) {
			return fmt.Errorf("the request metric counted %v bss requests; the simulator answered %d", counted, served)
		}
		return nil
	})
	f.waitForEvents("prepaid", jobsv1alpha1.EventReasonStarted, jobsv1alpha1.ReasonAwaitingPayment, jobsv1alpha1.ReasonRunning, jobsv1alpha1.ReasonSucceeded)
}

// TestCancelledOrderFails: an order cancelled while it waits for payment
// fails with OrderCancelled.
func TestCancelledOrderFails(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	order := f.simJob(cloudsim.JobSpec{Service: cloudsim.ServiceBSS, JobID: "CS2612021105QWE1R", Payment: &cloudsim.PaymentSpec{}})
	f.orderJob("cancelled", order.Spec.JobID)
	f.waitFor("cancelled", 15*time.Second, "awaiting payment", phaseIs(jobsv1alpha1.PhaseAwaitingPayment))
	if _, err := sim.CancelPayment(f.project, order.Spec.JobID); err != nil {
		t.Fatal(err)
	}
	failed := f.waitFor("cancelled", 15*time.Second, "failed", succeededIs(metav1.ConditionFalse))
	stalled := cond(failed, jobsv1alpha1.ConditionStalled)
	if failed.Status.Phase != jobsv1alpha1.PhaseFailed || failed.Status.State != "4" ||
		stalled.Reason != jobsv1alpha1.ReasonOrderCancelled || !strings.Contains(stalled.Message, "order status 4 (cancelled)") {
		t.Errorf("cancelled: phase %s, state %q, %s", failed.Status.Phase, failed.Status.State, testenv.ConditionsText(failed))
	}
	f.waitForEvents("cancelled", jobsv1alpha1.ReasonOrderCancelled)
}

// TestCompletedOrderWithoutResourcesMeetsItsDeadline: an order whose
// resources are never listed fails with DeadlineExceeded, as any job.
func TestCompletedOrderWithoutResourcesMeetsItsDeadline(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	order := f.simJob(cloudsim.JobSpec{Service: cloudsim.ServiceBSS, JobID: "CS2612011200ZZZ9Q", Running: secs(0.2),
		ResourcesAfter: cloudsim.Duration(time.Hour)})
	f.orderJob("no-resources", order.Spec.JobID, func(j *jobsv1alpha1.CloudJob) { j.Spec.ActiveDeadlineSeconds = ptr.To[int64](4) })
	failed := f.waitFor("no-resources", 20*time.Second, "failed", succeededIs(metav1.ConditionFalse))
	if c := cond(failed, jobsv1alpha1.ConditionReady); failed.Status.State != "5" || c.Reason != jobsv1alpha1.ReasonDeadlineExceeded {
		t.Errorf("state %q, %s; want the completed order to fail with DeadlineExceeded", failed.Status.State, testenv.ConditionsText(failed))
	}
	if n := jobRequests(t, order.Spec.JobID); n < 3 {
		t.Errorf("%d requests; want the resources asked for more than once", n)
	}
}
