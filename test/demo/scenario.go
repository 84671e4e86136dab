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

package demo

import (
	"fmt"
	"strings"
	"unicode"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
)

const (
	// namespace holds the demo's CloudJobs and their Secret.
	namespace = "cloudjob-demo"
	// secretName is the credentials Secret every CloudJob names.
	secretName = "cloud-credentials"
	// defaultTimeScale applies when neither the flag nor the scenario sets one.
	defaultTimeScale = 10
)

// The outcomes of a finished CloudJob, from its Succeeded condition.
const (
	outcomeSucceeded = "Succeeded"
	outcomeFailed    = "Failed"
)

// demoJob is one scripted job and the CloudJob that tracks it.
type demoJob struct {
	Name string
	Spec cloudsim.JobSpec // as the simulator normalized it
	// Want is the outcome the scenario scripted.
	Want string
	// WaitsForPayment: an order nobody pays unless the demo does.
	WaitsForPayment bool
}

// demoJobs names the scenario's jobs (after Apply, whose JobInfos carry the
// normalized specs) and works out the outcome each is scripted to reach.
func demoJobs(infos []cloudsim.JobInfo) []demoJob {
	out := make([]demoJob, len(infos))
	used := map[string]bool{}
	for i, in := range infos {
		spec := in.Spec
		name := jobName(spec.Service, spec.JobType)
		for n := 2; used[name]; n++ {
			name = fmt.Sprintf("%s-%d", jobName(spec.Service, spec.JobType), n)
		}
		used[name] = true
		out[i] = demoJob{
			Name:            name,
			Spec:            spec,
			Want:            scriptedOutcome(spec),
			WaitsForPayment: spec.Payment != nil && spec.Payment.Resolution == "",
		}
	}
	return out
}

// scriptedOutcome is how the script ends the job: a cancelled order fails
// whatever the job's own outcome, and the simulator has already turned a
// failing sub-job into a failing parent.
func scriptedOutcome(spec cloudsim.JobSpec) string {
	if spec.Payment != nil && spec.Payment.Resolution == cloudsim.PaymentCancelled {
		return outcomeFailed
	}
	if spec.Outcome == cloudsim.OutcomeFail {
		return outcomeFailed
	}
	return outcomeSucceeded
}

// jobName names a CloudJob after its service and job type, dropping the words
// that only repeat the service: bms + baremetalBatchCreate is
// bms-batch-create, elb + createELB is elb-create.
func jobName(service cloudsim.Service, jobType string) string {
	words := []string{string(service)}
	for _, w := range camelWords(jobType) {
		w = strings.ToLower(w)
		if w == string(service) || (service == cloudsim.ServiceBMS && w == "baremetal") {
			continue
		}
		words = append(words, w)
	}
	name := strings.Join(words, "-")
	// A DNS label: lowercase letters, digits and dashes, at most 63.
	name = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, name)
	if len(name) > 55 { // room for a -N suffix
		name = strings.TrimRight(name[:55], "-")
	}
	return name
}

// camelWords splits camelCase, keeping acronyms whole: createELBListener is
// create, ELB, Listener.
func camelWords(s string) []string {
	var words []string
	rs := []rune(s)
	start := 0
	for i := 1; i < len(rs); i++ {
		prev, cur := rs[i-1], rs[i]
		next := rune(0)
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		if unicode.IsUpper(cur) && (unicode.IsLower(prev) || unicode.IsDigit(prev) || unicode.IsUpper(prev) && unicode.IsLower(next)) {
			words = append(words, string(rs[start:i]))
			start = i
		}
	}
	if start < len(rs) {
		words = append(words, string(rs[start:]))
	}
	return words
}

// cloudJob is the CloudJob that tracks j at the simulator's endpoint.
func cloudJob(j demoJob, endpoint string) *jobsv1alpha1.CloudJob {
	cj := &jobsv1alpha1.CloudJob{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: namespace,
			Name:      j.Name,
			Labels:    map[string]string{"app.kubernetes.io/part-of": "cloudjob-demo"},
		},
		Spec: jobsv1alpha1.CloudJobSpec{
			Service:              jobsv1alpha1.Service(j.Spec.Service),
			Endpoint:             endpoint,
			ProjectID:            j.Spec.ProjectID,
			InstanceID:           j.Spec.InstanceID,
			EnvironmentID:        j.Spec.EnvironmentID,
			JobID:                j.Spec.JobID,
			CredentialsSecretRef: jobsv1alpha1.SecretReference{Name: secretName},
		},
	}
	switch j.Spec.Service {
	case cloudsim.ServiceGEIP:
		// The simulator's project is the account of a global job.
		cj.Spec.ProjectID, cj.Spec.DomainID = "", j.Spec.ProjectID
	case cloudsim.ServiceBSS:
		// ... and of an order, whose id is the simulator's job id.
		cj.Spec.ProjectID, cj.Spec.DomainID = "", j.Spec.ProjectID
		cj.Spec.JobID, cj.Spec.OrderID = "", j.Spec.JobID
	}
	return cj
}

// timeScale is the flag's time scale, else the scenario's, else the default.
func timeScale(flag float64, sc *cloudsim.Scenario) float64 {
	switch {
	case flag > 0:
		return flag
	case sc.Settings.TimeScale != nil:
		return *sc.Settings.TimeScale
	default:
		return defaultTimeScale
	}
}
