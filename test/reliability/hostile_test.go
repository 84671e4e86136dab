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
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// hostileManifest is a CloudJob a careless or malicious user could write. The
// API server must reject it (reject: a fragment of its answer), or the operator
// must admit it and stall it without calling anything (stall: the Stalled
// reason, msg: a fragment of the message that tells the user what is wrong).
type hostileManifest struct {
	name   string
	mutate func(*jobsv1alpha1.CloudJob)
	reject string
	stall  string
	msg    string
}

// A megabyte is well past every field's bound but within the API server's
// request limit, so it is the validation, not the transport, that must refuse it.
var megabyte = strings.Repeat("a", 1<<20)

func hostileManifests() []hostileManifest {
	endpoint := func(u string) func(*jobsv1alpha1.CloudJob) {
		return func(j *jobsv1alpha1.CloudJob) { j.Spec.Endpoint = u }
	}
	jobID := func(id string) func(*jobsv1alpha1.CloudJob) {
		return func(j *jobsv1alpha1.CloudJob) { j.Spec.JobID = id }
	}
	projectID := func(id string) func(*jobsv1alpha1.CloudJob) {
		return func(j *jobsv1alpha1.CloudJob) { j.Spec.ProjectID = id }
	}
	secretRef := func(name string) func(*jobsv1alpha1.CloudJob) {
		return func(j *jobsv1alpha1.CloudJob) { j.Spec.CredentialsSecretRef.Name = name }
	}
	const notAllowed = jobsv1alpha1.ReasonEndpointNotAllowed
	const noCreds = jobsv1alpha1.ReasonCredentialsNotFound
	return []hostileManifest{
		// Megabyte-long strings.
		{name: "mb-project-id", mutate: projectID(megabyte), reject: "spec.projectID: Too long"},
		{name: "mb-job-id", mutate: jobID(megabyte), reject: "spec.jobID: Too long"},
		{name: "mb-endpoint", mutate: endpoint("https://" + megabyte + ".myhuaweicloud.com"), reject: "spec.endpoint: Too long"},
		{name: "mb-region", mutate: func(j *jobsv1alpha1.CloudJob) { j.Spec.Endpoint, j.Spec.Region = "", megabyte }, reject: "spec.region: Too long"},
		{name: "mb-secret-name", mutate: secretRef(megabyte), reject: "spec.credentialsSecretRef.name: Too long"},
		{name: "mb-annotation", mutate: func(j *jobsv1alpha1.CloudJob) { j.Annotations = map[string]string{"note": megabyte} }, reject: "metadata.annotations: Too long"},
		{name: "mb-label", mutate: func(j *jobsv1alpha1.CloudJob) { j.Labels["note"] = megabyte }, reject: "metadata.labels: Invalid value"},
		// Control characters.
		{name: "nul-in-job-id", mutate: jobID("2c9eb2c5\x00544cbf61"), reject: "spec.jobID in body should match"},
		{name: "newline-in-project-id", mutate: projectID("bbf1946d\r\nX-Injected: 1"), reject: "spec.projectID in body should match"},
		{name: "ansi-escape-in-job-id", mutate: jobID("\x1b[31m2c9eb2c5\x1b[0m"), reject: "spec.jobID in body should match"},
		{name: "crlf-in-endpoint", mutate: endpoint("https://bms.cn-north-4.myhuaweicloud.com/\r\nX-Injected: 1"), reject: "spec.endpoint must be an absolute URL"},
		{name: "tab-in-region", mutate: func(j *jobsv1alpha1.CloudJob) { j.Spec.Endpoint, j.Spec.Region = "", "cn-north-4\t" }, reject: "spec.region in body should match"},
		{name: "del-in-secret-name", mutate: secretRef("cloud\x7fcredentials"), reject: "spec.credentialsSecretRef.name in body should match"},
		// Unicode look-alikes and invisible characters in ids.
		{name: "cyrillic-a-project-id", mutate: projectID("bbf1946d374b44\u04300a2a95533562ba954"), reject: "spec.projectID in body should match"},
		{name: "greek-omicron-job-id", mutate: jobID("2c9eb2c5544cbf61\u03bf1544f0602af2b4f"), reject: "spec.jobID in body should match"},
		{name: "fullwidth-digit-job-id", mutate: jobID("\uff12c9eb2c5544cbf6101544f0602af2b4f"), reject: "spec.jobID in body should match"},
		{name: "zero-width-space-job-id", mutate: jobID("2c9eb2c5\u200b544cbf6101544f0602af2b4f"), reject: "spec.jobID in body should match"},
		{name: "rtl-override-job-id", mutate: jobID("2c9eb2c5\u202e544cbf6101544f0602af2b4f"), reject: "spec.jobID in body should match"},
		{name: "cyrillic-service", mutate: func(j *jobsv1alpha1.CloudJob) { j.Spec.Service = "bm\u0455" }, reject: "spec.service: Unsupported value"},
		{name: "cyrillic-secret-name", mutate: secretRef("cloud-\u0441redentials"), reject: "spec.credentialsSecretRef.name in body should match"},
		// Endpoints the API server refuses.
		{name: "http-metadata", mutate: endpoint("http://169.254.169.254/latest/meta-data/"), reject: "spec.endpoint must use https"},
		{name: "user-info", mutate: endpoint("https://user:hunter2@bms.cn-north-4.myhuaweicloud.com"), reject: "must not contain user info"},
		{name: "query-redirect", mutate: endpoint("https://bms.cn-north-4.myhuaweicloud.com/?next=http://169.254.169.254"), reject: "must not contain user info ('@'), a query"},
		{name: "file-scheme", mutate: endpoint("file:///var/run/secrets/kubernetes.io/serviceaccount/token"), reject: "spec.endpoint must use https"},
		{name: "not-a-url", mutate: endpoint("bms.cn-north-4.myhuaweicloud.com"), reject: "spec.endpoint must be an absolute URL"},
		{name: "localhost-lookalike-http", mutate: endpoint("http://localhost.attacker.example"), reject: "spec.endpoint must use https"},
		{name: "loopback-lookalike-http", mutate: endpoint("http://127.0.0.1.nip.io"), reject: "spec.endpoint must use https"},
		{name: "no-region-no-endpoint", mutate: endpoint(""), reject: "spec.region or spec.endpoint is required"},
		// Endpoints the API server admits and the operator refuses to call.
		{name: "metadata-ip", mutate: endpoint("https://169.254.169.254"), stall: notAllowed, msg: "is an IP address"},
		{name: "metadata-ipv6", mutate: endpoint("https://[fd00:ec2::254]"), stall: notAllowed, msg: "is an IP address"},
		{name: "metadata-decimal-ip", mutate: endpoint("https://2852039166"), stall: notAllowed, msg: "not under an allowed domain"},
		{name: "metadata-hex-ip", mutate: endpoint("https://0xa9fea9fe"), stall: notAllowed, msg: "not under an allowed domain"},
		{name: "metadata-gce", mutate: endpoint("https://metadata.google.internal"), stall: notAllowed, msg: "not under an allowed domain"},
		{name: "kubernetes-api", mutate: endpoint("https://kubernetes.default.svc"), stall: notAllowed, msg: "not under an allowed domain"},
		{name: "cluster-local", mutate: endpoint("https://kubernetes.default.svc.cluster.local:443"), stall: notAllowed, msg: "not under an allowed domain"},
		{name: "cloud-name-in-cluster", mutate: endpoint("https://bms.cn-north-4.myhuaweicloud.com.cluster.local"), stall: notAllowed, msg: "not under an allowed domain"},
		{name: "cloud-name-prefix", mutate: endpoint("https://bms.cn-north-4.myhuaweicloud.com.attacker.example"), stall: notAllowed, msg: "not under an allowed domain"},
		{name: "cloud-name-suffix", mutate: endpoint("https://attacker-myhuaweicloud.com"), stall: notAllowed, msg: "not under an allowed domain"},
		{name: "punycode-lookalike", mutate: endpoint("https://bms.xn--myhuaweicoud-4ib.com"), stall: notAllowed, msg: "not under an allowed domain"},
		{name: "cyrillic-cloud-domain", mutate: endpoint("https://bms.myhuawei\u0441loud.com"), stall: notAllowed, msg: "is not a plain DNS name"},
		// Credentials that are not there.
		{name: "secret-missing", mutate: secretRef("no-such-secret"), stall: noCreds, msg: "does not exist"},
		{name: "secret-without-secret-key", mutate: secretRef("creds-no-sk"), stall: noCreds, msg: "has no secretKey"},
		{name: "secret-empty-secret-key", mutate: secretRef("creds-empty-sk"), stall: noCreds, msg: "has no secretKey, or it is empty"},
		{name: "secret-empty-access-key", mutate: secretRef("creds-empty-ak"), stall: noCreds, msg: "has no accessKey, or it is empty"},
		{name: "secret-token-only", mutate: secretRef("creds-token-only"), stall: noCreds, msg: "has no accessKey"},
	}
}

// hostileAnswer is a simulated job whose every answer is hostile until the
// fault is lifted.
type hostileAnswer struct {
	fault cloudsim.FaultRule
	// decodes: the answer is readable (invalid UTF-8 is cleaned, sub-jobs
	// past the decoding budget are counted); the job then reaches its outcome
	// through the fault, and check judges its status. Otherwise it shows
	// CloudAPIUnavailable, with msg in the message, until the fault is lifted.
	decodes bool
	check   func(t *testing.T, a hostileAnswer, j *jobsv1alpha1.CloudJob)
	msg     string
	job     scriptedJob
}

// emptySubJobs is how many empty sub-jobs ({}) fit a body under the
// operator's 4 MiB cap, with room for the rest of the job.
const emptySubJobs = (4<<20 - 8<<10) / len("{},")

// TestHostileInput feeds the API server and the operator hostile input: at least
// thirty manifests that must be rejected at admission or stalled with a clear
// reason, and cloud answers built to exhaust memory or confuse the decoder (a
// 1 GiB body, 100,000 levels of nesting, 100,000 sub-jobs, invalid UTF-8, a
// number for the status). The operator must survive each with bounded memory
// (peak RSS, VmHWM), treat it as transient, and recover once the cloud behaves.
func TestHostileInput(t *testing.T) {
	start := time.Now()
	const rssLimit = 300 << 20
	sim := startSimulator(t, 20260105)
	f := newFixture(t, "hostile", sim)
	const orphanToken = "st-reliability-orphan-3c5e7a9b1d2f4068-never-printed"
	registerSecretValue(orphanToken)
	f.secret("creds-no-sk", map[string]string{"accessKey": accessKey})
	f.secret("creds-empty-sk", map[string]string{"accessKey": accessKey, "secretKey": ""})
	f.secret("creds-empty-ak", map[string]string{"accessKey": "", "secretKey": secretKey})
	f.secret("creds-token-only", map[string]string{"securityToken": orphanToken})

	op := startOperator(t, "hostile", f.shardFlag())
	rssStart, err := op.peakRSS()
	if err != nil {
		t.Fatal(err)
	}

	// One well-behaved job runs through the whole test: hostile input must not
	// stop the operator's ordinary work.
	control := scriptJobs(newRand(1), 1, 8*time.Second, 8*time.Second, 0)
	control[0].name = "control"
	answers := []hostileAnswer{
		{fault: cloudsim.FaultRule{Kind: cloudsim.FaultHugeBody, Size: 1 << 30}, msg: "body is larger than"},
		{fault: cloudsim.FaultRule{Kind: cloudsim.FaultDeepNesting, Depth: 100_000}, msg: "exceeded max depth"},
		{fault: cloudsim.FaultRule{Kind: cloudsim.FaultManySubJobs, Entries: 100_000}, msg: "body is larger than"},
		{fault: cloudsim.FaultRule{Kind: cloudsim.FaultWrongType}, msg: "status: got a number"},
		{fault: cloudsim.FaultRule{Kind: cloudsim.FaultInvalidUTF8}, decodes: true, check: checkInvalidUTF8},
		{fault: cloudsim.FaultRule{Kind: cloudsim.FaultManySubJobs, Entries: emptySubJobs, EmptyEntries: true}, decodes: true, check: checkEmptySubJobs},
	}
	hostileJobs := scriptJobs(newRand(2), len(answers), 10*time.Second, 10*time.Second, 0)
	for i := range answers {
		hostileJobs[i].name = "answer-" + strings.ToLower(string(answers[i].fault.Kind))
		if answers[i].fault.EmptyEntries {
			hostileJobs[i].name += "-empty"
		}
		if answers[i].fault.Kind == cloudsim.FaultInvalidUTF8 {
			// A failed job, so that its fail reason also arrives as invalid UTF-8.
			hostileJobs[i].fail = true
			hostileJobs[i].spec.Outcome, hostileJobs[i].spec.FinalState = cloudsim.OutcomeFail, ""
			hostileJobs[i].spec.ErrorCode, hostileJobs[i].spec.FailReason = "Common.0031", "replaced by invalid UTF-8"
		}
	}
	all := append(append([]scriptedJob(nil), control...), hostileJobs...)
	f.addToSimulator(all) // fills in the simulator's defaults (job types)
	control, hostileJobs = all[:1], all[1:]
	var faults []cloudsim.FaultRule
	for i := range answers {
		answers[i].job = hostileJobs[i]
		answers[i].fault.ProjectID, answers[i].fault.JobID = f.project, hostileJobs[i].spec.JobID
		faults = append(faults, answers[i].fault)
	}
	if err := sim.SetFaults(faults); err != nil {
		t.Fatal(err)
	}
	f.createCloudJobs(all)

	// Manifests: each is the control job's CloudJob with one hostile change.
	manifests := hostileManifests()
	rejected, stalled := 0, 0
	for _, m := range manifests {
		j := f.cloudJobFor(control[0])
		j.Name = "manifest-" + m.name
		m.mutate(j)
		err := suite.client.Create(context.Background(), j)
		switch {
		case m.reject == "" && err != nil:
			t.Errorf("%s: rejected with %v, want admitted and stalled with %s", m.name, truncate(err.Error(), 300), m.stall)
		case m.reject == "":
			// admitted; checked below
		case err == nil:
			t.Errorf("%s: admitted, want rejected with %q", m.name, m.reject)
		case !apierrors.IsInvalid(err) && !apierrors.IsBadRequest(err), !strings.Contains(err.Error(), m.reject):
			t.Errorf("%s: rejected with %v, want a validation error containing %q", m.name, truncate(err.Error(), 300), m.reject)
		default:
			rejected++
		}
	}
	for _, m := range manifests {
		if m.stall == "" {
			continue
		}
		name := "manifest-" + m.name
		var last *jobsv1alpha1.CloudJob
		if _, ok := harness.WaitUntil(context.Background(), 30*time.Second, 200*time.Millisecond, func() bool {
			last = f.get(name)
			return condition(last, jobsv1alpha1.ConditionStalled).Status == metav1.ConditionTrue
		}); !ok {
			t.Errorf("%s: not stalled after 30s: %s", m.name, testenv.ConditionsText(last))
			continue
		}
		c := condition(last, jobsv1alpha1.ConditionStalled)
		switch {
		case c.Reason != m.stall || !strings.Contains(c.Message, m.msg):
			t.Errorf("%s: stalled with %s %q, want %s saying %q", m.name, c.Reason, c.Message, m.stall, m.msg)
		case condition(last, jobsv1alpha1.ConditionSucceeded).Status != metav1.ConditionUnknown:
			t.Errorf("%s: Succeeded=%s, want Unknown: a refused endpoint or missing Secret says nothing about the cloud job", m.name, condition(last, jobsv1alpha1.ConditionSucceeded).Status)
		case !cleanText(c.Message):
			t.Errorf("%s: the message holds control characters or invalid UTF-8: %q", m.name, c.Message)
		default:
			stalled++
		}
	}
	t.Logf("manifests: %d rejected at admission, %d stalled with the expected reason, of %d", rejected, stalled, len(manifests))
	if rejected+stalled < 30 {
		t.Errorf("only %d hostile manifests handled as expected, want at least 30", rejected+stalled)
	}

	// Hostile answers: each unreadable one shows CloudAPIUnavailable, and is
	// served at least twice before the fault is lifted.
	for _, a := range answers {
		if a.decodes {
			continue
		}
		var last *jobsv1alpha1.CloudJob
		if _, ok := harness.WaitUntil(context.Background(), 45*time.Second, 200*time.Millisecond, func() bool {
			last = f.get(a.job.name)
			r := condition(last, jobsv1alpha1.ConditionReconciling)
			return r.Status == metav1.ConditionTrue && r.Reason == jobsv1alpha1.ReasonCloudAPIUnavailable && served(sim, a.job.spec.JobID) >= 2
		}); !ok {
			t.Errorf("%s: not CloudAPIUnavailable after 2 hostile answers within 45s (served %d): %s", a.fault.Kind, served(sim, a.job.spec.JobID), testenv.ConditionsText(last))
			continue
		}
		msg := condition(last, jobsv1alpha1.ConditionReconciling).Message
		if !strings.Contains(msg, a.msg) || !cleanText(msg) {
			t.Errorf("%s: message %q, want a clean one mentioning %q", a.fault.Kind, msg, a.msg)
		}
		t.Logf("%s: CloudAPIUnavailable: %s", a.fault.Kind, truncate(msg, 240))
		if last.Finished() {
			t.Errorf("%s: a hostile answer decided the outcome: %s", a.fault.Kind, testenv.ConditionsText(last))
		}
	}
	rssUnderFire, err := op.peakRSS()
	if err != nil {
		t.Fatalf("reading the operator's peak RSS: %v (alive: %v)\n%s", err, op.Alive(), op.LogTail(40))
	}
	if !op.Alive() {
		t.Fatalf("the operator died under hostile answers\n%s", op.LogTail(40))
	}
	var servedText []string
	for _, a := range answers {
		servedText = append(servedText, fmt.Sprintf("%s=%d", strings.TrimPrefix(a.job.name, "answer-"), served(sim, a.job.spec.JobID)))
	}
	t.Logf("hostile answers served: %s; operator peak RSS %d MiB (%d MiB at start)", strings.Join(servedText, " "), rssUnderFire>>20, rssStart>>20)

	// The cloud behaves again (except for the invalid UTF-8, which stays):
	// every job reaches its scripted outcome.
	lifted := time.Now()
	var keep []cloudsim.FaultRule
	for _, a := range answers {
		if a.decodes {
			keep = append(keep, a.fault)
		}
	}
	if err := sim.SetFaults(keep); err != nil {
		t.Fatal(err)
	}
	f.waitFinished(names(all), 90*time.Second, func() error {
		if !op.Alive() {
			return fmt.Errorf("the operator died\n%s", op.LogTail(40))
		}
		return nil
	})
	recovered := time.Since(lifted)
	// The readable hostile answers' texts and sub-jobs are the simulator's
	// garbage, not the script's, so each is checked on its own.
	checked := append([]scriptedJob(nil), control...)
	for _, a := range answers {
		if !a.decodes {
			checked = append(checked, a.job)
			continue
		}
		a.check(t, a, f.get(a.job.name))
	}
	check := f.checkOutcomes(checked)
	check.report(t)
	rssEnd, err := op.peakRSS()
	if err != nil {
		t.Fatal(err)
	}
	if rssEnd > rssLimit {
		t.Errorf("the operator's peak RSS reached %d MiB, more than the %d MiB bound", rssEnd>>20, rssLimit>>20)
	}
	if n := op.CountLogLines("panic"); n > 0 {
		t.Errorf("the operator logged %d lines about a panic\n%s", n, op.LogTail(40))
	}
	summary(t, start, "manifests=%d rejected=%d stalled=%d hostile-answers=%s peak-rss=%dMiB (start %dMiB, limit %dMiB) recovered-after=%s alive=%v",
		len(manifests), rejected, stalled, strings.Join(servedText, ","), rssEnd>>20, rssStart>>20, rssLimit>>20,
		recovered.Round(time.Second), op.Alive())
}

// checkInvalidUTF8: the job failed as scripted, its texts arrived as valid
// UTF-8 with the invalid bytes replaced.
func checkInvalidUTF8(t *testing.T, a hostileAnswer, j *jobsv1alpha1.CloudJob) {
	t.Helper()
	if c := condition(j, jobsv1alpha1.ConditionSucceeded); c.Status != metav1.ConditionFalse || c.Reason != jobsv1alpha1.ReasonJobFailed || j.Status.State != cloudsim.StateFail {
		t.Errorf("%s: Succeeded=%s/%s state %q, want False/JobFailed and FAIL", a.fault.Kind, c.Status, c.Reason, j.Status.State)
	}
	for field, v := range map[string]string{"jobType": j.Status.JobType, "failReason": j.Status.FailReason,
		"Succeeded message": condition(j, jobsv1alpha1.ConditionSucceeded).Message} {
		if !cleanText(v) || !strings.Contains(v, "\uFFFD") {
			t.Errorf("%s: status %s = %q, want valid UTF-8 with the invalid bytes replaced by U+FFFD", a.fault.Kind, field, v)
		}
	}
}

// checkEmptySubJobs: the job succeeded as scripted, every empty sub-job is
// counted, the list in status is bounded, and the message says how many
// were not read.
func checkEmptySubJobs(t *testing.T, a hostileAnswer, j *jobsv1alpha1.CloudJob) {
	t.Helper()
	c := condition(j, jobsv1alpha1.ConditionSucceeded)
	if c.Status != metav1.ConditionTrue || c.Reason != jobsv1alpha1.ReasonSucceeded {
		t.Errorf("empty sub-jobs: Succeeded=%s/%s, want True/Succeeded", c.Status, c.Reason)
	}
	if int(j.Status.SubJobsTotal) != a.fault.Entries || len(j.Status.SubJobs) != jobsv1alpha1.MaxSubJobs {
		t.Errorf("empty sub-jobs: subJobsTotal %d with %d listed, want %d with %d", j.Status.SubJobsTotal, len(j.Status.SubJobs), a.fault.Entries, jobsv1alpha1.MaxSubJobs)
	}
	if !strings.Contains(c.Message, "more sub-jobs than the operator reads of one answer") {
		t.Errorf("empty sub-jobs: the message does not say that sub-jobs were not read: %q", c.Message)
	}
	t.Logf("empty sub-jobs: %d counted, %d listed; %s", j.Status.SubJobsTotal, len(j.Status.SubJobs), truncate(c.Message, 240))
}

// served counts the simulator's answers for a job.
func served(sim *cloudsim.Instance, jobID string) int64 {
	for _, s := range sim.Stats().Jobs {
		if s.JobID == jobID {
			return s.Requests
		}
	}
	return 0
}

// cleanText reports whether s is valid UTF-8 without control characters, as
// every text the operator writes must be.
func cleanText(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
