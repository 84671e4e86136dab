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

	toolscache "k8s.io/client-go/tools/cache"
)

// JobLabels returns the (service, state) labels of a CloudJob; ok is false for
// any other object.
type JobLabels func(obj any) (labels [2]string, ok bool)

// JobTally follows the CloudJob informer's events and keeps each job's labels,
// so a scrape of cloudjob_jobs counts a small map instead of listing the cache:
// a List copies every cached CloudJob (about 13 MB per scrape at 10,000 jobs).
// The informer's initial list replays every job, so a restart loses nothing.
type JobTally struct {
	labels JobLabels

	mu   sync.Mutex
	jobs map[string][2]string // namespace/name -> labels
}

// NewJobTally returns an empty tally; register it with the informer's
// AddEventHandler and pass its Count to SetJobCounter.
func NewJobTally(labels JobLabels) *JobTally {
	return &JobTally{labels: labels, jobs: map[string][2]string{}}
}

var _ toolscache.ResourceEventHandler = &JobTally{}

// OnAdd records a job the informer listed or saw created.
func (t *JobTally) OnAdd(obj any, _ bool) { t.set(obj) }

// OnUpdate records a job's new labels.
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
	labels, ok := t.labels(obj)
	if !ok {
		return
	}
	key, err := toolscache.MetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	t.mu.Lock()
	t.jobs[key] = labels
	t.mu.Unlock()
}

// Count returns the number of jobs by (service, state); it is a JobCounter.
func (t *JobTally) Count() map[[2]string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[[2]string]int{}
	for _, l := range t.jobs {
		out[l]++
	}
	return out
}
