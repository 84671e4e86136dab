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
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

const (
	// managerReadyTimeout bounds the wait for the operator's readiness probe.
	managerReadyTimeout = time.Minute
	// managerStopTimeout is how long the operator gets to stop on SIGTERM
	// before it is killed.
	managerStopTimeout = 10 * time.Second
	// logTailLines is how much of the operator's log an error shows, since
	// the log goes away with the temporary directory.
	logTailLines = 20
)

// manager is the operator running as a child process.
type manager struct {
	cmd     *exec.Cmd
	logPath string
	logFile *os.File
	probe   string // host:port of its health probes
	done    chan struct{}
	exitErr error // set before done closes
}

// pollIntervals are the operator's poll intervals for a cloud running scale
// times faster than the wall clock: a longest interval of 20 simulated seconds,
// so that the operator notices an end within about that much simulated time,
// but never below what a real operator would sensibly use between two polls.
func pollIntervals(scale float64) (minPoll, maxPoll, payment time.Duration) {
	maxPoll = min(max(time.Duration(float64(20*time.Second)/scale), 500*time.Millisecond), time.Minute)
	minPoll = min(max(maxPoll/4, 100*time.Millisecond), 2*time.Second)
	payment = max(maxPoll/2, minPoll)
	return minPoll, maxPoll, payment
}

// managerArgs are the operator's flags: the demo's kubeconfig, no metrics
// endpoint, probes on a port of their own, the simulator's loopback endpoint
// allowed, and poll intervals for the time scale.
func managerArgs(kubeconfig, probe string, scale float64) []string {
	minPoll, maxPoll, payment := pollIntervals(scale)
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--metrics-bind-address=0",
		"--health-probe-bind-address=" + probe,
		"--allow-loopback-endpoints",
		"--min-poll-interval=" + minPoll.String(),
		"--max-poll-interval=" + maxPoll.String(),
		"--awaiting-payment-poll-interval=" + payment.String(),
	}
}

// startManager starts the operator binary at path, with its output in
// logPath. The caller stops it with m.stop even when this fails.
func startManager(m *manager, path, logPath, kubeconfig string, scale float64) error {
	probe, err := freeAddress()
	if err != nil {
		return err
	}
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	cmd := exec.Command(path, managerArgs(kubeconfig, probe, scale)...)
	cmd.Stdout, cmd.Stderr = f, f
	// Only the demo's own kubeconfig: the operator must not find the user's
	// real cluster through $KUBECONFIG even if the flag were ignored.
	cmd.Env = append(withoutEnv(os.Environ(), "KUBECONFIG"), "KUBECONFIG="+kubeconfig)
	newProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		_ = f.Close()
		return fmt.Errorf("starting the operator %s: %w; build it with 'make build'", path, err)
	}
	m.cmd, m.logPath, m.logFile, m.probe, m.done = cmd, logPath, f, probe, make(chan struct{})
	go func() {
		m.exitErr = cmd.Wait()
		close(m.done)
	}()
	return nil
}

// workersStarted is what controller-runtime logs once a controller's caches
// have synced and it reconciles.
const workersStarted = `"Starting workers"`

// waitReady waits until the operator's readiness probe answers and its
// controller has started its workers, failing with the end of its log when it
// exits first. The probe alone answers before the caches have synced: jobs
// created then would wait a second or two for their first poll, and the
// detection lags would show the operator's start instead of its polling. If
// the log never says so, the probe has to do.
func (m *manager) waitReady(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.NewTimer(managerReadyTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var readySince time.Time
	for {
		if readySince.IsZero() {
			resp, err := client.Get("http://" + m.probe + "/readyz")
			if err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					readySince = time.Now()
				}
			}
		}
		if !readySince.IsZero() {
			if log, err := os.ReadFile(m.logPath); err == nil && bytes.Contains(log, []byte(workersStarted)) ||
				time.Since(readySince) > 15*time.Second {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return errInterrupted
		case <-m.done:
			return fmt.Errorf("the operator exited before it was ready (%w); the end of its log is above", m.exitErr)
		case <-deadline.C:
			return fmt.Errorf("the operator was not ready after %s; the end of its log is above", managerReadyTimeout)
		case <-tick.C:
		}
	}
}

// exited reports whether the operator has stopped, and why.
func (m *manager) exited() (bool, error) {
	if m.done == nil {
		return false, nil
	}
	select {
	case <-m.done:
		return true, m.exitErr
	default:
		return false, nil
	}
}

// stop asks the operator's process group to stop, kills it after
// managerStopTimeout, and waits until the operator is gone.
func (m *manager) stop() error {
	if m.cmd == nil {
		return nil
	}
	defer func() { _ = m.logFile.Close() }()
	pid := m.cmd.Process.Pid
	if err := terminateGroup(pid); err != nil {
		return err
	}
	select {
	case <-m.done:
	case <-time.After(managerStopTimeout):
		_ = killGroup(pid)
		<-m.done
	}
	// Anything the operator started and left behind goes with it.
	if groupAlive(pid) {
		_ = killGroup(pid)
	}
	return nil
}

// logTail is the end of the operator's log, indented.
func (m *manager) logTail() string {
	data, err := os.ReadFile(m.logPath)
	if err != nil {
		return "    (" + err.Error() + ")"
	}
	text := strings.TrimRight(string(bytes.ToValidUTF8(data, []byte("?"))), "\n")
	if text == "" {
		return "    (empty: the operator wrote nothing)"
	}
	lines := strings.Split(text, "\n")
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	return "    " + strings.Join(lines, "\n    ")
}

// freeAddress returns a loopback address whose port was free a moment ago.
func freeAddress() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}

func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// errInterrupted: Ctrl-C or SIGTERM ended the demo before every job had
// finished.
var errInterrupted = errors.New("interrupted")
