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
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"

	clocktesting "k8s.io/utils/clock/testing"
)

// newFakeClock is a clock that moves only when told.
func newFakeClock() *clocktesting.FakeClock {
	return clocktesting.NewFakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

var testCred = Credential{AccessKey: "test-ak", SecretKey: "test-sk"}

// harness is a server on a fake clock, called in-process.
type harness struct {
	t     *testing.T
	clock *clocktesting.FakeClock
	s     *Server
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	clock := newFakeClock()
	cfg.Now = clock.Now
	if cfg.Credentials == nil {
		cfg.Credentials = []Credential{testCred}
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(s.Close)
	return &harness{t: t, clock: clock, s: s}
}

func (h *harness) add(specs ...JobSpec) []JobInfo {
	h.t.Helper()
	out, err := h.s.AddJobs(specs...)
	if err != nil {
		h.t.Fatalf("AddJobs: %v", err)
	}
	return out
}

// signedRequest builds a GET signed with cred at the fake clock's time.
func (h *harness) signedRequest(path string, cred Credential) *http.Request {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://sim.test"+path, nil)
	sg := signer.Signer{Now: h.clock.Now}
	if err := sg.Sign(req, nil, signer.Credentials{AccessKey: cred.AccessKey, SecretKey: cred.SecretKey, SecurityToken: cred.SecurityToken}); err != nil {
		h.t.Fatalf("Sign: %v", err)
	}
	return req
}

// getJob fetches a job on its service's own path, with its query and
// headers, built from the simulator's route patterns.
func (h *harness) getJob(spec JobSpec) response {
	h.t.Helper()
	style := services[spec.Service].style
	for _, p := range routePatterns {
		if p.style != style {
			continue
		}
		segs := make([]string, len(p.segs))
		for i, seg := range p.segs {
			segs[i] = map[string]string{"{p}": spec.ProjectID, "{i}": spec.InstanceID, "{j}": spec.JobID}[seg]
			if segs[i] == "" {
				segs[i] = seg
			}
		}
		path := "/" + strings.Join(segs, "/")
		if p.query {
			path += "?id=" + spec.JobID
		}
		req := httptest.NewRequest(http.MethodGet, "http://sim.test"+path, nil)
		if spec.EnvironmentID != "" {
			req.Header.Set("X-Environment-ID", spec.EnvironmentID)
		}
		if p.domainHeader {
			req.Header.Set("X-Domain-Id", spec.ProjectID)
		}
		if err := (signer.Signer{Now: h.clock.Now}).Sign(req, nil, signer.Credentials{AccessKey: testCred.AccessKey, SecretKey: testCred.SecretKey}); err != nil {
			h.t.Fatalf("Sign: %v", err)
		}
		return h.do(req)
	}
	h.t.Fatalf("no route for %s", spec.Service)
	return response{}
}

// response is a recorded answer with its body decoded when it is JSON.
type response struct {
	code   int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (h *harness) do(req *http.Request) response {
	h.t.Helper()
	rec := httptest.NewRecorder()
	h.s.APIHandler().ServeHTTP(rec, req)
	res := rec.Result()
	raw, _ := io.ReadAll(res.Body)
	r := response{code: res.StatusCode, header: res.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func (h *harness) get(path string) response {
	h.t.Helper()
	return h.do(h.signedRequest(path, testCred))
}

// status fetches a job and returns its status field, failing on non-200.
func (h *harness) status(path string) string {
	h.t.Helper()
	r := h.get(path)
	if r.code != http.StatusOK {
		h.t.Fatalf("GET %s: %d %s", path, r.code, r.raw)
	}
	if job, ok := r.body["job"].(map[string]any); ok {
		return job["status"].(string)
	}
	return r.body["status"].(string)
}

func (h *harness) admin(method, path, body string) response {
	h.t.Helper()
	req := httptest.NewRequest(method, "http://admin.test"+path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.s.AdminHandler().ServeHTTP(rec, req)
	res := rec.Result()
	raw, _ := io.ReadAll(res.Body)
	r := response{code: res.StatusCode, header: res.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func wantError(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.code != status {
		t.Fatalf("status = %d, want %d; body %s", r.code, status, r.raw)
	}
	got, _ := r.body["error_code"].(string)
	if e, ok := r.body["error"].(map[string]any); ok {
		got, _ = e["code"].(string)
	}
	if got != code {
		t.Fatalf("error code = %q, want %q; body %s", got, code, r.raw)
	}
	if r.header.Get("X-Request-Id") == "" {
		t.Fatalf("no X-Request-Id header")
	}
}

func dur(d time.Duration) Duration { return Duration(d) }

func durPtr(d time.Duration) *Duration { v := Duration(d); return &v }

func path(projectID, jobID string) string { return "/v1/" + projectID + "/jobs/" + jobID }
