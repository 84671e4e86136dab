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
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var testCred = Credentials{AccessKey: "AccessKey", SecretKey: "SecretKey"}

func newRequest(t testing.TB, method, url string, header map[string][]string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, values := range header {
		// Set the map directly so names such as TEST_UNDERSCORE stay as written.
		req.Header[name] = values
	}
	return req
}

// TestPublishedVectors reproduces the two test vectors published with the official
// SDK's signer.
func TestPublishedVectors(t *testing.T) {
	tests := []struct {
		name          string
		method, url   string
		body          []byte
		header        map[string][]string
		signedHeaders string
		signature     string
	}{
		{
			name:   "GET with an underscore header left out",
			method: http.MethodGet, url: "https://example.huaweicloud.com/path?limit=1",
			header: map[string][]string{
				"X-Sdk-Date":      {"20060102T150405Z"},
				"TEST_UNDERSCORE": {"value"},
			},
			signedHeaders: "x-sdk-date",
			signature:     "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624",
		},
		{
			name:   "POST with a JSON body",
			method: http.MethodPost, url: "https://example.huaweicloud.com/path?key=value",
			body:          []byte("{\"Name\":\"test\",\"Id\":1}\n"),
			header:        map[string][]string{"X-Sdk-Date": {"20060102T150405Z"}},
			signedHeaders: "x-sdk-date",
			signature:     "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(t, tt.method, tt.url, tt.header)
			// A clock far from the header's date proves an existing date is kept.
			s := Signer{Now: func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }}
			if err := s.Sign(req, tt.body, testCred); err != nil {
				t.Fatal(err)
			}
			want := "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=" + tt.signedHeaders + ", Signature=" + tt.signature
			if got := req.Header.Get("Authorization"); got != want {
				t.Errorf("Authorization\n got %s\nwant %s", got, want)
			}
			if got := req.Header.Get(HeaderDate); got != "20060102T150405Z" {
				t.Errorf("X-Sdk-Date = %q, want the one already set", got)
			}
		})
	}
}

func TestCanonicalRequestText(t *testing.T) {
	req := newRequest(t, http.MethodGet, "https://example.huaweicloud.com/path?limit=1",
		map[string][]string{"X-Sdk-Date": {"20060102T150405Z"}})
	got := CanonicalRequest(req, nil, []string{"x-sdk-date"})
	want := "GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n" +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if got != want {
		t.Errorf("canonical request\n got %q\nwant %q", got, want)
	}
}

func TestCanonicalURI(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://h", "/"},
		{"https://h/", "/"},
		{"https://h/v1/p/jobs/x", "/v1/p/jobs/x/"},
		{"https://h/v1/p/jobs/x/", "/v1/p/jobs/x/"},
		{"https://h/a%20b/c", "/a%20b/c/"},
		{"https://h/a b", "/a%20b/"},
		{"https://h/a%2Fb/c", "/a%2Fb/c/"},
		{"https://h/%E4%B8%AD", "/%E4%B8%AD/"},
		{"https://h/a+b=c;d,e!f*(g)'h:i@j$k", "/a%2Bb%3Dc%3Bd%2Ce%21f%2A%28g%29%27h%3Ai%40j%24k/"},
		{"https://h/A-Z_a.z~09", "/A-Z_a.z~09/"},
	}
	for _, tt := range tests {
		req := newRequest(t, http.MethodGet, tt.url, nil)
		if got := CanonicalURI(req.URL); got != tt.want {
			t.Errorf("CanonicalURI(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct{ query, want string }{
		{"", ""},
		{"limit=1", "limit=1"},
		{"b=2&a=1", "a=1&b=2"},
		{"a=x&b=2&a=1&a=10", "a=1&a=10&a=x&b=2"},
		{"q=a%20b", "q=a%20b"},
		{"q=a+b", "q=a%20b"},
		{"q=%2F%3F%26", "q=%2F%3F%26"},
		{"name=%E4%B8%AD", "name=%E4%B8%AD"},
		{"k%20ey=v", "k%20ey=v"},
		{"empty=&flag", "empty=&flag="},
		{"t=~._-", "t=~._-"},
		{"star=*", "star=%2A"},
	}
	for _, tt := range tests {
		req := newRequest(t, http.MethodGet, "https://h/p?"+tt.query, nil)
		if got := CanonicalQuery(req.URL); got != tt.want {
			t.Errorf("CanonicalQuery(%q) = %q, want %q", tt.query, got, tt.want)
		}
	}
}

func TestCanonicalHeaders(t *testing.T) {
	req := newRequest(t, http.MethodGet, "https://h/p", map[string][]string{
		"X-Sdk-Date": {"20060102T150405Z"},
		"X-Padded":   {"  spaced value \t"},
		"X-Multi":    {"b", "a"},
	})
	names := SignedHeaderNames(req.Header)
	if got, want := strings.Join(names, ";"), "x-multi;x-padded;x-sdk-date"; got != want {
		t.Fatalf("signed headers = %q, want %q", got, want)
	}
	got := CanonicalHeaders(req, names)
	want := "x-multi:a\nx-multi:b\nx-padded:spaced value\nx-sdk-date:20060102T150405Z\n"
	if got != want {
		t.Errorf("canonical headers\n got %q\nwant %q", got, want)
	}
}

func TestSignedHeaderNamesSkips(t *testing.T) {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Authorization", "old")
	h["TEST_UNDERSCORE"] = []string{"x"}
	h.Set("User-Agent", "cloudjob-operator/test")
	h.Set("X-Sdk-Date", "20060102T150405Z")
	if got, want := strings.Join(SignedHeaderNames(h), ";"), "user-agent;x-sdk-date"; got != want {
		t.Errorf("SignedHeaderNames = %q, want %q", got, want)
	}
}

func TestEscape(t *testing.T) {
	tests := map[string]string{
		"":            "",
		"AZaz09_-~.":  "AZaz09_-~.",
		" ":           "%20",
		"/":           "%2F",
		"+":           "%2B",
		"%":           "%25",
		"\x00\xff":    "%00%FF",
		"é":           "%C3%A9",
		"a b/c?d=e&f": "a%20b%2Fc%3Fd%3De%26f",
	}
	for in, want := range tests {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSignSetsDateTokenAndProjectHeaders(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("CST", 8*3600))
	s := Signer{Now: func() time.Time { return at }}
	req := newRequest(t, http.MethodGet, "https://ecs.cn-north-4.myhuaweicloud.com/v1/p/jobs/j", nil)
	req.Header.Set(HeaderProjectID, "p")
	req.Header.Set("Content-Type", "application/json")
	cred := Credentials{AccessKey: "AK", SecretKey: "SK", SecurityToken: "TOKEN"}
	if err := s.Sign(req, nil, cred); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get(HeaderDate); got != "20260303T210607Z" {
		t.Errorf("X-Sdk-Date = %q, want the clock's time in UTC", got)
	}
	if got := req.Header.Get(HeaderSecurityToken); got != "TOKEN" {
		t.Errorf("X-Security-Token = %q", got)
	}
	auth, err := ParseAuthorization(req.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(auth.SignedHeaders, ";"), "x-project-id;x-sdk-date;x-security-token"; got != want {
		t.Errorf("signed headers = %q, want %q", got, want)
	}
	if err := Verify(req, nil, auth, "SK"); err != nil {
		t.Errorf("Verify: %v", err)
	}
	// The token is signed: swapping it must break the signature.
	req.Header.Set(HeaderSecurityToken, "OTHER")
	if err := Verify(req, nil, auth, "SK"); !errors.Is(err, ErrSignatureMismatch) {
		t.Errorf("Verify after token swap = %v, want ErrSignatureMismatch", err)
	}
}

func TestSignWithoutTokenSendsNoTokenHeader(t *testing.T) {
	req := newRequest(t, http.MethodGet, "https://h/p", nil)
	if err := (Signer{}).Sign(req, nil, testCred); err != nil {
		t.Fatal(err)
	}
	if _, ok := req.Header[HeaderSecurityToken]; ok {
		t.Error("X-Security-Token set without a token")
	}
	if _, err := RequestDate(req); err != nil {
		t.Errorf("default clock: %v", err)
	}
}

func TestSignTwiceReplacesAuthorization(t *testing.T) {
	req := newRequest(t, http.MethodGet, "https://h/p", map[string][]string{"X-Sdk-Date": {"20060102T150405Z"}})
	if err := (Signer{}).Sign(req, nil, testCred); err != nil {
		t.Fatal(err)
	}
	first := req.Header.Get("Authorization")
	if err := (Signer{}).Sign(req, nil, testCred); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Values("Authorization"); len(got) != 1 || got[0] != first {
		t.Errorf("Authorization after re-signing = %q, want exactly %q", got, first)
	}
}

func TestSignRejectsBadCredentials(t *testing.T) {
	tests := []Credentials{
		{},
		{AccessKey: "AK"},
		{SecretKey: "SK"},
		{AccessKey: "A, Signature=x", SecretKey: "SK"},
	}
	for _, cred := range tests {
		req := newRequest(t, http.MethodGet, "https://h/p", nil)
		if err := (Signer{}).Sign(req, nil, cred); err == nil {
			t.Errorf("Sign(%v) succeeded", cred)
		}
		if req.Header.Get("Authorization") != "" {
			t.Errorf("Sign(%v) set Authorization despite failing", cred)
		}
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	const secret = "SecretKey"
	body := []byte(`{"a":1}`)
	signed := func() (*http.Request, Authorization) {
		req := newRequest(t, http.MethodPost, "https://h/v1/p/jobs/j?b=2&a=1", map[string][]string{"X-Custom": {"v"}})
		s := Signer{Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }}
		if err := s.Sign(req, body, testCred); err != nil {
			t.Fatal(err)
		}
		auth, err := ParseAuthorization(req.Header.Get("Authorization"))
		if err != nil {
			t.Fatal(err)
		}
		return req, auth
	}
	tests := []struct {
		name   string
		tamper func(req *http.Request, auth *Authorization, body *[]byte, secret *string)
		want   error
	}{
		{"untouched", func(*http.Request, *Authorization, *[]byte, *string) {}, nil},
		{"query order does not matter", func(r *http.Request, _ *Authorization, _ *[]byte, _ *string) { r.URL.RawQuery = "a=1&b=2" }, nil},
		{"trailing slash does not matter", func(r *http.Request, _ *Authorization, _ *[]byte, _ *string) { r.URL.Path = "/v1/p/jobs/j/" }, nil},
		{"content type is not signed", func(r *http.Request, _ *Authorization, _ *[]byte, _ *string) { r.Header.Set("Content-Type", "x") }, nil},
		{"body", func(_ *http.Request, _ *Authorization, b *[]byte, _ *string) { *b = []byte(`{"a":2}`) }, ErrSignatureMismatch},
		{"method", func(r *http.Request, _ *Authorization, _ *[]byte, _ *string) { r.Method = http.MethodPut }, ErrSignatureMismatch},
		{"path", func(r *http.Request, _ *Authorization, _ *[]byte, _ *string) { r.URL.Path = "/v1/p/jobs/k" }, ErrSignatureMismatch},
		{"query value", func(r *http.Request, _ *Authorization, _ *[]byte, _ *string) { r.URL.RawQuery = "b=2&a=2" }, ErrSignatureMismatch},
		{"signed header", func(r *http.Request, _ *Authorization, _ *[]byte, _ *string) { r.Header.Set("X-Custom", "w") }, ErrSignatureMismatch},
		{"removed header", func(r *http.Request, _ *Authorization, _ *[]byte, _ *string) { r.Header.Del("X-Custom") }, ErrSignatureMismatch},
		{"date", func(r *http.Request, _ *Authorization, _ *[]byte, _ *string) {
			r.Header.Set(HeaderDate, "20260102T030406Z")
		}, ErrSignatureMismatch},
		{"signature", func(_ *http.Request, a *Authorization, _ *[]byte, _ *string) {
			a.Signature = strings.Repeat("0", 64)
		}, ErrSignatureMismatch},
		{"secret", func(_ *http.Request, _ *Authorization, _ *[]byte, s *string) { *s = "OtherKey" }, ErrSignatureMismatch},
		{"fewer signed headers", func(_ *http.Request, a *Authorization, _ *[]byte, _ *string) {
			a.SignedHeaders = []string{"x-sdk-date"}
		}, ErrSignatureMismatch},
		{"date not signed", func(_ *http.Request, a *Authorization, _ *[]byte, _ *string) {
			a.SignedHeaders = []string{"x-custom"}
		}, ErrDateNotSigned},
		{"no date", func(r *http.Request, _ *Authorization, _ *[]byte, _ *string) { r.Header.Del(HeaderDate) }, ErrMissingDate},
		{"bad date", func(r *http.Request, _ *Authorization, _ *[]byte, _ *string) { r.Header.Set(HeaderDate, "2026-01-02") }, ErrBadDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, auth := signed()
			b, s := body, secret
			tt.tamper(req, &auth, &b, &s)
			err := Verify(req, b, auth, s)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestVerifyOverTheWire signs a client request and verifies it in a real server,
// where Go moves Host out of the header map, trims header values and keeps the
// escaped path: what the simulator will see.
func TestVerifyOverTheWire(t *testing.T) {
	body := []byte(`{"x":"y"}`)
	cred := Credentials{AccessKey: "AK", SecretKey: "SK", SecurityToken: "tok/en+=="}
	type result struct {
		err  error
		ak   string
		date time.Time
	}
	got := make(chan result, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		auth, err := ParseAuthorization(r.Header.Get("Authorization"))
		if err == nil {
			err = Verify(r, b, auth, "SK")
		}
		date, _ := RequestDate(r)
		got <- result{err, auth.AccessKey, date}
	}))
	defer srv.Close()

	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/proj%20ect/jobs/a%2Fb?x=2&x=1&q=a+b&empty=", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Padded", "  v  ")
	req.Header.Add("X-Multi", "2")
	req.Header.Add("X-Multi", "1")
	req.Header.Set(HeaderProjectID, "proj ect") //nolint:misspell // a project id with a space, not a typo
	if err := (Signer{Now: func() time.Time { return at }}).Sign(req, body, cred); err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := resp.Body.Close(); err != nil {
		t.Fatal(err)
	}
	r := <-got
	if r.err != nil {
		t.Fatalf("server-side Verify: %v", r.err)
	}
	if r.ak != "AK" || !r.date.Equal(at) {
		t.Errorf("server saw access key %q and date %v, want AK and %v", r.ak, r.date, at)
	}
}

func TestParseAuthorization(t *testing.T) {
	sig := strings.Repeat("ab", 32)
	tests := []struct {
		in      string
		want    Authorization
		wantErr bool
	}{
		{in: "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=" + sig,
			want: Authorization{"AK", []string{"host", "x-sdk-date"}, sig}},
		{in: "  SDK-HMAC-SHA256   Signature=" + sig + " ,Access=AK,SignedHeaders=x-sdk-date ",
			want: Authorization{"AK", []string{"x-sdk-date"}, sig}},
		{in: "", wantErr: true},
		{in: "AWS4-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=" + sig, wantErr: true},
		{in: "SDK-HMAC-SHA256 Access=, SignedHeaders=x-sdk-date, Signature=" + sig, wantErr: true},
		{in: "SDK-HMAC-SHA256 Access=AK, Signature=" + sig, wantErr: true},
		{in: "SDK-HMAC-SHA256 Access=AK, SignedHeaders=, Signature=" + sig, wantErr: true},
		{in: "SDK-HMAC-SHA256 Access=AK, SignedHeaders=X-Sdk-Date, Signature=" + sig, wantErr: true},
		{in: "SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=abc", wantErr: true},
		{in: "SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=" + strings.Repeat("zz", 32), wantErr: true},
		{in: "SDK-HMAC-SHA256 Access=AK, Access=BK, SignedHeaders=x-sdk-date, Signature=" + sig, wantErr: true},
		{in: "SDK-HMAC-SHA256 Access=AK, SignedHeaders=x-sdk-date, Signature=" + sig + ", Extra=1", wantErr: true},
		{in: "SDK-HMAC-SHA256 Access=AK SignedHeaders=x-sdk-date Signature=" + sig, wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseAuthorization(tt.in)
		if tt.wantErr {
			if !errors.Is(err, ErrMalformedAuthorization) {
				t.Errorf("ParseAuthorization(%q) error = %v, want ErrMalformedAuthorization", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseAuthorization(%q): %v", tt.in, err)
			continue
		}
		if got.AccessKey != tt.want.AccessKey || got.Signature != tt.want.Signature ||
			strings.Join(got.SignedHeaders, ";") != strings.Join(tt.want.SignedHeaders, ";") {
			t.Errorf("ParseAuthorization(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		// Rendering and parsing again gives the same header.
		if again, err := ParseAuthorization(got.String()); err != nil || again.String() != got.String() {
			t.Errorf("round trip of %q: %v, %q", got.String(), err, again.String())
		}
	}
}

func TestRequestDate(t *testing.T) {
	tests := []struct {
		header  string
		want    time.Time
		wantErr error
	}{
		{"20060102T150405Z", time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC), nil},
		{"", time.Time{}, ErrMissingDate},
		{"2006-01-02T15:04:05Z", time.Time{}, ErrBadDate},
		{"20060102T150405", time.Time{}, ErrBadDate},
	}
	for _, tt := range tests {
		req := newRequest(t, http.MethodGet, "https://h/", nil)
		if tt.header != "" {
			req.Header.Set(HeaderDate, tt.header)
		}
		got, err := RequestDate(req)
		if !errors.Is(err, tt.wantErr) || !got.Equal(tt.want) {
			t.Errorf("RequestDate(%q) = %v, %v; want %v, %v", tt.header, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestSignRejectsHeaderNamesThatAreNotTokens(t *testing.T) {
	for _, name := range []string{"a;b", "a,b", "a b", "a=b", "a:b", "\x00"} {
		req := newRequest(t, http.MethodGet, "https://h/p", map[string][]string{name: {"v"}})
		if err := (Signer{}).Sign(req, nil, testCred); err == nil {
			t.Errorf("Sign with header name %q succeeded", name)
		}
	}
}
