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

package anchor

import (
	"testing"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
)

func TestParseStatsFindsTheLastWords(t *testing.T) {
	out := "I1203 starting\nanchor stats {\"jobs\":3,\"polls\":12,\"throttled\":1,\"writes\":11}\n"
	st := ParseStats(out)
	if st == nil || st.Jobs != 3 || st.Polls != 12 || st.Throttled != 1 || st.Writes != 11 {
		t.Fatalf("ParseStats = %+v", st)
	}
	if st := ParseStats("anchor: the API server is gone\n"); st != nil {
		t.Errorf("ParseStats of output without counts = %+v, want nil", st)
	}
}

// TestStatusChangedIgnoresThePollTime: a poll that sees the same job again
// writes nothing with -write-changes-only; a new state or a sub-job does.
func TestStatusChangedIgnoresThePollTime(t *testing.T) {
	s := &jobStatus{}
	running := &huaweicloud.Job{JobID: "j", State: "RUNNING", Phase: huaweicloud.PhaseRunning}
	now := time.Now()
	if !s.changed(s.update(running, now)) {
		t.Error("the first answer is not a change")
	}
	if s.changed(s.update(running, now.Add(time.Minute))) {
		t.Error("the same answer a minute later is a change")
	}
	withSub := &huaweicloud.Job{JobID: "j", State: "RUNNING", Phase: huaweicloud.PhaseRunning, SubJobsTotal: 1,
		SubJobs: []huaweicloud.Job{{Phase: huaweicloud.PhaseSucceeded}}}
	if !s.changed(s.update(withSub, now.Add(2*time.Minute))) {
		t.Error("a sub-job done is not a change")
	}
	done := &huaweicloud.Job{JobID: "j", State: "SUCCESS", Phase: huaweicloud.PhaseSucceeded}
	if !s.changed(s.update(done, now.Add(3*time.Minute))) {
		t.Error("the end is not a change")
	}
}
