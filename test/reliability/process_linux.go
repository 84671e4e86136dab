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
	"syscall"

	"github.com/cloudjob-operator/cloudjob-operator/internal/procstat"
)

// childProcAttr makes the kernel kill an operator when the test binary dies, so
// that a test timeout (which ends the binary without running t.Cleanup) leaves
// no operator behind.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// peakRSS reads VmHWM, the process's peak resident set size, in bytes.
func peakRSS(pid int) (int64, error) {
	u, err := procstat.Read(pid)
	return u.PeakRSS, err
}
