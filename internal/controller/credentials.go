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
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

// The keys of the credentials Secret.
const (
	SecretKeyAccessKey     = "accessKey"
	SecretKeySecretKey     = "secretKey"
	SecretKeySecurityToken = "securityToken"
)

// secretRefIndex indexes CloudJobs by the name of their credentials Secret, so a
// changed Secret finds the jobs that use it without listing them all.
const secretRefIndex = "spec.credentialsSecretRef.name"

func indexSecretRef(obj client.Object) []string {
	job, ok := obj.(*jobsv1alpha1.CloudJob)
	if !ok || job.Spec.CredentialsSecretRef.Name == "" {
		return nil
	}
	return []string{job.Spec.CredentialsSecretRef.Name}
}

// loadCredentials reads the CloudJob's credentials: the Secret's metadata from
// the cache, its values from the secret store. A missing Secret, or a missing or
// empty required key, is a problem with reason CredentialsNotFound; whitespace
// around a value is CredentialsInvalid. Errors and messages name the Secret and
// the key, never a value.
func (r *CloudJobReconciler) loadCredentials(ctx context.Context, job *jobsv1alpha1.CloudJob) (signer.Credentials, *problem, error) {
	name := job.Spec.CredentialsSecretRef.Name
	key := types.NamespacedName{Namespace: job.Namespace, Name: name}
	notFound := &problem{
		reason:  jobsv1alpha1.ReasonCredentialsNotFound,
		message: fmt.Sprintf("Secret %s/%s named by spec.credentialsSecretRef does not exist: create it with keys %s and %s (and %s for temporary credentials)", job.Namespace, name, SecretKeyAccessKey, SecretKeySecretKey, SecretKeySecurityToken),
		stalled: true,
	}
	meta := secretMeta()
	err := r.Get(ctx, key, meta)
	if apierrors.IsNotFound(err) {
		return signer.Credentials{}, notFound, nil
	}
	if err != nil {
		return signer.Credentials{}, nil, fmt.Errorf("reading Secret %s/%s: %w", job.Namespace, name, err)
	}
	data, err := r.secrets.values(ctx, key, meta.ResourceVersion, r.now())
	if apierrors.IsNotFound(err) {
		return signer.Credentials{}, notFound, nil
	}
	if err != nil {
		return signer.Credentials{}, nil, fmt.Errorf("reading Secret %s/%s: %w", job.Namespace, name, err)
	}
	return credentialsFrom(data, job.Namespace, name)
}

// credentialsFrom checks a Secret's credential values and makes credentials of
// them.
func credentialsFrom(data map[string][]byte, namespace, name string) (signer.Credentials, *problem, error) {
	for _, key := range []string{SecretKeyAccessKey, SecretKeySecretKey} {
		if len(data[key]) == 0 {
			return signer.Credentials{}, &problem{
				reason:  jobsv1alpha1.ReasonCredentialsNotFound,
				message: fmt.Sprintf("Secret %s/%s has no %s, or it is empty: it needs keys %s and %s", namespace, name, key, SecretKeyAccessKey, SecretKeySecretKey),
				stalled: true,
			}, nil
		}
	}
	// Whitespace around a value is a mistake, not part of a key: it would only
	// make every request fail and count toward the key's lock. It is reported,
	// never trimmed.
	for _, key := range []string{SecretKeyAccessKey, SecretKeySecretKey, SecretKeySecurityToken} {
		if flaw := whitespaceFlaw(string(data[key])); flaw != "" {
			return signer.Credentials{}, &problem{
				reason: jobsv1alpha1.ReasonCredentialsInvalid,
				message: fmt.Sprintf("%s in Secret %s/%s %s; recreate the Secret with --from-literal or printf, without it (the operator trims nothing and sends nothing with it)",
					key, namespace, name, flaw),
				stalled: true,
			}, nil
		}
	}
	return signer.Credentials{
		AccessKey:     string(data[SecretKeyAccessKey]),
		SecretKey:     string(data[SecretKeySecretKey]),
		SecurityToken: string(data[SecretKeySecurityToken]),
	}, nil, nil
}

// whitespaceFlaw describes leading or trailing whitespace or a line break in a
// credential value, "" when there is none. It names the characters, never the
// value.
func whitespaceFlaw(v string) string {
	switch {
	case v == "":
		return ""
	case strings.HasSuffix(v, "\r\n"):
		return "ends with a Windows line break (\\r\\n)"
	case strings.HasSuffix(v, "\n"):
		return "ends with a newline"
	case strings.TrimRightFunc(v, unicode.IsSpace) != v:
		return "ends with whitespace"
	case strings.TrimLeftFunc(v, unicode.IsSpace) != v:
		return "starts with whitespace"
	case strings.ContainsAny(v, "\r\n"):
		return "holds a line break"
	}
	return ""
}

// secretEvents turns Secret events into reconciles. Only a change of the
// credential values matters, and only to the CloudJobs stalled on their
// credentials (missing, invalid or rejected): a running job reads the new
// values at its next poll anyway. So an annotation on a Secret shared by
// thousands of jobs costs one read, not thousands of polls.
func (r *CloudJobReconciler) secretEvents() handler.EventHandler {
	enqueue := func(ctx context.Context, obj client.Object, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
		for _, req := range r.jobsStalledOn(ctx, obj) {
			q.Add(req)
		}
	}
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			enqueue(ctx, e.Object, q)
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if e.ObjectOld.GetResourceVersion() == e.ObjectNew.GetResourceVersion() {
				return // a resync
			}
			if r.secrets.changed(ctx, client.ObjectKeyFromObject(e.ObjectNew), r.now()) {
				enqueue(ctx, e.ObjectNew, q)
			}
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			// The jobs using it notice at their next poll.
			r.secrets.forget(client.ObjectKeyFromObject(e.Object))
		},
	}
}

// jobsStalledOn lists the CloudJobs in the Secret's namespace that refer to it
// and are stalled on their credentials.
func (r *CloudJobReconciler) jobsStalledOn(ctx context.Context, secret client.Object) []reconcile.Request {
	var jobs jobsv1alpha1.CloudJobList
	if err := r.List(ctx, &jobs, client.InNamespace(secret.GetNamespace()),
		client.MatchingFields{secretRefIndex: secret.GetName()}); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for i := range jobs.Items {
		if stalledOnCredentials(&jobs.Items[i].Status) {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&jobs.Items[i])})
		}
	}
	return reqs
}

// stalledOnCredentials reports whether a status waits for its credentials to
// be fixed.
func stalledOnCredentials(st *jobsv1alpha1.CloudJobStatus) bool {
	c := findCondition(st, jobsv1alpha1.ConditionStalled)
	if c == nil || c.Status != metav1.ConditionTrue {
		return false
	}
	switch c.Reason {
	case jobsv1alpha1.ReasonCredentialsNotFound, jobsv1alpha1.ReasonCredentialsInvalid, jobsv1alpha1.ReasonAuthenticationFailed:
		return true
	}
	return false
}

// bucketKey names the quota bucket of an endpoint and access key. The cloud's
// rate limit is per account, so every job sharing both shares one bucket, however
// the endpoint is spelled.
func bucketKey(endpoint string, cred signer.Credentials) string {
	return digest(huaweicloud.HostKey(endpoint), cred.AccessKey)
}

// credentialsOf names the access key and the exact set of credentials for the
// authentication gate, without holding any secret. The access key is the unit
// the gateway locks, whatever the endpoint.
func credentialsOf(cred signer.Credentials) credentials {
	return credentials{
		accessKey: digest(cred.AccessKey),
		set:       digest(cred.AccessKey, cred.SecretKey, cred.SecurityToken),
	}
}

func digest(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:16])
}
