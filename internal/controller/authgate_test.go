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

	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

func TestAuthGateProbesOneAtATimePerAccessKey(t *testing.T) {
	g := newAuthGate()
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	wrong := credentialsOf(signer.Credentials{AccessKey: "AK1", SecretKey: "wrong"})
	alsoWrong := credentialsOf(signer.Credentials{AccessKey: "AK1", SecretKey: "wrong\n"})
	other := credentialsOf(signer.Credentials{AccessKey: "AK2", SecretKey: "sk"})

	probe, wait, _ := g.admit(wrong, t0)
	if wait != 0 || !probe.probe {
		t.Fatalf("first request: wait %s, probe %v; want a probe at once", wait, probe.probe)
	}
	if _, wait, rejected := g.admit(alsoWrong, t0); wait != probeWait || rejected {
		t.Errorf("another unproven set of the same access key during the probe: wait %s rejected %v, want %s", wait, rejected, probeWait)
	}
	if _, wait, _ := g.admit(other, t0); wait != 0 {
		t.Errorf("another access key waits %s for the probe", wait)
	}

	g.settle(probe, authRejected, t0, 5*time.Minute)
	for _, c := range []credentials{wrong, alsoWrong} {
		if _, wait, rejected := g.admit(c, t0.Add(time.Minute)); wait != 4*time.Minute || !rejected {
			t.Errorf("after a rejection: wait %s rejected %v, want 4m true", wait, rejected)
		}
	}
	// After the interval, one probe again, and only one.
	later := t0.Add(5 * time.Minute)
	probe, wait, _ = g.admit(alsoWrong, later)
	if wait != 0 || !probe.probe {
		t.Fatalf("after the interval: wait %s, want a probe", wait)
	}
	if _, wait, _ := g.admit(wrong, later); wait == 0 {
		t.Error("two probes of one access key at once")
	}
	g.settle(probe, authUnknown, later, 5*time.Minute)
	if _, wait, _ := g.admit(wrong, later); wait != 0 {
		t.Errorf("a probe that proved nothing holds the key back: wait %s", wait)
	}
}

func TestAuthGateBoundsRequestsWithAcceptedCredentials(t *testing.T) {
	g := newAuthGate()
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	good := credentialsOf(signer.Credentials{AccessKey: "AK", SecretKey: "sk"})
	probe, _, _ := g.admit(good, t0)
	g.settle(probe, authAccepted, t0, time.Minute)

	var tickets []ticket
	for i := range maxInFlightPerKey {
		tk, wait, _ := g.admit(good, t0)
		if wait != 0 || tk.probe {
			t.Fatalf("request %d with accepted credentials: wait %s probe %v", i, wait, tk.probe)
		}
		tickets = append(tickets, tk)
	}
	if _, wait, _ := g.admit(good, t0); wait != probeWait {
		t.Errorf("request %d under way: wait %s, want %s (fewer than the failures that lock the key)", maxInFlightPerKey+1, wait, probeWait)
	}
	// The key stops working: the first rejection holds it back, and the next try
	// after the interval is a probe.
	g.settle(tickets[0], authRejected, t0, time.Minute)
	for _, tk := range tickets[1:] {
		g.settle(tk, authRejected, t0, time.Minute)
	}
	if _, wait, rejected := g.admit(good, t0.Add(time.Second)); !rejected || wait != 59*time.Second {
		t.Errorf("after rejections: wait %s rejected %v", wait, rejected)
	}
	tk, wait, _ := g.admit(good, t0.Add(time.Minute))
	if wait != 0 || !tk.probe {
		t.Errorf("after the interval: wait %s probe %v; want a probe", wait, tk.probe)
	}
}

func TestAuthGateForgetsKeysNobodyUses(t *testing.T) {
	g := newAuthGate()
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for i := range 1000 {
		c := credentialsOf(signer.Credentials{AccessKey: fmt.Sprintf("TEMP%d", i), SecretKey: "sk", SecurityToken: "token"})
		tk, _, _ := g.admit(c, t0)
		g.settle(tk, authAccepted, t0, time.Minute)
	}
	if n := g.size(); n != 1000 {
		t.Fatalf("%d keys tracked, want 1000", n)
	}
	busy := credentialsOf(signer.Credentials{AccessKey: "BUSY", SecretKey: "sk"})
	held, _, _ := g.admit(busy, t0.Add(sweepAfter+time.Minute))
	if n := g.size(); n != 1 {
		t.Errorf("%d keys tracked an hour later, want only the one in use", n)
	}
	g.settle(held, authRejected, t0.Add(sweepAfter+time.Minute), 2*sweepAfter)
	g.admit(busy, t0.Add(3*sweepAfter))
	if n := g.size(); n != 1 {
		t.Errorf("a key held back after a rejection was forgotten: %d keys", n)
	}
}

func TestBucketKeyIgnoresHowTheEndpointIsSpelled(t *testing.T) {
	cred := signer.Credentials{AccessKey: "AK", SecretKey: "sk"}
	want := bucketKey("https://bms.cn-north-4.myhuaweicloud.com", cred)
	for _, ep := range []string{
		"https://BMS.cn-north-4.myhuaweicloud.com",
		"https://bms.cn-north-4.myhuaweicloud.com:443",
		"https://bms.cn-north-4.myhuaweicloud.com/",
		"https://bms.cn-north-4.myhuaweicloud.com.:443/",
	} {
		if got := bucketKey(ep, cred); got != want {
			t.Errorf("%s has another bucket than the plain spelling", ep)
		}
	}
	if bucketKey("https://bms.cn-north-4.myhuaweicloud.com:8443", cred) == want {
		t.Error("another port shares the bucket")
	}
	if bucketKey("https://ecs.cn-north-4.myhuaweicloud.com", cred) == want {
		t.Error("another host shares the bucket")
	}
	if bucketKey("https://bms.cn-north-4.myhuaweicloud.com", signer.Credentials{AccessKey: "AK2"}) == want {
		t.Error("another access key shares the bucket")
	}
}
