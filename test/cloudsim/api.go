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
	"context"
	"io"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Gateway answers that are not about authentication.
const (
	CodeThrottled      = "APIG.0308"
	throttledMessage   = "The throttling threshold has been reached"
	CodeAPINotFound    = "APIG.0101"
	apiNotFoundMessage = "The API does not exist or has not been published in the environment"
	// CodeInvalidJobID is the ECS/EVS answer for a job the project does not
	// have, used for every service so clients see one style.
	CodeInvalidJobID = "Common.0011"
	// CodeInvalidParameter answers a bss resource query with a bad body.
	CodeInvalidParameter = "CBC.0101"

	headerRequestID  = "X-Request-Id"
	headerRetryAfter = "Retry-After"
	contentTypeJSON  = "application/json;charset=UTF-8"
	maxRequestBody   = 1 << 20
)

// StatusRecorder remembers the status written, for the stats (and for harnesses
// that wrap the simulator's handler).
type StatusRecorder struct {
	http.ResponseWriter
	Status int
}

func (w *StatusRecorder) WriteHeader(code int) {
	if w.Status == 0 {
		w.Status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *StatusRecorder) Write(b []byte) (int, error) {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *StatusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// APIHandler serves the job APIs of every service on one listener.
func (s *Server) APIHandler() http.Handler { return http.HandlerFunc(s.serveAPI) }

func (s *Server) serveAPI(rw http.ResponseWriter, r *http.Request) {
	requestID := s.newRequestID()
	rw.Header().Set(headerRequestID, requestID)
	w := &StatusRecorder{ResponseWriter: rw}
	var info requestInfo
	defer func() {
		wallNow := s.clock.wallNow()
		s.record(&info, w.Status, wallNow)
		s.cfg.Logger.Debug("request", "method", r.Method, "path", r.URL.Path, "status", w.Status,
			"accessKey", info.accessKey, "requestId", requestID)
	}()

	var body []byte
	if r.Body != nil { // nil only when a caller invokes the handler directly
		var err error
		if body, err = io.ReadAll(io.LimitReader(r.Body, maxRequestBody)); err != nil {
			writeJSON(w, http.StatusBadRequest, gatewayError("APIG.0201", "API request error", requestID))
			return
		}
	}
	// Identity requests are not job requests: the stats count them, no job.
	if s.serveIdentity(w, r, body, requestID) {
		return
	}
	rt, ok := parseRoute(r, body)
	if !ok {
		writeJSON(w, http.StatusNotFound, gatewayError(CodeAPINotFound, apiNotFoundMessage, requestID))
		return
	}
	info.routed, info.projectID, info.jobID = true, rt.projectID, rt.jobID

	wallNow, simNow := s.clock.wallNow(), s.clock.simNow()
	accessKey, aerr := s.auth.authenticate(r, body, wallNow, simNow)
	info.accessKey = accessKey
	if aerr == nil {
		info.principal = s.auth.principalOf(accessKey)
	}
	if aerr != nil {
		info.authFailed = true
		writeJSON(w, http.StatusUnauthorized, gatewayError(aerr.code, aerr.msg, requestID))
		return
	}
	if ok, wait := s.quota.take(accessKey, simNow); !ok {
		s.writeThrottled(w, requestID, s.retryAfterSeconds(wait))
		return
	}

	if rt.invalid != "" {
		writeJSON(w, http.StatusBadRequest, object{{"error_code", CodeInvalidParameter}, {"error_msg", "Invalid parameter: " + rt.invalid}})
		return
	}
	if rule, left := s.faults.pick(rt.projectID, rt.jobID, simNow, s.draw); rule != nil {
		if s.applyFault(w, r, rule, left, rt, requestID) {
			return
		}
	}
	s.answer(w, rt, requestID)
}

// answer writes the job in its service's shape, or the service's answer for
// a job it does not know.
func (s *Server) answer(w http.ResponseWriter, rt route, requestID string) {
	j, view, ok := s.lookup(rt, s.clock.simNow())
	if !ok {
		status, body := notFoundAnswer(rt.style)
		writeJSON(w, status, body)
		return
	}
	view.requestID, view.route = requestID, rt
	if sendJSON(w, http.StatusOK, view.body()) == nil && view.ended {
		s.markServed(j, s.clock.wallNow())
	}
}

func (s *Server) writeThrottled(w http.ResponseWriter, requestID string, retryAfter int) {
	w.Header().Set(headerRetryAfter, strconv.Itoa(retryAfter))
	writeJSON(w, http.StatusTooManyRequests, gatewayError(CodeThrottled, throttledMessage, requestID))
}

// retryAfterSeconds converts a simulated wait to the whole real seconds a
// client should wait, at least one so no client is told to retry at once.
func (s *Server) retryAfterSeconds(simWait time.Duration) int {
	secs := math.Ceil(s.clock.realDuration(simWait).Seconds())
	return int(max(1, min(secs, 3600)))
}

// applyFault answers with the fault, or returns false when the fault needs
// a job the request does not name, leaving the normal answer to the caller.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, rule *FaultRule, left time.Duration, rt route, requestID string) bool {
	switch rule.Kind {
	case FaultError:
		status, body := errorBody(rule, requestID)
		writeJSON(w, status, body)
	case FaultThrottle:
		retry := rule.RetryAfter
		if retry == 0 {
			retry = s.retryAfterSeconds(left)
		}
		s.writeThrottled(w, requestID, retry)
	case FaultHang:
		if !s.hold(r.Context(), rule.Delay.D()) {
			s.releaseHeld(w, r, requestID)
			return true
		}
		writeJSON(w, http.StatusGatewayTimeout, gatewayError("APIG.0201", "Backend timeout", requestID))
	case FaultSlow:
		if !s.hold(r.Context(), rule.Delay.D()) {
			s.releaseHeld(w, r, requestID)
			return true
		}
		return false
	case FaultReset:
		resetConnection(w)
	case FaultHugeBody:
		writeHugeBody(w, rt.jobID, rule.Size)
	case FaultDeepNesting:
		writeDeepNesting(w, rt.jobID, rule.Depth)
	default:
		_, view, ok := s.lookup(rt, s.clock.simNow())
		if !ok {
			return false
		}
		view.requestID, view.route = requestID, rt
		return writeHostileJob(w, rule, view)
	}
	return true
}

// hold waits d of real time (forever when d is zero) and reports whether it
// did; it gives up when the client goes away or the server closes.
func (s *Server) hold(ctx context.Context, d time.Duration) bool {
	var timeout <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// releaseHeld ends a held request: nothing to write when the client left,
// a 503 when the server is closing.
func (s *Server) releaseHeld(w http.ResponseWriter, r *http.Request, requestID string) {
	if r.Context().Err() != nil {
		return
	}
	writeJSON(w, http.StatusServiceUnavailable, gatewayError("APIG.0202", "Backend unavailable", requestID))
}

// resetConnection drops the connection without an answer.
func resetConnection(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close() // dropping the connection is the point; its error changes nothing
		return
	}
	// HTTP/2 cannot hand over the connection; aborting the handler resets
	// the stream instead.
	panic(http.ErrAbortHandler)
}

// writeJSON writes v with an exact Content-Length. A write that fails means
// the client has gone, leaving no one to tell, so the error is dropped; use
// sendJSON where it matters whether the answer went out.
func writeJSON(w http.ResponseWriter, status int, v any) {
	_ = sendJSON(w, status, v)
}

// sendJSON is writeJSON that returns the encoding or write error.
func sendJSON(w http.ResponseWriter, status int, v any) error {
	b, err := marshalNoEscape(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return err
	}
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}
