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
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/poll"
	"github.com/cloudjob-operator/cloudjob-operator/test/testenv"
)

// TestTTLDeleteThatLosesARaceIsRetried: a delete whose preconditions fail (the
// CloudJob changed since it was read) is retried soon, not dropped. The envtest
// suite shows the TTL deleting on a real API server; this one needs a conflict
// on demand.
func TestTTLDeleteThatLosesARaceIsRetried(t *testing.T) {
	ttl := int32(0)
	job := &jobsv1alpha1.CloudJob{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "done", UID: "uid-1"},
		Spec:       jobsv1alpha1.CloudJobSpec{TTLSecondsAfterFinished: &ttl},
		Status: jobsv1alpha1.CloudJobStatus{Conditions: []metav1.Condition{{
			Type: jobsv1alpha1.ConditionSucceeded, Status: metav1.ConditionTrue, Reason: jobsv1alpha1.ReasonSucceeded,
			LastTransitionTime: metav1.NewTime(time.Now().Add(-time.Minute)),
		}}},
	}
	conflicts := 1
	deletes := 0
	c := fake.NewClientBuilder().WithScheme(testenv.Scheme()).WithObjects(job).
		WithInterceptorFuncs(interceptor.Funcs{Delete: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			deletes++
			if conflicts > 0 {
				conflicts--
				return apierrors.NewConflict(schema.GroupResource{Group: "jobs.cloudjob.io", Resource: "cloudjobs"}, obj.GetName(), nil)
			}
			return cl.Delete(ctx, obj, opts...)
		}}).Build()
	r := &CloudJobReconciler{Client: c, Quota: poll.NewQuota(100), Config: DefaultConfig()}
	req := ctrl.Request{NamespacedName: client.ObjectKeyFromObject(job)}

	res, err := r.Reconcile(context.Background(), req)
	if err != nil || res.RequeueAfter != ttlConflictRetry {
		t.Fatalf("after a conflict: %+v, %v; want a retry in %s", res, err, ttlConflictRetry)
	}
	res, err = r.Reconcile(context.Background(), req)
	if err != nil || res.RequeueAfter != 0 {
		t.Fatalf("after the retry: %+v, %v; want done", res, err)
	}
	if deletes != 2 {
		t.Errorf("%d deletes, want 2", deletes)
	}
	if err := c.Get(context.Background(), req.NamespacedName, &jobsv1alpha1.CloudJob{}); !apierrors.IsNotFound(err) {
		t.Errorf("the CloudJob is still there: %v", err)
	}
}
