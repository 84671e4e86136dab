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

package monitoring

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/util/teststorage"
)

// TestIdentityExpiringNeedsMoreThanAScrape evaluates CloudJobIdentityExpiring
// from rules.yaml, its for: included, every 30 seconds on series scraped every
// 30 seconds as the operator exports them: a renewal under way that shows the
// old keys' expiry for a scrape must not fire it, and a renewal that keeps
// failing must, before the keys stop being usable (a minute before their
// expiry, when the gauge drops them).
func TestIdentityExpiringNeedsMoreThanAScrape(t *testing.T) {
	rule := alertRule(t, "CloudJobIdentityExpiring")
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	const step = 30 * time.Second
	for _, tc := range []struct {
		name string
		// expiry is the exported value at a scrape, false when the gauge has
		// no series for the source.
		expiry    func(at time.Time) (time.Time, bool)
		wantFires bool
	}{
		{
			// 15-minute keys renewed in the background with a third of their
			// life left, each renewal done 45 s after it was due: a scrape
			// in between still shows the old keys, less than 5 minutes from
			// their expiry.
			name: "renewals under way at a scrape",
			expiry: func(at time.Time) (time.Time, bool) {
				obtained := start
				for !obtained.Add(10*time.Minute + 45*time.Second).After(at) {
					obtained = obtained.Add(10*time.Minute + 45*time.Second)
				}
				return obtained.Add(15 * time.Minute), true
			},
		},
		{
			name: "15-minute keys whose renewal fails",
			expiry: func(at time.Time) (time.Time, bool) {
				expires := start.Add(15 * time.Minute)
				return expires, at.Before(expires.Add(-time.Minute))
			},
			wantFires: true,
		},
		{
			name: "1-hour keys whose renewal fails",
			expiry: func(at time.Time) (time.Time, bool) {
				expires := start.Add(time.Hour)
				return expires, at.Before(expires.Add(-time.Minute))
			},
			wantFires: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := teststorage.New(t)
			end := start.Add(time.Hour)
			lbls := labels.FromStrings(model.MetricNameLabel, "cloudjob_identity_expiry_timestamp_seconds", "source", "CloudCredentials ns/default")
			app := db.Appender(context.Background())
			present := false
			for at := start; !at.After(end); at = at.Add(step) {
				v := math.Float64frombits(value.StaleNaN) // as Prometheus marks a series gone from a scrape
				exp, ok := tc.expiry(at)
				if ok {
					v = float64(exp.Unix())
				} else if !present {
					continue
				}
				present = ok
				if _, err := app.Append(0, lbls, at.UnixMilli(), v); err != nil {
					t.Fatal(err)
				}
			}
			if err := app.Commit(); err != nil {
				t.Fatal(err)
			}
			firedAt, fired := evalAlert(t, db, rule.Expr, time.Duration(rule.For), start, end, step)
			switch {
			case fired && !tc.wantFires:
				t.Errorf("fired %s in, want it quiet; for: %s", firedAt.Sub(start), time.Duration(rule.For))
			case !fired && tc.wantFires:
				t.Errorf("never fired, want it to; for: %s", time.Duration(rule.For))
			}
			if fired {
				exp, _ := tc.expiry(firedAt)
				t.Logf("fired %s before the keys expire", exp.Sub(firedAt))
			}
		})
	}
}

// evalAlert evaluates an alert's expression every step from start to end, as
// Prometheus's rule manager does, and returns when it first fired: once the
// expression has returned a result at every evaluation for at least hold.
func evalAlert(t *testing.T, db *teststorage.TestStorage, expr string, hold time.Duration, start, end time.Time, step time.Duration) (time.Time, bool) {
	t.Helper()
	eng := engine()
	var activeSince time.Time
	for at := start; !at.After(end); at = at.Add(step) {
		q, err := eng.NewInstantQuery(context.Background(), db, nil, expr, at)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		res := q.Exec(context.Background())
		if res.Err != nil {
			t.Fatalf("evaluating %s: %v", expr, res.Err)
		}
		vec, err := res.Vector()
		q.Close()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case len(vec) == 0:
			activeSince = time.Time{}
		case activeSince.IsZero():
			activeSince = at
		}
		if !activeSince.IsZero() && at.Sub(activeSince) >= hold {
			return at, true
		}
	}
	return time.Time{}, false
}

// alertRule is the alert of rules.yaml with that name.
func alertRule(t *testing.T, name string) rulefmt.Rule {
	t.Helper()
	for _, r := range rules(t) {
		if r.Alert == name {
			return r
		}
	}
	t.Fatalf("no alert %s in rules.yaml", name)
	return rulefmt.Rule{}
}
