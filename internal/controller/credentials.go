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
	"slices"
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

// noSecretRef is the index value of CloudJobs that name no Secret (their
// credentials come from a CloudCredentials); no Secret can have this name.
const noSecretRef = "-"

func indexSecretRef(obj client.Object) []string {
	job, ok := obj.(*jobsv1alpha1.CloudJob)
	if !ok {
		return nil
	}
	if job.Spec.CredentialsSecretRef.Name == "" {
		return []string{noSecretRef}
	}
	return []string{job.Spec.CredentialsSecretRef.Name}
}

// resolvedCredentials are the keys a CloudJob signs with, and the account
// they stand for in the quota: the access key of static keys, the source of
// temporary keys (which change at every renewal).
type resolvedCredentials struct {
	creds   signer.Credentials
	account string
	// identity is the identity source of temporary keys; "" for static keys.
	identity string
	// origin says where the keys came from, for messages and logs.
	origin credentialsOrigin
	// secretUID is the UID of the Secret of static keys.
	secretUID string
}

// credentialsOrigin names where a CloudJob's keys came from, never a value:
// the Secret and what named it, or the CloudCredentials whose identity gave
// temporary keys.
type credentialsOrigin struct {
	// secret is the Secret of static keys ("" for temporary keys of an
	// identity), namedBy what named it.
	secret, namedBy string
	// identity is the CloudCredentials or ClusterCloudCredentials whose
	// identity gave temporary keys.
	identity string
}

func (o credentialsOrigin) String() string {
	if o.secret != "" {
		return "Secret " + o.secret + " named by " + o.namedBy
	}
	return "temporary keys of " + o.identity
}

// loadCredentials finds and reads the CloudJob's credentials, the most
// specific first: its spec.credentialsSecretRef or spec.credentialsRef, else
// the CloudCredentials "default" of its namespace, else the cluster's default
// (--cluster-credentials) if that lists the namespace. No reference leaves the
// CloudJob's namespace, but for the cluster default's Secrets, which are in the
// operator's. Finding none is a problem with reason CredentialsNotFound that
// says what was looked for.

func (r *CloudJobReconciler) loadCredentials(ctx context.Context, job *jobsv1alpha1.CloudJob) (resolvedCredentials, *problem, error) {
	if name := job.Spec.CredentialsSecretRef.Name; name != "" {
		return r.loadSecretKeys(ctx, types.NamespacedName{Namespace: job.Namespace, Name: name}, "spec.credentialsSecretRef")
	}
	name, explicit := jobsv1alpha1.DefaultCredentialsName, false
	if ref := job.Spec.CredentialsRef; ref != nil {
		name, explicit = ref.Name, true
	}
	var cc jobsv1alpha1.CloudCredentials
	err := r.Get(ctx, types.NamespacedName{Namespace: job.Namespace, Name: name}, &cc)
	switch {
	case err == nil:
		owner := credentialsOwner{kind: "CloudCredentials", key: client.ObjectKeyFromObject(&cc), uid: string(cc.UID), secretNamespace: job.Namespace}
		if operatorIdentityUnscoped(&cc.Spec) {
			// The CRD refuses this; an object stored before the rule was
			// installed is refused here.
			return resolvedCredentials{}, &problem{reason: jobsv1alpha1.ReasonIdentityUnavailable, stalled: true,
				message: owner.String() + ": federation and nodeMetadata (the operator's own identity) may only assume an agency of another account (spec.assumeAgency with domainID) in a CloudCredentials; an administrator can list the namespace in a ClusterCloudCredentials instead"}, nil
		}
		return r.loadSource(ctx, &cc.Spec, owner)
	case !apierrors.IsNotFound(err):
		return resolvedCredentials{}, nil, fmt.Errorf("reading CloudCredentials %s/%s: %w", job.Namespace, name, err)
	case explicit:
		return resolvedCredentials{}, &problem{reason: jobsv1alpha1.ReasonCredentialsNotFound, stalled: true,
			message: fmt.Sprintf("CloudCredentials %s/%s named by spec.credentialsRef does not exist: create it, or fix the name", job.Namespace, name)}, nil
	}
	return r.loadClusterDefault(ctx, job)
}

// operatorIdentityUnscoped reports whether a namespaced source would use the
// operator's own identity other than to assume an agency named by its
// account's id.
func operatorIdentityUnscoped(src *jobsv1alpha1.CredentialsSource) bool {
	return usesOperatorIdentity(src) && (src.AssumeAgency == nil || src.AssumeAgency.DomainID == "")
}

// usesOperatorIdentity reports whether a source's base is the operator's own
// identity (federation or node metadata), the same for every namespace.
func usesOperatorIdentity(src *jobsv1alpha1.CredentialsSource) bool {
	return src.Federation != nil || src.NodeMetadata != nil
}

// loadClusterDefault reads the cluster's default credentials for a CloudJob
// that has none of its own, if the operator has a default and it lists the
// CloudJob's namespace.
func (r *CloudJobReconciler) loadClusterDefault(ctx context.Context, job *jobsv1alpha1.CloudJob) (resolvedCredentials, *problem, error) {
	none := fmt.Sprintf("no credentials for this CloudJob: it sets neither spec.credentialsSecretRef nor spec.credentialsRef, and namespace %s has no CloudCredentials named %q",
		job.Namespace, jobsv1alpha1.DefaultCredentialsName)
	name := r.Config.ClusterCredentials
	if name == "" {
		return resolvedCredentials{}, &problem{reason: jobsv1alpha1.ReasonCredentialsNotFound, stalled: true,
			message: none + "; create one of them (the operator has no cluster default)"}, nil
	}
	var ccc jobsv1alpha1.ClusterCloudCredentials
	err := r.Get(ctx, types.NamespacedName{Name: name}, &ccc)
	switch {
	case apierrors.IsNotFound(err):
		return resolvedCredentials{}, &problem{reason: jobsv1alpha1.ReasonCredentialsNotFound, stalled: true,
			message: none + fmt.Sprintf(", and the cluster default ClusterCloudCredentials %s does not exist", name)}, nil
	case err != nil:
		return resolvedCredentials{}, nil, fmt.Errorf("reading ClusterCloudCredentials %s: %w", name, err)
	case !slices.Contains(ccc.Spec.Namespaces, job.Namespace):
		return resolvedCredentials{}, &problem{reason: jobsv1alpha1.ReasonCredentialsNotFound, stalled: true,
			message: none + fmt.Sprintf(", and the cluster default ClusterCloudCredentials %s does not list namespace %s in spec.namespaces", name, job.Namespace)}, nil
	}
	return r.loadSource(ctx, &ccc.Spec.CredentialsSource, credentialsOwner{kind: "ClusterCloudCredentials", key: types.NamespacedName{Name: name}, uid: string(ccc.UID), secretNamespace: r.Config.OperatorNamespace})
}

// credentialsOwner is the CloudCredentials or ClusterCloudCredentials a
// source belongs to, and the namespace of the Secrets it names.
type credentialsOwner struct {
	kind            string
	key             types.NamespacedName
	uid             string
	secretNamespace string
}

func (o credentialsOwner) String() string {
	if o.key.Namespace == "" {
		return o.kind + " " + o.key.Name
	}
	return o.kind + " " + o.key.String()
}

// loadSource reads the keys a CredentialsSource names: static keys from its
// Secret, or temporary keys from the identity it names.
func (r *CloudJobReconciler) loadSource(ctx context.Context, src *jobsv1alpha1.CredentialsSource, owner credentialsOwner) (resolvedCredentials, *problem, error) {
	if src.SecretRef != nil && src.AssumeAgency == nil {
		return r.loadSecretKeys(ctx, types.NamespacedName{Namespace: owner.secretNamespace, Name: src.SecretRef.Name}, owner.String()+" spec.secretRef")
	}
	return r.loadIdentity(ctx, src, owner)
}

// loadSecretKeys reads static keys from a Secret: its metadata from the cache,
// its values from the secret store. A missing Secret, or a missing or empty
// required key, is a problem with reason CredentialsNotFound; whitespace
// around a value is CredentialsInvalid. Errors and messages name the Secret and
// the key, never a value.
func (r *CloudJobReconciler) loadSecretKeys(ctx context.Context, key types.NamespacedName, namedBy string) (resolvedCredentials, *problem, error) {
	notFound := &problem{
		reason:  jobsv1alpha1.ReasonCredentialsNotFound,
		message: fmt.Sprintf("Secret %s named by %s does not exist: create it with keys %s and %s (and %s for temporary credentials)", key, namedBy, SecretKeyAccessKey, SecretKeySecretKey, SecretKeySecurityToken),
		stalled: true,
	}
	meta := secretMeta()
	err := r.Get(ctx, key, meta)
	if apierrors.IsNotFound(err) {
		return resolvedCredentials{}, notFound, nil
	}
	if err != nil {
		return resolvedCredentials{}, nil, fmt.Errorf("reading Secret %s: %w", key, err)
	}
	data, err := r.secrets.values(ctx, key, meta.ResourceVersion, r.now())
	if apierrors.IsNotFound(err) {
		return resolvedCredentials{}, notFound, nil
	}
	if err != nil {
		return resolvedCredentials{}, nil, fmt.Errorf("reading Secret %s: %w", key, err)
	}
	creds, prob := credentialsFrom(data, key.Namespace, key.Name)
	return resolvedCredentials{creds: creds, account: creds.AccessKey, secretUID: string(meta.UID),
		origin: credentialsOrigin{secret: key.String(), namedBy: namedBy}}, prob, nil
}

// credentialsFrom checks a Secret's credential values and makes credentials of
// them.
func credentialsFrom(data map[string][]byte, namespace, name string) (signer.Credentials, *problem) {
	for _, key := range []string{SecretKeyAccessKey, SecretKeySecretKey} {
		if len(data[key]) == 0 {
			return signer.Credentials{}, &problem{
				reason:  jobsv1alpha1.ReasonCredentialsNotFound,
				message: fmt.Sprintf("Secret %s/%s has no %s, or it is empty: it needs keys %s and %s", namespace, name, key, SecretKeyAccessKey, SecretKeySecretKey),
				stalled: true,
			}
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
			}
		}
	}
	return signer.Credentials{
		AccessKey:     string(data[SecretKeyAccessKey]),
		SecretKey:     string(data[SecretKeySecretKey]),
		SecurityToken: string(data[SecretKeySecurityToken]),
	}, nil
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
			// The jobs using it notice at their next poll; temporary keys
			// obtained with it go at once.
			r.secrets.forget(client.ObjectKeyFromObject(e.Object))
			if r.Identities != nil {
				r.Identities.ForgetOwner(string(e.Object.GetUID()))
			}
		},
	}
}

// jobsStalledOn lists the CloudJobs that may use a Secret and are stalled on
// their credentials: those in its namespace that name it, or that name no
// Secret (their CloudCredentials may), and every CloudJob without a Secret of
// its own when the Secret is in the operator's namespace (the cluster
// default's).
func (r *CloudJobReconciler) jobsStalledOn(ctx context.Context, secret client.Object) []reconcile.Request {
	reqs := r.stalledJobs(ctx, secret.GetNamespace(), secret.GetName())
	reqs = append(reqs, r.stalledJobs(ctx, secret.GetNamespace(), noSecretRef)...)
	if r.Config.ClusterCredentials != "" && secret.GetNamespace() == r.Config.OperatorNamespace {
		reqs = append(reqs, r.stalledJobs(ctx, "", noSecretRef)...)
	}
	return reqs
}

// stalledJobs lists the CloudJobs of a namespace ("" for all) whose index
// value (the Secret they name, or noSecretRef) is secretRef and that are
// stalled on their credentials.
func (r *CloudJobReconciler) stalledJobs(ctx context.Context, namespace, secretRef string) []reconcile.Request {
	var jobs jobsv1alpha1.CloudJobList
	if err := r.List(ctx, &jobs, client.InNamespace(namespace), client.MatchingFields{secretRefIndex: secretRef}); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for i := range jobs.Items {
		if j := &jobs.Items[i]; stalledOnCredentials(&j.Status) {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(j)})
		}
	}
	return reqs
}

// credentialsEvents wakes the CloudJobs stalled on their credentials when a
// CloudCredentials of their namespace, or the cluster default, changes.
func (r *CloudJobReconciler) credentialsEvents(ctx context.Context, obj client.Object) []reconcile.Request {
	if obj.GetNamespace() != "" {
		return r.stalledJobs(ctx, obj.GetNamespace(), noSecretRef)
	}
	if obj.GetName() != r.Config.ClusterCredentials {
		return nil
	}
	return r.stalledJobs(ctx, "", noSecretRef)
}

// stalledOnCredentials reports whether a status waits for its credentials to
// be fixed.
func stalledOnCredentials(st *jobsv1alpha1.CloudJobStatus) bool {
	c := findCondition(st, jobsv1alpha1.ConditionStalled)
	if c == nil || c.Status != metav1.ConditionTrue {
		return false
	}
	switch c.Reason {
	case jobsv1alpha1.ReasonCredentialsNotFound, jobsv1alpha1.ReasonCredentialsInvalid, jobsv1alpha1.ReasonAuthenticationFailed,
		jobsv1alpha1.ReasonIdentityUnavailable:
		return true
	}
	return false
}

// bucketKey names the quota bucket of an endpoint and access key. The cloud's
// rate limit is per account, so every job sharing both shares one bucket, however
// the endpoint is spelled.
func bucketKey(endpoint, account string) string {
	return digest(huaweicloud.HostKey(endpoint), account)
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
