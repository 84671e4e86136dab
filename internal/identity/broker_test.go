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

	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

// fakeCloud issues numbered keys that last lifetime, or fails as told. It
// stands in for IAM in these unit tests of the broker's timing; the
// controller's envtest suite runs the real calls against the simulator.
type fakeCloud struct {
	mu       sync.Mutex
	now      *time.Time
	lifetime time.Duration
	calls    map[string]int
	fail     error
	idTokens []string
}

func (c *fakeCloud) keys(call string) (huaweicloud.TemporaryKeys, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[call]++
	if c.fail != nil {
		return huaweicloud.TemporaryKeys{}, c.fail
	}
	n := c.calls[call]
	return huaweicloud.TemporaryKeys{
		Credentials: signer.Credentials{AccessKey: fmt.Sprintf("AK%d", n), SecretKey: "SK", SecurityToken: "T"},
		Expires:     c.now.Add(c.lifetime),
	}, nil
}

func (c *fakeCloud) FederatedToken(_ context.Context, _, _, idToken, _ string) (string, error) {
	c.mu.Lock()
	c.idTokens = append(c.idTokens, idToken)
	fail := c.fail
	c.mu.Unlock()
	return "iam-token", fail
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
	if cloud.calls["sts"] != 0 {
		t.Errorf("the agency was assumed %d times before the refusal", cloud.calls["sts"])
	}
	other := own
	other.Key, other.Agency = "other", &huaweicloud.Agency{Name: "tenant", DomainID: "tenant-domain"}
	if _, err := b.Credentials(context.Background(), other); err != nil {
		t.Fatalf("agency of another account: %v", err)
	}
	if cloud.calls["sts"] != 1 || cloud.calls["caller-identity"] != 2 {
		t.Errorf("calls %v, want one assume and two caller-identity", cloud.calls)
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

func newBroker(t *testing.T) (*Broker, *fakeCloud, *time.Time) {
	const lifetime = time.Hour
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	cloud := &fakeCloud{now: &now, lifetime: lifetime}
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("id-token-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b := &Broker{Cloud: cloud, TokenFile: file, RejectedRetry: 5 * time.Minute, FailedRetry: 30 * time.Second,
		Now: func() time.Time { return now }}
	return b, cloud, &now
}

var federated = Source{Key: "k", Name: "CloudCredentials ns/default", Federation: &Federation{IdentityProviderID: "idp", Duration: time.Hour}}

// TestKeysAreSharedAndRenewedEarly: keys are asked for once, shared, and
// renewed when a third of their life is left.
func TestKeysAreSharedAndRenewedEarly(t *testing.T) {
	b, cloud, now := newBroker(t)
	for range 5 {
		if c, err := b.Credentials(context.Background(), federated); err != nil || c.AccessKey != "AK1" {
			t.Fatalf("Credentials = %v, %v", c.AccessKey, err)
		}
	}
	*now = now.Add(39 * time.Minute)
	if c, _ := b.Credentials(context.Background(), federated); c.AccessKey != "AK1" {
		t.Errorf("renewed at 39 of 60 minutes: %s", c.AccessKey)
	}
	*now = now.Add(2 * time.Minute) // 41: less than a third left
	if c, _ := b.Credentials(context.Background(), federated); c.AccessKey != "AK2" {
		t.Errorf("not renewed at 41 of 60 minutes: %s", c.AccessKey)
	}
	if cloud.calls["token"] != 2 {
		t.Errorf("%d exchanges, want 2", cloud.calls["token"])
	}
	if exp := b.Expiry()[federated.Name]; !exp.Equal(now.Add(time.Hour)) {
		t.Errorf("expiry %v, want the renewed keys'", exp)
	}
}

// TestFailedRenewalKeepsTheOldKeys: a renewal that fails leaves the old keys
// in use while they last, and is retried after FailedRetry, not before.
func TestFailedRenewalKeepsTheOldKeys(t *testing.T) {
	b, cloud, now := newBroker(t)
	if _, err := b.Credentials(context.Background(), federated); err != nil {
		t.Fatal(err)
	}
	cloud.fail = &huaweicloud.Error{Class: huaweicloud.ErrUnavailable}
	*now = now.Add(45 * time.Minute)
	for range 3 {
		if c, err := b.Credentials(context.Background(), federated); err != nil || c.AccessKey != "AK1" {
			t.Fatalf("during a failed renewal: %v, %v; want the old keys", c.AccessKey, err)
		}
	}
	if n := len(cloud.idTokens); n != 2 {
		t.Errorf("%d attempts within FailedRetry, want 2 (the first and one renewal)", n)
	}
	cloud.fail = nil
	*now = now.Add(31 * time.Second)
	if c, _ := b.Credentials(context.Background(), federated); c.AccessKey != "AK2" {
		t.Errorf("after FailedRetry: %s, want new keys", c.AccessKey)
	}
}

// TestRejectedIdentityIsNotAskedAgainSoon: a rejection is remembered for
// RejectedRetry.
func TestRejectedIdentityIsNotAskedAgainSoon(t *testing.T) {
	b, cloud, now := newBroker(t)
	cloud.fail = &huaweicloud.Error{Class: huaweicloud.ErrAuthenticationFailed, HTTPStatus: 401}
	for range 4 {
		_, err := b.Credentials(context.Background(), federated)
		var ie *Error
		if !errors.As(err, &ie) || !ie.Rejected {
			t.Fatalf("err = %v, want a rejection", err)
		}
	}
	if n := len(cloud.idTokens); n != 1 {
		t.Errorf("%d attempts, want 1 within RejectedRetry", n)
	}
	cloud.fail = nil
	*now = now.Add(5 * time.Minute)
	if c, err := b.Credentials(context.Background(), federated); err != nil || c.AccessKey != "AK1" {
		t.Errorf("after RejectedRetry: %v, %v", c.AccessKey, err)
	}
}

// TestForgetAsksAgain: keys the cloud rejected are dropped.
func TestForgetAsksAgain(t *testing.T) {
	b, _, _ := newBroker(t)
	_, _ = b.Credentials(context.Background(), federated)
	b.Forget(federated.Key)
	if c, _ := b.Credentials(context.Background(), federated); c.AccessKey != "AK2" {
		t.Errorf("after Forget: %s, want new keys", c.AccessKey)
	}
}

// TestTokenFileIsReadAtEachExchange: a rotated token is used at the next
// exchange.
func TestTokenFileIsReadAtEachExchange(t *testing.T) {
	b, cloud, now := newBroker(t)
	_, _ = b.Credentials(context.Background(), federated)
	if err := os.WriteFile(b.TokenFile, []byte("id-token-2"), 0o600); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(50 * time.Minute)
	_, _ = b.Credentials(context.Background(), federated)
	if got := cloud.idTokens; len(got) != 2 || got[0] != "id-token-1" || got[1] != "id-token-2" {
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
		if cloud.calls[call] != n {
			t.Errorf("%s calls %d, want %d (all: %v)", call, cloud.calls[call], n, cloud.calls)
		}
	}
}

// TestUnusedSourcesAreDropped: keys nothing asked for in an hour are dropped
// with their source.
func TestUnusedSourcesAreDropped(t *testing.T) {
	b, _, now := newBroker(t)
	_, _ = b.Credentials(context.Background(), federated)
	*now = now.Add(unusedAfter + 2*time.Minute)
	other := Source{Key: "other", Name: "CloudCredentials ns/other", NodeMetadata: true}
	_, _ = b.Credentials(context.Background(), other)
	if exp := b.Expiry(); len(exp) != 1 || exp[other.Name].IsZero() {
		t.Errorf("kept sources %v, want only the one in use", exp)
	}
}
