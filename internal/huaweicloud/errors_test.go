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
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

// assertNoSecrets fails if any rendering of err holds the secret key or the token.
func assertNoSecrets(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, text := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		for _, secret := range []string{testCred.SecretKey, testCred.SecurityToken} {
			if strings.Contains(text, secret) {
				t.Errorf("error text holds a secret: %s", text)
			}
		}
	}
	var e *Error
	if errors.As(err, &e) {
		for _, field := range []string{e.Code, e.Message, e.RequestID} {
			if strings.Contains(field, testCred.SecretKey) || strings.Contains(field, testCred.SecurityToken) {
				t.Errorf("error field holds a secret: %q", field)
			}
		}
	}
}

// TestErrorClassesFromAnswers drives every error class through the fake cloud.
func TestErrorClassesFromAnswers(t *testing.T) {
	const jobPath = "/v1/bbf1946d374b44a0a2a95533562ba954/jobs/j1"
	retryDate := testNow.Add(2 * time.Minute).Format(http.TimeFormat)
	tests := []struct {
		name           string
		answer         answer
		wantClass      ErrorClass
		wantStatus     int
		wantCode       string
		wantMessage    string
		wantRequestID  string
		wantRetryAfter time.Duration
	}{
		{
			name: "429 with gateway body and Retry-After seconds",
			answer: answer{status: 429, header: map[string]string{"Retry-After": "7"},
				body: `{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:2000,time:1 minute","request_id":"body-id"}`},
			wantClass: ErrThrottled, wantStatus: 429, wantCode: "APIGW.0308",
			wantMessage:   "The throttling threshold has been reached: policy user over ratelimit,limit:2000,time:1 minute",
			wantRequestID: "req-j1", wantRetryAfter: 7 * time.Second,
		},
		{
			name:      "APIG.0308 under another status",
			answer:    answer{status: 400, noRequestID: true, body: `{"error_code":"APIG.0308","error_msg":"throttled","request_id":"body-id"}`},
			wantClass: ErrThrottled, wantStatus: 400, wantCode: "APIG.0308", wantMessage: "throttled", wantRequestID: "body-id",
		},
		{
			name:      "429 with Retry-After as a date",
			answer:    answer{status: 429, header: map[string]string{"Retry-After": retryDate}},
			wantClass: ErrThrottled, wantStatus: 429, wantRequestID: "req-j1", wantRetryAfter: 2 * time.Minute,
		},
		{
			name:      "429 with an absurd Retry-After is capped",
			answer:    answer{status: 429, header: map[string]string{"Retry-After": "99999999999"}},
			wantClass: ErrThrottled, wantStatus: 429, wantRequestID: "req-j1", wantRetryAfter: time.Hour,
		},
		{
			name:      "503 with Retry-After",
			answer:    answer{status: 503, header: map[string]string{"Retry-After": "30"}, body: "<html>busy</html>"},
			wantClass: ErrUnavailable, wantStatus: 503, wantRequestID: "req-j1", wantRetryAfter: 30 * time.Second,
		},
		{
			name:      "500 with a service error",
			answer:    answer{status: 500, body: `{"error":{"code":"Ecs.0500","message":"internal error"}}`},
			wantClass: ErrUnavailable, wantStatus: 500, wantCode: "Ecs.0500", wantMessage: "internal error", wantRequestID: "req-j1",
		},
		{
			name:      "502 with no body",
			answer:    answer{status: 502},
			wantClass: ErrUnavailable, wantStatus: 502, wantRequestID: "req-j1",
		},
		{
			name:      "401 APIGW.0301",
			answer:    answer{status: 401, body: `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information"}`},
			wantClass: ErrAuthenticationFailed, wantStatus: 401, wantCode: "APIGW.0301", wantMessage: "Incorrect IAM authentication information", wantRequestID: "req-j1",
		},
		{
			name:      "APIG.0303 signature expired",
			answer:    answer{status: 401, body: `{"error_code":"APIG.0303","error_msg":"signature expired"}`},
			wantClass: ErrAuthenticationFailed, wantStatus: 401, wantCode: "APIG.0303", wantMessage: "signature expired", wantRequestID: "req-j1",
		},
		{
			name:      "gateway auth code under 400",
			answer:    answer{status: 400, body: `{"error_code":"apigw.0301","error_msg":"bad token"}`},
			wantClass: ErrAuthenticationFailed, wantStatus: 400, wantCode: "apigw.0301", wantMessage: "bad token", wantRequestID: "req-j1",
		},
		{
			name:      "403 with a service error and details",
			answer:    answer{status: 403, body: `{"error":{"code":"Ecs.0005","message":"Policy doesn't allow ecs:cloudServers:showServer","details":[{"code":"x"}]}}`},
			wantClass: ErrForbidden, wantStatus: 403, wantCode: "Ecs.0005", wantMessage: "Policy doesn't allow ecs:cloudServers:showServer", wantRequestID: "req-j1",
		},
		{
			name:      "404 with top-level code and message",
			answer:    answer{status: 404, body: `{"code":"VPC.0404","message":"job not found"}`},
			wantClass: ErrNotFound, wantStatus: 404, wantCode: "VPC.0404", wantMessage: "job not found", wantRequestID: "req-j1",
		},
		{
			name:      "400 Common.0011 is not found",
			answer:    answer{status: 400, body: `{"error":{"code":"Common.0011","message":"Query Job Error : No jobs found."}}`},
			wantClass: ErrNotFound, wantStatus: 400, wantCode: "Common.0011", wantMessage: "Query Job Error : No jobs found.", wantRequestID: "req-j1",
		},
		{
			name:      "400 other code",
			answer:    answer{status: 400, body: `{"error":{"code":"Ecs.0001","message":"invalid param"}}`},
			wantClass: ErrInvalidRequest, wantStatus: 400, wantCode: "Ecs.0001", wantMessage: "invalid param", wantRequestID: "req-j1",
		},
		{
			name:      "409 in OpenStack form",
			answer:    answer{status: 409, body: `{"conflictingRequest":{"code":409,"message":"busy"}}`},
			wantClass: ErrInvalidRequest, wantStatus: 409, wantCode: "409", wantMessage: "busy", wantRequestID: "req-j1",
		},
		{
			name:      "405 with a plain error string",
			answer:    answer{status: 405, body: `{"error":"method not allowed"}`},
			wantClass: ErrInvalidRequest, wantStatus: 405, wantMessage: "method not allowed", wantRequestID: "req-j1",
		},
		{
			name:      "302 redirect is not followed",
			answer:    answer{status: 302, header: map[string]string{"Location": "https://elsewhere.example/steal"}},
			wantClass: ErrInvalidRequest, wantStatus: 302, wantRequestID: "req-j1",
		},
		{
			name:      "200 with a numeric status",
			answer:    answer{body: `{"status":1}`},
			wantClass: ErrMalformedResponse, wantStatus: 200, wantRequestID: "req-j1",
		},
		{
			name:      "200 with an object status",
			answer:    answer{body: `{"status":{"a":"SUCCESS"}}`},
			wantClass: ErrMalformedResponse, wantStatus: 200, wantRequestID: "req-j1",
		},
		{
			name:      "200 not JSON",
			answer:    answer{body: `<html>login</html>`},
			wantClass: ErrMalformedResponse, wantStatus: 200, wantRequestID: "req-j1",
		},
		{
			name:      "200 without status",
			answer:    answer{body: `{"job_id":"j1"}`},
			wantClass: ErrMalformedResponse, wantStatus: 200, wantRequestID: "req-j1",
		},
		{
			name:      "204 without body",
			answer:    answer{status: 204},
			wantClass: ErrMalformedResponse, wantStatus: 204, wantRequestID: "req-j1",
		},
		{
			name:      "long message with control characters is cleaned",
			answer:    answer{status: 400, body: `{"error_code":"X.1\n","error_msg":"` + strings.Repeat(`ab\u0000\r\n`, 2000) + `"}`},
			wantClass: ErrInvalidRequest, wantStatus: 400, wantCode: "X.1", wantMessage: strings.TrimSpace(strings.Repeat("ab  ", 256)), wantRequestID: "req-j1",
		},
		{
			name:      "server echoing the secrets",
			answer:    answer{status: 400, body: `{"error_code":"X.2","error_msg":"bad key ` + testCred.SecretKey + ` and token ` + strings.ReplaceAll(testCred.SecurityToken, "/", `\/`) + `"}`},
			wantClass: ErrInvalidRequest, wantStatus: 400, wantCode: "X.2", wantMessage: "bad key [redacted] and token [redacted]", wantRequestID: "req-j1",
		},
	}
	fc := newFakeCloud(t)
	client := newTestClient(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc.set(jobPath, tt.answer)
			before := fc.requestCount()
			job, err := client.GetJob(context.Background(), fc.request(ServiceECS, "j1"))
			if job != nil {
				t.Errorf("got a job with the error: %+v", job)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			if e.Class != tt.wantClass || ClassOf(err) != tt.wantClass {
				t.Errorf("class %q (ClassOf %q), want %q", e.Class, ClassOf(err), tt.wantClass)
			}
			if e.HTTPStatus != tt.wantStatus || e.Code != tt.wantCode || e.Message != tt.wantMessage ||
				e.RequestID != tt.wantRequestID || e.RetryAfter != tt.wantRetryAfter {
				t.Errorf("got status %d code %q message %q request id %q retry after %s\nwant status %d code %q message %q request id %q retry after %s",
					e.HTTPStatus, e.Code, e.Message, e.RequestID, e.RetryAfter,
					tt.wantStatus, tt.wantCode, tt.wantMessage, tt.wantRequestID, tt.wantRetryAfter)
			}
			if !strings.Contains(err.Error(), string(tt.wantClass)) || !strings.Contains(err.Error(), fmt.Sprint(tt.wantStatus)) {
				t.Errorf("error text %q names neither class nor status", err.Error())
			}
			if n := fc.requestCount() - before; n != 1 {
				t.Errorf("%d requests reached the cloud, want exactly 1 (no retries, no redirects)", n)
			}
			assertNoSecrets(t, err)
		})
	}
}

// TestAuthenticationAgainstTheGateway lets the fake gateway judge real signatures.
func TestAuthenticationAgainstTheGateway(t *testing.T) {
	fc := newFakeCloud(t)
	fc.set("/v1/bbf1946d374b44a0a2a95533562ba954/jobs/j1", answer{body: `{"status":"SUCCESS"}`})
	tests := []struct {
		name     string
		cred     signer.Credentials
		clock    time.Time
		wantCode string
	}{
		{"valid", testCred, testNow, ""},
		{"wrong secret key", signer.Credentials{AccessKey: testCred.AccessKey, SecretKey: "wrong-secret-key-000000"}, testNow, "APIGW.0301"},
		{"unknown access key", signer.Credentials{AccessKey: "OTHER", SecretKey: testCred.SecretKey}, testNow, "APIGW.0301"},
		{"clock 20 minutes slow", testCred, testNow.Add(-20 * time.Minute), "APIGW.0303"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := newTestClient(Options{Now: func() time.Time { return tt.clock }})
			req := fc.request(ServiceECS, "j1")
			req.Credentials = tt.cred
			job, err := client.GetJob(context.Background(), req)
			if tt.wantCode == "" {
				if err != nil || job.Phase != PhaseSucceeded {
					t.Fatalf("GetJob = %+v, %v", job, err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Class != ErrAuthenticationFailed || e.Code != tt.wantCode || e.HTTPStatus != 401 {
				t.Fatalf("GetJob error = %v, want AuthenticationFailed %s", err, tt.wantCode)
			}
			assertNoSecrets(t, err)
		})
	}
}

// TestTransportFailuresAreUnavailable covers failures without an answer.
func TestTransportFailuresAreUnavailable(t *testing.T) {
	fc := newFakeCloud(t)
	const slowPath = "/v1/bbf1946d374b44a0a2a95533562ba954/jobs/slow"
	fc.set(slowPath, answer{body: `{"status":"SUCCESS"}`, delay: 5 * time.Second})

	closed := newFakeCloud(t)
	closedURL := closed.srv.URL
	closed.srv.Close()

	// A server that promises more body than it sends, then hangs up.
	cut, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cut.Close() }()
	go func() {
		for {
			conn, err := cut.Accept()
			if err != nil {
				return
			}
			go func() {
				buf := make([]byte, 4096)
				_, _ = conn.Read(buf)
				_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"status\":")
				_ = conn.Close()
			}()
		}
	}()

	tests := []struct {
		name     string
		opts     Options
		endpoint string
		jobID    string
		ctx      func() (context.Context, context.CancelFunc)
		wantIs   error
		wantText string
	}{
		{name: "connection refused", endpoint: closedURL, jobID: "j1", wantText: "connect"},
		{name: "client timeout", opts: Options{Timeout: 200 * time.Millisecond}, endpoint: fc.srv.URL, jobID: "slow", wantText: "timed out"},
		{
			name: "context deadline", endpoint: fc.srv.URL, jobID: "slow", wantText: "timed out", wantIs: context.DeadlineExceeded,
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 200*time.Millisecond)
			},
		},
		{
			name: "context cancelled", endpoint: fc.srv.URL, jobID: "slow", wantIs: context.Canceled,
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(100*time.Millisecond, cancel)
				return ctx, cancel
			},
		},
		{name: "body cut short", endpoint: "http://" + cut.Addr().String(), jobID: "j1", wantText: "unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			req := fc.request(ServiceECS, tt.jobID)
			req.Endpoint = tt.endpoint
			start := time.Now()
			_, err := newTestClient(tt.opts).GetJob(ctx, req)
			if elapsed := time.Since(start); elapsed > 3*time.Second {
				t.Errorf("took %s: the timeout did not apply", elapsed)
			}
			if ClassOf(err) != ErrUnavailable {
				t.Fatalf("GetJob error = %v, want class Unavailable", err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not mention %q", err, tt.wantText)
			}
			assertNoSecrets(t, err)
		})
	}
}

func TestBodyCap(t *testing.T) {
	fc := newFakeCloud(t)
	big := `{"status":"SUCCESS","entities":{"pad":"` + strings.Repeat("x", 2000) + `"}}`
	fc.set("/v1/bbf1946d374b44a0a2a95533562ba954/jobs/big", answer{body: big})
	fc.set("/v1/bbf1946d374b44a0a2a95533562ba954/jobs/big-error", answer{status: 500, body: big})

	client := newTestClient(Options{MaxBodyBytes: 1000})
	_, err := client.GetJob(context.Background(), fc.request(ServiceECS, "big"))
	if ClassOf(err) != ErrMalformedResponse || !strings.Contains(err.Error(), "larger than 1000 bytes") {
		t.Errorf("oversized 2xx: %v, want MalformedResponse naming the cap", err)
	}
	// An oversized error answer keeps the class its status gives.
	_, err = client.GetJob(context.Background(), fc.request(ServiceECS, "big-error"))
	if ClassOf(err) != ErrUnavailable {
		t.Errorf("oversized 5xx: %v, want Unavailable", err)
	}
	// The same body fits the default cap.
	job, err := newTestClient(Options{}).GetJob(context.Background(), fc.request(ServiceECS, "big"))
	if err != nil || job.Phase != PhaseSucceeded {
		t.Errorf("default cap: %+v, %v", job, err)
	}
}

// TestRefusedBeforeSending: requests that cannot be right never reach the network.
func TestRefusedBeforeSending(t *testing.T) {
	fc := newFakeCloud(t)
	tests := []struct {
		name      string
		mutate    func(*Request)
		wantClass ErrorClass
		wantText  string
	}{
		{"unknown service", func(r *Request) { r.Service = "nat" }, ErrInvalidRequest, `unknown service "nat"`},
		{"empty job id", func(r *Request) { r.JobID = "" }, ErrInvalidRequest, "job id"},
		{"dot-dot job id", func(r *Request) { r.JobID = ".." }, ErrInvalidRequest, "job id"},
		{"slash in job id", func(r *Request) { r.JobID = "a/b" }, ErrInvalidRequest, "job id"},
		{"long project id", func(r *Request) { r.ProjectID = strings.Repeat("p", 129) }, ErrInvalidRequest, "project id"},
		{"not a URL", func(r *Request) { r.Endpoint = "://x" }, ErrInvalidRequest, "not a URL"},
		{"ftp endpoint", func(r *Request) { r.Endpoint = "ftp://ecs.eu-de.otc.t-systems.com" }, ErrInvalidRequest, "http(s)"},
		{"plain http to a remote host", func(r *Request) { r.Endpoint = "http://ecs.eu-de.otc.t-systems.com" }, ErrInvalidRequest, "loopback"},
		{"user info", func(r *Request) { r.Endpoint = "https://admin:hunter2@ecs.eu-de.otc.t-systems.com" }, ErrInvalidRequest, "user info"},
		{"query", func(r *Request) { r.Endpoint = fc.srv.URL + "?x=1" }, ErrInvalidRequest, "query"},
		{"no secret key", func(r *Request) { r.Credentials.SecretKey = "" }, ErrAuthenticationFailed, "secret key"},
		{"no access key", func(r *Request) { r.Credentials.AccessKey = "" }, ErrAuthenticationFailed, "access key"},
	}
	client := newTestClient(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := fc.request(ServiceECS, "j1")
			tt.mutate(&req)
			before := fc.requestCount()
			_, err := client.GetJob(context.Background(), req)
			if ClassOf(err) != tt.wantClass || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("GetJob error = %v, want %s mentioning %q", err, tt.wantClass, tt.wantText)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error repeats the endpoint's password: %v", err)
			}
			if fc.requestCount() != before {
				t.Error("the request reached the cloud")
			}
			assertNoSecrets(t, err)
		})
	}
}

func TestClassOf(t *testing.T) {
	wrapped := fmt.Errorf("polling: %w", &Error{Class: ErrThrottled})
	tests := []struct {
		err  error
		want ErrorClass
	}{
		{nil, ""},
		{errors.New("other"), ""},
		{&Error{Class: ErrNotFound}, ErrNotFound},
		{wrapped, ErrThrottled},
	}
	for _, tt := range tests {
		if got := ClassOf(tt.err); got != tt.want {
			t.Errorf("ClassOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	if !errors.Is(&Error{Class: ErrUnavailable, Err: io.ErrUnexpectedEOF}, io.ErrUnexpectedEOF) {
		t.Error("Error does not unwrap its cause")
	}
}

func TestTransient(t *testing.T) {
	want := map[ErrorClass]bool{
		ErrThrottled: true, ErrUnavailable: true, ErrAuthenticationFailed: false, ErrForbidden: false,
		ErrNotFound: false, ErrInvalidRequest: false, ErrMalformedResponse: false,
	}
	for class, transient := range want {
		if class.Transient() != transient {
			t.Errorf("%s.Transient() = %v", class, !transient)
		}
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{Class: ErrThrottled, HTTPStatus: 429, Code: "APIGW.0308", Message: "slow down",
		RequestID: "r-1", RetryAfter: 5 * time.Second, Err: io.EOF}
	want := "huaweicloud: Throttled: HTTP 429 Too Many Requests: APIGW.0308: slow down (retry after 5s) (request id r-1): EOF"
	if got := e.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	if got := (&Error{Class: ErrUnavailable}).Error(); got != "huaweicloud: Unavailable" {
		t.Errorf("bare Error() = %q", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := map[string]time.Duration{
		"":     0,
		"0":    0,
		"-3":   0,
		"12":   12 * time.Second,
		" 12 ": 12 * time.Second, //nolint:gocritic // the padded key checks that the header is trimmed
		"3601": time.Hour,
		"soon": 0,
		"1.5":  0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
		now.Add(48 * time.Hour).Format(http.TimeFormat):   time.Hour,
	}
	for in, want := range tests {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", in, got, want)
		}
	}
}
