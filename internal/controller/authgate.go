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

// authGate keeps requests with unproven or rejected credentials to one at a time.
// The gateway locks an access key after five consecutive authentication failures,
// and every job that shares the key counts toward them. So until a set of
// credentials has worked once, one request at a time tries it; after a rejection,
// the next try waits the retry interval. Changed credentials have another key and
// are tried at once. (A small map with states; no library offers this.)
type authGate struct {
	mu    sync.Mutex
	creds map[string]*credState
}

type credState struct {
	verified bool      // the cloud accepted these credentials
	inFlight bool      // a request with them is under way
	until    time.Time // no request before this, after a rejection
}

// probeWait is how long a job waits while another job's request tries the same
// unproven credentials.
const probeWait = 500 * time.Millisecond

func newAuthGate() *authGate { return &authGate{creds: map[string]*credState{}} }

// admit returns 0 when a request with these credentials may go now, and marks it
// under way; otherwise how long to wait.
func (g *authGate) admit(credKey string, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.creds[credKey]
	if s == nil {
		s = &credState{}
		g.creds[credKey] = s
	}
	switch {
	case s.verified:
		return 0
	case now.Before(s.until):
		return s.until.Sub(now)
	case s.inFlight:
		return probeWait
	}
	s.inFlight = true
	return 0
}

// rejectedFor returns how long requests with these credentials are held back
// after a rejection, 0 when they are not.
func (g *authGate) rejectedFor(credKey string, now time.Time) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	if s := g.creds[credKey]; s != nil && now.Before(s.until) {
		return s.until.Sub(now)
	}
	return 0
}

// accepted records that the cloud accepted the credentials.
func (g *authGate) accepted(credKey string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.creds[credKey] = &credState{verified: true}
}

// rejected records a rejection: no request until now+wait.
func (g *authGate) rejected(credKey string, now time.Time, wait time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.creds[credKey] = &credState{until: now.Add(wait)}
	g.sweepLocked(now)
}

// settled ends a request that neither proved nor disproved the credentials (a
// transient error, a throttle).
func (g *authGate) settled(credKey string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if s := g.creds[credKey]; s != nil {
		s.inFlight = false
	}
}

// sweepLocked drops rejected and unproven entries that nobody waits on, so
// credentials rotated away do not pile up.
func (g *authGate) sweepLocked(now time.Time) {
	for k, s := range g.creds {
		if !s.verified && !s.inFlight && !now.Before(s.until) {
			delete(g.creds, k)
		}
	}
}
