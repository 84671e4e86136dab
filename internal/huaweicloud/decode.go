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
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxSubJobDepth bounds how deep sub-jobs of sub-jobs are decoded, so that a
// hostile body cannot make decoding recurse without end. CCE nests three levels
// (node pool, node, install step); deeper levels are not read.
const maxSubJobDepth = 16

// maxDecodedEntries bounds how many list entries one answer has decoded, over
// all its lists and depths: sub-jobs, the entries of entities given as an
// array, the jobs of a list answer and an order's resources. Job APIs list
// tens of sub-jobs and an order's resource query at most 500; at a few hundred
// bytes per real entry the body cap (DefaultMaxBodyBytes) holds about ten
// thousand. The cap alone does not bound the work: it holds 1.4 million empty
// entries, which took gigabytes to decode. Entries past the bound are counted,
// not decoded.
const maxDecodedEntries = 10_000

// maxDecodedMembers bounds how many object members one answer has decoded
// into maps, over all its objects: a job's, its wrapper's, its entities', its
// sub-jobs' and list entries'. Real answers hold tens to a few thousand. The
// body cap alone holds 350,000 members in one object, which took 60 to 160 MiB
// to decode. Members past the bound are skipped, not decoded, except those the
// operator reads (wanted), which are always kept: a status or an id cannot be
// hidden behind junk members.
const maxDecodedMembers = 10_000

// entryBudget is what one answer may still decode of maxDecodedEntries and
// maxDecodedMembers. It is shared by every list and object of the answer, so
// that many of them (or nested ones) do not multiply the bounds.
type entryBudget struct{ left, members int }

func newEntryBudget() *entryBudget {
	return &entryBudget{left: maxDecodedEntries, members: maxDecodedMembers}
}

// take reports whether one more entry may be decoded, counting it if so.
func (b *entryBudget) take() bool {
	if b.left <= 0 {
		return false
	}
	b.left--
	return true
}

// takeMember reports whether one more object member may be decoded, counting
// it if so.
func (b *entryBudget) takeMember() bool {
	if b.members <= 0 {
		return false
	}
	b.members--
	return true
}

// readObject decodes the members of the JSON object raw into a map while the
// answer's budget b lasts, and past it only the members wanted names (nil:
// none). It reports whether raw is an object and how many members it skipped.
// The values are slices of raw, not copies; a member given twice keeps its
// last value, as json.Unmarshal does.
func readObject(raw []byte, b *entryBudget, wanted func(key []byte) bool) (fields map[string]json.RawMessage, skipped int, ok bool) {
	fields = map[string]json.RawMessage{}
	isObject := eachMember(raw, func(key []byte, value json.RawMessage) {
		if _, seen := fields[string(key)]; seen || (wanted != nil && wanted(key)) || b.takeMember() {
			fields[string(key)] = value
			return
		}
		skipped++
	})
	if !isObject {
		return nil, 0, false
	}
	return fields, skipped, true
}

// eachMember calls fn with each member of the JSON object raw, in order, and
// reports false when raw is not a valid JSON object. It walks the bytes once
// validated, allocating nothing per member (json.Decoder allocates a few
// hundred bytes per key): value is a slice of raw, key is unescaped into a
// buffer reused for the next member.
func eachMember(raw []byte, fn func(key []byte, value json.RawMessage)) bool {
	if firstByte(raw) != '{' || !json.Valid(raw) {
		return false
	}
	var keyBuf []byte
	i := skipSpace(raw, 0) + 1 // past {
	for {
		i = skipSpace(raw, i)
		switch raw[i] {
		case '}':
			return true
		case ',':
			i = skipSpace(raw, i+1)
		}
		keyEnd := skipValue(raw, i)
		keyBuf = unquoteKey(keyBuf[:0], raw[i+1:keyEnd-1])
		start := skipSpace(raw, skipSpace(raw, keyEnd)+1) // past :
		i = skipValue(raw, start)
		fn(keyBuf, raw[start:i])
	}
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r' || raw[i] == '\n') {
		i++
	}
	return i
}

// skipValue is the end of the JSON value starting at raw[i], which is valid.
func skipValue(raw []byte, i int) int {
	depth := 0
	for ; i < len(raw); i++ {
		switch c := raw[i]; c {
		case '"':
			for i++; raw[i] != '"'; i++ {
				if raw[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
			if depth < 0 { // the end of a number or literal closing its container
				return i
			}
		case ',', ' ', '\t', '\r', '\n':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// unquoteKey appends the text of a valid JSON string's content (without its
// quotes) to dst, as json.Unmarshal reads it (invalid UTF-8 becomes U+FFFD).
// Keys of valid UTF-8 without escapes, the usual ones, are copied as they are.
func unquoteKey(dst, quoted []byte) []byte {
	if bytes.IndexByte(quoted, '\\') < 0 && utf8.Valid(quoted) {
		return append(dst, quoted...)
	}
	var s string
	_ = json.Unmarshal(append(append([]byte{'"'}, quoted...), '"'), &s) // valid: checked by eachMember
	return append(dst, s...)
}

// eachEntry calls fn with each entry of the JSON array raw, in order, and
// reports false when raw is not an array. It reads one entry at a time into a
// buffer it reuses, so a list of millions of entries costs the memory of its
// largest entry: item is valid only during the call, and fn copies what it
// keeps (json.Unmarshal does).
func eachEntry(raw json.RawMessage, fn func(i int, item json.RawMessage) error) (bool, error) {
	if firstByte(raw) != '[' {
		return false, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return false, err
	}
	var item json.RawMessage
	for i := 0; dec.More(); i++ {
		if err := dec.Decode(&item); err != nil {
			return true, err
		}
		if err := fn(i, item); err != nil {
			return true, err
		}
	}
	return true, nil
}

// errNoStatus: a 2xx body without a status is not a job answer.
var errNoStatus = errors.New("response has no status")

// wireJob holds the fields any job shape may carry, each kept raw so that a field
// of an unexpected type (a number for a string, null, an array for an object) is
// judged field by field instead of failing the whole answer.
type wireJob struct {
	Status       json.RawMessage `json:"status"`
	JobID        json.RawMessage `json:"job_id"`
	JobType      json.RawMessage `json:"job_type"`
	BeginTime    json.RawMessage `json:"begin_time"`
	EndTime      json.RawMessage `json:"end_time"`
	ErrorCode    json.RawMessage `json:"error_code"`
	FailReason   json.RawMessage `json:"fail_reason"`
	ErrorMsg     json.RawMessage `json:"error_msg"`
	Code         json.RawMessage `json:"code"`
	Message      json.RawMessage `json:"message"`
	Entities     json.RawMessage `json:"entities"`
	SubJobs      json.RawMessage `json:"sub_jobs"`
	SubJobsTotal json.RawMessage `json:"sub_jobs_total"`
	ResourceID   json.RawMessage `json:"resource_id"`
}

// jobShape is what differs between the job shapes once the job object is found.
type jobShape struct {
	// states maps the upper-cased state string to a phase; others are PhaseUnknown.
	states map[string]Phase
	// reasonFromErrorMsg: the failure reason is error_msg (ELB v3) rather than
	// fail_reason.
	reasonFromErrorMsg bool
	// budget is the answer's entry budget, shared by its sub-jobs at every
	// depth; decodeJob starts one when it is nil.
	budget *entryBudget
}

// phase normalizes a state. Case and surrounding spaces are forgiven; the raw
// string is kept in Job.State either way.
func (s jobShape) phase(state string) Phase {
	if p, ok := s.states[strings.ToUpper(strings.TrimSpace(state))]; ok {
		return p
	}
	return PhaseUnknown
}

// decodeJob decodes one job object. For the top-level job a missing status is an
// error unless the body carries the API's own code or message, which is then
// reported as such; a status that is not a string is always an error.
func decodeJob(raw json.RawMessage, shape jobShape, depth int) (Job, error) {
	if shape.budget == nil {
		shape.budget = newEntryBudget()
	}
	var w wireJob
	if err := json.Unmarshal(raw, &w); err != nil {
		return Job{}, fmt.Errorf("job is not a JSON object: %w", err)
	}
	state, hasState, err := jsonString(w.Status)
	if err != nil {
		return Job{}, fmt.Errorf("status: %w", err)
	}
	state = cleanID(state) // the phase follows the state as shown
	job := Job{
		JobID:   cleanID(looseString(w.JobID)),
		JobType: cleanID(looseString(w.JobType)),
		State:   state,
		Phase:   shape.phase(state),
		Code:    cleanID(looseString(w.Code)),
		Message: cleanMessage(looseString(w.Message)),
	}
	if !hasState && depth == 0 && job.Code == "" && job.Message == "" {
		return Job{}, errNoStatus
	}
	job.BeginTime = job.readTime("begin_time", w.BeginTime)
	job.EndTime = job.readTime("end_time", w.EndTime)
	job.ErrorCode = cleanID(looseString(w.ErrorCode))
	reason := looseString(w.FailReason)
	if shape.reasonFromErrorMsg {
		reason = firstNonEmpty(looseString(w.ErrorMsg), reason)
	}

	ent := splitEntities(w.Entities, shape.budget)
	job.Entities = ent.rest
	job.Resources = ent.ids
	job.Progress = ent.progress
	job.Resources.ResourceID = firstNonEmpty(cleanID(looseString(w.ResourceID)), job.Resources.ResourceID)
	// ECS puts the text of a sub-job's error code in entities.errorcode_message.
	job.FailReason = cleanMessage(firstNonEmpty(reason, ent.errorMessage))

	subJobs := ent.subJobs
	if isNull(subJobs) {
		subJobs = w.SubJobs // classic ELB and ELB v3 keep them beside entities
	}
	if depth < maxSubJobDepth {
		err = job.decodeSubJobs(subJobs, "sub_jobs", shape.budget, func(item json.RawMessage) (Job, error) {
			return decodeJob(item, shape, depth+1)
		})
		if err != nil {
			return Job{}, err
		}
	}
	total := ent.subJobsTotal
	if isNull(total) {
		total = w.SubJobsTotal
	}
	if n, ok := looseInt(total); ok && n > job.SubJobsTotal {
		job.SubJobsTotal = n
	}
	return job, nil
}

// decodeSubJobs sets the job's sub-jobs from the list raw (see decodeList),
// its SubJobsTotal to the sub-jobs listed, decoded or not, and its
// SubJobsUnread to those of any depth below it that were counted but not
// decoded.
func (job *Job) decodeSubJobs(raw json.RawMessage, name string, b *entryBudget, decodeOne func(item json.RawMessage) (Job, error)) error {
	subJobs, skipped, err := decodeList(raw, name, b, decodeOne)
	if err != nil {
		return err
	}
	job.SubJobs = subJobs
	job.SubJobsTotal = len(subJobs) + skipped
	job.SubJobsUnread = skipped
	for i := range subJobs {
		job.SubJobsUnread += subJobs[i].SubJobsUnread
	}
	return nil
}

// decodeList decodes a sub-job list named name with decodeOne, for every
// shape, while the answer's budget lasts; it counts the sub-jobs past it
// (skipped) without decoding them. A list that is not an array (one document
// types it as a string) carries no sub-jobs we can read, and entries that are
// not objects are neither sub-jobs nor counted: neither makes the parent job
// unreadable.
func decodeList(raw json.RawMessage, name string, b *entryBudget, decodeOne func(item json.RawMessage) (Job, error)) (jobs []Job, skipped int, err error) {
	_, err = eachEntry(raw, func(i int, item json.RawMessage) error {
		switch {
		case firstByte(item) != '{':
			return nil
		case !b.take():
			skipped++
			return nil
		}
		job, err := decodeOne(item)
		if err != nil {
			return fmt.Errorf("%s[%d]: %w", name, i, err)
		}
		jobs = append(jobs, job)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return jobs, skipped, nil
}

// entities is what a job's entities field yields.
type entities struct {
	rest         json.RawMessage // entities without sub_jobs and sub_jobs_total, compacted; nil if empty
	subJobs      json.RawMessage
	subJobsTotal json.RawMessage
	ids          ResourceIDs
	errorMessage string
	progress     *int
}

// splitEntities takes the sub-job list and the resource ids out of entities. An
// object is the documented form; an array (which one table documents for sub-jobs)
// gives its ids from the objects in it, the first one to name an id winning,
// as far as the answer's budget b lets them be decoded.
func splitEntities(raw json.RawMessage, b *entryBudget) entities {
	var out entities
	switch firstByte(raw) {
	case '{':
		fields, skipped, ok := readObject(raw, b, isEntityKey)
		if !ok {
			return out
		}
		out.subJobs, out.subJobsTotal = fields["sub_jobs"], fields["sub_jobs_total"]
		out.errorMessage = looseString(fields["errorcode_message"])
		// IMS documents process_percent as a fraction, 0 to 1, and shows 100 in
		// an example: up to 1 it is read as a fraction, above as a percentage.
		// It moves on every poll, so it is kept as Job.Progress only, which the
		// operator writes in steps, rather than in the entities.
		if f, ok := looseFloat(fields["process_percent"]); ok && f >= 0 && f <= 100 {
			if f <= 1 {
				f *= 100
			}
			out.progress = percent(f)
			delete(fields, "process_percent")
		}
		fillIDs(&out.ids, fields)
		// The sub-jobs and their count are in Job.SubJobs and Job.SubJobsTotal; the
		// rest is what the job acted on. Entities of more members than the
		// answer may decode are left out rather than cut, as status leaves out
		// entities too large to keep.
		delete(fields, "sub_jobs")
		delete(fields, "sub_jobs_total")
		if len(fields) > 0 && skipped == 0 {
			out.rest, _ = json.Marshal(fields) // sorted keys, compacted values
		}
	case '[':
		if _, err := eachEntry(raw, func(_ int, item json.RawMessage) error {
			if firstByte(item) != '{' || !b.take() {
				return nil
			}
			if fields, _, ok := readObject(item, b, isEntityKey); ok {
				fillIDs(&out.ids, fields)
			}
			return nil
		}); err != nil {
			return out
		}
		out.rest = compact(raw)
	case 0, 'n': // absent or null
	default:
		out.rest = compact(raw)
	}
	return out
}

// entityKeys are the members of entities the decoding reads: they are kept
// past the answer's member budget.
var entityKeys = map[string]bool{
	"sub_jobs": true, "sub_jobs_total": true, "errorcode_message": true, "process_percent": true,
	"server_id": true, "nic_id": true, "volume_id": true, "image_id": true, "resource_id": true,
}

func isEntityKey(key []byte) bool { return entityKeys[string(key)] }

// fillIDs sets the ids not set yet from an entities object.
func fillIDs(ids *ResourceIDs, fields map[string]json.RawMessage) {
	for key, dst := range map[string]*string{
		"server_id":   &ids.ServerID,
		"nic_id":      &ids.NICID,
		"volume_id":   &ids.VolumeID,
		"image_id":    &ids.ImageID,
		"resource_id": &ids.ResourceID,
	} {
		if *dst == "" {
			*dst = cleanID(looseString(fields[key]))
		}
	}
}

// jsonString reads a field that must be a string: absent and null are "not
// there", any other type is an error.
func jsonString(raw json.RawMessage) (s string, present bool, err error) {
	switch firstByte(raw) {
	case 0, 'n':
		return "", false, nil
	case '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, err
		}
		return s, true, nil
	}
	return "", false, fmt.Errorf("got %s, want a string", jsonKind(raw))
}

// looseString reads a field meant to be a string, accepting numbers and booleans
// as their text. Null, absent, objects and arrays read as "".
func looseString(raw json.RawMessage) string {
	switch c := firstByte(raw); {
	case c == '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case c == '-' || c >= '0' && c <= '9' || c == 't' || c == 'f':
		return string(bytes.TrimSpace(raw))
	}
	return ""
}

// looseInt reads a count given as a number ("3", 3.0) or a string holding one.
func looseInt(raw json.RawMessage) (int, bool) {
	s := strings.TrimSpace(looseString(raw))
	if s == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 32); err == nil && n >= 0 {
		return int(n), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > math.MaxInt32 || f != math.Trunc(f) {
		return 0, false
	}
	return int(f), true
}

func jsonKind(raw json.RawMessage) string {
	switch firstByte(raw) {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case '"':
		return "a string"
	default:
		return "a number"
	}
}

// firstByte is the first non-space byte of a JSON value, 0 for none.
func firstByte(raw json.RawMessage) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

func isNull(raw json.RawMessage) bool {
	c := firstByte(raw)
	return c == 0 || c == 'n'
}

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return nil
	}
	return b.Bytes()
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
