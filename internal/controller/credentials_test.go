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

package controller

import "testing"

func TestWhitespaceFlaw(t *testing.T) {
	for v, want := range map[string]string{
		"":                   "",
		"AKIDEXAMPLE":        "",
		"secret with spaces": "",
		"secret\n":           "ends with a newline",
		"secret\r\n":         `ends with a Windows line break (\r\n)`,
		"secret ":            "ends with whitespace",
		"secret\t":           "ends with whitespace",
		" secret":            "starts with whitespace",
		"\nsecret":           "starts with whitespace",
		"sec\nret":           "holds a line break",
		"sec\rret":           "holds a line break",
	} {
		if got := whitespaceFlaw(v); got != want {
			t.Errorf("whitespaceFlaw(%q) = %q, want %q", v, got, want)
		}
	}
}
