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

package bench

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	watchtools "k8s.io/client-go/tools/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

// jobWatch is what the watch saw of one CloudJob.
type jobWatch struct {
	// writes counts MODIFIED events: every status write that changed the object.
	writes int
	// states are the distinct (state, sub-job counts) the object showed: the
	// changes a writer had to record.
	states map[string]struct{}
	// doneAt is when the first event with Succeeded True or False arrived;
	// zero until then.
	doneAt time.Time
	result jobsv1alpha1.Result
}

// recorder watches the CloudJobs of one namespace and records, per job, the
// writes, the states and when the outcome arrived. The receive time is taken as
// the event comes off the watch, before anything else is done with it.
type recorder struct {
	mu   sync.Mutex
	jobs map[string]*jobWatch
	// finished counts the jobs with an outcome, by name prefix (the measured
	// "job-" and the "warmup-" jobs).
	finished map[string]int
	changed  chan struct{} // signalled (without blocking) when a job finishes
	stopped  chan struct{}
	err      error
	relists  int
}

// watcherFunc adapts a controller-runtime client to client-go's
// cache.WatcherWithContext, for the RetryWatcher.
type watcherFunc func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)

func (f watcherFunc) WatchWithContext(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	return f(ctx, opts)
}

// maxRelists bounds how often a recorder lists again after losing its watch.
const maxRelists = 20

// startRecorder watches namespace from now on. A RetryWatcher resumes from the
// last resource version when the API server closes the watch, so no event is
// lost. Only if the server no longer has that version (the watch fell too far
// behind) does the recorder list again and carry on; the outcomes that arrived
// during the gap are then recorded when the list comes back, late, and the
// report says how often that happened.
func startRecorder(ctx context.Context, c client.WithWatch, namespace string) (*recorder, error) {
	var list jobsv1alpha1.CloudJobList
	if err := c.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return nil, err
	}
	r := &recorder{jobs: map[string]*jobWatch{}, finished: map[string]int{}, changed: make(chan struct{}, 1), stopped: make(chan struct{})}
	go r.run(ctx, c, namespace, list.ResourceVersion)
	return r, nil
}

func (r *recorder) run(ctx context.Context, c client.WithWatch, namespace, rv string) {
	defer close(r.stopped)
	w := watcherFunc(func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
		return c.Watch(ctx, &jobsv1alpha1.CloudJobList{}, client.InNamespace(namespace), &client.ListOptions{Raw: &opts})
	})
	for relists := 0; ; relists++ {
		if relists > maxRelists {
			r.fail(fmt.Errorf("the CloudJob watch of %s was lost %d times", namespace, relists-1))
			return
		}
		rw, err := watchtools.NewRetryWatcherWithContext(ctx, rv, w)
		if err != nil {
			r.fail(err)
			return
		}
		r.consume(ctx, rw)
		rw.Stop()
		if ctx.Err() != nil {
			return
		}
		var list jobsv1alpha1.CloudJobList
		if err := c.List(ctx, &list, client.InNamespace(namespace)); err != nil {
			if ctx.Err() == nil {
				r.fail(fmt.Errorf("listing CloudJobs after losing the watch: %w", err))
			}
			return
		}
		now := time.Now()
		r.mu.Lock()
		r.relists++
		r.mu.Unlock()
		for i := range list.Items {
			r.record(watch.Bookmark, &list.Items[i], now)
		}
		rv = list.ResourceVersion
	}
}

// consume records events until the watch ends or fails.
func (r *recorder) consume(ctx context.Context, rw *watchtools.RetryWatcher) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-rw.ResultChan():
			if !ok || ev.Type == watch.Error {
				return
			}
			now := time.Now()
			if j, isJob := ev.Object.(*jobsv1alpha1.CloudJob); isJob {
				r.record(ev.Type, j, now)
			}
		}
	}
}

// relistCount is how often the watch was lost and replaced by a list.
func (r *recorder) relistCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.relists
}

func (r *recorder) fail(err error) {
	r.mu.Lock()
	r.err = err
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) record(typ watch.EventType, j *jobsv1alpha1.CloudJob, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	jw := r.jobs[j.Name]
	if jw == nil {
		jw = &jobWatch{states: map[string]struct{}{}}
		r.jobs[j.Name] = jw
	}
	if typ == watch.Modified {
		jw.writes++
	}
	if j.Status.State != "" {
		jw.states[stateKey(&j.Status)] = struct{}{}
	}
	if !jw.doneAt.IsZero() {
		return
	}
	// The anchor's statuses are read as the operator's: whatever generation
	// they name, a recorded result is the end.
	if res := j.Status.Result(); res != jobsv1alpha1.ResultNone {
		jw.doneAt, jw.result = at, res
		r.finished[namePrefix(j.Name)]++
		select {
		case r.changed <- struct{}{}:
		default:
		}
	}
}

// stateKey names what a status says about the cloud job: everything the cloud
// reported (state, times, error fields, entities, progress as written, sub-jobs
// and their counts),
// and nothing the writer adds (conditions, observed generation). Two events
// with the same key show the same cloud state, so a write between them
// recorded no change of the job.
func stateKey(st *jobsv1alpha1.CloudJobStatus) string {
	b, err := json.Marshal(struct {
		jobsv1alpha1.JobRecord
		Code, Message string
		Progress      *int32
		SubJobsTotal  int32
		SubJobCounts  *jobsv1alpha1.SubJobCounts
		SubJobs       []jobsv1alpha1.JobRecord
	}{st.JobRecord, st.Code, st.Message, st.Progress, st.SubJobsTotal, st.SubJobCounts, st.SubJobs})
	if err != nil {
		return st.State
	}
	sum := sha256.Sum256(b)
	return string(sum[:])
}

// namePrefix is a CloudJob name up to and including its first dash.
func namePrefix(name string) string {
	if i := strings.IndexByte(name, '-'); i >= 0 {
		return name[:i+1]
	}
	return name
}

// waitFinished waits until n jobs named with prefix have an outcome, the watch
// fails, check returns an error (a child died), or deadline passes.
func (r *recorder) waitFinished(ctx context.Context, prefix string, n int, deadline time.Time, check func() error) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		r.mu.Lock()
		done, err := r.finished[prefix], r.err
		r.mu.Unlock()
		if err != nil {
			return err
		}
		if done >= n {
			return nil
		}
		if err := check(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d CloudJobs finished before the deadline", done, n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.changed:
		case <-tick.C:
		}
	}
}

// finishedCount is how many jobs named with prefix have an outcome.
func (r *recorder) finishedCount(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.finished[prefix]
}

// snapshot copies what was recorded of every job.
func (r *recorder) snapshot() map[string]jobWatch {
	r.mu.Lock()
	defer r.mu.Unlock()
	return copyValues(r.jobs)
}
