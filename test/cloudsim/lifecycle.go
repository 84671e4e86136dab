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
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Service names a cloud service whose job API the simulator serves. What
// differs per service (path, states, body shape, errors) is its row in
// services (services.go).
type Service string

func (s Service) valid() bool {
	_, ok := services[s]
	return ok
}

// Outcome is how a scripted job or sub-job ends.
type Outcome string

// Outcomes a job can be scripted to reach.
const (
	OutcomeSuccess Outcome = "SUCCESS"
	OutcomeFail    Outcome = "FAIL"
)

// PaymentResolution says how a PENDING_PAYMENT phase ends.
type PaymentResolution string

// Payment resolutions. An empty resolution waits for the admin API.
const (
	PaymentPaid      PaymentResolution = "paid"
	PaymentCancelled PaymentResolution = "cancelled"
)

// Job states as the real APIs spell them.
const (
	StateInit           = "INIT"
	StateRunning        = "RUNNING"
	StateSuccess        = "SUCCESS"
	StateFail           = "FAIL"
	StatePendingPayment = "PENDING_PAYMENT"
	StateRollingBack    = "ROLLBACKING"
)

// Resources are the ids a job or sub-job reports. Each service shows the ones
// its real API shows: BMS/ECS/VPC server_id and nic_id, EVS volume_id, IMS
// image_id, ELB v3 resource_id/resource_type, CCE clusterUID, resourceID and
// resourceName, the database family's instance, CBR's resource and backup.
type Resources struct {
	ServerID     string `json:"serverId,omitempty"`
	NICID        string `json:"nicId,omitempty"`
	VolumeID     string `json:"volumeId,omitempty"`
	ImageID      string `json:"imageId,omitempty"`
	ImageName    string `json:"imageName,omitempty"`
	ResourceID   string `json:"resourceId,omitempty"`
	ResourceType string `json:"resourceType,omitempty"`
	// ResourceName names the resource (CCE spec.resourceName, CBR).
	ResourceName string `json:"resourceName,omitempty"`
	// InstanceID is the database instance (RDS family, DDM).
	InstanceID string `json:"instanceId,omitempty"`
	// ClusterID is the CCE cluster (spec.clusterUID).
	ClusterID string `json:"clusterId,omitempty"`
	// BackupID is the CBR backup.
	BackupID string `json:"backupId,omitempty"`
}

// PaymentSpec scripts a yearly/monthly order that must be paid before the
// job starts.
type PaymentSpec struct {
	// After is how long the job stays PENDING_PAYMENT before Resolution
	// happens. Ignored when Resolution is empty.
	After Duration `json:"after,omitempty"`
	// Resolution is paid, cancelled, or empty to stay pending until the
	// admin API pays or cancels.
	Resolution PaymentResolution `json:"resolution,omitempty"`
	// ErrorCode and FailReason are reported when the order is cancelled;
	// FailReason defaults to a payment-cancelled message.
	ErrorCode  string `json:"errorCode,omitempty"`
	FailReason string `json:"failReason,omitempty"`
	// Retention of a cancelled job; defaults to Config.CancelledRetention
	// (14 days, as ECS documents).
	Retention *Duration `json:"retention,omitempty"`
	// DueAfter is how long after the order was placed it must be paid, shown
	// by bss as pending_payment_end_time; defaults to 7 days. The simulator
	// does not cancel the order when it passes.
	DueAfter *Duration `json:"dueAfter,omitempty"`
}

// SubJobSpec scripts one sub-job. Sub-jobs are listed once the parent
// leaves INIT; each stays INIT for Delay after that, RUNNING for Running,
// then reaches its outcome.
type SubJobSpec struct {
	JobID      string          `json:"jobId,omitempty"` // generated when empty
	JobType    string          `json:"jobType,omitempty"`
	Delay      Duration        `json:"delay,omitempty"`
	Running    Duration        `json:"running,omitempty"`
	Outcome    Outcome         `json:"outcome,omitempty"` // SUCCESS when empty
	ErrorCode  string          `json:"errorCode,omitempty"`
	FailReason string          `json:"failReason,omitempty"`
	Resources  Resources       `json:"resources,omitzero"`
	Entities   json.RawMessage `json:"entities,omitempty"` // free-form object merged into the entities
	// SubJobs nest: CCE lists a node pool's CreateNode jobs with their own
	// InstallNode steps. Other shapes show only the first level.
	SubJobs []SubJobSpec `json:"subJobs,omitempty"`
}

// JobSpec scripts one simulated job.
type JobSpec struct {
	Service Service `json:"service"`
	// ProjectID is the project owning the job, or for geip the account
	// (domain) id.
	ProjectID string `json:"projectId"`
	// InstanceID is the instance (DMS) or engine (CSE) the job is found
	// under; those services require it, others refuse it.
	InstanceID string `json:"instanceId,omitempty"`
	// EnvironmentID is the CAE environment, which requests must name in
	// X-Environment-ID; CAE requires it, others refuse it.
	EnvironmentID string `json:"environmentId,omitempty"`
	// JobID is generated (32 hex characters, from the seeded source) when
	// empty in the admin API; scenario files must name their jobs.
	JobID   string `json:"jobId,omitempty"`
	JobType string `json:"jobType,omitempty"` // a service default when empty

	// StartOffset moves the job's clock start relative to the moment it is
	// added: negative means it began in the past (and may already have
	// finished), positive means it appears later and is unknown until then.
	StartOffset Duration `json:"startOffset,omitempty"`

	Payment *PaymentSpec `json:"payment,omitempty"`

	Init    Duration `json:"init,omitempty"`    // time in INIT
	Running Duration `json:"running,omitempty"` // time in RUNNING; at least until the last sub-job ends
	// RollingBack is time spent in ROLLBACKING between RUNNING and the final
	// state, as ELB v3 reports for jobs it undoes.
	RollingBack Duration `json:"rollingBack,omitempty"`

	// Outcome defaults to FAIL when a sub-job fails (taking its error code
	// and reason when the job names none), SUCCESS otherwise.
	Outcome    Outcome `json:"outcome,omitempty"`
	ErrorCode  string  `json:"errorCode,omitempty"`
	FailReason string  `json:"failReason,omitempty"`
	// FinalState replaces the rendered final status string, e.g. COMPLETE,
	// ROLLBACK_FAIL or CANCEL for ELB v3, or an unknown state to test
	// lenient clients. Outcome still decides whether error fields are set.
	FinalState string `json:"finalState,omitempty"`

	// Retention is how long a finished job stays queryable; defaults to
	// Config.Retention (one day, as ECS documents).
	Retention *Duration `json:"retention,omitempty"`

	Resources Resources `json:"resources,omitzero"`
	// OrderResources are what a bss order produces, listed by the resource
	// query from ResourcesAfter after the order completed; one main
	// hws.resource.type.vm named after the order when empty.
	OrderResources []OrderResource `json:"orderResources,omitempty"`
	ResourcesAfter Duration        `json:"resourcesAfter,omitempty"`
	// Entities is a free-form object: the whole entities of a classic ELB
	// job (e.g. {"elb":{...}}), merged into the entities of other shapes.
	Entities json.RawMessage `json:"entities,omitempty"`
	SubJobs  []SubJobSpec    `json:"subJobs,omitempty"`
}

// OrderResource is one resource of a bss order.
type OrderResource struct {
	ID   string `json:"id"`
	Type string `json:"type,omitempty"` // hws.resource.type.vm when empty
	Name string `json:"name,omitempty"`
	// Main resources are the order's own; others name their ParentID.
	Main     bool   `json:"main,omitempty"`
	ParentID string `json:"parentId,omitempty"`
}

// maxIDLength bounds ids so one request cannot grow the stats without limit.
const maxIDLength = 128

func validID(field, id string) error {
	if id == "" {
		return fmt.Errorf("%s is required", field)
	}
	if len(id) > maxIDLength {
		return fmt.Errorf("%s is longer than %d characters", field, maxIDLength)
	}
	if strings.ContainsAny(id, "/?#%") || strings.IndexFunc(id, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return fmt.Errorf("%s %q must be one URL path segment without spaces, '/', '?', '#' or '%%'", field, id)
	}
	return nil
}

func validEntities(raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return errors.New("entities must be a JSON object")
	}
	return nil
}

func validOutcome(o Outcome) error {
	switch o {
	case "", OutcomeSuccess, OutcomeFail:
		return nil
	}
	return fmt.Errorf("outcome %q must be SUCCESS or FAIL", o)
}

func nonNegative(name string, d Duration) error {
	if d < 0 {
		return fmt.Errorf("%s %s is negative", name, d)
	}
	return nil
}

// validate checks a spec; requireJobID is set for scenario files, where
// every job must be named so tests and demos can refer to it.
func (s *JobSpec) validate(requireJobID bool) error {
	if !s.Service.valid() {
		names := make([]string, len(Services))
		for i, v := range Services {
			names[i] = string(v)
		}
		return fmt.Errorf("unknown service %q (known: %s)", s.Service, strings.Join(names, ", "))
	}
	if err := validID("projectId", s.ProjectID); err != nil {
		return err
	}
	info := services[s.Service]
	for _, id := range []struct {
		field, value string
		needed       bool
	}{{"instanceId", s.InstanceID, info.needsInstance}, {"environmentId", s.EnvironmentID, info.needsEnvironment}} {
		switch {
		case id.needed:
			if err := validID(id.field, id.value); err != nil {
				return fmt.Errorf("service %s: %w", s.Service, err)
			}
		case id.value != "":
			return fmt.Errorf("%s is not used by service %s", id.field, s.Service)
		}
	}
	if s.JobID != "" || requireJobID {
		if err := validID("jobId", s.JobID); err != nil {
			return err
		}
	}
	for _, d := range []struct {
		name string
		v    Duration
	}{{"init", s.Init}, {"running", s.Running}, {"rollingBack", s.RollingBack}} {
		if err := nonNegative(d.name, d.v); err != nil {
			return err
		}
	}
	if s.Retention != nil {
		if err := nonNegative("retention", *s.Retention); err != nil {
			return err
		}
	}
	if err := validOutcome(s.Outcome); err != nil {
		return err
	}
	if err := validEntities(s.Entities); err != nil {
		return err
	}
	if s.Service == ServiceELBv3 && len(s.Entities) > 0 {
		return errors.New("entities is not part of the elbv3 shape; use resources.resourceId")
	}
	if err := s.validateOrder(); err != nil {
		return err
	}
	if p := s.Payment; p != nil {
		switch p.Resolution {
		case "", PaymentPaid, PaymentCancelled:
		default:
			return fmt.Errorf("payment.resolution %q must be paid, cancelled or empty", p.Resolution)
		}
		if err := nonNegative("payment.after", p.After); err != nil {
			return err
		}
		if p.Retention != nil {
			if err := nonNegative("payment.retention", *p.Retention); err != nil {
				return err
			}
		}
	}
	return validateSubJobs(s.SubJobs, "subJobs", map[string]bool{})
}

// validateOrder checks the fields only bss orders have.
func (s *JobSpec) validateOrder() error {
	if s.Service != ServiceBSS {
		if len(s.OrderResources) > 0 || s.ResourcesAfter != 0 || s.Payment != nil && s.Payment.DueAfter != nil {
			return fmt.Errorf("orderResources, resourcesAfter and payment.dueAfter are for service bss only, not %s", s.Service)
		}
		return nil
	}
	if len(s.SubJobs) > 0 {
		return errors.New("an order (service bss) has no subJobs; script its orderResources")
	}
	if err := nonNegative("resourcesAfter", s.ResourcesAfter); err != nil {
		return err
	}
	if s.Payment != nil && s.Payment.DueAfter != nil {
		if err := nonNegative("payment.dueAfter", *s.Payment.DueAfter); err != nil {
			return err
		}
	}
	for i, r := range s.OrderResources {
		if err := validID(fmt.Sprintf("orderResources[%d].id", i), r.ID); err != nil {
			return err
		}
	}
	return nil
}

// validateSubJobs checks sub-jobs of every depth; ids must differ across all
// of them.
func validateSubJobs(subs []SubJobSpec, path string, seen map[string]bool) error {
	for i, sj := range subs {
		prefix := fmt.Sprintf("%s[%d]", path, i)
		if sj.JobID != "" {
			if err := validID(prefix+".jobId", sj.JobID); err != nil {
				return err
			}
			if seen[sj.JobID] {
				return fmt.Errorf("%s.jobId %q is used twice", prefix, sj.JobID)
			}
			seen[sj.JobID] = true
		}
		if err := nonNegative(prefix+".delay", sj.Delay); err != nil {
			return err
		}
		if err := nonNegative(prefix+".running", sj.Running); err != nil {
			return err
		}
		if err := validOutcome(sj.Outcome); err != nil {
			return fmt.Errorf("%s: %w", prefix, err)
		}
		if err := validEntities(sj.Entities); err != nil {
			return fmt.Errorf("%s: %w", prefix, err)
		}
		if err := validateSubJobs(sj.SubJobs, prefix+".subJobs", seen); err != nil {
			return err
		}
	}
	return nil
}

// normalize fills defaults that do not depend on the server. Ids are filled
// by the server, which owns the seeded random source.
func (s *JobSpec) normalize() {
	if s.JobType == "" {
		s.JobType = services[s.Service].defaultJobType
	}
	if s.Service == ServiceBSS && len(s.OrderResources) == 0 && s.JobID != "" {
		s.OrderResources = []OrderResource{{ID: s.JobID + "-vm", Main: true}}
	}
	for i := range s.OrderResources {
		if s.OrderResources[i].Type == "" {
			s.OrderResources[i].Type = "hws.resource.type.vm"
		}
	}
	lastSubEnd, firstFailed := normalizeSubJobs(s.SubJobs, s.JobType)
	// A parent cannot finish before its sub-jobs: it runs at least until
	// the last one ends.
	if s.Running < lastSubEnd {
		s.Running = lastSubEnd
	}
	if s.Outcome == "" {
		s.Outcome = OutcomeSuccess
		if firstFailed != nil {
			s.Outcome = OutcomeFail
			if s.ErrorCode == "" && s.FailReason == "" {
				s.ErrorCode, s.FailReason = firstFailed.ErrorCode, firstFailed.FailReason
			}
		}
	}
}

// normalizeSubJobs fills the defaults of sub-jobs of every depth. It returns
// when the last of them ends (from the parent's start of work) and the first
// failed one that says why. A sub-job runs at least until its own sub-jobs end,
// and fails when one of them does.
func normalizeSubJobs(subs []SubJobSpec, parentType string) (lastEnd Duration, firstFailed *SubJobSpec) {
	for i := range subs {
		sj := &subs[i]
		if sj.JobType == "" {
			sj.JobType = subJobType(parentType)
		}
		childEnd, childFailed := normalizeSubJobs(sj.SubJobs, sj.JobType)
		if childEnd > sj.Delay+sj.Running {
			sj.Running = childEnd - sj.Delay
		}
		if sj.Outcome == "" {
			sj.Outcome = OutcomeSuccess
			if childFailed != nil {
				sj.Outcome = OutcomeFail
			}
		}
		if end := sj.Delay + sj.Running; end > lastEnd {
			lastEnd = end
		}
		if childFailed != nil && firstFailed == nil {
			firstFailed = childFailed
		}
		if sj.Outcome == OutcomeFail && firstFailed == nil {
			firstFailed = sj
		}
	}
	return lastEnd, firstFailed
}

// subJobType derives a sub-job type the way BMS names them
// (baremetalBatchCreate -> baremetalSingleCreate).
func subJobType(parent string) string {
	if strings.Contains(parent, "Batch") {
		return strings.Replace(parent, "Batch", "Single", 1)
	}
	return parent
}

// phase is where a job is in its scripted life.
type phase int

const (
	phaseNotYet phase = iota // the job's clock has not started: unknown to the API
	phasePendingPayment
	phaseInit
	phaseRunning
	phaseRollingBack
	phaseEnded
	phaseExpired // retention is over: unknown to the API again
)

// job is one simulated job: its normalized spec and the instants that
// drive it, all in simulated time.
type job struct {
	spec  JobSpec
	added time.Time
	begin time.Time

	// manual payment resolution by the admin API; zero when none.
	manualAt        time.Time
	manualCancelled bool

	retention          time.Duration
	cancelledRetention time.Duration

	// removedAt is set when the job is deleted or expires; a job removed
	// before it ended never ends.
	removedAt time.Time

	stats jobCounters
}

// timeline is a job's schedule as far as it is decided.
type timeline struct {
	begin     time.Time
	resolved  bool // no payment, or the payment was resolved
	cancelled bool
	start     time.Time // INIT starts (or the order was cancelled)
	runStart  time.Time
	runEnd    time.Time
	end       time.Time // the final state is reached
	expires   time.Time
}

func (j *job) paymentResolution() (at time.Time, cancelled, resolved bool) {
	p := j.spec.Payment
	if p == nil {
		return j.begin, false, true
	}
	if !j.manualAt.IsZero() {
		return j.manualAt, j.manualCancelled, true
	}
	if p.Resolution == "" {
		return time.Time{}, false, false
	}
	return j.begin.Add(p.After.D()), p.Resolution == PaymentCancelled, true
}

func (j *job) timeline() timeline {
	tl := timeline{begin: j.begin}
	at, cancelled, resolved := j.paymentResolution()
	if !resolved {
		return tl
	}
	tl.resolved, tl.cancelled, tl.start = true, cancelled, at
	if cancelled {
		tl.end = at
		retention := j.cancelledRetention
		if j.spec.Payment.Retention != nil {
			retention = j.spec.Payment.Retention.D()
		}
		tl.expires = tl.end.Add(retention)
		return tl
	}
	tl.runStart = tl.start.Add(j.spec.Init.D())
	tl.runEnd = tl.runStart.Add(j.spec.Running.D())
	tl.end = tl.runEnd.Add(j.spec.RollingBack.D())
	tl.expires = tl.end.Add(j.retention)
	return tl
}

// phaseAt is the job's phase at simulated time t.
func (tl timeline) phaseAt(t time.Time) phase {
	switch {
	case t.Before(tl.begin):
		return phaseNotYet
	case !tl.resolved || t.Before(tl.start):
		return phasePendingPayment
	case tl.cancelled:
		if t.Before(tl.expires) {
			return phaseEnded
		}
		return phaseExpired
	case t.Before(tl.runStart):
		return phaseInit
	case t.Before(tl.runEnd):
		return phaseRunning
	case t.Before(tl.end):
		return phaseRollingBack
	case t.Before(tl.expires):
		return phaseEnded
	default:
		return phaseExpired
	}
}

// finalState is the status string of the ended job.
func (j *job) finalState(tl timeline) string {
	if tl.cancelled {
		return StateFail
	}
	if j.spec.FinalState != "" {
		return j.spec.FinalState
	}
	return string(j.spec.Outcome)
}

// failed reports whether the ended job carries error fields.
func (j *job) failed(tl timeline) bool {
	return tl.cancelled || j.spec.Outcome == OutcomeFail
}

// errorFields are the error code and reason of the ended job.
func (j *job) errorFields(tl timeline) (code, reason string) {
	if tl.cancelled {
		p := j.spec.Payment
		reason = p.FailReason
		if reason == "" {
			reason = "payment cancelled: the yearly/monthly order was cancelled before it was paid"
		}
		return p.ErrorCode, reason
	}
	return j.spec.ErrorCode, j.spec.FailReason
}

// stateString is the status the API reports in phase ph.
func (j *job) stateString(tl timeline, ph phase) string {
	switch ph {
	case phasePendingPayment:
		return StatePendingPayment
	case phaseInit:
		return StateInit
	case phaseRunning:
		return StateRunning
	case phaseRollingBack:
		return StateRollingBack
	case phaseEnded:
		return j.finalState(tl)
	}
	return ""
}

// endedBy reports whether the job had reached its final state by simulated
// time t, and when. A job removed before its end never ends.
func (j *job) endedBy(tl timeline, t time.Time) (time.Time, bool) {
	if !tl.resolved || tl.end.After(t) {
		return time.Time{}, false
	}
	if !j.removedAt.IsZero() && tl.end.After(j.removedAt) {
		return time.Time{}, false
	}
	return tl.end, true
}

// subJobView is one sub-job at a given instant.
type subJobView struct {
	spec  *SubJobSpec
	state string
	begin time.Time
	end   time.Time // zero while not ended
	subs  []subJobView
}

// subJobsAt lists the sub-jobs visible at t: none before the parent runs
// (the parent creates them when it starts working) and none for a
// cancelled order.
func (j *job) subJobsAt(tl timeline, t time.Time) []subJobView {
	if len(j.spec.SubJobs) == 0 || !tl.resolved || tl.cancelled || t.Before(tl.runStart) {
		return nil
	}
	return subJobViews(j.spec.SubJobs, tl.runStart, t)
}

// subJobViews shows sub-jobs of every depth at t; each is timed from the
// moment the parent job started working.
func subJobViews(subs []SubJobSpec, runStart, t time.Time) []subJobView {
	out := make([]subJobView, len(subs))
	for i := range subs {
		sj := &subs[i]
		start := runStart.Add(sj.Delay.D())
		end := start.Add(sj.Running.D())
		v := subJobView{spec: sj, begin: runStart}
		switch {
		case t.Before(start):
			v.state = StateInit
		case t.Before(end):
			v.state = StateRunning
		default:
			v.state, v.end = string(sj.Outcome), end
		}
		if len(sj.SubJobs) > 0 && !t.Before(start) {
			v.subs = subJobViews(sj.SubJobs, runStart, t)
		}
		out[i] = v
	}
	return out
}

// progress is the fraction of the RUNNING phase done at t, for IMS's
// process_percent.
func (tl timeline) progress(t time.Time) float64 {
	if !tl.resolved || t.Before(tl.runStart) {
		return 0
	}
	if !t.Before(tl.runEnd) {
		return 1
	}
	total := tl.runEnd.Sub(tl.runStart)
	return float64(t.Sub(tl.runStart)) / float64(total)
}
