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

package demo

import (
	"context"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

// observed is what the demo's watch has seen of one CloudJob.
type observed struct {
	Job *jobsv1alpha1.CloudJob // the latest version; nil until seen
	// AwaitingSince is when the watch first saw Ready's reason
	// AwaitingPayment.
	AwaitingSince time.Time
	// FinishedAt is when the watch first saw the Succeeded condition turn
	// True or False, and Outcome which.
	FinishedAt time.Time
	Outcome    string
}

// tracker holds what the watch has seen, by CloudJob name.
type tracker struct {
	mu   sync.Mutex
	jobs map[string]*observed
	now  func() time.Time
}

func newTracker() *tracker {
	return &tracker{jobs: map[string]*observed{}, now: time.Now}
}

// observe records a version of a CloudJob. The times are when the demo saw
// the change, which is what the detection lag measures: the watch delivers
// the operator's status write within milliseconds.
func (t *tracker) observe(j *jobsv1alpha1.CloudJob) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	o := t.jobs[j.Name]
	if o == nil {
		o = &observed{}
		t.jobs[j.Name] = o
	}
	o.Job = j
	if ready := meta.FindStatusCondition(j.Status.Conditions, jobsv1alpha1.ConditionReady); ready != nil &&
		ready.Reason == jobsv1alpha1.ReasonAwaitingPayment && o.AwaitingSince.IsZero() {
		o.AwaitingSince = now
	}
	if o.FinishedAt.IsZero() {
		switch j.Outcome().Result {
		case jobsv1alpha1.ResultSucceeded:
			o.FinishedAt, o.Outcome = now, outcomeSucceeded
		case jobsv1alpha1.ResultFailed:
			o.FinishedAt, o.Outcome = now, outcomeFailed
		}
	}
}

// get returns a copy of what was seen of name.
func (t *tracker) get(name string) observed {
	t.mu.Lock()
	defer t.mu.Unlock()
	if o := t.jobs[name]; o != nil {
		return *o
	}
	return observed{}
}

// watchJobs feeds every version of the namespace's CloudJobs to t until ctx
// ends: a list, then a watch from the list's resourceVersion, listed again
// whenever the watch ends or its version has expired.
func watchJobs(ctx context.Context, c client.WithWatch, t *tracker) error {
	for ctx.Err() == nil {
		var list jobsv1alpha1.CloudJobList
		if err := c.List(ctx, &list, client.InNamespace(namespace)); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("listing the CloudJobs: %w", err)
		}
		for i := range list.Items {
			t.observe(&list.Items[i])
		}
		w, err := c.Watch(ctx, &jobsv1alpha1.CloudJobList{}, client.InNamespace(namespace),
			&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: list.ResourceVersion, AllowWatchBookmarks: true}})
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("watching the CloudJobs: %w", err)
		}
		consume(w, t)
	}
	return nil
}

// consume reads w until it ends or reports an error, such as an expired
// resourceVersion, after which the caller lists again.
func consume(w watch.Interface, t *tracker) {
	defer w.Stop()
	for ev := range w.ResultChan() {
		switch ev.Type {
		case watch.Added, watch.Modified:
			if j, ok := ev.Object.(*jobsv1alpha1.CloudJob); ok {
				t.observe(j)
			}
		case watch.Error:
			if status, ok := ev.Object.(*metav1.Status); ok && !apierrors.IsResourceExpired(apierrors.FromObject(status)) {
				time.Sleep(time.Second) // not a tight loop against a struggling API server
			}
			return
		}
	}
}
