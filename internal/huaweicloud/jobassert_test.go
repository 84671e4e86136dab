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
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// at parses an RFC 3339 time for expectations.
func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// assertJob compares two jobs field by field, times with Equal and entities as
// JSON values, and names the field that differs.
func assertJob(t *testing.T, where string, got, want Job) {
	t.Helper()
	for _, d := range diffJob(where, got, want) {
		t.Error(d)
	}
}

func diffJob(where string, got, want Job) []string {
	var diffs []string
	add := func(field string, g, w any) {
		diffs = append(diffs, fmt.Sprintf("%s.%s = %v, want %v", where, field, g, w))
	}
	for _, f := range []struct {
		name string
		g, w any
	}{
		{"JobID", got.JobID, want.JobID},
		{"JobType", got.JobType, want.JobType},
		{"State", got.State, want.State},
		{"Phase", got.Phase, want.Phase},
		{"ErrorCode", got.ErrorCode, want.ErrorCode},
		{"FailReason", got.FailReason, want.FailReason},
		{"Code", got.Code, want.Code},
		{"Message", got.Message, want.Message},
		{"Resources", got.Resources, want.Resources},
		{"SubJobsTotal", got.SubJobsTotal, want.SubJobsTotal},
		{"RequestID", got.RequestID, want.RequestID},
		{"Summary", got.Summary, want.Summary},
		{"Cancelled", got.Cancelled, want.Cancelled},
		{"FollowUp", got.FollowUp, want.FollowUp},
		{"OrderResourcesTotal", got.OrderResourcesTotal, want.OrderResourcesTotal},
	} {
		if f.g != f.w {
			add(f.name, f.g, f.w)
		}
	}
	if fmtProgress(got.Progress) != fmtProgress(want.Progress) {
		add("Progress", fmtProgress(got.Progress), fmtProgress(want.Progress))
	}
	if !slices.Equal(got.OrderResources, want.OrderResources) {
		add("OrderResources", got.OrderResources, want.OrderResources)
	}
	if !slices.Equal(got.UnreadTimes, want.UnreadTimes) {
		add("UnreadTimes", got.UnreadTimes, want.UnreadTimes)
	}
	if !sameTime(got.BeginTime, want.BeginTime) {
		add("BeginTime", fmtTime(got.BeginTime), fmtTime(want.BeginTime))
	}
	if !sameTime(got.EndTime, want.EndTime) {
		add("EndTime", fmtTime(got.EndTime), fmtTime(want.EndTime))
	}
	if !sameJSON(got.Entities, want.Entities) {
		add("Entities", string(got.Entities), string(want.Entities))
	}
	if len(got.SubJobs) != len(want.SubJobs) {
		add("len(SubJobs)", len(got.SubJobs), len(want.SubJobs))
		return diffs
	}
	for i := range got.SubJobs {
		diffs = append(diffs, diffJob(fmt.Sprintf("%s.SubJobs[%d]", where, i), got.SubJobs[i], want.SubJobs[i])...)
	}
	return diffs
}

func fmtProgress(p *int) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprintf("%d%%", *p)
}

func pct(n int) *int { return &n }

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b) && a.Location() == time.UTC
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "nil"
	}
	return t.Format(time.RFC3339Nano) + " " + t.Location().String()
}

func sameJSON(a, b json.RawMessage) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}
