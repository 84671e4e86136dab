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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The operator under test is the real binary, built once per run by TestMain, so
// that what is killed, restarted and measured is the process a cluster runs:
// its flags, its signal handling, its memory and its own leader election.

// Lines of the operator's output the tests wait for.
const (
	// workersStarted: the controller's caches are synced and it reconciles.
	workersStarted = "Starting workers"
	// leaseAcquired: client-go's leader election made this process the leader
	// ("Successfully acquired lease" or, in older versions, lower case).
	leaseAcquired = "uccessfully acquired lease"
)

// operatorArgs are flags every test passes: loopback metrics and probes, the
// simulator's plain-http loopback endpoint, and intervals short enough for a
// test. Tests add and override flags (the last occurrence of a flag wins).
func operatorArgs() []string {
	return []string{
		"--allow-loopback-endpoints",
		"--min-poll-interval=500ms",
		"--max-poll-interval=2s",
		"--cloud-request-timeout=2s",
		"--cloud-requests-per-minute=30000",
		"--max-concurrent-reconciles=10",
		"--job-not-found-grace=10s",
		"--auth-retry-interval=2s",
		"--stalled-retry-interval=5s",
	}
}

// operatorProcess is one run of the operator binary. Its output goes to a log
// file in the suite's work directory, which the secrets test scans at the end.
type operatorProcess struct {
	name        string
	cmd         *exec.Cmd
	logPath     string
	logFile     *os.File
	metricsAddr string
	probeAddr   string

	done    chan struct{}
	waitErr error

	mu     sync.Mutex
	killed bool
}

// startOperator starts the operator binary with the admin kubeconfig (unless
// args name another) and the given extra flags, and waits until it answers its
// readiness probe. The process is killed and waited for when the test ends.
func startOperator(t *testing.T, name string, args ...string) *operatorProcess {
	t.Helper()
	metricsAddr, probeAddr := freeAddr(t), freeAddr(t)
	full := []string{
		"--kubeconfig=" + suite.kubeconfig,
		"--metrics-bind-address=" + metricsAddr,
		"--metrics-secure=false",
		"--health-probe-bind-address=" + probeAddr,
	}
	full = append(full, operatorArgs()...)
	full = append(full, args...)

	logPath := filepath.Join(suite.logDir, fmt.Sprintf("%s-%d.log", name, time.Now().UnixNano()))
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(suite.managerBin, full...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// The operator gets no inherited environment beyond what it needs: no
	// KUBECONFIG or proxy settings from the developer's shell, so that every
	// connection stays on loopback and goes to the test control plane.
	cmd.Env = []string{"HOME=" + suite.workDir, "PATH=/usr/bin:/bin"}
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		t.Fatalf("starting the operator %s: %v", name, err)
	}
	p := &operatorProcess{
		name: name, cmd: cmd, logPath: logPath, logFile: logFile,
		metricsAddr: metricsAddr, probeAddr: probeAddr,
		done: make(chan struct{}),
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(t) })
	if err := p.waitReady(60 * time.Second); err != nil {
		t.Fatalf("operator %s: %v\n%s", name, err, p.logTail(40))
	}
	return p
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

func (p *operatorProcess) pid() int { return p.cmd.Process.Pid }

// alive reports whether the process has not exited.
func (p *operatorProcess) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// waitReady polls /readyz until it answers 200, the process exits, or timeout.
func (p *operatorProcess) waitReady(timeout time.Duration) error {
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for {
		if !p.alive() {
			return fmt.Errorf("exited before it was ready: %w", p.waitErr)
		}
		resp, err := c.Get("http://" + p.probeAddr + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s (last error: %w)", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// scrapeMetrics fetches /metrics. Each scrape is also kept, for the secrets scan.
func (p *operatorProcess) scrapeMetrics() (string, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + p.metricsAddr + "/metrics")
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("/metrics answered HTTP %d", resp.StatusCode)
	}
	text := string(body)
	suite.keepMetrics(p.name, text)
	return text, nil
}

// kill sends SIGKILL, as a node failure or the OOM killer would, and waits for
// the process to be gone. The metrics are scraped first so that the secrets scan
// sees what this incarnation exposed.
func (p *operatorProcess) kill(t *testing.T) {
	t.Helper()
	_, _ = p.scrapeMetrics()
	p.mu.Lock()
	p.killed = true
	p.mu.Unlock()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("killing operator %s: %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatalf("operator %s still running 10s after SIGKILL", p.name)
	}
}

// stop ends the process gracefully (SIGTERM, then SIGKILL after 10 s), waits for
// it and closes its log. It is safe to call more than once.
func (p *operatorProcess) stop(t *testing.T) {
	if p.alive() {
		_, _ = p.scrapeMetrics()
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			t.Errorf("operator %s ignored SIGTERM for 10s; killing it", p.name)
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
			<-p.done
		}
	}
	_ = p.logFile.Close()
}

// exitedUnexpectedly reports whether the process ended without being told to.
func (p *operatorProcess) exitedUnexpectedly() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.alive() && !p.killed
}

// log returns the process's output so far.
func (p *operatorProcess) log() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return ""
	}
	return string(b)
}

// logContains reports whether the output so far contains s.
func (p *operatorProcess) logContains(s string) bool {
	b, err := os.ReadFile(p.logPath)
	return err == nil && bytes.Contains(b, []byte(s))
}

// logTail returns the last n lines of the output, for failure messages.
func (p *operatorProcess) logTail(n int) string {
	lines := strings.Split(strings.TrimRight(p.log(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return fmt.Sprintf("--- last %d lines of %s ---\n%s", len(lines), p.name, strings.Join(lines, "\n"))
}

// waitLog waits until the output contains s, and returns how long that took.
func (p *operatorProcess) waitLog(s string, timeout time.Duration) (time.Duration, bool) {
	return waitUntil(context.Background(), timeout, 50*time.Millisecond, func() bool { return p.logContains(s) })
}

// countLogLines counts output lines containing s.
func (p *operatorProcess) countLogLines(s string) int {
	n := 0
	for _, line := range strings.Split(p.log(), "\n") {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// waitUntil polls cond every interval until it holds or timeout passes, and
// returns how long it took and whether it held.
func waitUntil(ctx context.Context, timeout, interval time.Duration, cond func() bool) (time.Duration, bool) {
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		if cond() {
			return time.Since(start), true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return time.Since(start), false
		}
		select {
		case <-ctx.Done():
		case <-time.After(interval):
		}
	}
}
