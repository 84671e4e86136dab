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
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config, from the real services' documentation.
const (
	DefaultRequestsPerMinute  = 2000 // BMS's documented job-query limit per account
	DefaultMaxClockSkew       = 15 * time.Minute
	DefaultMaxAuthFailures    = 5
	DefaultLockDuration       = 5 * time.Minute
	DefaultRetention          = 24 * time.Hour
	DefaultCancelledRetention = 14 * 24 * time.Hour
	DefaultMaxJobs            = 100_000
	DefaultMaxRetiredJobs     = 100_000
	DefaultMaxTrackedKeys     = 1_000
)

// Config configures a Server. Zero fields take the defaults above.
type Config struct {
	// Credentials are the access keys the API accepts; more can be added
	// later with AddCredentials or a scenario.
	Credentials []Credential
	// RequestsPerMinute is each access key's quota per simulated minute;
	// negative disables the quota.
	RequestsPerMinute int
	// TimeScale is how many times faster than the wall clock simulated time
	// runs; 1 when zero.
	TimeScale float64
	// Seed seeds the random source of fault probabilities and generated ids,
	// so runs are reproducible.
	Seed uint64
	// Now is the wall clock; time.Now when nil. Tests inject a fake clock to
	// step through lifecycles without sleeping.
	Now func() time.Time

	// MaxClockSkew is how far X-Sdk-Date may be from the wall clock.
	MaxClockSkew time.Duration
	// MaxAuthFailures is how many consecutive authentication failures a key
	// may have; the next one locks it for LockDuration (simulated).
	MaxAuthFailures int
	LockDuration    time.Duration
	// Retention is how long a finished job stays queryable (simulated);
	// CancelledRetention the same for a job whose order was cancelled.
	Retention          time.Duration
	CancelledRetention time.Duration
	// MaxKeyLifetime caps the life of the temporary keys the identity
	// services issue (simulated), as STS caps callers that use temporary
	// keys; 0 grants what is asked.
	MaxKeyLifetime time.Duration

	// Memory bounds: jobs held at once, expired or deleted jobs whose stats
	// are kept, and access keys counted separately in the stats.
	MaxJobs        int
	MaxRetiredJobs int
	MaxTrackedKeys int

	// Logger receives one debug line per API request; nil discards.
	Logger *slog.Logger
}

func (c *Config) setDefaults() error {
	if c.TimeScale == 0 {
		c.TimeScale = 1
	}
	if c.TimeScale < 0 || c.TimeScale != c.TimeScale {
		return fmt.Errorf("cloudsim: time scale %v must be positive", c.TimeScale)
	}
	if c.RequestsPerMinute == 0 {
		c.RequestsPerMinute = DefaultRequestsPerMinute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	defaults := []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&c.MaxClockSkew, DefaultMaxClockSkew},
		{&c.LockDuration, DefaultLockDuration},
		{&c.Retention, DefaultRetention},
		{&c.CancelledRetention, DefaultCancelledRetention},
	}
	for _, d := range defaults {
		if *d.v < 0 {
			return errors.New("cloudsim: durations in Config must not be negative")
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	ints := []struct {
		v   *int
		def int
	}{
		{&c.MaxAuthFailures, DefaultMaxAuthFailures},
		{&c.MaxJobs, DefaultMaxJobs},
		{&c.MaxRetiredJobs, DefaultMaxRetiredJobs},
		{&c.MaxTrackedKeys, DefaultMaxTrackedKeys},
	}
	for _, d := range ints {
		if *d.v < 0 {
			return errors.New("cloudsim: limits in Config must not be negative")
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return nil
}

// Errors of the job store.
var (
	ErrJobNotFound       = errors.New("cloudsim: no such job")
	ErrJobExists         = errors.New("cloudsim: a job with this project and id exists")
	ErrTooManyJobs       = errors.New("cloudsim: the job limit is reached")
	ErrNotPendingPayment = errors.New("cloudsim: the job is not waiting for payment")
)

type jobKey struct{ project, job string }

// Server is the simulated cloud: the job API, its gateway behaviour
// (signatures, key lock, quota), scripted jobs, faults and stats. Serve
// APIHandler to clients and AdminHandler to whoever scripts the run.
type Server struct {
	cfg    Config
	clock  simClock
	auth   *authenticator
	ids    identityStore
	quota  *quota
	faults faultSet

	// done is closed by Close to release held requests.
	done      chan struct{}
	closeOnce sync.Once

	requestSeq atomic.Uint64

	// randMu guards the random sources. Fault draws and generated ids use
	// separate streams so adding jobs does not shift fault outcomes.
	randMu    sync.Mutex
	faultRand *rand.Rand
	idRand    *rand.Rand

	mu           sync.Mutex // guards everything below
	jobs         map[jobKey]*job
	retired      map[jobKey]*job
	retiredOrder []*job // retirement order, for evicting the oldest
	counters     counters
}

// New returns a server configured by cfg.
func New(cfg Config) (*Server, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		clock:     newSimClock(cfg.Now, cfg.TimeScale),
		auth:      newAuthenticator(cfg.MaxAuthFailures, cfg.LockDuration, cfg.MaxClockSkew),
		quota:     newQuota(cfg.RequestsPerMinute),
		done:      make(chan struct{}),
		faultRand: rand.New(rand.NewPCG(cfg.Seed, 1)),
		idRand:    rand.New(rand.NewPCG(cfg.Seed, 2)),
		jobs:      map[jobKey]*job{},
		retired:   map[jobKey]*job{},
	}
	s.counters = newCounters(s.clock.wallNow())
	if err := s.auth.add(cfg.Credentials...); err != nil {
		return nil, fmt.Errorf("cloudsim: %w", err)
	}
	return s, nil
}

// Close releases requests held by hang faults; the server answers them
// 503. Closing the listeners is up to whoever serves the handlers.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
}

// AddCredentials adds access keys the API accepts.
func (s *Server) AddCredentials(creds ...Credential) error {
	return s.auth.add(creds...)
}

// SimNow is the current simulated time.
func (s *Server) SimNow() time.Time { return s.clock.simNow() }

// TimeScale is how many times faster than the wall clock simulated time runs.
func (s *Server) TimeScale() float64 { return s.cfg.TimeScale }

func (s *Server) draw() float64 {
	s.randMu.Lock()
	defer s.randMu.Unlock()
	return s.faultRand.Float64()
}

// newID returns 32 lowercase hex characters, the form job ids take in every
// documented example.
func (s *Server) newID() string {
	s.randMu.Lock()
	defer s.randMu.Unlock()
	return fmt.Sprintf("%016x%016x", s.idRand.Uint64(), s.idRand.Uint64())
}

// newRequestID numbers requests; the numbers are mixed so ids look like
// the gateway's opaque hex ids while staying unique.
func (s *Server) newRequestID() string {
	n := s.requestSeq.Add(1)
	return fmt.Sprintf("%016x%016x", mix64(n^s.cfg.Seed), n)
}

// mix64 is the SplitMix64 finalizer.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
