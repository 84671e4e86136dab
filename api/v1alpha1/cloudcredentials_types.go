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

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DefaultCredentialsName is the CloudCredentials a CloudJob uses when it names
// none: the default of its namespace.
const DefaultCredentialsName = "default"

// CredentialsSource says where the keys that sign a CloudJob's requests come
// from: exactly one base (secretRef, federation or nodeMetadata), and
// optionally an agency to assume with it.
// +kubebuilder:validation:XValidation:rule="(has(self.secretRef) ? 1 : 0) + (has(self.federation) ? 1 : 0) + (has(self.nodeMetadata) ? 1 : 0) == 1",message="set exactly one of secretRef, federation and nodeMetadata"
// +kubebuilder:validation:XValidation:rule="!has(self.assumeAgency) || !has(self.assumeAgency.externalIDSecretRef) || has(self.region) || has(self.stsEndpoint)",message="assumeAgency.externalIDSecretRef uses STS, which is regional: set region or stsEndpoint"
type CredentialsSource struct {
	// secretRef names a Secret holding static keys: accessKey and secretKey,
	// and securityToken for temporary ones. For a CloudCredentials the Secret
	// is in its namespace; for a ClusterCloudCredentials, in the operator's.
	// +optional
	SecretRef *SecretReference `json:"secretRef,omitempty"`

	// federation signs with temporary keys obtained for the operator's own
	// identity: its projected service-account token (an OIDC ID token) is
	// exchanged at IAM for a token of the identity provider's mapped user,
	// and that token for temporary keys. No key is stored anywhere.
	// +optional
	Federation *Federation `json:"federation,omitempty"`

	// nodeMetadata signs with the temporary keys of the agency bound to the
	// node the operator runs on, read from the metadata service. Every pod on
	// the node has the same identity, so the operator refuses it unless
	// started with --allow-node-metadata-credentials.
	// +optional
	NodeMetadata *NodeMetadata `json:"nodeMetadata,omitempty"`

	// assumeAgency assumes an agency (a role in another account, or this one)
	// with the credentials above, and signs with the agency's temporary keys.
	// +optional
	AssumeAgency *AssumeAgency `json:"assumeAgency,omitempty"`

	// region is the region of the STS endpoint, https://sts.{region}.{cloud
	// domain}, which assuming an agency with an external id uses.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`
	Region string `json:"region,omitempty"`

	// iamEndpoint is the IAM endpoint for federation and agencies; defaults to
	// the operator's --iam-endpoint, else the global https://iam.{cloud
	// domain}. The operator's allowed endpoint domains apply. With federation
	// in a CloudCredentials it may only be a canonical IAM host
	// (https://iam.{cloud domain} or https://iam.{region}.{cloud domain}),
	// since the operator's ID token is sent there.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() in ['https', 'http'] && url(self).getHostname() != ''",message="iamEndpoint must be an absolute URL such as https://iam.myhuaweicloud.com"
	IAMEndpoint string `json:"iamEndpoint,omitempty"`

	// stsEndpoint is the STS endpoint; defaults to https://sts.{region}.{cloud
	// domain}.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() in ['https', 'http'] && url(self).getHostname() != ''",message="stsEndpoint must be an absolute URL such as https://sts.cn-north-4.myhuaweicloud.com"
	STSEndpoint string `json:"stsEndpoint,omitempty"`
}

// Federation exchanges the operator's service-account token at IAM.
type Federation struct {
	// identityProviderID is the IAM identity provider (OpenID Connect) that
	// trusts the cluster's service-account issuer; sent as X-Idp-Id. Its
	// mapping rule maps the operator's service account to a user group.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
	IdentityProviderID string `json:"identityProviderID"`

	// projectID scopes the IAM token to a project; empty asks for an unscoped
	// token.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
	ProjectID string `json:"projectID,omitempty"`

	// durationSeconds is how long the temporary keys last, 900 to 86400;
	// default 3600. They are renewed when a third of that is left.
	// +optional
	// +kubebuilder:validation:Minimum=900
	// +kubebuilder:validation:Maximum=86400
	DurationSeconds *int32 `json:"durationSeconds,omitempty"`
}

// NodeMetadata reads the node's temporary keys. It has no fields.
type NodeMetadata struct{}

// AssumeAgency names an agency to assume.
// +kubebuilder:validation:XValidation:rule="has(self.domainID) != has(self.domainName)",message="set exactly one of assumeAgency.domainID and assumeAgency.domainName: the account that owns the agency"
// +kubebuilder:validation:XValidation:rule="!has(self.externalIDSecretRef) || has(self.domainID)",message="assumeAgency.externalIDSecretRef needs assumeAgency.domainID: STS names the agency by the account's id"
type AssumeAgency struct {
	// agencyName is the agency's name in its account.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_.-]+$`
	AgencyName string `json:"agencyName"`

	// domainID is the id of the account that owns the agency.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
	DomainID string `json:"domainID,omitempty"`

	// domainName is the name of the account that owns the agency, instead of
	// domainID.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	DomainName string `json:"domainName,omitempty"`

	// externalIDSecretRef names the key of a Secret (in the operator's
	// namespace) that holds the external id the agency's trust policy
	// requires; only in a ClusterCloudCredentials: a CloudCredentials gets
	// its namespace's external id from the operator (status.externalID). With
	// an external id the agency is assumed through STS
	// (POST /v5/agencies/assume); without one through IAM (assume_role).
	// +optional
	ExternalIDSecretRef *SecretKeyReference `json:"externalIDSecretRef,omitempty"`

	// durationSeconds is how long the agency's keys last, 900 to 43200;
	// default 3600. STS grants at most 3600 to callers that use temporary
	// keys themselves.
	// +optional
	// +kubebuilder:validation:Minimum=900
	// +kubebuilder:validation:Maximum=43200
	DurationSeconds *int32 `json:"durationSeconds,omitempty"`
}

// SecretKeyReference names one key of a Secret.
type SecretKeyReference struct {
	// name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
	// key in the Secret's data.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
}

// CloudCredentials says, for the CloudJobs of its namespace that name it (or
// all of them, when it is named "default"), where their keys come from.
//
// federation and nodeMetadata are the operator's own identity, the same for
// every namespace: a CloudCredentials may use them only to assume an agency in
// another account, through STS, with the external id the operator assigns to
// its namespace (status.externalID), which the agency's trust policy must
// require. The operator refuses agencies in its own account, agencies a
// ClusterCloudCredentials uses, and agencies outside the patterns an
// administrator allows (--namespace-agencies). To let namespaces use the
// operator's identity itself, an administrator lists them in a
// ClusterCloudCredentials.
// +kubebuilder:object:root=true
// +kubebuilder:validation:XValidation:rule="!(has(self.spec.federation) || has(self.spec.nodeMetadata)) || (has(self.spec.assumeAgency) && has(self.spec.assumeAgency.domainID) && (has(self.spec.region) || has(self.spec.stsEndpoint)))",message="in a CloudCredentials, spec.federation and spec.nodeMetadata (the operator's own identity, shared by every namespace) may only assume an agency of another account named by spec.assumeAgency.domainID, through STS (set spec.region or spec.stsEndpoint), which the operator asks with the namespace's external id (status.externalID); to use that identity directly, an administrator lists the namespace in a ClusterCloudCredentials"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.assumeAgency) || !has(self.spec.assumeAgency.externalIDSecretRef)",message="spec.assumeAgency.externalIDSecretRef is not accepted in a CloudCredentials: the operator assigns each namespace its external id, shown in status.externalID; remove the field and require that id in the agency's trust policy"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.federation) || !has(self.spec.iamEndpoint) || (url(self.spec.iamEndpoint).getScheme() == 'https' && url(self.spec.iamEndpoint).getHostname().startsWith('iam.') && size(url(self.spec.iamEndpoint).getPort()) == 0 && size(url(self.spec.iamEndpoint).getEscapedPath()) <= 1)",message="with spec.federation, spec.iamEndpoint may only be a canonical IAM host such as https://iam.cn-north-4.myhuaweicloud.com, without port or path: the operator's ID token goes nowhere else (leave it empty for the operator's configured IAM endpoint)"
// +kubebuilder:resource:shortName=cloudcreds,categories=cloud
// +kubebuilder:printcolumn:name="Secret",type=string,JSONPath=`.spec.secretRef.name`
// +kubebuilder:printcolumn:name="Federation",type=string,JSONPath=`.spec.federation.identityProviderID`
// +kubebuilder:printcolumn:name="Agency",type=string,JSONPath=`.spec.assumeAgency.agencyName`
// +kubebuilder:printcolumn:name="External ID",type=string,JSONPath=`.status.externalID`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:subresource:status
type CloudCredentials struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec says where the keys come from.
	// +required
	Spec CredentialsSource `json:"spec"`

	// status is written by the operator.
	// +optional
	Status CloudCredentialsStatus `json:"status,omitempty"`
}

// CloudCredentialsStatus is what the operator tells the namespace about its
// credentials.
type CloudCredentialsStatus struct {
	// externalID is the external id the operator sends, for this namespace,
	// whenever it assumes an agency with its own identity (federation or node
	// metadata). Require it in the trust policy of the agency the namespace
	// assumes: no other namespace is ever given it. The operator derives it
	// from the namespace's UID, so it is the same for every CloudCredentials
	// of the namespace, across restarts and replicas, and a namespace deleted
	// and created again gets a new one.
	// +optional
	ExternalID string `json:"externalID,omitempty"`
}

// CloudCredentialsList is a list of CloudCredentials.
// +kubebuilder:object:root=true
type CloudCredentialsList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CloudCredentials `json:"items"`
}

// ClusterCloudCredentialsSpec is a CredentialsSource and the namespaces that
// may use it.
type ClusterCloudCredentialsSpec struct {
	CredentialsSource `json:",inline"`

	// namespaces may use these credentials when they have none of their own;
	// no other namespace can.
	// +required
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=1000
	// +listType=set
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespaces []string `json:"namespaces"`
}

// ClusterCloudCredentials is the cluster's default credentials, used only when
// the operator is started with --cluster-credentials naming it, and only by
// CloudJobs in its namespaces that have no credentials of their own. Its
// Secrets are in the operator's namespace.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=clustercloudcreds,categories=cloud
// +kubebuilder:printcolumn:name="Namespaces",type=string,JSONPath=`.spec.namespaces`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ClusterCloudCredentials struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec says where the keys come from and who may use them.
	// +required
	Spec ClusterCloudCredentialsSpec `json:"spec"`
}

// ClusterCloudCredentialsList is a list of ClusterCloudCredentials.
// +kubebuilder:object:root=true
type ClusterCloudCredentialsList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterCloudCredentials `json:"items"`
}
