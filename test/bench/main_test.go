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

package bench

import (
	"context"
	"strings"
	"testing"
	"time"
)

// testConfig is a small, fast run: 60 times real time, short jobs, results in a
// temporary directory.
func testConfig(t *testing.T, n int) config {
	c := defaultConfig()
	c.N = n
	c.Scale = 60
	c.ArrivalWindow = 30 * time.Second
	c.MaxJobDuration = 5 * time.Minute
	c.ResultsDir = t.TempDir()
	c.Progress = testWriter{t}
	c.PhaseTimeout = 2 * time.Minute
	// One job of each kind goes through the warm-up path; the learner needs
	// more, but these tests check the harness, not the policy.
	c.Warmup = 1
	return c
}

// testWriter sends the harness's progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func runForTest(t *testing.T, c config) *report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := run(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep.text())
	return rep
}
