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

package controller

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
)

func TestReactionTo(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	cfg := DefaultConfig()
	newJob := func(state string, age time.Duration) *jobsv1alpha1.CloudJob {
		return &jobsv1alpha1.CloudJob{
			ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(t0.Add(-age))},
			Spec: jobsv1alpha1.CloudJobSpec{JobID: "job-1", ProjectID: "proj-1",
				CredentialsSecretRef: jobsv1alpha1.SecretReference{Name: "creds"}},
			Status: jobsv1alpha1.CloudJobStatus{JobRecord: jobsv1alpha1.JobRecord{State: state}},
		}
	}
	cloudErr := func(class huaweicloud.ErrorClass, code string) *huaweicloud.Error {
		return &huaweicloud.Error{Class: class, HTTPStatus: 400, Code: code}
	}
	const backoff = 7 * time.Second
	for _, c := range []struct {
		name      string
		err       *huaweicloud.Error
		job       *jobsv1alpha1.CloudJob
		inARow    int
		reason    string // "" means a silent retry
		stalled   bool
		wait      time.Duration
		inMessage []string
		backedOff bool
	}{
		{name: "throttled with advice", err: &huaweicloud.Error{Class: huaweicloud.ErrThrottled, Code: "APIG.0308", RetryAfter: 30 * time.Second},
			job: newJob("RUNNING", time.Minute), reason: jobsv1alpha1.ReasonThrottled, wait: 30 * time.Second,
			inMessage: []string{"rate limit", "APIG.0308", "retrying in 30s"}},
		{name: "throttled without advice", err: cloudErr(huaweicloud.ErrThrottled, "APIG.0308"),
			job: newJob("RUNNING", time.Minute), reason: jobsv1alpha1.ReasonThrottled, wait: backoff, backedOff: true,
			inMessage: []string{"retrying in 7s"}},
		{name: "credentials rejected", err: cloudErr(huaweicloud.ErrAuthenticationFailed, "APIGW.0301"),
			job: newJob("RUNNING", time.Minute), reason: jobsv1alpha1.ReasonAuthenticationFailed, stalled: true, wait: cfg.AuthRetryInterval,
			inMessage: []string{"Secret team/creds named by spec.credentialsSecretRef", "APIGW.0301", "accessKey", "secretKey", "at most every 5m0s", "lock the access key"}},
		{name: "unknown job within the grace period", err: cloudErr(huaweicloud.ErrNotFound, "BMS.0004"),
			job: newJob("", 10*time.Second), reason: jobsv1alpha1.ReasonJobNotFound, wait: backoff, backedOff: true,
			inMessage: []string{"does not know job job-1 in project proj-1 yet", "retrying until 2026-12-03T10:01:50Z"}},
		{name: "unknown job at the end of the grace period", err: cloudErr(huaweicloud.ErrNotFound, ""),
			job: newJob("", cfg.JobNotFoundGrace-3*time.Second), reason: jobsv1alpha1.ReasonJobNotFound, wait: 4 * time.Second, backedOff: true},
		{name: "unknown job after the grace period", err: cloudErr(huaweicloud.ErrNotFound, ""),
			job: newJob("", time.Hour), reason: jobsv1alpha1.ReasonJobNotFound, stalled: true, wait: cfg.StalledRetryInterval,
			inMessage: []string{"check spec.jobID, spec.projectID, spec.service"}},
		{name: "job expired", err: cloudErr(huaweicloud.ErrNotFound, ""),
			job: newJob("RUNNING", time.Hour), reason: jobsv1alpha1.ReasonJobNotFound, stalled: true, wait: cfg.StalledRetryInterval,
			inMessage: []string{"no longer knows job job-1, last seen RUNNING", "expired"}},
		{name: "order no longer known", err: cloudErr(huaweicloud.ErrNotFound, ""),
			job: func() *jobsv1alpha1.CloudJob {
				j := newJob("5", time.Hour)
				j.Spec.JobID, j.Spec.ProjectID, j.Spec.OrderID, j.Spec.DomainID = "", "", "CS1", "d1"
				return j
			}(), reason: jobsv1alpha1.ReasonJobNotFound, stalled: true, wait: cfg.StalledRetryInterval,
			inMessage: []string{"no longer knows order CS1, last seen 5", "billing center"}},
		{name: "unknown order after the grace period", err: cloudErr(huaweicloud.ErrNotFound, ""),
			job: func() *jobsv1alpha1.CloudJob {
				j := newJob("", time.Hour)
				j.Spec.JobID, j.Spec.ProjectID, j.Spec.OrderID, j.Spec.DomainID = "", "", "CS1", "d1"
				return j
			}(), reason: jobsv1alpha1.ReasonJobNotFound, stalled: true, wait: cfg.StalledRetryInterval,
			inMessage: []string{"does not know order CS1 in account d1", "check spec.orderID, spec.domainID"}},
		{name: "forbidden", err: cloudErr(huaweicloud.ErrForbidden, "BMS.0015"),
			job: newJob("RUNNING", time.Minute), reason: jobsv1alpha1.ReasonForbidden, stalled: true, wait: cfg.StalledRetryInterval,
			inMessage: []string{"BMS.0015", "grant the access key permission", "retrying every 5m0s"}},
		{name: "invalid request", err: cloudErr(huaweicloud.ErrInvalidRequest, "BMS.0001"),
			job: newJob("", time.Minute), reason: jobsv1alpha1.ReasonInvalidRequest, stalled: true, wait: cfg.StalledRetryInterval,
			inMessage: []string{"check spec.service, spec.projectID and spec.endpoint"}},
		{name: "unavailable, first errors of a known job", err: cloudErr(huaweicloud.ErrUnavailable, ""),
			job: newJob("RUNNING", time.Minute), inARow: cfg.TransientErrorsBeforeReport - 1, wait: backoff, backedOff: true},
		{name: "unavailable, too many in a row", err: cloudErr(huaweicloud.ErrUnavailable, ""),
			job: newJob("RUNNING", time.Minute), inARow: cfg.TransientErrorsBeforeReport, reason: jobsv1alpha1.ReasonCloudAPIUnavailable,
			wait: backoff, backedOff: true, inMessage: []string{"not answering properly", "retrying in 7s"}},
		{name: "unavailable before the first answer", err: cloudErr(huaweicloud.ErrUnavailable, ""),
			job: newJob("", time.Minute), reason: jobsv1alpha1.ReasonCloudAPIUnavailable, wait: backoff, backedOff: true},
		{name: "malformed answer", err: cloudErr(huaweicloud.ErrMalformedResponse, ""),
			job: newJob("", time.Minute), reason: jobsv1alpha1.ReasonCloudAPIUnavailable, wait: backoff, backedOff: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			backedOff := false
			origin := credentialsOrigin{secret: "team/creds", namedBy: "spec.credentialsSecretRef"}
			re := reactionTo(cfg, failedPoll{err: c.err, job: c.job, now: t0, transientInARow: c.inARow, origin: origin,
				backoff: func() time.Duration { backedOff = true; return backoff }})
			if re.wait != c.wait {
				t.Errorf("wait %s, want %s", re.wait, c.wait)
			}
			if backedOff != c.backedOff {
				t.Errorf("backoff counted: %v, want %v", backedOff, c.backedOff)
			}
			if c.reason == "" {
				if re.problem != nil {
					t.Errorf("problem %+v, want a silent retry", *re.problem)
				}
				return
			}
			if re.problem == nil {
				t.Fatalf("a silent retry, want reason %s", c.reason)
			}
			if re.problem.reason != c.reason || re.problem.stalled != c.stalled {
				t.Errorf("reason %s stalled %v, want %s %v", re.problem.reason, re.problem.stalled, c.reason, c.stalled)
			}
			for _, want := range c.inMessage {
				if !strings.Contains(re.problem.message, want) {
					t.Errorf("message %q lacks %q", re.problem.message, want)
				}
			}
		})
	}
}

func TestAuthProblemKeepsTheMessageWhileHeldBack(t *testing.T) {
	job := &jobsv1alpha1.CloudJob{Spec: jobsv1alpha1.CloudJobSpec{CredentialsSecretRef: jobsv1alpha1.SecretReference{Name: "creds"}}}
	origin := credentialsOrigin{secret: "ns/creds", namedBy: "spec.credentialsSecretRef"}
	first := authProblem(DefaultConfig(), job, origin, &huaweicloud.Error{Class: huaweicloud.ErrAuthenticationFailed, Code: "APIGW.0301"})
	job.Status = statusFromProblem(job.Status, 1, first, time.Now())
	held := authProblem(DefaultConfig(), job, origin, nil)
	if held != first {
		t.Errorf("held back: %+v, want the message it has: %+v", held, first)
	}
	fresh := authProblem(DefaultConfig(), &jobsv1alpha1.CloudJob{Spec: job.Spec}, origin, nil)
	if fresh.reason != jobsv1alpha1.ReasonAuthenticationFailed || !fresh.stalled || strings.Contains(fresh.message, "APIGW") {
		t.Errorf("held back before its own rejection: %+v", fresh)
	}
}

// TestAuthProblemNamesWhereTheCredentialsCameFrom: whatever gave the keys (a
// CloudJob's own Secret, a CloudCredentials' or the cluster default's Secret,
// an identity's temporary keys), the message names it and says what to fix,
// never an empty Secret name.
func TestAuthProblemNamesWhereTheCredentialsCameFrom(t *testing.T) {
	rejected := &huaweicloud.Error{Class: huaweicloud.ErrAuthenticationFailed, Code: "APIGW.0301"}
	for _, c := range []struct {
		origin credentialsOrigin
		want   []string
	}{
		{credentialsOrigin{secret: "team/keys", namedBy: "spec.credentialsSecretRef"},
			[]string{"Secret team/keys named by spec.credentialsSecretRef", "fix the Secret's accessKey and secretKey"}},
		{credentialsOrigin{secret: "team/keys", namedBy: "CloudCredentials team/default spec.secretRef"},
			[]string{"Secret team/keys named by CloudCredentials team/default spec.secretRef", "fix the Secret's"}},
		{credentialsOrigin{secret: "ops/platform", namedBy: "ClusterCloudCredentials platform spec.secretRef"},
			[]string{"Secret ops/platform named by ClusterCloudCredentials platform", "fix the Secret's"}},
		{credentialsOrigin{identity: "CloudCredentials team/federated"},
			[]string{"temporary keys of CloudCredentials team/federated", "obtains new keys"}},
	} {
		// A CloudJob that names no Secret: the message must not be built
		// from spec.credentialsSecretRef.
		p := authProblem(DefaultConfig(), &jobsv1alpha1.CloudJob{}, c.origin, rejected)
		for _, w := range c.want {
			if !strings.Contains(p.message, w) {
				t.Errorf("%+v: message %q lacks %q", c.origin, p.message, w)
			}
		}
		if strings.Contains(p.message, "Secret  ") || strings.Contains(p.message, "Secret (") {
			t.Errorf("%+v: message names an empty Secret: %q", c.origin, p.message)
		}
	}
}
