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
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// redacted stands in for a secret wherever credentials are printed.
const redacted = "[redacted]"

// Credentials is an access key pair, optionally with the security token of
// temporary credentials. Printing it with any fmt verb, or marshalling it to JSON,
// shows the access key but never the secret key or the token, so that credentials
// that end up in a log line or an error by accident do not leak.
type Credentials struct {
	AccessKey     string
	SecretKey     string
	SecurityToken string
}

// String shows the access key and whether the secrets are set, never their values.
func (c Credentials) String() string {
	return fmt.Sprintf("Credentials{AccessKey: %s, SecretKey: %s, SecurityToken: %s}",
		strconv.Quote(c.AccessKey), mask(c.SecretKey), mask(c.SecurityToken))
}

// GoString makes %#v as safe as %v.
func (c Credentials) GoString() string { return "signer." + c.String() }

// Format makes every verb (%v, %+v, %#v, %s, %q, %x, ...) print the redacted form:
// without it, %x or %+v on a struct holding Credentials could still reach the fields.
func (c Credentials) Format(f fmt.State, verb rune) {
	s := c.String()
	switch {
	case verb == 'v' && f.Flag('#'):
		s = c.GoString()
	case verb == 'q':
		s = strconv.Quote(s)
	}
	// Format cannot report an error; fmt keeps the output in its own buffer
	// and returns the destination's write error to the caller of Printf.
	_, _ = io.WriteString(f, s)
}

// MarshalJSON keeps the secrets out of JSON as well.
func (c Credentials) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		AccessKey     string `json:"accessKey"`
		SecretKey     string `json:"secretKey,omitempty"`
		SecurityToken string `json:"securityToken,omitempty"`
	}{c.AccessKey, maskOmitEmpty(c.SecretKey), maskOmitEmpty(c.SecurityToken)})
}

func mask(secret string) string {
	if secret == "" {
		return `""`
	}
	return redacted
}

func maskOmitEmpty(secret string) string {
	if secret == "" {
		return ""
	}
	return redacted
}
