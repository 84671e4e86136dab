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
	"fmt"
	"time"
)

// object is a JSON object that keeps its keys in insertion order, so the
// simulator answers with fields in the order the API documents show and
// faults can replace single fields of an otherwise normal answer.
type object []field

type field struct {
	key   string
	value any
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := o.writeTo(&b, enc); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeTo writes o to b directly: going through MarshalJSON for every
// nested object would re-validate the same bytes once per level.
func (o object) writeTo(b *bytes.Buffer, enc *json.Encoder) error {
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		if err := writeValue(b, enc, f.key); err != nil {
			return err
		}
		b.WriteByte(':')
		if err := writeValue(b, enc, f.value); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

func writeValue(b *bytes.Buffer, enc *json.Encoder, v any) error {
	switch v := v.(type) {
	case object:
		return v.writeTo(b, enc)
	case []object:
		b.WriteByte('[')
		for i, o := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := o.writeTo(b, enc); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	case json.RawMessage:
		return json.Compact(b, v)
	}
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode ends every value with a newline
	return nil
}

// marshalNoEscape encodes v without HTML escaping, as real APIs do.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

func (o *object) set(key string, v any) {
	for i := range *o {
		if (*o)[i].key == key {
			(*o)[i].value = v
			return
		}
	}
	*o = append(*o, field{key, v})
}

// get returns the value of key, or nil when o has no such field.
func (o object) get(key string) any {
	for _, f := range o {
		if f.key == key {
			return f.value
		}
	}
	return nil
}

// rawFields splits a free-form JSON object into ordered fields whose values
// stay raw, so scripted entities come back exactly as written.
func rawFields(raw json.RawMessage) object {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return nil
	}
	var out object
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return out
		}
		out.set(key, v)
	}
	return out
}

// nullable renders "" as JSON null, as the real APIs do for error fields.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// imsTime is the IMS example style, 04-Jun-2015 18:11:06:586, whose
// milliseconds follow a colon that Go layouts cannot express.
func imsTime(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%s:%03d", t.Format("02-Jan-2006 15:04:05"), t.Nanosecond()/int(time.Millisecond))
}

// jobView is what the API shows of a job at one instant.
type jobView struct {
	job       *job
	tl        timeline
	state     string
	ended     bool
	failed    bool
	errorCode string
	reason    string
	end       time.Time
	progress  float64
	subJobs   []subJobView
	requestID string
	// at is the instant shown; route is the request being answered, for
	// services with more than one API (bss).
	at    time.Time
	route route
}

func (j *job) viewAt(t time.Time) jobView {
	tl := j.timeline()
	ph := tl.phaseAt(t)
	v := jobView{job: j, tl: tl, state: j.stateString(tl, ph), subJobs: j.subJobsAt(tl, t), at: t}
	if ph == phaseEnded {
		v.ended, v.end = true, tl.end
		if j.failed(tl) {
			v.failed = true
			v.errorCode, v.reason = j.errorFields(tl)
		}
	}
	if !tl.cancelled {
		v.progress = tl.progress(t)
	}
	return v
}

// body renders the view in its service's shape.
func (v jobView) body() object { return services[v.job.spec.Service].render(v) }

// say spells a state the way the job's service does.
func (v jobView) say(state string) string { return spelling[v.job.spec.Service].say(state) }

func (v jobView) endTime(format func(time.Time) string, running any) any {
	if !v.ended {
		return running
	}
	return format(v.end)
}

// ecsBody is the shape of the BMS seed document, which BMS, ECS, VPC, SDRS
// and DEH share but for what their entities hold (see v1EntityShapes).
func (v jobView) ecsBody() object {
	s := &v.job.spec
	shape := v1EntityShapes[s.Service]
	entities := object{}
	if shape.ids {
		addResourceIDs(&entities, s.Resources)
	}
	subs := make([]object, len(v.subJobs))
	for i, sj := range v.subJobs {
		subs[i] = v.ecsSubJob(sj)
	}
	if shape.total {
		entities.set("sub_jobs_total", len(subs))
	}
	entities.set("sub_jobs", subs)
	mergeFields(&entities, s.Entities)
	return v1Job(v.state, entities, s.JobID, s.JobType, isoTime(v.tl.begin), v.endTime(isoTime, nil), v.errorCode, v.reason)
}

// v1Entities is what the entities of a service of the BMS shape hold besides
// the sub-jobs and the scripted fields, as its SDK model has them.
type v1Entities struct {
	// total: sub_jobs_total beside sub_jobs.
	total bool
	// ids: server_id and nic_id, of the job and of each sub-job.
	ids bool
	// errorMessage: a failed sub-job repeats its reason in
	// entities.errorcode_message.
	errorMessage bool
}

// v1EntityShapes follow bms/v1 ShowJobInfosResponse, ecs/v2 ShowJobResponse,
// eip/v2 ShowResourcesJobDetailResponse (VPC: sub_jobs only) and sdrs/v1
// ShowJobStatusResponse (its ids are scripted entities); DEH has no model in
// the SDK and answers as ECS.
var v1EntityShapes = map[Service]v1Entities{
	ServiceBMS:  {total: true, ids: true, errorMessage: true},
	ServiceECS:  {total: true, ids: true, errorMessage: true},
	ServiceDEH:  {total: true, ids: true, errorMessage: true},
	ServiceVPC:  {},
	ServiceSDRS: {},
}

func addResourceIDs(o *object, r Resources) {
	if r.ServerID != "" {
		o.set("server_id", r.ServerID)
	}
	if r.NICID != "" {
		o.set("nic_id", r.NICID)
	}
}

func mergeFields(o *object, raw json.RawMessage) {
	for _, f := range rawFields(raw) {
		o.set(f.key, f.value)
	}
}

// subJobEnd is a sub-job's end_time: null until it ends.
func subJobEnd(sj subJobView, format func(time.Time) string, running any) any {
	if sj.end.IsZero() {
		return running
	}
	return format(sj.end)
}

func subJobErrors(sj subJobView) (code, reason string) {
	if sj.state == StateFail {
		return sj.spec.ErrorCode, sj.spec.FailReason
	}
	return "", ""
}

func (v jobView) ecsSubJob(sj subJobView) object {
	shape := v1EntityShapes[v.job.spec.Service]
	entities := object{}
	if shape.ids {
		addResourceIDs(&entities, sj.spec.Resources)
	}
	code, reason := subJobErrors(sj)
	if shape.errorMessage && reason != "" {
		entities.set("errorcode_message", reason)
	}
	mergeFields(&entities, sj.spec.Entities)
	return subJobObject(sj, entities, code, reason)
}

// subJobObject is a sub-job in the shape BMS, ECS and classic ELB share.
func subJobObject(sj subJobView, entities object, code, reason string) object {
	return v1Job(sj.state, entities, sj.spec.JobID, sj.spec.JobType, isoTime(sj.begin), subJobEnd(sj, isoTime, nil), code, reason)
}

// v1Job is a job or sub-job of the v1 job APIs (BMS, ECS, EVS, IMS, VPC,
// classic ELB): the same fields in the order the API documents show them. The
// times come formatted in the service's style.
func v1Job(state string, entities object, jobID, jobType string, begin, end any, code, reason string) object {
	return object{
		{"status", state},
		{"entities", entities},
		{"job_id", jobID},
		{"job_type", jobType},
		{"begin_time", begin},
		{"end_time", end},
		{"error_code", nullable(code)},
		{"fail_reason", nullable(reason)},
	}
}

// evsBody: flat entities, no sub_jobs_total, end_time "" while running.
func (v jobView) evsBody() object {
	s := &v.job.spec
	entities := object{}
	if s.Resources.VolumeID != "" {
		entities.set("volume_id", s.Resources.VolumeID)
	}
	mergeFields(&entities, s.Entities)
	if len(s.SubJobs) > 0 {
		subs := make([]object, len(v.subJobs))
		for i, sj := range v.subJobs {
			code, reason := subJobErrors(sj)
			se := object{}
			if sj.spec.Resources.VolumeID != "" {
				se.set("volume_id", sj.spec.Resources.VolumeID)
			}
			mergeFields(&se, sj.spec.Entities)
			subs[i] = v1Job(sj.state, se, sj.spec.JobID, sj.spec.JobType, isoTime(sj.begin), subJobEnd(sj, isoTime, ""), code, reason)
		}
		entities.set("sub_jobs", subs)
	}
	return v1Job(v.state, entities, s.JobID, s.JobType, isoTime(v.tl.begin), v.endTime(isoTime, ""), v.errorCode, v.reason)
}

// imsBody: image entities with progress, IMS's own time style, and the
// sub-jobs as the SDK models them: entities.sub_jobs_result, their ids in
// entities.sub_jobs_list.
func (v jobView) imsBody() object {
	s := &v.job.spec
	entities := imsImage(s.Resources)
	entities.set("process_percent", v.progress)
	if len(s.SubJobs) > 0 {
		ids := make([]string, len(v.subJobs))
		results := make([]object, len(v.subJobs))
		for i, sj := range v.subJobs {
			code, reason := subJobErrors(sj)
			ids[i] = sj.spec.JobID
			results[i] = v1Job(sj.state, imsImage(sj.spec.Resources), sj.spec.JobID, sj.spec.JobType,
				imsTime(sj.begin), subJobEnd(sj, imsTime, ""), code, reason)
		}
		entities.set("sub_jobs_list", ids)
		entities.set("sub_jobs_result", results)
	}
	mergeFields(&entities, s.Entities)
	return v1Job(v.state, entities, s.JobID, s.JobType, imsTime(v.tl.begin), v.endTime(imsTime, ""), v.errorCode, v.reason)
}

// imsImage is the image_id and image_name of IMS entities, where scripted.
func imsImage(r Resources) object {
	o := object{}
	if r.ImageID != "" {
		o.set("image_id", r.ImageID)
	}
	if r.ImageName != "" {
		o.set("image_name", r.ImageName)
	}
	return o
}

// elbBody is the classic ELB shape of the ELB seed document: free-form
// entities and sub_jobs at the top level.
func (v jobView) elbBody() object {
	s := &v.job.spec
	entities := rawFields(s.Entities)
	if entities == nil {
		entities = object{}
	}
	o := v1Job(v.state, entities, s.JobID, s.JobType, isoTime(v.tl.begin), v.endTime(isoTime, nil), v.errorCode, v.reason)
	if len(s.SubJobs) > 0 {
		subs := make([]object, len(v.subJobs))
		for i, sj := range v.subJobs {
			subs[i] = v.elbSubJob(sj)
		}
		o.set("sub_jobs", subs)
	}
	return o
}

func (v jobView) elbSubJob(sj subJobView) object {
	code, reason := subJobErrors(sj)
	entities := rawFields(sj.spec.Entities)
	if entities == nil {
		entities = object{}
	}
	return subJobObject(sj, entities, code, reason)
}

// elbv3Body wraps the job and repeats the request id in the body.
func (v jobView) elbv3Body() object {
	s := &v.job.spec
	subs := make([]object, len(v.subJobs))
	for i, sj := range v.subJobs {
		subs[i] = v.elbv3SubJob(sj)
	}
	job := object{
		{"status", v.state},
		{"job_id", s.JobID},
		{"job_type", s.JobType},
		{"begin_time", isoTime(v.tl.begin)},
		{"end_time", v.endTime(isoTime, nil)},
		{"error_code", nullable(v.errorCode)},
		{"error_msg", nullable(v.reason)},
		{"project_id", s.ProjectID},
		{"resource_id", s.Resources.ResourceID},
		{"sub_jobs", subs},
	}
	return object{{"job", job}, {"request_id", v.requestID}}
}

func (v jobView) elbv3SubJob(sj subJobView) object {
	code, reason := subJobErrors(sj)
	entities := []object{}
	if r := sj.spec.Resources; r.ResourceID != "" || r.ResourceType != "" {
		entities = append(entities, object{{"resource_id", r.ResourceID}, {"resource_type", r.ResourceType}})
	}
	return object{
		{"status", sj.state},
		{"job_id", sj.spec.JobID},
		{"job_type", sj.spec.JobType},
		{"begin_time", isoTime(sj.begin)},
		{"end_time", subJobEnd(sj, isoTime, nil)},
		{"error_code", nullable(code)},
		{"error_msg", nullable(reason)},
		{"project_id", v.job.spec.ProjectID},
		{"resource_id", sj.spec.Resources.ResourceID},
		{"entities", entities},
	}
}

// subJobRenderer renders one sub-job in the service's shape; the
// many-sub-jobs fault streams generated entries through it.
func (v jobView) subJobRenderer() func(subJobView) object {
	switch v.job.spec.Service {
	case ServiceELB:
		return v.elbSubJob
	case ServiceELBv3:
		return v.elbv3SubJob
	case ServiceSFSTurbo:
		return v.sfsTurboSubJob
	default:
		return v.ecsSubJob
	}
}
