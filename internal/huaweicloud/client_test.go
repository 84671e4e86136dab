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
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

const jobJ1 = "/v1/bbf1946d374b44a0a2a95533562ba954/jobs/j1"

func TestGetJobRequestHeaders(t *testing.T) {
	tests := []struct {
		name          string
		opts          Options
		cred          signer.Credentials
		projectHeader bool
		wantUA        string
		wantSigned    string
	}{
		{
			name: "defaults, no token", cred: signer.Credentials{AccessKey: testCred.AccessKey, SecretKey: testCred.SecretKey},
			wantUA: "cloudjob-operator/", wantSigned: "accept;user-agent;x-sdk-date",
		},
		{
			name: "token and project header", cred: testCred, projectHeader: true, opts: Options{UserAgent: UserAgent("v1.2.3")},
			wantUA: "cloudjob-operator/v1.2.3", wantSigned: "accept;user-agent;x-project-id;x-sdk-date;x-security-token",
		},
	}
	fc := newFakeCloud(t)
	fc.set(jobJ1, answer{body: `{"status":"RUNNING"}`})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := fc.request(ServiceECS, "j1")
			req.Credentials = tt.cred
			req.SendProjectIDHeader = tt.projectHeader
			if _, err := newTestClient(tt.opts).GetJob(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			got := fc.lastRequest()
			if got.Method != http.MethodGet || got.Header.Get("Accept") != "application/json" {
				t.Errorf("method %s, Accept %q", got.Method, got.Header.Get("Accept"))
			}
			if ua := got.Header.Get("User-Agent"); !strings.HasPrefix(ua, tt.wantUA) {
				t.Errorf("User-Agent %q, want prefix %q", ua, tt.wantUA)
			}
			if d := got.Header.Get(signer.HeaderDate); d != "20260102T030405Z" {
				t.Errorf("X-Sdk-Date %q, want the client clock", d)
			}
			if tok := got.Header.Get(signer.HeaderSecurityToken); tok != tt.cred.SecurityToken {
				t.Errorf("X-Security-Token %q, want %q", tok, tt.cred.SecurityToken)
			}
			wantProject := ""
			if tt.projectHeader {
				wantProject = req.ProjectID
			}
			if p := got.Header.Get(signer.HeaderProjectID); p != wantProject {
				t.Errorf("X-Project-Id %q, want %q", p, wantProject)
			}
			auth, err := signer.ParseAuthorization(got.Header.Get("Authorization"))
			if err != nil {
				t.Fatal(err)
			}
			if s := strings.Join(auth.SignedHeaders, ";"); s != tt.wantSigned {
				t.Errorf("signed headers %q, want %q", s, tt.wantSigned)
			}
		})
	}
}

func TestGetJobKeepsEndpointPathPrefix(t *testing.T) {
	fc := newFakeCloud(t)
	fc.set("/gateway/ecs"+jobJ1, answer{body: `{"status":"SUCCESS"}`})
	req := fc.request(ServiceECS, "j1")
	req.Endpoint = fc.srv.URL + "/gateway/ecs/"
	job, err := newTestClient(Options{}).GetJob(context.Background(), req)
	if err != nil || job.Phase != PhaseSucceeded {
		t.Fatalf("GetJob = %+v, %v", job, err)
	}
	if p := fc.lastRequest().URL.Path; p != "/gateway/ecs"+jobJ1 {
		t.Errorf("path %s", p)
	}
}

// TestConnectionsAreReused: one client polling many jobs keeps one connection.
func TestConnectionsAreReused(t *testing.T) {
	fc := newFakeCloud(t)
	fc.set(jobJ1, answer{body: `{"status":"RUNNING"}`})
	fc.set("/v1/bbf1946d374b44a0a2a95533562ba954/jobs/j2", answer{status: 404, body: `{"code":"x","message":"gone"}`})
	client := newTestClient(Options{})
	for i := 0; i < 5; i++ {
		if _, err := client.GetJob(context.Background(), fc.request(ServiceECS, "j1")); err != nil {
			t.Fatal(err)
		}
		if _, err := client.GetJob(context.Background(), fc.request(ServiceECS, "j2")); ClassOf(err) != ErrNotFound {
			t.Fatalf("j2: %v", err)
		}
	}
	if n := fc.connections(); n != 1 {
		t.Errorf("10 requests used %d connections, want 1", n)
	}
}

func TestConcurrentGetJob(t *testing.T) {
	fc := newFakeCloud(t)
	fc.set(jobJ1, answer{body: readFixture(t, "ecs-fail.json")})
	client := newTestClient(Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			job, err := client.GetJob(context.Background(), fc.request(ServiceECS, "j1"))
			if err == nil && (job.Phase != PhaseFailed || len(job.SubJobs) != 2) {
				err = errors.New("wrong job decoded")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestTLSVerification: certificates are checked, and a private CA can be added.
func TestTLSVerification(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"status":"SUCCESS"}`))
	}))
	defer srv.Close()
	req := Request{Endpoint: srv.URL, Service: ServiceECS, JobRef: JobRef{ProjectID: "p", JobID: "j"}, Credentials: testCred}

	_, err := newTestClient(Options{}).GetJob(context.Background(), req)
	if ClassOf(err) != ErrUnavailable || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("self-signed server without its CA: %v, want Unavailable naming the certificate", err)
	}

	pool, err := SystemCertPoolWith(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	if err != nil {
		t.Fatal(err)
	}
	job, err := newTestClient(Options{RootCAs: pool}).GetJob(context.Background(), req)
	if err != nil || job.Phase != PhaseSucceeded {
		t.Errorf("with the CA added: %+v, %v", job, err)
	}

	if _, err := SystemCertPoolWith([]byte("not a certificate")); err == nil {
		t.Error("SystemCertPoolWith accepted no certificate")
	}
}

func TestNewClientDefaults(t *testing.T) {
	c := NewClient(Options{})
	if c.http.Timeout != DefaultTimeout || c.maxBody != DefaultMaxBodyBytes || c.now == nil {
		t.Errorf("defaults: timeout %s, max body %d", c.http.Timeout, c.maxBody)
	}
	tr, ok := c.http.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("transport %T", c.http.Transport)
	}
	if tr.TLSClientConfig == nil || tr.TLSClientConfig.InsecureSkipVerify || tr.TLSClientConfig.MinVersion == 0 {
		t.Errorf("TLS config %+v", tr.TLSClientConfig)
	}
	if tr.DialContext == nil || tr.TLSHandshakeTimeout != DefaultDialTimeout || tr.MaxIdleConnsPerHost < 2 {
		t.Errorf("transport %+v", tr)
	}
	if !strings.HasPrefix(c.userAgent, "cloudjob-operator/") {
		t.Errorf("user agent %q", c.userAgent)
	}
	if c.http.CheckRedirect == nil || !errors.Is(c.http.CheckRedirect(nil, nil), http.ErrUseLastResponse) {
		t.Error("redirects are followed")
	}
}

// TestTransportOption: a test transport replaces the built one and sees signed
// requests.
func TestTransportOption(t *testing.T) {
	var seen *http.Request
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = r
		return nil, errors.New("offline " + r.URL.Host)
	})
	_, err := NewClient(Options{Transport: rt}).GetJob(context.Background(),
		Request{Endpoint: "https://ecs.eu-de.otc.t-systems.com", Service: ServiceECS, JobRef: JobRef{ProjectID: "p", JobID: "j"}, Credentials: testCred})
	if ClassOf(err) != ErrUnavailable || !strings.Contains(err.Error(), "offline ecs.eu-de.otc.t-systems.com") {
		t.Errorf("GetJob = %v", err)
	}
	if seen == nil || seen.URL.String() != "https://ecs.eu-de.otc.t-systems.com/v1/p/jobs/j" || seen.Header.Get("Authorization") == "" {
		t.Errorf("transport saw %v", seen)
	}
	assertNoSecrets(t, err)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestSecretsRedactedFromJobs: a server echoing the credentials in a job body does
// not get them into the job.
func TestSecretsRedactedFromJobs(t *testing.T) {
	fc := newFakeCloud(t)
	fc.set(jobJ1, answer{body: `{"status":"FAIL","fail_reason":"token ` + testCred.SecurityToken + `","entities":{"k":"` + testCred.SecretKey + `"}}`})
	job, err := newTestClient(Options{}).GetJob(context.Background(), fc.request(ServiceECS, "j1"))
	if err != nil {
		t.Fatal(err)
	}
	if job.FailReason != "token [redacted]" || strings.Contains(string(job.Entities), testCred.SecretKey) {
		t.Errorf("fail reason %q, entities %s", job.FailReason, job.Entities)
	}
}
