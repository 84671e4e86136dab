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

package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The series alerts watch exist at 0 from a service's first request, so that
// increase() sees the first rejection or failure; services never polled have none.
func TestWatchedSeriesStartAtZero(t *testing.T) {
	ObserveRequest("metricstest", "ok", time.Millisecond)
	for _, result := range []string{"AuthenticationFailed", "Forbidden", "Throttled"} {
		if v := testutil.ToFloat64(CloudRequests.WithLabelValues("metricstest", result)); v != 0 {
			t.Errorf("requests{result=%s} = %v, want 0", result, v)
		}
	}
	if n := testutil.CollectAndCount(JobDuration, "cloudjob_job_duration_seconds"); n < 2 {
		t.Errorf("job duration series after the first request: %d, want both outcomes", n)
	}
	ObserveJobEnd("metricstest", OutcomeFailed, new(time.Duration), nil)
	if v := testutil.CollectAndCount(DetectionLag); v != 0 {
		t.Errorf("a job without an end time observed a detection lag (%d series)", v)
	}
	ObserveIdentityRequest("metricstest-call", "ok")
	if v := testutil.ToFloat64(IdentityRequests.WithLabelValues("metricstest-call", "AuthenticationFailed")); v != 0 {
		t.Errorf("identity failures = %v before any, want a series at 0", v)
	}
	before := testutil.CollectAndCount(CloudRequests)
	ObserveRequest("metricstest", "ok", time.Millisecond)
	if after := testutil.CollectAndCount(CloudRequests); after != before {
		t.Errorf("a second request of a known service made %d new series", after-before)
	}
	if v := testutil.ToFloat64(Events.WithLabelValues(EventDropped)); v != 0 {
		t.Errorf("events{result=dropped} = %v, want a series at 0", v)
	}
}
