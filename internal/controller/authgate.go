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
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/cloudjob-operator/cloudjob-operator/internal/identity"
	"github.com/cloudjob-operator/cloudjob-operator/internal/signer"
)

// authGate keeps the operator from locking an access key. The gateway locks an
// access key after more than five authentication failures in a row, whatever the
// endpoint, and every job that uses the key counts toward them. So, per access
// key across every endpoint:
//   - a set of credentials the cloud has not accepted yet is tried by one
//     request at a time;
//   - after a rejection, that set is not sent again for the retry interval, and
//     while its request is under way no other set of the key is tried;
//   - even accepted credentials have at most maxInFlightPerKey requests under
//     way, fewer than the failures that lock the key, so that a key that stops
//     working all at once (a clock skew, a revoked key) cannot lock itself in
//     one burst.
//
// Changed credentials (a fixed or rotated secret key) are another set and are
// tried at once, one request at a time. A job held back while a request is under
// way is woken when it settles, rather than asking again and again. Entries
// unused for sweepAfter are dropped, so rotated temporary keys do not pile up.
// (A small map with states; no library offers this.)
type authGate struct {
	mu        sync.Mutex
	keys      map[string]*keyState
	lastSweep time.Time
	// wake, when set, requeues a job that waits for a request to settle.
	wake func(types.NamespacedName)
}

// keyState is what the gate knows of one access key.
type keyState struct {
	verified string // the credential set the cloud last accepted; "" none
	// rejected holds each set the cloud rejected back until the time given.
	rejected map[string]time.Time
	probing  bool // a request with an unproven set is under way
	inFlight int  // requests with the verified set under way
	lastUsed time.Time
	// waiting are the jobs held back by a request under way, in order, to wake
	// when it settles.
	waiting []types.NamespacedName
	queued  map[types.NamespacedName]bool
}

const (
	// probeWait is how long a job waits while another request tries the same
	// access key's unproven credentials, or while the key has
	// maxInFlightPerKey requests under way, when the gate cannot wake it.
	probeWait = 500 * time.Millisecond

	// maxInFlightPerKey bounds the requests under way with one access key: the
	// key locks after more than five failures in a row.
	maxInFlightPerKey = 4
	// sweepAfter drops an access key not used for this long.
	sweepAfter = time.Hour
)

// credentials names what a request is sent with: the access key, and the exact
// set of credentials (access key, secret key, token), both as digests.
type credentials struct {
	accessKey, set string
}

// sourceCredentials is the gate's unit for the temporary keys of an identity
// source: the source itself, not its keys. A rejection then holds back every
// job of the source for the retry interval, including the keys obtained after
// it; were the unit the access key, each new set of keys would be tried at
// once, and a cloud that rejects them all would see one rejected poll and one
// new set of keys per job. The source's key changes when what it is made of
// changes (a Secret with static base keys edited), which is tried at once.
func sourceCredentials(source string) credentials {
	unit := digest("identity source", source)
	return credentials{accessKey: unit, set: unit}
}

// ticket is an admitted request; settle it with its outcome.
type ticket struct {
	credentials
	probe bool
}

// authOutcome is what a request proved about its credentials.
type authOutcome int

const (
	authUnknown  authOutcome = iota // no answer past authentication (a timeout, a throttle)
	authAccepted                    // the gateway let the request through
	authRejected                    // the gateway rejected the credentials
)

func newAuthGate() *authGate { return &authGate{keys: map[string]*keyState{}} }

// admission is the gate's answer to a request.
type admission struct {
	// ticket lets the request go now; settle it with its outcome.
	ticket
	// wait > 0: ask again after this long.
	wait time.Duration
	// rejected: these credentials are held back after a rejection (with wait).
	rejected bool
	// parked: held back by a request under way; the gate wakes the job when
	// that request settles, so it must not requeue itself.
	parked bool
}

// admitted reports whether the request may be sent now.
func (a admission) admitted() bool { return a.wait == 0 && !a.parked }

// admit lets a request with these credentials go now, or holds it back. who is
// the job asking, woken when the request it waits for settles.
func (g *authGate) admit(c credentials, now time.Time, who types.NamespacedName) admission {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sweepLocked(now)
	s := g.keys[c.accessKey]
	if s == nil {
		s = &keyState{}
		g.keys[c.accessKey] = s
	}
	s.lastUsed = now
	if until, ok := s.rejected[c.set]; ok {
		if now.Before(until) {
			return admission{wait: until.Sub(now), rejected: true}
		}
		delete(s.rejected, c.set)
	}
	switch {
	case c.set == s.verified:
		if s.inFlight >= maxInFlightPerKey {
			return g.holdLocked(s, who)
		}
		s.inFlight++
		return admission{ticket: ticket{credentials: c}}
	case s.probing:
		return g.holdLocked(s, who)
	}
	s.probing = true
	return admission{ticket: ticket{credentials: c, probe: true}}
}

// settle ends an admitted request with what it proved. A rejection holds the
// access key back until now+retry.
func (g *authGate) settle(t ticket, o authOutcome, now time.Time, retry time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.keys[t.accessKey]
	if s == nil {
		return
	}
	if t.probe {
		s.probing = false
		// Whatever the probe proved, every job that waited for it may go on:
		// with the set accepted, or held back by the rejection.
		g.wakeLocked(s, len(s.waiting))
	} else if s.inFlight > 0 {
		s.inFlight--
		g.wakeLocked(s, 1)
	}
	switch o {
	case authAccepted:
		s.verified = t.set
		delete(s.rejected, t.set)
	case authRejected:
		if s.rejected == nil {
			s.rejected = map[string]time.Time{}
		}
		s.rejected[t.set] = now.Add(retry)
		if s.verified == t.set {
			// The cloud no longer takes them: the next try is a probe again.
			s.verified = ""
		}
	}
}

// holdLocked parks who until a request under way settles; without a way to
// wake it, it asks again after probeWait.
func (g *authGate) holdLocked(s *keyState, who types.NamespacedName) admission {
	if g.wake == nil || who.Name == "" {
		return admission{wait: probeWait}
	}
	if !s.queued[who] {
		if s.queued == nil {
			s.queued = map[types.NamespacedName]bool{}
		}
		s.queued[who] = true
		s.waiting = append(s.waiting, who)
	}
	return admission{parked: true}
}

// wakeLocked wakes the first n waiting jobs.
func (g *authGate) wakeLocked(s *keyState, n int) {
	n = min(n, len(s.waiting))
	for _, who := range s.waiting[:n] {
		delete(s.queued, who)
		g.wake(who)
	}
	s.waiting = s.waiting[n:]
	if len(s.waiting) == 0 {
		s.waiting = nil // let the backing array go
	}
}

// holdsBack reports whether a rejected set is still held back.
func (s *keyState) holdsBack(now time.Time) bool {
	for _, until := range s.rejected {
		if now.Before(until) {
			return true
		}
	}
	return false
}

// size is how many access keys the gate tracks.
func (g *authGate) size() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.keys)
}

// sweepLocked drops, at most once a minute, the access keys that nothing has
// used for sweepAfter and that hold nothing back.
func (g *authGate) sweepLocked(now time.Time) {
	if now.Sub(g.lastSweep) < time.Minute {
		return
	}
	g.lastSweep = now
	for k, s := range g.keys {
		if !s.probing && s.inFlight == 0 && len(s.waiting) == 0 && !s.holdsBack(now) && now.Sub(s.lastUsed) >= sweepAfter {
			delete(g.keys, k)
		}
	}
}

// IdentityGate is the gate as the identity broker sees it: the agency calls it
// signs with static keys go through the same per-access-key rules as the polls
// signed with them, so that sources sharing a wrong key cannot lock it
// between them. Set it as the broker's Gate.
func (r *CloudJobReconciler) IdentityGate() identity.Gate {
	return identityGate{r: r}
}

// identityGate adapts the reconciler's authentication gate to identity.Gate.
type identityGate struct{ r *CloudJobReconciler }

// Admit admits one identity call signed with static keys. The broker cannot
// be woken, so a call held back by another under way asks again after
// probeWait.
func (g identityGate) Admit(creds signer.Credentials) identity.Admission {
	r := g.r
	gate := r.gate()
	adm := gate.admit(credentialsOf(creds), r.now(), nobodyToWake)
	if !adm.admitted() {
		return identity.Admission{Wait: adm.wait, Rejected: adm.rejected}
	}
	return identity.Admission{Done: func(err error) {
		gate.settle(adm.ticket, authOutcomeOf(err), r.now(), r.Config.AuthRetryInterval)
	}}
}

// nobodyToWake asks the gate for a caller it cannot wake.
var nobodyToWake types.NamespacedName

// gate is the reconciler's authentication gate, made on first use.
func (r *CloudJobReconciler) gate() *authGate {
	r.authOnce.Do(func() {
		if r.auth == nil {
			r.auth = newAuthGate()
		}
	})
	return r.auth
}
