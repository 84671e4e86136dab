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

package harness

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/internal/poll"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

func TestFlagsScaledAndWith(t *testing.T) {
	def := DefaultFlags()
	scaled := def.With("cloud-requests-per-minute", "1000").Scaled(4)
	for name, want := range map[string]string{
		"min-poll-interval":         "500ms",
		"max-poll-interval":         (poll.DefaultMaxInterval / 4).String(),
		"auth-retry-interval":       "1m15s",
		"cloud-requests-per-minute": "4000",
		// Not a time setting of the policy: unchanged.
		"cloud-request-timeout":     def["cloud-request-timeout"],
		"max-concurrent-reconciles": def["max-concurrent-reconciles"],
	} {
		if got := scaled[name]; got != want {
			t.Errorf("scaled %s = %q, want %q", name, got, want)
		}
	}
	if def["min-poll-interval"] != "2s" || def["cloud-requests-per-minute"] != "2000" {
		t.Errorf("With or Scaled changed the flags they were called on: %v", def)
	}
	args := Flags{"b": "2", "a": "x=y"}.Args()
	if !slices.Equal(args, []string{"--a=x=y", "--b=2"}) {
		t.Errorf("Args = %q", args)
	}
}

func TestMakefileStampsTheSameVersionVariable(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mk), "-X "+VersionVariable+"=$(VERSION)") {
		t.Errorf("the Makefile's build does not stamp %s; Build and `make build` must agree", VersionVariable)
	}
}

func TestMetricsSum(t *testing.T) {
	m, err := ParseMetrics(`# TYPE requests_total counter
requests_total{service="bms",result="ok"} 3
requests_total{service="bms",result="throttled"} 2
requests_total{service="ecs",result="ok"} 5
# TYPE jobs gauge
jobs{state=""} 1
jobs{state="RUNNING"} 4
# TYPE requests_total_more counter
requests_total_more 100
`)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		match map[string]string
		want  float64
	}{
		{"requests_total", nil, 10},
		{"requests_total", map[string]string{"result": "ok"}, 8},
		{"requests_total", map[string]string{"result": "ok", "service": "ecs"}, 5},
		{"requests_total", map[string]string{"zone": ""}, 10},
		{"jobs", map[string]string{"state": ""}, 1},
		{"jobs", nil, 5},
		{"missing", nil, 0},
	} {
		if got := m.Sum(c.name, c.match); got != c.want {
			t.Errorf("Sum(%s, %v) = %v, want %v", c.name, c.match, got, c.want)
		}
	}
	if _, err := ParseMetrics("not metrics {"); err == nil {
		t.Error("ParseMetrics accepted text that is not the exposition format")
	}
}

func startShell(t *testing.T, script string, grace time.Duration) *Process {
	t.Helper()
	p, err := StartProcess(ProcessOptions{
		Name: "sh", Path: "/bin/sh", Args: []string{"-c", script},
		LogPath: filepath.Join(t.TempDir(), "sh.log"), StopGrace: grace,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Kill() })
	return p
}

func TestProcessStopsGracefullyOrByForce(t *testing.T) {
	ctx := context.Background()
	polite := startShell(t, `trap 'echo bye; exit 0' TERM; echo ready; while :; do sleep 0.05; done`, 5*time.Second)
	if _, ok := polite.WaitLog(ctx, "ready", 10*time.Second); !ok {
		t.Fatalf("no output\n%s", polite.LogTail(5))
	}
	if _, forced := polite.Stop(); forced {
		t.Error("a process that exits on SIGTERM was killed")
	}
	if !polite.LogContains("bye") || polite.Alive() || polite.ExitedUnexpectedly() || polite.Failure() != nil {
		t.Errorf("after Stop: log %q, alive %v, failure %v", polite.Log(), polite.Alive(), polite.Failure())
	}

	stubborn := startShell(t, `trap '' TERM; echo ready; while :; do sleep 0.05; done`, 300*time.Millisecond)
	if _, ok := stubborn.WaitLog(ctx, "ready", 10*time.Second); !ok {
		t.Fatalf("no output\n%s", stubborn.LogTail(5))
	}
	if _, forced := stubborn.Stop(); !forced {
		t.Error("a process that ignores SIGTERM was not killed after the grace period")
	}
	if stubborn.Alive() {
		t.Error("still alive after Stop")
	}
}

func TestProcessThatExitsOnItsOwnIsAFailure(t *testing.T) {
	p := startShell(t, `echo 'cannot start: no kubeconfig'; exit 3`, time.Second)
	select {
	case <-p.Exited():
	case <-time.After(10 * time.Second):
		t.Fatal("did not exit")
	}
	err := p.Failure()
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "cannot start: no kubeconfig") {
		t.Errorf("Failure() = %v, want the exit status and the end of the log", err)
	}
	if n := p.CountLogLines("cannot start"); n != 1 {
		t.Errorf("CountLogLines = %d, want 1", n)
	}
}
