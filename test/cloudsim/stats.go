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

package cloudsim

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Stats is what the simulator counted since it started or since the last
// reset. Benchmarks use it to count cloud calls per job and to measure how
// long after a job really ended a client noticed.
type Stats struct {
	// Since is the wall-clock time counting started.
	Since time.Time `json:"since"`
	// Requests counts every request to the API listener.
	Requests int64 `json:"requests"`
	// Throttled counts 429 answers, from the quota and from injected bursts.
	Throttled int64 `json:"throttled"`
	// ByStatus counts answers per HTTP status; 0 counts requests that got
	// no answer (the client went away, or a reset fault closed the
	// connection).
	ByStatus map[int]int64 `json:"byStatus"`
	// AccessKeys counts per access key named in the Authorization header;
	// requests without a readable key count under "".
	AccessKeys map[string]KeyStats `json:"accessKeys"`
	// UntrackedKeyRequests counts requests of access keys beyond
	// Config.MaxTrackedKeys.
	UntrackedKeyRequests int64 `json:"untrackedKeyRequests,omitempty"`
	// Jobs has one entry per job the simulator holds or held (expired and
	// deleted jobs are kept up to Config.MaxRetiredJobs), sorted by project
	// and job id.
	Jobs []JobStats `json:"jobs"`
	// UnknownJobRequests counts requests for job ids the simulator never had
	// (or has forgotten).
	UnknownJobRequests int64 `json:"unknownJobRequests"`
}

// KeyStats counts the requests of one access key.
type KeyStats struct {
	Requests     int64 `json:"requests"`
	Throttled    int64 `json:"throttled"`
	AuthFailures int64 `json:"authFailures"`
	// Locked reports whether the key is locked now.
	Locked bool `json:"locked"`
}

// JobStats is one job's request count and when it really ended.
type JobStats struct {
	Service   Service `json:"service"`
	ProjectID string  `json:"projectId"`
	JobID     string  `json:"jobId"`
	Requests  int64   `json:"requests"`
	Throttled int64   `json:"throttled"`
	// State is the status the API would report now; empty when the job is
	// not visible (not started yet, expired or deleted).
	State string `json:"state"`
	// FinalState and EndedAt are set once the job reached its final state:
	// EndedAt is the wall-clock instant it did, whether or not anyone asked.
	FinalState string     `json:"finalState,omitempty"`
	EndedAt    *time.Time `json:"endedAt,omitempty"`
	// SimEndedAt is the same instant in simulated time, as end_time shows it.
	SimEndedAt *time.Time `json:"simEndedAt,omitempty"`
	// FinalServedAt is the wall-clock time of the first answer that carried
	// the final state: FinalServedAt - EndedAt is how late a poller noticed.
	FinalServedAt *time.Time `json:"finalServedAt,omitempty"`
	// LastRequestAt is the wall-clock time of the last request for the job.
	LastRequestAt *time.Time `json:"lastRequestAt,omitempty"`
	// Removed is set once the job expired or was deleted.
	Removed bool `json:"removed,omitempty"`
	// Principals are whose accepted keys polled the job (at most 8).
	Principals []string `json:"principals,omitempty"`
}

// jobCounters live in each job so counting needs no extra map.
type jobCounters struct {
	requests      int64
	throttled     int64
	principals    []string  // at most maxJobPrincipals
	finalServedAt time.Time // wall
	lastRequestAt time.Time // wall
}

// counters are the server-wide counts; guarded by Server.mu.
type counters struct {
	since         time.Time
	requests      int64
	throttled     int64
	byStatus      map[int]int64
	keys          map[string]*KeyStats
	untrackedKeys int64
	unknownJobs   int64
}

func newCounters(now time.Time) counters {
	return counters{since: now, byStatus: map[int]int64{}, keys: map[string]*KeyStats{}}
}

// requestInfo is what the API handler learned about a request, for stats.
type requestInfo struct {
	accessKey  string
	principal  string // whose accepted keys made the request
	authFailed bool
	routed     bool
	projectID  string
	jobID      string
}

// maxJobPrincipals bounds the principals kept per job.
const maxJobPrincipals = 8

// record counts one finished request.
func (s *Server) record(ri *requestInfo, status int, wallNow time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &s.counters
	c.requests++
	c.byStatus[status]++
	throttled := status == http.StatusTooManyRequests
	if throttled {
		c.throttled++
	}
	ks, ok := c.keys[ri.accessKey]
	if !ok && len(c.keys) < s.cfg.MaxTrackedKeys {
		ks = &KeyStats{}
		c.keys[ri.accessKey] = ks
	}
	if ks != nil {
		ks.Requests++
		if throttled {
			ks.Throttled++
		}
		if ri.authFailed {
			ks.AuthFailures++
		}
	} else {
		c.untrackedKeys++
	}
	if !ri.routed {
		return
	}
	k := jobKey{ri.projectID, ri.jobID}
	j := s.jobs[k]
	if j == nil {
		j = s.retired[k]
	}
	if j == nil {
		c.unknownJobs++
		return
	}
	j.stats.requests++
	j.stats.lastRequestAt = wallNow
	if p := ri.principal; p != "" && !ri.authFailed && !slices.Contains(j.stats.principals, p) && len(j.stats.principals) < maxJobPrincipals {
		j.stats.principals = append(j.stats.principals, p)
	}
	if throttled {
		j.stats.throttled++
	}
}

// Stats returns a copy of the counts.
func (s *Server) Stats() Stats {
	simNow := s.clock.simNow()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &s.counters
	st := Stats{
		Since:                c.since,
		Requests:             c.requests,
		Throttled:            c.throttled,
		ByStatus:             make(map[int]int64, len(c.byStatus)),
		AccessKeys:           make(map[string]KeyStats, len(c.keys)),
		UntrackedKeyRequests: c.untrackedKeys,
		UnknownJobRequests:   c.unknownJobs,
		Jobs:                 make([]JobStats, 0, len(s.jobs)+len(s.retired)),
	}
	for code, n := range c.byStatus {
		st.ByStatus[code] = n
	}
	for k, v := range c.keys {
		v := *v
		v.Locked = s.auth.locked(k, simNow)
		st.AccessKeys[k] = v
	}
	for _, j := range s.jobs {
		st.Jobs = append(st.Jobs, s.jobStats(j, simNow))
	}
	for _, j := range s.retired {
		st.Jobs = append(st.Jobs, s.jobStats(j, simNow))
	}
	slices.SortFunc(st.Jobs, func(a, b JobStats) int {
		if c := strings.Compare(a.ProjectID, b.ProjectID); c != 0 {
			return c
		}
		return strings.Compare(a.JobID, b.JobID)
	})
	return st
}

func (s *Server) jobStats(j *job, simNow time.Time) JobStats {
	tl := j.timeline()
	js := JobStats{
		Service:   j.spec.Service,
		ProjectID: j.spec.ProjectID,
		JobID:     j.spec.JobID,
		Requests:  j.stats.requests,
		Throttled: j.stats.throttled,
		Removed:   !j.removedAt.IsZero(),
		// The principals whose keys polled the job: "key:{access key}" for
		// configured keys, "idp:{id}", "agency:{domain}/{name}" or "node" for
		// issued ones.
		Principals: slices.Sorted(slices.Values(j.stats.principals)),
	}
	if !js.Removed {
		js.State = spelling[j.spec.Service].say(j.stateString(tl, tl.phaseAt(simNow)))
	}
	if end, ok := j.endedBy(tl, simNow); ok {
		wall := s.clock.wall(end)
		js.FinalState = spelling[j.spec.Service].say(j.finalState(tl))
		js.EndedAt, js.SimEndedAt = &wall, &end
	}
	js.FinalServedAt = timePtr(j.stats.finalServedAt)
	js.LastRequestAt = timePtr(j.stats.lastRequestAt)
	return js
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ResetStats zeroes every counter. Jobs keep their end times, which are
// facts of the script, not counts.
func (s *Server) ResetStats() {
	now := s.clock.wallNow()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counters = newCounters(now)
	for _, j := range s.jobs {
		j.stats = jobCounters{}
	}
	for _, j := range s.retired {
		j.stats = jobCounters{}
	}
}
