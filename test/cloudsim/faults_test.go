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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func (h *harness) setFaults(rules ...FaultRule) {
	h.t.Helper()
	if err := h.s.SetFaults(rules); err != nil {
		h.t.Fatalf("SetFaults: %v", err)
	}
}

func TestErrorFaults(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j"})
	p := path("p", "j")
	for _, c := range []struct {
		rule       FaultRule
		status     int
		code       string
		gatewayish bool
	}{
		{FaultRule{Kind: FaultError}, 500, "Common.0500", false},
		{FaultRule{Kind: FaultError, Status: 502}, 502, "APIG.0202", true},
		{FaultRule{Kind: FaultError, Status: 503}, 503, "APIG.0202", true},
		{FaultRule{Kind: FaultError, Status: 504}, 504, "APIG.0201", true},
		{FaultRule{Kind: FaultError, Status: 403}, 403, "APIGW.0302", true},
		{FaultRule{Kind: FaultError, Status: 400, ErrorCode: "Ecs.0005", Message: "bad parameter"}, 400, "Ecs.0005", false},
		{FaultRule{Kind: FaultError, Status: 404}, 404, "APIG.0101", true},
	} {
		h.setFaults(c.rule)
		r := h.get(p)
		wantError(t, r, c.status, c.code)
		if c.gatewayish && r.body["request_id"] != r.header.Get("X-Request-Id") {
			t.Errorf("gateway error without the request id: %s", r.raw)
		}
	}
	h.setFaults()
	if r := h.get(p); r.code != http.StatusOK {
		t.Fatalf("after clearing the faults: %d", r.code)
	}
}

func TestFaultScopeCountAndWindow(t *testing.T) {
	h := newHarness(t, Config{TimeScale: 60})
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "a"}, JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "b"})
	a, b := path("p", "a"), path("p", "b")

	// Restricted to one job.
	h.setFaults(FaultRule{Kind: FaultError, Status: 503, JobID: "a"})
	wantError(t, h.get(a), 503, "APIG.0202")
	if r := h.get(b); r.code != 200 {
		t.Fatalf("other job: %d", r.code)
	}

	// A burst of the next two requests.
	h.setFaults(FaultRule{Kind: FaultThrottle, Count: 2})
	for range 2 {
		r := h.get(b)
		wantError(t, r, 429, CodeThrottled)
		if r.header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After of a counted burst = %q", r.header.Get("Retry-After"))
		}
	}
	if r := h.get(b); r.code != 200 {
		t.Fatalf("after the burst: %d", r.code)
	}

	// A burst for two simulated minutes, starting one simulated minute from
	// now; Retry-After is the real time left in it.
	h.setFaults(FaultRule{Kind: FaultThrottle, After: dur(time.Minute), For: dur(2 * time.Minute)})
	if r := h.get(a); r.code != 200 {
		t.Fatalf("before the window: %d", r.code)
	}
	h.clock.Step(time.Second)
	r := h.get(a)
	wantError(t, r, 429, CodeThrottled)
	if got := r.header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After at the start of a 2-simulated-minute window at scale 60 = %q, want 2", got)
	}
	h.clock.Step(2 * time.Second)
	if r := h.get(a); r.code != 200 {
		t.Fatalf("after the window: %d", r.code)
	}
	if fs := h.s.Faults(); len(fs) != 1 || fs[0].Used != 1 || fs[0].Active {
		t.Errorf("fault status: %+v", fs)
	}
}

func TestFaultProbabilityIsSeeded(t *testing.T) {
	outcomes := func(seed uint64) string {
		h := newHarness(t, Config{Seed: seed, RequestsPerMinute: -1})
		h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j"})
		h.setFaults(FaultRule{Kind: FaultError, Status: 503, Probability: 0.3})
		var b strings.Builder
		for range 300 {
			if h.get(path("p", "j")).code == 503 {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	a, again, other := outcomes(42), outcomes(42), outcomes(43)
	if a != again {
		t.Fatal("the same seed gave different fault sequences")
	}
	if a == other {
		t.Fatal("different seeds gave the same fault sequence")
	}
	if n := strings.Count(a, "x"); n < 60 || n > 120 {
		t.Fatalf("%d of 300 requests failed at probability 0.3", n)
	}
}

func TestMalformedWrongTypeAndInvalidUTF8(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(
		JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j", Outcome: OutcomeFail, ErrorCode: "Ecs.1", FailReason: "x"},
		JobSpec{Service: ServiceELBv3, ProjectID: "p", JobID: "v3"},
	)
	p := path("p", "j")

	h.setFaults(FaultRule{Kind: FaultMalformed})
	r := h.get(p)
	if r.code != 200 || json.Valid(r.raw) || len(r.raw) == 0 || r.header.Get("Content-Length") != strconv.Itoa(len(r.raw)) {
		t.Fatalf("malformed: %d %q", r.code, r.raw)
	}
	h.setFaults()
	if full := h.get(p).raw; !bytes.HasPrefix(full, r.raw) {
		t.Fatalf("the malformed body is not a truncation of the normal one")
	}

	h.setFaults(FaultRule{Kind: FaultWrongType})
	r = h.get(p)
	if _, isNumber := r.body["status"].(float64); r.code != 200 || !isNumber {
		t.Fatalf("wrong type: %s", r.raw)
	}
	r = h.get("/v3/p/elb/jobs/v3")
	if _, isNumber := r.body["job"].(map[string]any)["status"].(float64); !isNumber {
		t.Fatalf("wrong type, elbv3: %s", r.raw)
	}

	h.setFaults(FaultRule{Kind: FaultInvalidUTF8})
	r = h.get(p)
	if r.code != 200 || utf8.Valid(r.raw) || !bytes.Contains(r.raw, []byte("\xff\xfe")) {
		t.Fatalf("invalid UTF-8: %q", r.raw)
	}
	var loose map[string]any
	if err := json.Unmarshal(r.raw, &loose); err != nil {
		t.Fatalf("the invalid UTF-8 answer should otherwise be JSON: %v", err)
	}
	if !strings.Contains(loose["job_type"].(string), "\ufffd") || !strings.Contains(loose["fail_reason"].(string), "\ufffd") {
		t.Fatalf("invalid bytes not in job_type and fail_reason: %v", loose)
	}

	// Faults that render a job leave unknown ids to the normal answer.
	wantError(t, h.get(path("p", "missing")), 400, CodeInvalidJobID)
}

// liveHarness serves the harness over a real loopback listener, for faults
// that act on the connection.
func (h *harness) live() string {
	srv := httptest.NewServer(h.s.APIHandler())
	h.t.Cleanup(srv.Close)
	return srv.URL
}

func (h *harness) liveGet(ctx context.Context, base, p string) (*http.Response, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+p, nil)
	req.Header = h.signedRequest(p, testCred).Header
	return http.DefaultClient.Do(req)
}

// waitStatus waits for the stats to count an answer with the status; the
// handler records after the client has already seen the outcome.
func (h *harness) waitStatus(status int, n int64) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.s.Stats().ByStatus[status] < n {
		if time.Now().After(deadline) {
			h.t.Fatalf("stats never counted %d answers with status %d: %+v", n, status, h.s.Stats().ByStatus)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestHangFaults(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j"})
	base, p := h.live(), path("p", "j")

	// Held until the client gives up.
	h.setFaults(FaultRule{Kind: FaultHang})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_, err := h.liveGet(ctx, base, p)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang: %v", err)
	}
	h.waitStatus(0, 1)

	// Held until the server closes: the held request is answered 503.
	done := make(chan *http.Response)
	go func() {
		res, _ := h.liveGet(context.Background(), base, p)
		done <- res
	}()
	for h.s.Faults()[0].Used < 2 {
		time.Sleep(time.Millisecond)
	}
	h.s.Close()
	if res := <-done; res == nil || res.StatusCode != 503 {
		t.Fatalf("held request after Close: %v", res)
	}
}

func TestHangWithDelayAnswersGatewayTimeout(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j"})
	base, p := h.live(), path("p", "j")
	h.setFaults(FaultRule{Kind: FaultHang, Delay: dur(20 * time.Millisecond)}, FaultRule{Kind: FaultSlow, Delay: dur(20 * time.Millisecond)})
	start := time.Now()
	res, err := h.liveGet(context.Background(), base, p)
	if err != nil || res.StatusCode != http.StatusGatewayTimeout || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("hang with delay: %v %v after %v", res, err, time.Since(start))
	}
	if err := res.Body.Close(); err != nil {
		t.Fatal(err)
	}

	h.setFaults(FaultRule{Kind: FaultSlow, Delay: dur(20 * time.Millisecond)})
	start = time.Now()
	res, err = h.liveGet(context.Background(), base, p)
	if err != nil || res.StatusCode != http.StatusOK || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("slow: %v %v after %v", res, err, time.Since(start))
	}
	if err := res.Body.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestResetFault(t *testing.T) {
	h := newHarness(t, Config{})
	base := h.live()
	h.setFaults(FaultRule{Kind: FaultReset})
	res, err := h.liveGet(context.Background(), base, path("p", "j"))
	if err == nil {
		_ = res.Body.Close()
		t.Fatalf("reset: got an answer %d", res.StatusCode)
	}
	h.waitStatus(0, 1)
}

func TestHugeBodyIsStreamed(t *testing.T) {
	h := newHarness(t, Config{})
	base := h.live()
	h.setFaults(FaultRule{Kind: FaultHugeBody})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := h.liveGet(context.Background(), base, path("p", "j"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, res.Body)
	err = errors.Join(err, res.Body.Close())
	runtime.ReadMemStats(&after)
	if err != nil || n < DefaultHugeBodySize || res.ContentLength != -1 {
		t.Fatalf("huge body: %d bytes, length %d, %v", n, res.ContentLength, err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > DefaultHugeBodySize/4 {
		t.Fatalf("serving %d bytes allocated %d bytes", n, alloc)
	}
}

func TestDeepNesting(t *testing.T) {
	h := newHarness(t, Config{})
	h.setFaults(FaultRule{Kind: FaultDeepNesting, Depth: 20_000})
	r := h.get(path("p", "j"))
	if r.code != 200 || bytes.Count(r.raw, []byte(`{"a":`)) != 20_000 || bytes.Count(r.raw, []byte("}")) != 20_002 {
		t.Fatalf("deep nesting: %d, %d bytes", r.code, len(r.raw))
	}
	var v any
	if err := json.Unmarshal(r.raw, &v); err == nil {
		t.Fatal("encoding/json accepted 20,000 levels; the answer is not deep enough to test a limit")
	}
}

func TestManySubJobs(t *testing.T) {
	h := newHarness(t, Config{})
	h.add(JobSpec{Service: ServiceBMS, ProjectID: "p", JobID: "j"}, JobSpec{Service: ServiceELBv3, ProjectID: "p", JobID: "v3"})
	h.setFaults(FaultRule{Kind: FaultManySubJobs})
	r := h.get(path("p", "j"))
	e := r.body["entities"].(map[string]any)
	if subs := e["sub_jobs"].([]any); len(subs) != DefaultManySubJobs || e["sub_jobs_total"] != float64(DefaultManySubJobs) {
		t.Fatalf("many sub-jobs: %d listed, total %v", len(subs), e["sub_jobs_total"])
	}
	if r.body["job_id"] != "j" || r.body["status"] != StateSuccess {
		t.Fatalf("the job's own fields changed: %v %v", r.body["job_id"], r.body["status"])
	}
	h.setFaults(FaultRule{Kind: FaultManySubJobs, Entries: 3})
	r = h.get("/v3/p/elb/jobs/v3")
	if subs := r.body["job"].(map[string]any)["sub_jobs"].([]any); len(subs) != 3 || r.body["request_id"] == "" {
		t.Fatalf("elbv3 with many sub-jobs: %s", r.raw)
	}
}

func TestFaultRuleValidation(t *testing.T) {
	h := newHarness(t, Config{})
	for _, bad := range []FaultRule{
		{Kind: "boom"}, {Kind: FaultError, Probability: -0.1}, {Kind: FaultError, Status: 700},
		{Kind: FaultThrottle, Count: -1}, {Kind: FaultSlow, Delay: dur(-time.Second)}, {Kind: FaultError, JobID: "a/b"},
		{Kind: FaultHugeBody, Size: -1},
	} {
		if err := h.s.SetFaults([]FaultRule{bad}); err == nil {
			t.Errorf("SetFaults(%+v) succeeded", bad)
		}
	}
}
