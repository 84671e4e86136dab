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

package cloudsim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

// post sends a JSON POST, signed with cred when it is not nil.
func (h *harness) post(path, body string, header map[string]string, cred *Credential) response {
	h.t.Helper()
	return h.do(h.postRequest(path, body, header, cred))
}

// postRequest builds a JSON POST, signed with cred when it is not nil.
func (h *harness) postRequest(path, body string, header map[string]string, cred *Credential) *http.Request {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodPost, "http://sim.test"+path, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if cred != nil {
		c := signer.Credentials{AccessKey: cred.AccessKey, SecretKey: cred.SecretKey, SecurityToken: cred.SecurityToken}
		if err := (signer.Signer{Now: h.clock.Now}).Sign(req, []byte(body), c); err != nil {
			h.t.Fatal(err)
		}
	}
	return req
}

// keysOf reads the temporary keys of an IAM or STS answer.
func keysOf(t *testing.T, r response) Credential {
	t.Helper()
	if r.code != http.StatusCreated {
		t.Fatalf("want 201 with keys, got %d %s", r.code, r.raw)
	}
	if c, ok := r.body["credential"].(map[string]any); ok {
		return Credential{AccessKey: c["access"].(string), SecretKey: c["secret"].(string), SecurityToken: c["securitytoken"].(string)}
	}
	c := r.body["credentials"].(map[string]any)
	return Credential{AccessKey: c["access_key_id"].(string), SecretKey: c["secret_access_key"].(string), SecurityToken: c["security_token"].(string)}
}

// TestFederationChecksTheIDToken: only a token of the provider's issuer, for
// its audience, signed by its keys, unexpired and of a mapped subject gets an
// IAM token; the keys it buys work until they expire or are revoked.
func TestFederationChecksTheIDToken(t *testing.T) {
	h := newHarness(t, Config{})
	issuer, err := NewIssuer("https://oidc.test")
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := NewIssuer("https://oidc.test")
	if err != nil {
		t.Fatal(err)
	}
	issuer.Now, stranger.Now = h.clock.Now, h.clock.Now
	h.s.AddIdentityProvider(IdentityProvider{ID: "idp", Issuer: issuer.URL, Audience: "aud", JWKS: issuer.JWKS(), Subjects: []string{"sa"}})
	exchange := func(token string) response {
		return h.post("/v3.0/OS-AUTH/id-token/tokens", `{"auth":{"id_token":{"id":"`+token+`"}}}`, map[string]string{"X-Idp-Id": "idp"}, nil)
	}
	mint := func(i *Issuer, sub, aud string, ttl time.Duration) string {
		tok, err := i.Token(sub, aud, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for name, tc := range map[string]struct{ token, want string }{
		"another issuer's key": {mint(stranger, "sa", "aud", time.Hour), "signature does not verify"},
		"another audience":     {mint(issuer, "sa", "other", time.Hour), "audience"},
		"an unmapped subject":  {mint(issuer, "intruder", "aud", time.Hour), "mapping rule"},
		"expired":              {mint(issuer, "sa", "aud", -time.Minute), "expired"},
		"not a JWT":            {"garbage", "not a JWT"},
	} {
		if r := exchange(tc.token); r.code != http.StatusUnauthorized || !strings.Contains(string(r.raw), tc.want) {
			t.Errorf("%s: %d %s, want 401 saying %q", name, r.code, r.raw, tc.want)
		}
	}
	r := exchange(mint(issuer, "sa", "aud", time.Hour))
	token := r.header.Get("X-Subject-Token")
	if r.code != http.StatusCreated || token == "" {
		t.Fatalf("a good token: %d %s", r.code, r.raw)
	}
	keys := keysOf(t, h.post("/v3.0/OS-CREDENTIAL/securitytokens",
		`{"auth":{"identity":{"methods":["token"],"token":{"duration_seconds":900}}}}`, map[string]string{"X-Auth-Token": token}, nil))
	job := h.add(JobSpec{Service: ServiceECS, ProjectID: "p1", Running: Duration(time.Hour)})[0]
	path := "/v1/p1/jobs/" + job.Spec.JobID
	if r := h.do(h.signedRequest(path, keys)); r.code != http.StatusOK {
		t.Fatalf("the issued keys: %d %s", r.code, r.raw)
	}
	noToken := keys
	noToken.SecurityToken = ""
	if r := h.do(h.signedRequest(path, noToken)); r.code != http.StatusUnauthorized {
		t.Errorf("issued keys without their token: %d", r.code)
	}
	h.s.Revoke("idp:idp")
	if r := h.do(h.signedRequest(path, keys)); r.code != http.StatusUnauthorized || !strings.Contains(string(r.raw), "revoked") {
		t.Errorf("keys of a revoked identity: %d %s", r.code, r.raw)
	}
	h.s.Restore("idp:idp")
	h.clock.Step(16 * time.Minute)
	if r := h.do(h.signedRequest(path, keys)); r.code != http.StatusUnauthorized || !strings.Contains(string(r.raw), "expired") {
		t.Errorf("keys past their 900 s: %d %s", r.code, r.raw)
	}
}

// TestSecurityTokensAreChecked: a permanent key with a token, and a token
// that is not the key's, are refused; a rotated token keeps the previous one
// valid.
func TestSecurityTokensAreChecked(t *testing.T) {
	h := newHarness(t, Config{})
	job := h.add(JobSpec{Service: ServiceECS, ProjectID: "p1", Running: Duration(time.Hour)})[0]
	path := "/v1/p1/jobs/" + job.Spec.JobID
	withToken := testCred
	withToken.SecurityToken = "st-nobody-issued"
	if r := h.do(h.signedRequest(path, withToken)); r.code != http.StatusUnauthorized || !strings.Contains(string(r.raw), "unknown") {
		t.Errorf("a permanent key with a token: %d %s", r.code, r.raw)
	}
	temp := Credential{AccessKey: "TEMPAK", SecretKey: "temp-sk", SecurityToken: "st-1"}
	if err := h.s.AddCredentials(temp); err != nil {
		t.Fatal(err)
	}
	rotated := temp
	rotated.SecurityToken = "st-2"
	if err := h.s.AddCredentials(rotated); err != nil {
		t.Fatal(err)
	}
	for _, c := range []Credential{temp, rotated} {
		if r := h.do(h.signedRequest(path, c)); r.code != http.StatusOK {
			t.Errorf("token %s after a rotation: %d %s", c.SecurityToken, r.code, r.raw)
		}
	}
	wrong := temp
	wrong.SecurityToken = "st-forged"
	if r := h.do(h.signedRequest(path, wrong)); r.code != http.StatusUnauthorized {
		t.Errorf("a forged token: %d", r.code)
	}
}

// TestAgenciesCheckTrustAndExternalID: IAM and STS assume only trusted
// callers' agencies, STS only with the right external id.
func TestAgenciesCheckTrustAndExternalID(t *testing.T) {
	h := newHarness(t, Config{})
	other := Credential{AccessKey: "OTHERAK", SecretKey: "other-sk"}
	if err := h.s.AddCredentials(other); err != nil {
		t.Fatal(err)
	}
	h.s.AddAgency(Agency{DomainID: "d1", DomainName: "tenant", Name: "ops", ExternalID: "ext", Trusted: []string{"key:" + testCred.AccessKey}})
	iam := `{"auth":{"identity":{"methods":["assume_role"],"assume_role":{"agency_name":"ops","domain_name":"tenant","session_user":{"name":"cloudjob_ns_cc"}}}}}`
	if r := h.post("/v3.0/OS-CREDENTIAL/securitytokens", iam, nil, &other); r.code != http.StatusForbidden {
		t.Errorf("an untrusted caller through IAM: %d %s", r.code, r.raw)
	}
	keysOf(t, h.post("/v3.0/OS-CREDENTIAL/securitytokens", iam, nil, &testCred))
	sts := func(ext string) response {
		return h.post("/v5/agencies/assume", `{"agency_urn":"iam::d1:agency:ops","agency_session_name":"cloudjob.ns.cc","external_id":"`+ext+`"}`, nil, &testCred)
	}
	if r := sts("wrong"); r.code != http.StatusForbidden || !strings.Contains(string(r.raw), "external id") {
		t.Errorf("a wrong external id: %d %s", r.code, r.raw)
	}
	keysOf(t, sts("ext"))
	if names := h.s.SessionNames(); len(names) != 2 || names[0] != "cloudjob_ns_cc" || names[1] != "cloudjob.ns.cc" {
		t.Errorf("session names %v", names)
	}
	if r := h.post("/v5/agencies/assume", `{"agency_urn":"iam::d1:agency:ops","external_id":"ext"}`, nil, nil); r.code != http.StatusUnauthorized {
		t.Errorf("an unsigned STS request: %d", r.code)
	}
}

// TestSessionNamesFollowIAMAndSTS: IAM's assume_role takes session names of
// 5-64 letters, digits, '-' and '_' starting with a letter (SDK model
// AssumeroleSessionuser); STS's 2-128 of [A-Za-z0-9_+=,.@-] (model
// AssumeAgencyReqBody), and external ids of 2-1224 of [A-Za-z0-9_+=,.@:/-].
// Anything else is a 400 that names the field, and assumes nothing.
func TestSessionNamesFollowIAMAndSTS(t *testing.T) {
	h := newHarness(t, Config{})
	h.s.AddAgency(Agency{DomainID: "d1", DomainName: "tenant", Name: "ops", Trusted: []string{"key:" + testCred.AccessKey}})
	iam := func(session string) response {
		return h.post("/v3.0/OS-CREDENTIAL/securitytokens", `{"auth":{"identity":{"methods":["assume_role"],"assume_role":{"agency_name":"ops","domain_name":"tenant","session_user":{"name":"`+session+`"}}}}}`, nil, &testCred)
	}
	sts := func(session, ext string) response {
		return h.post("/v5/agencies/assume", `{"agency_urn":"iam::d1:agency:ops","agency_session_name":"`+session+`","external_id":"`+ext+`"}`, nil, &testCred)
	}
	for _, bad := range []string{"cloudjob.ns.cc", "ab", "1cloudjob", strings.Repeat("a", 65), "cloud job"} {
		if r := iam(bad); r.code != http.StatusBadRequest || !strings.Contains(string(r.raw), "session_user.name") {
			t.Errorf("IAM session name %q: %d %s", bad, r.code, r.raw)
		}
	}
	for _, bad := range []string{"a", strings.Repeat("a", 129), "cloud job", "ns/cc"} {
		if r := sts(bad, ""); r.code != http.StatusBadRequest || !strings.Contains(string(r.raw), "agency_session_name") {
			t.Errorf("STS session name %q: %d %s", bad, r.code, r.raw)
		}
	}
	for _, bad := range []string{"x", strings.Repeat("a", 1225), "id with space"} {
		if r := sts("cloudjob.ns.cc", bad); r.code != http.StatusBadRequest || !strings.Contains(string(r.raw), "external_id") {
			t.Errorf("external id %q: %d %s", bad, r.code, r.raw)
		}
	}
	if n := len(h.s.SessionNames()); n != 0 {
		t.Errorf("%d agencies assumed with refused names", n)
	}
	keysOf(t, iam("cloudjob_ns_cc"))
	keysOf(t, sts("cloudjob.ns.cc", "cloudjob-abc"))
}

// TestCallerIdentityNamesTheAccount: STS's caller-identity names the account
// of the keys that sign it: an identity provider's for its federated users,
// an agency's for its keys, the default account for static keys.
func TestCallerIdentityNamesTheAccount(t *testing.T) {
	h := newHarness(t, Config{})
	h.s.AddAgency(Agency{DomainID: "tenant-domain", Name: "ops", Trusted: []string{"key:" + testCred.AccessKey}})
	r := h.do(h.signedRequest("/v5/caller-identity", testCred))
	if r.code != http.StatusOK || !strings.Contains(string(r.raw), `"account_id":"`+DefaultDomainID+`"`) {
		t.Errorf("static keys: %d %s", r.code, r.raw)
	}
	agencyKeys := keysOf(t, h.post("/v5/agencies/assume", `{"agency_urn":"iam::tenant-domain:agency:ops","agency_session_name":"s1"}`, nil, &testCred))
	if r := h.do(h.signedRequest("/v5/caller-identity", agencyKeys)); r.code != http.StatusOK || !strings.Contains(string(r.raw), `"account_id":"tenant-domain"`) {
		t.Errorf("agency keys: %d %s", r.code, r.raw)
	}
	if r := h.do(httptest.NewRequest(http.MethodGet, "http://sim.test/v5/caller-identity", nil)); r.code != http.StatusUnauthorized {
		t.Errorf("unsigned: %d", r.code)
	}
}

func TestNodeMetadataOnlyWhenBound(t *testing.T) {
	h := newHarness(t, Config{})
	get := func() response {
		return h.do(httptest.NewRequest(http.MethodGet, "http://sim.test/openstack/latest/securitykey", nil))
	}
	if r := get(); r.code != http.StatusUnauthorized || !strings.Contains(string(r.raw), "Cloud Service Agency") {
		t.Errorf("no agency bound: %d %s", r.code, r.raw)
	}
	h.s.SetNodeIdentity(true)
	keysOf(t, get())
	h.s.RequireMetadataToken(true)
	if r := get(); r.code != http.StatusUnauthorized || !strings.Contains(string(r.raw), "session token") {
		t.Errorf("without a session token: %d %s", r.code, r.raw)
	}
	token := h.do(httptest.NewRequest(http.MethodPut, "http://sim.test/meta-data/latest/api/token", nil))
	req := httptest.NewRequest(http.MethodGet, "http://sim.test/openstack/latest/securitykey", nil)
	req.Header.Set("X-Metadata-Token", string(token.raw))
	keysOf(t, h.do(req))
}
