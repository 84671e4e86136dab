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

package huaweicloud

import (
	"bytes"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// maxHostileAlloc bounds what decoding one hostile answer may allocate. Before
// the entry budget, an answer of 1.4 million empty sub-jobs allocated 5 GiB
// and kept 1.5 GiB live.
const maxHostileAlloc = 64 << 20

// emptyEntries is a body of at most DefaultMaxBodyBytes: prefix, then as many
// copies of entry as fit, comma-separated, then suffix. It returns the body and
// the number of entries.
func emptyEntries(prefix, entry, suffix string) ([]byte, int) {
	n := (int(DefaultMaxBodyBytes) - len(prefix) - len(suffix) + 1) / (len(entry) + 1)
	var b bytes.Buffer
	b.Grow(int(DefaultMaxBodyBytes))
	b.WriteString(prefix)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(entry)
	}
	b.WriteString(suffix)
	return b.Bytes(), n
}

// decodeMeasured decodes body and reports the bytes allocated meanwhile and
// the heap in use after, with the job still live.
func decodeMeasured(service Service, ref JobRef, body []byte) (job *Job, alloc, heap uint64, err error) {
	adapter, _ := AdapterFor(service)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	job, err = adapter.Decode(body, ref)
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(job)
	return job, after.TotalAlloc - before.TotalAlloc, after.HeapInuse, err
}

// countJobs counts the decoded jobs of a tree below the jobs given.
func countJobs(jobs []Job) int {
	n := len(jobs)
	for i := range jobs {
		n += countJobs(jobs[i].SubJobs)
	}
	return n
}

// TestHostileListsDecodeWithinBudget feeds every decoding shape an answer of
// about 4 MiB (the body cap) of empty list entries, 1.4 million of them:
// decoding stops at maxDecodedEntries, counts the rest exactly and allocates
// a bounded amount.
func TestHostileListsDecodeWithinBudget(t *testing.T) {
	ref := JobRef{ProjectID: "p", JobID: "j", OrderID: "o"}
	tests := []struct {
		name          string
		service       Service
		lastState     string
		prefix, entry string
		suffix        string
		check         func(t *testing.T, job *Job, err error, n int)
	}{
		{name: "v1 entities.sub_jobs", service: ServiceBMS,
			prefix: `{"status":"RUNNING","job_id":"j","entities":{"sub_jobs_total":3,"sub_jobs":[`, entry: `{}`, suffix: `]}}`,
			check: checkBudgetedSubJobs},
		{name: "v1 sub_jobs beside entities", service: ServiceELB,
			prefix: `{"status":"RUNNING","job_id":"j","sub_jobs":[`, entry: `{}`, suffix: `]}`,
			check: checkBudgetedSubJobs},
		{name: "ELB v3 job.sub_jobs", service: ServiceELBv3,
			prefix: `{"job":{"status":"RUNNING","job_id":"j","sub_jobs":[`, entry: `{}`, suffix: `]}}`,
			check: checkBudgetedSubJobs},
		{name: "CCE spec.subJobs", service: ServiceCCE,
			prefix: `{"metadata":{"uid":"j"},"status":{"phase":"Running"},"spec":{"subJobs":[`, entry: `{}`, suffix: `]}}`,
			check: checkBudgetedSubJobs},
		{name: "CAE spec.tasks", service: ServiceCAE,
			prefix: `{"metadata":{"id":"j"},"spec":{"status":"running","tasks":[`, entry: `{}`, suffix: `]}}`,
			check: checkBudgetedSubJobs},
		{name: "CSE tasks", service: ServiceCSE,
			prefix: `{"id":"j","status":"Executing","tasks":[`, entry: `{}`, suffix: `]}`,
			check: checkBudgetedSubJobs},
		{name: "CCE nested sub-jobs share the budget", service: ServiceCCE,
			prefix: `{"metadata":{"uid":"j"},"status":{"phase":"Running"},"spec":{"subJobs":[`,
			entry:  `{"spec":{"subJobs":[{},{},{},{},{},{},{},{}]}}`, suffix: `]}}`,
			check: func(t *testing.T, job *Job, err error, n int) {
				if err != nil {
					t.Fatal(err)
				}
				if got := countJobs(job.SubJobs); got != maxDecodedEntries {
					t.Errorf("decoded %d jobs at all depths, want the budget, %d", got, maxDecodedEntries)
				}
				if job.SubJobsTotal != n {
					t.Errorf("SubJobsTotal %d, want the %d entries listed", job.SubJobsTotal, n)
				}
				// Depth first: 1111 entries with their 8 sub-jobs each fill 9999
				// of the budget; the next entry is decoded without its sub-jobs.
				if want := n - 1112 + 8; job.SubJobsUnread != want {
					t.Errorf("SubJobsUnread %d, want %d", job.SubJobsUnread, want)
				}
			}},
		{name: "v1 entities as an array", service: ServiceECS,
			prefix: `{"status":"RUNNING","job_id":"j","entities":[{"server_id":"s-1"},`, entry: `{}`, suffix: `]}`,
			check: func(t *testing.T, job *Job, err error, _ int) {
				if err != nil {
					t.Fatal(err)
				}
				if job.Resources.ServerID != "s-1" {
					t.Errorf("server id %q, want s-1 from the first entry", job.Resources.ServerID)
				}
			}},
		{name: "GeminiDB list, job first", service: ServiceGeminiDB,
			prefix: `{"jobs":[{"id":"j","status":"Running"},`, entry: `{}`, suffix: `]}`,
			check: func(t *testing.T, job *Job, err error, _ int) {
				if err != nil {
					t.Fatal(err)
				}
				if job.JobID != "j" || job.Phase != PhaseRunning {
					t.Errorf("got job %q %s, want j Running", job.JobID, job.Phase)
				}
			}},
		{name: "DMS list, job not among the entries read", service: ServiceKafka,
			prefix: `{"tasks":[`, entry: `{}`, suffix: `,{"id":"j","status":"EXECUTING"}]}`,
			check: func(t *testing.T, _ *Job, err error, n int) {
				want := "tasks: the answer lists " + strconv.Itoa(n+1) + " entries, of which the operator reads the first 10000"
				if err == nil || !strings.Contains(err.Error(), want) || errors.Is(err, errJobNotListed) {
					t.Errorf("error %v, want one saying %q (not NotFound: the list may hold the job)", err, want)
				}
			}},
		{name: "BSS order resources", service: ServiceBSS, lastState: completedOrderState,
			prefix: `{"total_count":2,"data":[`, entry: `{}`, suffix: `]}`,
			check: func(t *testing.T, job *Job, err error, n int) {
				if err != nil {
					t.Fatal(err)
				}
				if len(job.OrderResources) != maxDecodedEntries || job.OrderResourcesTotal != n {
					t.Errorf("%d resources of %d, want %d of %d", len(job.OrderResources), job.OrderResourcesTotal, maxDecodedEntries, n)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, n := emptyEntries(tt.prefix, tt.entry, tt.suffix)
			r := ref
			r.LastState = tt.lastState
			job, alloc, heap, err := decodeMeasured(tt.service, r, body)
			t.Logf("%d KiB, %d entries: allocated %.1f MiB, heap in use after %.1f MiB", len(body)>>10, n,
				float64(alloc)/(1<<20), float64(heap)/(1<<20))
			if alloc > maxHostileAlloc {
				t.Errorf("decoding allocated %d MiB, want at most %d MiB", alloc>>20, maxHostileAlloc>>20)
			}
			tt.check(t, job, err, n)
		})
	}
}

// checkBudgetedSubJobs checks a job decoded from n empty sub-jobs: the first
// maxDecodedEntries decoded, all n counted, the rest noted as unread.
func checkBudgetedSubJobs(t *testing.T, job *Job, err error, n int) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if len(job.SubJobs) != maxDecodedEntries || job.SubJobsTotal != n || job.SubJobsUnread != n-maxDecodedEntries {
		t.Errorf("%d sub-jobs decoded, total %d, unread %d; want %d, %d, %d",
			len(job.SubJobs), job.SubJobsTotal, job.SubJobsUnread, maxDecodedEntries, n, n-maxDecodedEntries)
	}
}
