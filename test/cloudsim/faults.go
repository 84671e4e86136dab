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
	"fmt"
	"net/http"
	"sync"
	"time"
)

// FaultKind names a way the simulated API misbehaves.
type FaultKind string

// Fault kinds. The first group is what real clouds do now and then; the
// second is hostile answers for robustness tests of clients.
const (
	// FaultError answers Status (500 when zero) with a Huawei- or
	// gateway-shaped error body; any status works, e.g. 403 or 400.
	FaultError FaultKind = "error"
	// FaultHang holds the request: for Delay (real time) and then answers
	// 504 APIG.0201 "Backend timeout" as the gateway would, or, when Delay is
	// zero, until the client goes away or the server closes.
	FaultHang FaultKind = "hang"
	// FaultSlow waits Delay (real time) and then answers normally.
	FaultSlow FaultKind = "slow"
	// FaultMalformed answers 200 with the normal body cut in half.
	FaultMalformed FaultKind = "malformed"
	// FaultThrottle answers 429 APIG.0308, as a burst: limit it with Count
	// (the next N requests) or For (a simulated duration).
	FaultThrottle FaultKind = "throttle"
	// FaultReset closes the connection without answering.
	FaultReset FaultKind = "reset"

	// FaultHugeBody streams a 200 JSON object whose string field holds Size
	// bytes (64 MiB when zero), without ever holding it in memory.
	FaultHugeBody FaultKind = "hugeBody"
	// FaultDeepNesting streams a 200 body whose entities nest Depth objects
	// deep (100,000 when zero).
	FaultDeepNesting FaultKind = "deepNesting"
	// FaultManySubJobs answers the job with Entries generated sub-jobs
	// (100,000 when zero), streamed in the service's shape, or empty objects
	// with EmptyEntries.
	FaultManySubJobs FaultKind = "manySubJobs"
	// FaultInvalidUTF8 answers the job with invalid UTF-8 bytes inside
	// job_type and the error text.
	FaultInvalidUTF8 FaultKind = "invalidUTF8"
	// FaultWrongType answers the job with a number where status should be a
	// string.
	FaultWrongType FaultKind = "wrongType"
	// FaultUnreadableTime answers the job with its begin time in words no
	// client can parse, or with the rule's TimeText.
	FaultUnreadableTime FaultKind = "unreadableTime"
)

var faultKinds = []FaultKind{FaultError, FaultHang, FaultSlow, FaultMalformed, FaultThrottle, FaultReset,
	FaultHugeBody, FaultDeepNesting, FaultManySubJobs, FaultInvalidUTF8, FaultWrongType, FaultUnreadableTime}

// Defaults of the hostile faults' sizes.
const (
	DefaultHugeBodySize       = 64 << 20
	DefaultNestingDepth       = 100_000
	DefaultManySubJobs        = 100_000
	maxManySubJobs            = 10_000_000
	maxNestingDepth           = 100_000_000
	maxHugeBodySize     int64 = 64 << 30
)

// FaultRule injects one kind of fault into matching API requests. Rules are
// tried in order after authentication and the quota; the first rule that
// matches and wins its probability draw applies.
type FaultRule struct {
	Kind FaultKind `json:"kind"`
	// ProjectID and JobID restrict the rule to one project or one job;
	// empty matches every request.
	ProjectID string `json:"projectId,omitempty"`
	JobID     string `json:"jobId,omitempty"`
	// Probability of applying to a matching request, drawn from the seeded
	// source; zero means always.
	Probability float64 `json:"probability,omitempty"`
	// Count limits how many requests the rule applies to; zero is no limit.
	Count int `json:"count,omitempty"`
	// After and For bound the rule in simulated time from when it was
	// installed: active from After until After+For (no end when For is 0).
	After Duration `json:"after,omitempty"`
	For   Duration `json:"for,omitempty"`

	// Status, ErrorCode and Message shape FaultError answers; code and
	// message default per status.
	Status    int    `json:"status,omitempty"`
	ErrorCode string `json:"errorCode,omitempty"`
	Message   string `json:"message,omitempty"`
	// Delay is the real-time wait of FaultHang and FaultSlow: real, because
	// it acts on the client's real timeout.
	Delay Duration `json:"delay,omitempty"`
	// RetryAfter is the Retry-After header of FaultThrottle in seconds; by
	// default the real time left in the For window, or 1.
	RetryAfter int `json:"retryAfter,omitempty"`
	// Size, Depth and Entries size the hostile answers.
	Size    int64 `json:"size,omitempty"`
	Depth   int   `json:"depth,omitempty"`
	Entries int   `json:"entries,omitempty"`
	// EmptyEntries makes FaultManySubJobs list empty objects ({}), the
	// most entries a body of a given size can hold.
	EmptyEntries bool `json:"emptyEntries,omitempty"`
	// TimeText is the begin time FaultUnreadableTime answers with, for
	// example a time past the year 9999; words by default.
	TimeText string `json:"timeText,omitempty"`
}

func (f *FaultRule) validate() error {
	known := false
	for _, k := range faultKinds {
		known = known || f.Kind == k
	}
	switch {
	case !known:
		return fmt.Errorf("unknown fault kind %q (known: %v)", f.Kind, faultKinds)
	case f.Probability < 0 || f.Probability > 1:
		return fmt.Errorf("fault probability %v is outside [0, 1]", f.Probability)
	case f.Count < 0:
		return fmt.Errorf("fault count %d is negative", f.Count)
	case f.After < 0 || f.For < 0 || f.Delay < 0:
		return fmt.Errorf("fault durations must not be negative")
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return fmt.Errorf("fault status %d is not an HTTP status", f.Status)
	case f.Kind == FaultError && f.Status != 0 && f.Status < 400:
		return fmt.Errorf("an error fault needs a 4xx or 5xx status, got %d", f.Status)
	case f.RetryAfter < 0 || f.Size < 0 || f.Depth < 0 || f.Entries < 0:
		return fmt.Errorf("fault sizes must not be negative")
	case f.Size > maxHugeBodySize || f.Depth > maxNestingDepth || f.Entries > maxManySubJobs:
		return fmt.Errorf("fault size is beyond the simulator's limits")
	}
	if f.ProjectID != "" {
		if err := validID("projectId", f.ProjectID); err != nil {
			return err
		}
	}
	if f.JobID != "" {
		if err := validID("jobId", f.JobID); err != nil {
			return err
		}
	}
	return nil
}

// installedFault is a rule with its installation time and remaining count.
type installedFault struct {
	rule      FaultRule
	installed time.Time // simulated
	used      int
}

func (f *installedFault) active(now time.Time) bool {
	if f.rule.Count > 0 && f.used >= f.rule.Count {
		return false
	}
	from := f.installed.Add(f.rule.After.D())
	if now.Before(from) {
		return false
	}
	return f.rule.For == 0 || now.Before(from.Add(f.rule.For.D()))
}

func (f *installedFault) matches(projectID, jobID string) bool {
	return (f.rule.ProjectID == "" || f.rule.ProjectID == projectID) &&
		(f.rule.JobID == "" || f.rule.JobID == jobID)
}

// faultSet holds the installed rules.
type faultSet struct {
	mu    sync.Mutex
	rules []*installedFault
}

// pick returns the fault to apply to a request, if any, and for a throttle
// window the simulated time left in it. draw gives uniform numbers in
// [0, 1) from the seeded source; it is only called for rules with a
// probability, so runs without probabilistic rules consume no randomness.
func (fs *faultSet) pick(projectID, jobID string, now time.Time, draw func() float64) (*FaultRule, time.Duration) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.rules {
		if !f.active(now) || !f.matches(projectID, jobID) {
			continue
		}
		if p := f.rule.Probability; p > 0 && p < 1 && draw() >= p {
			continue
		}
		f.used++
		rule := f.rule
		var left time.Duration
		if rule.For > 0 {
			left = f.installed.Add(rule.After.D() + rule.For.D()).Sub(now)
		}
		return &rule, left
	}
	return nil, 0
}

func (fs *faultSet) set(now time.Time, rules []FaultRule) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules = fs.rules[:0]
	for _, r := range rules {
		fs.rules = append(fs.rules, &installedFault{rule: r, installed: now})
	}
}

func (fs *faultSet) add(now time.Time, rules []FaultRule) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, r := range rules {
		fs.rules = append(fs.rules, &installedFault{rule: r, installed: now})
	}
}

// FaultStatus is an installed rule as the admin API shows it.
type FaultStatus struct {
	FaultRule
	Installed time.Time `json:"installed"` // simulated
	Used      int       `json:"used"`
	Active    bool      `json:"active"`
}

func (fs *faultSet) list(now time.Time) []FaultStatus {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]FaultStatus, len(fs.rules))
	for i, f := range fs.rules {
		out[i] = FaultStatus{FaultRule: f.rule, Installed: f.installed, Used: f.used, Active: f.active(now)}
	}
	return out
}

// errorBody is the answer of a FaultError: gateway-shaped for the statuses
// the gateway itself produces, service-shaped otherwise.
func errorBody(rule *FaultRule, requestID string) (int, object) {
	status := rule.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	code, msg, gateway := defaultError(status)
	if rule.ErrorCode != "" {
		code = rule.ErrorCode
	}
	if rule.Message != "" {
		msg = rule.Message
	}
	if gateway {
		return status, gatewayError(code, msg, requestID)
	}
	return status, serviceError(code, msg)
}

func defaultError(status int) (code, msg string, gateway bool) {
	switch status {
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		return "APIG.0202", "Backend unavailable", true
	case http.StatusGatewayTimeout:
		return "APIG.0201", "Backend timeout", true
	case http.StatusUnauthorized:
		return CodeAuthFailed, "Incorrect IAM authentication information: injected fault", true
	case http.StatusForbidden:
		return "APIGW.0302", "The IAM user is not authorized to access the API", true
	case http.StatusNotFound:
		return "APIG.0101", "The API does not exist or has not been published in the environment", true
	case http.StatusTooManyRequests:
		return CodeThrottled, throttledMessage, true
	case http.StatusBadRequest:
		return "Common.0001", "invalid request", false
	case http.StatusInternalServerError:
		return "Common.0500", "internal server error", false
	}
	return fmt.Sprintf("Common.%04d", status), http.StatusText(status), false
}

// gatewayError is the API gateway's error body.
func gatewayError(code, msg, requestID string) object {
	return object{{"error_code", code}, {"error_msg", msg}, {"request_id", requestID}}
}

// serviceError is the ECS/EVS-style service error body.
func serviceError(code, msg string) object {
	return object{{"error", object{{"code", code}, {"message", msg}}}}
}
