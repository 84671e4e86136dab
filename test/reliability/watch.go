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
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

// outcomeWatch watches a namespace's CloudJobs for the whole of a test and
// checks the promise that a recorded outcome never changes: once an object's
// Succeeded condition is True or False, every later version of that object must
// show the same status and reason. A watch sees every write, so a flip that is
// undone a moment later is caught too.
type outcomeWatch struct {
	mu sync.Mutex
	// first is the first recorded outcome per object (by UID).
	first map[types.UID]metav1.Condition
	flips []string
	// everFailed names the objects ever seen with Succeeded=False.
	everFailed map[string]bool
	events     int

	cancel context.CancelFunc
	done   chan struct{}
}

func watchOutcomes(t *testing.T, ns string) *outcomeWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := &outcomeWatch{
		first:      map[types.UID]metav1.Condition{},
		everFailed: map[string]bool{}, cancel: cancel, done: make(chan struct{}),
	}
	rv, err := w.list(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	go w.run(ctx, ns, rv)
	t.Cleanup(w.stop)
	return w
}

func (w *outcomeWatch) list(ctx context.Context, ns string) (string, error) {
	var l jobsv1alpha1.CloudJobList
	if err := suite.client.List(ctx, &l, client.InNamespace(ns)); err != nil {
		return "", err
	}
	for i := range l.Items {
		w.observe(&l.Items[i])
	}
	return l.ResourceVersion, nil
}

// run watches from resourceVersion rv and resumes from the last version seen
// whenever the API server ends the watch; it lists again only when that version
// is too old (410 Gone), which the observe rule tolerates.
func (w *outcomeWatch) run(ctx context.Context, ns, rv string) {
	defer close(w.done)
	for ctx.Err() == nil {
		wi, err := suite.client.Watch(ctx, &jobsv1alpha1.CloudJobList{}, client.InNamespace(ns),
			&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true}})
		if err != nil {
			time.Sleep(200 * time.Millisecond)
			continue
		}
		gone := false
		for ev := range wi.ResultChan() {
			switch ev.Type {
			case watch.Error:
				if s, ok := ev.Object.(*metav1.Status); ok && s.Code == http.StatusGone {
					gone = true
				}
			case watch.Bookmark:
				if j, ok := ev.Object.(*jobsv1alpha1.CloudJob); ok {
					rv = j.ResourceVersion
				}
			default:
				if j, ok := ev.Object.(*jobsv1alpha1.CloudJob); ok {
					w.observe(j)
					rv = j.ResourceVersion
				}
			}
		}
		wi.Stop()
		if gone && ctx.Err() == nil {
			if newRV, err := w.list(ctx, ns); err == nil {
				rv = newRV
			}
		}
	}
}

func (w *outcomeWatch) observe(j *jobsv1alpha1.CloudJob) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.events++
	c := condition(j, jobsv1alpha1.ConditionSucceeded)
	if c.Status == metav1.ConditionFalse {
		w.everFailed[j.Name] = true
	}
	first, recorded := w.first[j.UID]
	switch {
	case !recorded && j.Finished():
		w.first[j.UID] = c
	case recorded && (c.Status != first.Status || c.Reason != first.Reason):
		w.flips = append(w.flips, fmt.Sprintf("%s: %s/%s became %s/%s (resourceVersion %s)",
			j.Name, first.Status, first.Reason, c.Status, c.Reason, j.ResourceVersion))
	}
}

func (w *outcomeWatch) stop() {
	w.cancel()
	<-w.done
}

// result stops the watch and returns what it saw: versions observed, flips, and
// the names ever marked failed.
func (w *outcomeWatch) result() (events int, flips []string, everFailed map[string]bool) {
	w.stop()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.events, w.flips, w.everFailed
}

// noFlips fails the test for every recorded outcome that changed, naming the
// first ten, and returns them.
func (w *outcomeWatch) noFlips(t *testing.T) []string {
	t.Helper()
	_, flips, _ := w.result()
	if len(flips) > 0 {
		t.Errorf("%d recorded outcomes changed:\n%s", len(flips), strings.Join(flips[:min(10, len(flips))], "\n"))
	}
	return flips
}
