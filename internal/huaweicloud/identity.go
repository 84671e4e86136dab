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

package huaweicloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

// The identity calls: IAM's federation and temporary keys, STS's agencies and
// the node's metadata service. They answer with temporary keys (an access
// key, a secret key and a security token) that expire.

// TemporaryKeys are keys that expire.
type TemporaryKeys struct {
	signer.Credentials
	// Expires is when the keys stop working.
	Expires time.Time
}

// FederatedToken exchanges an OIDC ID token for an IAM token of the user the
// identity provider's mapping rule names: POST
// /v3.0/OS-AUTH/id-token/tokens with X-Idp-Id, answered 201 with the token in
// X-Subject-Token. projectID scopes the token; "" asks for an unscoped one.
func (c *Client) FederatedToken(ctx context.Context, iamEndpoint, idpID, idToken, projectID string) (string, error) {
	type scope struct {
		Project struct {
			ID string `json:"id"`
		} `json:"project"`
	}
	var body struct {
		Auth struct {
			IDToken struct {
				ID string `json:"id"`
			} `json:"id_token"`
			Scope *scope `json:"scope,omitempty"`
		} `json:"auth"`
	}
	body.Auth.IDToken.ID = idToken
	if projectID != "" {
		body.Auth.Scope = &scope{}
		body.Auth.Scope.Project.ID = projectID
	}
	if err := checkID(idpID); err != nil {
		return "", &Error{Class: ErrInvalidRequest, Err: fmt.Errorf("identity provider id: %w", err)}
	}
	resp, err := c.identityCall(ctx, identityRequest{
		endpoint: iamEndpoint, path: "/v3.0/OS-AUTH/id-token/tokens", body: body,
		header: map[string]string{"X-Idp-Id": idpID}, secrets: []string{idToken},
	})
	if err != nil {
		return "", err
	}
	token := resp.header.Get("X-Subject-Token")
	if token == "" {
		return "", &Error{Class: ErrMalformedResponse, HTTPStatus: resp.status, RequestID: resp.requestID, Err: errors.New("no X-Subject-Token in the answer")}
	}
	return token, nil
}

// KeysFromToken exchanges an IAM token for temporary keys lasting duration:
// POST /v3.0/OS-CREDENTIAL/securitytokens with the token method.
func (c *Client) KeysFromToken(ctx context.Context, iamEndpoint, token string, duration time.Duration) (TemporaryKeys, error) {
	body := map[string]any{"auth": map[string]any{"identity": map[string]any{
		"methods": []string{"token"},
		"token":   map[string]any{"id": token, "duration_seconds": int(duration.Seconds())},
	}}}
	return c.iamCredential(ctx, identityRequest{
		endpoint: iamEndpoint, path: "/v3.0/OS-CREDENTIAL/securitytokens", body: body,
		header: map[string]string{"X-Auth-Token": token}, secrets: []string{token},
	})
}

// Agency names an agency to assume and the session that assumes it.
type Agency struct {
	Name string
	// DomainID or DomainName is the account that owns the agency.
	DomainID, DomainName string
	// ExternalID is what the agency's trust policy requires (STS only).
	ExternalID string
	// Session names who assumes it, for the account's audit log.
	Session  string
	Duration time.Duration
}

// AssumeAgencyIAM assumes an agency with base keys: POST
// /v3.0/OS-CREDENTIAL/securitytokens with the assume_role method, signed
// with the base keys.
func (c *Client) AssumeAgencyIAM(ctx context.Context, iamEndpoint string, base signer.Credentials, a Agency) (TemporaryKeys, error) {
	role := map[string]any{"agency_name": a.Name, "duration_seconds": int(a.Duration.Seconds()), "session_user": map[string]string{"name": a.Session}}
	if a.DomainID != "" {
		role["domain_id"] = a.DomainID
	} else {
		role["domain_name"] = a.DomainName
	}
	body := map[string]any{"auth": map[string]any{"identity": map[string]any{
		"methods": []string{"assume_role"}, "assume_role": role,
	}}}
	return c.iamCredential(ctx, identityRequest{
		endpoint: iamEndpoint, path: "/v3.0/OS-CREDENTIAL/securitytokens", body: body, sign: &base,
	})
}

// AssumeAgencySTS assumes an agency with base keys and an external id: POST
// /v5/agencies/assume, signed with the base keys.
func (c *Client) AssumeAgencySTS(ctx context.Context, stsEndpoint string, base signer.Credentials, a Agency) (TemporaryKeys, error) {
	body := map[string]any{
		"agency_urn":          "iam::" + a.DomainID + ":agency:" + a.Name,
		"agency_session_name": a.Session,
		"duration_seconds":    int(a.Duration.Seconds()),
		"external_id":         a.ExternalID,
	}
	resp, err := c.identityCall(ctx, identityRequest{endpoint: stsEndpoint, path: "/v5/agencies/assume", body: body, sign: &base, secrets: []string{a.ExternalID}})
	if err != nil {
		return TemporaryKeys{}, err
	}
	var answer struct {
		Credentials struct {
			AccessKeyID     string `json:"access_key_id"`
			SecretAccessKey string `json:"secret_access_key"`
			SecurityToken   string `json:"security_token"`
			Expiration      string `json:"expiration"`
		} `json:"credentials"`
	}
	if err := json.Unmarshal(resp.body, &answer); err != nil {
		return TemporaryKeys{}, resp.malformed(err)
	}
	k := answer.Credentials
	return resp.keys(k.AccessKeyID, k.SecretAccessKey, k.SecurityToken, k.Expiration)
}

// CallerIdentity names the account (domain id) that keys belong to: GET
// /v5/caller-identity at STS, signed with them (model GetCallerIdentityResponse).
func (c *Client) CallerIdentity(ctx context.Context, stsEndpoint string, keys signer.Credentials) (string, error) {
	resp, err := c.identityCall(ctx, identityRequest{endpoint: stsEndpoint, path: "/v5/caller-identity", method: http.MethodGet, sign: &keys})
	if err != nil {
		return "", err
	}
	var answer struct {
		AccountID string `json:"account_id"`
	}
	if err := json.Unmarshal(resp.body, &answer); err != nil {
		return "", resp.malformed(err)
	}
	if answer.AccountID == "" {
		return "", resp.malformed(errors.New("the answer names no account_id"))
	}
	return answer.AccountID, nil
}

// NodeKeys reads the temporary keys of the agency bound to the node from the
// metadata service: GET {endpoint}/openstack/latest/securitykey, with the
// session token of PUT /meta-data/latest/api/token when the service issues
// one (a service that does not is asked without). The endpoint is plain http
// on a link-local address by nature; the caller decides whether it may be
// used at all.
func (c *Client) NodeKeys(ctx context.Context, metadataEndpoint string) (TemporaryKeys, error) {
	var header map[string]string
	var secrets []string
	session, err := c.identityCall(ctx, identityRequest{endpoint: metadataEndpoint, path: "/meta-data/latest/api/token", method: http.MethodPut,
		header: map[string]string{"X-Metadata-Token-Ttl-Seconds": "300"}, anyHost: true})
	switch class := ClassOf(err); {
	case err == nil:
		token := strings.TrimSpace(string(session.body))
		header, secrets = map[string]string{"X-Metadata-Token": token}, []string{token}
	case class == ErrNotFound, class == ErrInvalidRequest:
		// No session tokens here: ask without one.
	default:
		return TemporaryKeys{}, err
	}
	resp, err := c.identityCall(ctx, identityRequest{endpoint: metadataEndpoint, path: "/openstack/latest/securitykey", method: http.MethodGet,
		header: header, secrets: secrets, anyHost: true})
	if err != nil {
		return TemporaryKeys{}, err
	}
	return resp.credential()
}

// iamCredential makes an IAM call answered {"credential": {...}}.
func (c *Client) iamCredential(ctx context.Context, req identityRequest) (TemporaryKeys, error) {
	resp, err := c.identityCall(ctx, req)
	if err != nil {
		return TemporaryKeys{}, err
	}
	return resp.credential()
}

// identityRequest is one identity call.
type identityRequest struct {
	endpoint, path string
	// method is POST (with body as JSON) unless set.
	method string
	body   any
	header map[string]string
	// sign: signed with these keys; nil sends no signature.
	sign *signer.Credentials
	// secrets are removed from any answer text, should the server echo them.
	secrets []string
	// anyHost: the endpoint may be plain http on any host (the metadata
	// service); otherwise the rules of job endpoints apply.
	anyHost bool
}

type identityResponse struct {
	status    int
	header    http.Header
	body      []byte
	requestID string
}

func (r identityResponse) malformed(err error) *Error {
	return &Error{Class: ErrMalformedResponse, HTTPStatus: r.status, RequestID: r.requestID, Err: err}
}

// credential reads {"credential": {access, secret, securitytoken, expires_at}}.
func (r identityResponse) credential() (TemporaryKeys, error) {
	var answer struct {
		Credential struct {
			Access        string `json:"access"`
			Secret        string `json:"secret"`
			SecurityToken string `json:"securitytoken"`
			ExpiresAt     string `json:"expires_at"`
		} `json:"credential"`
	}
	if err := json.Unmarshal(r.body, &answer); err != nil {
		return TemporaryKeys{}, r.malformed(err)
	}
	k := answer.Credential
	return r.keys(k.Access, k.Secret, k.SecurityToken, k.ExpiresAt)
}

func (r identityResponse) keys(access, secret, token, expires string) (TemporaryKeys, error) {
	if access == "" || secret == "" || token == "" {
		return TemporaryKeys{}, r.malformed(errors.New("the answer lacks the access key, the secret key or the security token"))
	}
	at := parseTime(expires)
	if at == nil {
		return TemporaryKeys{}, r.malformed(fmt.Errorf("unreadable expiry %q", cleanText(expires, 64)))
	}
	return TemporaryKeys{Credentials: signer.Credentials{AccessKey: access, SecretKey: secret, SecurityToken: token}, Expires: *at}, nil
}

// identityCall sends one identity request and returns a 2xx answer; anything
// else is an *Error, with every secret of the request removed from its text.
func (c *Client) identityCall(ctx context.Context, req identityRequest) (identityResponse, error) {
	base, err := url.Parse(req.endpoint)
	if err != nil || base.Host == "" {
		return identityResponse{}, &Error{Class: ErrInvalidRequest, Err: errors.New("endpoint is not an absolute URL")}
	}
	if !req.anyHost {
		if err := checkSigningEndpoint(base); err != nil {
			return identityResponse{}, &Error{Class: ErrInvalidRequest, Err: err}
		}
	}
	method, payload := req.method, []byte(nil)
	if method == "" {
		method = http.MethodPost
		if payload, err = json.Marshal(req.body); err != nil {
			return identityResponse{}, &Error{Class: ErrInvalidRequest, Err: err}
		}
	}
	httpReq, err := http.NewRequestWithContext(ctx, method, joinPath(base, req.path), bytes.NewReader(payload))
	if err != nil {
		return identityResponse{}, &Error{Class: ErrInvalidRequest, Err: err}
	}
	httpReq.Header.Set("Accept", "application/json")
	httpReq.Header.Set("User-Agent", c.userAgent)
	if payload != nil {
		httpReq.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	for k, v := range req.header {
		httpReq.Header.Set(k, v)
	}
	resp, body, overflow, err := c.exchange(httpReq, payload, req.sign, req.secrets)
	if err != nil {
		return identityResponse{}, err
	}
	out := identityResponse{status: resp.StatusCode, header: resp.Header, body: body, requestID: requestIDHeader(resp)}
	if overflow {
		return identityResponse{}, out.malformed(fmt.Errorf("body is larger than %d bytes", c.maxBody))
	}
	return out, nil
}
