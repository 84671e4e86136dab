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
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
)

// orderAnswer decodes a BSS answer as the client would after a poll that
// recorded lastState.
func orderAnswer(t *testing.T, body, lastState string) *huaweicloud.Job {
	t.Helper()
	a, _ := huaweicloud.AdapterFor(huaweicloud.ServiceBSS)
	job, err := a.Decode([]byte(body), huaweicloud.JobRef{DomainID: "d", OrderID: "CS1", LastState: lastState})
	if err != nil {
		t.Fatalf("Decode(%s): %v", body, err)
	}
	return job
}

func orderBody(status int, extra string) string {
	return fmt.Sprintf(`{"order_info":{"order_id":"CS1","status":%d,"order_type":1,"create_time":"2026-12-03T08:00:00Z"%s}}`, status, extra)
}

// readyReason is the Ready condition's reason and message.
func readyReason(st *jobsv1alpha1.CloudJobStatus) (string, string) {
	c := meta.FindStatusCondition(st.Conditions, jobsv1alpha1.ConditionReady)
	if c == nil {
		return "", ""
	}
	return c.Reason, c.Message
}

// TestOrderSteps follows an order through its statuses, each poll's status
// computed from the last, as the reconciler does.
func TestOrderSteps(t *testing.T) {
	steps := []struct {
		name, body, phase, reason, state string
		message                          []string
	}{
		{
			name: "pending payment", body: orderBody(6, `,"pending_payment_end_time":"2026-12-10T08:00:00Z"`),
			phase: "AwaitingPayment", reason: "AwaitingPayment", state: "6",
			message: []string{"order status 6 (pending payment), to be paid by 2026-12-10T08:00:00Z", "pay the yearly/monthly order"},
		},
		{name: "paid, processing", body: orderBody(3, `,"payment_time":"2026-12-03T09:00:00Z"`), phase: "Running", reason: "Running", state: "3",
			message: []string{"order status 3 (processing)"}},
		{name: "completed", body: orderBody(5, ""), phase: "Running", reason: "Running", state: "5",
			message: []string{"order status 5 (completed); its resources are asked for next"}},
		{name: "resources not listed yet", body: `{"total_count":0,"data":[]}`, phase: "Running", reason: "Running", state: "5",
			message: []string{"its resources are not listed yet"}},
		{
			name:  "resources listed",
			body:  `{"total_count":2,"data":[{"resource_id":"vol-1","resource_type_code":"hws.resource.type.volume","is_main_resource":0,"parent_resource_id":"vm-1"},{"resource_id":"vm-1","resource_type_code":"hws.resource.type.vm","is_main_resource":1}]}`,
			phase: "Succeeded", reason: "Succeeded", state: "5",
			message: []string{"the order is completed: order status 5 (completed) with 2 resources", "main resources: vm-1", "status.resources lists them"},
		},
	}
	var st jobsv1alpha1.CloudJobStatus
	now := t0
	for _, step := range steps {
		job := orderAnswer(t, step.body, st.State)
		st = statusFromJob(st, 1, job, now)
		now = now.Add(time.Minute)
		reason, msg := readyReason(&st)
		if string(st.Phase) != step.phase || reason != step.reason || st.State != step.state {
			t.Errorf("%s: phase %s, reason %s, state %s; want %s, %s, %s", step.name, st.Phase, reason, st.State, step.phase, step.reason, step.state)
		}
		for _, want := range step.message {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: message %q does not say %q", step.name, msg, want)
			}
		}
		// What the order's details said stays while its resources are asked for.
		if st.JobType != "purchase" || st.BeginTime == nil || st.Entities == nil || st.JobID != "" {
			t.Errorf("%s: jobType %q, beginTime %v, entities %v, jobID %q; want the order's, and no job id", step.name, st.JobType, st.BeginTime, st.Entities, st.JobID)
		}
	}
	want := []jobsv1alpha1.OrderResource{
		{ID: "vm-1", Type: "hws.resource.type.vm", Main: true},
		{ID: "vol-1", Type: "hws.resource.type.volume", ParentID: "vm-1"},
	}
	if st.ResourcesTotal != 2 || fmt.Sprint(st.Resources) != fmt.Sprint(want) {
		t.Errorf("resources %d %+v, want 2 %+v", st.ResourcesTotal, st.Resources, want)
	}
	if st.CompletionTime == nil || !st.Finished() {
		t.Errorf("completionTime %v, finished %v; want the outcome recorded", st.CompletionTime, st.Finished())
	}
}

// TestUnknownOrderStatusKeepsPolling: a status number the operator does not
// know is UnknownState, named once in the message.
func TestUnknownOrderStatusKeepsPolling(t *testing.T) {
	st := statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, orderAnswer(t, orderBody(12, ""), ""), t0)
	reason, msg := readyReason(&st)
	if st.Phase != jobsv1alpha1.PhaseUnknown || reason != jobsv1alpha1.ReasonUnknownState ||
		msg != "the cloud reports order status 12, which the operator does not know; it keeps polling" {
		t.Errorf("phase %s, reason %s, message %q", st.Phase, reason, msg)
	}
}

// TestRepeatedResourceQueryWritesNothing: once the message says the resources
// are not listed yet, polling on changes nothing.
func TestRepeatedResourceQueryWritesNothing(t *testing.T) {
	st := statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, orderAnswer(t, orderBody(5, ""), ""), t0)
	empty := `{"total_count":0,"data":[]}`
	st = statusFromJob(st, 1, orderAnswer(t, empty, st.State), t0.Add(time.Minute))
	again := statusFromJob(st, 1, orderAnswer(t, empty, st.State), t0.Add(2*time.Minute))
	if !statusEqual(&st, &again) {
		t.Errorf("a repeated empty resource list changed the status:\n%+v\n%+v", st, again)
	}
}

func TestCancelledOrderStatus(t *testing.T) {
	pending := statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, orderAnswer(t, orderBody(6, ""), ""), t0)
	st := statusFromJob(pending, 1, orderAnswer(t, orderBody(4, ""), pending.State), t0.Add(time.Hour))
	reason, msg := readyReason(&st)
	succeeded := meta.FindStatusCondition(st.Conditions, jobsv1alpha1.ConditionSucceeded)
	if st.Phase != jobsv1alpha1.PhaseFailed || reason != jobsv1alpha1.ReasonOrderCancelled ||
		succeeded == nil || succeeded.Status != metav1.ConditionFalse || succeeded.Reason != jobsv1alpha1.ReasonOrderCancelled {
		t.Fatalf("phase %s, Ready reason %s, Succeeded %+v; want Failed, OrderCancelled, Succeeded=False/OrderCancelled", st.Phase, reason, succeeded)
	}
	if !strings.Contains(msg, "order status 4 (cancelled)") || !strings.Contains(msg, "place a new order") {
		t.Errorf("message %q does not name the status and what to do", msg)
	}
	var events []string
	for _, e := range transitionEvents(&pending, &st, "order CS1") {
		events = append(events, e.eventType+"/"+e.reason)
	}
	if strings.Join(events, ",") != "Warning/OrderCancelled" {
		t.Errorf("events %v, want one Warning OrderCancelled", events)
	}
}

// TestOrderResourcesAreBounded: status lists the first MaxOrderResources,
// main ones first, and keeps the exact total.
func TestOrderResourcesAreBounded(t *testing.T) {
	var items []string
	for i := range 150 {
		main := 0
		if i >= 140 {
			main = 1
		}
		items = append(items, fmt.Sprintf(`{"resource_id":"r%d","is_main_resource":%d}`, i, main))
	}
	body := fmt.Sprintf(`{"total_count":640,"data":[%s]}`, strings.Join(items, ","))
	st := statusFromJob(jobsv1alpha1.CloudJobStatus{}, 1, orderAnswer(t, orderBody(5, ""), ""), t0)
	st = statusFromJob(st, 1, orderAnswer(t, body, st.State), t0)
	if len(st.Resources) != jobsv1alpha1.MaxOrderResources || st.ResourcesTotal != 640 {
		t.Fatalf("%d resources listed, total %d; want %d and 640", len(st.Resources), st.ResourcesTotal, jobsv1alpha1.MaxOrderResources)
	}
	if st.Resources[0].ID != "r140" || !st.Resources[9].Main || st.Resources[10].Main {
		t.Errorf("main resources not first: %+v", st.Resources[:12])
	}
	if _, msg := readyReason(&st); !strings.Contains(msg, "the first 100 of 640") {
		t.Errorf("message %q does not say the list is cut", msg)
	}
}
