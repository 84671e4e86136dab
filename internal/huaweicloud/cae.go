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
	"time"
)

// caeStates are the states of CAE jobs and their tasks. A skipped task was
// not needed; terminated jobs were stopped before their end.
var caeStates = map[string]Phase{
	"INIT":        PhasePending,
	"RUNNING":     PhaseRunning,
	"TERMINATING": PhaseRunning,
	"SUCCESS":     PhaseSucceeded,
	"SKIP":        PhaseSucceeded,
	"FAILED":      PhaseFailed,
	"TIMEOUT":     PhaseFailed,
	"TERMINATED":  PhaseFailed,
}

// caeAdapter reads Cloud Application Engine jobs, GET
// /v1/{project_id}/cae/jobs/{job_id} on host cae, with the environment in the
// X-Environment-ID header. The SDK (v0.1.224, cae/v1 ShowJobResponse) answers
// {api_version, kind, spec: {progress, status, tasks: [{index, name, status,
// detail, created_at, updated_at}]}}: the job has no id, type or times of its
// own. The tasks are the sub-jobs, a failed task's detail is why the job
// failed, and the job is dated by its tasks (see caeJobs.Decode).
// spec.progress is a number whose scale the SDK and the API reference leave
// open, so it is not read as a percentage.
var caeAdapter = caeJobs{shapeAdapter{host: "cae", needs: Needs{Project: true, Environment: true},
	locate: func(ref JobRef) Location {
		return Location{
			Path:   jobPath("/v1", ref.ProjectID, "/cae/jobs/", ref.JobID),
			Header: map[string]string{"X-Environment-ID": ref.EnvironmentID},
		}
	},
	shape: &fieldShape{
		state:   []string{"spec.status"},
		subJobs: "spec.tasks",
		sub: &fieldShape{
			id:      []string{"index"},
			jobType: []string{"name"},
			state:   []string{"status"},
			begin:   []string{"created_at"},
			end:     []string{"updated_at"},
			// updated_at is a last update: an end once the task finished.
			endOnlyWhenFinished: true,
			reason:              []string{"detail"},
			states:              caeStates,
		},
		states: caeStates,
	}}}

// caeJobs is the CAE adapter: the shape's decoding, then the job's times
// taken from its tasks.
type caeJobs struct{ shapeAdapter }

// Decode reads a CAE job. A job begins when its first task was created and,
// once finished, ends at its last task's end: the API dates only the tasks.
func (a caeJobs) Decode(body []byte, ref JobRef) (*Job, error) {
	job, err := a.shapeAdapter.Decode(body, ref)
	if err != nil {
		return nil, err
	}
	job.BeginTime, job.EndTime = tasksSpan(job.SubJobs, job.Phase.Finished())
	return job, nil
}

// tasksSpan is the earliest begin of the tasks and, when the job finished,
// the latest end; nil where no task has one.
func tasksSpan(tasks []Job, finished bool) (begin, end *time.Time) {
	for i := range tasks {
		if b := tasks[i].BeginTime; b != nil && (begin == nil || b.Before(*begin)) {
			begin = b
		}
		if e := tasks[i].EndTime; finished && e != nil && (end == nil || e.After(*end)) {
			end = e
		}
	}
	return begin, end
}
