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

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

// README: from another controller
// waitForServers is a step of another controller's reconciler: it tracks the
// cloud job that created an owner's servers, and reports whether it is done.
// Register the owner's controller with .Owns(&jobsv1alpha1.CloudJob{}) so that it
// runs again whenever the CloudJob's status changes.
func waitForServers(ctx context.Context, c client.Client, scheme *runtime.Scheme, owner client.Object, projectID, jobID string) (done bool, serverIDs []string, err error) {
	cj := &jobsv1alpha1.CloudJob{ObjectMeta: metav1.ObjectMeta{Namespace: owner.GetNamespace(), Name: owner.GetName() + "-servers"}}
	if _, err := controllerutil.CreateOrUpdate(ctx, c, cj, func() error {
		cj.Spec = jobsv1alpha1.CloudJobSpec{
			Service: jobsv1alpha1.ServiceBMS, Region: "cn-north-4",
			ProjectID: projectID, JobID: jobID,
			CredentialsSecretRef: jobsv1alpha1.SecretReference{Name: "cloud-credentials"},
		}
		return controllerutil.SetControllerReference(owner, cj, scheme)
	}); err != nil {
		return false, nil, err
	}
	switch o := cj.Outcome(); o.Result {
	case jobsv1alpha1.ResultNone:
		return false, nil, nil // still running, or not yet looked at
	case jobsv1alpha1.ResultFailed:
		return true, nil, fmt.Errorf("creating servers failed (%s): %s", o.Reason, o.Message)
	}
	for _, sub := range cj.Status.SubJobs {
		serverIDs = append(serverIDs, sub.ServerID)
	}
	return true, serverIDs, nil
}

// README: end

// Example shows another controller waiting on a CloudJob with Outcome. The
// fake client stands in for the API server, and the status writes for the
// operator's.
func Example() {
	ctx := context.Background()
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = jobsv1alpha1.AddToScheme(scheme)
	owner := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "cluster-1", UID: "1234"}}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(owner).WithStatusSubresource(&jobsv1alpha1.CloudJob{}).Build()
	const project, job = "bbf1946d374b44a0a2a95533562ba954", "2c9eb2c5544cbf6101544f0602af2b4f"

	done, ids, err := waitForServers(ctx, c, scheme, owner, project, job)
	fmt.Println("created:", done, ids, err)

	// The operator records the job's success with the server ids.
	cj := &jobsv1alpha1.CloudJob{}
	_ = c.Get(ctx, client.ObjectKey{Namespace: "team-a", Name: "cluster-1-servers"}, cj)
	cj.Status = jobsv1alpha1.CloudJobStatus{
		ObservedGeneration: cj.Generation,
		SubJobs:            []jobsv1alpha1.JobRecord{{ResourceIDs: jobsv1alpha1.ResourceIDs{ServerID: "ea6a5e8e"}}},
		Conditions: []metav1.Condition{
			{Type: jobsv1alpha1.ConditionSucceeded, Status: metav1.ConditionTrue, Reason: jobsv1alpha1.ReasonSucceeded, ObservedGeneration: cj.Generation},
			{Type: jobsv1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: jobsv1alpha1.ReasonSucceeded, Message: "the cloud job succeeded", ObservedGeneration: cj.Generation},
		},
	}
	_ = c.Status().Update(ctx, cj)

	done, ids, err = waitForServers(ctx, c, scheme, owner, project, job)
	fmt.Println("finished:", done, ids, err)
	// Output:
	// created: false [] <nil>
	// finished: true [ea6a5e8e] <nil>
}
