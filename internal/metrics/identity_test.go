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
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestIdentityExpiryGauge: the gauge shows each source's expiry at scrape
// time, as the function set last reports it.
func TestIdentityExpiryGauge(t *testing.T) {
	at := time.Unix(1796000000, 0)
	SetIdentityExpiry(func() map[string]time.Time {
		return map[string]time.Time{"CloudCredentials team-a/default": at}
	})
	t.Cleanup(func() { SetIdentityExpiry(func() map[string]time.Time { return nil }) })
	want := `
# HELP cloudjob_identity_expiry_timestamp_seconds When the temporary keys each credentials source uses expire (Unix time): one value per source, its usable keys renewed last; sources idle since their renewal was due are left out. Keys are renewed with a third of their life left, so a value that comes close to the present means renewals fail.
# TYPE cloudjob_identity_expiry_timestamp_seconds gauge
cloudjob_identity_expiry_timestamp_seconds{source="CloudCredentials team-a/default"} 1.796e+09
`
	if err := testutil.CollectAndCompare(identities, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
