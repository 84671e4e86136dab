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
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// JobInfo is a job as the admin API and the Go API show it.
type JobInfo struct {
	// Spec is the normalized script: ids filled, defaults applied.
	Spec JobSpec `json:"spec"`
	// Phase is one of notStarted, pendingPayment, init, running,
	// rollingBack, ended, expired, deleted.
	Phase string `json:"phase"`
	// State is the status the job API reports now; empty when the job is
	// not visible.
	State string `json:"state"`
	// AddedAt and BeginAt are simulated times; BeginAt is the begin_time.
	AddedAt time.Time `json:"addedAt"`
	BeginAt time.Time `json:"beginAt"`
	// EndsAt and ExpiresAt are simulated times, known once any payment is
	// resolved.
	EndsAt    *time.Time `json:"endsAt,omitempty"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	// EndedAt is the wall-clock time the job reached its final state.
	EndedAt *time.Time `json:"endedAt,omitempty"`
}

func (p phase) String() string {
	return [...]string{"notStarted", "pendingPayment", "init", "running", "rollingBack", "ended", "expired"}[p]
}

func (s *Server) info(j *job, simNow time.Time) JobInfo {
	tl := j.timeline()
	ph := tl.phaseAt(simNow)
	in := JobInfo{Spec: j.spec, Phase: ph.String(), AddedAt: j.added, BeginAt: j.begin}
	switch {
	case !j.removedAt.IsZero() && ph != phaseExpired:
		in.Phase = "deleted"
	default:
		in.State = spelling[j.spec.Service].say(j.stateString(tl, ph))
	}
	if tl.resolved {
		end, expires := tl.end, tl.expires
		in.EndsAt, in.ExpiresAt = &end, &expires
	}
	if end, ok := j.endedBy(tl, simNow); ok {
		wall := s.clock.wall(end)
		in.EndedAt = &wall
	}
	return in
}

// AddJobs adds jobs whose clocks start now (plus each StartOffset). Either
// all are added or, on the first invalid or duplicate spec, none.
func (s *Server) AddJobs(specs ...JobSpec) ([]JobInfo, error) {
	return s.addJobs(specs, false)
}

func (s *Server) addJobs(specs []JobSpec, requireJobID bool) ([]JobInfo, error) {
	prepared := make([]JobSpec, len(specs))
	for i, spec := range specs {
		if err := spec.validate(requireJobID); err != nil {
			return nil, fmt.Errorf("job %d%s: %w", i, describe(spec), err)
		}
		spec = cloneSpec(spec)
		if spec.JobID == "" {
			spec.JobID = s.newID()
		}
		for k := range spec.SubJobs {
			if spec.SubJobs[k].JobID == "" {
				spec.SubJobs[k].JobID = s.newID()
			}
		}
		spec.normalize()
		prepared[i] = spec
	}
	simNow := s.clock.simNow()
	s.mu.Lock()
	defer s.mu.Unlock()
	batch := map[jobKey]bool{}
	for i, spec := range prepared {
		k := jobKey{spec.ProjectID, spec.JobID}
		if _, ok := s.jobs[k]; ok || batch[k] {
			return nil, fmt.Errorf("job %d (%s/%s): %w", i, spec.ProjectID, spec.JobID, ErrJobExists)
		}
		batch[k] = true
	}
	if len(s.jobs)+len(prepared) > s.cfg.MaxJobs {
		s.sweepLocked(simNow)
		if len(s.jobs)+len(prepared) > s.cfg.MaxJobs {
			return nil, fmt.Errorf("%w (%d jobs)", ErrTooManyJobs, s.cfg.MaxJobs)
		}
	}
	out := make([]JobInfo, len(prepared))
	for i, spec := range prepared {
		k := jobKey{spec.ProjectID, spec.JobID}
		delete(s.retired, k) // a re-added id starts a fresh record
		j := &job{
			spec:               spec,
			added:              simNow,
			begin:              simNow.Add(spec.StartOffset.D()),
			retention:          s.cfg.Retention,
			cancelledRetention: s.cfg.CancelledRetention,
		}
		if spec.Retention != nil {
			j.retention = spec.Retention.D()
		}
		s.jobs[k] = j
		out[i] = s.info(j, simNow)
	}
	return out, nil
}

func describe(spec JobSpec) string {
	if spec.ProjectID == "" && spec.JobID == "" {
		return ""
	}
	return fmt.Sprintf(" (%s/%s)", spec.ProjectID, spec.JobID)
}

// cloneSpec copies the slices and raw JSON of a spec so later changes by
// the caller do not reach the running job.
func cloneSpec(s JobSpec) JobSpec {
	s.Entities = slices.Clone(s.Entities)
	s.OrderResources = slices.Clone(s.OrderResources)
	s.SubJobs = slices.Clone(s.SubJobs)
	for i := range s.SubJobs {
		s.SubJobs[i].Entities = slices.Clone(s.SubJobs[i].Entities)
	}
	if s.Payment != nil {
		p := *s.Payment
		s.Payment = &p
	}
	if s.Retention != nil {
		r := *s.Retention
		s.Retention = &r
	}
	return s
}

// Jobs lists the jobs held now, sorted by project and id. Expired jobs are
// dropped from the store first.
func (s *Server) Jobs() []JobInfo {
	simNow := s.clock.simNow()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked(simNow)
	out := make([]JobInfo, 0, len(s.jobs))
	for _, j := range s.jobs {
		out = append(out, s.info(j, simNow))
	}
	slices.SortFunc(out, func(a, b JobInfo) int {
		if c := strings.Compare(a.Spec.ProjectID, b.Spec.ProjectID); c != 0 {
			return c
		}
		return strings.Compare(a.Spec.JobID, b.Spec.JobID)
	})
	return out
}

// Job returns one held job.
func (s *Server) Job(projectID, jobID string) (JobInfo, error) {
	simNow := s.clock.simNow()
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.liveLocked(projectID, jobID, simNow)
	if err != nil {
		return JobInfo{}, err
	}
	return s.info(j, simNow), nil
}

// DeleteJob removes a job now; it answers "invalid JobId" from then on.
func (s *Server) DeleteJob(projectID, jobID string) error {
	simNow := s.clock.simNow()
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.liveLocked(projectID, jobID, simNow)
	if err != nil {
		return err
	}
	s.retireLocked(j, simNow)
	return nil
}

// Pay resolves a pending payment now: the job goes on to INIT.
func (s *Server) Pay(projectID, jobID string) (JobInfo, error) {
	return s.resolvePayment(projectID, jobID, false)
}

// CancelPayment cancels a pending order now: the job fails and is kept for
// the cancelled retention.
func (s *Server) CancelPayment(projectID, jobID string) (JobInfo, error) {
	return s.resolvePayment(projectID, jobID, true)
}

func (s *Server) resolvePayment(projectID, jobID string, cancel bool) (JobInfo, error) {
	simNow := s.clock.simNow()
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.liveLocked(projectID, jobID, simNow)
	if err != nil {
		return JobInfo{}, err
	}
	if j.timeline().phaseAt(simNow) != phasePendingPayment {
		return JobInfo{}, ErrNotPendingPayment
	}
	j.manualAt, j.manualCancelled = simNow, cancel
	return s.info(j, simNow), nil
}

// liveLocked finds a held job, retiring it if its retention is over.
func (s *Server) liveLocked(projectID, jobID string, simNow time.Time) (*job, error) {
	j := s.jobs[jobKey{projectID, jobID}]
	if j == nil {
		return nil, ErrJobNotFound
	}
	if tl := j.timeline(); tl.phaseAt(simNow) == phaseExpired {
		s.retireLocked(j, tl.expires)
		return nil, ErrJobNotFound
	}
	return j, nil
}

// lookup finds the job a job-API request names and renders its view. A job
// is invisible before its clock starts, after its retention, through another
// service's path style, and under another instance or environment.
func (s *Server) lookup(rt route, simNow time.Time) (*job, jobView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.liveLocked(rt.projectID, rt.jobID, simNow)
	if err != nil || !rt.finds(j) || simNow.Before(j.begin) {
		return nil, jobView{}, false
	}
	return j, j.viewAt(simNow), true
}

// markServed notes the first answer that carried a job's final state.
func (s *Server) markServed(j *job, wallNow time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.stats.finalServedAt.IsZero() {
		j.stats.finalServedAt = wallNow
	}
}

// retireLocked moves a job out of the store, keeping its record for the
// stats; the oldest records go first once MaxRetiredJobs is reached.
func (s *Server) retireLocked(j *job, at time.Time) {
	k := jobKey{j.spec.ProjectID, j.spec.JobID}
	delete(s.jobs, k)
	j.removedAt = at
	s.retired[k] = j
	s.retiredOrder = append(s.retiredOrder, j)
	for len(s.retired) > s.cfg.MaxRetiredJobs && len(s.retiredOrder) > 0 {
		old := s.retiredOrder[0]
		s.retiredOrder = s.retiredOrder[1:]
		if ok := s.retiredNow(old); ok {
			delete(s.retired, jobKey{old.spec.ProjectID, old.spec.JobID})
		}
	}
	// A re-added id leaves its old record in the queue; compact the queue
	// when such leftovers pile up so it cannot grow without bound.
	if len(s.retiredOrder) > 2*len(s.retired)+16 {
		kept := s.retiredOrder[:0]
		for _, old := range s.retiredOrder {
			if s.retiredNow(old) {
				kept = append(kept, old)
			}
		}
		s.retiredOrder = kept
	}
}

// retiredNow reports whether j is the retired record of its key.
func (s *Server) retiredNow(j *job) bool {
	return s.retired[jobKey{j.spec.ProjectID, j.spec.JobID}] == j
}

// sweepLocked retires every expired job.
func (s *Server) sweepLocked(simNow time.Time) {
	for _, j := range s.jobs {
		if tl := j.timeline(); tl.phaseAt(simNow) == phaseExpired {
			s.retireLocked(j, tl.expires)
		}
	}
}

// decodeSpecs reads one JobSpec object or a list of them.
func decodeSpecs(data []byte) ([]JobSpec, error) {
	trimmed := strings.TrimSpace(string(data))
	if strings.HasPrefix(trimmed, "[") {
		var specs []JobSpec
		if err := strictJSON([]byte(trimmed), &specs); err != nil {
			return nil, err
		}
		return specs, nil
	}
	var spec JobSpec
	if err := strictJSON([]byte(trimmed), &spec); err != nil {
		return nil, err
	}
	return []JobSpec{spec}, nil
}

func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected data after the JSON value")
	}
	return nil
}
