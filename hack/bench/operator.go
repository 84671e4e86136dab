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
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/cloudjob-operator/cloudjob-operator/internal/controller"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/poll"
	"github.com/cloudjob-operator/cloudjob-operator/internal/testenv"
)

// versionVar is the variable `make build` stamps the version into; each replica's
// build gets its own, which becomes its User-Agent toward the cloud.
const versionVar = "github.com/cloudjob-operator/cloudjob-operator/internal/version.Version"

// buildOperator builds the operator from the repository root into dir, stamped
// with version, as `make build` does. Builds are cached by the go command, so a
// second build with another version only links.
func buildOperator(ctx context.Context, dir, version string) (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is needed to build the operator: %w", err)
	}
	out := filepath.Join(dir, "manager-"+version)
	cmd := exec.CommandContext(ctx, goBin, "build", "-ldflags", "-X "+versionVar+"="+version, "-o", out, ".")
	cmd.Dir = testenv.RepoRoot()
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build of the operator: %w\n%s", err, b)
	}
	return out, nil
}

// operatorUserAgent is the User-Agent a build stamped with version sends.
func operatorUserAgent(version string) string { return huaweicloud.UserAgent(version) }

// scaledFlags are the operator's duration-valued policy flags, at their defaults
// divided by the time scale, and its quota multiplied by it: the operator then
// lives in the benchmark's compressed time. Everything else keeps its default.
func scaledFlags(scale, requestsPerMinute float64) []string {
	def := controller.DefaultConfig()
	d := func(v time.Duration) string { return time.Duration(float64(v) / scale).String() }
	return []string{
		"--min-poll-interval=" + d(poll.DefaultMinInterval),
		"--max-poll-interval=" + d(poll.DefaultMaxInterval),
		"--max-poll-interval-before-window=" + d(poll.DefaultMaxIntervalBeforeWindow),
		"--awaiting-payment-poll-interval=" + d(poll.DefaultAwaitingPaymentInterval),
		"--poll-detection-lag=" + d(poll.DefaultDetectionLag),
		"--job-not-found-grace=" + d(def.JobNotFoundGrace),
		"--auth-retry-interval=" + d(def.AuthRetryInterval),
		"--stalled-retry-interval=" + d(def.StalledRetryInterval),
		"--cloud-requests-per-minute=" + strconv.FormatFloat(requestsPerMinute*scale, 'f', -1, 64),
	}
}

// operator is one running operator replica.
type operator struct {
	*child
	version    string
	metricsURL string
	pprofURL   string // empty unless profiling
}

// operatorOptions start one replica.
type operatorOptions struct {
	bin, version, kubeconfig, namespace, shardSelector, logPath string
	env                                                         []string
	scale, requestsPerMinute                                    float64
	maxConcurrent                                               int
	pprof                                                       bool
}

func startOperator(ctx context.Context, o operatorOptions) (*operator, error) {
	metrics, err := freeAddr()
	if err != nil {
		return nil, err
	}
	probes, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := []string{
		"--kubeconfig=" + o.kubeconfig,
		"--allow-loopback-endpoints",
		"--metrics-bind-address=" + metrics,
		"--metrics-secure=false",
		"--health-probe-bind-address=" + probes,
		// Only the phase's own namespace: with the anchor running alongside, an
		// operator watching every namespace would poll the anchor's jobs too.
		"--watch-namespace=" + o.namespace,
	}
	args = append(args, scaledFlags(o.scale, o.requestsPerMinute)...)
	if o.shardSelector != "" {
		args = append(args, "--shard-selector="+o.shardSelector)
	}
	if o.maxConcurrent > 0 {
		args = append(args, "--max-concurrent-reconciles="+strconv.Itoa(o.maxConcurrent))
	}
	op := &operator{version: o.version, metricsURL: "http://" + metrics + "/metrics"}
	if o.pprof {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		args = append(args, "--pprof-bind-address="+addr)
		op.pprofURL = "http://" + addr + "/debug/pprof"
	}
	c, err := startChild("operator "+o.version, o.bin, args, o.env, o.logPath)
	if err != nil {
		return nil, err
	}
	op.child = c
	if err := waitHTTP(ctx, "http://"+probes+"/readyz", c, time.Minute); err != nil {
		c.stop()
		return nil, err
	}
	return op, nil
}

// freeAddr returns a loopback address with a port the kernel just handed out.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}

// waitHTTP waits until url answers 200, the child exits, or timeout passes.
func waitHTTP(ctx context.Context, url string, c *child, timeout time.Duration) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if err := c.failure(); err != nil {
			return err
		}
		resp, err := hc.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s: %s did not answer within %s; last lines of its log:\n%s", c.name, url, timeout, c.logTail(20))
}

// operatorMetrics are the operator's own counters, summed over their labels.
type operatorMetrics struct {
	Requests        float64 `json:"requests"`
	Throttled       float64 `json:"throttled"`
	QuotaDeferrals  float64 `json:"quotaDeferrals"`
	ReconcileErrors float64 `json:"reconcileErrors"`
	EventsRecorded  float64 `json:"eventsRecorded"`
	EventsDropped   float64 `json:"eventsDropped"`
	EventsFailed    float64 `json:"eventsFailed"`
}

// scrape reads the operator's metrics endpoint.
func (o *operator) scrape() (operatorMetrics, error) {
	var m operatorMetrics
	hc := &http.Client{Timeout: 10 * time.Second}
	resp, err := hc.Get(o.metricsURL)
	if err != nil {
		return m, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return m, fmt.Errorf("%s: HTTP %d", o.metricsURL, resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return m, fmt.Errorf("%s: %w", o.metricsURL, err)
	}
	sum := func(name string, match map[string]string) float64 { return metricSum(families, name, match) }
	m.Requests = sum("cloudjob_cloud_requests_total", nil)
	m.Throttled = sum("cloudjob_cloud_throttled_total", nil)
	m.QuotaDeferrals = sum("cloudjob_quota_deferrals_total", nil)
	m.ReconcileErrors = sum("controller_runtime_reconcile_errors_total", nil)
	m.EventsRecorded = sum("cloudjob_events_total", map[string]string{"result": "recorded"})
	m.EventsDropped = sum("cloudjob_events_total", map[string]string{"result": "dropped"})
	m.EventsFailed = sum("cloudjob_events_total", map[string]string{"result": "failed"})
	return m, nil
}

// metricSum adds up the counters and gauges of family name whose labels include
// every pair in match.
func metricSum(families map[string]*dto.MetricFamily, name string, match map[string]string) float64 {
	var sum float64
	for _, m := range families[name].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		ok := true
		for k, v := range match {
			ok = ok && labels[k] == v
		}
		if ok {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue() + m.GetUntyped().GetValue()
		}
	}
	return sum
}

// saveProfile fetches path from the operator's pprof endpoint into file.
func (o *operator) saveProfile(ctx context.Context, path, file string, timeout time.Duration) error {
	return o.saveURL(ctx, o.pprofURL+path, file, timeout)
}

// saveURL fetches url into file.
func (o *operator) saveURL(ctx context.Context, url, file string, timeout time.Duration) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: timeout}).Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
