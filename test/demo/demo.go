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
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// options configure one run of the demo.
type options struct {
	// Manager is the operator binary.
	Manager string
	// Scenario is the simulator scenario with the jobs to track.
	Scenario string
	// TimeScale is how many times faster than the wall clock the simulated
	// cloud runs; 0 takes the scenario's settings.timeScale.
	TimeScale float64
	// PayAfter is how long an order is seen AwaitingPayment before the demo
	// pays it.
	PayAfter time.Duration
	// Timeout bounds the wait for every job to finish.
	Timeout time.Duration
	// ExitWhenDone returns once every job has finished instead of waiting
	// for ctx to end.
	ExitWhenDone bool
	// Federated names the CloudJob that signs with federated temporary keys
	// (the cluster default federatedCredentials) instead of the Secret.
	Federated string

	// Out receives the demo's output; Terminal redraws the table in place,
	// Width (when more than 0) cuts its lines.
	Out      io.Writer
	Terminal bool
	Width    int
	// Assets is the directory of the control-plane binaries; empty finds
	// them as the tests do (KUBEBUILDER_ASSETS, else bin/k8s/<version>).
	Assets string
}

// errNotAsScripted: some job did not reach the outcome its scenario scripted.
var errNotAsScripted = errors.New("not every job reached the outcome its scenario scripted; the summary above says which, and the operator's log why")

// accessKey is the demo's access key id; its secret key is made up per run.
const accessKey = "DEMOCLOUDJOBOPERATOR"

// run runs the demo until every job has finished (ExitWhenDone) or ctx ends,
// and stops everything it started before it returns, whichever way it ends.
func run(ctx context.Context, o options) (rep *report, err error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	out := newScreen(o.Out, o.Terminal, o.Width)
	// The demo's own client libraries log nothing worth showing; the errors
	// they return are reported instead.
	ctrllog.SetLogger(logr.Discard())

	// Everything that can be checked before starting anything is.
	sc, err := cloudsim.LoadScenarioFile(o.Scenario)
	if err != nil {
		return nil, fmt.Errorf("%w; run the demo from the repository root, or name a scenario with --scenario", err)
	}
	if len(sc.Jobs) == 0 {
		return nil, fmt.Errorf("the scenario %s has no jobs to show", o.Scenario)
	}
	if fi, err := os.Stat(o.Manager); err != nil || fi.IsDir() {
		return nil, fmt.Errorf("the operator binary %s is missing: run 'make build', or 'make demo', which builds it (or name it with --manager)", o.Manager)
	}
	assets := o.Assets
	if assets == "" {
		if assets, err = testenv.AssetsDir(); err != nil {
			return nil, err
		}
	}
	scale := timeScale(o.TimeScale, sc)

	dir, err := os.MkdirTemp("", "cloudjob-demo-")
	if err != nil {
		return nil, err
	}
	rep = &report{TempDir: dir}
	cl := &cleanup{out: out, dir: dir}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the demo failed: %v\n%s", r, debug.Stack())
		} else if err != nil && ctx.Err() != nil {
			// A step cut short by Ctrl-C did not fail.
			err = errInterrupted
		}
		if err != nil && !errors.Is(err, errInterrupted) && cl.manager != nil {
			// The log goes with the temporary directory: show its end first.
			out.printf("the end of the operator's log:\n%s", cl.manager.LogTail(logTailLines))
		}
		if cerr := cl.close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()

	out.printf("cloudjob-operator demo: the operator against a local control plane and a simulated cloud running %gx faster than the wall clock", scale)
	out.printf("starting the control plane (etcd and kube-apiserver from %s)...", shortPath(assets))
	start := time.Now()
	if cl.cp, err = testenv.StartWith(testenv.Options{Dir: dir, Assets: assets}); err != nil {
		return rep, err
	}
	kubeconfig, err := cl.cp.Kubeconfig()
	if err != nil {
		return rep, err
	}
	rep.Kubeconfig = kubeconfig
	out.printf("  ready in %s with the CloudJob CRD installed; kubeconfig: %s", since(start), kubeconfig)
	if ctx.Err() != nil {
		return rep, errInterrupted
	}

	c, err := client.NewWithWatch(cl.cp.Config, client.Options{Scheme: cl.cp.Scheme})
	if err != nil {
		return rep, err
	}
	secretKey := rand.Text()
	if err := createCredentials(ctx, c, secretKey); err != nil {
		return rep, err
	}
	out.printf("created namespace %s and Secret %s (keys accessKey, secretKey)", namespace, secretName)

	fed, err := newFederation(dir)
	if err != nil {
		return rep, err
	}
	logPath := harness.LogPath(dir, managerName)
	start = time.Now()
	flags := managerFlags(scale, fed.tokenFile)
	out.printf("starting the operator: %s %s\n  its log: %s", o.Manager, strings.Join(flags.Args(), " "), logPath)
	if cl.manager, err = startManager(ctx, out, o.Manager, dir, kubeconfig, flags); err != nil {
		if ctx.Err() != nil {
			return rep, errInterrupted
		}
		return rep, err
	}
	rep.ManagerPID = cl.manager.PID()
	out.printf("  ready in %s (pid %d)", since(start), rep.ManagerPID)

	// The simulator starts last, right before the CloudJobs: its clock starts
	// with it, so the jobs begin as the CloudJobs are created, as if they had
	// just been submitted.
	cfg := cloudsim.Config{Credentials: []cloudsim.Credential{{AccessKey: accessKey, SecretKey: secretKey}}}
	sc.Settings.ApplyTo(&cfg)
	cfg.TimeScale = scale
	if cl.sim, err = cloudsim.Start(cfg); err != nil {
		return rep, fmt.Errorf("starting the simulator: %w", err)
	}
	infos, err := cl.sim.Apply(sc)
	if err != nil {
		return rep, fmt.Errorf("loading %s into the simulator: %w", o.Scenario, err)
	}
	jobs := demoJobs(infos)
	out.printf("started the simulated cloud at %s with the %d jobs of %s", cl.sim.APIURL, len(jobs), o.Scenario)
	if o.Federated != "" {
		if err := fed.install(ctx, c, cl.sim); err != nil {
			return rep, err
		}
		out.printf("created ClusterCloudCredentials %s for namespace %s: %s, which names no Secret, signs with temporary keys for the operator's service-account token (identity provider %s); no key stored",
			federatedCredentials, namespace, o.Federated, demoIdentityProvider)
	}

	for _, j := range jobs {
		cj := cloudJob(j, cl.sim.APIURL)
		if j.Name == o.Federated {
			// No credentials of its own: the namespace has no default either,
			// so the cluster default serves it.
			cj.Spec.CredentialsSecretRef = jobsv1alpha1.SecretReference{}
		}
		if err := c.Create(ctx, cj); err != nil {
			return rep, fmt.Errorf("creating the CloudJob %s: %w", j.Name, err)
		}
	}
	created := time.Now()
	out.printf("created %d CloudJobs in namespace %s; following them until every job has finished (Ctrl-C stops the demo):", len(jobs), namespace)

	t := newTracker()
	watchCtx, stopWatch := context.WithCancel(ctx)
	watchErr := make(chan error, 1)
	cl.stopWatch, cl.watchDone = stopWatch, make(chan struct{})
	go func() {
		defer close(cl.watchDone)
		defer func() {
			if r := recover(); r != nil {
				watchErr <- fmt.Errorf("watching the CloudJobs failed: %v\n%s", r, debug.Stack())
			}
		}()
		if err := watchJobs(watchCtx, c, t); err != nil {
			watchErr <- err
		}
	}()

	f := &follower{out: out, tracker: t, jobs: jobs, sim: cl.sim, manager: cl.manager, opts: o, created: created,
		paid: map[string]time.Duration{}, payTried: map[string]bool{}}
	finished, err := f.follow(ctx, watchErr)
	if err != nil {
		return rep, err
	}
	f.fill(rep)
	if !finished {
		out.printf("\nnot every job had finished after --timeout %s.", o.Timeout)
	}
	_, maxPoll, _ := pollIntervals(scale)
	out.printf("\n%s", summary(rep, scale, maxPoll))

	if o.ExitWhenDone {
		switch {
		case !finished:
			return rep, fmt.Errorf("not every job finished within --timeout %s; the summary above says which", o.Timeout)
		case !rep.asScripted():
			return rep, errNotAsScripted
		}
		return rep, nil
	}
	out.printf("\nThe control plane, the operator and the simulated cloud keep running until Ctrl-C. Point kubectl at it:\n\n"+
		"  export KUBECONFIG=%s; %s get cloudjobs -A\n"+
		"  %s describe cloudjob -n %s %s\n\n"+
		"The operator's log is %s.",
		kubeconfig, shortPath(cl.cp.KubectlPath()), shortPath(cl.cp.KubectlPath()), namespace, jobs[0].Name, logPath)
	select {
	case <-ctx.Done():
	case <-cl.manager.Exited():
		return rep, fmt.Errorf("%w; the end of its log is above", cl.manager.Failure())
	}
	out.printf("")
	if !finished || !rep.asScripted() {
		return rep, errNotAsScripted
	}
	return rep, nil
}

// createCredentials creates the namespace and the Secret with the key pair
// the simulator accepts.
func createCredentials(ctx context.Context, c client.Client, secretKey string) error {
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}); err != nil {
		return fmt.Errorf("creating namespace %s: %w", namespace, err)
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: secretName},
		Data:       map[string][]byte{"accessKey": []byte(accessKey), "secretKey": []byte(secretKey)},
	}
	if err := c.Create(ctx, secret); err != nil {
		return fmt.Errorf("creating Secret %s: %w", secretName, err)
	}
	return nil
}

// follower shows the CloudJobs until every job has finished, paying orders
// on the way.
type follower struct {
	out     *screen
	tracker *tracker
	jobs    []demoJob
	sim     *cloudsim.Instance
	manager *harness.Operator
	opts    options
	created time.Time
	// paid is how long each paid order had been AwaitingPayment; payTried
	// keeps a failed payment from being tried again at every tick.
	paid     map[string]time.Duration
	payTried map[string]bool
}

// follow redraws the table until every job has finished (true), the timeout
// passes (false), or something fails.
func (f *follower) follow(ctx context.Context, watchErr <-chan error) (bool, error) {
	// A terminal gets a smooth AGE column; elsewhere a look every 200ms
	// decides whether anything changed.
	every := 200 * time.Millisecond
	if f.opts.Terminal {
		every = 250 * time.Millisecond
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	timeout := time.NewTimer(f.opts.Timeout)
	defer timeout.Stop()
	for {
		f.pay()
		done := f.draw()
		if done {
			f.out.done()
			return true, nil
		}
		if err := f.manager.Failure(); err != nil {
			return false, fmt.Errorf("while jobs were running: %w", err)
		}
		select {
		case <-ctx.Done():
			f.out.done()
			return false, errInterrupted
		case err := <-watchErr:
			return false, err
		case <-timeout.C:
			f.out.done()
			return false, nil
		case <-tick.C:
		}
	}
}

// pay pays, in the simulator, every order the operator has shown
// AwaitingPayment for PayAfter, as its owner would in the console.
func (f *follower) pay() {
	now := time.Now()
	for _, j := range f.jobs {
		if !j.WaitsForPayment {
			continue
		}
		if f.payTried[j.Name] {
			continue
		}
		seen := f.tracker.get(j.Name).AwaitingSince
		if seen.IsZero() || now.Sub(seen) < f.opts.PayAfter {
			continue
		}
		f.payTried[j.Name] = true
		if _, err := f.sim.Pay(j.Spec.ProjectID, j.Spec.JobID); err != nil {
			f.out.printf("could not pay the order of %s in the simulated cloud: %v", j.Name, err)
			continue
		}
		f.paid[j.Name] = now.Sub(seen)
		f.out.printf("%s has been AwaitingPayment for %s: the demo paid its order in the simulated cloud", j.Name, seconds(now.Sub(seen)))
	}
}

// draw shows the table and reports whether every job has finished.
func (f *follower) draw() bool {
	now := time.Now()
	rows := make([][]string, len(f.jobs))
	var key strings.Builder
	done := true
	for i, j := range f.jobs {
		ob := f.tracker.get(j.Name)
		rows[i] = tableRow(j.Name, ob.Job, now)
		key.WriteString(strings.Join(rows[i][:len(rows[i])-1], "\t") + "\n")
		if ob.FinishedAt.IsZero() {
			done = false
		}
	}
	title := fmt.Sprintf("%s after the CloudJobs were created; %s of simulated cloud time",
		now.Sub(f.created).Round(time.Second), time.Duration(float64(now.Sub(f.created))*f.sim.TimeScale()).Round(time.Second))
	// The blank line sets each table apart from the lines before it.
	f.out.table(append([]string{"", title}, formatTable(rows)...), key.String())
	return done
}

// fill completes the report with what the watch and the simulator saw.
func (f *follower) fill(rep *report) {
	stats := map[[2]string]cloudsim.JobStats{}
	for _, js := range f.sim.Stats().Jobs {
		stats[[2]string{js.ProjectID, js.JobID}] = js
	}
	allDone := true
	var last time.Time
	for _, j := range f.jobs {
		ob := f.tracker.get(j.Name)
		jr := jobReport{demoJob: j, Got: ob.Outcome, Job: ob.Job}
		js := stats[[2]string{j.Spec.ProjectID, j.Spec.JobID}]
		jr.Polls = js.Requests
		if js.EndedAt != nil && !ob.FinishedAt.IsZero() {
			jr.Lag, jr.LagKnown = ob.FinishedAt.Sub(*js.EndedAt), true
		}
		jr.PaidAfter, jr.Paid = f.paid[j.Name]
		if ob.FinishedAt.IsZero() {
			allDone = false
		} else if ob.FinishedAt.After(last) {
			last = ob.FinishedAt
		}
		rep.Jobs = append(rep.Jobs, jr)
	}
	if allDone {
		rep.Elapsed = last.Sub(f.created)
	}
}

// shortPath shows p relative to the working directory when it is under it,
// as the commands the demo suggests are typed from there.
func shortPath(p string) string {
	wd, err := os.Getwd()
	if err != nil {
		return p
	}
	if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return p
}

func since(t time.Time) string { return time.Since(t).Round(100 * time.Millisecond).String() }
