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

package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/chart"
	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := harness.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// TestManagerServesProbesAndSecureMetrics starts the operator's manager against a
// real API server: the probes answer, and the metrics endpoint is HTTPS and
// refuses a client without credentials.
func TestManagerServesProbesAndSecureMetrics(t *testing.T) {
	env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = env.Stop() }()

	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	opts, _ := bindFlags(fs)
	probes, metrics := freeAddr(t), freeAddr(t)
	if err := fs.Parse([]string{"--health-probe-bind-address=" + probes, "--metrics-bind-address=" + metrics}); err != nil {
		t.Fatal(err)
	}
	if !opts.secureMetrics || opts.enableHTTP2 {
		t.Fatalf("defaults: metrics-secure=%v enable-http2=%v; want true, false", opts.secureMetrics, opts.enableHTTP2)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, env.Config, *opts) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	}()

	plain := &http.Client{Timeout: 2 * time.Second}
	for _, path := range []string{"/healthz", "/readyz"} {
		waitStatus(t, plain, "http://"+probes+path, http.StatusOK)
	}
	// The test only checks that the endpoint is TLS and demands credentials; the
	// operator's self-signed certificate is not what is under test.
	insecure := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec
	waitStatus(t, insecure, "https://"+metrics+"/metrics", http.StatusUnauthorized)
	resp, err := insecure.Get("https://" + metrics + "/metrics")
	if err == nil {
		if resp.ProtoMajor != 1 {
			t.Errorf("metrics served over HTTP/%d, want HTTP/1.1 while --enable-http2 is off", resp.ProtoMajor)
		}
		_ = resp.Body.Close()
	}
}

func waitStatus(t *testing.T, c *http.Client, url string, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		resp, err := c.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == want {
				return
			}
			last = fmt.Sprintf("HTTP %d", resp.StatusCode)
		} else {
			last = err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: got %s, want HTTP %d", url, last, want)
}

// TestHarnessRunsTheBinaryWithItsDefaults checks that the flags the benchmark,
// the demo and the reliability suite start from are the binary's own defaults.
func TestHarnessRunsTheBinaryWithItsDefaults(t *testing.T) {
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	bindFlags(fs)
	for name, value := range harness.DefaultFlags() {
		f := fs.Lookup(name)
		if f == nil {
			t.Errorf("the harness sets --%s, which the operator does not have", name)
			continue
		}
		if !sameFlagValue(f.DefValue, value) {
			t.Errorf("--%s: the operator defaults to %q, the harness to %q", name, f.DefValue, value)
		}
	}
}

func sameFlagValue(a, b string) bool {
	if da, err := time.ParseDuration(a); err == nil {
		db, err := time.ParseDuration(b)
		return err == nil && da == db
	}
	fa, errA := strconv.ParseFloat(a, 64)
	fb, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		return fa == fb
	}
	return a == b
}

func TestEachShardElectsItsOwnLeader(t *testing.T) {
	id := func(args ...string) string {
		fs := flag.NewFlagSet("manager", flag.ContinueOnError)
		opts, _ := bindFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		got, err := leaderElectionID(*opts)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := id(); got != leaderElectionBase {
		t.Errorf("without shards: %s", got)
	}
	a, b := id("--shard-selector=cloudjob.io/shard=a"), id("--shard-selector=cloudjob.io/shard=b")
	if a == b || a == leaderElectionBase || !strings.HasPrefix(a, leaderElectionBase+"-") {
		t.Errorf("shards a and b elect through %s and %s", a, b)
	}
	if same := id("--shard-selector=zone in (x), cloudjob.io/shard=a"); same != id("--shard-selector=cloudjob.io/shard=a,zone in (x)") {
		t.Error("one selector spelled two ways elects through two Leases")
	}
	if got := id("--shard-selector=cloudjob.io/shard=a", "--leader-election-id=mine"); got != "mine" {
		t.Errorf("--leader-election-id ignored: %s", got)
	}
}

func TestFlagValidation(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string // "" means accepted
	}{
		{nil, ""},
		{[]string{"--min-poll-interval=30ms", "--auth-retry-interval=1s", "--job-not-found-grace=0s"}, ""},
		{[]string{"--iam-endpoint=https://iam.attacker.example"}, "--iam-endpoint https://iam.attacker.example: endpoint not allowed"},
		{[]string{"--iam-endpoint=https://iam.eu-de.otc.t-systems.com"}, ""},
		{[]string{"--namespace-agencies=cloudjob"}, "is not a {domain id}/{agency name} glob pattern"},
		{[]string{"--cloud-requests-per-minute=0"}, "--cloud-requests-per-minute must be more than 0"},
		{[]string{"--min-poll-interval=10s", "--max-poll-interval=5s"}, "--min-poll-interval (10s) must be more than 0 and at most --max-poll-interval (5s)"},
		{[]string{"--min-poll-interval=-1s"}, "--min-poll-interval (-1s) must be more than 0"},
		{[]string{"--max-concurrent-reconciles=0"}, "--max-concurrent-reconciles must be from 1 to 1000, got 0"},
		{[]string{"--max-concurrent-reconciles=5000"}, "--max-concurrent-reconciles must be from 1 to 1000, got 5000"},
		{[]string{"--stalled-retry-interval=0"}, "--stalled-retry-interval must be at least 1s, got 0s"},
		{[]string{"--auth-retry-interval=0"}, "--auth-retry-interval must be at least 1s, got 0s"},
		{[]string{"--auth-retry-interval=-5m"}, "--auth-retry-interval must be at least 1s, got -5m0s"},
		{[]string{"--job-not-found-grace=-1s"}, "--job-not-found-grace must be at least 0s, got -1s"},
		{[]string{"--cloud-request-timeout=0"}, "--cloud-request-timeout must be more than 0, got 0s"},
		{[]string{"--awaiting-payment-poll-interval=-1m"}, "--awaiting-payment-poll-interval must be more than 0"},
		{[]string{"--poll-detection-lag=0"}, "--poll-detection-lag must be more than 0"},
		{[]string{"--max-poll-interval-before-window=0"}, "--max-poll-interval-before-window must be more than 0"},
		{[]string{"--leader-elect-renew-deadline=20s"}, "--leader-elect-lease-duration (15s) must exceed --leader-elect-renew-deadline (20s)"},
	} {
		fs := flag.NewFlagSet("manager", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		opts, _ := bindFlags(fs)
		err := fs.Parse(c.args)
		if err == nil {
			err = validate(*opts)
		}
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v refused: %v", c.args, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: error %v, want one saying %q", c.args, err, c.want)
		}
	}
}

func TestJobEntryRunningSince(t *testing.T) {
	created := metav1.NewTime(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	begun := metav1.NewTime(created.Add(time.Minute))
	succeeded := []metav1.Condition{{Type: jobsv1alpha1.ConditionSucceeded, Status: metav1.ConditionTrue}}
	for _, tc := range []struct {
		name   string
		status jobsv1alpha1.CloudJobStatus
		want   time.Time
	}{
		{"not polled yet: since creation", jobsv1alpha1.CloudJobStatus{}, created.Time},
		{"running: since the cloud's begin time", jobsv1alpha1.CloudJobStatus{Phase: jobsv1alpha1.PhaseRunning,
			JobRecord: jobsv1alpha1.JobRecord{State: "RUNNING", BeginTime: &begun}}, begun.Time},
		{"awaiting payment waits on a person", jobsv1alpha1.CloudJobStatus{Phase: jobsv1alpha1.PhaseAwaitingPayment,
			JobRecord: jobsv1alpha1.JobRecord{BeginTime: &begun}}, time.Time{}},
		{"finished", jobsv1alpha1.CloudJobStatus{Phase: jobsv1alpha1.PhaseSucceeded, Conditions: succeeded,
			JobRecord: jobsv1alpha1.JobRecord{BeginTime: &begun}}, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job := &jobsv1alpha1.CloudJob{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: created},
				Spec: jobsv1alpha1.CloudJobSpec{Service: "ecs"}, Status: tc.status}
			e, ok := jobEntry(job)
			if !ok || e.Service != "ecs" || !e.RunningSince.Equal(tc.want) {
				t.Fatalf("jobEntry = %+v, %v; want service ecs, running since %v", e, ok, tc.want)
			}
		})
	}
	if _, ok := jobEntry(&corev1.Secret{}); ok {
		t.Fatal("jobEntry accepted a Secret")
	}
}

// TestChartPassesOnlyOperatorFlags renders the Helm chart with every value set
// and parses the Deployment's arguments with the operator's own flags: a flag
// the chart passes but the operator lacks (or a value it refuses) would stop
// the operator from starting.
func TestChartPassesOnlyOperatorFlags(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("test", "chart", "testdata", "every-value.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]any{}
	if err := yaml.Unmarshal(data, &values); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, deployment string
		values           map[string]any
	}{{"defaults", "cj-cloudjob-operator", nil}, {"every value", "cloudjobs", values}} {
		name := c.name
		rel, err := chart.Render("cj", "ops", c.values)
		if err != nil {
			t.Fatal(err)
		}
		spec, err := rel.PodSpec(c.deployment)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		args := spec.Containers[0].Args
		fs := flag.NewFlagSet("manager", flag.ContinueOnError)
		opts, _ := bindFlags(fs)
		if err := fs.Parse(args); err != nil {
			t.Errorf("%s: the operator refuses the chart's arguments %v: %v", name, args, err)
			continue
		}
		if err := validate(*opts); err != nil {
			t.Errorf("%s: the operator refuses the chart's arguments %v: %v", name, args, err)
		}
	}
}

// TestMetricsCertDirNeedsTheFiles: a configured certificate directory without
// tls.crt and tls.key stops the operator, instead of quietly serving a
// self-signed certificate that scrapers then refuse.
func TestMetricsCertDirNeedsTheFiles(t *testing.T) {
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	opts, _ := bindFlags(fs)
	dir := t.TempDir()
	if err := fs.Parse([]string{"--metrics-cert-dir=" + dir}); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), &rest.Config{Host: "https://127.0.0.1:1"}, *opts)
	if err == nil || !strings.Contains(err.Error(), "--metrics-cert-dir "+dir) || !strings.Contains(err.Error(), "tls.crt") {
		t.Fatalf("run with an empty --metrics-cert-dir: %v", err)
	}
}
