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
	"strconv"
	"strings"
	"time"
)

// timeLayouts are tried in order. The job APIs document ISO 8601 with milliseconds
// and a Z, but examples and real answers also show no fraction, no zone, a space
// instead of the T, and zones without a colon. Times without a zone are read as
// UTC, the zone the APIs report in.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 -0700 MST", // CCE: Go's own time.String form
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
}

// imsLayout is the IMS example's "04-Jun-2015 18:11:06:586": milliseconds after a
// colon, which time.Parse cannot express, so they are split off first.
const imsLayout = "02-Jan-2006 15:04:05"

// parseTime reads a job time leniently. It returns nil for "", for the zero time
// and for anything it cannot read: a time is useful detail, never a reason to
// reject the whole answer. A time outside the years 2 to 9999 (in UTC) is not
// read either: status times are written as RFC 3339, whose year has four
// digits, and the API server refuses a status holding another, so one such
// time would keep every status write of the job failing.
func parseTime(s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return nil
	}
	if t, ok := parseTimeText(s); ok {
		t = t.UTC()
		if y := t.Year(); y > 1 && y <= maxTimeYear {
			return &t
		}
	}
	return nil
}

// maxTimeYear is the last year a status time can hold (RFC 3339).
const maxTimeYear = 9999

func parseTimeText(s string) (time.Time, bool) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	if t, ok := parseIMSTime(s); ok {
		return t, true
	}
	return parseEpoch(s)
}

func parseIMSTime(s string) (time.Time, bool) {
	if len(s) < len(imsLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(imsLayout, s[:len(imsLayout)])
	if err != nil {
		return time.Time{}, false
	}
	rest := s[len(imsLayout):]
	if rest == "" {
		return t, true
	}
	if rest[0] != ':' && rest[0] != '.' || len(rest) < 2 || len(rest) > 10 {
		return time.Time{}, false
	}
	digits := rest[1:]
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 {
		return time.Time{}, false
	}
	// "586" is milliseconds; scale any number of digits as a decimal fraction.
	frac := time.Duration(n)
	for i := len(digits); i < 9; i++ {
		frac *= 10
	}
	return t.Add(frac), true
}

// parseEpoch reads a number as Unix milliseconds, or as seconds when it is too
// small to be milliseconds of this century.
func parseEpoch(s string) (time.Time, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > 1e15 {
		return time.Time{}, false
	}
	if n < 1e11 {
		return time.Unix(n, 0), true
	}
	return time.UnixMilli(n), true
}
