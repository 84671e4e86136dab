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
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// errJobNotListed: a job API that answers with a list (GeminiDB jobs, DMS
// tasks) did not list the job asked for. The client reports it as NotFound, as
// such APIs answer a job id they do not know (yet) with an empty list.
var errJobNotListed = errors.New("the answer does not list the job")

// fieldShape says where a job API puts each field of a job. Each field has
// dotted paths of object keys ("status.phase"), tried in order until one holds
// a value. It serves the services whose answers share nothing with the v1
// shape; each such adapter is one fieldShape literal.
type fieldShape struct {
	// wrapper is the member holding the job ("job", "data"); the body itself
	// when empty or absent from the body.
	wrapper string
	// list is the member holding a list of jobs of which the answer is one,
	// picked by its id ("jobs", "tasks").
	list string

	id, jobType, state, begin, end, code, reason, progress []string
	// endOnlyWhenFinished: the end field is a last-update time, or is filled
	// while the job runs (the RDS family), so it is an end only once the job
	// finished.
	endOnlyWhenFinished bool
	// entities is the member kept as the job's entities. A JSON string holding
	// an object (DMS params) is read as that object. Members named in
	// entitiesWithout are left out: the progress, which moves on every poll, is
	// in Job.Progress.
	entities        string
	entitiesWithout []string
	// resources fill typed resource ids.
	resources []resourceField
	// typedResource, when set, files the id at typedResourcePath under the
	// kind the job type names (CCE's spec.resourceID).
	typedResource     func(jobType, id string, ids *ResourceIDs)
	typedResourcePath string

	// subJobs is the list of sub-jobs; sub describes their fields, nil for the
	// job's own shape (CCE nests whole jobs).
	subJobs string
	sub     *fieldShape

	states map[string]Phase
}

// resourceField is a path holding a resource id and where it goes.
type resourceField struct {
	path string
	into func(*ResourceIDs) *string
}

// Where the typed resource ids go.
var (
	toInstance     = func(r *ResourceIDs) *string { return &r.InstanceID }
	toCluster      = func(r *ResourceIDs) *string { return &r.ClusterID }
	toServer       = func(r *ResourceIDs) *string { return &r.ServerID }
	toBackup       = func(r *ResourceIDs) *string { return &r.BackupID }
	toResource     = func(r *ResourceIDs) *string { return &r.ResourceID }
	toResourceType = func(r *ResourceIDs) *string { return &r.ResourceType }
	toResourceName = func(r *ResourceIDs) *string { return &r.ResourceName }
)

// shapeAdapter is an Adapter made of a host, a path and a fieldShape.
type shapeAdapter struct {
	host   string
	needs  Needs
	locate func(ref JobRef) Location
	shape  *fieldShape
}

func (a shapeAdapter) Host() string               { return a.host }
func (a shapeAdapter) Needs() Needs               { return a.needs }
func (a shapeAdapter) Locate(ref JobRef) Location { return a.locate(ref) }

func (a shapeAdapter) Decode(body []byte, ref JobRef) (*Job, error) {
	s := a.shape
	b := newEntryBudget()
	top, err := parseNode(body, b, s.readsKey())
	if err != nil {
		return nil, err
	}
	if s.wrapper != "" {
		if raw := top.get(s.wrapper); !isNull(raw) {
			if firstByte(raw) != '{' {
				return nil, fmt.Errorf("%s: got %s, want an object", s.wrapper, jsonKind(raw))
			}
			if top, err = parseNode(raw, b, top.wanted); err != nil {
				return nil, err
			}
		}
	}
	if s.list != "" {
		if top, err = s.pick(top, ref.JobID, b); err != nil {
			return nil, err
		}
	}
	job, err := s.decode(top, 0, b)
	if err != nil {
		return nil, err
	}
	return &job, nil
}

// pick finds the job in a list answer: the entry whose id is jobID, or the
// only entry when entries carry no id. It reads the entries the answer's
// budget b allows; a job not among them, in a list longer than that, is an
// error rather than NotFound, since the list may hold it.
func (s *fieldShape) pick(top *node, jobID string, b *entryBudget) (*node, error) {
	raw := top.get(s.list)
	if isNull(raw) {
		if firstByte(top.get(s.state[0])) != 0 {
			return top, nil // the job itself, unlisted
		}
		return nil, errJobNotListed
	}
	var found, only *node
	entries, unread := 0, 0
	isArray, err := eachEntry(raw, func(_ int, item json.RawMessage) error {
		entries++
		switch {
		case found != nil:
			return nil
		case firstByte(item) != '{':
			return nil
		case !b.take():
			unread++
			return nil
		}
		n, err := parseNode(item, b, top.wanted)
		if err != nil {
			return nil
		}
		switch id := cleanID(s.first(n, s.id)); {
		case id == jobID:
			found = n
		case id == "" && entries == 1:
			only = n
		}
		return nil
	})
	switch {
	case !isArray || err != nil:
		return nil, fmt.Errorf("%s: got %s, want an array", s.list, jsonKind(raw))
	case found != nil:
		return found, nil
	case only != nil && entries == 1:
		return only, nil
	case unread > 0:
		return nil, fmt.Errorf("%s: the answer lists %d entries, of which the operator reads the first %d, and the job is not among them",
			s.list, entries, maxDecodedEntries)
	}
	return nil, errJobNotListed
}

// decode reads one job object, its sub-jobs within the answer's budget b.
func (s *fieldShape) decode(n *node, depth int, b *entryBudget) (Job, error) {
	state, hasState, path, err := s.stateOf(n)
	if err != nil {
		return Job{}, fmt.Errorf("%s: %w", path, err)
	}
	if !hasState && depth == 0 {
		return Job{}, errNoStatus
	}
	state = cleanID(state)
	job := Job{
		JobID:      cleanID(s.first(n, s.id)),
		JobType:    cleanID(s.first(n, s.jobType)),
		State:      state,
		Phase:      jobShape{states: s.states}.phase(state),
		ErrorCode:  cleanID(s.first(n, s.code)),
		FailReason: cleanMessage(s.first(n, s.reason)),
		Progress:   s.progressOf(n),
	}
	job.BeginTime = s.time(n, s.begin, &job)
	if end := s.time(n, s.end, &job); end != nil && (!s.endOnlyWhenFinished || job.Phase.Finished()) {
		job.EndTime = end
	}
	for _, r := range s.resources {
		if dst := r.into(&job.Resources); *dst == "" {
			*dst = cleanID(looseString(n.get(r.path)))
		}
	}
	if s.typedResource != nil {
		s.typedResource(job.JobType, cleanID(looseString(n.get(s.typedResourcePath))), &job.Resources)
	}
	if s.entities != "" {
		job.Entities = entitiesAt(n.get(s.entities), s.entitiesWithout, b)
	}
	if s.subJobs != "" && depth < maxSubJobDepth {
		sub := s.sub
		if sub == nil {
			sub = s
		}
		err = job.decodeSubJobs(n.get(s.subJobs), s.subJobs, b, func(item json.RawMessage) (Job, error) {
			n, err := parseNode(item, b, n.wanted)
			if err != nil {
				return Job{}, err
			}
			return sub.decode(n, depth+1, b)
		})
		if err != nil {
			return Job{}, err
		}
	}
	if job.Phase == PhaseFailed && job.FailReason == "" && job.ErrorCode == "" {
		// CAE and CCE tell why a job failed in the failed task or sub-job.
		if f := firstFailed(job.SubJobs); f != nil {
			job.ErrorCode, job.FailReason = f.ErrorCode, f.FailReason
		}
	}
	return job, nil
}

// firstFailed is the first failed job of a tree, depth first, that says why.
func firstFailed(jobs []Job) *Job {
	for i := range jobs {
		if jobs[i].Phase != PhaseFailed {
			continue
		}
		if f := firstFailed(jobs[i].SubJobs); f != nil {
			return f
		}
		if jobs[i].FailReason != "" || jobs[i].ErrorCode != "" {
			return &jobs[i]
		}
	}
	return nil
}

// stateOf reads the state: the first of the state paths present, which must
// hold a string.
func (s *fieldShape) stateOf(n *node) (state string, present bool, path string, err error) {
	for _, p := range s.state {
		raw := n.get(p)
		if isNull(raw) {
			continue
		}
		state, present, err = jsonString(raw)
		return state, present, p, err
	}
	return "", false, s.state[0], nil
}

// first is the text of the first path that holds a non-empty value.
func (s *fieldShape) first(n *node, paths []string) string {
	for _, p := range paths {
		if v := looseString(n.get(p)); strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// time reads the first path holding a time, noting unreadable text in the job.
func (s *fieldShape) time(n *node, paths []string, job *Job) *time.Time {
	for _, p := range paths {
		if raw := n.get(p); !isNull(raw) && strings.TrimSpace(looseString(raw)) != "" {
			return job.readTime(p, raw)
		}
	}
	return nil
}

func (s *fieldShape) progressOf(n *node) *int {
	for _, p := range s.progress {
		if v, ok := parseProgress(n.get(p)); ok {
			return v
		}
	}
	return nil
}

// readTime parses a time field, noting text it cannot read in UnreadTimes.
func (job *Job) readTime(name string, raw json.RawMessage) *time.Time {
	text := looseString(raw)
	t := parseTime(text)
	if t == nil && !unsetTime(text) {
		job.UnreadTimes = append(job.UnreadTimes, fmt.Sprintf("%s=%q", name, cleanText(text, 64)))
	}
	return t
}

// unsetTime: text that says "no time" rather than a time the parser missed.
func unsetTime(text string) bool {
	switch strings.TrimSpace(text) {
	case "", "0", "null", "0001-01-01T00:00:00Z", "0000-00-00 00:00:00":
		return true
	}
	return false
}

// parseProgress reads a percentage: 60, "60", "60%", 60.5. "" and values out
// of 0-100 are no progress.
func parseProgress(raw json.RawMessage) (*int, bool) {
	f, ok := floatText(strings.TrimSuffix(strings.TrimSpace(looseString(raw)), "%"))
	if !ok || f < 0 || f > 100 {
		return nil, false
	}
	return percent(f), true
}

// percent rounds a percentage down to a whole number.
func percent(f float64) *int {
	p := int(math.Floor(f))
	return &p
}

// looseFloat reads a number given as a number or a string holding one.
func looseFloat(raw json.RawMessage) (float64, bool) { return floatText(looseString(raw)) }

// floatText reads a finite number from text, spaces around it forgiven.
func floatText(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// entitiesAt keeps an object (or a JSON string holding one) as entities,
// without the members named, compacted; nil for anything else, for an empty
// object and for one of more members than the answer's budget b lets it decode
// (left out rather than cut, as status leaves out entities too large to keep).
func entitiesAt(raw json.RawMessage, without []string, b *entryBudget) json.RawMessage {
	if firstByte(raw) == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil
		}
		raw = json.RawMessage(s)
	}
	fields, skipped, ok := readObject(raw, b, nil)
	if !ok || skipped > 0 {
		return nil
	}
	for _, k := range without {
		delete(fields, k)
	}
	if len(fields) == 0 {
		return nil
	}
	out, err := json.Marshal(fields) // sorted keys, compacted values
	if err != nil {
		return nil
	}
	return out
}

// node is a JSON object whose members are parsed when first asked for. It
// holds the members the answer's budget lets it decode and, past the budget,
// those the shape reads (wanted), so that junk members neither cost memory
// nor hide a member the shape reads.
type node struct {
	fields map[string]json.RawMessage
	kids   map[string]*node
	budget *entryBudget
	wanted func(key []byte) bool
}

func parseNode(raw []byte, b *entryBudget, wanted func(key []byte) bool) (*node, error) {
	fields, _, ok := readObject(raw, b, wanted)
	if !ok {
		return nil, errors.New("job is not a JSON object")
	}
	return &node{fields: fields, budget: b, wanted: wanted}, nil
}

// readsKey reports whether a key is a step of a path the shape (or a shape of
// its sub-jobs) reads.
func (s *fieldShape) readsKey() func(key []byte) bool {
	keys := map[string]bool{}
	s.addKeys(keys, map[*fieldShape]bool{})
	return func(key []byte) bool { return keys[string(key)] }
}

func (s *fieldShape) addKeys(keys map[string]bool, seen map[*fieldShape]bool) {
	if seen[s] {
		return
	}
	seen[s] = true
	paths := []string{s.wrapper, s.list, s.entities, s.typedResourcePath, s.subJobs}
	for _, group := range [][]string{s.id, s.jobType, s.state, s.begin, s.end, s.code, s.reason, s.progress} {
		paths = append(paths, group...)
	}
	for _, r := range s.resources {
		paths = append(paths, r.path)
	}
	for _, p := range paths {
		for _, key := range strings.Split(p, ".") {
			if key != "" {
				keys[key] = true
			}
		}
	}
	if s.sub != nil {
		s.sub.addKeys(keys, seen)
	}
}

// get is the raw value at a dotted path; nil when a step is missing or not an
// object.
func (n *node) get(path string) json.RawMessage {
	cur := n
	for {
		key, rest, nested := strings.Cut(path, ".")
		if !nested {
			return cur.fields[key]
		}
		cur = cur.child(key)
		if cur == nil {
			return nil
		}
		path = rest
	}
}

func (n *node) child(key string) *node {
	if k, ok := n.kids[key]; ok {
		return k
	}
	var k *node
	if raw := n.fields[key]; firstByte(raw) == '{' {
		k, _ = parseNode(raw, n.budget, n.wanted)
	}
	if n.kids == nil {
		n.kids = map[string]*node{}
	}
	n.kids[key] = k
	return k
}
