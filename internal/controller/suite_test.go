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

package controller_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/controller"
	"github.com/cloudjob-operator/cloudjob-operator/internal/eventrecorder"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/identity"
	"github.com/cloudjob-operator/cloudjob-operator/internal/metrics"
	"github.com/cloudjob-operator/cloudjob-operator/internal/poll"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// The suite runs real managers against a real API server and the simulator, over
// real signed HTTP requests. Intervals are scaled down so that it takes seconds.

const (
	accessKey = "suite-access-key"
	secretKey = "suite-secret-key-0123456789"
	// shardLabel selects which manager owns a CloudJob, so that tests needing a
	// manager of their own (restarts) do not share their jobs with the suite's.
	shardLabel = "cloudjob.io/test-shard"
)

var (
	env *testenv.Env
	sim *cloudsim.Instance
)

func TestMain(m *testing.M) {
	ctrl.SetLogger(testLogger())
	var err error
	if env, err = testenv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sim, err = cloudsim.Start(cloudsim.Config{
		Credentials:       []cloudsim.Credential{{AccessKey: accessKey, SecretKey: secretKey}},
		RequestsPerMinute: 100000,
		TimeScale:         1,
		Seed:              1,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = env.Stop()
		os.Exit(1)
	}
	code := m.Run()
	_ = sim.Close()
	_ = env.Stop()
	os.Exit(code)
}

// testConfig is the reconciler configuration of the suite: every wait is short.
func testConfig() controller.Config {
	cfg := controller.DefaultConfig()
	cfg.AllowLoopback = true
	cfg.JobNotFoundGrace = 2 * time.Second
	cfg.AuthRetryInterval = 2 * time.Second
	cfg.StalledRetryInterval = time.Second
	cfg.BackoffBase = 50 * time.Millisecond
	cfg.BackoffMax = 500 * time.Millisecond
	return cfg
}

type managerOptions struct {
	shard          string
	cfg            controller.Config
	requestTimeout time.Duration
	perMinute      float64
	// wrapClient, when set, wraps the reconciler's client (to interfere with
	// its writes).
	wrapClient func(client.Client) client.Client
	// policy, when set, replaces the tests' short poll intervals.
	policy *poll.Policy
	// sim is the simulator the identity broker's node metadata and clock
	// come from; nil means the suite's.
	sim *cloudsim.Instance
}

// startManager runs a manager owning the CloudJobs labelled shard, until the
// returned stop function is called (or the test ends).
func startManager(t *testing.T, o managerOptions) (stop func()) {
	t.Helper()
	if o.cfg.BackoffBase == 0 {
		o.cfg = testConfig()
	}
	if o.requestTimeout == 0 {
		o.requestTimeout = 2 * time.Second
	}
	if o.perMinute == 0 {
		o.perMinute = 60000
	}
	sel := labels.SelectorFromSet(labels.Set{shardLabel: o.shard})
	skipNameValidation := true
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme:  env.Scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&jobsv1alpha1.CloudJob{}: {Label: sel},
		}},
		Controller: ctrlConfig(&skipNameValidation),
	})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := eventrecorder.AddToManager(mgr, "cloudjob-operator")
	if err != nil {
		t.Fatal(err)
	}
	kube := mgr.GetClient()
	if o.wrapClient != nil {
		kube = o.wrapClient(kube)
	}
	cloud := huaweicloud.NewClient(huaweicloud.Options{Timeout: o.requestTimeout})
	if o.sim == nil {
		o.sim = sim
	}
	broker := &identity.Broker{
		Cloud: cloud, TokenFile: o.cfg.FederationTokenFile, MetadataEndpoint: o.sim.APIURL,
		RejectedRetry: o.cfg.AuthRetryInterval, FailedRetry: time.Second,
		Observe: metrics.ObserveIdentityRequest,
		// Temporary keys expire in simulated time.
		Now: o.sim.SimNow,
	}
	// Every manager derives the same external ids: from the UID of the
	// namespace "default", standing for the operator's.
	externalIDs := &controller.ExternalIDs{Reader: mgr.GetAPIReader(), OperatorNamespace: "default"}
	if err := (&controller.CloudCredentialsReconciler{Client: kube, ExternalIDs: externalIDs, Identities: broker}).SetupWithManager(mgr); err != nil {
		t.Fatal(err)
	}
	r := &controller.CloudJobReconciler{
		Client:      kube,
		Cloud:       cloud,
		Identities:  broker,
		ExternalIDs: externalIDs,
		Recorder:    rec,
		Quota:       poll.NewQuota(o.perMinute),
		Policy: poll.Policy{
			MinInterval:             200 * time.Millisecond,
			MaxInterval:             time.Second,
			AwaitingPaymentInterval: time.Second,
			Learner:                 poll.NewLearner(),
		},
		Config: o.cfg,
	}
	if o.policy != nil {
		r.Policy = *o.policy
	}
	broker.Gate = r.IdentityGate()
	if err := r.SetupWithManager(mgr, 8); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			t.Errorf("manager: %v", err)
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// fixture is one test's namespace, Secret and manager shard.
type fixture struct {
	t       *testing.T
	ns      string
	shard   string
	project string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "cj-"}}
	if err := env.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ns: ns.Name, shard: ns.Name, project: strings.ReplaceAll(ns.Name, "-", "")}
	f.secret("cloud-credentials", accessKey, secretKey)
	return f
}

func (f *fixture) secret(name, ak, sk string) *corev1.Secret {
	f.t.Helper()
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name},
		Data:       map[string][]byte{"accessKey": []byte(ak), "secretKey": []byte(sk)},
	}
	if err := env.Client.Create(context.Background(), s); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// simJob adds a job to the simulator in this fixture's project.
func (f *fixture) simJob(spec cloudsim.JobSpec) cloudsim.JobInfo {
	f.t.Helper()
	spec.ProjectID = f.project
	infos, err := sim.AddJobs(spec)
	if err != nil {
		f.t.Fatal(err)
	}
	return infos[0]
}

// cloudJob creates a CloudJob for a simulated job.
func (f *fixture) cloudJob(name string, service jobsv1alpha1.Service, jobID string, mutate ...func(*jobsv1alpha1.CloudJob)) {
	f.t.Helper()
	j := &jobsv1alpha1.CloudJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name, Labels: map[string]string{shardLabel: f.shard}},
		Spec: jobsv1alpha1.CloudJobSpec{
			ProjectID:            f.project,
			JobID:                jobID,
			Service:              service,
			Endpoint:             sim.APIURL,
			CredentialsSecretRef: jobsv1alpha1.SecretReference{Name: "cloud-credentials"},
		},
	}
	for _, m := range mutate {
		m(j)
	}
	if err := env.Client.Create(context.Background(), j); err != nil {
		f.t.Fatal(err)
	}
}

func secs(n float64) cloudsim.Duration {
	return cloudsim.Duration(time.Duration(n * float64(time.Second)))
}

// waitFor polls the CloudJob until done says so, checking at every look that
// kstatus reads the conditions as they mean: InProgress while running, Current on
// success, Failed once stalled.
func (f *fixture) waitFor(name string, timeout time.Duration, what string, done func(*jobsv1alpha1.CloudJob) bool) *jobsv1alpha1.CloudJob {
	f.t.Helper()
	deadline := time.Now().Add(timeout)
	var last jobsv1alpha1.CloudJob
	for {
		if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: name}, &last); err != nil {
			f.t.Fatal(err)
		}
		checkKstatus(f.t, &last)
		if done(&last) {
			return &last
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("%s: not %s after %s; status: state=%q conditions=%s", name, what, timeout, last.Status.State, testenv.ConditionsText(&last))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkKstatus computes kstatus, as Flux does, and compares it with what the
// conditions mean.
func checkKstatus(t *testing.T, j *jobsv1alpha1.CloudJob) {
	t.Helper()
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(j)
	if err != nil {
		t.Fatal(err)
	}
	res, err := status.Compute(&unstructured.Unstructured{Object: obj})
	if err != nil {
		t.Fatal(err)
	}
	want := status.InProgressStatus
	if j.Status.ObservedGeneration == j.Generation {
		switch {
		case condStatus(j, jobsv1alpha1.ConditionStalled) == metav1.ConditionTrue:
			want = status.FailedStatus
		case condStatus(j, jobsv1alpha1.ConditionReady) == metav1.ConditionTrue:
			want = status.CurrentStatus
		}
	}
	if res.Status != want {
		t.Errorf("%s: kstatus = %s (%s), want %s; conditions %s", j.Name, res.Status, res.Message, want, testenv.ConditionsText(j))
	}
	if j.Status.ObservedGeneration == j.Generation && condStatus(j, jobsv1alpha1.ConditionSucceeded) == metav1.ConditionTrue && res.Status != status.CurrentStatus {
		t.Errorf("%s: succeeded but kstatus = %s", j.Name, res.Status)
	}
}

func condStatus(j *jobsv1alpha1.CloudJob, typ string) metav1.ConditionStatus {
	c := meta.FindStatusCondition(j.Status.Conditions, typ)
	if c == nil {
		return ""
	}
	return c.Status
}

func cond(j *jobsv1alpha1.CloudJob, typ string) metav1.Condition {
	c := meta.FindStatusCondition(j.Status.Conditions, typ)
	if c == nil {
		return metav1.Condition{}
	}
	return *c
}

func succeededIs(s metav1.ConditionStatus) func(*jobsv1alpha1.CloudJob) bool {
	return func(j *jobsv1alpha1.CloudJob) bool { return condStatus(j, jobsv1alpha1.ConditionSucceeded) == s }
}

func stalledWith(reason string) func(*jobsv1alpha1.CloudJob) bool {
	return func(j *jobsv1alpha1.CloudJob) bool {
		c := cond(j, jobsv1alpha1.ConditionStalled)
		return c.Status == metav1.ConditionTrue && c.Reason == reason
	}
}

// eventTimeout bounds the wait for an Event or a metric that follows a status
// write: the recorder sends Events from its own workers, and retries them for
// about half a minute while the API server is busy.
const eventTimeout = 45 * time.Second

// eventually calls check every 100 ms until it returns nil, and fails the test
// with check's last error once timeout has passed; it tells whether check
// passed. Events, some metrics and watches follow the change a test waits for
// asynchronously: read once right after it, they may not show it yet on a busy
// machine.
func eventually(t *testing.T, timeout time.Duration, check func() error) bool {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return true
		}
		if time.Now().After(deadline) {
			t.Errorf("still after %s: %v", timeout, err)
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitForEvents waits until the CloudJob name has an Event of each reason.
func (f *fixture) waitForEvents(name string, reasons ...string) bool {
	f.t.Helper()
	return eventually(f.t, eventTimeout, func() error {
		got := f.events(name)
		for _, reason := range reasons {
			if !slices.Contains(got, reason) {
				return fmt.Errorf("%.30s: no %s Event; events: %v", name, reason, got)
			}
		}
		return nil
	})
}

// events lists the reasons of the events about a CloudJob.
func (f *fixture) events(name string) []string {
	f.t.Helper()
	var list eventsv1.EventList
	if err := env.Client.List(context.Background(), &list, client.InNamespace(f.ns)); err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		if e.Regarding.Name == name {
			out = append(out, e.Reason)
		}
	}
	return out
}

// statusWrites watches the fixture's CloudJobs and counts, per job, the writes
// (watch MODIFIED events) and the distinct states observed (job state and
// sub-job counts). Stop it with the returned function.
type writeCounter struct {
	mu     sync.Mutex
	writes map[string]int
	states map[string]map[string]bool
	// versions are the resourceVersions seen per job.
	versions map[string]map[string]bool
	stop     func()
}

func (f *fixture) countWrites() *writeCounter {
	f.t.Helper()
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	if err != nil {
		f.t.Fatal(err)
	}
	w, err := wc.Watch(context.Background(), &jobsv1alpha1.CloudJobList{}, client.InNamespace(f.ns))
	if err != nil {
		f.t.Fatal(err)
	}
	c := &writeCounter{writes: map[string]int{}, states: map[string]map[string]bool{}, versions: map[string]map[string]bool{}, stop: w.Stop}
	go func() {
		for ev := range w.ResultChan() {
			j, ok := ev.Object.(*jobsv1alpha1.CloudJob)
			if !ok {
				continue
			}
			c.mu.Lock()
			if ev.Type == watch.Modified {
				c.writes[j.Name]++
			}
			if c.states[j.Name] == nil {
				c.states[j.Name] = map[string]bool{}
			}
			c.states[j.Name][fmt.Sprintf("%s %+v", j.Status.State, j.Status.SubJobCounts)] = true
			if c.versions[j.Name] == nil {
				c.versions[j.Name] = map[string]bool{}
			}
			c.versions[j.Name][j.ResourceVersion] = true
			c.mu.Unlock()
		}
	}()
	f.t.Cleanup(w.Stop)
	return c
}

// waitSeen waits until the watch delivered the version of j that the test
// read: the watch runs behind the API server, by a moment on a busy machine.
func (c *writeCounter) waitSeen(t *testing.T, j *jobsv1alpha1.CloudJob) bool {
	t.Helper()
	return eventually(t, eventTimeout, func() error {
		c.mu.Lock()
		defer c.mu.Unlock()
		if !c.versions[j.Name][j.ResourceVersion] {
			return fmt.Errorf("%s: the watch has not delivered resourceVersion %s (%d versions so far)", j.Name, j.ResourceVersion, len(c.versions[j.Name]))
		}
		return nil
	})
}

func (c *writeCounter) get(name string) (writes, states int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// The empty state of the new object is not a state the cloud reported.
	n := len(c.states[name])
	if c.states[name][fmt.Sprintf("%s %+v", "", (*jobsv1alpha1.SubJobCounts)(nil))] {
		n--
	}
	return c.writes[name], n
}

func ctrlConfig(skipNameValidation *bool) ctrlconfig.Controller {
	return ctrlconfig.Controller{SkipNameValidation: skipNameValidation}
}

func testLogger() logr.Logger {
	return zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(false))
}
