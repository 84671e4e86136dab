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

package v1alpha1_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	var err error
	env, err = testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := env.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stopping the control plane:", err)
	}
	os.Exit(code)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// namespace creates a namespace of its own for one test.
func namespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "api-"}}
	if err := env.Client.Create(ctx(t), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

func validJob(ns, name string) *jobsv1alpha1.CloudJob {
	return &jobsv1alpha1.CloudJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: jobsv1alpha1.CloudJobSpec{
			ProjectID:            "bbf1946d374b44a0a2a95533562ba954",
			JobID:                "2c9eb2c5544cbf6101544f0602af2b4f",
			Service:              jobsv1alpha1.ServiceBMS,
			Region:               "cn-north-4",
			CredentialsSecretRef: jobsv1alpha1.SecretReference{Name: "cloud-credentials"},
		},
	}
}

func TestSamplesAreAccepted(t *testing.T) {
	ns := namespace(t)
	files, err := filepath.Glob(filepath.Join(testenv.RepoRoot(), "config", "samples", "jobs_v1alpha1_cloudjob_*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	services := map[jobsv1alpha1.Service]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var job jobsv1alpha1.CloudJob
		if err := yaml.UnmarshalStrict(data, &job); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		job.Namespace = ns
		if err := env.Client.Create(ctx(t), &job); err != nil {
			t.Errorf("%s was rejected: %v", filepath.Base(f), err)
		}
		services[job.Spec.Service] = true
	}
	for _, s := range huaweicloud.Services() {
		if !services[jobsv1alpha1.Service(s)] {
			t.Errorf("config/samples has no CloudJob for service %q", s)
		}
	}
}

func TestNewObjectStatusReadsAsNotObserved(t *testing.T) {
	ns := namespace(t)
	job := validJob(ns, "fresh")
	if err := env.Client.Create(ctx(t), job); err != nil {
		t.Fatal(err)
	}
	var got jobsv1alpha1.CloudJob
	if err := env.Client.Get(ctx(t), keyOf(job), &got); err != nil {
		t.Fatal(err)
	}
	if got.Status.ObservedGeneration != -1 {
		t.Errorf("status.observedGeneration of a new CloudJob = %d, want -1 so kstatus reads it as in progress", got.Status.ObservedGeneration)
	}
}

func keyOf(j *jobsv1alpha1.CloudJob) client.ObjectKey { return client.ObjectKeyFromObject(j) }

func ptr[T any](v T) *T { return &v }

// TestInvalidManifestsAreRejected checks that the API server refuses each bad
// manifest with an error that names the offending field.
func TestInvalidManifestsAreRejected(t *testing.T) {
	ns := namespace(t)
	cases := []struct {
		name      string
		mutate    func(*jobsv1alpha1.CloudJob)
		wantField string
	}{
		{"missing projectID", func(j *jobsv1alpha1.CloudJob) { j.Spec.ProjectID = "" }, "spec.projectID"},
		{"projectID too long", func(j *jobsv1alpha1.CloudJob) { j.Spec.ProjectID = strings.Repeat("a", 65) }, "spec.projectID"},
		{"projectID with a slash", func(j *jobsv1alpha1.CloudJob) { j.Spec.ProjectID = "../etc" }, "spec.projectID"},
		{"projectID with a space", func(j *jobsv1alpha1.CloudJob) { j.Spec.ProjectID = "abc def" }, "spec.projectID"},
		{"missing jobID", func(j *jobsv1alpha1.CloudJob) { j.Spec.JobID = "" }, "spec.jobID"},
		{"jobID too long", func(j *jobsv1alpha1.CloudJob) { j.Spec.JobID = strings.Repeat("f", 65) }, "spec.jobID"},
		{"jobID megabyte long", func(j *jobsv1alpha1.CloudJob) { j.Spec.JobID = strings.Repeat("f", 1<<20) }, "spec.jobID"},
		{"jobID with a control character", func(j *jobsv1alpha1.CloudJob) { j.Spec.JobID = "abc\x00def" }, "spec.jobID"},
		{"jobID with a unicode look-alike", func(j *jobsv1alpha1.CloudJob) { j.Spec.JobID = "2c9eb2c5544cbf61\u04300154" }, "spec.jobID"},
		{"jobID with a query", func(j *jobsv1alpha1.CloudJob) { j.Spec.JobID = "abc?x=1" }, "spec.jobID"},
		{"missing service", func(j *jobsv1alpha1.CloudJob) { j.Spec.Service = "" }, "spec.service"},
		{"unknown service", func(j *jobsv1alpha1.CloudJob) { j.Spec.Service = "nat" }, "spec.service"},
		{"instanceID with a slash", func(j *jobsv1alpha1.CloudJob) {
			j.Spec.Service, j.Spec.InstanceID = jobsv1alpha1.ServiceKafka, "a/b"
		}, "spec.instanceID"},
		{"environmentID too long", func(j *jobsv1alpha1.CloudJob) {
			j.Spec.Service, j.Spec.EnvironmentID = jobsv1alpha1.ServiceCAE, strings.Repeat("e", 65)
		}, "spec.environmentID"},
		{"orderID with a slash", func(j *jobsv1alpha1.CloudJob) {
			j.Spec.Service, j.Spec.ProjectID, j.Spec.DomainID, j.Spec.JobID, j.Spec.OrderID = jobsv1alpha1.ServiceBSS, "", "d1", "", "CS/../x"
		}, "spec.orderID"},
		{"a job and an order", func(j *jobsv1alpha1.CloudJob) {
			j.Spec.Service, j.Spec.ProjectID, j.Spec.DomainID, j.Spec.OrderID = jobsv1alpha1.ServiceBSS, "", "d1", "CS2612030816VYZ8K"
		}, "spec.jobID is not used by service bss"},
		{"an order without service bss", func(j *jobsv1alpha1.CloudJob) { j.Spec.JobID, j.Spec.OrderID = "", "CS2612030816VYZ8K" }, "spec.orderID is only for service bss"},
		{"empty domainID", func(j *jobsv1alpha1.CloudJob) {
			j.Spec.Service, j.Spec.ProjectID, j.Spec.DomainID = jobsv1alpha1.ServiceGEIP, "", ""
		}, "spec.domainID"},
		{"service in capitals", func(j *jobsv1alpha1.CloudJob) { j.Spec.Service = "BMS" }, "spec.service"},
		{"region in capitals", func(j *jobsv1alpha1.CloudJob) { j.Spec.Region = "CN-North-4" }, "spec.region"},
		{"region with a dot", func(j *jobsv1alpha1.CloudJob) { j.Spec.Region = "cn-north-4.evil.io" }, "spec.region"},
		{"region ending in a dash", func(j *jobsv1alpha1.CloudJob) { j.Spec.Region = "cn-north-" }, "spec.region"},
		{"missing region and endpoint", func(j *jobsv1alpha1.CloudJob) { j.Spec.Region = "" }, "spec.region or spec.endpoint"},
		{"plain http endpoint", func(j *jobsv1alpha1.CloudJob) { j.Spec.Endpoint = "http://bms.cn-north-4.myhuaweicloud.com" }, "spec.endpoint"},
		{"relative endpoint", func(j *jobsv1alpha1.CloudJob) { j.Spec.Endpoint = "bms.cn-north-4.myhuaweicloud.com" }, "spec.endpoint"},
		{"ftp endpoint", func(j *jobsv1alpha1.CloudJob) { j.Spec.Endpoint = "ftp://bms.cn-north-4.myhuaweicloud.com" }, "spec.endpoint"},
		{"endpoint with user info", func(j *jobsv1alpha1.CloudJob) { j.Spec.Endpoint = "https://user:pw@bms.cn-north-4.myhuaweicloud.com" }, "spec.endpoint"},
		{"endpoint with a query", func(j *jobsv1alpha1.CloudJob) { j.Spec.Endpoint = "https://bms.cn-north-4.myhuaweicloud.com/?a=b" }, "spec.endpoint"},
		{"plain http to a name that only starts like loopback", func(j *jobsv1alpha1.CloudJob) { j.Spec.Endpoint = "http://127.0.0.1.nip.io" }, "spec.endpoint"},
		{"plain http to the metadata address", func(j *jobsv1alpha1.CloudJob) { j.Spec.Endpoint = "http://169.254.169.254" }, "spec.endpoint"},
		{"endpoint too long", func(j *jobsv1alpha1.CloudJob) { j.Spec.Endpoint = "https://" + strings.Repeat("a", 600) + ".com" }, "spec.endpoint"},
		{"credentialsRef not a DNS name", func(j *jobsv1alpha1.CloudJob) {
			j.Spec.CredentialsSecretRef, j.Spec.CredentialsRef = jobsv1alpha1.SecretReference{}, &jobsv1alpha1.LocalObjectReference{Name: "Team_A"}
		}, "spec.credentialsRef.name"},
		{"credentials name not a DNS name", func(j *jobsv1alpha1.CloudJob) { j.Spec.CredentialsSecretRef.Name = "Cloud_Credentials" }, "spec.credentialsSecretRef.name"},
		{"pollInterval below 1s", func(j *jobsv1alpha1.CloudJob) {
			j.Spec.PollInterval = &metav1.Duration{Duration: 500 * time.Millisecond}
		}, "spec.pollInterval"},
		{"pollInterval above 1h", func(j *jobsv1alpha1.CloudJob) { j.Spec.PollInterval = &metav1.Duration{Duration: 2 * time.Hour} }, "spec.pollInterval"},
		{"negative pollInterval", func(j *jobsv1alpha1.CloudJob) { j.Spec.PollInterval = &metav1.Duration{Duration: -time.Minute} }, "spec.pollInterval"},
		{"activeDeadlineSeconds zero", func(j *jobsv1alpha1.CloudJob) { j.Spec.ActiveDeadlineSeconds = ptr[int64](0) }, "spec.activeDeadlineSeconds"},
		{"negative activeDeadlineSeconds", func(j *jobsv1alpha1.CloudJob) { j.Spec.ActiveDeadlineSeconds = ptr[int64](-5) }, "spec.activeDeadlineSeconds"},
		{"activeDeadlineSeconds past what a duration holds", func(j *jobsv1alpha1.CloudJob) { j.Spec.ActiveDeadlineSeconds = ptr[int64](9_999_999_999) }, "spec.activeDeadlineSeconds"},
		{"endpoint without a host", func(j *jobsv1alpha1.CloudJob) { j.Spec.Endpoint = "https://" }, "spec.endpoint must name a host"},
		{"endpoint with a port but no host", func(j *jobsv1alpha1.CloudJob) { j.Spec.Endpoint = "https://:443/" }, "spec.endpoint"},
		{"negative ttlSecondsAfterFinished", func(j *jobsv1alpha1.CloudJob) { j.Spec.TTLSecondsAfterFinished = ptr[int32](-1) }, "spec.ttlSecondsAfterFinished"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			job := validJob(ns, fmt.Sprintf("invalid-%d", i))
			tc.mutate(job)
			err := env.Client.Create(ctx(t), job)
			if err == nil {
				t.Fatalf("accepted; want a rejection naming %s", tc.wantField)
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("got %v; want an Invalid error naming %s", err, tc.wantField)
			}
			if !strings.Contains(err.Error(), tc.wantField) {
				t.Errorf("error does not name %s:\n%v", tc.wantField, err)
			}
		})
	}
	if len(cases) < 25 {
		t.Fatalf("only %d invalid manifests; keep at least 25", len(cases))
	}
}

// TestBadDurationStringIsRejected sends a pollInterval that is not a duration at
// all, which the typed client cannot express.
func TestBadDurationStringIsRejected(t *testing.T) {
	ns := namespace(t)
	for i, bad := range []string{"soon", "10", "1d", "PT5M"} {
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "jobs.cloudjob.io/v1alpha1",
			"kind":       "CloudJob",
			"metadata":   map[string]any{"namespace": ns, "name": fmt.Sprintf("bad-duration-%d", i)},
			"spec": map[string]any{
				"projectID": "p1", "jobID": "j1", "service": "bms", "region": "cn-north-4",
				"credentialsSecretRef": map[string]any{"name": "c"},
				"pollInterval":         bad,
			},
		}}
		err := env.Client.Create(ctx(t), u)
		if err == nil || !strings.Contains(err.Error(), "spec.pollInterval") {
			t.Errorf("pollInterval %q: got %v, want a rejection naming spec.pollInterval", bad, err)
		}
	}
}

func TestIDsAreImmutable(t *testing.T) {
	ns := namespace(t)
	for _, tc := range []struct {
		field  string
		mutate func(*jobsv1alpha1.CloudJob)
	}{
		{"spec.jobID", func(j *jobsv1alpha1.CloudJob) { j.Spec.JobID = "ffffffffffffffffffffffffffffffff" }},
		{"spec.projectID", func(j *jobsv1alpha1.CloudJob) { j.Spec.ProjectID = "otherproject" }},
		{"spec.instanceID", func(j *jobsv1alpha1.CloudJob) { j.Spec.InstanceID = "otherinstance" }},
		{"spec.environmentID", func(j *jobsv1alpha1.CloudJob) { j.Spec.EnvironmentID = "otherenv" }},
		{"spec.domainID", func(j *jobsv1alpha1.CloudJob) { j.Spec.DomainID = "otherdomain" }},
		{"spec.orderID", func(j *jobsv1alpha1.CloudJob) { j.Spec.OrderID = "CS0000000000OTHER" }},
		{"spec.instanceID (removed)", func(j *jobsv1alpha1.CloudJob) { j.Spec.InstanceID = "" }},
	} {
		job := validJob(ns, "immutable-"+strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(strings.ToLower(strings.TrimPrefix(tc.field, "spec."))))
		switch {
		case strings.HasPrefix(tc.field, "spec.instanceID"):
			job.Spec.Service, job.Spec.InstanceID = jobsv1alpha1.ServiceKafka, "instance1"
		case tc.field == "spec.environmentID":
			job.Spec.Service, job.Spec.EnvironmentID = jobsv1alpha1.ServiceCAE, "env1"
		case tc.field == "spec.domainID":
			job.Spec.Service, job.Spec.ProjectID, job.Spec.DomainID = jobsv1alpha1.ServiceGEIP, "", "domain1"
		case tc.field == "spec.orderID":
			job.Spec.Service, job.Spec.ProjectID, job.Spec.DomainID = jobsv1alpha1.ServiceBSS, "", "domain1"
			job.Spec.JobID, job.Spec.OrderID = "", "CS2612030816VYZ8K"
		}
		if err := env.Client.Create(ctx(t), job); err != nil {
			t.Fatal(err)
		}
		tc.mutate(job)
		err := env.Client.Update(ctx(t), job)
		if err == nil {
			t.Fatalf("changing %s was accepted", tc.field)
		}
		want := tc.field + " is immutable"
		if strings.HasSuffix(tc.field, "(removed)") {
			want = "cannot be added or removed"
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("changing %s: error does not say it is immutable:\n%v", tc.field, err)
		}
	}
}

// TestExtraIDsPerService creates, for every service, a CloudJob with exactly
// the ids its adapter needs (accepted), one without each of them and one with
// each id it does not use (both refused, naming the field and the service).
// The table is the adapters' own, so the CRD's rules and the client cannot
// drift apart.
func TestExtraIDsPerService(t *testing.T) {
	ns := namespace(t)
	type id struct {
		field string
		set   func(*jobsv1alpha1.CloudJobSpec, string)
	}
	ids := []id{
		{"spec.projectID", func(s *jobsv1alpha1.CloudJobSpec, v string) { s.ProjectID = v }},
		{"spec.domainID", func(s *jobsv1alpha1.CloudJobSpec, v string) { s.DomainID = v }},
		{"spec.instanceID", func(s *jobsv1alpha1.CloudJobSpec, v string) { s.InstanceID = v }},
		{"spec.environmentID", func(s *jobsv1alpha1.CloudJobSpec, v string) { s.EnvironmentID = v }},
		{"spec.jobID", func(s *jobsv1alpha1.CloudJobSpec, v string) { s.JobID = v }},
		{"spec.orderID", func(s *jobsv1alpha1.CloudJobSpec, v string) { s.OrderID = v }},
	}
	n := 0
	create := func(spec jobsv1alpha1.CloudJobSpec) error {
		n++
		return env.Client.Create(ctx(t), &jobsv1alpha1.CloudJob{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("ids-%d", n)},
			Spec:       spec,
		})
	}
	for _, service := range huaweicloud.Services() {
		adapter, _ := huaweicloud.AdapterFor(service)
		needs := adapter.Needs()
		// A job id, or for bss an order id: exactly one of them.
		needed := []bool{needs.Project, needs.Domain, needs.Instance, needs.Environment, !needs.Order, needs.Order}
		base := jobsv1alpha1.CloudJobSpec{
			Service:              jobsv1alpha1.Service(service),
			CredentialsSecretRef: jobsv1alpha1.SecretReference{Name: "cloud-credentials"},
		}
		if !needs.Domain {
			base.Region = "cn-north-4" // a global service needs none
		}
		for i, want := range needed {
			if want {
				ids[i].set(&base, "id-"+fmt.Sprint(i))
			}
		}
		if err := create(base); err != nil {
			t.Errorf("%s with the ids it needs was rejected: %v", service, err)
		}
		for i, want := range needed {
			spec := base
			verb := "without"
			if want {
				ids[i].set(&spec, "")
			} else {
				verb = "with"
				ids[i].set(&spec, "unused-id")
			}
			err := create(spec)
			if err == nil {
				t.Errorf("%s %s %s was accepted", service, verb, ids[i].field)
				continue
			}
			if !strings.Contains(err.Error(), ids[i].field) || !strings.Contains(err.Error(), string(service)) {
				t.Errorf("%s %s %s: the error does not name the field and the service:\n%v", service, verb, ids[i].field, err)
			}
		}
	}
}

func TestOptionalFieldsCanChange(t *testing.T) {
	ns := namespace(t)
	job := validJob(ns, "mutable")
	if err := env.Client.Create(ctx(t), job); err != nil {
		t.Fatal(err)
	}
	job.Spec.PollInterval = &metav1.Duration{Duration: 30 * time.Second}
	job.Spec.ActiveDeadlineSeconds = ptr[int64](3600)
	job.Spec.Endpoint = "https://bms.cn-north-4.myhuaweicloud.com"
	if err := env.Client.Update(ctx(t), job); err != nil {
		t.Fatalf("changing pollInterval, activeDeadlineSeconds and endpoint was rejected: %v", err)
	}
}

func TestLoopbackHTTPEndpointIsAccepted(t *testing.T) {
	ns := namespace(t)
	for i, ep := range []string{"http://127.0.0.1:8443", "http://localhost:9000", "http://[::1]:8443", "https://bms.eu-de.otc.t-systems.com"} {
		job := validJob(ns, fmt.Sprintf("loopback-%d", i))
		job.Spec.Region = ""
		job.Spec.Endpoint = ep
		if err := env.Client.Create(ctx(t), job); err != nil {
			t.Errorf("endpoint %s was rejected: %v", ep, err)
		}
	}
}

// TestShortNameListsCloudJobs checks that the short name reaches CloudJobs on a
// real API server: kubectl resolves it through discovery, and a short name that
// a built-in resource also claims (cj is CronJob's) would list those instead.
func TestShortNameListsCloudJobs(t *testing.T) {
	ns := namespace(t)
	if err := env.Client.Create(ctx(t), validJob(ns, "by-short-name")); err != nil {
		t.Fatal(err)
	}
	out, err := env.Kubectl("get", "cjob", "-n", ns, "-o", "name")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out) != "cloudjob.jobs.cloudjob.io/by-short-name" {
		t.Errorf("kubectl get cjob printed %q, want the CloudJob", out)
	}
}

func TestKubectlExplainShowsFieldDocs(t *testing.T) {
	out, err := env.Kubectl("explain", "cloudjob.spec")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"projectID", "jobID", "credentialsSecretRef", "1-64 characters", "pollInterval", "activeDeadlineSeconds"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl explain cloudjob.spec does not show %q:\n%s", want, out)
		}
	}
	out, err = env.Kubectl("explain", "cloudjob.status.conditions")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Reconciling") {
		t.Errorf("kubectl explain cloudjob.status.conditions does not document the condition types:\n%s", out)
	}
}
