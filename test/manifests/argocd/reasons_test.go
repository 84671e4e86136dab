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

package argocd

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

// The condition sets the operator writes, one per outcome (see the setters in
// internal/controller/conditions.go). Each row below builds a CloudJob from the
// API types with one of them, so that the script is checked against the
// condition and reason constants themselves rather than against strings copied
// into YAML.
type pattern int

const (
	// polling: Ready=False, Succeeded=Unknown, Reconciling=True, all with reason.
	polling pattern = iota
	// stalled: Ready=False, Succeeded=Unknown, Stalled=True.
	stalled
	// failed: Ready=False, Succeeded=False, Stalled=True.
	failed
	// succeeded: Ready=True and Succeeded=True with reason Succeeded.
	succeeded
)

func (p pattern) String() string {
	return [...]string{"polling", "stalled", "failed", "succeeded"}[p]
}

var reasonHealth = []struct {
	pattern pattern
	reason  string
	want    string
}{
	{polling, jobsv1alpha1.ReasonInitializing, "Progressing"},
	{polling, jobsv1alpha1.ReasonRunning, "Progressing"},
	{polling, jobsv1alpha1.ReasonUnknownState, "Progressing"},
	{polling, jobsv1alpha1.ReasonThrottled, "Progressing"},
	{polling, jobsv1alpha1.ReasonCloudAPIUnavailable, "Progressing"},
	{polling, jobsv1alpha1.ReasonJobNotFound, "Progressing"}, // within the grace period after creation
	{polling, jobsv1alpha1.ReasonAwaitingPayment, "Suspended"},
	{stalled, jobsv1alpha1.ReasonAuthenticationFailed, "Degraded"},
	{stalled, jobsv1alpha1.ReasonForbidden, "Degraded"},
	{stalled, jobsv1alpha1.ReasonInvalidRequest, "Degraded"},
	{stalled, jobsv1alpha1.ReasonCredentialsNotFound, "Degraded"},
	{stalled, jobsv1alpha1.ReasonCredentialsInvalid, "Degraded"},
	{stalled, jobsv1alpha1.ReasonJobNotFound, "Degraded"},
	{stalled, jobsv1alpha1.ReasonEndpointNotAllowed, "Degraded"},
	{stalled, jobsv1alpha1.ReasonIdentityUnavailable, "Degraded"},
	{failed, jobsv1alpha1.ReasonJobFailed, "Degraded"},
	{failed, jobsv1alpha1.ReasonOrderCancelled, "Degraded"},
	{failed, jobsv1alpha1.ReasonDeadlineExceeded, "Degraded"},
	{succeeded, jobsv1alpha1.ReasonSucceeded, "Healthy"},
}

// cloudJob is a CloudJob at generation gen whose conditions, written for
// generation observed, follow pattern p with reason and message.
func cloudJob(p pattern, reason, message string, gen, observed int64) *jobsv1alpha1.CloudJob {
	job := &jobsv1alpha1.CloudJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: jobsv1alpha1.GroupVersion.String(), Kind: "CloudJob"},
		ObjectMeta: metav1.ObjectMeta{Name: "job", Namespace: "default", Generation: gen},
		Spec: jobsv1alpha1.CloudJobSpec{
			ProjectID: "bbf1946d374b44a0a2a95533562ba954", JobID: "2c9eb2c5544cbf6101544f0602af2b4f",
			Service: jobsv1alpha1.ServiceECS, Region: "cn-north-4",
			CredentialsSecretRef: jobsv1alpha1.SecretReference{Name: "cloud-credentials"},
		},
		Status: jobsv1alpha1.CloudJobStatus{ObservedGeneration: observed},
	}
	set := func(typ string, status metav1.ConditionStatus) {
		meta.SetStatusCondition(&job.Status.Conditions, metav1.Condition{
			Type: typ, Status: status, ObservedGeneration: observed, Reason: reason, Message: message,
			LastTransitionTime: metav1.Unix(1772438400, 0),
		})
	}
	switch p {
	case polling:
		set(jobsv1alpha1.ConditionReady, metav1.ConditionFalse)
		set(jobsv1alpha1.ConditionSucceeded, metav1.ConditionUnknown)
		set(jobsv1alpha1.ConditionReconciling, metav1.ConditionTrue)
	case stalled:
		set(jobsv1alpha1.ConditionReady, metav1.ConditionFalse)
		set(jobsv1alpha1.ConditionSucceeded, metav1.ConditionUnknown)
		set(jobsv1alpha1.ConditionStalled, metav1.ConditionTrue)
	case failed:
		set(jobsv1alpha1.ConditionReady, metav1.ConditionFalse)
		set(jobsv1alpha1.ConditionSucceeded, metav1.ConditionFalse)
		set(jobsv1alpha1.ConditionStalled, metav1.ConditionTrue)
	case succeeded:
		set(jobsv1alpha1.ConditionReady, metav1.ConditionTrue)
		set(jobsv1alpha1.ConditionSucceeded, metav1.ConditionTrue)
	}
	return job
}

// healthOf runs the script on job converted as Argo CD's controller sees it: an
// unstructured object, whose integers are int64.
func healthOf(t *testing.T, check string, job *jobsv1alpha1.CloudJob) health {
	t.Helper()
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(job)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := runHealthCheck(check, obj)
	if err != nil {
		t.Fatalf("health.lua failed: %v", err)
	}
	return hs
}

// TestHealthOfEveryReason checks the health of a CloudJob in each state the
// operator writes, and that the same state turns Progressing once the spec
// changed and the operator has not looked yet.
func TestHealthOfEveryReason(t *testing.T) {
	check := script(t)
	for _, tc := range reasonHealth {
		t.Run(tc.pattern.String()+"/"+tc.reason, func(t *testing.T) {
			message := "message for " + tc.reason
			got := healthOf(t, check, cloudJob(tc.pattern, tc.reason, message, 4, 4))
			if want := (health{Status: tc.want, Message: message}); got != want {
				t.Errorf("health = %+v, want %+v", got, want)
			}

			got = healthOf(t, check, cloudJob(tc.pattern, tc.reason, message, 5, 4))
			want := health{Status: "Progressing",
				Message: "Waiting for cloudjob-operator to observe generation 5 of the CloudJob; the status describes generation 4"}
			if got != want {
				t.Errorf("with a newer spec: health = %+v, want %+v", got, want)
			}
		})
	}
}

// TestHealthBeforeTheOperatorLooked covers a CloudJob with no status yet: the
// zero status, and the status the CRD defaults (observedGeneration -1).
func TestHealthBeforeTheOperatorLooked(t *testing.T) {
	check := script(t)
	want := health{Status: "Progressing", Message: "Waiting for cloudjob-operator to observe the CloudJob"}
	for _, observed := range []int64{0, -1} {
		job := cloudJob(polling, jobsv1alpha1.ReasonInitializing, "", 1, observed)
		job.Status.Conditions = nil
		if got := healthOf(t, check, job); got != want {
			t.Errorf("observedGeneration %d: health = %+v, want %+v", observed, got, want)
		}
	}
}

// TestHealthFallsBackToTheReason: a condition without a message still tells why.
func TestHealthFallsBackToTheReason(t *testing.T) {
	got := healthOf(t, script(t), cloudJob(stalled, jobsv1alpha1.ReasonForbidden, "", 1, 1))
	if want := (health{Status: "Degraded", Message: jobsv1alpha1.ReasonForbidden}); got != want {
		t.Errorf("health = %+v, want %+v", got, want)
	}
}

// TestEveryReasonHasAHealth fails when api/v1alpha1 gains a condition reason that
// reasonHealth does not map, so a new reason cannot ship without deciding what
// Argo CD shows for it.
func TestEveryReasonHasAHealth(t *testing.T) {
	path := filepath.Join("..", "..", "..", "api", "v1alpha1", "conditions.go")
	file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	mapped := map[string]bool{}
	for _, tc := range reasonHealth {
		mapped[tc.reason] = true
	}
	found := 0
	ast.Inspect(file, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range spec.Names {
			if !strings.HasPrefix(name.Name, "Reason") || i >= len(spec.Values) {
				continue
			}
			lit, ok := spec.Values[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s is not a string constant", name.Name)
				continue
			}
			value, _ := strconv.Unquote(lit.Value)
			found++
			if !mapped[value] {
				t.Errorf("reason %s (%q) has no expected Argo CD health in reasonHealth", name.Name, value)
			}
		}
		return true
	})
	if found < len(mapped) {
		t.Errorf("found %d Reason constants in %s, fewer than the %d reasons mapped", found, path, len(mapped))
	}
}
