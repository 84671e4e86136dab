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
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

const (
	// createWorkers bounds the CloudJob creations in flight: enough to keep the
	// API server busy on two cores, few enough not to queue in its fairness
	// queues.
	createWorkers = 16
	// createAttempts bounds the retries of one creation on transient errors.
	createAttempts = 5
	// runLabel marks every object of the benchmark.
	runLabel = "bench.cloudjob.io/run"
	// shardLabel splits the jobs between replicas; the replicas' --shard-selector
	// select on it.
	shardLabel = "cloudjob.io/shard"
	// secretName is the credentials Secret in each namespace.
	secretName = "cloud-credentials"
)

// phaseJob is one CloudJob a phase creates.
type phaseJob struct {
	plannedJob
	name, project, shard string
}

// createNamespace creates a namespace with the credentials Secret.
func createNamespace(ctx context.Context, c client.Client, name, accessKey, secretKey string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{runLabel: "true"}}}
	if err := c.Create(ctx, ns); err != nil {
		return err
	}
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: secretName},
		Data:       map[string][]byte{"accessKey": []byte(accessKey), "secretKey": []byte(secretKey)},
	}
	return c.Create(ctx, s)
}

// cloudJob is the CloudJob of j.
func (j phaseJob) cloudJob(namespace, endpoint string) *jobsv1alpha1.CloudJob {
	labels := map[string]string{runLabel: "true"}
	if j.shard != "" {
		labels[shardLabel] = j.shard
	}
	return &jobsv1alpha1.CloudJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: j.name, Labels: labels},
		Spec: jobsv1alpha1.CloudJobSpec{
			ProjectID:            j.project,
			JobID:                j.JobID,
			Service:              jobsv1alpha1.Service(kindOf(j.plannedJob).Service),
			Endpoint:             endpoint,
			CredentialsSecretRef: jobsv1alpha1.SecretReference{Name: secretName},
		},
	}
}

// creation is when each CloudJob was due and when it was created.
type creation struct {
	late []time.Duration // per job, creation time minus due time
}

// createOnSchedule creates each job's CloudJob at start + arrival/scale, with a
// bounded pool of workers, the way a stream of `kubectl apply`s or a GitOps
// sync would. A job's cloud clock starts at the same moment (the simulator got
// its script with the same start offset), so the CloudJob never names a job the
// cloud does not know yet. A creation that falls behind is made late, not
// skipped; its lateness is reported.
func createOnSchedule(ctx context.Context, c client.Client, namespace, endpoint string, jobs []phaseJob, start time.Time, scale float64) (creation, error) {
	type item struct {
		idx int
		due time.Time
	}
	work := make(chan item)
	late := make([]time.Duration, len(jobs))
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range createWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				if err := createWithRetry(ctx, c, jobs[it.idx].cloudJob(namespace, endpoint)); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					continue
				}
				late[it.idx] = time.Since(it.due)
			}
		}()
	}
	order := make([]int, len(jobs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return int(jobs[a].Arrival - jobs[b].Arrival) })
feed:
	for _, i := range order {
		due := start.Add(time.Duration(float64(jobs[i].Arrival) / scale))
		if wait := time.Until(due); wait > 0 {
			select {
			case <-ctx.Done():
				break feed
			case <-time.After(wait):
			}
		}
		select {
		case <-ctx.Done():
			break feed
		case work <- item{i, due}:
		}
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return creation{}, firstErr
	}
	if err := ctx.Err(); err != nil {
		return creation{}, err
	}
	return creation{late: late}, nil
}

func createWithRetry(ctx context.Context, c client.Client, obj *jobsv1alpha1.CloudJob) error {
	var err error
	for attempt := range createAttempts {
		if err = c.Create(ctx, obj.DeepCopy()); err == nil {
			return nil
		}
		if apierrors.IsAlreadyExists(err) {
			return nil // an earlier attempt got through before its answer was lost
		}
		if !apierrors.IsTooManyRequests(err) && !apierrors.IsServerTimeout(err) && !apierrors.IsTimeout(err) &&
			!apierrors.IsInternalError(err) && !errors.Is(err, context.DeadlineExceeded) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}
	return fmt.Errorf("creating CloudJob %s: %w", obj.Name, err)
}
