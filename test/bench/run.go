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
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cloudjob-operator/cloudjob-operator/test/bench/anchor"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
	"github.com/cloudjob-operator/cloudjob-operator/test/workload"
)

// The simulator's access keys: one for the operator (shared by its replicas, as
// replicas of one deployment share the account) and one for the anchor, so that
// their quotas never mix when they run at the same time.
const (
	operatorAccessKey = "BENCHOPERATORACCESSKEY"
	operatorSecretKey = "bench-operator-secret-key-0123456789"
	anchorAccessKey   = "BENCHANCHORACCESSKEY"
	anchorSecretKey   = "bench-anchor-secret-key-0123456789"
)

// fixedKeys are the access and secret keys of the fixed poller of period.
func fixedKeys(period time.Duration) (accessKey, secretKey string) {
	s := strconv.FormatInt(int64(period/time.Millisecond), 10)
	return "BENCHFIXED" + s + "MSACCESSKEY", "bench-fixed-" + s + "ms-secret-key-0123456789"
}

// fixedName names the fixed poller of period: "fixed 20s".
func fixedName(period time.Duration) string { return "fixed " + period.String() }

// phase is one poller (the operator's replicas, the anchor or another fixed
// poller) working through its own copy of the workload in its own namespace
// and cloud project.
type phase struct {
	name      string
	namespace string
	accessKey string
	secretKey string
	// period is a fixed poller's interval (simulated); 0 for the operator.
	period   time.Duration
	jobs     []phaseJob
	projects []string
	// warmup are jobs the operator sees finish before the measured ones; they
	// live in projects of their own and count in no figure but CPU time.
	warmup []phaseJob

	rec       *recorder
	operators []*operator
	anchor    *harness.Process

	start, end time.Time
	created    creation
	waitErr    error // the phase ended without every outcome recorded
	failed     bool  // ... because a poller died or a creation failed
	usage      []harness.Usage
	metrics    []operatorMetrics
	logErrors  int
	// anchorStats are the anchor's own counts, from the line it prints last.
	anchorStats *anchor.Stats
}

// bench is one run of the harness.
type bench struct {
	cfg        config
	work       string
	logs       string
	env        *testenv.Env
	kube       client.WithWatch
	kubeconfig string
	sim        *simulator
	plan       []plannedJob
	bins       map[string]string // operator version -> binary
	anchorBin  string
	children   []*harness.Process
}

func (b *bench) logf(format string, args ...any) {
	if b.cfg.Progress != nil {
		// Progress is best effort: a lost line must not stop a run.
		_, _ = fmt.Fprintf(b.cfg.Progress, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
}

// operatorVersions are the builds to run: one per replica, each stamped with its
// own version so the simulator can tell their requests apart.
func (c config) operatorVersions() []string {
	if c.Replicas == 1 {
		return []string{"bench"}
	}
	return []string{"bench-shard-a", "bench-shard-b"}
}

// shardOf is the shard of replica i ("" without sharding).
func (c config) shardOf(i int) string {
	if c.Replicas == 1 {
		return ""
	}
	return string(rune('a' + i))
}

// run runs the benchmark and returns its report. Every process it starts is
// stopped and every temporary file removed before it returns.
func run(ctx context.Context, cfg config) (rep *report, err error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	pollers := 1
	if cfg.Anchor != anchorOff {
		pollers += 1 + len(cfg.FixedPeriods)
	}
	if cfg.N*pollers > cloudsim.DefaultMaxJobs {
		return nil, fmt.Errorf("-n %d for %d pollers is more than the simulator holds (%d jobs)", cfg.N, pollers, cloudsim.DefaultMaxJobs)
	}
	b := &bench{cfg: cfg, bins: map[string]string{}}
	started := time.Now()
	if b.work, err = os.MkdirTemp("", "cloudjob-bench-"); err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(b.work) }()
	b.logs = b.work
	if cfg.LogsDir != "" {
		if err := os.MkdirAll(cfg.LogsDir, 0o755); err != nil {
			return nil, err
		}
		b.logs = cfg.LogsDir
	}
	defer func() {
		for _, c := range b.children {
			c.Stop()
		}
	}()

	if err := b.setUp(ctx); err != nil {
		return nil, err
	}
	defer func() {
		// A control plane slow to stop does not spoil the figures; say so only.
		if stopErr := b.env.Stop(); stopErr != nil {
			b.logf("stopping the control plane: %v", stopErr)
		}
	}()
	defer func() { _ = b.sim.Close() }()
	// The watches end before the control plane stops, so it has no open
	// connection to drain.
	watchCtx, stopWatching := context.WithCancel(ctx)
	var recorders []*recorder
	defer func() {
		stopWatching()
		for _, r := range recorders {
			<-r.stopped
		}
	}()

	b.plan = workload.Plan(cfg.N, cfg.Seed, cfg.ArrivalWindow, cfg.MaxJobDuration)
	op := b.newPhase("operator", "bench-operator", operatorAccessKey, operatorSecretKey, 0)
	phases := []*phase{op}
	var an *phase
	var fixed []*phase
	if cfg.Anchor != anchorOff {
		an = b.newPhase("anchor", "bench-anchor", anchorAccessKey, anchorSecretKey, cfg.AnchorPeriod)
		phases = append(phases, an)
		for _, period := range cfg.FixedPeriods {
			ak, sk := fixedKeys(period)
			f := b.newPhase(fixedName(period), "bench-fixed-"+strings.ToLower(period.String()), ak, sk, period)
			fixed = append(fixed, f)
			phases = append(phases, f)
		}
	}
	for _, p := range phases {
		if err := b.prepare(ctx, watchCtx, p); err != nil {
			return nil, err
		}
		recorders = append(recorders, p.rec)
	}

	// In parallel, the operator runs beside the anchor, as before; the
	// frontier's other fixed pollers follow, together: beside the anchor they
	// took enough of two cores that it fell short of its period (89% of its
	// polls, against 97% alone with the operator), which understates its
	// requests and overstates its lag.
	groups := [][]*phase{phases[:min(2, len(phases))], fixed}
	if cfg.Anchor != anchorParallel {
		groups = nil
		for _, p := range phases {
			groups = append(groups, []*phase{p})
		}
	}
	for _, g := range groups {
		if err := b.runPhases(ctx, g); err != nil {
			return nil, err
		}
	}
	return b.report(started, op, an, fixed), nil
}

// runPhases runs the phases at the same time and waits for all of them.
func (b *bench) runPhases(ctx context.Context, phases []*phase) error {
	var wg sync.WaitGroup
	errs := make([]error, len(phases))
	for i, p := range phases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = b.runPhase(ctx, p)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// setUp builds the operator, starts the control plane and the simulator.
func (b *bench) setUp(ctx context.Context) error {
	// The build is CPU work and the control plane's start mostly waiting, so they
	// overlap.
	var (
		wg       sync.WaitGroup
		buildErr error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, v := range b.cfg.operatorVersions() {
			b.logf("building the operator (version %s)", v)
			bin, err := harness.Build(ctx, b.work, v)
			if err != nil {
				buildErr = err
				return
			}
			b.bins[v] = bin
		}
		if b.cfg.Anchor != anchorOff {
			b.logf("building the anchor")
			b.anchorBin, buildErr = harness.BuildCommand(ctx, filepath.Join(b.work, "anchor"), "./hack/bench/anchor")
		}
	}()
	b.logf("starting kube-apiserver and etcd")
	env, envErr := testenv.Start()
	wg.Wait()
	if envErr != nil {
		return envErr
	}
	b.env = env
	if buildErr != nil {
		_ = env.Stop()
		return buildErr
	}
	var err error
	if b.kubeconfig, err = env.Kubeconfig(); err != nil {
		_ = env.Stop()
		return err
	}
	// The harness creates thousands of objects and watches them: a client with a
	// high client-side limit, so the API server's capacity is what is measured.
	rc := rest.CopyConfig(env.Config)
	rc.QPS, rc.Burst = 1000, 2000
	if b.kube, err = client.NewWithWatch(rc, client.Options{Scheme: env.Scheme}); err != nil {
		_ = env.Stop()
		return err
	}

	simCfg := cloudsim.Config{
		Credentials: []cloudsim.Credential{
			{AccessKey: operatorAccessKey, SecretKey: operatorSecretKey},
			{AccessKey: anchorAccessKey, SecretKey: anchorSecretKey},
		},
		Seed: b.cfg.Seed,
	}
	for _, period := range b.cfg.FixedPeriods {
		ak, sk := fixedKeys(period)
		simCfg.Credentials = append(simCfg.Credentials, cloudsim.Credential{AccessKey: ak, SecretKey: sk})
	}
	if b.cfg.Clock == clockWorkload {
		simCfg.TimeScale = 1
		simCfg.RequestsPerMinute = int(float64(b.cfg.Quota) * b.cfg.Scale)
	} else {
		simCfg.TimeScale = b.cfg.Scale
		simCfg.RequestsPerMinute = b.cfg.Quota
	}
	if b.sim, err = startSimulator(simCfg); err != nil {
		_ = env.Stop()
		return err
	}
	return nil
}

// newPhase lays out a phase's jobs: the same plan for every phase, each in its
// own projects. With replicas, job i goes to shard a or b, and each shard lives
// in a project of its own.
func (b *bench) newPhase(name, namespace, accessKey, secretKey string, period time.Duration) *phase {
	p := &phase{name: name, namespace: namespace, accessKey: accessKey, secretKey: secretKey, period: period}
	shards := 1
	if name == "operator" {
		shards = b.cfg.Replicas
	}
	for s := range shards {
		project := "bench-" + strings.ReplaceAll(name, " ", "-")
		if shards > 1 {
			project += "-shard-" + b.cfg.shardOf(s)
		}
		p.projects = append(p.projects, project)
	}
	p.jobs = make([]phaseJob, len(b.plan))
	for i, j := range b.plan {
		s := i % shards
		shard := ""
		if shards > 1 {
			shard = b.cfg.shardOf(s)
		}
		p.jobs[i] = phaseJob{plannedJob: j, name: fmt.Sprintf("job-%05d", i), project: p.projects[s], shard: shard}
	}
	if name != "operator" || b.cfg.Warmup == 0 {
		return p
	}
	// Each replica learns on its own, so each shard gets a full warm-up.
	for s := range shards {
		shard := ""
		if shards > 1 {
			shard = b.cfg.shardOf(s)
		}
		for _, j := range workload.Warmup(b.cfg.Warmup, b.cfg.Seed+uint64(s), b.cfg.MaxJobDuration) {
			p.warmup = append(p.warmup, phaseJob{plannedJob: j, name: fmt.Sprintf("warmup-%s%03d", shard, j.Index),
				project: p.projects[s] + "-warmup", shard: shard})
		}
	}
	return p
}

// warmUp runs the warm-up jobs through the operator and waits for all of them.
func (b *bench) warmUp(ctx context.Context, p *phase, div float64, check func() error) error {
	if len(p.warmup) == 0 {
		return nil
	}
	specs := make([]cloudsim.JobSpec, len(p.warmup))
	for i, j := range p.warmup {
		specs[i] = jobSpec(j.plannedJob, j.project, div)
	}
	if _, err := b.sim.AddJobs(specs...); err != nil {
		return fmt.Errorf("adding the warm-up jobs: %w", err)
	}
	b.logf("%s: warming up on %d jobs (%d of each kind)", p.name, len(p.warmup), b.cfg.Warmup)
	start := time.Now()
	if _, err := createOnSchedule(ctx, b.kube, p.namespace, b.sim.URL, p.warmup, start, b.cfg.Scale); err != nil {
		return err
	}
	if err := p.rec.waitFinished(ctx, "warmup-", len(p.warmup), start.Add(b.cfg.phaseTimeout()), check); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	b.logf("%s: warm-up done in %s", p.name, time.Since(start).Round(time.Second))
	return nil
}

// prepare creates the phase's namespace and Secret and starts watching it.
// The watch lasts as long as watchCtx.
func (b *bench) prepare(ctx, watchCtx context.Context, p *phase) error {
	if err := createNamespace(ctx, b.kube, p.namespace, p.accessKey, p.secretKey); err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	rec, err := startRecorder(watchCtx, b.kube, p.namespace)
	if err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	p.rec = rec
	return nil
}

// startPollers starts the phase's operator replicas or its fixed poller.
func (b *bench) startPollers(ctx context.Context, p *phase) error {
	if p.period > 0 {
		c, err := harness.StartProcess(harness.ProcessOptions{
			Name: p.name,
			Path: b.anchorBin,
			Args: []string{
				"--kubeconfig=" + b.kubeconfig,
				"--namespace=" + p.namespace,
				"--period=" + b.cfg.wall(p.period).String(),
				"--max-inflight=" + strconv.Itoa(b.cfg.AnchorInflight),
				"--name=" + p.agentName(),
				// The anchor writes every poll, as a naive poller does; the
				// frontier's other pollers are compared on lag only, and write
				// only what changed, to spare the API server they share.
				"--write-changes-only=" + strconv.FormatBool(p.name != "anchor"),
			},
			Env:     []string{"HOME=" + b.work, "PATH=/usr/bin:/bin"},
			LogPath: filepath.Join(b.logs, strings.ReplaceAll(p.name, " ", "-")+".log"),
		})
		if err != nil {
			return err
		}
		b.children = append(b.children, c)
		p.anchor = c
		return nil
	}
	for i, v := range b.cfg.operatorVersions() {
		o, err := b.startReplica(ctx, p, i, v)
		if err != nil {
			return err
		}
		b.children = append(b.children, o.Process)
		p.operators = append(p.operators, o)
		// Measurements start once the replica reconciles; a standby never does.
		if err := o.WaitWorkers(ctx, time.Minute); err != nil {
			return err
		}
	}
	return nil
}

// agentName is what a fixed poller adds to its User-Agent: nothing for the
// anchor, its name for the others.
func (p *phase) agentName() string {
	if p.name == "anchor" {
		return ""
	}
	return p.name
}

// userAgents are the User-Agents the phase's pollers send.
func (p *phase) userAgents() []string {
	if p.anchor != nil {
		return []string{anchor.UserAgentFor(p.agentName())}
	}
	var out []string
	for _, o := range p.operators {
		out = append(out, o.userAgent())
	}
	return out
}

func (p *phase) children() []*harness.Process {
	if p.anchor != nil {
		return []*harness.Process{p.anchor}
	}
	out := make([]*harness.Process, len(p.operators))
	for i, o := range p.operators {
		out[i] = o.Process
	}
	return out
}

// runPhase starts the pollers, gives the simulator the jobs, creates the
// CloudJobs on schedule, waits for every outcome, and stops the pollers.
func (b *bench) runPhase(ctx context.Context, p *phase) error {
	if err := b.startPollers(ctx, p); err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	div := b.cfg.Scale
	if b.cfg.Clock == clockSimulator {
		div = 1
	}
	childrenAlive := func() error {
		for _, c := range p.children() {
			if err := c.Failure(); err != nil {
				return err
			}
		}
		return nil
	}
	if err := b.warmUp(ctx, p, div, childrenAlive); err != nil {
		return fmt.Errorf("%s: %w", p.name, err)
	}
	specs := make([]cloudsim.JobSpec, len(p.jobs))
	for i, j := range p.jobs {
		specs[i] = jobSpec(j.plannedJob, j.project, div)
	}
	if _, err := b.sim.AddJobs(specs...); err != nil {
		return fmt.Errorf("%s: adding the simulated jobs: %w", p.name, err)
	}
	p.start = time.Now()
	b.logf("%s: %d jobs arriving over %s (simulated %s)", p.name, len(p.jobs), b.cfg.wall(b.cfg.ArrivalWindow), b.cfg.ArrivalWindow)

	profDone := b.startOperatorProfile(ctx, p)

	createCtx, stopCreating := context.WithCancel(ctx)
	defer stopCreating()
	var (
		createMu   sync.Mutex
		createFail error
	)
	createDone := make(chan struct{})
	go func() {
		defer close(createDone)
		c, err := createOnSchedule(createCtx, b.kube, p.namespace, b.sim.URL, p.jobs, p.start, b.cfg.Scale)
		createMu.Lock()
		p.created, createFail = c, err
		createMu.Unlock()
	}()

	deadline := p.start.Add(b.cfg.phaseTimeout())
	check := func() error {
		createMu.Lock()
		err := createFail
		createMu.Unlock()
		// Cancelled means the harness stopped creating: not the creation's fault.
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return childrenAlive()
	}
	progress := time.NewTicker(15 * time.Second)
	defer progress.Stop()
	waitDone := make(chan error, 1)
	go func() { waitDone <- p.rec.waitFinished(ctx, "job-", len(p.jobs), deadline, check) }()
	var waitErr error
wait:
	for {
		select {
		case waitErr = <-waitDone:
			break wait
		case <-progress.C:
			b.logf("%s: %d/%d finished", p.name, p.rec.finishedCount("job-"), len(p.jobs))
		}
	}
	p.end = time.Now()
	if waitErr != nil {
		stopCreating()
	}
	<-createDone
	if err := check(); err != nil && waitErr == nil {
		waitErr = err
	}
	if profDone != nil {
		<-profDone
	}
	b.collect(ctx, p)
	if waitErr != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", p.name, waitErr)
		}
		// The figures of what did finish are still worth reporting, and the
		// other phase's all the more: the report says what went wrong (a
		// deadline, or a poller that died), and a died poller fails the run.
		p.waitErr = waitErr
		p.failed = check() != nil
		b.logf("%s: %v", p.name, waitErr)
	}
	b.logf("%s: done in %s", p.name, p.end.Sub(p.start).Round(time.Second))
	return nil
}

// collect reads the pollers' metrics and /proc figures, then stops them.
func (b *bench) collect(ctx context.Context, p *phase) {
	for _, o := range p.operators {
		m, err := o.Scrape(ctx)
		if err != nil {
			b.logf("%s: metrics: %v", o.Name, err)
		}
		p.metrics = append(p.metrics, metricsOf(m))
		if b.cfg.OperatorPprof != "" {
			if err := o.SaveProfile(ctx, "/heap", b.profilePath(o, "heap.pprof"), 30*time.Second); err != nil {
				b.logf("%s: heap profile: %v", o.Name, err)
			}
		}
	}
	for _, c := range p.children() {
		u, _ := c.Stop()
		p.usage = append(p.usage, u)
		p.logErrors += c.ErrorLines()
	}
	if p.anchor != nil {
		p.anchorStats = anchor.ParseStats(p.anchor.Log())
	}
}

// startOperatorProfile fetches a CPU profile of each operator replica over the
// busy part of the phase (the arrivals and ten simulated minutes after), when
// asked to. The returned channel closes when the profiles are saved.
func (b *bench) startOperatorProfile(ctx context.Context, p *phase) <-chan struct{} {
	if b.cfg.OperatorPprof == "" || len(p.operators) == 0 {
		return nil
	}
	if err := os.MkdirAll(b.cfg.OperatorPprof, 0o755); err != nil {
		b.logf("operator profile: %v", err)
		return nil
	}
	secs := int(min(max(b.cfg.wall(b.cfg.ArrivalWindow+10*time.Minute).Seconds(), 5), 600))
	done := make(chan struct{})
	var wg sync.WaitGroup
	for _, o := range p.operators {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "/profile?seconds=" + strconv.Itoa(secs)
			if err := o.SaveProfile(ctx, path, b.profilePath(o, "cpu.pprof"), time.Duration(secs+30)*time.Second); err != nil {
				b.logf("%s: CPU profile: %v", o.Name, err)
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.heapAtPeak(ctx, o, time.Duration(secs)*time.Second)
		}()
	}
	go func() { wg.Wait(); close(done) }()
	return done
}

// heapAtPeak saves a heap profile each time the operator's resident memory
// has grown by a tenth since the last one, for as long as the CPU profile
// runs: the last file shows what the memory held near its peak, which the
// profile at the end, after the jobs are done, no longer shows.
func (b *bench) heapAtPeak(ctx context.Context, o *operator, during time.Duration) {
	var saved int64
	end := time.Now().Add(during)
	for time.Now().Before(end) && o.Alive() {
		if rss := o.Usage().RSS; rss > saved+saved/10 {
			if err := o.SaveProfile(ctx, "/heap", b.profilePath(o, "heap-peak.pprof"), 30*time.Second); err != nil {
				b.logf("%s: heap profile: %v", o.Name, err)
				return
			}
			// The Go runtime's own figures (heap, stacks, goroutines) at the
			// same moment: what a heap profile does not show.
			if err := o.saveMetrics(ctx, b.profilePath(o, "heap-peak-metrics.txt")); err != nil {
				b.logf("%s: metrics: %v", o.Name, err)
			}
			saved = rss
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
}
