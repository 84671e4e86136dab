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

package bench

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/test/cloudsim"
)

// simulator is the in-process cloud: cloudsim's API handler on a loopback
// listener, wrapped to count requests per User-Agent and job. The simulator's
// own stats count per access key and per job; the operator replicas of the
// sharding check share one key, so only the User-Agent (the version stamped
// into each replica's build) tells them apart.
type simulator struct {
	*cloudsim.Server
	URL string
	srv *http.Server

	mu sync.Mutex
	// byAgent counts requests and 429 answers per User-Agent.
	byAgent map[string]*agentCount
	// jobAgents counts, per project/job, the requests of each User-Agent.
	jobAgents map[string]map[string]int64
}

type agentCount struct {
	Requests  int64 `json:"requests"`
	Throttled int64 `json:"throttled"`
}

// startSimulator serves a cloudsim.Server configured by cfg on 127.0.0.1.
func startSimulator(cfg cloudsim.Config) (*simulator, error) {
	s, err := cloudsim.New(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sim := &simulator{
		Server:    s,
		URL:       "http://" + ln.Addr().String(),
		byAgent:   map[string]*agentCount{},
		jobAgents: map[string]map[string]int64{},
	}
	sim.srv = &http.Server{Handler: sim.count(s.APIHandler()), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = sim.srv.Serve(ln) }()
	return sim, nil
}

// Close stops serving and releases held requests.
func (s *simulator) Close() error {
	s.Server.Close()
	if err := s.srv.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *simulator) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &cloudsim.StatusRecorder{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		agent := r.Header.Get("User-Agent")
		project, jobID, ok := cloudsim.JobOfRequest(r)
		job := project + "/" + jobID
		s.mu.Lock()
		defer s.mu.Unlock()
		c := s.byAgent[agent]
		if c == nil {
			c = &agentCount{}
			s.byAgent[agent] = c
		}
		c.Requests++
		if sw.Status == http.StatusTooManyRequests {
			c.Throttled++
		}
		if ok {
			m := s.jobAgents[job]
			if m == nil {
				m = map[string]int64{}
				s.jobAgents[job] = m
			}
			m[agent]++
		}
	})
}

// agents returns a copy of the per-User-Agent counts.
func (s *simulator) agents() map[string]agentCount {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyValues(s.byAgent)
}

// copyValues copies a map of pointers into a map of values.
func copyValues[K comparable, V any](m map[K]*V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = *v
	}
	return out
}

// jobAgentsOf returns the User-Agents that polled project/job, with their counts.
func (s *simulator) jobAgentsOf(project, job string) map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int64{}
	for k, v := range s.jobAgents[project+"/"+job] {
		out[k] = v
	}
	return out
}
