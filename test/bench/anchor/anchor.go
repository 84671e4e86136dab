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

// Package anchor is what the benchmark measures the operator against: a
// fixed-interval poller the way the Terraform provider waits for these jobs.
// Each job is polled when it appears and then every period (10 s, scaled);
// every answer is written to the CloudJob's status, the time of the poll
// included, so each poll is a real write to the API server; a 429 makes the job
// sleep for the Retry-After (or a period) and ask again. It runs as its own
// process (hack/bench/anchor), so its CPU time and memory are measured like the
// operator's.
package anchor

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/controller"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

const (
	// UserAgent names the anchor's requests in the simulator's counts; each
	// fixed poller of a run adds its period (UserAgentFor).
	UserAgent = "cloudjob-bench-anchor/1"
	// maxPolls bounds one job's polling loop; a job of the longest
	// benchmark duration needs a few hundred.
	maxPolls = 1_000_000
)

// UserAgentFor is the User-Agent of a fixed poller named name ("" for UserAgent).
func UserAgentFor(name string) string {
	if name == "" {
		return UserAgent
	}
	return UserAgent + " (" + name + ")"
}

// config is the anchor's command line.
type config struct {
	kubeconfig  string
	namespace   string
	period      time.Duration // wall clock
	maxInflight int
	timeout     time.Duration
	name        string
	// writeChangesOnly skips the status write of a poll that saw nothing new.
	writeChangesOnly bool
}

// Main runs the anchor until SIGTERM; it returns the exit code.
func Main(args []string) int {
	fs := flag.NewFlagSet("anchor", flag.ContinueOnError)
	var cfg config
	fs.StringVar(&cfg.kubeconfig, "kubeconfig", "", "kubeconfig of the API server")
	fs.StringVar(&cfg.namespace, "namespace", "", "namespace whose CloudJobs to poll")
	fs.DurationVar(&cfg.period, "period", 10*time.Second, "time between two polls of a job (wall clock)")
	fs.IntVar(&cfg.maxInflight, "max-inflight", 64, "most polls (request and status write) in flight at once")
	fs.DurationVar(&cfg.timeout, "cloud-request-timeout", huaweicloud.DefaultTimeout, "timeout of one request to the cloud")
	fs.StringVar(&cfg.name, "name", "", "name of this fixed poller, added to its User-Agent")
	fs.BoolVar(&cfg.writeChangesOnly, "write-changes-only", false,
		"write the status only when the cloud's answer changed (the frontier's pollers, whose lag, not writes, is compared), instead of on every poll")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	stats, err := run(ctx, cfg)
	b, _ := json.Marshal(stats)
	fmt.Printf("%s%s\n", statsPrefix, b)
	if err != nil {
		fmt.Fprintln(os.Stderr, "anchor:", err)
		return 1
	}
	return 0
}

// statsPrefix starts the line with the anchor's counts, the last it prints.
const statsPrefix = "anchor stats "

// ParseStats finds the counts in the anchor's output; nil when it printed none.
func ParseStats(output string) *Stats {
	for _, l := range strings.Split(output, "\n") {
		if rest, ok := strings.CutPrefix(l, statsPrefix); ok {
			var st Stats
			if json.Unmarshal([]byte(rest), &st) == nil {
				return &st
			}
		}
	}
	return nil
}

// Stats are the anchor's own counts, printed when it stops.
type Stats struct {
	Jobs        int64 `json:"jobs"`
	Polls       int64 `json:"polls"`
	Throttled   int64 `json:"throttled"`
	CloudErrors int64 `json:"cloudErrors"`
	Writes      int64 `json:"writes"`
	WriteErrors int64 `json:"writeErrors"`
}

type anchor struct {
	cfg   config
	kube  client.Client
	cloud *huaweicloud.Client
	slots chan struct{}

	credMu sync.Mutex
	creds  map[string]signer.Credentials

	jobs, polls, throttled, cloudErrors, writes, writeErrors atomic.Int64
}

func run(ctx context.Context, cfg config) (Stats, error) {
	rc, err := clientcmd.BuildConfigFromFlags("", cfg.kubeconfig)
	if err != nil {
		return Stats{}, err
	}
	// A high client-side limit: the anchor's writes are the cost being measured,
	// and client-go's default of 5 per second would hide it.
	rc.QPS, rc.Burst = 5000, 10000
	kube, err := client.New(rc, client.Options{Scheme: testenv.Scheme()})
	if err != nil {
		return Stats{}, err
	}
	// The project's cloud client, with a transport keeping as many idle
	// connections as polls may be in flight: the stock one keeps 16 per host,
	// and the anchor would open and close connections at a high rate.
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        cfg.maxInflight,
		MaxIdleConnsPerHost: cfg.maxInflight,
		MaxConnsPerHost:     cfg.maxInflight,
		IdleConnTimeout:     90 * time.Second,
	}
	defer transport.CloseIdleConnections()
	a := &anchor{
		cfg:   cfg,
		kube:  kube,
		cloud: huaweicloud.NewClient(huaweicloud.Options{UserAgent: UserAgentFor(cfg.name), Timeout: cfg.timeout, Transport: transport}),
		slots: make(chan struct{}, cfg.maxInflight),
		creds: map[string]signer.Credentials{},
	}
	err = a.discover(ctx, rc)
	return Stats{
		Jobs: a.jobs.Load(), Polls: a.polls.Load(), Throttled: a.throttled.Load(), CloudErrors: a.cloudErrors.Load(),
		Writes: a.writes.Load(), WriteErrors: a.writeErrors.Load(),
	}, err
}

// discover starts a poller for every CloudJob of the namespace, present or
// added later, until ctx ends; then it waits for the pollers to return. It
// uses an informer, as a controller would: its reflector lists again when a
// watch falls too far behind, so no job is missed under load.
func (a *anchor) discover(ctx context.Context, rest *rest.Config) error {
	c, err := cache.New(rest, cache.Options{
		Scheme:            testenv.Scheme(),
		DefaultNamespaces: map[string]cache.Config{a.cfg.namespace: {}},
		DefaultTransform:  cache.TransformStripManagedFields(),
	})
	if err != nil {
		return err
	}
	inf, err := c.GetInformer(ctx, &jobsv1alpha1.CloudJob{})
	if err != nil {
		return err
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		started = map[types.UID]bool{}
	)
	defer wg.Wait()
	start := func(obj any) {
		j, ok := obj.(*jobsv1alpha1.CloudJob)
		if !ok || ctx.Err() != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if started[j.UID] {
			return
		}
		started[j.UID] = true
		a.jobs.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.pollJob(ctx, j.DeepCopy())
		}()
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{AddFunc: func(obj any) { start(obj) }}); err != nil {
		return err
	}
	cacheDone := make(chan error, 1)
	go func() { cacheDone <- c.Start(ctx) }()
	select {
	case <-ctx.Done():
	case err := <-cacheDone:
		if ctx.Err() == nil {
			return fmt.Errorf("the CloudJob informer stopped: %w", err)
		}
	}
	return nil
}

// pollJob polls one job every period until it finished or ctx ends.
func (a *anchor) pollJob(ctx context.Context, j *jobsv1alpha1.CloudJob) {
	st := &jobStatus{generation: j.Generation}
	for range maxPolls {
		wait := a.cfg.period
		done, retryAfter := a.pollOnce(ctx, j, st)
		if done {
			return
		}
		if retryAfter > 0 {
			wait = retryAfter
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// pollOnce sends one request and, on an answer, writes the status. It reports
// whether the job is finished, and the Retry-After of a 429.
func (a *anchor) pollOnce(ctx context.Context, j *jobsv1alpha1.CloudJob, st *jobStatus) (done bool, retryAfter time.Duration) {
	select {
	case a.slots <- struct{}{}:
	case <-ctx.Done():
		return true, 0
	}
	defer func() { <-a.slots }()
	cred, err := a.credentials(ctx, j.Namespace, j.Spec.CredentialsSecretRef.Name)
	if err != nil {
		a.cloudErrors.Add(1)
		return false, 0
	}
	a.polls.Add(1)
	cj, err := a.cloud.GetJob(ctx, huaweicloud.Request{
		Endpoint:    j.Spec.Endpoint,
		Service:     huaweicloud.Service(j.Spec.Service),
		JobRef:      controller.JobRefOf(&j.Spec),
		Credentials: cred,
	})
	if err != nil {
		var cloudErr *huaweicloud.Error
		if errors.As(err, &cloudErr) && cloudErr.Class == huaweicloud.ErrThrottled {
			a.throttled.Add(1)
			return false, cloudErr.RetryAfter
		}
		a.cloudErrors.Add(1)
		return false, 0
	}
	seen := st.update(cj, time.Now())
	if a.cfg.writeChangesOnly && !cj.Phase.Finished() && !st.changed(seen) {
		return false, 0
	}
	body, err := json.Marshal(map[string]any{"status": seen})
	if err == nil {
		obj := &jobsv1alpha1.CloudJob{ObjectMeta: metav1.ObjectMeta{Namespace: j.Namespace, Name: j.Name}}
		err = a.kube.Status().Patch(ctx, obj, client.RawPatch(types.MergePatchType, body))
	}
	if err != nil {
		a.writeErrors.Add(1)
		// Not done: the outcome is not recorded yet, so the job is polled again.
		return false, 0
	}
	a.writes.Add(1)
	return cj.Phase.Finished(), 0
}

// credentials reads a Secret once and keeps its key pair.
func (a *anchor) credentials(ctx context.Context, namespace, name string) (signer.Credentials, error) {
	key := namespace + "/" + name
	a.credMu.Lock()
	c, ok := a.creds[key]
	a.credMu.Unlock()
	if ok {
		return c, nil
	}
	var s corev1.Secret
	if err := a.kube.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &s); err != nil {
		return c, err
	}
	c = signer.Credentials{AccessKey: string(s.Data["accessKey"]), SecretKey: string(s.Data["secretKey"])}
	a.credMu.Lock()
	a.creds[key] = c
	a.credMu.Unlock()
	return c, nil
}

// jobStatus is the status the anchor writes for one job; it keeps the
// conditions so their transition times only move when their status does.
type jobStatus struct {
	generation int64
	conditions []metav1.Condition
	start      *metav1.Time
	// written is what the last status written said of the job.
	written string
}

// changed tells whether st says something new of the job since the last call
// that returned true: its state, times, error and sub-jobs, not the poll time.
func (s *jobStatus) changed(st jobsv1alpha1.CloudJobStatus) bool {
	b, _ := json.Marshal([]any{st.JobRecord, st.SubJobsTotal, st.SubJobCounts})
	if string(b) == s.written {
		return false
	}
	s.written = string(b)
	return true
}

// update returns the status after a poll at now that found cj: the fields the
// answer gave, and conditions with the poll time in the Reconciling message.
func (s *jobStatus) update(cj *huaweicloud.Job, now time.Time) jobsv1alpha1.CloudJobStatus {
	st := jobsv1alpha1.CloudJobStatus{
		ObservedGeneration: s.generation,
		JobRecord: jobsv1alpha1.JobRecord{
			JobID: cj.JobID, JobType: cj.JobType, State: cj.State,
			BeginTime: metaTime(cj.BeginTime), EndTime: metaTime(cj.EndTime),
			ErrorCode: cj.ErrorCode, FailReason: cj.FailReason,
		},
		SubJobsTotal: int32(cj.SubJobsTotal),
	}
	if len(cj.SubJobs) > 0 {
		var c jobsv1alpha1.SubJobCounts
		for _, sj := range cj.SubJobs {
			switch sj.Phase {
			case huaweicloud.PhaseSucceeded:
				c.Succeeded++
			case huaweicloud.PhaseFailed:
				c.Failed++
			default:
				c.Running++
			}
		}
		st.SubJobCounts = &c
		st.SubJobsProgress = fmt.Sprintf("%d/%d", c.Succeeded, cj.SubJobsTotal)
	}
	if s.start == nil {
		s.start = st.BeginTime
		if s.start == nil {
			s.start = &metav1.Time{Time: now}
		}
	}
	st.StartTime = s.start
	set := func(typ string, status metav1.ConditionStatus, reason, msg string) {
		meta.SetStatusCondition(&s.conditions, metav1.Condition{
			Type: typ, Status: status, Reason: reason, Message: msg, ObservedGeneration: s.generation,
			LastTransitionTime: metav1.Time{Time: now},
		})
	}
	polled := "polled at " + now.UTC().Format(time.RFC3339Nano)
	switch cj.Phase {
	case huaweicloud.PhaseSucceeded:
		set(jobsv1alpha1.ConditionReady, metav1.ConditionTrue, jobsv1alpha1.ReasonSucceeded, polled)
		set(jobsv1alpha1.ConditionSucceeded, metav1.ConditionTrue, jobsv1alpha1.ReasonSucceeded, polled)
		meta.RemoveStatusCondition(&s.conditions, jobsv1alpha1.ConditionReconciling)
	case huaweicloud.PhaseFailed:
		msg := fmt.Sprintf("%s: %s", cj.ErrorCode, cj.FailReason)
		set(jobsv1alpha1.ConditionReady, metav1.ConditionFalse, jobsv1alpha1.ReasonJobFailed, msg)
		set(jobsv1alpha1.ConditionSucceeded, metav1.ConditionFalse, jobsv1alpha1.ReasonJobFailed, msg)
		set(jobsv1alpha1.ConditionStalled, metav1.ConditionTrue, jobsv1alpha1.ReasonJobFailed, msg)
		meta.RemoveStatusCondition(&s.conditions, jobsv1alpha1.ConditionReconciling)
	default:
		reason := jobsv1alpha1.ReasonRunning
		if cj.Phase == huaweicloud.PhasePending {
			reason = jobsv1alpha1.ReasonInitializing
		}
		set(jobsv1alpha1.ConditionReady, metav1.ConditionFalse, reason, "the job is "+cj.State)
		set(jobsv1alpha1.ConditionSucceeded, metav1.ConditionUnknown, reason, "the job is "+cj.State)
		set(jobsv1alpha1.ConditionReconciling, metav1.ConditionTrue, reason, polled)
	}
	if cj.Phase.Finished() {
		end := st.EndTime
		if end == nil {
			end = &metav1.Time{Time: now}
		}
		st.CompletionTime = end
	}
	st.Conditions = s.conditions
	return st
}

func metaTime(t *time.Time) *metav1.Time {
	if t == nil {
		return nil
	}
	return &metav1.Time{Time: *t}
}
