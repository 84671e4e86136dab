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
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
	// ForgetOwner drops the keys of every source made of a deleted object.
	ForgetOwner(uid string)
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
//
// A namespace's CloudCredentials that uses the operator's own identity
// (federation, node metadata) may only assume an agency of another account,
// through STS, with the external id the operator assigns to the namespace;
// never an agency of the operator's own account, nor the cluster default's,
// nor one outside --namespace-agencies; and its federation sends the
// operator's ID token only to the administrator's or a canonical IAM host.
func (r *CloudJobReconciler) loadIdentity(ctx context.Context, src *jobsv1alpha1.CredentialsSource, owner credentialsOwner) (resolvedCredentials, *problem, error) {
	refuse := func(why string) (resolvedCredentials, *problem, error) {
		return resolvedCredentials{}, &problem{reason: jobsv1alpha1.ReasonIdentityUnavailable, stalled: true,
			message: owner.String() + ": " + why}, nil
	}
	if r.Identities == nil {
		return refuse("the operator cannot obtain temporary keys (it has no identity broker)")
	}
	namespaced := owner.key.Namespace != ""
	is := identity.Source{Name: owner.String(), IAMEndpoint: src.IAMEndpoint, STSEndpoint: src.STSEndpoint, Owners: []string{owner.uid}}
	if is.IAMEndpoint == "" {
		is.IAMEndpoint = r.iamEndpoint()
	}
	if is.STSEndpoint == "" && src.Region != "" {
		is.STSEndpoint = "https://sts." + src.Region + "." + r.Config.Domains[0]
	}
	if src.Federation != nil && namespaced && src.IAMEndpoint != "" {
		if why := canonicalIAMEndpoint(src.IAMEndpoint, r.Config.Domains); why != "" {
			return refuse("spec.iamEndpoint " + why + ": the operator sends its ID token only to its configured IAM endpoint (--iam-endpoint) or to a canonical IAM host such as https://iam." + r.Config.Domains[0] + "; remove spec.iamEndpoint")
		}
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
	keyParts := []string{owner.String(), owner.uid}
	switch {
	case src.SecretRef != nil:
		creds, prob, err := r.loadSecretKeys(ctx, types.NamespacedName{Namespace: owner.secretNamespace, Name: src.SecretRef.Name}, owner.String()+" spec.secretRef")
		if err != nil || prob != nil {
			return resolvedCredentials{}, prob, err
		}
		is.Static = &creds.creds
		is.Owners = append(is.Owners, creds.secretUID)
		keyParts = append(keyParts, creds.secretUID, creds.creds.AccessKey, creds.creds.SecretKey, creds.creds.SecurityToken)
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
		is.Agency = &huaweicloud.Agency{Name: a.AgencyName, DomainID: a.DomainID, DomainName: a.DomainName, Duration: d}
		switch {
		case namespaced && a.ExternalIDSecretRef != nil:
			return refuse("spec.assumeAgency.externalIDSecretRef is no longer accepted in a CloudCredentials: the operator assigns the namespace its external id (status.externalID); remove the field and require that id in the agency's trust policy")
		case namespaced && usesOperatorIdentity(src):
			if why := r.namespaceMayNotAssume(ctx, a); why != "" {
				return refuse(why)
			}
			if is.STSEndpoint == "" {
				return refuse("an agency assumed with the operator's identity is assumed through STS with the namespace's external id: set spec.region or spec.stsEndpoint")
			}
			id, err := r.ExternalIDs.ForOwner(ctx, owner.key.Namespace, owner.uid)
			if err != nil {
				return resolvedCredentials{}, nil, fmt.Errorf("%s: the namespace's external id: %w", owner, err)
			}
			is.ExternalID = func(context.Context) (string, error) { return id, nil }
			is.NotInBaseAccount = true
			keyParts = append(keyParts, "external id "+digest(id))
		case a.ExternalIDSecretRef != nil:
			if is.STSEndpoint == "" {
				return refuse("assumeAgency.externalIDSecretRef uses STS: set region or stsEndpoint")
			}
			ref := a.ExternalIDSecretRef
			key := types.NamespacedName{Namespace: owner.secretNamespace, Name: ref.Name}
			is.ExternalID = func(ctx context.Context) (string, error) { return r.externalID(ctx, key, ref.Key) }
			// The Secret's version is part of the source: a fixed external
			// id is a new source, asked at once, not after the rejection's
			// retry interval.
			version, uid, err := r.secretVersion(ctx, key)
			if err != nil {
				return resolvedCredentials{}, nil, err
			}
			is.Owners = append(is.Owners, uid)
			keyParts = append(keyParts, "external id in "+key.String()+"/"+ref.Key, uid, version)
		}
		is.Agency.Session = sessionName(owner, is.ExternalID != nil)
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
	return resolvedCredentials{creds: creds, account: is.Key, identity: is.Key, origin: credentialsOrigin{identity: owner.String()}}, nil, nil
}

// iamEndpoint is the IAM endpoint of sources that name none: the
// administrator's, else the global one of the first cloud domain.
func (r *CloudJobReconciler) iamEndpoint() string {
	if r.Config.IAMEndpoint != "" {
		return r.Config.IAMEndpoint
	}
	return "https://iam." + r.Config.Domains[0]
}

// canonicalIAMEndpoint says what keeps an endpoint from being a canonical IAM
// host of the allowed domains, https://iam.{domain} or
// https://iam.{region}.{domain} with no port, path, query or user; "" when
// nothing does.
func canonicalIAMEndpoint(endpoint string, domains []string) string {
	u, err := url.Parse(endpoint)
	switch {
	case err != nil:
		return "is not a URL"
	case u.Scheme != "https":
		return "is not https"
	case u.User != nil || u.Port() != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return "has a user, port, path, query or fragment"
	}
	host := strings.ToLower(u.Hostname())
	for _, d := range domains {
		d = strings.ToLower(d)
		if host == "iam."+d {
			return ""
		}
		if region, ok := strings.CutSuffix(strings.TrimPrefix(host, "iam."), "."+d); ok && strings.HasPrefix(host, "iam.") && regionPattern.MatchString(region) {
			return ""
		}
	}
	return "is not a canonical IAM host (iam.{domain} or iam.{region}.{domain} of the allowed domains)"
}

// regionPattern is a region name, as spec.region allows it.
var regionPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// namespaceMayNotAssume says why a namespace may not assume an agency with
// the operator's identity, "" when it may: the agency must be among the
// patterns the administrator allows, and must not be the cluster default's.
// (The operator's own account is refused when the keys are obtained, since
// only STS can tell which account the operator's identity is in.)
func (r *CloudJobReconciler) namespaceMayNotAssume(ctx context.Context, a *jobsv1alpha1.AssumeAgency) string {
	name := a.DomainID + "/" + a.AgencyName
	if pats := r.Config.NamespaceAgencies; len(pats) > 0 && !slices.ContainsFunc(pats, func(p string) bool {
		ok, _ := path.Match(p, name)
		return ok
	}) {
		return fmt.Sprintf("agency %s is not among the agencies the operator lets namespaces assume (--namespace-agencies=%s); ask the operator's administrator", name, strings.Join(pats, ","))
	}
	if r.Config.ClusterCredentials == "" {
		return ""
	}
	var ccc jobsv1alpha1.ClusterCloudCredentials
	if err := r.Get(ctx, types.NamespacedName{Name: r.Config.ClusterCredentials}, &ccc); err != nil {
		return ""
	}
	if c := ccc.Spec.AssumeAgency; c != nil && strings.EqualFold(c.AgencyName, a.AgencyName) &&
		(c.DomainID != "" && strings.EqualFold(c.DomainID, a.DomainID) || c.DomainName != "" && strings.EqualFold(c.DomainName, a.DomainName)) {
		return fmt.Sprintf("agency %s is the one the cluster default ClusterCloudCredentials %s assumes: a namespace may not assume it on its own; an administrator lists the namespace in the ClusterCloudCredentials instead", name, ccc.Name)
	}
	return ""
}

// secretVersion is a Secret's resourceVersion and UID from the cache; "" for
// a Secret that does not exist.
func (r *CloudJobReconciler) secretVersion(ctx context.Context, key types.NamespacedName) (version, uid string, err error) {
	meta := secretMeta()
	if err := r.Get(ctx, key, meta); err != nil {
		if apierrors.IsNotFound(err) {
			return "", "", nil
		}
		return "", "", fmt.Errorf("reading Secret %s: %w", key, err)
	}
	return meta.ResourceVersion, string(meta.UID), nil
}

// IdentityFailedRetry is how soon an identity that failed without being
// rejected (a timeout, a 5xx) is asked again.
const IdentityFailedRetry = 30 * time.Second

// sessionName names the CloudCredentials that assumes an agency, so that the
// agency's account sees in its audit log which namespace and object acted.
// IAM's assume_role takes 5-64 letters, digits, '-' and '_', starting with a
// letter (SDK model AssumeroleSessionuser): "cloudjob_{namespace}_{name}",
// the name's dots as '-'. STS's agency_session_name takes 2-128 of
// [A-Za-z0-9_+=,.@-] (model AssumeAgencyReqBody): "cloudjob.{namespace}.{name}".
// A longer name keeps its start and ends with a digest of the whole, so that
// two objects never share a session name.
func sessionName(owner credentialsOwner, sts bool) string {
	ns := owner.key.Namespace
	if ns == "" {
		ns = "cluster"
	}
	s, sep, limit := "cloudjob_"+ns+"_"+strings.ReplaceAll(owner.key.Name, ".", "-"), "_", 64
	if sts {
		s, sep, limit = "cloudjob."+ns+"."+owner.key.Name, ".", 128
	}
	if len(s) <= limit {
		return s
	}
	sum := digest(ns, owner.key.Name)[:8]
	return s[:limit-len(sep)-len(sum)] + sep + sum
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
