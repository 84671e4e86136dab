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
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/test/harness"
)

// TestUnusedSecretsCostNoMemory fills the cluster with 2,000 Secrets of 100 KiB
// in other namespaces, as Helm releases do, and checks that they add less than
// 20 MiB to the operator's peak memory, while a CloudJob whose Secret is fixed
// still recovers at once.
func TestUnusedSecretsCostNoMemory(t *testing.T) {
	start := time.Now()
	const (
		namespaces = 20
		perNS      = 100
		size       = 100 << 10
		limit      = 20 << 20
	)
	sim := startSimulator(t, 20260108)
	f := newFixture(t, "memory", sim)
	jobs := scriptJobs(newRand(10), 20, time.Second, 3*time.Second, 0)
	f.addToSimulator(jobs)

	settledPeak := func(op *operatorProcess) int64 {
		t.Helper()
		if err := op.WaitWorkers(context.Background(), time.Minute); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second)
		rss, err := op.peakRSS()
		if err != nil {
			t.Fatal(err)
		}
		return rss
	}
	baseline := startOperator(t, "memory-baseline", f.shardFlag())
	before := settledPeak(baseline)
	baseline.stop(t)

	filled := time.Now()
	fillSecrets(t, namespaces, perNS, size)
	t.Logf("created %d Secrets of %d KiB in %s", namespaces*perNS, size>>10, time.Since(filled).Round(time.Second))

	op := startOperator(t, "memory-secrets", f.shardFlag())
	after := settledPeak(op)
	t.Logf("peak RSS %d MiB without the Secrets, %d MiB with them", before>>20, after>>20)
	if after-before > limit {
		t.Errorf("2,000 unused Secrets of 100 KiB added %d MiB to the operator's peak memory, more than %d MiB", (after-before)>>20, limit>>20)
	}

	// The operator still follows the Secrets it uses.
	f.secret("late-fix", map[string]string{"accessKey": accessKey, "secretKey": "not-the-secret-key", "securityToken": securityToken})
	job := f.cloudJobFor(jobs[0])
	job.Spec.CredentialsSecretRef.Name = "late-fix"
	if err := suite.client.Create(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	if _, ok := harness.WaitUntil(context.Background(), 30*time.Second, 100*time.Millisecond, func() bool {
		return condition(f.get(job.Name), jobsv1alpha1.ConditionStalled).Reason == jobsv1alpha1.ReasonAuthenticationFailed
	}); !ok {
		t.Fatalf("the job did not stall on the wrong key\n%s", op.LogTail(30))
	}
	var s corev1.Secret
	if err := suite.client.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: "late-fix"}, &s); err != nil {
		t.Fatal(err)
	}
	s.Data["secretKey"] = []byte(secretKey)
	if err := suite.client.Update(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	recovered, ok := harness.WaitUntil(context.Background(), 30*time.Second, 100*time.Millisecond, func() bool {
		return f.get(job.Name).Status.State != ""
	})
	if !ok {
		t.Fatalf("the job did not recover after its Secret was fixed\n%s", op.LogTail(30))
	}
	if recovered > 5*time.Second {
		t.Errorf("the job recovered %s after its Secret was fixed, want at once", recovered.Round(100*time.Millisecond))
	}
	summary(t, start, "secrets=%d size=%dKiB peak-rss-before=%dMiB after=%dMiB (limit +%dMiB) recovered-after-fix=%s",
		namespaces*perNS, size>>10, before>>20, after>>20, limit>>20, recovered.Round(100*time.Millisecond))
}

// fillSecrets creates perNS Secrets of size bytes in each of n new namespaces,
// removed when the test ends.
func fillSecrets(t *testing.T, n, perNS, size int) {
	t.Helper()
	ctx := context.Background()
	payload := bytes.Repeat([]byte("h"), size)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	work := make(chan *corev1.Secret)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range work {
				if err := suite.client.Create(ctx, s); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "rel-helm-"}}
		if err := suite.client.Create(ctx, ns); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = suite.client.Delete(context.Background(), ns) })
		for j := range perNS {
			work <- &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: fmt.Sprintf("sh.helm.release.v1.app%d.v%d", i, j)},
				Type:       "helm.sh/release.v1",
				Data:       map[string][]byte{"release": payload},
			}
		}
	}
	close(work)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d Secrets not created, first: %v", len(errs), errs[0])
	}
}
