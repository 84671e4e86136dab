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

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
)

// CloudCredentialsReconciler publishes in each CloudCredentials' status the
// external id the operator assigns to its namespace (status.externalID), for
// the tenant to require in its agency's trust policy. When a CloudCredentials
// is deleted it drops the temporary keys obtained for it, so that an object
// created again under the same name, by anyone, starts from nothing.
type CloudCredentialsReconciler struct {
	client.Client
	ExternalIDs *ExternalIDs
	// Identities, when set, forgets the keys of deleted CloudCredentials.
	Identities interface{ ForgetOwner(uid string) }
}

// Reconcile writes status.externalID when it is missing or differs.
func (r *CloudCredentialsReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var cc jobsv1alpha1.CloudCredentials
	if err := r.Get(ctx, req.NamespacedName, &cc); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	id, err := r.ExternalIDs.ForOwner(ctx, cc.Namespace, string(cc.UID))
	if err != nil {
		return ctrl.Result{}, err
	}
	if cc.Status.ExternalID == id {
		return ctrl.Result{}, nil
	}
	patch := client.MergeFrom(cc.DeepCopy())
	cc.Status.ExternalID = id
	err = r.Status().Patch(ctx, &cc, patch)
	if apierrors.IsNotFound(err) {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, err
}

// forget drops what was kept for a deleted CloudCredentials.
func (r *CloudCredentialsReconciler) forget(uid string) {
	r.ExternalIDs.ForgetOwner(uid)
	if r.Identities != nil {
		r.Identities.ForgetOwner(uid)
	}
}

// SetupWithManager watches CloudCredentials: new ones, changed specs and
// changed status (a status written by anyone else is written back).
func (r *CloudCredentialsReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&jobsv1alpha1.CloudCredentials{}, builder.WithPredicates(predicate.Funcs{
			UpdateFunc: func(e event.UpdateEvent) bool {
				before, okOld := e.ObjectOld.(*jobsv1alpha1.CloudCredentials)
				after, okNew := e.ObjectNew.(*jobsv1alpha1.CloudCredentials)
				return !okOld || !okNew || before.Generation != after.Generation || before.Status != after.Status
			},
			DeleteFunc: func(e event.DeleteEvent) bool {
				r.forget(string(e.Object.GetUID()))
				return false
			},
		})).
		Named("cloudcredentials").
		Complete(r)
}
