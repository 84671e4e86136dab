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
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// CanonicalRequest returns the text that is hashed into the string to sign, for the
// given lower-case header names in the given order. Client and server both build it
// from the request as it travels on the wire, so both halves agree byte for byte.
func CanonicalRequest(req *http.Request, body []byte, signedHeaders []string) string {
	method := req.Method
	if method == "" {
		method = http.MethodGet // net/http sends an empty method as GET
	}
	sum := sha256.Sum256(body)
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(CanonicalURI(req.URL))
	b.WriteByte('\n')
	b.WriteString(CanonicalQuery(req.URL))
	b.WriteByte('\n')
	b.WriteString(CanonicalHeaders(req, signedHeaders))
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.String()
}

// StringToSign is what the secret key signs: the algorithm, the X-Sdk-Date value and
// the hash of the canonical request.
func StringToSign(canonicalRequest, sdkDate string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return Algorithm + "\n" + sdkDate + "\n" + hex.EncodeToString(sum[:])
}

// CanonicalURI encodes each path segment with Escape and always ends in "/", as the
// gateway does, although the request itself is sent without that slash. Segments
// are decoded first so that a path already escaped on the wire (%2F inside a
// segment, say) is signed by its value, the same way on both sides.
func CanonicalURI(u *url.URL) string {
	if u == nil {
		return "/"
	}
	segments := strings.Split(u.EscapedPath(), "/")
	for i, seg := range segments {
		if v, err := url.PathUnescape(seg); err == nil {
			seg = v
		}
		segments[i] = Escape(seg)
	}
	path := strings.Join(segments, "/")
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	return path
}

// CanonicalQuery sorts the keys, sorts the values of a repeated key, and encodes
// both with Escape: "b=2&a=x&a=1" becomes "a=1&a=x&b=2".
func CanonicalQuery(u *url.URL) string {
	if u == nil || u.RawQuery == "" {
		return ""
	}
	query := u.Query()
	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		values := append([]string(nil), query[k]...)
		sort.Strings(values)
		for _, v := range values {
			pairs = append(pairs, Escape(k)+"="+Escape(v))
		}
	}
	return strings.Join(pairs, "&")
}

// CanonicalHeaders writes one "name:trimmed value\n" line per value of each signed
// header, values of a repeated header sorted. Go keeps the Host header in
// req.Host rather than in req.Header, so "host" is read from there when a signer
// (such as the official SDK) chose to sign it. Names are matched without regard to
// case, since a header map filled directly may hold keys that are not in canonical
// form.
func CanonicalHeaders(req *http.Request, signedHeaders []string) string {
	byName := make(map[string][]string, len(req.Header))
	for name, values := range req.Header {
		lower := strings.ToLower(name)
		byName[lower] = append(byName[lower], values...)
	}
	var b strings.Builder
	for _, name := range signedHeaders {
		values := append([]string(nil), byName[name]...)
		if len(values) == 0 && name == "host" && req.Host != "" {
			values = []string{req.Host}
		}
		sort.Strings(values)
		for _, v := range values {
			b.WriteString(name)
			b.WriteByte(':')
			b.WriteString(strings.TrimSpace(v))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// SignedHeaderNames lists, lower-cased and sorted, the headers the client signs:
// every header present except Content-Type (proxies and client libraries rewrite
// it) and names holding '_' (many proxies drop them), as the official SDK does, and
// except Authorization, which carries the signature itself.
func SignedHeaderNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for name := range h {
		lower := strings.ToLower(name)
		if lower == "content-type" || lower == "authorization" || strings.Contains(lower, "_") {
			continue
		}
		names = append(names, lower)
	}
	sort.Strings(names)
	return names
}

// Escape percent-encodes every byte except A-Z a-z 0-9 '_' '-' '~' '.', with
// upper-case hex digits. Unlike url.QueryEscape it writes a space as %20.
func Escape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0x0f])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == '-' || c == '~' || c == '.'
}
