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

package controller

import (
	"fmt"
	"testing"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/internal/huaweicloud"
	"github.com/cloudjob-operator/cloudjob-operator/internal/poll"
	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"

	"k8s.io/apimachinery/pkg/types"
)

func TestAuthGateProbesOneAtATimePerAccessKey(t *testing.T) {
	g := newAuthGate()
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	wrong := credentialsOf(signer.Credentials{AccessKey: "AK1", SecretKey: "wrong"})
	alsoWrong := credentialsOf(signer.Credentials{AccessKey: "AK1", SecretKey: "wrong\n"})
	other := credentialsOf(signer.Credentials{AccessKey: "AK2", SecretKey: "sk"})

	probe := g.admit(wrong, t0, nobody)
	if !probe.admitted() || !probe.probe {
		t.Fatalf("first request: %+v; want a probe at once", probe)
	}
	if a := g.admit(alsoWrong, t0, nobody); a.admitted() || a.wait != probeWait || a.rejected {
		t.Errorf("another unproven set of the same access key during the probe: %+v, want to wait %s", a, probeWait)
	}
	if a := g.admit(other, t0, nobody); !a.admitted() {
		t.Errorf("another access key waits for the probe: %+v", a)
	}

	g.settle(probe.ticket, authRejected, t0, 5*time.Minute)
	if a := g.admit(wrong, t0.Add(time.Minute), nobody); a.wait != 4*time.Minute || !a.rejected {
		t.Errorf("the rejected set a minute later: %+v, want held back 4m", a)
	}
	// Changed credentials (the Secret edited) are tried at once, one request at
	// a time.
	edited := g.admit(alsoWrong, t0.Add(time.Minute), nobody)
	if !edited.admitted() || !edited.probe {
		t.Fatalf("an edited set after a rejection: %+v, want a probe at once", edited)
	}
	if g.admit(alsoWrong, t0.Add(time.Minute), nobody).admitted() {
		t.Error("two probes of one access key at once")
	}
	g.settle(edited.ticket, authRejected, t0.Add(time.Minute), 5*time.Minute)
	// Each rejected set waits its own interval.
	later := t0.Add(5 * time.Minute)
	if a := g.admit(alsoWrong, later, nobody); !a.rejected || a.wait != time.Minute {
		t.Errorf("the edited set at 5m: %+v, want held back another minute", a)
	}
	probe = g.admit(wrong, later, nobody)
	if !probe.admitted() || !probe.probe {
		t.Fatalf("the first set after its interval: %+v, want a probe", probe)
	}
	g.settle(probe.ticket, authUnknown, later, 5*time.Minute)
	if a := g.admit(wrong, later, nobody); !a.admitted() {
		t.Errorf("a probe that proved nothing holds the key back: %+v", a)
	}
}

func TestAuthGateBoundsRequestsWithAcceptedCredentials(t *testing.T) {
	g := newAuthGate()
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	good := credentialsOf(signer.Credentials{AccessKey: "AK", SecretKey: "sk"})
	g.settle(g.admit(good, t0, nobody).ticket, authAccepted, t0, time.Minute)

	var tickets []ticket
	for i := range maxInFlightPerKey {
		a := g.admit(good, t0, nobody)
		if !a.admitted() || a.probe {
			t.Fatalf("request %d with accepted credentials: %+v", i, a)
		}
		tickets = append(tickets, a.ticket)
	}
	if a := g.admit(good, t0, nobody); a.admitted() || a.wait != probeWait {
		t.Errorf("request %d under way: %+v, want to wait %s (fewer than the failures that lock the key)", maxInFlightPerKey+1, a, probeWait)
	}
	// The key stops working: the first rejection holds it back, and the next try
	// after the interval is a probe.
	for _, tk := range tickets {
		g.settle(tk, authRejected, t0, time.Minute)
	}
	if a := g.admit(good, t0.Add(time.Second), nobody); !a.rejected || a.wait != 59*time.Second {
		t.Errorf("after rejections: %+v", a)
	}
	if a := g.admit(good, t0.Add(time.Minute), nobody); !a.admitted() || !a.probe {
		t.Errorf("after the interval: %+v; want a probe", a)
	}
}

func TestAuthGateForgetsKeysNobodyUses(t *testing.T) {
	g := newAuthGate()
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for i := range 1000 {
		c := credentialsOf(signer.Credentials{AccessKey: fmt.Sprintf("TEMP%d", i), SecretKey: "sk", SecurityToken: "token"})
		g.settle(g.admit(c, t0, nobody).ticket, authAccepted, t0, time.Minute)
	}
	if n := g.size(); n != 1000 {
		t.Fatalf("%d keys tracked, want 1000", n)
	}
	busy := credentialsOf(signer.Credentials{AccessKey: "BUSY", SecretKey: "sk"})
	held := g.admit(busy, t0.Add(sweepAfter+time.Minute), nobody)
	if n := g.size(); n != 1 {
		t.Errorf("%d keys tracked an hour later, want only the one in use", n)
	}
	g.settle(held.ticket, authRejected, t0.Add(sweepAfter+time.Minute), 2*sweepAfter)
	g.admit(busy, t0.Add(3*sweepAfter), nobody)
	if n := g.size(); n != 1 {
		t.Errorf("a key held back after a rejection was forgotten: %d keys", n)
	}
}

func TestBucketKeyIgnoresHowTheEndpointIsSpelled(t *testing.T) {
	cred := signer.Credentials{AccessKey: "AK", SecretKey: "sk"}
	want := bucketKey("https://bms.cn-north-4.myhuaweicloud.com", cred.AccessKey)
	for _, ep := range []string{
		"https://BMS.cn-north-4.myhuaweicloud.com",
		"https://bms.cn-north-4.myhuaweicloud.com:443",
		"https://bms.cn-north-4.myhuaweicloud.com/",
		"https://bms.cn-north-4.myhuaweicloud.com.:443/",
	} {
		if got := bucketKey(ep, cred.AccessKey); got != want {
			t.Errorf("%s has another bucket than the plain spelling", ep)
		}
	}
	if bucketKey("https://bms.cn-north-4.myhuaweicloud.com:8443", cred.AccessKey) == want {
		t.Error("another port shares the bucket")
	}
	if bucketKey("https://ecs.cn-north-4.myhuaweicloud.com", cred.AccessKey) == want {
		t.Error("another host shares the bucket")
	}
	if bucketKey("https://bms.cn-north-4.myhuaweicloud.com", "AK2") == want {
		t.Error("another access key shares the bucket")
	}
}

// nobody is a caller the gate cannot wake.
var nobody types.NamespacedName

func TestAuthGateWakesWhoWaits(t *testing.T) {
	var woken []string
	g := newAuthGate()
	g.wake = func(k types.NamespacedName) { woken = append(woken, k.Name) }
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	rotated := credentialsOf(signer.Credentials{AccessKey: "AK", SecretKey: "new"})
	probe := g.admit(rotated, t0, types.NamespacedName{Name: "first"})
	for _, name := range []string{"b", "c", "b"} {
		if a := g.admit(rotated, t0, types.NamespacedName{Name: name}); !a.parked || a.wait != 0 {
			t.Errorf("%s during the probe: %+v, want parked until it settles", name, a)
		}
	}
	g.settle(probe.ticket, authAccepted, t0, time.Minute)
	if fmt.Sprint(woken) != "[b c]" {
		t.Errorf("woken %v after the probe, want [b c] once each", woken)
	}
	// At the in-flight bound, one waiter is woken per request that settles.
	woken = nil
	var tickets []ticket
	for range maxInFlightPerKey {
		tickets = append(tickets, g.admit(rotated, t0, nobody).ticket)
	}
	g.admit(rotated, t0, types.NamespacedName{Name: "d"})
	g.admit(rotated, t0, types.NamespacedName{Name: "e"})
	g.settle(tickets[0], authAccepted, t0, time.Minute)
	if fmt.Sprint(woken) != "[d]" {
		t.Errorf("woken %v when one request settled, want [d]", woken)
	}
}

// TestOrdersHaveAQuotaOfTheirOwn: the order API's global endpoint is its own
// quota bucket, so orders and regional jobs of one account do not hold each
// other back; both steps of an order (the details, the resource query) draw
// from that bucket, one token per request.
func TestOrdersHaveAQuotaOfTheirOwn(t *testing.T) {
	cred := signer.Credentials{AccessKey: "AK", SecretKey: "sk"}
	now := t0
	q := poll.NewQuota(1, poll.WithBurst(1), poll.WithClock(func() time.Time { return now }))
	ecs := bucketKey(huaweicloud.DefaultEndpoint("ecs", "cn-north-4", ""), cred.AccessKey)
	bss := bucketKey(huaweicloud.DefaultEndpoint("bss", "cn-north-4", ""), cred.AccessKey)
	if q.Admit(ecs, "ns/server-job") != 0 {
		t.Fatal("the first job request was held back")
	}
	if wait := q.Admit(bss, "ns/order"); wait != 0 {
		t.Errorf("the order's request waits %s behind a regional job's", wait)
	}
	if wait := q.Admit(bss, "ns/order"); wait == 0 {
		t.Error("the order's second request went through a spent bucket")
	}
}

// TestIdentityCallsShareTheGateWithPolls: an agency call signed with static
// keys counts toward the same access key as the polls signed with them: after
// the cloud rejected it, neither another such call nor a poll with the same
// keys goes until the retry interval passed; the key's right secret (another
// set) is tried at once.
func TestIdentityCallsShareTheGateWithPolls(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	cfg := DefaultConfig()
	r := &CloudJobReconciler{Config: cfg, Now: func() time.Time { return now }}
	gate := r.IdentityGate()
	wrong := signer.Credentials{AccessKey: "AK", SecretKey: "wrong"}

	first := gate.Admit(wrong)
	if first.Done == nil {
		t.Fatalf("the first call with the keys: %+v, want it let through", first)
	}
	if a := gate.Admit(wrong); a.Done != nil || a.Rejected || a.Wait != probeWait {
		t.Errorf("a second call while the first is under way: %+v, want to wait %s", a, probeWait)
	}
	first.Done(&huaweicloud.Error{Class: huaweicloud.ErrAuthenticationFailed, HTTPStatus: 401})

	now = now.Add(time.Minute)
	if a := gate.Admit(wrong); a.Done != nil || !a.Rejected || a.Wait != cfg.AuthRetryInterval-time.Minute {
		t.Errorf("a call a minute after the rejection: %+v, want held back for the rest of %s", a, cfg.AuthRetryInterval)
	}
	if a := r.gate().admit(credentialsOf(wrong), now, nobody); a.admitted() || !a.rejected {
		t.Errorf("a poll with the rejected keys: %+v, want held back", a)
	}
	right := gate.Admit(signer.Credentials{AccessKey: "AK", SecretKey: "right"})
	if right.Done == nil {
		t.Fatalf("the key's right secret: %+v, want it tried at once", right)
	}
	right.Done(nil)
	now = now.Add(cfg.AuthRetryInterval)
	if a := gate.Admit(wrong); a.Done == nil {
		t.Errorf("after the retry interval: %+v, want one more try", a)
	}
}
