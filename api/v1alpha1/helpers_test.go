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

package v1alpha1

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestOutcome(t *testing.T) {
	cond := func(typ string, status metav1.ConditionStatus, reason string, gen int64) metav1.Condition {
		return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: reason + " message", ObservedGeneration: gen}
	}
	for _, c := range []struct {
		name       string
		generation int64
		status     CloudJobStatus
		want       Outcome
		finished   bool
	}{
		{name: "new object", generation: 1, status: CloudJobStatus{ObservedGeneration: -1}, want: Outcome{}},
		{name: "running", generation: 1, status: CloudJobStatus{ObservedGeneration: 1, Conditions: []metav1.Condition{
			cond(ConditionReady, metav1.ConditionFalse, ReasonRunning, 1),
			cond(ConditionSucceeded, metav1.ConditionUnknown, ReasonRunning, 1),
			cond(ConditionReconciling, metav1.ConditionTrue, ReasonRunning, 1),
		}}, want: Outcome{Reason: ReasonRunning, Message: "Running message"}},
		{name: "stalled", generation: 1, status: CloudJobStatus{ObservedGeneration: 1, Conditions: []metav1.Condition{
			cond(ConditionReady, metav1.ConditionFalse, ReasonCredentialsNotFound, 1),
			cond(ConditionSucceeded, metav1.ConditionUnknown, ReasonCredentialsNotFound, 1),
			cond(ConditionStalled, metav1.ConditionTrue, ReasonCredentialsNotFound, 1),
		}}, want: Outcome{Stalled: true, Reason: ReasonCredentialsNotFound, Message: "CredentialsNotFound message"}},
		{name: "succeeded", generation: 2, status: CloudJobStatus{ObservedGeneration: 2, Conditions: []metav1.Condition{
			cond(ConditionReady, metav1.ConditionTrue, ReasonSucceeded, 2),
			cond(ConditionSucceeded, metav1.ConditionTrue, ReasonSucceeded, 2),
		}}, want: Outcome{Result: ResultSucceeded, Reason: ReasonSucceeded, Message: "Succeeded message"}, finished: true},
		{name: "failed at the deadline", generation: 1, status: CloudJobStatus{ObservedGeneration: 1, Conditions: []metav1.Condition{
			cond(ConditionReady, metav1.ConditionFalse, ReasonDeadlineExceeded, 1),
			cond(ConditionSucceeded, metav1.ConditionFalse, ReasonDeadlineExceeded, 1),
			cond(ConditionStalled, metav1.ConditionTrue, ReasonDeadlineExceeded, 1),
		}}, want: Outcome{Result: ResultFailed, Reason: ReasonDeadlineExceeded, Message: "DeadlineExceeded message"}, finished: true},
		{name: "status of an older generation", generation: 3, status: CloudJobStatus{ObservedGeneration: 2, Conditions: []metav1.Condition{
			cond(ConditionSucceeded, metav1.ConditionTrue, ReasonSucceeded, 2),
		}}, want: Outcome{}},
		{name: "conditions of an older generation", generation: 3, status: CloudJobStatus{ObservedGeneration: 3, Conditions: []metav1.Condition{
			cond(ConditionSucceeded, metav1.ConditionTrue, ReasonSucceeded, 2),
		}}, want: Outcome{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := &CloudJob{ObjectMeta: metav1.ObjectMeta{Generation: c.generation}, Status: c.status}
			if got := j.Outcome(); got != c.want {
				t.Errorf("Outcome() = %+v, want %+v", got, c.want)
			}
			if got := j.Finished(); got != c.finished {
				t.Errorf("Finished() = %v, want %v", got, c.finished)
			}
		})
	}
}

func TestStatusFinishedIgnoresTheGeneration(t *testing.T) {
	st := CloudJobStatus{ObservedGeneration: 1, Conditions: []metav1.Condition{{Type: ConditionSucceeded, Status: metav1.ConditionFalse, ObservedGeneration: 1}}}
	if !st.Finished() {
		t.Error("a recorded failure is not finished")
	}
	st.Conditions[0].Status = metav1.ConditionUnknown
	if st.Finished() {
		t.Error("Succeeded=Unknown is finished")
	}
	if (&CloudJobStatus{}).Finished() {
		t.Error("an empty status is finished")
	}
}

func TestDeadline(t *testing.T) {
	created := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	j := &CloudJob{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(created)}}
	if _, ok := j.Deadline(); ok {
		t.Error("a deadline without spec.activeDeadlineSeconds")
	}
	for _, c := range []struct {
		secs  int64
		after time.Duration
	}{
		{3600, time.Hour},
		{9_000_000_000, 9_000_000_000 * time.Second},
		{9_999_999_999, time.Duration(math.MaxInt64)},
		{math.MaxInt64, time.Duration(math.MaxInt64)},
	} {
		j.Spec.ActiveDeadlineSeconds = &c.secs
		d, ok := j.Deadline()
		if !ok || !d.Equal(created.Add(c.after)) {
			t.Errorf("activeDeadlineSeconds %d: deadline %v, %v; want %v", c.secs, d, ok, created.Add(c.after))
		}
		if !d.After(created) {
			t.Errorf("activeDeadlineSeconds %d: the deadline %v is not after the creation", c.secs, d)
		}
	}
}

// TestReadmeShowsTheExample keeps the README's "From another controller" code
// the same as the compiled and tested one in example_test.go.
func TestReadmeShowsTheExample(t *testing.T) {
	example, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(example), "// README: from another controller\n")
	code, _, ok2 := strings.Cut(rest, "\n// README: end\n")
	if !ok || !ok2 {
		t.Fatal("example_test.go has no README markers")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), code) {
		t.Errorf("README.md does not show waitForServers as example_test.go has it:\n%s", code)
	}
}
