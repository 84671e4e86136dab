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
	"strings"
	"unicode"
	"unicode/utf8"
)

// Caps on text taken from response bodies. Such text ends up in Kubernetes status,
// events and logs, so it is bounded and stripped of control characters whatever
// the server sends.
const (
	// maxTextBytes bounds messages and failure reasons.
	maxTextBytes = 1024
	// maxIDBytes bounds ids, codes, states and job types.
	maxIDBytes = 256
)

// cleanText makes server-sent text safe to show: valid UTF-8, no control or bidi
// control characters (line breaks and tabs become spaces), trimmed, and at most max
// bytes, cut on a character boundary.
func cleanText(s string, max int) string {
	if len(s) > 4*max {
		s = s[:4*max] // no need to scan megabytes to keep a kilobyte
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut])
}

func cleanID(s string) string      { return cleanText(s, maxIDBytes) }
func cleanMessage(s string) string { return cleanText(s, maxTextBytes) }
