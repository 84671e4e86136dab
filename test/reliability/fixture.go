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
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// The credentials every test uses. The values are distinctive so that the
// secrets test can search everything the operator wrote for them; the access
// key is not a secret (it is in every request's Authorization header).
const (
	accessKey     = "AKRELIABILITY0SUITE01"
	secretKey     = "sk-reliability-5e1f0c9d7a3b4862f0e1-never-printed"
	securityToken = "st-reliability-b7d3e9a1c4f2a8d6e0b9-never-printed"
	secretName    = "cloud-credentials"
	// shardLabel scopes an operator to one test's CloudJobs (--shard-selector),
	// so that jobs left by earlier tests are no one's business.
	shardLabel = "reliability.cloudjob.io/test"
)

// secretValues lists every secret value any test puts in a Secret; the secrets
// test scans for each. Tests that add values register them here.
var secretValues = struct {
	sync.Mutex
	values []string
}{values: []string{secretKey, securityToken}}

func registerSecretValue(v string) {
	secretValues.Lock()
	defer secretValues.Unlock()
	if !slices.Contains(secretValues.values, v) {
		secretValues.values = append(secretValues.values, v)
	}
}

// startSimulator starts a simulator that accepts the suite's credentials (a
// temporary key: the simulator checks its security token), with
// a quota far above what a test asks, in real time (time scale 1), so that
// scripted durations are wall-clock durations. Tests install faults on it.
func startSimulator(t *testing.T, seed uint64) *cloudsim.Instance {
	t.Helper()
	sim, err := cloudsim.Start(cloudsim.Config{
		Credentials:       []cloudsim.Credential{{AccessKey: accessKey, SecretKey: secretKey, SecurityToken: securityToken}},
		RequestsPerMinute: 10_000_000,
		TimeScale:         1,
		Seed:              seed,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	return sim
}

// fixture is one test's namespace with its credentials Secret, its project in
// the simulator, and the shard label its operators select.
type fixture struct {
	t       *testing.T
	ns      string
	project string
	sim     *cloudsim.Instance
}

func newFixture(t *testing.T, prefix string, sim *cloudsim.Instance) *fixture {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "rel-" + prefix + "-"}}
	if err := suite.client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ns: ns.Name, project: strings.ReplaceAll(ns.Name, "-", ""), sim: sim}
	f.secret(secretName, map[string]string{
		"accessKey": accessKey, "secretKey": secretKey, "securityToken": securityToken,
	})
	return f
}

// shardFlag makes an operator own this fixture's CloudJobs only.
func (f *fixture) shardFlag() string { return "--shard-selector=" + shardLabel + "=" + f.ns }

func (f *fixture) secret(name string, data map[string]string) {
	f.t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: name}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	if err := suite.client.Create(context.Background(), s); err != nil {
		f.t.Fatal(err)
	}
}

// scriptedJob is a simulated job and the CloudJob that tracks it.
type scriptedJob struct {
	name    string
	spec    cloudsim.JobSpec // as normalized by the simulator once added
	fail    bool
	subJobs int
}

// scriptedServices are the services the suites spread their jobs over: every
// one whose jobs need only a project id and a job id and that says why a job
// failed, which the checks read. The others (and bss, which tracks orders) are
// covered by the controller's envtest suite.
var scriptedServices = slices.DeleteFunc(slices.Clone(cloudsim.Services), func(s cloudsim.Service) bool {
	switch s {
	case cloudsim.ServiceKafka, cloudsim.ServiceRabbitMQ, cloudsim.ServiceRocketMQ, cloudsim.ServiceCSE, cloudsim.ServiceCAE,
		cloudsim.ServiceGEIP, cloudsim.ServiceCFW, cloudsim.ServiceDDM, cloudsim.ServiceBSS:
		return true
	}
	return false
})

// scriptJobs scripts n jobs over the scripted services: each lasts between minDur and
// maxDur (a fifth of it INIT, the rest RUNNING), about failShare of them FAIL
// with a distinctive reason, and the BMS and ECS ones have two sub-jobs.
func scriptJobs(rng *rand.Rand, n int, minDur, maxDur time.Duration, failShare float64) []scriptedJob {
	jobs := make([]scriptedJob, n)
	for i := range jobs {
		svc := scriptedServices[i%len(scriptedServices)]
		total := minDur + time.Duration(rng.Float64()*float64(maxDur-minDur))
		init := total / 5
		spec := cloudsim.JobSpec{
			Service: svc,
			JobID:   fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()),
			Init:    cloudsim.Duration(init),
			Running: cloudsim.Duration(total - init),
			Outcome: cloudsim.OutcomeSuccess,
		}
		j := scriptedJob{name: fmt.Sprintf("job-%04d-%s", i, svc)}
		if rng.Float64() < failShare {
			j.fail = true
			spec.Outcome = cloudsim.OutcomeFail
			spec.ErrorCode = "Common.0031"
			spec.FailReason = fmt.Sprintf("scripted failure %04d", i)
		} else if svc == cloudsim.ServiceELBv3 {
			spec.FinalState = "COMPLETE" // what ELB v3 reports for a done job
		}
		if svc == cloudsim.ServiceBMS || svc == cloudsim.ServiceECS {
			for k := range 2 {
				spec.SubJobs = append(spec.SubJobs, cloudsim.SubJobSpec{
					Running:   cloudsim.Duration((total - init) * time.Duration(k+1) / 3),
					Resources: cloudsim.Resources{ServerID: fmt.Sprintf("srv-%04d-%d", i, k)},
				})
			}
			j.subJobs = 2
		}
		j.spec = spec
		jobs[i] = j
	}
	return jobs
}

// newRand is a fixed random source for scripts that need no variety.
func newRand(stream uint64) *rand.Rand { return rand.New(rand.NewPCG(20260100, stream)) }

// addToSimulator adds the jobs to the simulator in this fixture's project; their
// clocks start now.
func (f *fixture) addToSimulator(jobs []scriptedJob) {
	f.t.Helper()
	specs := make([]cloudsim.JobSpec, len(jobs))
	for i := range jobs {
		jobs[i].spec.ProjectID = f.project
		specs[i] = jobs[i].spec
	}
	infos, err := f.sim.AddJobs(specs...)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := range infos {
		jobs[i].spec = infos[i].Spec
	}
}

// cloudJobFor is the CloudJob that tracks a scripted job.
func (f *fixture) cloudJobFor(j scriptedJob) *jobsv1alpha1.CloudJob {
	return &jobsv1alpha1.CloudJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: j.name, Labels: map[string]string{shardLabel: f.ns}},
		Spec: jobsv1alpha1.CloudJobSpec{
			ProjectID:            f.project,
			JobID:                j.spec.JobID,
			Service:              jobsv1alpha1.Service(j.spec.Service),
			Endpoint:             f.sim.APIURL,
			CredentialsSecretRef: jobsv1alpha1.SecretReference{Name: secretName},
		},
	}
}

// createCloudJobs creates the CloudJobs of the jobs, eight at a time.
func (f *fixture) createCloudJobs(jobs []scriptedJob) {
	f.t.Helper()
	work := make(chan scriptedJob)
	errs := make(chan error, len(jobs))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for j := range work {
				if err := suite.client.Create(context.Background(), f.cloudJobFor(j)); err != nil {
					errs <- fmt.Errorf("creating %s: %w", j.name, err)
				}
			}
		})
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		f.t.Fatal(err)
	}
}

func (f *fixture) list() []jobsv1alpha1.CloudJob {
	f.t.Helper()
	var l jobsv1alpha1.CloudJobList
	if err := suite.client.List(context.Background(), &l, client.InNamespace(f.ns)); err != nil {
		f.t.Fatal(err)
	}
	return l.Items
}

func (f *fixture) get(name string) *jobsv1alpha1.CloudJob {
	f.t.Helper()
	var j jobsv1alpha1.CloudJob
	if err := suite.client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: name}, &j); err != nil {
		f.t.Fatal(err)
	}
	return &j
}

// outcome is the Succeeded condition's status, "" when absent.
func condition(j *jobsv1alpha1.CloudJob, typ string) metav1.Condition {
	if c := meta.FindStatusCondition(j.Status.Conditions, typ); c != nil {
		return *c
	}
	return metav1.Condition{}
}

// waitFinished waits until every one of the names has a recorded outcome, and
// fails the test at the deadline naming the ones still open.
func (f *fixture) waitFinished(names []string, timeout time.Duration, alive func() error) time.Duration {
	f.t.Helper()
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	start := time.Now()
	for {
		var open []string
		var sample []string
		for _, j := range f.list() {
			if want[j.Name] && !j.Finished() {
				open = append(open, j.Name)
				if len(sample) < 5 {
					sample = append(sample, fmt.Sprintf("%s: state=%q %s", j.Name, j.Status.State, testenv.ConditionsText(&j)))
				}
			}
		}
		if len(open) == 0 {
			return time.Since(start)
		}
		if alive != nil {
			if err := alive(); err != nil {
				f.t.Fatalf("%d of %d jobs unfinished: %v", len(open), len(names), err)
			}
		}
		if time.Since(start) > timeout {
			f.t.Fatalf("%d of %d jobs unfinished after %s; for example:\n%s", len(open), len(names), timeout, strings.Join(sample, "\n"))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func names(jobs []scriptedJob) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.name
	}
	return out
}

// outcomeCheck is what checkOutcomes found.
type outcomeCheck struct {
	checked, succeeded, failed int
	wrong                      []string
	// lag is, per job, how long after the simulated job really ended the
	// CloudJob recorded it (Succeeded's lastTransitionTime, whole seconds).
	lag []time.Duration
	// slowest names the job with the longest lag.
	slowest string
}

// checkOutcomes compares every CloudJob's final status with the script and with
// what the simulator says the job ended as: the outcome and its reason, Ready,
// the cloud's state string, ids, job type, sub-job counts, completion time, the
// failure reason in the message, and observedGeneration.
func (f *fixture) checkOutcomes(jobs []scriptedJob) outcomeCheck {
	f.t.Helper()
	final := map[string]cloudsim.JobStats{}
	for _, s := range f.sim.Stats().Jobs {
		if s.ProjectID == f.project {
			final[s.JobID] = s
		}
	}
	byName := map[string]jobsv1alpha1.CloudJob{}
	for _, j := range f.list() {
		byName[j.Name] = j
	}
	var c outcomeCheck
	for _, sj := range jobs {
		c.checked++
		j, ok := byName[sj.name]
		if !ok {
			c.wrong = append(c.wrong, sj.name+": CloudJob missing")
			continue
		}
		st := final[sj.spec.JobID]
		var problems []string
		wantOutcome, wantReason := metav1.ConditionTrue, jobsv1alpha1.ReasonSucceeded
		if sj.fail {
			wantOutcome, wantReason = metav1.ConditionFalse, jobsv1alpha1.ReasonJobFailed
		}
		succ := condition(&j, jobsv1alpha1.ConditionSucceeded)
		if succ.Status != wantOutcome || succ.Reason != wantReason {
			problems = append(problems, fmt.Sprintf("Succeeded=%s/%s, want %s/%s", succ.Status, succ.Reason, wantOutcome, wantReason))
		}
		if ready := condition(&j, jobsv1alpha1.ConditionReady); (ready.Status == metav1.ConditionTrue) != !sj.fail {
			problems = append(problems, fmt.Sprintf("Ready=%s", ready.Status))
		}
		if st.FinalState == "" || j.Status.State != st.FinalState {
			problems = append(problems, fmt.Sprintf("state %q, the simulator ended it %q", j.Status.State, st.FinalState))
		}
		if j.Status.JobID != sj.spec.JobID || j.Status.JobType != sj.spec.JobType {
			problems = append(problems, fmt.Sprintf("job %s/%s, want %s/%s", j.Status.JobID, j.Status.JobType, sj.spec.JobID, sj.spec.JobType))
		}
		if sj.subJobs > 0 && (j.Status.SubJobCounts == nil || int(j.Status.SubJobCounts.Succeeded) != sj.subJobs || int(j.Status.SubJobsTotal) != sj.subJobs) {
			problems = append(problems, fmt.Sprintf("sub-jobs %d %+v, want %d succeeded", j.Status.SubJobsTotal, j.Status.SubJobCounts, sj.subJobs))
		}
		if j.Status.CompletionTime == nil || j.Status.StartTime == nil {
			problems = append(problems, "no startTime or completionTime")
		}
		if sj.fail && !strings.Contains(succ.Message, sj.spec.FailReason) {
			problems = append(problems, fmt.Sprintf("message %q lacks the fail reason %q", succ.Message, sj.spec.FailReason))
		}
		if j.Status.ObservedGeneration != j.Generation {
			problems = append(problems, fmt.Sprintf("observedGeneration %d of generation %d", j.Status.ObservedGeneration, j.Generation))
		}
		if len(problems) > 0 {
			c.wrong = append(c.wrong, sj.name+": "+strings.Join(problems, "; "))
			continue
		}
		if sj.fail {
			c.failed++
		} else {
			c.succeeded++
		}
		if st.EndedAt != nil {
			lag := max(0, succ.LastTransitionTime.Sub(st.EndedAt.Truncate(time.Second)))
			if len(c.lag) == 0 || lag > slices.Max(c.lag) {
				c.slowest = fmt.Sprintf("%s (job %s)", sj.name, sj.spec.JobID)
			}
			c.lag = append(c.lag, lag)
		}
	}
	return c
}

// report fails the test for every wrong job (the first ten named).
func (c outcomeCheck) report(t *testing.T) {
	t.Helper()
	if len(c.wrong) == 0 {
		return
	}
	sample := c.wrong
	if len(sample) > 10 {
		sample = sample[:10]
	}
	t.Errorf("%d of %d jobs do not show their scripted outcome:\n%s", len(c.wrong), c.checked, strings.Join(sample, "\n"))
}

// lagText is the median and maximum detection lag.
func (c outcomeCheck) lagText() string {
	if len(c.lag) == 0 {
		return "lag n/a"
	}
	l := slices.Clone(c.lag)
	slices.Sort(l)
	return fmt.Sprintf("lag p50 %s p99 %s max %s", l[len(l)/2], l[len(l)*99/100], l[len(l)-1])
}

// terminalEvents counts, per CloudJob, the events that announce its outcome
// (reasons Succeeded, JobFailed, DeadlineExceeded), a repeated event's series
// counting as many.
func (f *fixture) terminalEvents() map[string]int {
	f.t.Helper()
	var list eventsv1.EventList
	if err := suite.client.List(context.Background(), &list, client.InNamespace(f.ns)); err != nil {
		f.t.Fatal(err)
	}
	out := map[string]int{}
	for _, e := range list.Items {
		switch e.Reason {
		case jobsv1alpha1.ReasonSucceeded, jobsv1alpha1.ReasonJobFailed, jobsv1alpha1.ReasonDeadlineExceeded:
			n := 1
			if e.Series != nil && e.Series.Count > 1 {
				n = int(e.Series.Count)
			}
			out[e.Regarding.Name] += n
		}
	}
	return out
}

// eventually calls check every 250 ms until it returns nil; once timeout has
// passed it fails the test with check's last error. Events, metrics and the
// operator's cache follow a CloudJob's status asynchronously (the recorder
// retries an Event for about half a minute): read once right after the
// status, they may not show it yet on a busy machine.
func eventually(t *testing.T, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("still after %s: %v", timeout, err)
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// withoutTerminalEvent counts the jobs that have no terminal event.
func withoutTerminalEvent(jobs []scriptedJob, events map[string]int) int {
	n := 0
	for _, j := range jobs {
		if events[j.name] == 0 {
			n++
		}
	}
	return n
}

// eventHistogram checks that no job has more than one extra terminal event and
// returns how many jobs have 0, 1, 2 and more.
func eventHistogram(t *testing.T, jobs []scriptedJob, events map[string]int) [4]int {
	t.Helper()
	var h [4]int
	var over []string
	for _, j := range jobs {
		n := events[j.name]
		h[min(n, 3)]++
		if n > 2 {
			over = append(over, fmt.Sprintf("%s: %d", j.name, n))
		}
	}
	if len(over) > 0 {
		t.Errorf("%d jobs have more than one extra terminal event: %s", len(over), strings.Join(over[:min(10, len(over))], ", "))
	}
	return h
}

// simRequests counts the simulator's requests for this fixture's project.
func (f *fixture) simRequests() int64 {
	var n int64
	for _, s := range f.sim.Stats().Jobs {
		if s.ProjectID == f.project {
			n += s.Requests
		}
	}
	return n
}
