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

// The series alerts watch exist at 0 once the informer shows a service, so
// that increase() sees its first rejection or failure; services never seen have
// none. Series are counted, not read: reading one through WithLabelValues would
// make it.
func TestWatchedSeriesStartAtZero(t *testing.T) {
	requests, throttled, deferrals, durations := testutil.CollectAndCount(CloudRequests), testutil.CollectAndCount(CloudThrottled),
		testutil.CollectAndCount(QuotaDeferrals), testutil.CollectAndCount(JobDuration)
	tally := NewJobTally(configMapEntry)
	tally.OnAdd(configMap("a", "first", "metricstest", ""), true)
	for name, c := range map[string]struct{ got, want int }{
		"request results": {testutil.CollectAndCount(CloudRequests) - requests, len(watchedResults)},
		"throttled":       {testutil.CollectAndCount(CloudThrottled) - throttled, 1},
		"deferrals":       {testutil.CollectAndCount(QuotaDeferrals) - deferrals, 1},
		"job durations":   {testutil.CollectAndCount(JobDuration) - durations, 2},
	} {
		if c.got != c.want {
			t.Errorf("%s: the service's first CloudJob made %d series, want %d", name, c.got, c.want)
		}
	}
	if v := testutil.ToFloat64(CloudThrottled.WithLabelValues("metricstest")); v != 0 {
		t.Errorf("throttled = %v before any request, want 0", v)
	}
	before := testutil.CollectAndCount(CloudRequests)
	tally.OnAdd(configMap("a", "second", "metricstest", ""), false)
	ObserveRequest("metricstest", "ok", time.Millisecond)
	if after := testutil.CollectAndCount(CloudRequests); after != before {
		t.Errorf("a known service's next CloudJob and request made %d new series", after-before)
	}

	calls := testutil.CollectAndCount(IdentityRequests)
	ObserveIdentityRequest("metricstest-call", "ok")
	if got := testutil.CollectAndCount(IdentityRequests) - calls; got != len(identityResults) {
		t.Errorf("an identity call's first request made %d series, want %d", got, len(identityResults))
	}
	if got := testutil.CollectAndCount(Events); got != 3 {
		t.Errorf("%d Events series at start, want recorded, dropped and failed at 0", got)
	}
}
