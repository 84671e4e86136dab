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
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Names and formats of the signing protocol.
const (
	// Algorithm is the only signing algorithm the gateway accepts for AK/SK.
	Algorithm = "SDK-HMAC-SHA256"
	// HeaderDate carries the signing time; the gateway rejects a request whose date
	// is more than 15 minutes off its clock (APIGW.0303).
	HeaderDate = "X-Sdk-Date"
	// HeaderSecurityToken carries the token of temporary credentials.
	HeaderSecurityToken = "X-Security-Token"
	// HeaderProjectID names the project for accounts with several projects.
	HeaderProjectID = "X-Project-Id"
	// HeaderAuthorization carries the signature.
	HeaderAuthorization = "Authorization"
	// DateFormat is the layout of HeaderDate, always in UTC.
	DateFormat = "20060102T150405Z"
)

// Signer signs requests with AK/SK credentials.
type Signer struct {
	// Now gives the signing time; nil means time.Now. Tests set it to get exact
	// signatures.
	Now func() time.Time
}

// Sign signs req, whose body is body (nil for none): it sets X-Sdk-Date unless the
// request already carries one, X-Security-Token when the credentials have a token,
// and then Authorization over every header present (see SignedHeaderNames). Any
// previous Authorization is replaced, so a request can be signed again before a
// retry. Headers added after Sign, other than by net/http's transport, break the
// signature.
func (s Signer) Sign(req *http.Request, body []byte, cred Credentials) error {
	if req == nil || req.URL == nil {
		return errors.New("signer: request without URL")
	}
	if cred.AccessKey == "" || cred.SecretKey == "" {
		return errors.New("signer: access key and secret key are required")
	}
	if strings.ContainsAny(cred.AccessKey, ", \t\r\n=") {
		// The access key is written into the Authorization header as is.
		return errors.New("signer: access key contains characters not allowed in the Authorization header")
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	for name := range req.Header {
		if !isToken(name) {
			// A name such as "a;b" would change the meaning of SignedHeaders, and
			// net/http would refuse to send it anyway.
			return fmt.Errorf("signer: header name %q is not a valid HTTP token", name)
		}
	}
	req.Header.Del(HeaderAuthorization)
	if req.Header.Get(HeaderDate) == "" {
		now := time.Now
		if s.Now != nil {
			now = s.Now
		}
		req.Header.Set(HeaderDate, now().UTC().Format(DateFormat))
	}
	if cred.SecurityToken != "" {
		req.Header.Set(HeaderSecurityToken, cred.SecurityToken)
	}
	signed := SignedHeaderNames(req.Header)
	signature := signature(req, body, signed, cred.SecretKey)
	req.Header.Set(HeaderAuthorization, Authorization{
		AccessKey:     cred.AccessKey,
		SignedHeaders: signed,
		Signature:     signature,
	}.String())
	return nil
}

// signature computes the hex signature of req over the given signed headers.
func signature(req *http.Request, body []byte, signedHeaders []string, secretKey string) string {
	canonical := CanonicalRequest(req, body, signedHeaders)
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write([]byte(StringToSign(canonical, req.Header.Get(HeaderDate))))
	return hex.EncodeToString(mac.Sum(nil))
}

// isToken reports whether s is an RFC 9110 token, the syntax of a header name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
