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
	"slices"
	"strconv"
	"testing"
)

// maxMembersAlloc bounds what decoding one answer of an object with hundreds
// of thousands of members may allocate. Before the member budget, such an
// answer allocated 61 to 114 MiB, most of it live at once.
const maxMembersAlloc = 32 << 20

// manyMembers is a body of at most DefaultMaxBodyBytes: prefix, then as many
// distinct members "k0":0, "k1":0, ... as fit, comma-separated, then suffix.
// It returns the body and the number of members.
func manyMembers(prefix, suffix string) ([]byte, int) {
	var b bytes.Buffer
	b.Grow(int(DefaultMaxBodyBytes))
	b.WriteString(prefix)
	n := 0
	for ; ; n++ {
		member := `"k` + strconv.Itoa(n) + `":0`
		if b.Len()+1+len(member)+len(suffix) > int(DefaultMaxBodyBytes) {
			break
		}
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString(member)
	}
	b.WriteString(suffix)
	return b.Bytes(), n
}

// TestHostileObjectsDecodeWithinBudget feeds every shape that reads objects
// member by member an answer of about 4 MiB (the body cap) holding one object
// of some 350,000 distinct members: decoding allocates a bounded amount, still
// reads every member the operator needs, wherever it sits among the others,
// and leaves out of the kept entities an object too large to keep whole.
func TestHostileObjectsDecodeWithinBudget(t *testing.T) {
	ref := JobRef{ProjectID: "p", JobID: "j", OrderID: "o"}
	tests := []struct {
		name           string
		service        Service
		lastState      string
		prefix, suffix string
		check          func(t *testing.T, job *Job)
	}{
		{name: "v1 entities", service: ServiceBMS,
			prefix: `{"status":"SUCCESS","job_id":"j","entities":{`, suffix: `,"server_id":"s-1","sub_jobs_total":2}}`,
			check: func(t *testing.T, job *Job) {
				wantJob(t, job, PhaseSucceeded)
				wantString(t, "server id", job.Resources.ServerID, "s-1")
				wantNoEntities(t, job)
				if job.SubJobsTotal != 2 {
					t.Errorf("SubJobsTotal %d, want 2 from the last member", job.SubJobsTotal)
				}
			}},
		{name: "v1 top level, status last", service: ServiceEVS,
			prefix: `{"job_id":"j",`, suffix: `,"status":"FAIL","fail_reason":"quota"}`,
			check: func(t *testing.T, job *Job) {
				wantJob(t, job, PhaseFailed)
				wantString(t, "fail reason", job.FailReason, "quota")
			}},
		{name: "v1 entities array entry", service: ServiceECS,
			prefix: `{"status":"RUNNING","job_id":"j","entities":[{`, suffix: `,"server_id":"s-1"}]}`,
			check: func(t *testing.T, job *Job) {
				wantJob(t, job, PhaseRunning)
				wantString(t, "server id", job.Resources.ServerID, "s-1")
			}},
		{name: "IMS entities", service: ServiceIMS,
			prefix: `{"status":"FAIL","job_id":"j","entities":{`, suffix: `,"image_id":"i-1"}}`,
			check: func(t *testing.T, job *Job) {
				wantJob(t, job, PhaseFailed)
				wantString(t, "image id", job.Resources.ImageID, "i-1")
				wantNoEntities(t, job)
			}},
		{name: "RDS entities", service: ServiceRDS,
			prefix: `{"job":{"id":"j","status":"Completed","entities":{`, suffix: `}}}`,
			check: func(t *testing.T, job *Job) {
				wantJob(t, job, PhaseSucceeded)
				wantNoEntities(t, job)
			}},
		{name: "RDS job, status last", service: ServiceRDS,
			prefix: `{"job":{"id":"j",`, suffix: `,"status":"Failed","fail_reason":"quota"}}`,
			check: func(t *testing.T, job *Job) {
				wantJob(t, job, PhaseFailed)
				wantString(t, "fail reason", job.FailReason, "quota")
			}},
		{name: "CCE top level, status last", service: ServiceCCE,
			prefix: `{"metadata":{"uid":"j"},`, suffix: `,"status":{"phase":"Success"}}`,
			check: func(t *testing.T, job *Job) { wantJob(t, job, PhaseSucceeded) }},
		{name: "CCE status, phase last", service: ServiceCCE,
			prefix: `{"metadata":{"uid":"j"},"status":{`, suffix: `,"phase":"Failed","reason":"quota"}}`,
			check: func(t *testing.T, job *Job) {
				wantJob(t, job, PhaseFailed)
				wantString(t, "fail reason", job.FailReason, "quota")
			}},
		{name: "DMS list entry, id last", service: ServiceKafka,
			prefix: `{"tasks":[{"status":"SUCCESS",`, suffix: `,"id":"j"}]}`,
			check: func(t *testing.T, job *Job) { wantJob(t, job, PhaseSucceeded) }},
		{name: "BSS order_info", service: ServiceBSS,
			prefix: `{"order_info":{`, suffix: `,"status":4}}`,
			check: func(t *testing.T, job *Job) {
				if job.Phase != PhaseFailed || !job.Cancelled {
					t.Errorf("phase %s, cancelled %v; want Failed, cancelled", job.Phase, job.Cancelled)
				}
			}},
		{name: "BSS order resource", service: ServiceBSS, lastState: completedOrderState,
			prefix: `{"total_count":1,"data":[{`, suffix: `,"resource_id":"r-1","is_main_resource":1}]}`,
			check: func(t *testing.T, job *Job) {
				if job.Phase != PhaseSucceeded || len(job.OrderResources) != 1 || job.OrderResources[0].ID != "r-1" {
					t.Errorf("phase %s, resources %+v; want Succeeded with r-1", job.Phase, job.OrderResources)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, n := manyMembers(tt.prefix, tt.suffix)
			r := ref
			r.LastState = tt.lastState
			job, alloc, heap, err := decodeMeasured(tt.service, r, body)
			t.Logf("%d KiB, %d members: allocated %.1f MiB, heap in use after %.1f MiB", len(body)>>10, n,
				float64(alloc)/(1<<20), float64(heap)/(1<<20))
			if alloc > maxMembersAlloc {
				t.Errorf("decoding allocated %d MiB, want at most %d MiB", alloc>>20, maxMembersAlloc>>20)
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, job)
		})
	}
}

func wantJob(t *testing.T, job *Job, phase Phase) {
	t.Helper()
	if job.JobID != "j" || job.Phase != phase {
		t.Errorf("job %q %s, want j %s", job.JobID, job.Phase, phase)
	}
}

func wantString(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s %q, want %q", what, got, want)
	}
}

// wantNoEntities: an entities object of more members than an answer may
// decode is too large to keep whole, and is left out rather than cut.
func wantNoEntities(t *testing.T, job *Job) {
	t.Helper()
	if job.Entities != nil {
		t.Errorf("kept %d bytes of entities, want them left out", len(job.Entities))
	}
}

// TestEachMember: the member walker gives every member of a valid object, as
// json.Unmarshal reads it, whatever the spacing, escapes and nesting, and
// refuses what json.Unmarshal refuses.
func TestEachMember(t *testing.T) {
	tests := []struct {
		raw  string
		want []string // key=value, in order; nil: not an object
	}{
		{`{}`, []string{}},
		{` { } `, []string{}},
		{`{"a":1}`, []string{"a=1"}},
		{"{ \"a\" :\t-1.5e3 ,\n\"b\": true,\"c\":null }", []string{"a=-1.5e3", "b=true", "c=null"}},
		{`{"a":"x\"}y","b":{"c":[1,{"d":"]"}]},"e":[]}`, []string{`a="x\"}y"`, `b={"c":[1,{"d":"]"}]}`, "e=[]"}},
		{`{"st\u0061tus":"S","\\":"\\","a":1,"a":2}`, []string{`status="S"`, `\="\\"`, "a=1", "a=2"}},
		{`{"a":1}x`, nil},
		{`{"a":}`, nil},
		{`{"a":1`, nil},
		{`[{"a":1}]`, nil},
		{``, nil},
	}
	for _, tt := range tests {
		got := []string{}
		ok := eachMember([]byte(tt.raw), func(key []byte, value json.RawMessage) {
			got = append(got, string(key)+"="+string(value))
		})
		switch {
		case ok != (tt.want != nil):
			t.Errorf("%q: object %v, want %v", tt.raw, ok, tt.want != nil)
		case ok && !slices.Equal(got, tt.want):
			t.Errorf("%q: members %q, want %q", tt.raw, got, tt.want)
		}
	}
}

// TestReadObjectBudget: past the answer's member budget only the members
// wanted are kept, and the others are counted; a later value of a member
// already kept replaces it, as json.Unmarshal does.
func TestReadObjectBudget(t *testing.T) {
	b := &entryBudget{members: 2}
	wanted := func(key []byte) bool { return string(key) == "status" }
	fields, skipped, ok := readObject([]byte(`{"a":1,"b":2,"c":3,"a":4,"status":"S","d":5}`), b, wanted)
	if !ok {
		t.Fatal("not read as an object")
	}
	want := map[string]string{"a": "4", "b": "2", "status": `"S"`}
	if len(fields) != len(want) || skipped != 2 {
		t.Errorf("kept %d members, skipped %d; want %d kept (%v), 2 skipped", len(fields), skipped, len(want), want)
	}
	for k, v := range want {
		if string(fields[k]) != v {
			t.Errorf("%s = %s, want %s", k, fields[k], v)
		}
	}
}

// FuzzEachMember: the member walker reads an object as json.Unmarshal does,
// the last of a repeated member winning, and refuses the same inputs.
func FuzzEachMember(f *testing.F) {
	for _, seed := range []string{`{}`, `{"a":1,"a":[2]}`, `{"st\u0061tus":"x\"","b":{"c":"}"}}`, "{\"\xff\":1}", `{"a":1}]`, `{"a" 1}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var want map[string]json.RawMessage
		wantErr := json.Unmarshal(raw, &want)
		got := map[string]json.RawMessage{}
		ok := eachMember(raw, func(key []byte, value json.RawMessage) { got[string(key)] = value })
		if ok != (wantErr == nil && want != nil) {
			t.Fatalf("%q: object %v, json.Unmarshal: %v", raw, ok, wantErr)
		}
		if !ok {
			return
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d members, json.Unmarshal %d", raw, len(got), len(want))
		}
		for k, v := range want {
			if !bytes.Equal(got[k], v) {
				t.Fatalf("%q: %q = %s, json.Unmarshal %s", raw, k, got[k], v)
			}
		}
	})
}
