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

package reliability

import (
	"fmt"
	"os"
	"testing"
)

// TestMain starts one control plane and builds the operator once for every test.
// When the control plane's binaries are missing the run fails with testenv's
// message naming `make envtest`: these tests never skip.
func TestMain(m *testing.M) {
	if err := setUp(); err != nil {
		fmt.Fprintln(os.Stderr, "reliability suite:", err)
		tearDown()
		os.Exit(1)
	}
	code := m.Run()
	printSummaries()
	tearDown()
	os.Exit(code)
}
