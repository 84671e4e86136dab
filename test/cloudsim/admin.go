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
	"net/http"
	"time"
)

// maxAdminBody bounds admin request bodies; a scenario with thousands of
// jobs still fits.
const maxAdminBody = 32 << 20

// AdminHandler serves the admin API described in the package doc. It has
// no authentication: serve it on a loopback listener of its own.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n") // a failed write means the prober left
	})
	mux.HandleFunc("GET /clock", s.adminClock)
	mux.HandleFunc("GET /jobs", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Jobs())
	})
	mux.HandleFunc("POST /jobs", s.adminAddJobs)
	mux.HandleFunc("GET /jobs/{project}/{id}", func(w http.ResponseWriter, r *http.Request) {
		in, err := s.Job(r.PathValue("project"), r.PathValue("id"))
		adminResult(w, http.StatusOK, in, err)
	})
	mux.HandleFunc("DELETE /jobs/{project}/{id}", func(w http.ResponseWriter, r *http.Request) {
		err := s.DeleteJob(r.PathValue("project"), r.PathValue("id"))
		if err == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		adminResult(w, 0, nil, err)
	})
	mux.HandleFunc("POST /jobs/{project}/{id}/pay", func(w http.ResponseWriter, r *http.Request) {
		in, err := s.Pay(r.PathValue("project"), r.PathValue("id"))
		adminResult(w, http.StatusOK, in, err)
	})
	mux.HandleFunc("POST /jobs/{project}/{id}/cancel", func(w http.ResponseWriter, r *http.Request) {
		in, err := s.CancelPayment(r.PathValue("project"), r.PathValue("id"))
		adminResult(w, http.StatusOK, in, err)
	})
	mux.HandleFunc("GET /faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Faults())
	})
	mux.HandleFunc("PUT /faults", func(w http.ResponseWriter, r *http.Request) { s.adminFaults(w, r, true) })
	mux.HandleFunc("POST /faults", func(w http.ResponseWriter, r *http.Request) { s.adminFaults(w, r, false) })
	mux.HandleFunc("DELETE /faults", func(w http.ResponseWriter, r *http.Request) {
		_ = s.SetFaults(nil) // no rules to validate, so it cannot fail
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /credentials", s.adminCredentials)
	mux.HandleFunc("POST /scenario", s.adminScenario)
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Stats())
	})
	mux.HandleFunc("POST /stats/reset", func(w http.ResponseWriter, r *http.Request) {
		s.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// adminError is every admin error body.
type adminError struct {
	Error string `json:"error"`
}

func writeAdminError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, adminError{Error: err.Error()})
}

// adminResult writes v with status, or err with the status its kind calls for.
func adminResult(w http.ResponseWriter, status int, v any, err error) {
	switch {
	case err == nil:
		writeJSON(w, status, v)
	case errors.Is(err, ErrJobNotFound):
		writeAdminError(w, http.StatusNotFound, err)
	case errors.Is(err, ErrJobExists), errors.Is(err, ErrNotPendingPayment):
		writeAdminError(w, http.StatusConflict, err)
	case errors.Is(err, ErrTooManyJobs):
		writeAdminError(w, http.StatusInsufficientStorage, err)
	default:
		writeAdminError(w, http.StatusBadRequest, err)
	}
}

func readAdminBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
	if err != nil {
		writeAdminError(w, http.StatusRequestEntityTooLarge, err)
		return nil, false
	}
	return b, true
}

func (s *Server) adminAddJobs(w http.ResponseWriter, r *http.Request) {
	b, ok := readAdminBody(w, r)
	if !ok {
		return
	}
	specs, err := decodeSpecs(b)
	if err != nil {
		writeAdminError(w, http.StatusBadRequest, err)
		return
	}
	out, err := s.AddJobs(specs...)
	adminResult(w, http.StatusCreated, out, err)
}

func (s *Server) adminFaults(w http.ResponseWriter, r *http.Request, replace bool) {
	b, ok := readAdminBody(w, r)
	if !ok {
		return
	}
	var rules []FaultRule
	if len(b) > 0 && b[0] == '{' {
		var one FaultRule
		err := strictJSON(b, &one)
		rules = []FaultRule{one}
		if err != nil {
			writeAdminError(w, http.StatusBadRequest, err)
			return
		}
	} else if err := strictJSON(b, &rules); err != nil {
		writeAdminError(w, http.StatusBadRequest, err)
		return
	}
	var err error
	if replace {
		err = s.SetFaults(rules)
	} else {
		err = s.AddFaults(rules...)
	}
	adminResult(w, http.StatusOK, s.Faults(), err)
}

func (s *Server) adminCredentials(w http.ResponseWriter, r *http.Request) {
	b, ok := readAdminBody(w, r)
	if !ok {
		return
	}
	var creds []Credential
	if err := strictJSON(b, &creds); err != nil {
		writeAdminError(w, http.StatusBadRequest, err)
		return
	}
	if err := s.AddCredentials(creds...); err != nil {
		writeAdminError(w, http.StatusBadRequest, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminScenario(w http.ResponseWriter, r *http.Request) {
	b, ok := readAdminBody(w, r)
	if !ok {
		return
	}
	sc, err := ParseScenario(b)
	if err != nil {
		writeAdminError(w, http.StatusBadRequest, err)
		return
	}
	out, err := s.Apply(sc)
	adminResult(w, http.StatusCreated, out, err)
}

// ClockInfo is the answer of GET /clock.
type ClockInfo struct {
	Wall      time.Time `json:"wall"`
	Simulated time.Time `json:"simulated"`
	TimeScale float64   `json:"timeScale"`
}

func (s *Server) adminClock(w http.ResponseWriter, r *http.Request) {
	wall := s.clock.wallNow()
	writeJSON(w, http.StatusOK, ClockInfo{Wall: wall, Simulated: s.clock.sim(wall), TimeScale: s.cfg.TimeScale})
}

// SetFaults replaces the installed fault rules; their After/For windows
// start now.
func (s *Server) SetFaults(rules []FaultRule) error {
	for i := range rules {
		if err := rules[i].validate(); err != nil {
			return faultError(i, err)
		}
	}
	s.faults.set(s.clock.simNow(), rules)
	return nil
}

// AddFaults appends fault rules after the installed ones.
func (s *Server) AddFaults(rules ...FaultRule) error {
	for i := range rules {
		if err := rules[i].validate(); err != nil {
			return faultError(i, err)
		}
	}
	s.faults.add(s.clock.simNow(), rules)
	return nil
}

// Faults lists the installed fault rules with their use counts.
func (s *Server) Faults() []FaultStatus { return s.faults.list(s.clock.simNow()) }

func faultError(i int, err error) error { return fmt.Errorf("faults[%d]: %w", i, err) }
