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
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

const (
	contentionLabel      = "contention.reliability.cloudjob.io/seq"
	contentionAnnotation = "contention.reliability.cloudjob.io/note"
)

// TestAPIContention keeps other clients writing the CloudJobs' labels and
// annotations, as GitOps tools and people do, while the operator records the
// jobs' progress. Half the writers use merge patches, half read-modify-write
// updates with the stale status they read. Neither may cost the operator a
// status (every final status complete and correct) nor the writers their
// metadata, and the operator must not fall into an error loop: its reconcile
// errors stay a small fraction of its reconciles.
func TestAPIContention(t *testing.T) {
	start := time.Now()
	const (
		jobCount = 200
		writers  = 4
	)
	rng := rand.New(rand.NewPCG(seed(t, 20260104), 4))
	sim := startSimulator(t, rng.Uint64())
	f := newFixture(t, "contention", sim)
	jobs := scriptJobs(rng, jobCount, 3*time.Second, 20*time.Second, 0.3)
	watch := watchOutcomes(t, f.ns)
	op := startOperator(t, "contention", f.shardFlag())
	f.addToSimulator(jobs)
	jobsStarted := time.Now()
	f.createCloudJobs(jobs)

	// Writer w owns the jobs whose index is w modulo writers, so the last write
	// each job got is known exactly. Writers stop between writes, never in the
	// middle of one, so that no write lands unrecorded.
	var (
		wg                         sync.WaitGroup
		stop                       atomic.Bool
		patches, updates, conflict atomic.Int64
		lastSeq                    = make([]atomic.Int64, jobCount)
		writeErrs                  = make(chan error, writers)
	)
	stopWriters := func() {
		stop.Store(true)
		wg.Wait()
	}
	defer stopWriters()
	for w := range writers {
		wg.Go(func() {
			for seq := int64(1); !stop.Load(); seq++ {
				time.Sleep(20 * time.Millisecond)
				i := w + writers*int(seq%int64(jobCount/writers))
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				ok, err := writeMetadata(ctx, f.ns, jobs[i].name, seq, w%2 == 0)
				cancel()
				switch {
				case err != nil:
					writeErrs <- fmt.Errorf("writer %d on %s: %w", w, jobs[i].name, err)
					return
				case !ok:
					conflict.Add(1)
				case w%2 == 0:
					patches.Add(1)
					lastSeq[i].Store(seq)
				default:
					updates.Add(1)
					lastSeq[i].Store(seq)
				}
			}
		})
	}

	f.waitFinished(names(jobs), 2*time.Minute, func() error {
		if op.ExitedUnexpectedly() {
			return fmt.Errorf("the operator exited\n%s", op.LogTail(40))
		}
		return nil
	})
	allDone := time.Since(jobsStarted)
	// Keep writing a little after the last outcome, then stop.
	time.Sleep(2 * time.Second)
	stopWriters()
	close(writeErrs)
	for err := range writeErrs {
		t.Error(err)
	}

	check := f.checkOutcomes(jobs)
	check.report(t)
	lostMeta := 0
	for i, j := range jobs {
		obj := f.get(j.name)
		want := lastSeq[i].Load()
		if want == 0 {
			continue
		}
		if got := obj.Labels[contentionLabel]; got != strconv.FormatInt(want, 10) || obj.Labels[shardLabel] != f.ns {
			lostMeta++
			if lostMeta <= 5 {
				t.Errorf("%s: label %s=%q and shard label %q, want %d and %s", j.name, contentionLabel, got, obj.Labels[shardLabel], want, f.ns)
			}
		}
	}
	flips := watch.noFlips(t)

	metrics, err := op.scrapeMetrics()
	if err != nil {
		t.Fatal(err)
	}
	sel := map[string]string{"controller": "cloudjob"}
	reconciles := metrics.Sum("controller_runtime_reconcile_total", sel)
	errs := metrics.Sum("controller_runtime_reconcile_errors_total", sel)
	if reconciles < jobCount {
		t.Errorf("controller_runtime_reconcile_total{controller=\"cloudjob\"} = %v, fewer than the %d jobs: is it the right metric?", reconciles, jobCount)
	}
	errShare := errs / max(reconciles, 1)
	if errShare > 0.02 {
		t.Errorf("%v of %v reconciles failed (%.1f%%): the operator loops on errors under contention", errs, reconciles, 100*errShare)
	}
	writes := patches.Load() + updates.Load()
	t.Logf("writers: %d merge patches, %d updates, %d update conflicts (%.0f writes/s) while the jobs ran", patches.Load(), updates.Load(), conflict.Load(), float64(writes)/allDone.Seconds())
	t.Logf("operator: %v reconciles, %v errors (%.2f%%), %d \"Reconciler error\" log lines; outcomes %d/%d correct; %s",
		reconciles, errs, 100*errShare, op.CountLogLines("Reconciler error"), check.succeeded+check.failed, jobCount, check.lagText())
	summary(t, start, "jobs=%d metadata-writes=%d (patch %d, update %d, conflicts %d) reconciles=%v errors=%v (%.2f%%) correct=%d/%d metadata-lost=%d flips=%d all-done=%s",
		jobCount, writes, patches.Load(), updates.Load(), conflict.Load(), reconciles, errs, 100*errShare,
		check.succeeded+check.failed, jobCount, lostMeta, len(flips), allDone.Round(time.Second))
}

// writeMetadata sets the contention label and annotation on a CloudJob, by merge
// patch or by a read-modify-write update. ok is false when the update lost a
// race (409 Conflict), which is the writer's problem, not the operator's.
func writeMetadata(ctx context.Context, ns, name string, seq int64, patch bool) (ok bool, err error) {
	value := strconv.FormatInt(seq, 10)
	note := fmt.Sprintf("written %s by a contending client, number %d", time.Now().Format(time.RFC3339Nano), seq)
	if patch {
		body, _ := json.Marshal(map[string]any{"metadata": map[string]any{
			"labels":      map[string]string{contentionLabel: value},
			"annotations": map[string]string{contentionAnnotation: note},
		}})
		obj := &jobsv1alpha1.CloudJob{}
		obj.Namespace, obj.Name = ns, name
		return true, suite.client.Patch(ctx, obj, client.RawPatch(types.MergePatchType, body))
	}
	var obj jobsv1alpha1.CloudJob
	if err := suite.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &obj); err != nil {
		return false, err
	}
	if obj.Labels == nil {
		obj.Labels = map[string]string{}
	}
	if obj.Annotations == nil {
		obj.Annotations = map[string]string{}
	}
	obj.Labels[contentionLabel] = value
	obj.Annotations[contentionAnnotation] = note
	err = suite.client.Update(ctx, &obj)
	if apierrors.IsConflict(err) {
		return false, nil
	}
	return err == nil, err
}
