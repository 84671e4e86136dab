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

package huaweicloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrorClass tells the caller what to do about a failed request.
type ErrorClass string

// The error classes.
const (
	// ErrThrottled: the account hit the API's rate limit (HTTP 429, APIG(W).0308).
	// Wait Error.RetryAfter when given, else back off.
	ErrThrottled ErrorClass = "Throttled"
	// ErrUnavailable: the API could not be reached or answered 5xx, or the request
	// timed out. Transient: retry with backoff.
	ErrUnavailable ErrorClass = "Unavailable"
	// ErrAuthenticationFailed: the gateway rejected the credentials or the
	// signature (HTTP 401, APIG(W).0301, .0303 signature expired, i.e. a clock more
	// than 15 minutes off). Do not retry in a tight loop: five consecutive failures
	// lock the access key for five minutes, which also stops every other user of
	// the key. Wait for the credentials to change, or retry slowly.
	ErrAuthenticationFailed ErrorClass = "AuthenticationFailed"
	// ErrForbidden: the credentials may not read this job (HTTP 403).
	ErrForbidden ErrorClass = "Forbidden"
	// ErrNotFound: no such job (HTTP 404, or HTTP 400 Common.0011 as ECS and EVS
	// answer). Finished jobs are deleted a day after they end, so a job once seen
	// finished may later be not found: that is expiry, not failure.
	ErrNotFound ErrorClass = "NotFound"
	// ErrInvalidRequest: the request cannot succeed as made (another 4xx, a
	// redirect, or a request refused before sending: unknown service, bad ids or
	// endpoint).
	ErrInvalidRequest ErrorClass = "InvalidRequest"
	// ErrMalformedResponse: a 2xx answer whose body is not a job of the service's
	// shape, or is larger than the body cap.
	ErrMalformedResponse ErrorClass = "MalformedResponse"
)

// Transient reports whether the same request may succeed later without any change:
// Throttled and Unavailable.
func (c ErrorClass) Transient() bool {
	return c == ErrThrottled || c == ErrUnavailable
}

// maxRetryAfter bounds a server's Retry-After, so that a hostile or broken answer
// cannot park a job for days.
const maxRetryAfter = time.Hour

// Error is the one error type GetJob returns. Its text holds the class, the HTTP
// status, the cloud's code, message and request id, and the cause; it never holds
// credentials.
type Error struct {
	// Class tells what to do; see the ErrorClass constants.
	Class ErrorClass
	// HTTPStatus is the answer's status code, 0 when there was no answer.
	HTTPStatus int
	// Code and Message are the cloud's error code and message, e.g. APIGW.0308,
	// cleaned of control characters and cut to 1 KiB.
	Code, Message string
	// RequestID is the cloud's id of the request, to quote to its support.
	RequestID string
	// RetryAfter is the wait the server asked for in Retry-After (seconds or an
	// HTTP date), at most one hour; 0 when not given.
	RetryAfter time.Duration
	// Err is the cause, when there is one beyond the answer: a transport error, a
	// decoding error.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("huaweicloud: ")
	b.WriteString(string(e.Class))
	if e.HTTPStatus != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.HTTPStatus)
		if text := http.StatusText(e.HTTPStatus); text != "" {
			b.WriteString(" " + text)
		}
	}
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id " + e.RequestID + ")")
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of an *Error anywhere in err's chain, "" for nil and
// for other errors.
func ClassOf(err error) ErrorClass {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return ""
}

// classify maps an error answer to its class. The gateway's codes win over the
// status, since the gateway is known to send them with various statuses.
func classify(status int, code string) ErrorClass {
	switch {
	case status == http.StatusTooManyRequests || gatewayCode(code, "0308"):
		return ErrThrottled
	case status == http.StatusUnauthorized || gatewayCode(code, "0301") || gatewayCode(code, "0303"):
		return ErrAuthenticationFailed
	case status >= 500:
		return ErrUnavailable
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound,
		status == http.StatusBadRequest && strings.EqualFold(code, "Common.0011"):
		return ErrNotFound
	default:
		return ErrInvalidRequest
	}
}

// gatewayCode reports whether code is the API gateway's code number, under either
// of its prefixes (APIG. and APIGW.).
func gatewayCode(code, number string) bool {
	code = strings.ToUpper(code)
	return code == "APIG."+number || code == "APIGW."+number
}

// errorBody is the union of the error bodies the APIs send:
//
//	{"error_code": "APIGW.0301", "error_msg": "...", "request_id": "..."}
//	{"error": {"code": "Ecs.0005", "message": "...", "details": [...]}}
//	{"code": "...", "message": "..."}
//	{"itemNotFound": {"code": 404, "message": "..."}}   (OpenStack-style APIs)
//	{"errCode": "SFS.TURBO.0001", "errMsg": "..."}       (SFS Turbo)
type errorBody struct {
	ErrorCode json.RawMessage `json:"error_code"`
	ErrorMsg  json.RawMessage `json:"error_msg"`
	ErrCode   json.RawMessage `json:"errCode"`
	ErrMsg    json.RawMessage `json:"errMsg"`
	RequestID json.RawMessage `json:"request_id"`
	Error     json.RawMessage `json:"error"`
	Code      json.RawMessage `json:"code"`
	Message   json.RawMessage `json:"message"`
}

type codeMessage struct {
	Code    json.RawMessage `json:"code"`
	Message json.RawMessage `json:"message"`
}

// parseErrorBody finds the cloud's code, message and request id in an error
// answer's body, whichever form it takes; a body that is not JSON yields nothing.
func parseErrorBody(body []byte) (code, message, requestID string) {
	var w errorBody
	if firstByte(body) != '{' || json.Unmarshal(body, &w) != nil {
		return "", "", ""
	}
	code, message = looseString(w.ErrorCode), looseString(w.ErrorMsg)
	requestID = looseString(w.RequestID)
	if code == "" && message == "" {
		switch firstByte(w.Error) {
		case '{':
			var inner codeMessage
			if json.Unmarshal(w.Error, &inner) == nil {
				code, message = looseString(inner.Code), looseString(inner.Message)
			}
		case '"':
			message = looseString(w.Error)
		}
	}
	if code == "" && message == "" {
		code, message = looseString(w.Code), looseString(w.Message)
	}
	if code == "" && message == "" {
		code, message = looseString(w.ErrCode), looseString(w.ErrMsg)
	}
	if code == "" && message == "" {
		code, message = singleWrappedError(body)
	}
	return cleanID(code), cleanMessage(message), cleanID(requestID)
}

// singleWrappedError reads the OpenStack form, one key wrapping code and message.
func singleWrappedError(body []byte) (code, message string) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil || len(fields) != 1 {
		return "", ""
	}
	for _, raw := range fields {
		var inner codeMessage
		if firstByte(raw) == '{' && json.Unmarshal(raw, &inner) == nil {
			return looseString(inner.Code), looseString(inner.Message)
		}
	}
	return "", ""
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date,
// relative to now. It returns 0 for none, for nonsense and for dates past.
func parseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(value); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}
