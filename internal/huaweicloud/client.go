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
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

// Defaults of Options.
const (
	// DefaultTimeout bounds a whole request, from dialling to the last body byte.
	DefaultTimeout = 30 * time.Second
	// DefaultDialTimeout bounds connecting (TCP) to the endpoint.
	DefaultDialTimeout = 10 * time.Second
	// DefaultMaxBodyBytes caps how much of an answer is read. Job answers are a few
	// KiB; a batch of hundreds of sub-jobs stays well under this.
	DefaultMaxBodyBytes int64 = 4 << 20
)

// Options configure a Client. The zero value is usable.
type Options struct {
	// UserAgent names the caller; empty means UserAgent("") (the operator and the
	// module version it was built from).
	UserAgent string
	// Timeout bounds each request as a whole; 0 means DefaultTimeout.
	Timeout time.Duration
	// DialTimeout bounds connecting; 0 means DefaultDialTimeout.
	DialTimeout time.Duration
	// MaxBodyBytes caps the bytes read of an answer; 0 means DefaultMaxBodyBytes. A
	// larger 2xx answer is MalformedResponse.
	MaxBodyBytes int64
	// Now is the clock for signing and Retry-After dates; nil means time.Now.
	Now func() time.Time
	// RootCAs are the certificate authorities trusted for TLS; nil means the
	// system's. To add private CAs to the system's, use SystemCertPoolWith.
	RootCAs *x509.CertPool
	// Transport, for tests only, replaces the transport NewClient builds (and with
	// it DialTimeout and RootCAs).
	Transport http.RoundTripper
}

// Request names one job to fetch.
type Request struct {
	// Endpoint is the service's base URL, e.g. https://ecs.eu-de.otc.t-systems.com
	// (see DefaultEndpoint). A path prefix is kept. It must be https, except for
	// loopback hosts. Which hosts are acceptable is the caller's policy: see
	// HostAllowed.
	Endpoint string
	// Service selects the job API's path and shape.
	Service Service
	// JobRef names the job: the ids the service needs (see Adapter.Needs), each
	// 1-128 characters of A-Z a-z 0-9 _ - . ~.
	JobRef
	// Credentials sign the request; a SecurityToken is sent as X-Security-Token.
	Credentials signer.Credentials
	// SendProjectIDHeader adds X-Project-Id, which accounts with several projects
	// may need, to requests of project-scoped services.
	SendProjectIDHeader bool
}

// Client fetches jobs. It holds one http.Client, so connections are kept alive
// and reused across jobs; it is safe for concurrent use.
type Client struct {
	http      *http.Client
	signer    signer.Signer
	userAgent string
	maxBody   int64
	now       func() time.Time
}

// NewClient builds a Client. TLS certificates are always verified.
func NewClient(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultDialTimeout
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.UserAgent == "" {
		opts.UserAgent = UserAgent("")
	}
	transport := opts.Transport
	if transport == nil {
		transport = newTransport(opts)
	}
	return &Client{
		http: &http.Client{
			Transport: transport,
			Timeout:   opts.Timeout,
			// Never follow redirects: net/http would forward X-Security-Token to
			// whatever host the redirect names (it strips only Authorization and
			// cookies), and a job API has no reason to redirect.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		signer:    signer.Signer{Now: opts.Now},
		userAgent: opts.UserAgent,
		maxBody:   opts.MaxBodyBytes,
		now:       opts.Now,
	}
}

func newTransport(opts Options) *http.Transport {
	dialer := &net.Dialer{Timeout: opts.DialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: opts.RootCAs},
		TLSHandshakeTimeout:   opts.DialTimeout,
		ResponseHeaderTimeout: opts.Timeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		// Many jobs are polled on few hosts: keep more than the default 2 idle
		// connections per host so polls do not pay a new TLS handshake.
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
}

// SystemCertPoolWith returns the system's trusted CAs plus those in pemCerts, for
// clouds (such as private Huawei Cloud Stack installs) signed by a private CA.
func SystemCertPoolWith(pemCerts []byte) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pemCerts) {
		return nil, errors.New("huaweicloud: no PEM certificate found")
	}
	return pool, nil
}

// UserAgent is "cloudjob-operator/{version}"; with version "" it is the version of
// the module the binary was built from, or "devel".
func UserAgent(version string) string {
	if version == "" {
		version = "devel"
		if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
			version = info.Main.Version
		}
	}
	return "cloudjob-operator/" + version
}

// GetJob fetches a job (or, for bss, an order) and decodes it with the
// service's adapter: one request, a GET, or a POST where the adapter gives a
// body. Every error is an *Error; see ErrorClass for what each class means to
// the caller.
func (c *Client) GetJob(ctx context.Context, req Request) (*Job, error) {
	adapter, ok := AdapterFor(req.Service)
	if !ok {
		return nil, &Error{Class: ErrInvalidRequest, Err: fmt.Errorf("unknown service %q (known: %v)", cleanID(string(req.Service)), Services())}
	}
	if req.Credentials.AccessKey == "" || req.Credentials.SecretKey == "" {
		// Reported like a rejected key: the fix is in the credentials.
		return nil, &Error{Class: ErrAuthenticationFailed, Err: errors.New("no access key or secret key given")}
	}
	jobURL, loc, err := buildJobURL(req, adapter)
	if err != nil {
		return nil, &Error{Class: ErrInvalidRequest, Err: err}
	}
	method, reqBody := http.MethodGet, io.Reader(nil)
	if loc.Body != nil {
		method, reqBody = http.MethodPost, bytes.NewReader(loc.Body)
	}
	httpReq, err := http.NewRequestWithContext(ctx, method, jobURL, reqBody)
	if err != nil {
		return nil, &Error{Class: ErrInvalidRequest, Err: err}
	}
	httpReq.Header.Set("Accept", "application/json")
	if loc.Body != nil {
		httpReq.Header.Set("Content-Type", "application/json")
	}
	httpReq.Header.Set("User-Agent", c.userAgent)
	needs := adapter.Needs()
	if req.SendProjectIDHeader && needs.Project {
		httpReq.Header.Set(signer.HeaderProjectID, req.ProjectID)
	}
	if needs.Domain {
		// Global services are signed for the account, as the SDK's global
		// credentials do.
		httpReq.Header.Set(headerDomainID, req.DomainID)
	}
	for name, value := range loc.Header {
		httpReq.Header.Set(name, value)
	}
	resp, body, overflow, err := c.exchange(httpReq, loc.Body, &req.Credentials, nil)
	if err != nil {
		return nil, err
	}
	return c.decode(resp, body, overflow, adapter, req)
}

// exchange signs a request whose body is payload (nil for none) with sign,
// when given, sends it, and reads the answer within the body cap with the
// signing secrets and the other secrets removed from it. A 2xx answer is
// returned with overflow telling whether its body was cut at the cap; any
// other answer, and a failure to get one, is an *Error.
func (c *Client) exchange(httpReq *http.Request, payload []byte, sign *signer.Credentials, secrets []string) (*http.Response, []byte, bool, error) {
	if sign != nil {
		// The signature covers the body's hash.
		if err := c.signer.Sign(httpReq, payload, *sign); err != nil {
			return nil, nil, false, &Error{Class: ErrAuthenticationFailed, Err: err}
		}
		secrets = append([]string{sign.SecretKey, sign.SecurityToken}, secrets...)
	}
	resp, err := c.http.Do(httpReq)
	if err != nil {
		return nil, nil, false, &Error{Class: ErrUnavailable, Err: transportError(err)}
	}
	body, overflow, err := readCapped(resp.Body, c.maxBody)
	if err != nil {
		return nil, nil, false, &Error{Class: ErrUnavailable, HTTPStatus: resp.StatusCode, RequestID: requestIDHeader(resp), Err: transportError(err)}
	}
	body = redactSecrets(body, secrets...)

	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp, body, overflow, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return nil, nil, false, &Error{
			Class: ErrInvalidRequest, HTTPStatus: resp.StatusCode, RequestID: requestIDHeader(resp),
			Err: fmt.Errorf("redirected to %q: check the endpoint", cleanMessage(resp.Header.Get("Location"))),
		}
	}
	code, message, bodyRequestID := parseErrorBody(body)
	return nil, nil, false, &Error{
		Class:      classify(resp.StatusCode, code),
		HTTPStatus: resp.StatusCode,
		Code:       code,
		Message:    message,
		RequestID:  firstNonEmpty(requestIDHeader(resp), bodyRequestID),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.now()),
	}
}

func (c *Client) decode(resp *http.Response, body []byte, overflow bool, adapter Adapter, req Request) (*Job, error) {
	requestID := requestIDHeader(resp)
	malformed := func(err error) *Error {
		return &Error{Class: ErrMalformedResponse, HTTPStatus: resp.StatusCode, RequestID: requestID, Err: err}
	}
	if overflow {
		return nil, malformed(fmt.Errorf("body is larger than %d bytes", c.maxBody))
	}
	job, err := adapter.Decode(body, req.JobRef)
	if errors.Is(err, errJobNotListed) {
		return nil, &Error{Class: ErrNotFound, HTTPStatus: resp.StatusCode, RequestID: requestID, Err: err}
	}
	if err != nil {
		return nil, malformed(err)
	}
	job.RequestID = firstNonEmpty(requestID, job.RequestID)
	if job.JobID == "" && !adapter.Needs().Order {
		job.JobID = req.JobID
	}
	return job, nil
}

// headerDomainID names the account in requests to global services.
const headerDomainID = "X-Domain-Id"

// buildJobURL joins the endpoint and the adapter's location after checking the
// ids the service needs and the endpoint.
func buildJobURL(req Request, adapter Adapter) (string, Location, error) {
	needs := adapter.Needs()
	for _, id := range []struct {
		name   string
		value  string
		needed bool
	}{
		{"project id", req.ProjectID, needs.Project},
		{"domain id", req.DomainID, needs.Domain},
		{"instance id", req.InstanceID, needs.Instance},
		{"environment id", req.EnvironmentID, needs.Environment},
		{"job id", req.JobID, !needs.Order},
		{"order id", req.OrderID, needs.Order},
	} {
		if !id.needed {
			continue
		}
		if err := checkID(id.value); err != nil {
			return "", Location{}, fmt.Errorf("%s: %w", id.name, err)
		}
	}
	base, err := url.Parse(req.Endpoint)
	if err != nil {
		return "", Location{}, errors.New("endpoint is not a URL")
	}
	if err := checkSigningEndpoint(base); err != nil {
		return "", Location{}, err
	}
	loc := adapter.Locate(req.JobRef)
	u := joinPath(base, loc.Path)
	if len(loc.Query) > 0 {
		u += "?" + loc.Query.Encode()
	}
	return u, loc, nil
}

// checkSigningEndpoint checks an endpoint that signed requests go to: a plain
// URL (see checkEndpointURL), and https unless the host is a loopback one,
// since the security token travels in a header: never in clear text past
// this host.
func checkSigningEndpoint(base *url.URL) error {
	if err := checkEndpointURL(base); err != nil {
		return fmt.Errorf("endpoint: %w", err)
	}
	if base.Scheme != "https" && !isLoopback(strings.ToLower(base.Hostname())) {
		return errors.New("endpoint: plain http is allowed only for loopback hosts")
	}
	return nil
}

// joinPath is the endpoint, whose own path prefix is kept, followed by an
// escaped path.
func joinPath(base *url.URL, path string) string {
	return base.Scheme + "://" + base.Host + strings.TrimRight(base.EscapedPath(), "/") + path
}

// checkID accepts 1-128 characters of A-Z a-z 0-9 _ - . ~ other than "." and "..",
// which would change the path's meaning.
func checkID(id string) error {
	if id == "" || len(id) > 128 {
		return errors.New("must be 1-128 characters")
	}
	if id == "." || id == ".." {
		return errors.New(`must not be "." or ".."`)
	}
	for i := 0; i < len(id); i++ {
		if !isIDByte(id[i]) {
			return errors.New("must hold only A-Z a-z 0-9 _ - . ~")
		}
	}
	return nil
}

// isIDByte reports whether c is one of A-Z a-z 0-9 _ - . ~, the bytes a URL
// path segment holds unescaped.
func isIDByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("_-.~", c) >= 0
}

// readCapped reads at most limit bytes and reports whether the body had more. A
// body read to its end lets the connection be reused; an overflowing one is
// closed with its connection.
func readCapped(body io.ReadCloser, limit int64) ([]byte, bool, error) {
	defer func() { _ = body.Close() }() // the data read is what counts
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(data)) > limit {
		return data[:limit], true, nil
	}
	return data, false, nil
}

func requestIDHeader(resp *http.Response) string {
	return cleanID(resp.Header.Get("X-Request-Id"))
}

// minRedactLength: shorter secrets are not searched for, since replacing a short
// string would garble unrelated text; real secret keys are 40 characters and
// tokens far longer.
const minRedactLength = 8

// redactSecrets removes secrets (the secret key, the security token, and the
// tokens an identity call sends) from a body before any of it is decoded,
// should a server echo them: their text would otherwise reach Kubernetes
// status and logs. Redacting before decoding also catches a token that a later
// length cap would have cut in half.
func redactSecrets(body []byte, secrets ...string) []byte {
	for _, secret := range secrets {
		if len(secret) < minRedactLength {
			continue
		}
		for _, form := range []string{secret, strings.ReplaceAll(secret, "/", `\/`)} {
			body = bytes.ReplaceAll(body, []byte(form), []byte("[redacted]"))
		}
	}
	return body
}

// transportError keeps the cause of a failed exchange but names timeouts plainly:
// "context deadline exceeded (Client.Timeout exceeded...)" reads poorly in a status.
func transportError(err error) error {
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout() {
		return fmt.Errorf("timed out: %w", err)
	}
	return err
}
