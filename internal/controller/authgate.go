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
)

// authGate keeps the operator from locking an access key. The gateway locks an
// access key after more than five authentication failures in a row, whatever the
// endpoint, and every job that uses the key counts toward them. So, per access
// key across every endpoint:
//   - a set of credentials the cloud has not accepted yet is tried by one
//     request at a time;
//   - after a rejection, nothing with that access key is sent for the retry
//     interval;
//   - even accepted credentials have at most maxInFlightPerKey requests under
//     way, fewer than the failures that lock the key, so that a key that stops
//     working all at once (a clock skew, a revoked key) cannot lock itself in
//     one burst.
//
// Changed credentials (a rotated secret key) are another set and are tried at
// once. Entries unused for sweepAfter are dropped, so rotated temporary keys do
// not pile up. (A small map with states; no library offers this.)
type authGate struct {
	mu        sync.Mutex
	keys      map[string]*keyState
	lastSweep time.Time
}

// keyState is what the gate knows of one access key.
type keyState struct {
	verified string    // the credential set the cloud last accepted; "" none
	until    time.Time // after a rejection, no request before this
	probing  bool      // a request with an unproven set is under way
	inFlight int       // requests with the verified set under way
	lastUsed time.Time
}

const (
	// probeWait is how long a job waits while another request tries the same
	// access key's unproven credentials, or while the key has
	// maxInFlightPerKey requests under way.
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

// admit lets a request with these credentials go now (wait 0, with a ticket to
// settle), or says how long to wait; rejected tells that the access key is held
// back after a rejection.
func (g *authGate) admit(c credentials, now time.Time) (t ticket, wait time.Duration, rejected bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.sweepLocked(now)
	s := g.keys[c.accessKey]
	if s == nil {
		s = &keyState{}
		g.keys[c.accessKey] = s
	}
	s.lastUsed = now
	switch {
	case now.Before(s.until):
		return ticket{}, s.until.Sub(now), true
	case c.set == s.verified:
		if s.inFlight >= maxInFlightPerKey {
			return ticket{}, probeWait, false
		}
		s.inFlight++
		return ticket{credentials: c}, 0, false
	case s.probing:
		return ticket{}, probeWait, false
	}
	s.probing = true
	return ticket{credentials: c, probe: true}, 0, false
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
	} else if s.inFlight > 0 {
		s.inFlight--
	}
	switch o {
	case authAccepted:
		s.verified = t.set
		s.until = time.Time{}
	case authRejected:
		s.until = now.Add(retry)
		if s.verified == t.set {
			// The cloud no longer takes them: the next try is a probe again.
			s.verified = ""
		}
	}
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
		if !s.probing && s.inFlight == 0 && !now.Before(s.until) && now.Sub(s.lastUsed) >= sweepAfter {
			delete(g.keys, k)
		}
	}
}
