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
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Hostile answers for client robustness tests. The big ones are streamed
// in fixed-size chunks so the simulator's memory stays flat however large
// the answer is.

const chunkSize = 32 << 10

// repeatWrite writes pattern n times, a chunk at a time.
func repeatWrite(w *bufio.Writer, pattern []byte, n int64) error {
	per := int64(max(1, chunkSize/len(pattern)))
	chunk := bytes.Repeat(pattern, int(per))
	for n > 0 {
		k := min(n, per)
		if _, err := w.Write(chunk[:k*int64(len(pattern))]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// startStream sends the headers and returns a buffered writer for the body.
// A bufio.Writer keeps its first error and skips every later write, so the
// streams below check only where stopping early saves work; a failed write
// means the client has gone, with no one left to tell.
func startStream(w http.ResponseWriter) *bufio.Writer {
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(http.StatusOK)
	return bufio.NewWriterSize(w, chunkSize)
}

// writeHugeBody streams {"status":"RUNNING","job_id":...,"padding":"xxx…"}
// with size bytes of padding, without a Content-Length.
func writeHugeBody(w http.ResponseWriter, jobID string, size int64) {
	if size == 0 {
		size = DefaultHugeBodySize
	}
	bw := startStream(w)
	id, _ := json.Marshal(jobID)
	_, _ = fmt.Fprintf(bw, `{"status":"RUNNING","job_id":%s,"padding":"`, id)
	if repeatWrite(bw, []byte("x"), size) != nil {
		return
	}
	_, _ = bw.WriteString(`"}`)
	_ = bw.Flush()
}

// writeDeepNesting streams entities nested depth objects deep.
func writeDeepNesting(w http.ResponseWriter, jobID string, depth int) {
	if depth == 0 {
		depth = DefaultNestingDepth
	}
	bw := startStream(w)
	id, _ := json.Marshal(jobID)
	_, _ = fmt.Fprintf(bw, `{"status":"RUNNING","job_id":%s,"entities":`, id)
	if repeatWrite(bw, []byte(`{"a":`), int64(depth)) != nil {
		return
	}
	_, _ = bw.WriteString("{}")
	if repeatWrite(bw, []byte("}"), int64(depth)) != nil {
		return
	}
	_, _ = bw.WriteString("}")
	_ = bw.Flush()
}

// Placeholders put into a rendered body and swapped for what
// encoding/json cannot produce: a streamed list, raw invalid bytes.
const (
	subJobsPlaceholder = `"\u0000cloudsim:sub_jobs\u0000"`
	badTextPlaceholder = "\x00cloudsim:bad\x00"
	invalidUTF8        = "bad\xff\xfe\xc3(utf8"
)

// topObject returns the object that holds the job's own fields: the body, or
// its wrapper member (ELB v3's "job", for example).
func topObject(flat *flatJob, body object) object {
	if flat.wrapper != "" {
		return body.get(flat.wrapper).(object)
	}
	return body
}

// setTop replaces the job fields of body.
func setTop(flat *flatJob, body *object, top object) {
	if flat.wrapper != "" {
		body.set(flat.wrapper, top)
		return
	}
	*body = top
}

// writeHostileJob answers the job's view, changed by the rule. It reports
// false, leaving the normal answer to the caller, for a fault that spoils
// fields of a shape that does not have them flat (CCE, CAE, CSE, the list
// answers; many sub-jobs needs a flat sub-job list).
func writeHostileJob(w http.ResponseWriter, rule *FaultRule, v jobView) bool {
	body := v.body()
	flat := services[v.job.spec.Service].flat
	if rule.Kind != FaultMalformed && (flat == nil || rule.Kind == FaultManySubJobs && flat.subJobs == "") {
		return false
	}
	switch rule.Kind {
	case FaultMalformed:
		b, _ := marshalNoEscape(body)
		half := b[:len(b)/2]
		w.Header().Set("Content-Type", contentTypeJSON)
		w.Header().Set("Content-Length", strconv.Itoa(len(half)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(half) // a failed write means the client left
	case FaultWrongType:
		top := topObject(flat, body)
		top.set("status", 1)
		setTop(flat, &body, top)
		writeJSON(w, http.StatusOK, body)
	case FaultUnreadableTime:
		top := topObject(flat, body)
		top.set(flat.beginKey, cmp.Or(rule.TimeText, "sometime on Tuesday"))
		setTop(flat, &body, top)
		writeJSON(w, http.StatusOK, body)
	case FaultInvalidUTF8:
		top := topObject(flat, body)
		top.set(flat.typeKey, badTextPlaceholder)
		top.set(flat.reasonKey, badTextPlaceholder)
		setTop(flat, &body, top)
		b, _ := marshalNoEscape(body)
		quoted, _ := json.Marshal(badTextPlaceholder)
		b = bytes.ReplaceAll(b, quoted, []byte(`"`+invalidUTF8+`"`))
		w.Header().Set("Content-Type", contentTypeJSON)
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b) // a failed write means the client left
	case FaultManySubJobs:
		writeManySubJobs(w, rule, v, flat, body)
	}
	return true
}

// writeManySubJobs streams the job with n generated sub-jobs in place of
// its own.
func writeManySubJobs(w http.ResponseWriter, rule *FaultRule, v jobView, flat *flatJob, body object) {
	n := rule.Entries
	if n == 0 {
		n = DefaultManySubJobs
	}
	placeholder := json.RawMessage(subJobsPlaceholder)
	switch v.job.spec.Service {
	case ServiceELB, ServiceELBv3, ServiceSFSTurbo:
		top := topObject(flat, body)
		top.set(flat.subJobs, placeholder)
		setTop(flat, &body, top)
	default:
		entities := body.get("entities").(object)
		if v.job.spec.Service == ServiceBMS || v.job.spec.Service == ServiceECS || v.job.spec.Service == ServiceVPC {
			entities.set("sub_jobs_total", n)
		}
		entities.set("sub_jobs", placeholder)
		body.set("entities", entities)
	}
	b, _ := marshalNoEscape(body)
	prefix, suffix, _ := bytes.Cut(b, []byte(subJobsPlaceholder))
	if rule.EmptyEntries {
		writeEmptyEntries(w, prefix, suffix, n)
		return
	}
	render := v.subJobRenderer()
	var entry bytes.Buffer
	enc := json.NewEncoder(&entry)
	enc.SetEscapeHTML(false)
	bw := startStream(w)
	_, _ = bw.Write(prefix)
	_ = bw.WriteByte('[')
	for i := range n {
		spec := SubJobSpec{
			JobID:     fmt.Sprintf("%032x", i),
			JobType:   subJobType(v.job.spec.JobType),
			Outcome:   OutcomeSuccess,
			Resources: Resources{ServerID: fmt.Sprintf("00000000-0000-0000-0000-%012x", i), ResourceID: fmt.Sprintf("%032x", i)},
		}
		sj := subJobView{spec: &spec, state: StateRunning, begin: v.tl.begin}
		if i > 0 {
			_ = bw.WriteByte(',')
		}
		entry.Reset()
		if err := render(sj).writeTo(&entry, enc); err != nil {
			return
		}
		if _, err := bw.Write(entry.Bytes()); err != nil {
			return
		}
	}
	_ = bw.WriteByte(']')
	_, _ = bw.Write(suffix)
	_ = bw.Flush()
}

// writeEmptyEntries streams prefix, a list of n empty objects and suffix.
func writeEmptyEntries(w http.ResponseWriter, prefix, suffix []byte, n int) {
	bw := startStream(w)
	_, _ = bw.Write(prefix)
	_ = bw.WriteByte('[')
	if repeatWrite(bw, []byte("{},"), int64(n-1)) != nil {
		return
	}
	_, _ = bw.WriteString("{}]")
	_, _ = bw.Write(suffix)
	_ = bw.Flush()
}
