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

package demo

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// TestDemo runs the whole demo as `make demo DEMO_ARGS=--exit-when-done`
// does, with the real operator binary, at a time scale that makes it take
// seconds, and checks what it reports against the scenario; then that Ctrl-C
// and an operator that fails to start leave nothing behind either.
func TestDemo(t *testing.T) {
	root := testenv.RepoRoot()
	scenarioPath := filepath.Join(root, "hack", "scenarios", "demo.yaml")
	manager := buildManager(t)
	opts := options{
		Manager:   manager,
		Scenario:  scenarioPath,
		TimeScale: 60,
		PayAfter:  time.Second,
		Timeout:   time.Minute,
		Federated: defaultOptions().Federated,
	}
	t.Run("exit when done", func(t *testing.T) { testExitWhenDone(t, opts) })
	t.Run("interrupted", func(t *testing.T) { testInterrupted(t, opts) })
	t.Run("operator fails", func(t *testing.T) { testOperatorFails(t, opts) })
}

// testExitWhenDone checks each job's outcome and what the summary says of it
// against the scenario.
func testExitWhenDone(t *testing.T, opts options) {
	sc, err := cloudsim.LoadScenarioFile(opts.Scenario)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	opts.ExitWhenDone, opts.Out = true, &out
	payAfter := opts.PayAfter
	start := time.Now()
	rep, err := run(ctx, opts)
	output := out.String()
	t.Logf("the demo took %s and printed:\n%s", time.Since(start).Round(100*time.Millisecond), output)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	checkLeftovers(t, rep, true)

	jobs := map[string]jobReport{}
	for _, j := range rep.Jobs {
		jobs[j.Name] = j
	}
	want := []string{"bms-batch-create", "elb-create", "bms-reinstall-os", "ecs-create-servers", "bss-purchase", "ecs-attach-volume", "evs-create-volume",
		"cce-create-node-pool", "rds-create-mysql-single-ha-instance", "kafka-bind-instance-public-ip"}
	if len(rep.Jobs) != len(sc.Jobs) || len(jobs) != len(want) {
		t.Fatalf("%d jobs reported, %d in the scenario; want %v", len(rep.Jobs), len(sc.Jobs), want)
	}
	for i, name := range want {
		j, ok := jobs[name]
		if !ok {
			t.Errorf("no job %s in the report", name)
			continue
		}
		if j.Spec.JobID != sc.Jobs[i].JobID || j.Spec.ProjectID != sc.Jobs[i].ProjectID {
			t.Errorf("%s tracks %s/%s, the scenario's job %d is %s/%s", name, j.Spec.ProjectID, j.Spec.JobID, i, sc.Jobs[i].ProjectID, sc.Jobs[i].JobID)
		}
		if j.Got != j.Want || j.Job == nil {
			t.Errorf("%s: outcome %q, scripted %q", name, j.Got, j.Want)
			continue
		}
		// The lag is the watch's view of the operator's status write after the
		// simulated end; the operator polls running jobs at least every 500ms
		// at this time scale.
		if !j.LagKnown || j.Lag < 0 || j.Lag > 5*time.Second {
			t.Errorf("%s: detection lag %s (known %v), want between 0 and 5s", name, j.Lag, j.LagKnown)
		}
		if !strings.Contains(output, name) || !strings.Contains(output, "detection lag "+seconds(j.Lag)) {
			t.Errorf("the summary does not give %s's detection lag %s", name, seconds(j.Lag))
		}
	}

	batch := jobs["bms-batch-create"]
	if batch.Want != outcomeSucceeded || batch.Job != nil && batch.Job.Status.SubJobsProgress != "3/3" {
		t.Errorf("bms-batch-create: scripted %s, sub-jobs %v; want Succeeded with 3/3", batch.Want, batch.Job)
	}
	if batch.Job != nil {
		var got, wantIDs []string
		for _, s := range batch.Job.Status.SubJobs {
			got = append(got, s.ServerID)
		}
		for _, s := range sc.Jobs[0].SubJobs {
			wantIDs = append(wantIDs, s.Resources.ServerID)
		}
		slices.Sort(got)
		slices.Sort(wantIDs)
		if len(wantIDs) != 3 || !slices.Equal(got, wantIDs) {
			t.Errorf("bms-batch-create: server ids %v, want the scenario's three %v", got, wantIDs)
		}
		for _, id := range wantIDs {
			if !strings.Contains(output, id) {
				t.Errorf("the summary does not name the server %s", id)
			}
		}
	}

	elb := jobs["elb-create"]
	if elb.Want != outcomeSucceeded || elb.Job == nil || elb.Job.Status.Entities == nil ||
		!strings.Contains(string(elb.Job.Status.Entities.Raw), `"elb":{`) ||
		!strings.Contains(string(elb.Job.Status.Entities.Raw), "ef265755daf84333baf4ddc1d91cbc2f") {
		t.Errorf("elb-create: want Succeeded with the seed document's load balancer in its entities, got %+v", elb.Job)
	}

	reinstall := jobs["bms-reinstall-os"]
	spec := sc.Jobs[2]
	if reinstall.Want != outcomeFailed || reinstall.Job == nil ||
		reinstall.Job.Status.ErrorCode != spec.ErrorCode || reinstall.Job.Status.FailReason != spec.FailReason {
		t.Errorf("bms-reinstall-os: want Failed with %s %q, got %+v", spec.ErrorCode, spec.FailReason, reinstall.Job)
	}
	if !strings.Contains(output, spec.ErrorCode) || !strings.Contains(output, spec.FailReason) || !strings.Contains(output, "Stalled JobFailed") {
		t.Errorf("the summary does not give the reinstall's error code %s, fail reason %q and Stalled condition", spec.ErrorCode, spec.FailReason)
	}

	// CCE: two nodes, each with its install step: four sub-jobs, the nodes'
	// ids from the nested ones.
	pool := jobs["cce-create-node-pool"]
	if pool.Job == nil || pool.Job.Status.SubJobsProgress != "4/4" || pool.Job.Status.ClusterID == "" || pool.Job.Status.NodePoolID == "" {
		t.Errorf("cce-create-node-pool: want 4/4 sub-jobs, a cluster and a node pool id, got %+v", pool.Job)
	} else {
		var nested []string
		for _, s := range pool.Job.Status.SubJobs {
			if s.ParentJobID != "" {
				nested = append(nested, s.NodeID)
			}
		}
		if len(nested) != 2 || !strings.Contains(output, nested[0]) {
			t.Errorf("cce-create-node-pool: nested sub-jobs' nodes %v, or the summary does not name them", nested)
		}
	}
	rds := jobs["rds-create-mysql-single-ha-instance"]
	if rds.Job == nil || rds.Job.Status.Progress == nil || *rds.Job.Status.Progress != 100 || rds.Job.Status.InstanceID != "a48e43ff268f4c0e879652d65e63d0fbin01" ||
		!strings.Contains(output, "progress 100%") || !strings.Contains(output, "instance a48e43ff268f4c0e879652d65e63d0fbin01") {
		t.Errorf("rds create: want progress 100 and the instance id in status and summary, got %+v", rds.Job)
	}
	if !strings.Contains(output, "PROGRESS") {
		t.Error("the live table has no PROGRESS column")
	}
	kafka := jobs["kafka-bind-instance-public-ip"]
	if kafka.Got != outcomeSucceeded || kafka.Job == nil || kafka.Job.Spec.InstanceID == "" || kafka.Job.Status.Entities == nil ||
		!strings.Contains(string(kafka.Job.Status.Entities.Raw), "public_ip_id") {
		t.Errorf("kafka task: want Succeeded with its params kept, got %+v", kafka.Job)
	}

	order := jobs["ecs-create-servers"]
	if !order.WaitsForPayment || !order.Paid || order.PaidAfter < payAfter || order.Want != outcomeSucceeded {
		t.Errorf("ecs-create-servers: waits for payment %v, paid %v after %s; want paid after at least %s, then Succeeded",
			order.WaitsForPayment, order.Paid, order.PaidAfter, payAfter)
	}
	if !strings.Contains(output, "ecs-create-servers has been AwaitingPayment") || !strings.Contains(output, "the demo paid its order") {
		t.Error("the demo did not say that it paid the order")
	}
	// The same purchase tracked by its order: paid by the demo, then its
	// resources listed in status and the summary.
	bss := jobs["bss-purchase"]
	if !bss.WaitsForPayment || !bss.Paid || bss.Got != outcomeSucceeded || bss.Job == nil || bss.Job.Status.ResourcesTotal != 2 ||
		bss.Job.Spec.OrderID != sc.Jobs[4].JobID || len(bss.Job.Status.Resources) != 2 || !bss.Job.Status.Resources[0].Main {
		t.Errorf("bss-purchase: waits for payment %v, paid %v, outcome %q; want an order paid, then Succeeded with its 2 resources: %+v",
			bss.WaitsForPayment, bss.Paid, bss.Got, bss.Job)
	}
	if !strings.Contains(output, "bss-purchase has been AwaitingPayment") ||
		!strings.Contains(output, "the order made 2 resources: 0d7e3b9a-2c41-4f85-a6e3-91b2c4d5e610 (hws.resource.type.vm, main)") {
		t.Error("the demo did not pay the order, or its summary does not list the order's resources")
	}
	fed := jobs["evs-create-volume"]
	if fed.Got != outcomeSucceeded || fed.Job == nil || fed.Job.Spec.CredentialsSecretRef.Name != "" ||
		!strings.Contains(output, "signed with federated temporary keys from the cluster default "+federatedCredentials) {
		t.Errorf("evs-create-volume: want Succeeded on federated credentials, and the summary saying so; got %q, %+v", fed.Got, fed.Job)
	}
	for _, name := range []string{"ecs-attach-volume", "evs-create-volume"} {
		if jobs[name].Want != outcomeSucceeded {
			t.Errorf("%s: scripted %s, want Succeeded", name, jobs[name].Want)
		}
	}

	for _, s := range []string{"Summary: 10 of 10 jobs reached the outcome their scenario scripted", "Detection lag: median", rep.Kubeconfig} {
		if !strings.Contains(output, s) {
			t.Errorf("the output does not say %q", s)
		}
	}
	// The table was printed as it changed, not redrawn with escape codes.
	if strings.Contains(output, "\x1b[") || !regexp.MustCompile(`(?m)^NAME +SERVICE +STATE +SUB-JOBS +PROGRESS +READY +REASON +AGE$`).MatchString(output) {
		t.Error("without a terminal the table should be plain text")
	}
}

// testInterrupted stops the demo as Ctrl-C does, while the jobs run.
func testInterrupted(t *testing.T, opts options) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out := &triggerWriter{trigger: "created 10 CloudJobs", fire: cancel}
	opts.Out = out
	rep, err := run(ctx, opts)
	t.Logf("the demo printed:\n%s", out.String())
	if !errors.Is(err, errInterrupted) {
		t.Fatalf("run: %v, want %v", err, errInterrupted)
	}
	if !strings.Contains(out.String(), "stopped; removed "+rep.TempDir) {
		t.Error("the demo did not say it cleaned up")
	}
	checkLeftovers(t, rep, true)
}

// testOperatorFails runs an operator that exits at once: the demo says so,
// shows its log, and still stops the control plane and removes its files.
func testOperatorFails(t *testing.T, opts options) {
	opts.Manager = filepath.Join(t.TempDir(), "failing-manager")
	script := "#!/bin/sh\necho 'cannot start: no kubeconfig today' >&2\nexit 3\n"
	if err := os.WriteFile(opts.Manager, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	opts.Out, opts.ExitWhenDone = &out, true
	rep, err := run(ctx, opts)
	t.Logf("the demo printed:\n%s", out.String())
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready (exit status 3)") {
		t.Errorf("run: %v, want the operator's early exit", err)
	}
	if !strings.Contains(out.String(), "cannot start: no kubeconfig today") {
		t.Error("the demo did not show the end of the operator's log")
	}
	checkLeftovers(t, rep, false)
}

// checkLeftovers checks that nothing of a run is left: the temporary
// directory, the operator's process group, or any other child (etcd,
// kube-apiserver).
func checkLeftovers(t *testing.T, rep *report, operatorStarted bool) {
	t.Helper()
	if rep == nil {
		t.Fatal("no report")
	}
	if rep.TempDir == "" {
		t.Error("the report names no temporary directory")
	} else if _, err := os.Stat(rep.TempDir); !os.IsNotExist(err) {
		t.Errorf("the temporary directory %s is still there (%v)", rep.TempDir, err)
	}
	if operatorStarted && rep.ManagerPID == 0 {
		t.Error("the report names no operator process")
	} else if rep.ManagerPID != 0 && groupAlive(rep.ManagerPID) {
		t.Errorf("the operator's process group %d is still alive", rep.ManagerPID)
	}
	if kids := childProcesses(t); len(kids) > 0 {
		t.Errorf("child processes left: %v", kids)
	}
}

// groupAlive reports whether any process of the group led by pid is left.
func groupAlive(pid int) bool {
	err := syscall.Kill(-pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// triggerWriter collects the output and calls fire once it contains trigger.
type triggerWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	trigger string
	fire    func()
	fired   bool
}

func (w *triggerWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if !w.fired && strings.Contains(w.buf.String(), w.trigger) {
		w.fired = true
		w.fire()
	}
	return n, err
}

func (w *triggerWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// buildManager builds the operator as `make build` does, into the test's
// temporary directory.
func buildManager(t *testing.T) string {
	t.Helper()
	start := time.Now()
	bin, err := harness.Build(context.Background(), t.TempDir(), "demo-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built the operator in %s", time.Since(start).Round(100*time.Millisecond))
	return bin
}

// childProcesses lists the test process's children from /proc, where there
// is one; elsewhere the process-group check stands alone.
func childProcesses(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := strconv.Itoa(os.Getpid())
	var kids []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		s := string(data)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == self {
			kids = append(kids, e.Name()+" "+s[strings.IndexByte(s, '(')+1:strings.LastIndexByte(s, ')')])
		}
	}
	return kids
}
