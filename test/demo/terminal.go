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

package demo

import "os"

// terminal reports whether f is a terminal the live table can redraw itself
// on, and its width in columns (0 when unknown). TERM=dumb terminals cannot
// move the cursor, so they get the table printed anew when it changes, as a
// pipe or a file does.
func terminal(f *os.File) (bool, int) {
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 || os.Getenv("TERM") == "dumb" {
		return false, 0
	}
	return true, terminalWidth(f)
}
