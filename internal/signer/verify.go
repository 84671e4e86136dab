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

package signer

import (
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Errors of the server half. Callers test them with errors.Is.
var (
	// ErrMalformedAuthorization: the Authorization header is not an
	// SDK-HMAC-SHA256 header of the documented form.
	ErrMalformedAuthorization = errors.New("signer: malformed Authorization header")
	// ErrSignatureMismatch: the signature does not match the request.
	ErrSignatureMismatch = errors.New("signer: signature does not match")
	// ErrMissingDate: the request has no X-Sdk-Date header.
	ErrMissingDate = errors.New("signer: missing X-Sdk-Date header")
	// ErrBadDate: the X-Sdk-Date header is not in DateFormat.
	ErrBadDate = errors.New("signer: X-Sdk-Date is not in the form 20060102T150405Z")
	// ErrDateNotSigned: the signed headers leave out X-Sdk-Date, so the date could be
	// replayed or changed freely.
	ErrDateNotSigned = errors.New("signer: X-Sdk-Date is not among the signed headers")
)

// Authorization is a parsed Authorization header.
type Authorization struct {
	AccessKey     string
	SignedHeaders []string
	Signature     string
}

// String renders the header value:
// "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex".
func (a Authorization) String() string {
	return Algorithm + " Access=" + a.AccessKey +
		", SignedHeaders=" + strings.Join(a.SignedHeaders, ";") +
		", Signature=" + a.Signature
}

// ParseAuthorization parses an Authorization header value. It accepts the three
// parts in any order and extra spaces around them, and requires a non-empty access
// key, at least one lower-case signed header name and a 64-digit hex signature.
func ParseAuthorization(value string) (Authorization, error) {
	var auth Authorization
	rest, ok := strings.CutPrefix(strings.TrimSpace(value), Algorithm+" ")
	if !ok {
		return auth, fmt.Errorf("%w: algorithm is not %s", ErrMalformedAuthorization, Algorithm)
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(rest, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || seen[key] {
			return auth, fmt.Errorf("%w: expected Access=, SignedHeaders= and Signature= once each", ErrMalformedAuthorization)
		}
		seen[key] = true
		switch key {
		case "Access":
			auth.AccessKey = val
		case "SignedHeaders":
			auth.SignedHeaders = strings.Split(val, ";")
		case "Signature":
			auth.Signature = val
		default:
			return auth, fmt.Errorf("%w: unknown part %q", ErrMalformedAuthorization, key)
		}
	}
	switch {
	case auth.AccessKey == "":
		return auth, fmt.Errorf("%w: no access key", ErrMalformedAuthorization)
	case len(auth.SignedHeaders) == 0:
		return auth, fmt.Errorf("%w: no signed headers", ErrMalformedAuthorization)
	case len(auth.Signature) != 64 || !isHex(auth.Signature):
		return auth, fmt.Errorf("%w: signature is not 64 hex digits", ErrMalformedAuthorization)
	}
	for _, name := range auth.SignedHeaders {
		if name == "" || name != strings.ToLower(name) || strings.ContainsAny(name, " \t:") {
			return auth, fmt.Errorf("%w: bad signed header name %q", ErrMalformedAuthorization, name)
		}
	}
	return auth, nil
}

// Verify recomputes the signature of req over auth.SignedHeaders with secretKey and
// compares it in constant time. It fails with ErrMissingDate or ErrBadDate when
// X-Sdk-Date is absent or malformed, ErrDateNotSigned when it is not signed, and
// ErrSignatureMismatch otherwise. It does not judge how old the date is: the caller
// compares RequestDate with its own clock (the gateway allows 15 minutes).
func Verify(req *http.Request, body []byte, auth Authorization, secretKey string) error {
	if _, err := RequestDate(req); err != nil {
		return err
	}
	if !slices.Contains(auth.SignedHeaders, "x-sdk-date") {
		return ErrDateNotSigned
	}
	want, err := hex.DecodeString(signature(req, body, auth.SignedHeaders, secretKey))
	if err != nil {
		return err
	}
	got, err := hex.DecodeString(auth.Signature)
	if err != nil || !hmac.Equal(got, want) {
		return ErrSignatureMismatch
	}
	return nil
}

// RequestDate returns the time in the request's X-Sdk-Date header, in UTC.
func RequestDate(req *http.Request) (time.Time, error) {
	value := req.Header.Get(HeaderDate)
	if value == "" {
		return time.Time{}, ErrMissingDate
	}
	t, err := time.Parse(DateFormat, value)
	if err != nil {
		return time.Time{}, ErrBadDate
	}
	return t.UTC(), nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
