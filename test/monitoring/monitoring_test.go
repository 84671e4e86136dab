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

// Package monitoring tests what the operator ships for monitoring against a
// real run: the alerting rules (config/prometheus/rules.yaml), the Grafana
// dashboard (config/grafana) and the kube-state-metrics configuration
// (config/kube-state-metrics). The real operator binary tracks jobs in the
// simulator while the test scrapes its /metrics every second into a Prometheus
// TSDB, as Prometheus would; every rule and panel is then parsed with the
// Prometheus query parser and evaluated on those series, so a renamed metric or
// label breaks the build.
package monitoring

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/util/teststorage"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

const (
	accessKey = "MONITORINGTESTAK000"
	secretKey = "monitoring-test-secret-key"
	project   = "monitoringproject"
	// The target labels Prometheus would add to every scraped series.
	scrapeJob = "cloudjob-operator-metrics"
)

// recording is the scraped series in a Prometheus TSDB.
type recording struct {
	db    *teststorage.TestStorage
	names map[string]bool // metric names seen
	first time.Time
	last  time.Time
	count int
}

// add appends one scrape, with the target labels Prometheus would add.
func (r *recording) add(text string, at time.Time) error {
	textParser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := textParser.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		return err
	}
	app := r.db.Appender(context.Background())
	ts := at.UnixMilli()
	// put appends one sample; the first error stops the rest.
	var appendErr error
	put := func(name string, m *dto.Metric, extra []string, v float64) {
		if appendErr != nil {
			return
		}
		b := labels.NewBuilder(labels.EmptyLabels())
		b.Set(model.MetricNameLabel, name)
		b.Set("job", scrapeJob)
		b.Set("instance", "10.0.0.7:8443")
		b.Set("pod", "cloudjob-operator-0")
		for _, l := range m.GetLabel() {
			b.Set(l.GetName(), l.GetValue())
		}
		for i := 0; i+1 < len(extra); i += 2 {
			b.Set(extra[i], extra[i+1])
		}
		r.names[name] = true
		if _, err := app.Append(0, b.Labels(), ts, v); err != nil {
			appendErr = fmt.Errorf("%s: %w", name, err)
		}
	}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				put(name, m, nil, m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				put(name, m, nil, m.GetGauge().GetValue())
			case dto.MetricType_UNTYPED:
				put(name, m, nil, m.GetUntyped().GetValue())
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				for _, b := range h.GetBucket() {
					put(name+"_bucket", m, []string{"le", fmt.Sprint(b.GetUpperBound())}, float64(b.GetCumulativeCount()))
				}
				put(name+"_bucket", m, []string{"le", "+Inf"}, float64(h.GetSampleCount()))
				put(name+"_sum", m, nil, h.GetSampleSum())
				put(name+"_count", m, nil, float64(h.GetSampleCount()))
			case dto.MetricType_SUMMARY:
				sm := m.GetSummary()
				for _, q := range sm.GetQuantile() {
					put(name, m, []string{"quantile", fmt.Sprint(q.GetQuantile())}, q.GetValue())
				}
				put(name+"_sum", m, nil, sm.GetSampleSum())
				put(name+"_count", m, nil, float64(sm.GetSampleCount()))
			}
		}
	}
	if appendErr != nil {
		_ = app.Rollback()
		return appendErr
	}
	if r.first.IsZero() {
		r.first = at
	}
	r.last, r.count = at, r.count+1
	return app.Commit()
}

// query evaluates expr at ts and returns each result's labels as text.
func (r *recording) query(t *testing.T, engine *promql.Engine, expr string, ts time.Time) []string {
	t.Helper()
	q, err := engine.NewInstantQuery(context.Background(), r.db, nil, expr, ts)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	defer q.Close()
	res := q.Exec(context.Background())
	if res.Err != nil {
		t.Fatalf("evaluating %s: %v", expr, res.Err)
	}
	var out []string
	switch v := res.Value.(type) {
	case promql.Vector:
		for _, s := range v {
			out = append(out, s.Metric.String())
		}
	case promql.Scalar:
		out = append(out, fmt.Sprint(v.V))
	}
	sort.Strings(out)
	return out
}

// metricNames are the metric names an expression selects.
func metricNames(t *testing.T, expr string) []string {
	t.Helper()
	node, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	var names []string
	parser.Inspect(node, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			for _, m := range vs.LabelMatchers {
				if m.Name == model.MetricNameLabel {
					names = append(names, m.Value)
				}
			}
		}
		return nil
	})
	return names
}

// run is one recorded run of the operator.
type run struct {
	rec     *recording
	jobs    []unstructured.Unstructured
	stopped time.Time
}

// TestMonitoringAgainstARealRun records one run of the operator and checks the
// alerting rules, the dashboard and the kube-state-metrics configuration on it.
func TestMonitoringAgainstARealRun(t *testing.T) {
	r, err := record(t)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("alerts", func(t *testing.T) { testAlerts(t, r) })
	t.Run("dashboard", func(t *testing.T) { testDashboard(t, r) })
	t.Run("kube-state-metrics", func(t *testing.T) { testKubeStateMetrics(t, r) })
}

// record runs the operator through a scenario that should set off the
// alerts about jobs, throttling, credentials and identity, scraping it every
// second.
func record(t *testing.T) (*run, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	env, err := testenv.Start()
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = env.Stop() })
	c := env.Client
	kubeconfig, err := env.Kubeconfig()
	if err != nil {
		return nil, err
	}
	sim, err := cloudsim.Start(cloudsim.Config{
		Credentials:       []cloudsim.Credential{{AccessKey: accessKey, SecretKey: secretKey}},
		RequestsPerMinute: 10_000_000, TimeScale: 1, Seed: 31,
		// Node keys that live 30 s: renewed at 20 s, so the renewal a test
		// breaks comes within the run.
		MaxKeyLifetime: 30 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = sim.Close() })
	sim.SetNodeIdentity(true)

	for _, ns := range []string{"jobs", "node-jobs", "operator"} {
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			return nil, err
		}
	}
	for name, sk := range map[string]string{"cloud": secretKey, "wrong": "not-the-secret-key"} {
		if err := c.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "jobs", Name: name},
			Data: map[string][]byte{"accessKey": []byte(accessKey), "secretKey": []byte(sk)}}); err != nil {
			return nil, err
		}
	}
	if err := c.Create(ctx, &jobsv1alpha1.ClusterCloudCredentials{ObjectMeta: metav1.ObjectMeta{Name: "node"},
		Spec: jobsv1alpha1.ClusterCloudCredentialsSpec{Namespaces: []string{"node-jobs"},
			CredentialsSource: jobsv1alpha1.CredentialsSource{NodeMetadata: &jobsv1alpha1.NodeMetadata{}}}}); err != nil {
		return nil, err
	}

	dir := t.TempDir()
	bin, err := harness.Build(ctx, dir, "monitoring")
	if err != nil {
		return nil, err
	}
	op, err := harness.StartOperator(ctx, harness.OperatorOptions{
		Name: "monitoring", Binary: bin, Kubeconfig: kubeconfig, Dir: dir,
		ExtraArgs: []string{"--allow-node-metadata-credentials", "--node-metadata-endpoint=" + sim.APIURL,
			"--cluster-credentials=node", "--operator-namespace=operator"},
	})
	if err != nil {
		return nil, err
	}
	stopOp := sync.OnceFunc(func() { op.Stop() })
	defer stopOp()

	db := teststorage.New(t)
	rec := &recording{db: db, names: map[string]bool{}}
	scrapeErr := make(chan error, 1)
	stopScraping := make(chan struct{})
	scraped := make(chan struct{})
	go func() {
		defer close(scraped)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			m, err := op.Scrape(ctx)
			if err == nil {
				err = rec.add(m.Text, time.Now())
			}
			if err != nil {
				scrapeErr <- err
				return
			}
			select {
			case <-stopScraping:
				return
			case <-tick.C:
			}
		}
	}()
	time.Sleep(2 * time.Second) // a few scrapes before the first job

	id := 0
	jobID := func() string { id++; return fmt.Sprintf("%032x", 0xc10d0b0000+id) }
	type planned struct {
		name, ns, secret string
		spec             cloudsim.JobSpec
	}
	var plan []planned
	add := func(name, ns, secret string, spec cloudsim.JobSpec) {
		spec.ProjectID, spec.JobID = project, jobID()
		plan = append(plan, planned{name, ns, secret, spec})
	}
	sec := func(s float64) cloudsim.Duration { return cloudsim.Duration(time.Duration(s * float64(time.Second))) }
	// ECS: six short jobs, then one that runs far longer.
	for i := range 6 {
		spec := cloudsim.JobSpec{Service: cloudsim.ServiceECS, Init: sec(0.5), Running: sec(1.5 + 0.2*float64(i)), Outcome: cloudsim.OutcomeSuccess}
		if i == 0 {
			spec.SubJobs = []cloudsim.SubJobSpec{{Running: sec(1), Resources: cloudsim.Resources{ServerID: "srv-0"}},
				{Running: sec(1.5), Resources: cloudsim.Resources{ServerID: "srv-1"}}}
		}
		add(fmt.Sprintf("ecs-%d", i), "jobs", "cloud", spec)
	}
	add("ecs-slow", "jobs", "cloud", cloudsim.JobSpec{Service: cloudsim.ServiceECS, Init: sec(1), Running: sec(600), Outcome: cloudsim.OutcomeSuccess})
	// EVS: four of five fail.
	for i := range 5 {
		spec := cloudsim.JobSpec{Service: cloudsim.ServiceEVS, Init: sec(0.5), Running: sec(1.5), Outcome: cloudsim.OutcomeSuccess}
		if i < 4 {
			spec.Outcome, spec.ErrorCode, spec.FailReason = cloudsim.OutcomeFail, "EVS.2024", "scripted failure"
		}
		add(fmt.Sprintf("evs-%d", i), "jobs", "cloud", spec)
	}
	// RDS: answered 429 for a while.
	add("rds-0", "jobs", "cloud", cloudsim.JobSpec{Service: cloudsim.ServiceRDS, Init: sec(1), Running: sec(6), Outcome: cloudsim.OutcomeSuccess})
	// VPC: a wrong secret key.
	add("vpc-0", "jobs", "wrong", cloudsim.JobSpec{Service: cloudsim.ServiceVPC, Init: sec(1), Running: sec(3), Outcome: cloudsim.OutcomeSuccess})
	// IMS: the node's identity, which stops working.
	add("ims-0", "node-jobs", "", cloudsim.JobSpec{Service: cloudsim.ServiceIMS, Init: sec(1), Running: sec(600), Outcome: cloudsim.OutcomeSuccess})

	specs := make([]cloudsim.JobSpec, len(plan))
	for i, p := range plan {
		specs[i] = p.spec
	}
	if _, err := sim.AddJobs(specs...); err != nil {
		return nil, err
	}
	if err := sim.AddFaults(cloudsim.FaultRule{Kind: cloudsim.FaultThrottle, JobID: plan[len(plan)-3].spec.JobID, Count: 6, RetryAfter: 1}); err != nil {
		return nil, err
	}
	for _, p := range plan {
		job := &jobsv1alpha1.CloudJob{ObjectMeta: metav1.ObjectMeta{Namespace: p.ns, Name: p.name},
			Spec: jobsv1alpha1.CloudJobSpec{Service: jobsv1alpha1.Service(p.spec.Service), ProjectID: project,
				JobID: p.spec.JobID, Endpoint: sim.APIURL}}
		if p.secret != "" {
			job.Spec.CredentialsSecretRef = jobsv1alpha1.SecretReference{Name: p.secret}
		}
		if err := c.Create(ctx, job); err != nil {
			return nil, fmt.Errorf("creating %s: %w", p.name, err)
		}
	}
	// The node's identity goes away after its first keys: the renewal at
	// two thirds of their life fails.
	time.Sleep(8 * time.Second)
	sim.SetNodeIdentity(false)
	time.Sleep(32 * time.Second)

	close(stopScraping)
	<-scraped
	select {
	case err := <-scrapeErr:
		return nil, fmt.Errorf("scraping: %w\n%s", err, op.LogTail(30))
	default:
	}
	stopOp()
	var list unstructured.UnstructuredList
	list.SetAPIVersion(jobsv1alpha1.GroupVersion.String())
	list.SetKind("CloudJobList")
	if err := c.List(ctx, &list); err != nil {
		return nil, err
	}
	t.Logf("recorded %d scrapes over %s, %d metric names, %d CloudJobs", rec.count, rec.last.Sub(rec.first).Round(time.Second), len(rec.names), len(list.Items))
	return &run{rec: rec, jobs: list.Items, stopped: rec.last}, nil
}

func engine() *promql.Engine {
	return promql.NewEngine(promql.EngineOpts{MaxSamples: 10_000_000, Timeout: time.Minute, LookbackDelta: 5 * time.Minute,
		Logger: slog.New(slog.DiscardHandler)})
}

// rules reads the PrometheusRule's groups and has Prometheus validate them as a
// rule file (expressions, durations, label and annotation templates).
func rules(t *testing.T) []rulefmt.Rule {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "prometheus", "rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var pr struct {
		Spec json.RawMessage `json:"spec"`
	}
	if err := yaml.Unmarshal(data, &pr); err != nil {
		t.Fatal(err)
	}
	groupsYAML, err := yaml.JSONToYAML(pr.Spec)
	if err != nil {
		t.Fatal(err)
	}
	groups, errs := rulefmt.Parse(groupsYAML, false, model.UTF8Validation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	for _, err := range errs {
		t.Errorf("rules.yaml: %v", err)
	}
	if groups == nil {
		t.FailNow()
	}
	var out []rulefmt.Rule
	for _, g := range groups.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

// testAlerts evaluates every alert on the recorded series at the end of the
// run: the ones the scenario provokes fire for the right service, and the
// others stay quiet; the absence alert fires once the operator is gone.
func testAlerts(t *testing.T, r *run) {
	eng := engine()
	want := map[string][]string{
		"CloudJobRunningTooLong":          {`service="ecs"`},
		"CloudJobFailureRatioHigh":        {`service="evs"`},
		"CloudJobThrottled":               {`service="rds"`},
		"CloudJobCredentialsRejected":     {`result="AuthenticationFailed", service="vpc"`},
		"CloudJobIdentityRequestsFailing": {`call="node-metadata"`},
		"CloudJobIdentityExpiring":        {`source=`},
		"CloudJobReconcileErrors":         nil,
		"CloudJobEventsDropped":           nil,
		"CloudJobOperatorAbsent":          nil,
	}
	seen := map[string]bool{}
	for _, rule := range rules(t) {
		if rule.Alert == "" {
			continue
		}
		seen[rule.Alert] = true
		if rule.Annotations["runbook_url"] == "" || rule.Annotations["summary"] == "" {
			t.Errorf("%s lacks a summary or runbook_url", rule.Alert)
		}
		anchor := strings.ToLower(rule.Alert)
		if !strings.HasSuffix(rule.Annotations["runbook_url"], "docs/runbooks.md#"+anchor) || !runbookHas(t, rule.Alert) {
			t.Errorf("%s: no runbook section %q in docs/runbooks.md (runbook_url %s)", rule.Alert, rule.Alert, rule.Annotations["runbook_url"])
		}
		for _, name := range metricNames(t, rule.Expr) {
			if !r.rec.names[name] {
				t.Errorf("%s selects %s, which the operator did not export in the run", rule.Alert, name)
			}
		}
		expected, known := want[rule.Alert]
		if !known {
			t.Errorf("%s has no expectation in this test: add one", rule.Alert)
			continue
		}
		got := r.rec.query(t, eng, rule.Expr, r.stopped)
		t.Logf("%s at the end of the run: %v", rule.Alert, got)
		if len(expected) == 0 && len(got) > 0 {
			t.Errorf("%s fires in a run that should not set it off: %v", rule.Alert, got)
		}
		for _, w := range expected {
			if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, w) }) {
				t.Errorf("%s does not fire with %s: %v", rule.Alert, w, got)
			}
		}
		if len(expected) > 0 && len(got) > len(expected) {
			t.Errorf("%s fires for more than the scenario set off: %v", rule.Alert, got)
		}
		if rule.Alert == "CloudJobOperatorAbsent" {
			later := r.stopped.Add(6 * time.Minute)
			if got := r.rec.query(t, eng, rule.Expr, later); len(got) == 0 {
				t.Errorf("%s does not fire 6 minutes after the operator stopped", rule.Alert)
			}
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("rules.yaml has no alert %s", name)
		}
	}
}

func runbookHas(t *testing.T, alert string) bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "docs", "runbooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(data, []byte("\n## "+alert+"\n"))
}

// testDashboard parses every panel's queries and evaluates them on the
// recorded series: each selects metrics the operator exports, and the panels
// about what the run did show data.
func testDashboard(t *testing.T, r *run) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "config", "grafana", "cloudjob-operator-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID    string `json:"uid"`
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatal(err)
	}
	eng := engine()
	// Grafana's variables, as Grafana would fill them in.
	fill := strings.NewReplacer("$__rate_interval", "1m", "$job", ".+", "${datasource}", "")
	needData := map[string]bool{
		"Unfinished CloudJobs": true, "Failed CloudJobs": true, "Operator replicas up": true,
		"CloudJobs by phase and service": true, "Completions and failures": true, "Detection lag": true,
		"Oldest unfinished job": true, "Cloud requests": true, "Throttled (429) and quota deferrals": true,
		"Authentication failures": true, "Temporary keys expire in": true, "Reconcile errors": true,
		"Work queue depth": true, "Memory": true, "Events": true,
	}
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		var results int
		for _, target := range p.Targets {
			expr := fill.Replace(target.Expr)
			for _, name := range metricNames(t, expr) {
				if !r.rec.names[name] {
					t.Errorf("panel %q selects %s, which the operator did not export in the run", p.Title, name)
				}
			}
			// Mid-run, when the jobs were busy.
			mid := r.rec.first.Add(r.rec.last.Sub(r.rec.first) / 2)
			results += len(r.rec.query(t, eng, expr, mid)) + len(r.rec.query(t, eng, expr, r.stopped))
		}
		if needData[p.Title] && results == 0 {
			t.Errorf("panel %q shows no data for the run", p.Title)
		}
	}
	for _, v := range dash.Templating.List {
		if v.Definition == "" {
			continue
		}
		sel := strings.TrimSuffix(strings.TrimPrefix(v.Definition, "label_values("), ", job)")
		if got := r.rec.query(t, eng, sel, r.stopped); len(got) == 0 {
			t.Errorf("variable %s: %s selects nothing", v.Name, sel)
		}
	}
}
