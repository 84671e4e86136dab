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
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

// testNow is the clock of the client and of the fake cloud in most tests.
var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testCred are credentials whose secrets are long and distinctive, so that a test
// can search any text for them.
var testCred = signer.Credentials{
	AccessKey:     "TESTACCESSKEY0000001",
	SecretKey:     "SK-very-secret-0123456789abcdefghijklmn",
	SecurityToken: "TOKEN-very-secret/abcdefghij+klmnopqrstuvwxyz==",
}

// answer is what the fake cloud sends for one path.
type answer struct {
	status int
	header map[string]string
	body   string
	delay  time.Duration
	// noRequestID leaves out the X-Request-Id header the fake sends by default.
	noRequestID bool
}

// fakeCloud is a local job API that checks signatures as the gateway does, with
// signer.Verify, and answers per path.
type fakeCloud struct {
	t   testing.TB
	srv *httptest.Server
	now time.Time

	mu       sync.Mutex
	answers  map[string]answer
	requests []*http.Request
	bodies   [][]byte
	conns    int
}

func newFakeCloud(t testing.TB) *fakeCloud {
	t.Helper()
	fc := &fakeCloud{t: t, now: testNow, answers: map[string]answer{}}
	fc.srv = httptest.NewUnstartedServer(http.HandlerFunc(fc.serve))
	fc.srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			fc.mu.Lock()
			fc.conns++
			fc.mu.Unlock()
		}
	}
	fc.srv.Start()
	t.Cleanup(fc.srv.Close)
	return fc
}

func (fc *fakeCloud) set(path string, a answer) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	fc.answers[path] = a
}

func (fc *fakeCloud) lastRequest() *http.Request {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if len(fc.requests) == 0 {
		fc.t.Fatal("the fake cloud received no request")
	}
	return fc.requests[len(fc.requests)-1]
}

func (fc *fakeCloud) requestCount() int {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return len(fc.requests)
}

func (fc *fakeCloud) connections() int {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return fc.conns
}

// lastBody is the body of the last request.
func (fc *fakeCloud) lastBody() []byte {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if len(fc.bodies) == 0 {
		fc.t.Fatal("the fake cloud received no request")
	}
	return fc.bodies[len(fc.bodies)-1]
}

func (fc *fakeCloud) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	fc.mu.Lock()
	fc.requests = append(fc.requests, r.Clone(r.Context()))
	fc.bodies = append(fc.bodies, body)
	a, ok := fc.answers[r.URL.EscapedPath()]
	fc.mu.Unlock()

	if code, msg := fc.authenticate(r, body); code != "" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error_code": code, "error_msg": msg, "request_id": "auth-req"})
		return
	}
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]string{"code": "Common.0011", "message": "No jobs found."}})
		return
	}
	if a.delay > 0 {
		select {
		case <-time.After(a.delay):
		case <-r.Context().Done():
			return
		}
	}
	if !a.noRequestID {
		w.Header().Set("X-Request-Id", "req-"+filepath.Base(r.URL.Path))
	}
	for k, v := range a.header {
		w.Header().Set(k, v)
	}
	if a.status == 0 {
		a.status = http.StatusOK
	}
	w.WriteHeader(a.status)
	_, _ = w.Write([]byte(a.body))
}

// authenticate answers like the gateway: APIGW.0301 for a bad signature or an
// unknown key, APIGW.0303 for a date more than 15 minutes off.
func (fc *fakeCloud) authenticate(r *http.Request, body []byte) (code, message string) {
	auth, err := signer.ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return "APIGW.0301", "Incorrect IAM authentication information: " + err.Error()
	}
	if auth.AccessKey != testCred.AccessKey {
		return "APIGW.0301", "Incorrect IAM authentication information: unknown access key"
	}
	if err := signer.Verify(r, body, auth, testCred.SecretKey); err != nil {
		return "APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail"
	}
	date, _ := signer.RequestDate(r)
	if d := fc.now.Sub(date); d > 15*time.Minute || d < -15*time.Minute {
		return "APIGW.0303", "Incorrect app authentication information: signature expired"
	}
	return "", ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// newTestClient is a client on the fake cloud's clock.
func newTestClient(opts Options) *Client {
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	return NewClient(opts)
}

// request is a request for a job on the fake cloud.
func (fc *fakeCloud) request(service Service, jobID string) Request {
	return Request{
		Endpoint:    fc.srv.URL,
		Service:     service,
		JobRef:      JobRef{ProjectID: "bbf1946d374b44a0a2a95533562ba954", JobID: jobID},
		Credentials: testCred,
	}
}

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
