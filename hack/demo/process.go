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

package main

import (
	"errors"
	"os/exec"
	"syscall"
)

// The demo runs where the control plane does (envtest's process handling is
// for Unix), so process groups are there.

// newProcessGroup starts cmd in a process group of its own. Ctrl-C then
// reaches the demo alone (the terminal signals its foreground group), and the
// demo stops the operator itself, after the jobs' last words and before the
// control plane goes away; and stopping the group stops anything the operator
// started too.
func newProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// terminateGroup asks every process of the group led by pid to stop.
func terminateGroup(pid int) error { return signalGroup(pid, syscall.SIGTERM) }

// killGroup stops every process of the group led by pid at once.
func killGroup(pid int) error { return signalGroup(pid, syscall.SIGKILL) }

func signalGroup(pid int, sig syscall.Signal) error {
	if err := syscall.Kill(-pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}

// groupAlive reports whether any process of the group led by pid is left.
func groupAlive(pid int) bool {
	err := syscall.Kill(-pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
