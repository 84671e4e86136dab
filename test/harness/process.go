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

package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultStopGrace is how long a process gets to exit after SIGTERM before it is
// killed: more than the operator's own shutdown (its Event drain and Lease
// release) needs.
const DefaultStopGrace = 15 * time.Second

// sampleEvery is how often a running process's CPU time and memory are read, so
// that its peak is known even if it dies.
const sampleEvery = time.Second

// ProcessOptions start a Process.
type ProcessOptions struct {
	// Name is the process's name in errors.
	Name string
	// Path is the binary to run, with Args.
	Path string
	Args []string
	// Env is the process's whole environment: nothing is inherited, so that no
	// KUBECONFIG or proxy setting of the caller's shell reaches it.
	Env []string
	// LogPath receives the process's standard output and error.
	LogPath string
	// Output, when set, also receives the output as it is written.
	Output io.Writer
	// StopGrace overrides DefaultStopGrace.
	StopGrace time.Duration
}

// Process is a child process in a process group of its own. Its output is kept
// in a file, its CPU time and memory are sampled every second, and Stop or Kill
// always reap it. On Linux the kernel kills it should the caller die first.
type Process struct {
	Name    string
	LogPath string

	cmd     *exec.Cmd
	logFile *os.File
	grace   time.Duration
	exited  chan struct{}
	waitErr error // set before exited closes

	mu     sync.Mutex
	last   Usage
	killed bool // ended by Stop or Kill

	endOnce      sync.Once
	stopSampling context.CancelFunc
	sampling     sync.WaitGroup
}

// StartProcess starts a process.
func StartProcess(o ProcessOptions) (*Process, error) {
	logFile, err := os.Create(o.LogPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(o.Path, o.Args...)
	cmd.Env = o.Env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	var out io.Writer = logFile
	if o.Output != nil {
		out = io.MultiWriter(logFile, o.Output)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting %s (%s): %w", o.Name, o.Path, err)
	}
	grace := o.StopGrace
	if grace <= 0 {
		grace = DefaultStopGrace
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Process{Name: o.Name, LogPath: o.LogPath, cmd: cmd, logFile: logFile, grace: grace,
		exited: make(chan struct{}), stopSampling: cancel}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	p.sampling.Add(1)
	go p.sampleLoop(ctx)
	return p, nil
}

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Alive reports whether the process has not exited.
func (p *Process) Alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Exited is closed when the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// ExitedUnexpectedly reports whether the process ended without Stop or Kill.
func (p *Process) ExitedUnexpectedly() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.Alive() && !p.killed
}

// ExitError is a process that exited on its own.
type ExitError struct {
	Name string
	// When says when it exited, for example "before it was ready".
	When string
	// Err is how it exited, for example "exit status 3".
	Err error
	// LogTail is the end of its log.
	LogTail string
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("%s exited %s (%v)\n%s", e.Name, e.When, e.Err, e.LogTail)
}

func (e *ExitError) Unwrap() error { return e.Err }

// Failure describes a process that exited on its own, with the end of its log;
// nil while it runs or when it was stopped.
func (p *Process) Failure() error {
	if !p.ExitedUnexpectedly() {
		return nil
	}
	return p.exitError("on its own")
}

func (p *Process) exitError(when string) *ExitError {
	err := p.waitErr
	if err == nil {
		err = errors.New("exit status 0")
	}
	return &ExitError{Name: p.Name, When: when, Err: err, LogTail: p.LogTail(30)}
}

func (p *Process) sampleLoop(ctx context.Context) {
	defer p.sampling.Done()
	t := time.NewTicker(sampleEvery)
	defer t.Stop()
	for {
		p.Usage()
		select {
		case <-ctx.Done():
			return
		case <-p.exited:
			return
		case <-t.C:
		}
	}
}

// Usage reads the process's CPU time and memory now, and returns the latest
// figures read, which stay available after it exits.
func (p *Process) Usage() Usage {
	u, err := ReadUsage(p.PID())
	p.mu.Lock()
	defer p.mu.Unlock()
	if err == nil {
		p.last = u
	}
	return p.last
}

// Stop sends SIGTERM to the process group, waits up to the grace period, then
// kills the group, and reaps the process in every case. It returns the last
// figures read and whether the process had to be killed. It is safe to call more
// than once.
func (p *Process) Stop() (Usage, bool) {
	forced := false
	p.end(func() {
		_ = signalGroup(p.cmd.Process, sigTerm)
		select {
		case <-p.exited:
		case <-time.After(p.grace):
			forced = true
			_ = signalGroup(p.cmd.Process, sigKill)
			<-p.exited
		}
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last, forced
}

// Kill kills the process group at once, as a node failure or the OOM killer
// would, and reaps the process.
func (p *Process) Kill() Usage {
	p.end(func() {
		_ = signalGroup(p.cmd.Process, sigKill)
		<-p.exited
	})
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// end samples a last time, runs stop if the process is alive, removes what is
// left of its group, and closes the log.
func (p *Process) end(stop func()) {
	p.endOnce.Do(func() {
		p.Usage()
		p.stopSampling()
		p.mu.Lock()
		p.killed = p.Alive()
		p.mu.Unlock()
		if p.Alive() {
			stop()
		}
		// Anything the process started and left behind goes with it.
		_ = signalGroup(p.cmd.Process, sigKill)
		p.sampling.Wait()
		_ = p.logFile.Close()
	})
}

// Log is the process's output so far.
func (p *Process) Log() string {
	b, err := os.ReadFile(p.LogPath)
	if err != nil {
		return ""
	}
	return string(bytes.ToValidUTF8(b, []byte("?")))
}

// LogContains reports whether the output so far contains s.
func (p *Process) LogContains(s string) bool {
	b, err := os.ReadFile(p.LogPath)
	return err == nil && bytes.Contains(b, []byte(s))
}

// CountLogLines counts the output lines that contain s.
func (p *Process) CountLogLines(s string) int {
	n := 0
	for _, line := range strings.Split(p.Log(), "\n") {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// ErrorLines counts the output lines that report an error (structured JSON at
// level error, or a klog E line), so that a run that went wrong quietly does not
// pass for a good one.
func (p *Process) ErrorLines() int {
	n := 0
	for _, l := range strings.Split(p.Log(), "\n") {
		if strings.Contains(l, `"level":"error"`) || strings.HasPrefix(l, "E") && strings.Contains(l, "]") {
			n++
		}
	}
	return n
}

// LogTail is the last n lines of the output under a heading, for errors.
func (p *Process) LogTail(n int) string {
	text := strings.TrimRight(p.Log(), "\n")
	if text == "" {
		return fmt.Sprintf("--- %s wrote nothing ---", p.Name)
	}
	lines := strings.Split(text, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return fmt.Sprintf("--- last %d lines of %s (%s) ---\n%s", len(lines), p.Name, p.LogPath, strings.Join(lines, "\n"))
}

// WaitLog waits until the output contains s or timeout passes; it returns how long it waited and whether s appeared.
func (p *Process) WaitLog(ctx context.Context, s string, timeout time.Duration) (time.Duration, bool) {
	return WaitUntil(ctx, timeout, 50*time.Millisecond, func() bool { return p.LogContains(s) })
}

// WaitUntil polls cond every interval until it holds, ctx ends or timeout
// passes, and returns how long it took and whether cond held.
func WaitUntil(ctx context.Context, timeout, interval time.Duration, cond func() bool) (time.Duration, bool) {
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		if cond() {
			return time.Since(start), true
		}
		if !time.Now().Before(deadline) || ctx.Err() != nil {
			return time.Since(start), false
		}
		select {
		case <-ctx.Done():
		case <-time.After(interval):
		}
	}
}

// FreeAddr returns a loopback address whose port the kernel handed out a moment
// ago.
func FreeAddr() (string, error) {
	port, err := FreePort()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil
}

// FreePort is the port of FreeAddr, for servers that take a port alone.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
