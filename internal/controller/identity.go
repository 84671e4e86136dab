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
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	jobsv1alpha1 "github.com/cloudjob-operator/cloudjob-operator/api/v1alpha1"
	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/identity"
	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

// Identities obtains temporary keys; *identity.Broker is one.
type Identities interface {
	Credentials(ctx context.Context, src identity.Source) (signer.Credentials, error)
	// Forget drops the keys of a source the cloud rejected.
	Forget(key, rejectedAccessKey string)
}

// Default lifetimes of temporary keys, when the CloudCredentials gives none.
const (
	defaultFederationDuration = time.Hour
	defaultAgencyDuration     = time.Hour
)

// loadIdentity obtains temporary keys for a source that names an identity
// rather than stored keys: federation, node metadata, or an agency assumed
// with any base. A failure is a problem with reason IdentityUnavailable; a
// source the operator refuses to use says why and what to change.
func (r *CloudJobReconciler) loadIdentity(ctx context.Context, src *jobsv1alpha1.CredentialsSource, owner credentialsOwner) (resolvedCredentials, *problem, error) {
	refuse := func(why string) (resolvedCredentials, *problem, error) {
		return resolvedCredentials{}, &problem{reason: jobsv1alpha1.ReasonIdentityUnavailable, stalled: true,
			message: owner.String() + ": " + why}, nil
	}
	if r.Identities == nil {
		return refuse("the operator cannot obtain temporary keys (it has no identity broker)")
	}
	is := identity.Source{Name: owner.String(), IAMEndpoint: src.IAMEndpoint, STSEndpoint: src.STSEndpoint}
	if is.IAMEndpoint == "" {
		is.IAMEndpoint = "https://iam." + r.Config.Domains[0]
	}
	if is.STSEndpoint == "" && src.Region != "" {
		is.STSEndpoint = "https://sts." + src.Region + "." + r.Config.Domains[0]
	}
	for _, ep := range []string{is.IAMEndpoint, is.STSEndpoint} {
		if ep == "" {
			continue
		}
		if err := huaweicloud.HostAllowed(ep, r.Config.Domains, r.Config.AllowLoopback); err != nil {
			return resolvedCredentials{}, &problem{reason: jobsv1alpha1.ReasonEndpointNotAllowed, stalled: true,
				message: fmt.Sprintf("%s: the operator does not call %s: %v; change the endpoint, or add the domain to --allowed-endpoint-domains", owner, ep, err)}, nil
		}
	}
	keyParts := []string{owner.String()}
	switch {
	case src.SecretRef != nil:
		creds, prob, err := r.loadSecretKeys(ctx, types.NamespacedName{Namespace: owner.secretNamespace, Name: src.SecretRef.Name}, owner.String()+" spec.secretRef")
		if err != nil || prob != nil {
			return resolvedCredentials{}, prob, err
		}
		is.Static = &creds.creds
		keyParts = append(keyParts, creds.creds.AccessKey, creds.creds.SecretKey, creds.creds.SecurityToken)
	case src.Federation != nil:
		if r.Config.FederationTokenFile == "" {
			return refuse("federation needs the operator's service-account token: start the operator with --federation-token-file naming a projected service-account token whose audience the identity provider trusts")
		}
		d := defaultFederationDuration
		if src.Federation.DurationSeconds != nil {
			d = time.Duration(*src.Federation.DurationSeconds) * time.Second
		}
		is.Federation = &identity.Federation{IdentityProviderID: src.Federation.IdentityProviderID, ProjectID: src.Federation.ProjectID, Duration: d}
	case src.NodeMetadata != nil:
		if !r.Config.AllowNodeMetadata {
			return refuse("node metadata gives every pod on the node the node's identity, so the operator refuses it unless started with --allow-node-metadata-credentials")
		}
		is.NodeMetadata = true
	}
	if a := src.AssumeAgency; a != nil {
		d := defaultAgencyDuration
		if a.DurationSeconds != nil {
			d = time.Duration(*a.DurationSeconds) * time.Second
		}
		is.Agency = &huaweicloud.Agency{Name: a.AgencyName, DomainID: a.DomainID, DomainName: a.DomainName, Session: sessionName(owner), Duration: d}
		if ref := a.ExternalIDSecretRef; ref != nil {
			if is.STSEndpoint == "" {
				return refuse("assumeAgency.externalIDSecretRef uses STS: set region or stsEndpoint")
			}
			key := types.NamespacedName{Namespace: owner.secretNamespace, Name: ref.Name}
			is.ExternalID = func(ctx context.Context) (string, error) { return r.externalID(ctx, key, ref.Key) }
			keyParts = append(keyParts, "external id in "+key.String()+"/"+ref.Key)
		}
	}
	spec, _ := json.Marshal(src) // the spec holds names only, never a secret
	is.Key = digest(append(keyParts, string(spec))...)
	creds, err := r.Identities.Credentials(ctx, is)
	if err != nil {
		var ie *identity.Error
		retry := r.Config.AuthRetryInterval
		if errors.As(err, &ie) && !ie.Rejected {
			retry = IdentityFailedRetry
		}
		return resolvedCredentials{}, &problem{reason: jobsv1alpha1.ReasonIdentityUnavailable, stalled: true, retry: retry,
			message: fmt.Sprintf("could not obtain temporary keys: %v; retried in %s", err, retry)}, nil
	}
	// The quota and the keys' account: the source, whose keys change at
	// every renewal.
	return resolvedCredentials{creds: creds, account: is.Key, identity: is.Key}, nil, nil
}

// IdentityFailedRetry is how soon an identity that failed without being
// rejected (a timeout, a 5xx) is asked again.
const IdentityFailedRetry = 30 * time.Second

// sessionName names the CloudCredentials that assumes an agency, so that the
// agency's account sees in its audit log which namespace and object acted:
// "cloudjob.{namespace}.{name}", at most 64 characters.
func sessionName(owner credentialsOwner) string {
	ns := owner.key.Namespace
	if ns == "" {
		ns = "cluster"
	}
	s := "cloudjob." + ns + "." + owner.key.Name
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.TrimRight(s, ".-")
}

// externalID reads an agency's external id from a Secret, from the API server
// (the operator keeps only credential keys): it is needed only when keys are
// renewed.
func (r *CloudJobReconciler) externalID(ctx context.Context, key types.NamespacedName, dataKey string) (string, error) {
	var secret corev1.Secret
	if err := r.secrets.reader.Get(ctx, key, &secret); err != nil {
		return "", fmt.Errorf("reading Secret %s for the external id: %w", key, err)
	}
	v := secret.Data[dataKey]
	if len(v) == 0 {
		return "", fmt.Errorf("no key %s holding the external id in Secret %s", dataKey, key)
	}
	if flaw := whitespaceFlaw(string(v)); flaw != "" {
		return "", fmt.Errorf("the external id in Secret %s key %s %s", key, dataKey, flaw)
	}
	return string(v), nil
}
