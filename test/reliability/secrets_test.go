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
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// TestSecretsNeverLeak runs last (Go runs a package's tests in file order) and
// scans everything the operator produced in this run for the secret keys and
// security tokens any test put in a Secret: the log of every operator process
// (debug level in the chaos test and here), every scrape of /metrics, every Event
// and every CloudJob in the cluster. It first runs a workload of its own, so that
// it checks something when run alone: temporary credentials with a security
// token that is rotated mid-run, and a wrong secret key the cloud rejects.
func TestSecretsNeverLeak(t *testing.T) {
	start := time.Now()
	const (
		wrongAccessKey = "AKRELIABILITY0WRONG01"
		wrongSecretKey = "sk-reliability-wrong-9d8c7b6a5f4e3d2c-never-printed"
		rotatedToken   = "st-reliability-rotated-0f1e2d3c4b5a6978-never-printed"
	)
	registerSecretValue(wrongSecretKey)
	registerSecretValue(rotatedToken)
	sim := startSimulator(t, 20260107)
	// The simulator knows the access key with another secret key, so the wrong
	// one fails the signature check rather than naming an unknown key.
	if err := sim.AddCredentials(cloudsim.Credential{AccessKey: wrongAccessKey, SecretKey: "sk-the-right-one-which-the-secret-lacks"}); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, "secrets", sim)
	f.secret("wrong-credentials", map[string]string{"accessKey": wrongAccessKey, "secretKey": wrongSecretKey, "securityToken": securityToken})

	jobs := scriptJobs(newRand(8), 6, 4*time.Second, 10*time.Second, 0.3)
	rejected := scriptJobs(newRand(9), 1, 4*time.Second, 4*time.Second, 0)
	rejected[0].name = "wrong-secret-key"
	all := append(append([]scriptedJob(nil), jobs...), rejected...)
	f.addToSimulator(all)
	jobs, rejected = all[:len(jobs)], all[len(jobs):]
	op := startOperator(t, "secrets", f.shardFlag(), "--zap-log-level=debug")
	f.createCloudJobs(jobs)
	wrong := f.cloudJobFor(rejected[0])
	wrong.Spec.CredentialsSecretRef.Name = "wrong-credentials"
	if err := suite.client.Create(context.Background(), wrong); err != nil {
		t.Fatal(err)
	}

	// Rotate the temporary credentials' token while the jobs run: the cloud
	// issues the new token (the old one stays valid a while), then the Secret
	// gets it.
	time.Sleep(2 * time.Second)
	if err := sim.AddCredentials(cloudsim.Credential{AccessKey: accessKey, SecretKey: secretKey, SecurityToken: rotatedToken}); err != nil {
		t.Fatal(err)
	}
	var s corev1.Secret
	if err := suite.client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: secretName}, &s); err != nil {
		t.Fatal(err)
	}
	s.Data["securityToken"] = []byte(rotatedToken)
	if err := suite.client.Update(context.Background(), &s); err != nil {
		t.Fatal(err)
	}

	f.waitFinished(names(jobs), 60*time.Second, nil)
	f.checkOutcomes(jobs).report(t)
	if _, ok := harness.WaitUntil(context.Background(), 30*time.Second, 200*time.Millisecond, func() bool {
		return condition(f.get(wrong.Name), jobsv1alpha1.ConditionStalled).Reason == jobsv1alpha1.ReasonAuthenticationFailed
	}); !ok {
		t.Errorf("the job with the wrong secret key is not stalled with AuthenticationFailed: %s", testenv.ConditionsText(f.get(wrong.Name)))
	}
	if _, err := op.scrapeMetrics(); err != nil {
		t.Fatal(err)
	}

	sc := newSecretScan()
	// The scan must be able to see a secret: the Secret itself holds one.
	if err := suite.client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: secretName}, &s); err != nil {
		t.Fatal(err)
	}
	if control := sc.find(mustJSON(t, &s)); len(control) == 0 {
		t.Fatal("the scan does not find the secret key in the Secret that holds it: the scan is broken")
	}

	for _, dir := range []string{suite.logDir, suite.metricsDir} {
		files, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range files {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			sc.scan(t, filepath.Base(dir)+"/"+e.Name(), data)
		}
	}
	var events eventsv1.EventList
	if err := suite.client.List(context.Background(), &events); err != nil {
		t.Fatal(err)
	}
	for i := range events.Items {
		e := &events.Items[i]
		sc.scan(t, "event "+e.Namespace+"/"+e.Name, mustJSON(t, e))
	}
	var coreEvents corev1.EventList
	if err := suite.client.List(context.Background(), &coreEvents); err != nil {
		t.Fatal(err)
	}
	for i := range coreEvents.Items {
		e := &coreEvents.Items[i]
		sc.scan(t, "core event "+e.Namespace+"/"+e.Name, mustJSON(t, e))
	}
	var cloudJobs jobsv1alpha1.CloudJobList
	if err := suite.client.List(context.Background(), &cloudJobs); err != nil {
		t.Fatal(err)
	}
	for i := range cloudJobs.Items {
		j := &cloudJobs.Items[i]
		sc.scan(t, "CloudJob "+j.Namespace+"/"+j.Name, mustJSON(t, j))
	}
	// The core and events.k8s.io APIs show the same events; both renderings
	// are scanned.
	t.Logf("scanned %d log files, %d metrics scrapes, %d events (%d through the core API) and %d CloudJobs (%.1f MiB) for %d secret values in %d encodings",
		sc.sources["logs"], sc.sources["metrics"], len(events.Items), len(coreEvents.Items), len(cloudJobs.Items),
		float64(sc.bytes)/(1<<20), len(sc.values), len(sc.encodings))
	summary(t, start, "values=%d logs=%d metrics-scrapes=%d events=%d cloudjobs=%d scanned=%.1fMiB occurrences=%d",
		len(sc.values), sc.sources["logs"], sc.sources["metrics"], len(events.Items), len(cloudJobs.Items),
		float64(sc.bytes)/(1<<20), sc.hits)
}

// secretScan looks for every registered secret value, raw and in the encodings a
// careless log line would use for bytes: base64 and hex.
type secretScan struct {
	values    []string
	encodings map[string]func(string) string
	needles   map[string]string // needle -> description
	sources   map[string]int
	bytes     int64
	hits      int
}

func newSecretScan() *secretScan {
	secretValues.Lock()
	values := append([]string(nil), secretValues.values...)
	secretValues.Unlock()
	sc := &secretScan{
		values: values,
		encodings: map[string]func(string) string{
			"raw":    func(s string) string { return s },
			"base64": func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) },
			"hex":    func(s string) string { return hex.EncodeToString([]byte(s)) },
		},
		needles: map[string]string{},
		sources: map[string]int{},
	}
	for _, v := range values {
		for name, enc := range sc.encodings {
			sc.needles[enc(v)] = fmt.Sprintf("%s…(%s)", v[:12], name)
		}
	}
	return sc
}

func (sc *secretScan) find(data []byte) []string {
	var found []string
	for needle, what := range sc.needles {
		if bytes.Contains(data, []byte(needle)) {
			found = append(found, what)
		}
	}
	return found
}

func (sc *secretScan) scan(t *testing.T, source string, data []byte) {
	t.Helper()
	sc.bytes += int64(len(data))
	sc.sources[strings.SplitN(source, "/", 2)[0]]++
	if found := sc.find(data); len(found) > 0 {
		sc.hits += len(found)
		t.Errorf("%s holds %s", source, strings.Join(found, ", "))
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
