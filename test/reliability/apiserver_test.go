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

package reliability

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
)

// TestAPIServerRestart kills kube-apiserver in the middle of a run, etcd kept,
// and starts it again 20 s later. The operator must neither exit nor stop
// reconciling: every job ends as scripted, no recorded outcome changes, and
// the Events it could not send meanwhile are sent later or counted.
func TestAPIServerRestart(t *testing.T) {
	start := time.Now()
	const (
		jobCount = 60
		outage   = 20 * time.Second
	)
	rng := rand.New(rand.NewPCG(seed(t, 20260111), 11))
	sim := startSimulator(t, rng.Uint64())
	f := newFixture(t, "apiserver", sim)
	jobs := scriptJobs(rng, jobCount, 8*time.Second, 30*time.Second, 0.3)
	watch := watchOutcomes(t, f.ns)
	op := startOperator(t, "apiserver-restart", f.shardFlag())
	if err := op.WaitWorkers(context.Background(), 30*time.Second); err != nil {
		t.Fatal(err)
	}
	f.addToSimulator(jobs)
	f.createCloudJobs(jobs)
	time.Sleep(5 * time.Second)

	stopped := time.Now()
	restart := crashAPIServer(t)
	time.Sleep(outage)
	if !op.Alive() {
		t.Fatalf("the operator exited while the API server was down\n%s", op.LogTail(40))
	}
	restart()
	back := time.Since(stopped)
	if _, ok := harness.WaitUntil(context.Background(), time.Minute, 200*time.Millisecond, func() bool {
		return suite.env.Client.List(context.Background(), &corev1.NamespaceList{}) == nil
	}); !ok {
		t.Fatal("the API server did not come back")
	}

	f.waitFinished(names(jobs), 2*time.Minute, func() error {
		if op.ExitedUnexpectedly() {
			return fmt.Errorf("the operator exited\n%s", op.LogTail(40))
		}
		return nil
	})
	check := f.checkOutcomes(jobs)
	check.report(t)
	time.Sleep(2 * time.Second)
	flips := watch.noFlips(t)
	// A job without its terminal Event must be one the operator counted as
	// not sent. An Event still being retried is neither sent nor counted yet.
	var terminal map[string]int
	var lost float64
	eventually(t, time.Minute, func() error {
		metrics, err := op.scrapeMetrics()
		if err != nil {
			return err
		}
		terminal = f.terminalEvents()
		lost = metrics.Sum("cloudjob_events_total", map[string]string{"result": "failed"}) +
			metrics.Sum("cloudjob_events_total", map[string]string{"result": "dropped"})
		if missing := withoutTerminalEvent(jobs, terminal); float64(missing) > lost {
			return fmt.Errorf("%d jobs have no terminal Event, but only %v Events were counted as failed or dropped", missing, lost)
		}
		return nil
	})
	hist := eventHistogram(t, jobs, terminal)
	summary(t, start, "jobs=%d outage=%s api-back-after=%s correct=%d/%d flips=%d terminal-events(0/1/2/>2)=%d/%d/%d/%d events-failed-or-dropped=%v",
		jobCount, outage, back.Round(100*time.Millisecond), check.succeeded+check.failed, jobCount, len(flips),
		hist[0], hist[1], hist[2], hist[3], lost)
}

// crashAPIServer kills the suite's kube-apiserver as a crash would, and returns
// a function that starts it again with the same flags, certificates and port,
// so that every client reconnects. The new process serves the rest of the suite.
// (envtest can stop its API server, but a restart through it makes new
// certificates, and its graceful stop waits a minute for open watches.)
func crashAPIServer(t *testing.T) (restart func()) {
	t.Helper()
	api := suite.env.Environment.ControlPlane.GetAPIServer()
	pid, args := findProcess(t, api.Path, "--cert-dir="+api.CertDir)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("killing kube-apiserver: %v", err)
	}
	if _, ok := harness.WaitUntil(context.Background(), 10*time.Second, 50*time.Millisecond, func() bool {
		return syscall.Kill(pid, 0) != nil
	}); !ok {
		t.Fatal("kube-apiserver survived SIGKILL")
	}
	return func() {
		p, err := harness.StartProcess(harness.ProcessOptions{
			Name: "kube-apiserver", Path: args[0], Args: args[1:],
			LogPath: filepath.Join(suite.logDir, "kube-apiserver-restarted.log"),
		})
		if err != nil {
			t.Fatalf("starting kube-apiserver again: %v", err)
		}
		suite.restarted = append(suite.restarted, p)
	}
}

// findProcess finds the process running path with an argument that is
// marker, and returns its pid and arguments.
func findProcess(t *testing.T, path, marker string) (int, []string) {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		if len(args) > 0 && args[0] == path && slices.Contains(args, marker) {
			return pid, args
		}
	}
	t.Fatalf("no process %s with %s", path, marker)
	return 0, nil
}
