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

package metrics

import (
	"sync"
	"time"

	toolscache "k8s.io/client-go/tools/cache"
)

// JobEntry is what the tally keeps of one CloudJob.
type JobEntry struct {
	Service string
	Phase   string
	State   string
	// RunningSince is when an unfinished job began (the cloud's begin time, else
	// the CloudJob's creation); zero for a finished job and one waiting for
	// payment, which waits on a person rather than on the cloud.
	RunningSince time.Time
}

// JobInfo returns the entry of a CloudJob; ok is false for any other object.
type JobInfo func(obj any) (entry JobEntry, ok bool)

// JobTally follows the CloudJob informer's events and keeps each job's labels,
// so a scrape of cloudjob_jobs and cloudjob_oldest_running_job_age_seconds reads a
// small map instead of listing the cache:
// a List copies every cached CloudJob (about 13 MB per scrape at 10,000 jobs).
// The informer's initial list replays every job, so a restart loses nothing.
type JobTally struct {
	info JobInfo

	mu   sync.Mutex
	jobs map[string]JobEntry // namespace/name -> entry
}

// NewJobTally returns an empty tally; register it with the informer's
// AddEventHandler and pass its Count to SetJobCounter.
func NewJobTally(info JobInfo) *JobTally {
	return &JobTally{info: info, jobs: map[string]JobEntry{}}
}

var _ toolscache.ResourceEventHandler = &JobTally{}

// OnAdd records a job the informer listed or saw created.
func (t *JobTally) OnAdd(obj any, _ bool) { t.set(obj) }

// OnUpdate records a job's new entry.
func (t *JobTally) OnUpdate(_, obj any) { t.set(obj) }

// OnDelete forgets a job, also when the informer only knows its last state
// (a tombstone after a lost watch).
func (t *JobTally) OnDelete(obj any) {
	key, err := toolscache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	t.mu.Lock()
	delete(t.jobs, key)
	t.mu.Unlock()
}

func (t *JobTally) set(obj any) {
	entry, ok := t.info(obj)
	if !ok {
		return
	}
	if entry.Service != "" {
		serviceSeen(entry.Service)
	}
	key, err := toolscache.MetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	t.mu.Lock()
	t.jobs[key] = entry
	t.mu.Unlock()
}

// Count returns the number of jobs by (service, phase, state); it is a JobCounter.
func (t *JobTally) Count() map[[3]string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[[3]string]int{}
	for _, e := range t.jobs {
		out[[3]string{e.Service, e.Phase, e.State}]++
	}
	return out
}

// OldestRunning returns, by service, how long the oldest unfinished job has been
// running at now; it is an OldestRunning.
func (t *JobTally) OldestRunning(now time.Time) map[string]time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]time.Duration{}
	for _, e := range t.jobs {
		if e.RunningSince.IsZero() {
			continue
		}
		if age := now.Sub(e.RunningSince); age > out[e.Service] {
			out[e.Service] = age
		}
	}
	return out
}
