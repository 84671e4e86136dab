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
	"strings"
	"testing"
	"time"

	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
)

// TestTimePastYear9999IsUnreadable: a begin time the API server cannot hold
// in status (RFC 3339 has four-digit years) is reported as unreadable, like
// words, and the rest of the status is written: the job runs to its end.
// Read as a time, it made the API server refuse every status write.
func TestTimePastYear9999IsUnreadable(t *testing.T) {
	f := newFixture(t)
	startManager(t, managerOptions{shard: f.shard})
	jobs := []struct {
		name    string
		service jobsv1alpha1.Service
		text    string
	}{
		{"epoch-year-33658", "rds", "1000000000000000"},             // epoch milliseconds
		{"zone-year-10000", "ecs", "9999-12-31T23:30:00.000-01:00"}, // 10000-01-01T00:30Z
	}
	for _, j := range jobs {
		job := f.simJob(cloudsim.JobSpec{Service: cloudsim.Service(j.service), Init: secs(1), Running: secs(3)})
		if err := sim.AddFaults(cloudsim.FaultRule{Kind: cloudsim.FaultUnreadableTime, TimeText: j.text, ProjectID: f.project, JobID: job.Spec.JobID}); err != nil {
			t.Fatal(err)
		}
		f.cloudJob(j.name, j.service, job.Spec.JobID)
	}
	for _, j := range jobs {
		got := f.waitFor(j.name, 30*time.Second, "succeeded", succeededIs(metav1.ConditionTrue))
		if got.Status.BeginTime != nil || got.Status.EndTime == nil || got.Status.StartTime == nil || got.Status.Phase != jobsv1alpha1.PhaseSucceeded {
			t.Errorf("%s: phase %s begin %v end %v start %v; want Succeeded without the begin time", j.name,
				got.Status.Phase, got.Status.BeginTime, got.Status.EndTime, got.Status.StartTime)
		}
		if note := f.waitForEvent(j.name, jobsv1alpha1.EventReasonUnreadableTime, 15*time.Second); !strings.Contains(note, `="`+j.text+`"`) {
			t.Errorf("%s: UnreadableTime event %q does not name %q", j.name, note, j.text)
		}
	}
}

// waitForEvent waits for an event of reason about the CloudJob and returns
// its note.
func (f *fixture) waitForEvent(name, reason string, timeout time.Duration) string {
	f.t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(100 * time.Millisecond) {
		var list eventsv1.EventList
		if err := env.Client.List(context.Background(), &list, client.InNamespace(f.ns)); err != nil {
			f.t.Fatal(err)
		}
		for _, e := range list.Items {
			if e.Regarding.Name == name && e.Reason == reason {
				return e.Note
			}
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("%s: no %s event after %s (events: %v)", name, reason, timeout, f.events(name))
		}
	}
}
