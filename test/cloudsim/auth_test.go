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
	"strings"
	"testing"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

var wrongSecret = Credential{AccessKey: testCred.AccessKey, SecretKey: "not-the-secret"}

func TestAuthenticationFailures(t *testing.T) {
	h := newHarness(t, Config{MaxAuthFailures: 100})
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j"})
	p := path("p", "j")

	wantError(t, h.do(h.signedRequest(p, wrongSecret)), http.StatusUnauthorized, CodeAuthFailed)
	wantError(t, h.do(h.signedRequest(p, Credential{AccessKey: "nobody", SecretKey: "x"})), http.StatusUnauthorized, CodeAuthFailed)

	unsigned, _ := http.NewRequest(http.MethodGet, "http://sim.test"+p, nil)
	r := h.do(unsigned)
	wantError(t, r, http.StatusUnauthorized, CodeAuthFailed)
	if msg := r.body["error_msg"].(string); !strings.HasPrefix(msg, "Incorrect IAM authentication information: ") || r.body["request_id"] != r.header.Get("X-Request-Id") {
		t.Errorf("401 body: %s", r.raw)
	}

	// A signature over another path does not verify.
	tampered := h.signedRequest(p, testCred)
	tampered.URL.Path = path("p", "other")
	wantError(t, h.do(tampered), http.StatusUnauthorized, CodeAuthFailed)

	// Leaving the date out of the signed headers is refused even when the
	// signature matches.
	undated := h.signedRequest(p, testCred)
	undated.Header.Set("Authorization", strings.Replace(undated.Header.Get("Authorization"), "SignedHeaders=x-sdk-date", "SignedHeaders=", 1))
	wantError(t, h.do(undated), http.StatusUnauthorized, CodeAuthFailed)

	if r := h.get(p); r.code != http.StatusOK {
		t.Fatalf("correctly signed: %d %s", r.code, r.raw)
	}
}

// TestTemporaryKeysNeedTheirToken: a key registered with a security token
// (issued by STS) authenticates only with that token, and a wrong or missing
// token counts toward the key's lock like a wrong signature.
func TestTemporaryKeysNeedTheirToken(t *testing.T) {
	h := newHarness(t, Config{MaxAuthFailures: 2})
	temp := Credential{AccessKey: "temp-ak", SecretKey: "temp-sk", SecurityToken: "token-1"}
	if err := h.s.AddCredentials(temp); err != nil {
		t.Fatal(err)
	}
	if s := temp.String(); strings.Contains(s, "token-1") || strings.Contains(s, "temp-sk") {
		t.Errorf("String() shows a secret: %s", s)
	}
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j"})
	p := path("p", "j")
	if r := h.do(h.signedRequest(p, temp)); r.code != http.StatusOK {
		t.Fatalf("with its token: %d %s", r.code, r.raw)
	}
	expired := temp
	expired.SecurityToken = "token-0"
	r := h.do(h.signedRequest(p, expired))
	wantError(t, r, http.StatusUnauthorized, CodeAuthFailed)
	if msg, _ := r.body["error_msg"].(string); !strings.Contains(msg, "security token") {
		t.Errorf("401 for a wrong token says %q", msg)
	}
	noToken := temp
	noToken.SecurityToken = ""
	wantError(t, h.do(h.signedRequest(p, noToken)), http.StatusUnauthorized, CodeAuthFailed)
	wantError(t, h.do(h.signedRequest(p, expired)), http.StatusUnauthorized, CodeAuthFailed)
	if st := h.s.Stats().AccessKeys["temp-ak"]; st.AuthFailures != 3 || !st.Locked {
		t.Errorf("after 3 failures with MaxAuthFailures 2: %+v, want the key locked", st)
	}
}

func TestClockSkewUsesTheWallClock(t *testing.T) {
	// With a time scale the simulated clock runs ahead; the date check must
	// still compare with the real clock.
	h := newHarness(t, Config{TimeScale: 1000})
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j", Running: dur(24 * time.Hour)})
	p := path("p", "j")
	h.clock.Step(time.Minute) // 1000 simulated minutes
	if r := h.get(p); r.code != http.StatusOK {
		t.Fatalf("request dated now: %d %s", r.code, r.raw)
	}
	signedAt := func(offset time.Duration) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, "http://sim.test"+p, nil)
		at := h.clock.Now().Add(offset)
		sg := signer.Signer{Now: func() time.Time { return at }}
		if err := sg.Sign(req, nil, signer.Credentials{AccessKey: testCred.AccessKey, SecretKey: testCred.SecretKey}); err != nil {
			t.Fatal(err)
		}
		return req
	}
	for _, off := range []time.Duration{15 * time.Minute, -15 * time.Minute} {
		if r := h.do(signedAt(off)); r.code != http.StatusOK {
			t.Errorf("date %v off: %d %s", off, r.code, r.raw)
		}
	}
	for _, off := range []time.Duration{15*time.Minute + time.Second, -15*time.Minute - time.Second} {
		wantError(t, h.do(signedAt(off)), http.StatusUnauthorized, CodeAuthExpired)
	}
}

func TestKeyLock(t *testing.T) {
	h := newHarness(t, Config{TimeScale: 60})
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j", Running: dur(24 * time.Hour)})
	p := path("p", "j")
	fail := func(n int) {
		t.Helper()
		for range n {
			wantError(t, h.do(h.signedRequest(p, wrongSecret)), http.StatusUnauthorized, CodeAuthFailed)
		}
	}
	// Five failures in a row are tolerated, and a success resets the run.
	fail(5)
	if r := h.get(p); r.code != http.StatusOK {
		t.Fatalf("after 5 failures: %d %s", r.code, r.raw)
	}
	fail(5)
	if r := h.get(p); r.code != http.StatusOK {
		t.Fatalf("after a success and 5 more failures: %d %s", r.code, r.raw)
	}
	// The sixth consecutive failure locks the key: correct requests are
	// refused too.
	fail(6)
	r := h.get(p)
	wantError(t, r, http.StatusUnauthorized, CodeAuthFailed)
	if !strings.Contains(r.body["error_msg"].(string), "locked") {
		t.Errorf("locked answer: %s", r.raw)
	}
	if !h.s.Stats().AccessKeys[testCred.AccessKey].Locked {
		t.Errorf("stats do not show the lock")
	}
	// Other keys are not affected.
	other := Credential{AccessKey: "other", SecretKey: "other-sk"}
	if err := h.s.AddCredentials(other); err != nil {
		t.Fatal(err)
	}
	if r := h.do(h.signedRequest(p, other)); r.code != http.StatusOK {
		t.Fatalf("another key during the lock: %d", r.code)
	}
	// The lock lasts five simulated minutes: five real seconds at scale 60.
	h.clock.Step(5*time.Second - time.Millisecond)
	wantError(t, h.get(p), http.StatusUnauthorized, CodeAuthFailed)
	h.clock.Step(time.Millisecond)
	if r := h.get(p); r.code != http.StatusOK {
		t.Fatalf("after the lock: %d %s", r.code, r.raw)
	}
	if st := h.s.Stats().AccessKeys[testCred.AccessKey]; st.Locked || st.AuthFailures != 18 {
		t.Errorf("key stats after the lock: %+v", st)
	}
}

func TestQuota(t *testing.T) {
	h := newHarness(t, Config{RequestsPerMinute: 3, TimeScale: 2})
	h.add(JobSpec{Service: ServiceECS, ProjectID: "p", JobID: "j"})
	p := path("p", "j")
	for i := range 3 {
		if r := h.get(p); r.code != http.StatusOK {
			t.Fatalf("request %d within the quota: %d", i, r.code)
		}
	}
	r := h.get(p)
	wantError(t, r, http.StatusTooManyRequests, CodeThrottled)
	if r.body["error_msg"] != "The throttling threshold has been reached" {
		t.Errorf("429 body: %s", r.raw)
	}
	// One token comes back every 20 simulated seconds: 10 real seconds at
	// scale 2.
	if got := r.header.Get("Retry-After"); got != "10" {
		t.Errorf("Retry-After = %q, want 10", got)
	}
	// The quota is per key.
	other := Credential{AccessKey: "other", SecretKey: "other-sk"}
	if err := h.s.AddCredentials(other); err != nil {
		t.Fatal(err)
	}
	if r := h.do(h.signedRequest(p, other)); r.code != http.StatusOK {
		t.Fatalf("another key: %d", r.code)
	}
	h.clock.Step(10*time.Second - time.Millisecond)
	wantError(t, h.get(p), http.StatusTooManyRequests, CodeThrottled)
	h.clock.Step(time.Millisecond)
	if r := h.get(p); r.code != http.StatusOK {
		t.Fatalf("after a token came back: %d", r.code)
	}
	wantError(t, h.get(p), http.StatusTooManyRequests, CodeThrottled)
	// Failed authentication spends no quota.
	h.clock.Step(time.Minute)
	for range 5 {
		h.do(h.signedRequest(p, wrongSecret))
	}
	for i := range 3 {
		if r := h.get(p); r.code != http.StatusOK {
			t.Fatalf("request %d after refill: %d", i, r.code)
		}
	}
	st := h.s.Stats()
	if st.Throttled != 3 || st.ByStatus[http.StatusTooManyRequests] != 3 || st.AccessKeys[testCred.AccessKey].Throttled != 3 || st.Jobs[0].Throttled != 3 {
		t.Errorf("throttle stats: %+v", st)
	}
}

func TestQuotaDisabled(t *testing.T) {
	h := newHarness(t, Config{RequestsPerMinute: -1})
	for range 50 {
		if r := h.get("/v1/p/jobs/j"); r.code == http.StatusTooManyRequests {
			t.Fatal("throttled without a quota")
		}
	}
}
