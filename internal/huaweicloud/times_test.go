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
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want *time.Time
	}{
		{"2019-04-25T20:04:47.591Z", at("2019-04-25T20:04:47.591Z")},
		{"2019-04-25T20:04:47Z", at("2019-04-25T20:04:47Z")},
		{"2019-04-25T20:04:47.591+08:00", at("2019-04-25T12:04:47.591Z")},
		{"2019-04-25T20:04:47+0800", at("2019-04-25T12:04:47Z")},
		{"2019-04-25T20:04:47.591", at("2019-04-25T20:04:47.591Z")},
		{"2019-04-25T20:04:47", at("2019-04-25T20:04:47Z")},
		{"2019-04-25 20:04:47", at("2019-04-25T20:04:47Z")},
		{"2019-04-25 20:04:47.5+01:00", at("2019-04-25T19:04:47.5Z")},
		{"2019-04-25T20:04Z", at("2019-04-25T20:04:00Z")},
		{"04-Jun-2015 18:11:06:586", at("2015-06-04T18:11:06.586Z")},
		{"04-Jun-2015 18:11:06.5", at("2015-06-04T18:11:06.5Z")},
		{"04-Jun-2015 18:11:06", at("2015-06-04T18:11:06Z")},
		{"1556222674604", at("2019-04-25T20:04:34.604Z")},
		{"1556222674", at("2019-04-25T20:04:34Z")},
		{" 2019-04-25T20:04:47Z ", at("2019-04-25T20:04:47Z")},
		{"", nil},
		{"null", nil},
		{"0001-01-01T00:00:00Z", nil},
		{"0", nil},
		{"-5", nil},
		{"04-Jun-2015 18:11:06:5x6", nil},
		{"04-Foo-2015 18:11:06:586", nil},
		{"2019-13-45T99:00:00Z", nil},
		{"soon", nil},
		// Status times are RFC 3339, years 0001-9999: times outside (in UTC)
		// are not read, or every status write of the job would be refused.
		{"253402300799999", at("9999-12-31T23:59:59.999Z")},
		{"253402300800000", nil},  // 10000-01-01 in epoch milliseconds
		{"1000000000000000", nil}, // the year 33658
		{"9999-12-31T23:59:59Z", at("9999-12-31T23:59:59Z")},
		{"9999-12-31T23:30:00-01:00", nil}, // 10000-01-01T00:30Z
		{"9999-12-31 23:30:00 -0100 -01", nil},
		{"0002-01-01T00:30:00+01:00", nil}, // 0001-12-31T23:30Z
		{"0002-01-01T00:00:00Z", at("0002-01-01T00:00:00Z")},
	}
	for _, tt := range tests {
		got := parseTime(tt.in)
		if !sameTime(got, tt.want) {
			t.Errorf("parseTime(%q) = %s, want %s", tt.in, fmtTime(got), fmtTime(tt.want))
		}
	}
}
