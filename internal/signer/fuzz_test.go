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
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzCanonicalRequest builds a request from arbitrary parts: canonicalisation must
// never panic, Sign then Verify must round-trip, also after the request crossed the
// wire, and a changed body must be detected.
func FuzzCanonicalRequest(f *testing.F) {
	f.Add("GET", "/path", "limit=1", "X-Custom", "value", []byte(nil))
	f.Add("POST", "/path", "key=value", "TEST_UNDERSCORE", "x", []byte("{\"Name\":\"test\",\"Id\":1}\n"))
	f.Add("GET", "/v1/proj ect/jobs/a%2Fb", "b=2&a=1&a=0", "X-Multi", "  padded  ", []byte{}) //nolint:misspell // "proj ect" is a project id with a space, not a typo
	f.Add("DELETE", "", "q=a+b&q=%E4%B8%AD&;x", "Content-Type", "application/json", []byte{0})
	f.Add("GET", "/%zz/..//./", "%zz=1&=&&", "X-Project-Id", "p", []byte("b"))
	f.Fuzz(func(t *testing.T, method, path, query, headerName, headerValue string, body []byte) {
		u := &url.URL{Scheme: "https", Host: "example.huaweicloud.com", RawQuery: query}
		if p, err := url.PathUnescape(path); err == nil {
			u.Path, u.RawPath = p, path
		} else {
			u.Path = path
		}
		req := &http.Request{Method: method, URL: u, Host: u.Host, Header: http.Header{}}
		if headerName != "" {
			req.Header[headerName] = []string{headerValue}
		}
		_ = CanonicalRequest(req, body, SignedHeaderNames(req.Header))

		s := Signer{Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }}
		if err := s.Sign(req, body, testCred); err != nil {
			if headerName == "" || isToken(headerName) {
				t.Fatalf("Sign: %v", err)
			}
			return // names that are not tokens are refused
		}
		auth, err := ParseAuthorization(req.Header.Get("Authorization"))
		if err != nil {
			t.Fatalf("ParseAuthorization of our own header: %v", err)
		}
		if err := Verify(req, body, auth, testCred.SecretKey); err != nil {
			t.Fatalf("Verify of an untouched request: %v", err)
		}
		tampered := append(append([]byte(nil), body...), 'x')
		if err := Verify(req, tampered, auth, testCred.SecretKey); !errors.Is(err, ErrSignatureMismatch) {
			t.Fatalf("Verify with a changed body = %v, want ErrSignatureMismatch", err)
		}

		// Across the wire: only for requests net/http can send as they are.
		if !validMethod(method) || (headerName != "" && !isToken(headerName)) || !validHeaderValue(headerValue) {
			return
		}
		var wire bytes.Buffer
		if err := req.Write(&wire); err != nil {
			return
		}
		got, err := http.ReadRequest(bufio.NewReader(&wire))
		if err != nil {
			return
		}
		if err := Verify(got, body, auth, testCred.SecretKey); err != nil {
			t.Fatalf("Verify after the wire (%q): %v", wire.String(), err)
		}
	})
}

func validMethod(m string) bool {
	return m == "" || m == strings.ToUpper(m) && isToken(m)
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
