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

package identity

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

// fakeCloud issues numbered keys that last lifetime, or fails as told. It
// stands in for IAM in these unit tests of the broker's timing; the
// controller's envtest suite runs the real calls against the simulator. With
// hold set, each call announces itself on started and waits for release.
type fakeCloud struct {
	mu       sync.Mutex
	clock    *clocktesting.FakeClock
	lifetime time.Duration
	calls    map[string]int
	fail     error
	idTokens []string
	hold     bool
	started  chan string
	release  chan struct{}
}

func (c *fakeCloud) keys(call string) (huaweicloud.TemporaryKeys, error) {
	c.mu.Lock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[call]++
	n, fail, hold := c.calls[call], c.fail, c.hold
	c.mu.Unlock()
	if hold {
		c.started <- call
		<-c.release
	}
	if fail != nil {
		return huaweicloud.TemporaryKeys{}, fail
	}
	return huaweicloud.TemporaryKeys{
		Credentials: signer.Credentials{AccessKey: fmt.Sprintf("AK%d", n), SecretKey: "SK", SecurityToken: "T"},
		Expires:     c.clock.Now().Add(c.lifetime),
	}, nil
}

// count is how many calls of a kind were made.
func (c *fakeCloud) count(call string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[call]
}

// holdCalls makes the next calls wait for release.
func (c *fakeCloud) holdCalls() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hold, c.started, c.release = true, make(chan string, 100), make(chan struct{})
}

func (c *fakeCloud) setFail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fail = err
}

func (c *fakeCloud) FederatedToken(_ context.Context, _, _, idToken, _ string) (string, error) {
	c.mu.Lock()
	c.idTokens = append(c.idTokens, idToken)
	fail := c.fail
	c.mu.Unlock()
	return "iam-token", fail
}

func (c *fakeCloud) exchanges() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.idTokens...)
}

func (c *fakeCloud) KeysFromToken(context.Context, string, string, time.Duration) (huaweicloud.TemporaryKeys, error) {
	return c.keys("token")
}

func (c *fakeCloud) AssumeAgencyIAM(context.Context, string, signer.Credentials, huaweicloud.Agency) (huaweicloud.TemporaryKeys, error) {
	return c.keys("iam")
}

func (c *fakeCloud) AssumeAgencySTS(context.Context, string, signer.Credentials, huaweicloud.Agency) (huaweicloud.TemporaryKeys, error) {
	return c.keys("sts")
}

func (c *fakeCloud) NodeKeys(context.Context, string) (huaweicloud.TemporaryKeys, error) {
	return c.keys("node")
}

// fakeAccount is the account every key of the fake cloud belongs to.
const fakeAccount = "operator-domain"

func (c *fakeCloud) CallerIdentity(context.Context, string, signer.Credentials) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls["caller-identity"]++
	return fakeAccount, nil
}

// TestAgencyInTheBaseAccountIsRefused: a source that may not act as its base
// identity is refused an agency of the base's own account, before any
// assume call, and gets an agency of another account.
func TestAgencyInTheBaseAccountIsRefused(t *testing.T) {
	b, cloud, _ := newBroker(t)
	own := federated
	own.Key, own.NotInBaseAccount, own.STSEndpoint = "own", true, "https://sts.example"
	own.ExternalID = func(context.Context) (string, error) { return "cloudjob-x", nil }
	own.Agency = &huaweicloud.Agency{Name: "platform", DomainID: fakeAccount}
	_, err := b.Credentials(context.Background(), own)
	var ie *Error
	if !errors.As(err, &ie) || !ie.Rejected || !strings.Contains(err.Error(), "operator's own account") {
		t.Fatalf("agency in the operator's own account: %v, want a rejection naming the account", err)
	}
	capitals := own
	capitals.Key, capitals.Agency = "capitals", &huaweicloud.Agency{Name: "platform", DomainID: strings.ToUpper(fakeAccount)}
	if _, err := b.Credentials(context.Background(), capitals); err == nil || !strings.Contains(err.Error(), "operator's own account") {
		t.Fatalf("the operator's own account spelled in capitals: %v, want the same refusal", err)
	}
	if cloud.calls["sts"] != 0 {
		t.Errorf("the agency was assumed %d times before the refusal", cloud.calls["sts"])
	}
	other := own
	other.Key, other.Agency = "other", &huaweicloud.Agency{Name: "tenant", DomainID: "tenant-domain"}
	if _, err := b.Credentials(context.Background(), other); err != nil {
		t.Fatalf("agency of another account: %v", err)
	}
	if cloud.calls["sts"] != 1 || cloud.calls["caller-identity"] != 3 {
		t.Errorf("calls %v, want one assume and three caller-identity", cloud.calls)
	}
}

// TestForgetOwnerDropsTheKeys: the keys of a source go with any object it is
// made of, so that a new object under the same name obtains its own.
func TestForgetOwnerDropsTheKeys(t *testing.T) {
	b, cloud, _ := newBroker(t)
	src := federated
	src.Owners = []string{"uid-1"}
	if _, err := b.Credentials(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	b.ForgetOwner("uid-2")
	if _, err := b.Credentials(context.Background(), src); err != nil || cloud.calls["token"] != 1 {
		t.Fatalf("another owner's deletion dropped the keys: %v, %d obtained", err, cloud.calls["token"])
	}
	b.ForgetOwner("uid-1")
	if _, err := b.Credentials(context.Background(), src); err != nil || cloud.calls["token"] != 2 {
		t.Fatalf("after the owner's deletion: %v, %d obtained, want new keys", err, cloud.calls["token"])
	}
}

func newBroker(t *testing.T) (*Broker, *fakeCloud, *clocktesting.FakeClock) {
	const lifetime = time.Hour
	clk := clocktesting.NewFakeClock(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	cloud := &fakeCloud{clock: clk, lifetime: lifetime}
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("id-token-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b := &Broker{Cloud: cloud, TokenFile: file, RejectedRetry: 5 * time.Minute, FailedRetry: 30 * time.Second,
		Now: clk.Now}
	return b, cloud, clk
}

// waitDeadline bounds every wait of these tests for something that happens
// in another goroutine: generous, so that only a hang reaches it.
const waitDeadline = 10 * time.Second

// settled waits until no attempt of the source is under way.
func settled(t *testing.T, b *Broker, key string) {
	t.Helper()
	b.mu.Lock()
	var a *attempt
	if e := b.entries[key]; e != nil {
		a = e.attempt
	}
	b.mu.Unlock()
	if a == nil {
		return
	}
	select {
	case <-a.done:
	case <-time.After(waitDeadline):
		t.Fatalf("the attempt for %s did not end within %s", key, waitDeadline)
	}
}

// credentialsAsync asks for keys in a goroutine; the answer comes on the
// returned channel.
func credentialsAsync(ctx context.Context, b *Broker, src Source) <-chan answer {
	ch := make(chan answer, 1)
	go func() {
		c, err := b.Credentials(ctx, src)
		ch <- answer{c, err}
	}()
	return ch
}

type answer struct {
	creds signer.Credentials
	err   error
}

func receive(t *testing.T, ch <-chan answer, what string) answer {
	t.Helper()
	select {
	case a := <-ch:
		return a
	case <-time.After(waitDeadline):
		t.Fatalf("%s: no answer within %s", what, waitDeadline)
		return answer{}
	}
}

var federated = Source{Key: "k", Name: "CloudCredentials ns/default", Federation: &Federation{IdentityProviderID: "idp", Duration: time.Hour}}

// TestKeysAreSharedAndRenewedEarly: keys are asked for once, shared, and
// renewed when a third of their life is left.
func TestKeysAreSharedAndRenewedEarly(t *testing.T) {
	b, cloud, clk := newBroker(t)
	for range 5 {
		if c, err := b.Credentials(context.Background(), federated); err != nil || c.AccessKey != "AK1" {
			t.Fatalf("Credentials = %v, %v", c.AccessKey, err)
		}
	}
	clk.Step(39 * time.Minute)
	if c, _ := b.Credentials(context.Background(), federated); c.AccessKey != "AK1" {
		t.Errorf("renewed at 39 of 60 minutes: %s", c.AccessKey)
	}
	clk.Step(2 * time.Minute) // 41: less than a third left
	if c, _ := b.Credentials(context.Background(), federated); c.AccessKey != "AK1" {
		t.Errorf("at 41 of 60 minutes: %s, want the kept keys while they are renewed", c.AccessKey)
	}
	settled(t, b, federated.Key)
	if c, _ := b.Credentials(context.Background(), federated); c.AccessKey != "AK2" {
		t.Errorf("not renewed at 41 of 60 minutes: %s", c.AccessKey)
	}
	if n := cloud.count("token"); n != 2 {
		t.Errorf("%d exchanges, want 2", n)
	}
	if exp := b.Expiry()[federated.Name]; !exp.Equal(clk.Now().Add(time.Hour)) {
		t.Errorf("expiry %v, want the renewed keys'", exp)
	}
}

// TestFailedRenewalKeepsTheOldKeys: a renewal that fails leaves the old keys
// in use while they last, and is retried after FailedRetry, not before.
func TestFailedRenewalKeepsTheOldKeys(t *testing.T) {
	b, cloud, clk := newBroker(t)
	if _, err := b.Credentials(context.Background(), federated); err != nil {
		t.Fatal(err)
	}
	cloud.setFail(&huaweicloud.Error{Class: huaweicloud.ErrUnavailable})
	clk.Step(45 * time.Minute)
	for range 3 {
		if c, err := b.Credentials(context.Background(), federated); err != nil || c.AccessKey != "AK1" {
			t.Fatalf("during a failed renewal: %v, %v; want the old keys", c.AccessKey, err)
		}
		settled(t, b, federated.Key)
	}
	if n := len(cloud.exchanges()); n != 2 {
		t.Errorf("%d attempts within FailedRetry, want 2 (the first and one renewal)", n)
	}
	cloud.setFail(nil)
	clk.Step(31 * time.Second)
	_, _ = b.Credentials(context.Background(), federated)
	settled(t, b, federated.Key)
	if c, _ := b.Credentials(context.Background(), federated); c.AccessKey != "AK2" {
		t.Errorf("after FailedRetry: %s, want new keys", c.AccessKey)
	}
}

// TestRejectedIdentityIsNotAskedAgainSoon: a rejection is remembered for
// RejectedRetry.
func TestRejectedIdentityIsNotAskedAgainSoon(t *testing.T) {
	b, cloud, clk := newBroker(t)
	cloud.setFail(&huaweicloud.Error{Class: huaweicloud.ErrAuthenticationFailed, HTTPStatus: 401})
	for range 4 {
		_, err := b.Credentials(context.Background(), federated)
		var ie *Error
		if !errors.As(err, &ie) || !ie.Rejected {
			t.Fatalf("err = %v, want a rejection", err)
		}
	}
	if n := len(cloud.exchanges()); n != 1 {
		t.Errorf("%d attempts, want 1 within RejectedRetry", n)
	}
	cloud.setFail(nil)
	clk.Step(5 * time.Minute)
	if c, err := b.Credentials(context.Background(), federated); err != nil || c.AccessKey != "AK1" {
		t.Errorf("after RejectedRetry: %v, %v", c.AccessKey, err)
	}
}

// TestForgetAsksAgain: keys the cloud rejected are dropped.
func TestForgetAsksAgain(t *testing.T) {
	b, _, _ := newBroker(t)
	c, _ := b.Credentials(context.Background(), federated)
	b.Forget(federated.Key, c.AccessKey)
	if c, _ := b.Credentials(context.Background(), federated); c.AccessKey != "AK2" {
		t.Errorf("after Forget: %s, want new keys", c.AccessKey)
	}
}

// TestTokenFileIsReadAtEachExchange: a rotated token is used at the next
// exchange.
func TestTokenFileIsReadAtEachExchange(t *testing.T) {
	b, cloud, clk := newBroker(t)
	_, _ = b.Credentials(context.Background(), federated)
	if err := os.WriteFile(b.TokenFile, []byte("id-token-2"), 0o600); err != nil {
		t.Fatal(err)
	}
	clk.Step(50 * time.Minute)
	_, _ = b.Credentials(context.Background(), federated)
	settled(t, b, federated.Key)
	if got := cloud.exchanges(); len(got) != 2 || got[0] != "id-token-1" || got[1] != "id-token-2" {
		t.Errorf("ID tokens sent %v, want the file's at each exchange", got)
	}
}

// TestAgencyOnEachBase: an agency is assumed through STS when it has an
// external id, else through IAM; static, federated and node bases all work.
func TestAgencyOnEachBase(t *testing.T) {
	b, cloud, _ := newBroker(t)
	static := signer.Credentials{AccessKey: "BASE", SecretKey: "S"}
	agency := &huaweicloud.Agency{Name: "ops", DomainID: "d"}
	external := func(context.Context) (string, error) { return "x", nil }
	for i, src := range []Source{
		{Key: "1", Static: &static, Agency: agency},
		{Key: "2", Static: &static, Agency: agency, ExternalID: external},
		{Key: "3", Federation: federated.Federation, Agency: agency},
		{Key: "4", NodeMetadata: true, Agency: agency},
		{Key: "5", NodeMetadata: true},
	} {
		if _, err := b.Credentials(context.Background(), src); err != nil {
			t.Errorf("source %d: %v", i+1, err)
		}
	}
	want := map[string]int{"iam": 3, "sts": 1, "token": 1, "node": 2}
	for call, n := range want {
		if got := cloud.count(call); got != n {
			t.Errorf("%s calls %d, want %d", call, got, n)
		}
	}
}

// TestUnusedSourcesAreDropped: keys nothing asked for in an hour are dropped
// with their source.
func TestUnusedSourcesAreDropped(t *testing.T) {
	b, _, clk := newBroker(t)
	_, _ = b.Credentials(context.Background(), federated)
	clk.Step(unusedAfter + 2*time.Minute)
	other := Source{Key: "other", Name: "CloudCredentials ns/other", NodeMetadata: true}
	_, _ = b.Credentials(context.Background(), other)
	if exp := b.Expiry(); len(exp) != 1 || exp[other.Name].IsZero() {
		t.Errorf("kept sources %v, want only the one in use", exp)
	}
}

// TestRenewalDoesNotHoldCallersBack: while a renewal waits on a slow IAM,
// every caller gets the kept keys at once, one renewal runs, and the expiry
// metric still reports the source; the renewed keys are used once they come.
func TestRenewalDoesNotHoldCallersBack(t *testing.T) {
	b, cloud, clk := newBroker(t)
	if c, err := b.Credentials(context.Background(), federated); err != nil || c.AccessKey != "AK1" {
		t.Fatalf("first keys: %v, %v", c.AccessKey, err)
	}
	clk.Step(45 * time.Minute) // past the renewal time, the keys still usable
	cloud.holdCalls()
	for i := range 10 {
		a := receive(t, credentialsAsync(context.Background(), b, federated), fmt.Sprintf("caller %d during the renewal", i+1))
		if a.err != nil || a.creds.AccessKey != "AK1" {
			t.Fatalf("caller %d during the renewal: %v, %v; want the kept keys", i+1, a.creds.AccessKey, a.err)
		}
	}
	select {
	case <-cloud.started:
	case <-time.After(waitDeadline):
		t.Fatal("no renewal started")
	}
	if _, ok := b.Expiry()[federated.Name]; !ok {
		t.Error("the expiry metric lost the source while its keys were being renewed")
	}
	close(cloud.release)
	settled(t, b, federated.Key)
	if n := cloud.count("token"); n != 2 {
		t.Errorf("%d key requests for eleven callers, want 2 (the first keys and one renewal)", n)
	}
	if c, _ := b.Credentials(context.Background(), federated); c.AccessKey != "AK2" {
		t.Errorf("after the renewal: %s, want the new keys", c.AccessKey)
	}
}

// TestCallersWithoutKeysShareOneAttempt: callers with no usable keys wait
// for the one attempt under way rather than each starting one, and a caller
// whose context ends stops waiting at once.
func TestCallersWithoutKeysShareOneAttempt(t *testing.T) {
	b, cloud, _ := newBroker(t)
	cloud.holdCalls()
	var waiting []<-chan answer
	for range 10 {
		waiting = append(waiting, credentialsAsync(context.Background(), b, federated))
	}
	select {
	case <-cloud.started:
	case <-time.After(waitDeadline):
		t.Fatal("no attempt started")
	}
	ctx, cancel := context.WithCancel(context.Background())
	gone := credentialsAsync(ctx, b, federated)
	cancel()
	if a := receive(t, gone, "a caller whose context ended"); !errors.Is(a.err, context.Canceled) {
		t.Errorf("a caller whose context ended: %v, %v; want its context's error", a.creds.AccessKey, a.err)
	}
	close(cloud.release)
	for i, ch := range waiting {
		if a := receive(t, ch, fmt.Sprintf("caller %d", i+1)); a.err != nil || a.creds.AccessKey != "AK1" {
			t.Errorf("caller %d: %v, %v; want the keys of the one attempt", i+1, a.creds.AccessKey, a.err)
		}
	}
	if n := cloud.count("token"); n != 1 {
		t.Errorf("%d key requests for ten callers, want 1", n)
	}
}

// TestForgetDropsOnlyTheRejectedKeys: jobs rejected with keys that were
// replaced since do not drop the new ones, so many rejections of the same
// keys cost one new attempt.
func TestForgetDropsOnlyTheRejectedKeys(t *testing.T) {
	b, cloud, _ := newBroker(t)
	rejected, _ := b.Credentials(context.Background(), federated)
	b.Forget(federated.Key, rejected.AccessKey)
	renewed, _ := b.Credentials(context.Background(), federated)
	for range 5 { // other jobs that polled with the rejected keys
		b.Forget(federated.Key, rejected.AccessKey)
	}
	if c, _ := b.Credentials(context.Background(), federated); c.AccessKey != renewed.AccessKey {
		t.Errorf("keys %s after later rejections of %s, want %s kept", c.AccessKey, rejected.AccessKey, renewed.AccessKey)
	}
	if n := cloud.count("token"); n != 2 {
		t.Errorf("%d key requests, want 2 (the first keys and one after the rejection)", n)
	}
}

// fakeGate admits one call at a time per set of keys and, after a
// rejection, none; it counts what it was asked.
type fakeGate struct {
	mu       sync.Mutex
	busy     bool
	rejected bool
	admitted int
	held     int
}

func (g *fakeGate) Admit(signer.Credentials) Admission {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.rejected:
		g.held++
		return Admission{Wait: time.Minute, Rejected: true}
	case g.busy:
		return Admission{Wait: time.Millisecond}
	}
	g.busy = true
	g.admitted++
	return Admission{Done: func(err error) {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.busy = false
		g.rejected = huaweicloud.ClassOf(err) == huaweicloud.ErrAuthenticationFailed
	}}
}

// TestAgencyCallsWithStaticKeysPassTheGate: six sources assuming agencies
// with the same wrong static key send one signed call, not six: the others
// are held back, rejected, with a message saying why. Agencies assumed with
// temporary base keys (new at every attempt) are not gated.
func TestAgencyCallsWithStaticKeysPassTheGate(t *testing.T) {
	b, cloud, _ := newBroker(t)
	gate := &fakeGate{}
	b.Gate = gate
	cloud.setFail(&huaweicloud.Error{Class: huaweicloud.ErrAuthenticationFailed, HTTPStatus: 401, Code: "APIGW.0301"})
	wrong := signer.Credentials{AccessKey: "SHARED", SecretKey: "wrong"}
	var answers []<-chan answer
	for i := range 6 {
		src := Source{Key: fmt.Sprintf("cc-%d", i), Name: fmt.Sprintf("CloudCredentials ns/cc-%d", i), Static: &wrong,
			Agency: &huaweicloud.Agency{Name: "ops", DomainID: "tenant"}}
		answers = append(answers, credentialsAsync(context.Background(), b, src))
	}
	notSent := 0
	for i, ch := range answers {
		a := receive(t, ch, fmt.Sprintf("source %d", i))
		var ie *Error
		if !errors.As(a.err, &ie) || !ie.Rejected {
			t.Fatalf("source %d: %v; want a rejection", i, a.err)
		}
		if strings.Contains(ie.Error(), "not sent") {
			notSent++
			if !strings.Contains(ie.Error(), "assuming agency ops through IAM") || !strings.Contains(ie.Error(), "locks an access key") {
				t.Errorf("message %q does not say which step was held back and why", ie.Error())
			}
		}
	}
	if n := cloud.count("iam"); n != 1 || notSent != 5 {
		t.Errorf("%d signed calls with the wrong key and %d held back, want 1 and 5", n, notSent)
	}
	// The same agency assumed from the node's keys goes without the gate.
	cloud.setFail(nil)
	node := Source{Key: "node", Name: "ClusterCloudCredentials node", NodeMetadata: true, Agency: &huaweicloud.Agency{Name: "ops", DomainID: "tenant"}}
	if _, err := b.Credentials(context.Background(), node); err != nil {
		t.Errorf("agency on node keys: %v", err)
	}
	if gate.admitted+gate.held != 6 {
		t.Errorf("the gate was asked %d times, want 6 (the static sources only)", gate.admitted+gate.held)
	}
}

// TestAGatedCallWaitsForTheOneUnderWay: a source whose static keys are being
// tried by another source's call waits for it, then goes.
func TestAGatedCallWaitsForTheOneUnderWay(t *testing.T) {
	b, cloud, _ := newBroker(t)
	b.Gate = &fakeGate{}
	static := signer.Credentials{AccessKey: "SHARED", SecretKey: "right"}
	src := func(key string) Source {
		return Source{Key: key, Name: "CloudCredentials ns/" + key, Static: &static, Agency: &huaweicloud.Agency{Name: "ops", DomainID: "tenant"}}
	}
	cloud.holdCalls()
	first := credentialsAsync(context.Background(), b, src("a"))
	select {
	case <-cloud.started:
	case <-time.After(waitDeadline):
		t.Fatal("the first call did not start")
	}
	second := credentialsAsync(context.Background(), b, src("b"))
	close(cloud.release)
	for name, ch := range map[string]<-chan answer{"a": first, "b": second} {
		if a := receive(t, ch, name); a.err != nil {
			t.Errorf("source %s: %v", name, a.err)
		}
	}
	if n := cloud.count("iam"); n != 2 {
		t.Errorf("%d calls, want 2 (one after the other)", n)
	}
}

// TestExpiryReportsOneCurrentValuePerSource: the expiry metric has one value
// per source name, the latest of the usable keys of that name; keys nobody
// asked for since their renewal was due, and expired ones, are not reported.
func TestExpiryReportsOneCurrentValuePerSource(t *testing.T) {
	b, _, clk := newBroker(t)
	t0 := clk.Now()
	same := "CloudCredentials ns/rotated"
	older := Source{Key: "before-the-secret-changed", Name: same, Federation: federated.Federation}
	newer := Source{Key: "after-the-secret-changed", Name: same, Federation: federated.Federation}
	idle := Source{Key: "idle", Name: "CloudCredentials ns/idle", Federation: federated.Federation}
	for _, src := range []Source{older, idle} {
		if _, err := b.Credentials(context.Background(), src); err != nil {
			t.Fatal(err)
		}
	}
	clk.Step(10 * time.Minute)
	if _, err := b.Credentials(context.Background(), newer); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		exp := b.Expiry()
		if !exp[same].Equal(t0.Add(70*time.Minute)) || !exp[idle.Name].Equal(t0.Add(time.Hour)) {
			t.Fatalf("expiry %v; want %s at the newer keys' (+70m) and %s at +60m", exp, same, idle.Name)
		}
	}
	// 45 minutes in: the older keys and the idle source's were due for
	// renewal 5 minutes ago and nobody asked for them since.
	clk.Step(35 * time.Minute)
	if _, err := b.Credentials(context.Background(), newer); err != nil {
		t.Fatal(err)
	}
	if exp := b.Expiry(); len(exp) != 1 || !exp[same].Equal(t0.Add(70*time.Minute)) {
		t.Errorf("expiry at 45m %v; want only %s at +70m", exp, same)
	}
	// 75 minutes in: every key expired.
	clk.Step(30 * time.Minute)
	if exp := b.Expiry(); len(exp) != 0 {
		t.Errorf("expiry at 75m %v; want none, every key expired", exp)
	}
}
